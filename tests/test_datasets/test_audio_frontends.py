"""Audio reading, the VGGish / HTS-AT log-mel front-ends and ``LoadAVSAudio``.

Reference values come from the reference data (``tests/reference_data.py``: outputs of the
published AVSBench and HTS-AT code on a real clip), from librosa, or from hand computation
noted next to each test.
"""
import pickle
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch
from mmseg.registry import TRANSFORMS
from scipy.signal import resample_poly

from mmseg_avs.datasets.transforms import LoadAVSAudio
from mmseg_avs.signal.logmel import htsat_logmel, slaney_mel_matrix, vggish_logmel
from mmseg_avs.signal.waveform import AudioFileError, read_wav, split_seconds
from tests.reference_data import reference_file

CLIP_WAV = 'avsbench_clips/real_clip_16k.wav'
CLIP_VGGISH = 'avsbench_clips/real_clip_vggish_logmel.npy'
CLIP_32K = 'htsat/real_clip_32k.npy'
CLIP_HTSAT = 'htsat/htsat_logmel.npy'


@pytest.fixture(scope='module')
def clip_wav() -> str:
    """The real clip's 16-kHz wav."""
    return str(reference_file(CLIP_WAV))


@pytest.fixture(scope='module')
def clip_int16(clip_wav):
    """The real clip's int16 samples (5.016 s at 16 kHz)."""
    data, sr = sf.read(clip_wav, dtype='int16')
    assert sr == 16000
    return data


@pytest.fixture(scope='module')
def vggish_ref():
    """AVSBench's published front-end on the real clip, [5, 1, 96, 64]."""
    return np.load(reference_file(CLIP_VGGISH))


def _write(path: Path, data: np.ndarray, sr: int = 16000, subtype: str = 'PCM_16') -> str:
    sf.write(str(path), data, sr, subtype=subtype)
    return str(path)


def _load(path: str, **kwargs) -> np.ndarray:
    results = LoadAVSAudio(**kwargs)(dict(audio_path=path))
    return results['audio']


# ----------------------------------------------------------------------------- front-ends
def test_read_wav_pcm16_and_stereo(tmp_path):
    # int16 / 32768 exactly; stereo is the mean of the channels: (1000 - 3000) / 2 / 32768.
    stereo = np.stack([np.full(100, 1000, np.int16), np.full(100, -3000, np.int16)], axis=1)
    wave, sr = read_wav(_write(tmp_path / 'st.wav', stereo, 8000))
    assert sr == 8000 and wave.dtype == np.float32 and wave.shape == (100, )
    np.testing.assert_array_equal(wave, np.float32(-1000 / 32768))


def test_vggish_matches_avsbench(clip_wav, clip_int16, vggish_ref):
    wave, sr = read_wav(clip_wav)
    np.testing.assert_array_equal(wave, clip_int16 / 32768.0)
    examples = vggish_logmel(wave, sr)
    assert examples.shape == (5, 96, 64) and examples.dtype == np.float32
    np.testing.assert_allclose(examples, vggish_ref[:, 0], rtol=0, atol=1e-4)


def test_htsat_logmel_matches_reference():
    wave = np.load(reference_file(CLIP_32K))
    wave = np.pad(wave, (0, 320000 - len(wave)))
    mel = htsat_logmel(wave)
    ref = np.load(reference_file(CLIP_HTSAT))[0, 0]
    assert mel.shape == (1001, 64) == ref.shape
    np.testing.assert_allclose(mel, ref, rtol=0, atol=0.05)


def test_slaney_mel_matches_librosa():
    librosa = pytest.importorskip('librosa')
    ref = librosa.filters.mel(sr=32000, n_fft=1024, n_mels=64, fmin=50, fmax=14000).T
    np.testing.assert_allclose(slaney_mel_matrix(32000, 1024, 64, 50, 14000), ref,
                               rtol=0, atol=1e-6)


def test_split_seconds_pads_and_truncates():
    wave = np.arange(25, dtype=np.float32) + 1
    segs = split_seconds(wave, 10, 3)
    assert segs.shape == (3, 10)
    np.testing.assert_array_equal(segs[2], [21, 22, 23, 24, 25, 0, 0, 0, 0, 0])
    np.testing.assert_array_equal(split_seconds(wave, 10, 1), [np.arange(1, 11)])


# ----------------------------------------------------------------------------- transform
def test_transform_vggish_matches_avsbench(clip_wav, vggish_ref):
    results = TRANSFORMS.build(dict(type='LoadAVSAudio', frontend='vggish',
                                    num_segments=5))(dict(audio_path=clip_wav))
    assert results['audio_frontend'] == 'vggish'
    assert results['audio'].shape == (5, 1, 96, 64) and results['audio'].dtype == np.float32
    np.testing.assert_allclose(results['audio'], vggish_ref, rtol=0, atol=1e-4)


def test_transform_vggish_from_pkl(tmp_path, vggish_ref):
    # AVSBench pickles the tensor with pickle.dump; torch.save files are read too.
    plain = tmp_path / 'plain.pkl'
    with open(plain, 'wb') as f:
        pickle.dump(torch.from_numpy(vggish_ref), f)
    saved = tmp_path / 'saved.pkl'
    torch.save(torch.from_numpy(vggish_ref), saved)
    for path in (plain, saved):
        out = LoadAVSAudio(source='pkl')(dict(audio_pkl_path=str(path)))['audio']
        np.testing.assert_array_equal(out, vggish_ref)


def test_transform_htsat_per_second(clip_wav, clip_int16):
    audio = _load(clip_wav, frontend='htsat', num_segments=5)
    assert audio.shape == (5, 1, 101, 64) and audio.dtype == np.float32
    # Frame j of second k, at 32 kHz, is centred on sample 32000 k + 320 j of the whole clip,
    # i.e. on frame 100 k + j of the reference. Frames 2..98 see neither the reflect padding
    # nor the segment's resampling edges, so they must match the whole-clip reference.
    ref = np.load(reference_file(CLIP_HTSAT))[0, 0]
    for k in range(5):
        np.testing.assert_allclose(audio[k, 0, 2:99], ref[100 * k + 2:100 * k + 99], rtol=0,
                                   atol=0.05)
    # ...and the edge frames follow from resampling that second alone (the documented recipe).
    second = resample_poly(clip_int16[16000:32000] / 32768.0, 2, 1)
    np.testing.assert_allclose(audio[1, 0], htsat_logmel(second), rtol=0, atol=0.02)


def test_transform_raw_shapes_and_padding(tmp_path, clip_wav, clip_int16):
    audio = _load(clip_wav, frontend='raw', num_segments=5, sample_rate=16000)
    assert audio.shape == (5, 16000) and audio.dtype == np.float32
    # 5.016 s: the first 5 s, the 256 samples past them are dropped.
    np.testing.assert_array_equal(audio.reshape(-1), clip_int16[:80000] / 32768.0)
    # 2.95 s for 3 seconds: the third holds 15200 samples, then zeros to a full second.
    audio = _load(_write(tmp_path / 'c295.wav', clip_int16[:47200]), frontend='raw',
                  num_segments=3)
    assert audio.shape == (3, 16000)
    np.testing.assert_array_equal(audio[:2].reshape(-1), clip_int16[:32000] / 32768.0)
    np.testing.assert_array_equal(audio[2, :15200], clip_int16[32000:47200] / 32768.0)
    assert not audio[2, 15200:].any()


@pytest.mark.parametrize('frontend,shape', [('vggish', (1, 96, 64)), ('htsat', (1, 101, 64)),
                                            ('raw', (16000, ))])
def test_num_real_frames_zero_pads(frontend, shape, clip_wav, vggish_ref):
    # An AVSS v1s/v1m clip: 5 real seconds in a 10-frame slot.
    results = LoadAVSAudio(frontend=frontend, num_segments=10)(
        dict(audio_path=clip_wav, num_real_frames=5))
    audio = results['audio']
    assert audio.shape == (10, ) + shape
    assert not audio[5:].any() and np.isfinite(audio).all()
    assert audio[:5].reshape(5, -1).any(axis=1).all()
    if frontend == 'vggish':
        np.testing.assert_allclose(audio[:5], vggish_ref, rtol=0, atol=1e-4)


def test_short_clip_repeats_last_example(tmp_path, clip_int16, vggish_ref):
    # 4.99 s = 79840 samples: 1 + (79840 - 400) // 160 = 497 frames >= 5 * 96, so VGGish
    # still yields 5 examples and nothing is repeated.
    audio = _load(_write(tmp_path / 'c499.wav', clip_int16[:79840]), num_segments=5)
    np.testing.assert_allclose(audio, vggish_ref, rtol=0, atol=1e-4)
    # 1.91 s = 30560 samples: 1 + 30160 // 160 = 189 frames < 2 * 96, one example only.
    # The clip passes the length check (>= 2 - 0.1 s), so the last example is repeated.
    audio = _load(_write(tmp_path / 'c191.wav', clip_int16[:30560]), num_segments=2)
    np.testing.assert_allclose(audio[0], vggish_ref[0], rtol=0, atol=1e-4)
    np.testing.assert_array_equal(audio[1], audio[0])
    assert np.abs(audio[1] - vggish_ref[1]).max() > 0.1
    # 0.95 s = 15200 samples gives no example: zero-padded to one second first. Frames
    # 0..92 (1 + 14800 // 160 = 93) lie inside the real samples.
    audio = _load(_write(tmp_path / 'c095.wav', clip_int16[:15200]), num_segments=1)
    assert audio.shape == (1, 1, 96, 64)
    np.testing.assert_allclose(audio[0, 0, :93], vggish_ref[0, 0, :93], rtol=0, atol=1e-4)


def test_resample(tmp_path, vggish_ref):
    # The clip at 32 kHz as a float wav: refused unless resample=True, then back to 16 kHz.
    path = _write(tmp_path / 'c32k.wav', np.load(reference_file(CLIP_32K)), 32000, 'FLOAT')
    with pytest.raises(AudioFileError, match='32000') as err:
        _load(path)
    assert path in str(err.value) and '16000' in str(err.value)
    audio = _load(path, resample=True)
    assert audio.shape == (5, 1, 96, 64)
    # Two polyphase resamplings only disturb the band edge: small mean error.
    assert np.abs(audio - vggish_ref).mean() < 0.01
    assert _load(path, frontend='raw', resample=True).shape == (5, 16000)


@pytest.mark.parametrize('frontend', ['vggish', 'htsat', 'raw'])
def test_silent_clip_is_finite(tmp_path, frontend):
    path = _write(tmp_path / 'silent.wav', np.zeros(5 * 16000, np.int16))
    audio = _load(path, frontend=frontend)
    assert np.isfinite(audio).all()
    expected = {'vggish': np.log(0.01), 'htsat': -100.0, 'raw': 0.0}[frontend]
    np.testing.assert_allclose(audio, expected, rtol=0, atol=1e-5)


# ----------------------------------------------------------------------------- errors
def test_wav_errors_name_the_file(tmp_path):
    missing = str(tmp_path / 'missing.wav')
    corrupt = tmp_path / 'corrupt.wav'
    corrupt.write_bytes(np.random.default_rng(0).bytes(4096))
    empty = _write(tmp_path / 'empty.wav', np.zeros(0, np.int16))
    bad = np.zeros(16000, np.float32)
    bad[7] = np.nan
    nan = _write(tmp_path / 'nan.wav', bad, subtype='FLOAT')
    for path, what in [(missing, 'not found'), (str(corrupt), 'cannot read'),
                       (empty, 'empty'), (nan, 'NaN')]:
        with pytest.raises(AudioFileError, match=what) as err:
            read_wav(path)
        assert path in str(err.value)
        with pytest.raises(AudioFileError) as err:
            _load(path)
        assert path in str(err.value)


def test_clip_too_short(tmp_path):
    path = _write(tmp_path / 'short.wav', np.ones(int(4.85 * 16000), np.int16))
    with pytest.raises(AudioFileError, match='clip length mismatch') as err:
        _load(path, num_segments=5)
    assert path in str(err.value) and '4.850 s' in str(err.value) and '5 frames' in str(err.value)
    # Only the real frames count: 4.85 s covers 4 real seconds of a 10-frame slot.
    out = LoadAVSAudio(num_segments=10)(dict(audio_path=path, num_real_frames=4))['audio']
    assert out.shape == (10, 1, 96, 64) and not out[4:].any()


def test_pkl_errors_name_the_file(tmp_path):
    nan = torch.zeros(5, 1, 96, 64)
    nan[2, 0, 3, 4] = float('nan')
    cases = {'nan.pkl': (nan, 'NaN'), 'shape.pkl': (torch.zeros(5, 96, 64), 'shape'),
             'few.pkl': (torch.zeros(3, 1, 96, 64), 'shape')}
    for name, (tensor, what) in cases.items():
        path = str(tmp_path / name)
        with open(path, 'wb') as f:
            pickle.dump(tensor, f)
        with pytest.raises(AudioFileError, match=what) as err:
            LoadAVSAudio(source='pkl')(dict(audio_pkl_path=path))
        assert path in str(err.value)
    garbage = tmp_path / 'garbage.pkl'
    garbage.write_bytes(b'not a pickle')
    for path in (str(tmp_path / 'missing.pkl'), str(garbage)):
        with pytest.raises(AudioFileError) as err:
            LoadAVSAudio(source='pkl')(dict(audio_pkl_path=path))
        assert path in str(err.value)


def test_bad_arguments_and_repr():
    with pytest.raises(ValueError):
        LoadAVSAudio(frontend='mfcc')
    with pytest.raises(ValueError):
        LoadAVSAudio(frontend='htsat', source='pkl')
    # checked before the file is read: no file needed
    with pytest.raises(ValueError, match='num_real_frames'):
        LoadAVSAudio(num_segments=5)(dict(audio_path='unread.wav', num_real_frames=6))
    text = repr(LoadAVSAudio(frontend='raw', num_segments=10, sample_rate=22050,
                             resample=True))
    assert text == ("LoadAVSAudio(frontend='raw', num_segments=10, sample_rate=22050, "
                    "resample=True, source='wav')")
