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


def test_mask_shows_on_an_object_of_its_own_colour():
    """A red object under a red sounding mask: the tint alone would leave the picture almost
    unchanged, the two-tone outline marks the mask's border."""
    red = (230, 40, 40)
    frame = np.full((12, 12, 3), 90, np.uint8)
    frame[3:9, 3:9] = red
    mask = np.zeros((12, 12), np.uint8)
    mask[3:9, 3:9] = 1
    over = overlay_mask(frame, mask, [[0, 0, 0], [255, 40, 40]])
    inner = np.zeros_like(mask, bool)
    inner[3:9, 3:9] = True
    inner[4:8, 4:8] = False
    outer = np.zeros_like(mask, bool)
    outer[2:10, 2:10] = True
    outer[3:9, 3:9] = False
    assert (over[inner] == 0).all() and (over[outer] == 255).all()
    # away from the border nothing else changes
    assert (over[0, 0] == frame[0, 0]).all()
