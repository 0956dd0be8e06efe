"""Clip augmentations draw their randomness once per clip and keep masks aligned."""
import numpy as np

from mmseg.registry import TRANSFORMS


def clip(num_frames=4, h=6, w=8, padded_last=False):
    rng = np.random.default_rng(0)
    imgs = [rng.integers(0, 256, (h, w, 3), dtype=np.uint8) for _ in range(num_frames)]
    segs = [rng.integers(0, 3, (h, w), dtype=np.uint8) for _ in range(num_frames)]
    padded = [False] * num_frames
    if padded_last:
        imgs[-1] = np.zeros_like(imgs[-1])
        padded[-1] = True
    return dict(imgs=imgs, gt_seg_maps=segs, is_padded=padded)


def test_flip_is_one_decision_for_the_clip_and_moves_masks_too():
    flip = TRANSFORMS.build(dict(type='ClipRandomFlip', prob=0.5))
    seen = set()
    for seed in range(20):
        np.random.seed(seed)
        before = clip()
        after = flip.transform(clip())
        flipped = [np.array_equal(a, b[:, ::-1]) for a, b in zip(after['imgs'], before['imgs'])]
        kept = [np.array_equal(a, b) for a, b in zip(after['imgs'], before['imgs'])]
        assert all(flipped) or all(kept)
        assert after['flip'] == all(flipped)
        for a, b in zip(after['gt_seg_maps'], before['gt_seg_maps']):
            assert np.array_equal(a, b[:, ::-1] if after['flip'] else b)
        seen.add(after['flip'])
    assert seen == {True, False}


def test_resize_images_bilinear_masks_nearest():
    resize = TRANSFORMS.build(dict(type='ClipResize', scale=(16, 12)))
    out = resize.transform(clip())
    assert all(img.shape == (12, 16, 3) for img in out['imgs'])
    assert all(seg.shape == (12, 16) for seg in out['gt_seg_maps'])
    # nearest keeps the label set (no interpolated labels)
    assert set(np.unique(out['gt_seg_maps'][0])) <= {0, 1, 2}
    assert out['img_shape'] == (12, 16) and out['scale_factor'] == (2.0, 2.0)


def test_photometric_same_change_on_every_frame_padded_slots_untouched():
    photo = TRANSFORMS.build(dict(type='ClipPhotoMetricDistortion'))
    for seed in range(5):
        np.random.seed(seed)
        data = clip(padded_last=True)
        data['imgs'][1] = data['imgs'][0].copy()   # two identical frames stay identical
        out = photo.transform(data)
        assert np.array_equal(out['imgs'][0], out['imgs'][1])
        assert not out['imgs'][-1].any()           # the black padded slot stays black
        assert all(img.dtype == np.uint8 for img in out['imgs'])
