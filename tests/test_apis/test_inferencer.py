"""AVSInferencer: frames + waveform in, one prediction per second out; padded slots dropped;
the config read from the checkpoint, which needs no published audio weight file; the latest
checkpoint of a work dir."""
import os.path as osp

import numpy as np
import pytest
import torch

from mmseg_avs.apis import AVSInferencer, latest_checkpoint
from tests.test_apis.media import RAVS_CONFIG, REPO, save_untrained_checkpoint


@pytest.fixture(scope='module')
def inferencer(tmp_path_factory):
    checkpoint = save_untrained_checkpoint(str(tmp_path_factory.mktemp('model') / 'ravs.pth'))
    return AVSInferencer(None, checkpoint)  # the config embedded in the checkpoint


def random_input(seconds: int, size=(40, 56), sample_rate=16000, seed=0):
    rng = np.random.default_rng(seed)
    frames = [rng.integers(0, 256, (*size, 3), dtype=np.uint8) for _ in range(seconds)]
    wave = (0.1 * rng.standard_normal(seconds * sample_rate)).astype(np.float32)
    return frames, wave


def test_one_prediction_per_second_at_the_frame_size(inferencer):
    assert (inferencer.num_frames, inferencer.sample_rate) == (5, 16000)
    frames, wave = random_input(7)  # two clips of T = 5: the second one has 3 padded slots
    out = inferencer(frames=frames, waveform=wave, sample_rate=16000)
    preds = out['predictions']
    assert [p['second'] for p in preds] == list(range(7))
    for pred in preds:
        assert pred['mask'].shape == (40, 56) and pred['mask'].dtype == np.uint8
        assert pred['scores'].shape == (2, 40, 56)
        np.testing.assert_allclose(pred['scores'].sum(0), 1, atol=1e-5)
        # the full RAVS config has the UE head
        assert pred['uncertainty'].shape == (40, 56)
        assert 0 <= pred['uncertainty'].min() <= pred['uncertainty'].max() <= 1
    assert set(out['timings']) == {'read_s', 'inference_s'} and out['video'] is None


def test_seconds_are_cut_into_clips_of_t(inferencer):
    """Seconds 0-4 form the first clip and 5-6 a clip of their own (with 3 padded slots):
    each gives what its seconds alone give."""
    frames, wave = random_input(7, seed=1)
    full = inferencer(frames=frames, waveform=wave, sample_rate=16000)['predictions']
    head = inferencer(frames=frames[:5], waveform=wave[:5 * 16000],
                      sample_rate=16000)['predictions']
    tail = inferencer(frames=frames[5:], waveform=wave[5 * 16000:],
                      sample_rate=16000)['predictions']
    for a, b in zip(full, head + tail):
        np.testing.assert_allclose(a['scores'], b['scores'], atol=1e-5)


def test_resamples_and_mixes_down_the_waveform(inferencer):
    frames, _ = random_input(2)
    rng = np.random.default_rng(2)
    stereo_44k = (0.1 * rng.standard_normal((2 * 44100, 2))).astype(np.float32)
    preds = inferencer(frames=frames, waveform=stereo_44k, sample_rate=44100)['predictions']
    assert len(preds) == 2


def test_short_sound_is_padded_with_a_warning(inferencer):
    frames, wave = random_input(3)
    with pytest.warns(UserWarning, match='taken as silent'):
        preds = inferencer(frames=frames, waveform=wave[:16000], sample_rate=16000)
    assert len(preds['predictions']) == 3


def test_bad_arguments(inferencer, tmp_path):
    frames, wave = random_input(1)
    with pytest.raises(ValueError, match='either a video path or frames'):
        inferencer()
    with pytest.raises(ValueError, match='need their waveform'):
        inferencer(frames=frames)
    with pytest.raises(ValueError, match='one size'):
        inferencer(frames=[frames[0], frames[0][:20]], waveform=wave, sample_rate=16000)
    with pytest.raises(FileNotFoundError, match='checkpoint not found'):
        AVSInferencer(RAVS_CONFIG, str(tmp_path / 'missing.pth'))


def test_published_audio_weights_are_not_needed(tmp_path):
    """A VGGish model's checkpoint holds the audio weights: the config embedded in it names
    a published file that this machine does not have, and nothing reads it."""
    config = tmp_path / 'vggish.py'
    baseline = osp.join(REPO, 'configs/synthetic/baseline_mit-tiny_synthetic-ms3.py')
    config.write_text(f'_base_ = [{baseline!r}]\n'
                      "model = dict(audio_encoder=dict(_delete_=True, type='VGGish', "
                      f"pretrained={str(tmp_path / 'absent.pth')!r}, token_channels=128))\n")
    checkpoint = save_untrained_checkpoint(str(tmp_path / 'vggish.pth'), str(config))
    inferencer = AVSInferencer(None, checkpoint)
    saved = torch.load(checkpoint, map_location='cpu', weights_only=True)['state_dict']
    assert torch.equal(inferencer.model.audio_encoder.features[0].weight,
                       saved['audio_encoder.features.0.weight'])
    frames, wave = random_input(1)
    assert len(inferencer(frames=frames, waveform=wave, sample_rate=16000)['predictions']) == 1


def test_latest_checkpoint_lookup(tmp_path):
    with pytest.raises(FileNotFoundError, match='no checkpoint in'):
        latest_checkpoint(str(tmp_path))
    checkpoint = tmp_path / 'iter_8.pth'
    checkpoint.write_bytes(b'')
    (tmp_path / 'last_checkpoint').write_text(str(checkpoint))
    assert latest_checkpoint(str(tmp_path)) == str(checkpoint)
    # the checkout moved since training: the absolute path is stale, the file is still here
    (tmp_path / 'last_checkpoint').write_text('/old/checkout/work_dirs/demo/iter_8.pth')
    assert latest_checkpoint(str(tmp_path)) == str(tmp_path / 'iter_8.pth')
