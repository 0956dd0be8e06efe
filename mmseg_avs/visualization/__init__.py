from .ama_groups import draw_ama_groups
from .clip_grid import draw_clip_grid, overlay_mask
from .clip_panel import ama_group_pictures, clip_panel_rows, read_clip_frames
from .html_report import write_html_report
from .uncertainty_map import draw_uncertainty

__all__ = [
    'ama_group_pictures', 'clip_panel_rows', 'draw_ama_groups', 'draw_clip_grid',
    'draw_uncertainty', 'overlay_mask', 'read_clip_frames', 'write_html_report'
]
