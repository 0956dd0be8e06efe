"""Every kind of bad input is an error naming the file, or, with ``skip_bad_samples=True``,
a skipped clip that is logged with the count and the list; never silently wrong data."""
import logging
import os

import numpy as np
import pytest
import soundfile as sf
import torch
from mmengine.logging import MMLogger
from PIL import Image

from mmseg_avs.datasets import AVSBenchMS3Dataset, AVSBenchSemanticDataset
from tests.layout_fixtures import write_avss, write_ms3


def pipeline(audio_source='wav', frames=5):
    return [dict(type='LoadAVSClipFrames'), dict(type='LoadAVSClipAnnotations'),
            dict(type='LoadAVSAudio', frontend='vggish', num_segments=frames,
                 source=audio_source),
            dict(type='PackAVSInputs')]


@pytest.fixture
def warnings_logged():
    """The messages MMEngine's current logger emits during the test."""
    messages = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = lambda record: messages.append(record.getMessage())
    logger = MMLogger.get_current_instance()
    logger.addHandler(handler)
    yield messages
    logger.removeHandler(handler)


def write_log_mels(dataset):
    """AVSBench's cached log-mels ``[5, 1, 96, 64]`` for every clip of an MS3 split."""
    for info in map(dataset.get_data_info, range(len(dataset))):
        os.makedirs(os.path.dirname(info['audio_pkl_path']), exist_ok=True)
        torch.save(torch.zeros(5, 1, 96, 64), info['audio_pkl_path'])


# Each fault breaks one file of clip 0 and returns (that file, words of the expected error).
def missing_frame(info):
    os.remove(info['img_paths'][3])
    return info['img_paths'][3], 'missing'


def corrupt_image(info):
    with open(info['img_paths'][1], 'wb') as f:
        f.write(b'\x89PNG\r\n\x1a\n this is not the rest of a png')
    return info['img_paths'][1], 'cannot decode image'


def corrupt_wav(info):
    with open(info['audio_path'], 'wb') as f:
        f.write(b'RIFF\x00\x00\x00\x00WAVEgarbage')
    return info['audio_path'], 'cannot read audio file'


def empty_wav(info):
    sf.write(info['audio_path'], np.zeros(0, np.int16), 16000, subtype='PCM_16')
    return info['audio_path'], 'empty'


def short_wav(info):
    sf.write(info['audio_path'], np.zeros(2 * 16000, np.int16), 16000, subtype='PCM_16')
    return info['audio_path'], 'clip length mismatch'


def wrong_sample_rate(info):
    sf.write(info['audio_path'], np.zeros(5 * 8000, np.int16), 8000, subtype='PCM_16')
    return info['audio_path'], 'sample rate 8000 Hz'


def nan_log_mel(info):
    log_mel = torch.zeros(5, 1, 96, 64)
    log_mel[2, 0, 10, 10] = float('nan')
    torch.save(log_mel, info['audio_pkl_path'])
    return info['audio_pkl_path'], 'NaN'


def wrong_size_mask(info):
    Image.fromarray(np.zeros((5, 7), np.uint8)).save(info['seg_map_paths'][2])
    return info['seg_map_paths'][2], 'has size'


def unknown_palette_colour(info):
    path = info['seg_map_paths'][0]
    rgb = np.array(Image.open(path).convert('RGB'))
    rgb[0, 0] = (1, 2, 3)
    Image.fromarray(rgb).save(path)
    return path, 'not in the 4-class palette'


def fewer_frames_than_metadata(info):
    """A 10-frame AVSS v2 clip whose last three frames are not on disk."""
    for path in info['img_paths'][7:]:
        os.remove(path)
    return info['img_paths'][7], 'missing'


MS3_FAULTS = [missing_frame, corrupt_image, corrupt_wav, empty_wav, short_wav,
              wrong_sample_rate, nan_log_mel, wrong_size_mask]
AVSS_FAULTS = [unknown_palette_colour, fewer_frames_than_metadata]
# faults found at construction, when the dataset checks that every file exists
AT_CONSTRUCTION = (missing_frame, fewer_frames_than_metadata)


def broken_dataset(tmp_path, fault, **kwargs):
    """Write a data set, break clip 0 of its train split with ``fault``; return what a data
    set of that split needs, the broken file, the expected error words and clip 0's id."""
    if fault in AVSS_FAULTS:
        root, cls = write_avss(str(tmp_path)), AVSBenchSemanticDataset
        args = dict(data_root=root, split='train', pipeline=pipeline(frames=10))
    else:
        root, cls = write_ms3(str(tmp_path), clips_per_split=3), AVSBenchMS3Dataset
        source = 'pkl' if fault is nan_log_mel else 'wav'
        args = dict(data_root=root, split='train', pipeline=pipeline(source))
    intact = cls(**args)
    if fault is nan_log_mel:
        write_log_mels(intact)
    info = intact.get_data_info(0)
    path, words = fault(info)
    return cls, dict(args, **kwargs), path, words, info['clip_id']


@pytest.mark.parametrize('fault', MS3_FAULTS + AVSS_FAULTS, ids=lambda f: f.__name__)
def test_bad_input_is_an_error_naming_the_file(tmp_path, fault):
    cls, args, path, words, _ = broken_dataset(tmp_path, fault)
    error = FileNotFoundError if fault in AT_CONSTRUCTION else ValueError
    with pytest.raises(error) as err:
        cls(**args)[0]
    assert path in str(err.value) and words in str(err.value), str(err.value)


@pytest.mark.parametrize('fault', MS3_FAULTS + AVSS_FAULTS, ids=lambda f: f.__name__)
def test_skip_bad_samples_skips_logs_and_never_returns_the_bad_clip(tmp_path, fault,
                                                                    warnings_logged):
    cls, args, path, words, bad_clip = broken_dataset(tmp_path, fault, skip_bad_samples=True)
    dataset = cls(**args)
    for i in range(len(dataset)):
        sample = dataset[i]
        assert bad_clip not in {s.clip_id for s in sample['data_samples']}
        assert torch.isfinite(sample['audio']).all()
    assert list(dataset.skipped) == [bad_clip]
    assert path in dataset.skipped[bad_clip] and words in dataset.skipped[bad_clip]
    if fault in AT_CONSTRUCTION:  # dropped up front
        assert bad_clip not in {dataset.get_data_info(i)['clip_id'] for i in range(len(dataset))}
    log = '\n'.join(warnings_logged)
    assert 'skipped 1 bad clip(s)' in log and path in log
    assert f"1 clip(s) skipped so far: ['{bad_clip}']" in log


def test_a_clip_that_fails_again_is_logged_once(tmp_path, warnings_logged):
    cls, args, _, _, _ = broken_dataset(tmp_path, corrupt_wav, skip_bad_samples=True)
    dataset = cls(**args)
    assert dataset.prepare_data(0) is None and dataset.prepare_data(0) is None
    assert '\n'.join(warnings_logged).count('skipped 1 bad clip(s)') == 1


def test_skip_bad_samples_is_refused_in_test_mode(tmp_path):
    root = write_ms3(str(tmp_path))
    with pytest.raises(ValueError, match='test_mode=False'):
        AVSBenchMS3Dataset(root, split='test', pipeline=pipeline(), skip_bad_samples=True,
                           test_mode=True)


def test_all_clips_missing_files_still_raises(tmp_path):
    """Skipping cannot leave an empty data set: that is an error listing the files."""
    root = write_ms3(str(tmp_path), clips_per_split=1)
    wav = f'{root}/ms3_data/audio_wav/train/ms3train000.wav'
    os.remove(wav)
    with pytest.raises(FileNotFoundError, match=wav):
        AVSBenchMS3Dataset(root, split='train', pipeline=pipeline(), skip_bad_samples=True)
