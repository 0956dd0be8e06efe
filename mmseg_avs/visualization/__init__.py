from .ama_groups import draw_ama_groups
from .clip_grid import draw_clip_grid, overlay_mask

__all__ = ['draw_ama_groups', 'draw_clip_grid', 'overlay_mask']
