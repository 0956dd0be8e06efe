"""Clip augmentations draw their randomness once per clip and keep masks aligned."""
import numpy as np
import pytest

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


def _write_tone(path, seconds=2, sr=16000):
    """A loud 440 Hz tone: its log-mels are far from those of silence."""
    import soundfile as sf
    t = np.arange(seconds * sr) / sr
    sf.write(str(path), (0.5 * np.sin(2 * np.pi * 440 * t) * 32767).astype(np.int16), sr,
             subtype='PCM_16')
    return str(path)


def test_random_silence_silences_the_sound_and_empties_the_annotated_pixels(tmp_path):
    wav = _write_tone(tmp_path / 'tone.wav')
    segs = [np.array([[0, 1], [2, 255]], np.uint8), np.full((2, 2), 255, np.uint8)]
    load_audio = TRANSFORMS.build(dict(type='LoadAVSAudio', frontend='vggish', num_segments=2))
    silence = TRANSFORMS.build(dict(type='ClipRandomSilence', prob=1.0))
    out = load_audio(silence(dict(audio_path=wav, gt_seg_maps=[s.copy() for s in segs])))
    # VGGish's log-mel is log(mel + 0.01): zeros give log(0.01) everywhere
    assert out['audio'].shape == (2, 1, 96, 64)
    np.testing.assert_allclose(out['audio'], np.log(0.01), rtol=1e-6)
    assert out['audio_perturb'] == 'silence'
    # annotated pixels become background; frames and pixels without truth stay ignored
    assert np.array_equal(out['gt_seg_maps'][0], [[0, 0], [0, 255]])
    assert np.array_equal(out['gt_seg_maps'][1], segs[1])
    assert out['gt_seg_maps'][0].dtype == np.uint8
    # prob 0: the clip's own sound and masks
    kept = load_audio(TRANSFORMS.build(dict(type='ClipRandomSilence', prob=0.0))(
        dict(audio_path=wav, gt_seg_maps=[s.copy() for s in segs])))
    assert 'audio_perturb' not in kept
    assert np.array_equal(kept['audio'], load_audio(dict(audio_path=wav))['audio'])
    assert not np.allclose(kept['audio'], np.log(0.01))
    assert all(np.array_equal(a, b) for a, b in zip(kept['gt_seg_maps'], segs))


def test_random_silence_is_one_decision_per_clip_at_its_rate():
    silence = TRANSFORMS.build(dict(type='ClipRandomSilence', prob=0.3))
    np.random.seed(0)
    silenced = []
    for _ in range(2000):
        out = silence(clip())
        empty = [not seg.any() for seg in out['gt_seg_maps']]
        assert all(empty) == ('audio_perturb' in out) and (all(empty) or not any(empty))
        silenced.append('audio_perturb' in out)
    # binomial(2000, 0.3): mean 600, sd 20.5
    assert 520 < sum(silenced) < 680


def test_random_silence_refuses_a_wrong_place_in_the_pipeline():
    silence = TRANSFORMS.build(dict(type='ClipRandomSilence', prob=1.0))
    with pytest.raises(ValueError, match='before LoadAVSAudio'):
        silence(dict(clip(), audio=np.zeros((4, 1, 96, 64), np.float32)))
    with pytest.raises(KeyError, match='after LoadAVSClipAnnotations'):
        silence(dict(imgs=clip()['imgs']))
    with pytest.raises(ValueError, match=r'prob must be in \[0, 1\]'):
        TRANSFORMS.build(dict(type='ClipRandomSilence', prob=1.5))
    # the precomputed log-mels of source='pkl' cannot be silenced
    load_pkl = TRANSFORMS.build(dict(type='LoadAVSAudio', source='pkl'))
    with pytest.raises(ValueError, match="source='wav'"):
        load_pkl(dict(audio_pkl_path='unused.pkl', audio_perturb='silence', clip_id='c1'))
