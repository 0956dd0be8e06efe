"""Pictures: AMA groups (Fig. 5 style) and clip grids."""
import numpy as np

from mmseg_avs.visualization import draw_ama_groups, draw_clip_grid, overlay_mask


def test_groups_blue_for_positive_red_for_negative_shaded_by_response():
    frame = np.full((8, 8, 3), 100, np.uint8)
    labels = np.array([[0, 0, 1, 1], [0, 0, 1, 1], [2, 2, 2, 2], [2, 2, 2, 2]])
    out = draw_ama_groups(frame, labels, np.array([0.9, -0.9, 0.1]))
    strong_pos, strong_neg, weak_pos = out[1, 1], out[1, 6], out[7, 7]
    assert strong_pos[2] > strong_pos[0] + 50          # blue
    assert strong_neg[0] > strong_neg[2] + 50          # red
    assert weak_pos[2] - weak_pos[0] < strong_pos[2] - strong_pos[0]   # fainter
    assert (out[4, :] == 255).all()                    # border between groups 0/1 and 2


def test_overlay_and_grid_shapes():
    frame = np.zeros((10, 12, 3), np.uint8)
    mask = np.zeros((10, 12), np.uint8)
    mask[2:5, 2:5] = 1
    mask[8:, :] = 255
    over = overlay_mask(frame, mask, [[0, 0, 0], [255, 0, 0]])
    assert over[3, 3, 0] > 0 and over[0, 0].sum() == 0
    grid = draw_clip_grid([frame] * 3, [[over] * 3], ['frame', 'mask'], ['a', 'b', 'c'], cell=32)
    assert grid.shape == (18 + 2 * 32, 110 + 3 * 32, 3)
