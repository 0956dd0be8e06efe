"""The clip loaders on random files (hypothesis): random sizes, channels, sample rates,
lengths, values, shapes and dtypes. Each load either gives arrays of the documented shapes,
finite and in range, or raises an error that names the file; never a crash of another kind or
a NaN."""
import os
import pickle

import numpy as np
import soundfile as sf
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from PIL import Image

from mmseg_avs.datasets.avss_classes import voc_palette
from mmseg_avs.datasets.transforms import (LoadAVSAudio, LoadAVSClipAnnotations,
                                           LoadAVSClipFrames)
from mmseg_avs.signal.waveform import AudioFileError

# FUZZ_EXAMPLES=1000 fuzzes longer. The examples of a test share its tmp_path: each one
# writes the files it reads.
FUZZ = settings(max_examples=int(os.environ.get('FUZZ_EXAMPLES', 40)), deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])
FRONTEND_SHAPES = {'vggish': (1, 96, 64), 'htsat': (1, 101, 64), 'raw': (16000, )}


@FUZZ
@given(frontend=st.sampled_from(sorted(FRONTEND_SHAPES)), sample_rate=st.sampled_from(
    [16000, 16000, 8000, 44100]), channels=st.integers(1, 2),
    subtype=st.sampled_from(['PCM_16', 'FLOAT']), amplitude=st.sampled_from(
        [0.0, 1e-6, 0.5, 1.0, 8.0, 1e20]), special=st.sampled_from([None, None, np.nan, np.inf]),
    resample=st.sampled_from([True, True, False]), num_segments=st.integers(1, 5),
    data=st.data())
def test_audio_loader(tmp_path, frontend, sample_rate, channels, subtype, amplitude, special,
                      resample, num_segments, data):
    num_real = data.draw(st.integers(1, num_segments))
    seconds = max(0.0, num_real + data.draw(st.floats(-1.5, 1.5)))  # around the clip length
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    wave = amplitude * rng.standard_normal((int(seconds * sample_rate), channels))
    if special is not None and wave.size:
        wave.flat[data.draw(st.integers(0, wave.size - 1))] = special
    if subtype == 'PCM_16':
        wave = np.clip(np.nan_to_num(wave), -1, 1)
    path = str(tmp_path / 'clip.wav')
    sf.write(path, wave.astype(np.float32), sample_rate, subtype=subtype)
    loader = LoadAVSAudio(frontend, num_segments=num_segments, resample=resample)
    try:
        audio = loader.transform(dict(audio_path=path, num_real_frames=num_real))['audio']
    except AudioFileError as err:
        assert path in str(err)
        return
    assert audio.shape == (num_segments, ) + FRONTEND_SHAPES[frontend]
    assert audio.dtype == np.float32 and np.isfinite(audio).all()
    assert not audio[num_real:].any()  # the slots past the real frames are zeros


LOG_MEL_SHAPES = st.sampled_from([(5, 1, 96, 64), (3, 1, 96, 64), (5, 96, 64), (5, 1, 64, 96),
                                  (0, 1, 96, 64), (7, 1, 96, 64)])
FLOATS = st.floats(-100, 100, width=16) | st.sampled_from([np.nan, np.inf])


@FUZZ
@given(content=st.one_of(
    arrays(st.sampled_from([np.float32, np.float64]), LOG_MEL_SHAPES, elements=FLOATS),
    arrays(np.int16, LOG_MEL_SHAPES), st.sampled_from([{'a': 1}, 'text', None, [1, 2, 3]])),
    writer=st.sampled_from(['torch', 'pickle', 'garbage']), num_real=st.integers(1, 5))
def test_log_mel_pickle_loader(tmp_path, content, writer, num_real):
    path = str(tmp_path / 'clip.pkl')
    if writer == 'torch':
        torch.save(torch.as_tensor(content) if isinstance(content, np.ndarray) else content, path)
    elif writer == 'pickle':
        with open(path, 'wb') as f:
            pickle.dump(content, f)
    else:
        with open(path, 'wb') as f:
            f.write(b'\x80\x04 not really a pickle')
    loader = LoadAVSAudio('vggish', num_segments=5, source='pkl')
    try:
        audio = loader.transform(dict(audio_pkl_path=path, num_real_frames=num_real))['audio']
    except AudioFileError as err:
        assert path in str(err)
        return
    assert audio.shape == (5, 1, 96, 64) and np.isfinite(audio).all()
    assert not audio[num_real:].any()


def random_mask(draw, fmt, shape, num_classes):
    """An image file's array for ``fmt``: sometimes valid, sometimes not."""
    if fmt == 'binary':
        mode = draw(st.sampled_from(['L', 'RGB', 'RGBA']))
        channels = {'L': (), 'RGB': (3, ), 'RGBA': (4, )}[mode]
        return draw(arrays(np.uint8, shape + channels)), mode
    if fmt == 'palette':
        palette = np.asarray(voc_palette(num_classes), np.uint8)
        index = draw(arrays(np.uint8, shape, elements=st.integers(0, num_classes - 1)))
        rgb = palette[index]
        if draw(st.booleans()):  # a colour of no class somewhere
            rgb[draw(st.integers(0, shape[0] - 1)), draw(st.integers(0, shape[1] - 1))] = (
                1, 2, 3)
        return rgb, 'RGB'
    top = draw(st.sampled_from([num_classes - 1, 255]))
    return draw(arrays(np.uint8, shape, elements=st.integers(0, top))), 'L'


@FUZZ
@given(height=st.integers(1, 20), width=st.integers(1, 20), num_frames=st.integers(1, 4),
       image_mode=st.sampled_from(['RGB', 'L', 'RGBA']), fmt=st.sampled_from(
           ['binary', 'palette', 'index']), num_classes=st.integers(2, 8),
       mask_off_by=st.sampled_from([0, 0, 0, 1]), data=st.data())
def test_frame_and_mask_loaders(tmp_path, height, width, num_frames, image_mode, fmt,
                                num_classes, mask_off_by, data):
    frames, masks = [], []
    for t in range(num_frames):
        frame = data.draw(arrays(np.uint8, (height, width) + {'RGB': (3, ), 'L': (),
                                                              'RGBA': (4, )}[image_mode]))
        frames.append(str(tmp_path / f'{t}.png'))
        Image.fromarray(frame, image_mode).save(frames[-1])
        mask, mode = random_mask(data.draw, fmt, (height + mask_off_by, width), num_classes)
        masks.append(str(tmp_path / f'{t}_mask.png') if data.draw(st.booleans()) else None)
        if masks[-1]:
            Image.fromarray(mask, mode).save(masks[-1])
    results = dict(img_paths=frames, num_real_frames=num_frames, clip_id='fuzz',
                   seg_map_paths=masks, mask_format=fmt, num_classes=num_classes)
    results = LoadAVSClipFrames().transform(results)
    assert all(img.shape == (height, width, 3) and img.dtype == np.uint8
               for img in results['imgs'])
    try:
        results = LoadAVSClipAnnotations().transform(results)
    except ValueError as err:
        assert any(path and path in str(err) for path in masks)
        return
    for seg, path in zip(results['gt_seg_maps'], masks):
        assert seg.shape == (height, width) and seg.dtype == np.uint8
        valid = set(range(2 if fmt == 'binary' else num_classes)) | {255}
        assert set(np.unique(seg).tolist()) <= valid
        assert path is not None or (seg == 255).all()
