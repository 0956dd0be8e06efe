from .ama_groups import draw_ama_groups
from .clip_grid import draw_clip_grid, overlay_mask
from .uncertainty_map import draw_uncertainty

__all__ = ['draw_ama_groups', 'draw_clip_grid', 'draw_uncertainty', 'overlay_mask']
