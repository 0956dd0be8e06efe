"""ClipBoxAwareRandomCrop: one window per clip that keeps >= 60 % of the sounding box."""
import numpy as np
import pytest
from mmseg.registry import TRANSFORMS

import mmseg_avs  # noqa: F401  (registers components)

H, W = 40, 60


def coordinate_clip(boxes, num_frames=3, label=1):
    """Frames whose pixels hold their own (row, column, frame) and masks with a filled
    rectangle ``(x0, y0, x1, y1)`` of ``label`` per frame (None: a frame with no sounding
    pixel); a strip of ignored pixels on the left edge."""
    rows, cols = np.mgrid[:H, :W]
    imgs = [np.stack([rows, cols, np.full_like(rows, t)], -1).astype(np.uint8)
            for t in range(num_frames)]
    segs = []
    for box in boxes:
        seg = np.zeros((H, W), dtype=np.uint8)
        seg[:, :2] = 255
        if box is not None:
            x0, y0, x1, y1 = box
            seg[y0:y1, x0:x1] = label
        segs.append(seg)
    return dict(imgs=imgs, gt_seg_maps=segs, img_shape=(H, W))


def crop(data, seed, **kwargs):
    np.random.seed(seed)
    return TRANSFORMS.build(dict(type='ClipBoxAwareRandomCrop', **kwargs)).transform(data)


def window_of(out):
    """The window ``(x0, y0, x1, y1)`` read from the cropped frames' coordinates."""
    first = out['imgs'][0]
    y0, x0 = int(first[0, 0, 0]), int(first[0, 0, 1])
    return x0, y0, x0 + first.shape[1], y0 + first.shape[0]


def box_coverage(window, box):
    """Share of ``box`` inside ``window``, by counting pixels."""
    inside = np.zeros((H, W), dtype=bool)
    inside[window[1]:window[3], window[0]:window[2]] = True
    return inside[box[1]:box[3], box[0]:box[2]].mean()


@pytest.mark.parametrize('max_attempts', [10, 1])
def test_every_window_keeps_at_least_60_percent_of_a_small_corner_box(max_attempts):
    """A 6 x 5 object in the bottom-right corner of a 60 x 40 frame: most windows that DDESeg's
    area range allows miss it, so only the coverage condition keeps it in view. With one
    draw (DDESeg's), most clips fall back to no crop."""
    box = (52, 33, 58, 38)
    coverages, cropped = [], 0
    for seed in range(300):
        data = coordinate_clip([None, box, None])
        out = crop(data, seed, max_attempts=max_attempts)
        kept = sum(int((seg == 1).sum()) for seg in out['gt_seg_maps'])
        coverages.append(kept / 30)                  # the object is its box: 30 pixels
        cropped += out['imgs'][0].shape[:2] != (H, W)
    assert min(coverages) >= 0.6
    assert min(coverages) < 1 and cropped > 40       # the windows did cut into the box
    assert (cropped < 100) == (max_attempts == 1)


def test_one_window_for_all_frames_and_masks_around_the_union_of_their_boxes():
    """The object moves from the top-left to the bottom-right: every frame and mask gets the
    same window, which keeps >= 60 % of the box around both positions."""
    boxes = [(4, 2, 12, 8), None, (40, 28, 50, 36)]
    union = (4, 2, 50, 36)
    windows = set()
    for seed in range(100):
        before = coordinate_clip(boxes)
        out = crop(coordinate_clip(boxes), seed)
        x0, y0, x1, y1 = window = window_of(out)
        windows.add(window)
        assert out['img_shape'] == (y1 - y0, x1 - x0)
        for t, (img, seg) in enumerate(zip(out['imgs'], out['gt_seg_maps'])):
            assert np.array_equal(img, before['imgs'][t][y0:y1, x0:x1])
            assert np.array_equal(seg, before['gt_seg_maps'][t][y0:y1, x0:x1])
        assert box_coverage(window, union) >= 0.6
        ratio = (x1 - x0) / (y1 - y0)
        if x1 - x0 < W and y1 - y0 < H:              # the window was not clipped to the frame
            assert 0.75 - 0.05 <= ratio <= 1.33 + 0.05
    assert len(windows) > 50


@pytest.mark.parametrize('labels', ['background', 'ignored'])
def test_a_clip_without_sounding_pixels_is_not_cropped(labels):
    for seed in range(20):
        data = coordinate_clip([None, None, None])
        if labels == 'ignored':
            data['gt_seg_maps'] = [np.full((H, W), 255, dtype=np.uint8)] * 3
        out = crop(data, seed)
        assert out['img_shape'] == (H, W)
        assert all(img.shape[:2] == (H, W) for img in out['imgs'])


def test_semantic_labels_are_sounding_too():
    cropped = 0
    for seed in range(50):
        out = crop(coordinate_clip([(52, 33, 58, 38)] * 3, label=17), seed)
        assert sum(int((seg == 17).sum()) for seg in out['gt_seg_maps']) >= 0.6 * 90
        cropped += out['img_shape'] != (H, W)
    assert cropped > 10


def test_misplaced_or_misconfigured_crop_is_an_error():
    data = coordinate_clip([None, (4, 2, 12, 8), None])
    del data['gt_seg_maps']
    with pytest.raises(KeyError, match='after LoadAVSClipAnnotations'):
        crop(data, 0)
    data = coordinate_clip([None, (4, 2, 12, 8), None])
    data['gt_seg_maps'] = [seg[:20] for seg in data['gt_seg_maps']]
    with pytest.raises(ValueError, match="masks of the frames' size"):
        crop(data, 0)
    with pytest.raises(ValueError, match='min_box_coverage'):
        crop(coordinate_clip([None] * 3), 0, min_box_coverage=0)
    with pytest.raises(ValueError, match='max_attempts'):
        crop(coordinate_clip([None] * 3), 0, max_attempts=0)
