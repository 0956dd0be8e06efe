from .clip_grid import draw_clip_grid, overlay_mask

__all__ = ['draw_clip_grid', 'overlay_mask']
