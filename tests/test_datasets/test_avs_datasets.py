"""The AVSBench loaders read the published layouts with their quirks, and bad input fails
with an error that names the file."""
import os

import numpy as np
import pytest
import soundfile as sf
from PIL import Image

from mmseg_avs.datasets import (AVSBenchMS3Dataset, AVSBenchS4Dataset,
                                AVSBenchSemanticDataset)
from mmseg_avs.datasets.avss_classes import voc_palette
from tests.layout_fixtures import write_avss, write_ms3, write_s4

PIPELINE = [
    dict(type='LoadAVSClipFrames'),
    dict(type='LoadAVSClipAnnotations'),
    dict(type='LoadAVSAudio', frontend='vggish', num_segments=5),
    dict(type='PackAVSInputs'),
]


def avss_pipeline(frames=10):
    return [dict(type='LoadAVSClipFrames'), dict(type='LoadAVSClipAnnotations'),
            dict(type='LoadAVSAudio', frontend='vggish', num_segments=frames),
            dict(type='PackAVSInputs')]


def test_s4_train_supervises_first_frame_only(tmp_path):
    root = write_s4(str(tmp_path))
    train = AVSBenchS4Dataset(root, split='train', pipeline=PIPELINE)
    assert len(train) == 2
    item = train[0]
    assert item['inputs'].shape == (5, 3, 24, 32)
    assert item['audio'].shape == (5, 1, 96, 64)
    has_gt = [s.has_gt for s in item['data_samples']]
    assert has_gt == [True, False, False, False, False]
    # frames without ground truth are all ignore
    for s in item['data_samples'][1:]:
        assert (s.gt_sem_seg.data == 255).all()
    first = item['data_samples'][0].gt_sem_seg.data
    assert set(first.unique().tolist()) <= {0, 1} and first.sum() > 0
    test = AVSBenchS4Dataset(root, split='test', pipeline=PIPELINE)
    assert all(s.has_gt for s in test[0]['data_samples'])
    assert test[0]['data_samples'][2].img_path.endswith('/s4_data/visual_frames/test/'
                                                        'dog_barking/testclip0/testclip0_3.png')


def test_ms3_frame_names_masks_and_tags(tmp_path):
    root = write_ms3(str(tmp_path), tags=True)
    ds = AVSBenchMS3Dataset(root, split='val', pipeline=PIPELINE)
    item = ds[1]
    samples = item['data_samples']
    assert samples[0].img_path.endswith('ms3_data/visual_frames/ms3val001/ms3val001.mp4_1.png')
    assert samples[4].seg_map_path.endswith('ms3_data/gt_masks/val/ms3val001/ms3val001_5.png')
    # 'P' mode 0/255 masks become {0, 1}, equal to the file's non-zero pixels
    raw = np.array(Image.open(samples[3].seg_map_path))
    np.testing.assert_array_equal(samples[3].gt_sem_seg.data[0].numpy(), (raw != 0))
    # tags '01100,00010,10000,00001' (same_class_pair, state_transition, silent, offscreen)
    assert [s.case_tags for s in samples] == [
        ['silent'], ['same_class_pair'], ['same_class_pair'], ['state_transition'],
        ['offscreen']]
    assert [s.frame_idx for s in samples] == [0, 1, 2, 3, 4]
    assert {s.clip_id for s in samples} == {'ms3val001'}


def test_avss_padding_v1s_and_classes(tmp_path):
    root = write_avss(str(tmp_path))
    ds = AVSBenchSemanticDataset(root, split='train', pipeline=avss_pipeline())
    assert ds.metainfo['classes'] == ('background', 'dog', 'guitar', 'man')
    by_subset = {ds.get_data_info(i)['subset']: i for i in range(len(ds))}
    v1s = ds[by_subset['v1s']]
    assert v1s['inputs'].shape[0] == 10
    assert [s.is_padded for s in v1s['data_samples']] == [False] * 5 + [True] * 5
    assert [s.has_gt for s in v1s['data_samples']] == [True] + [False] * 9
    assert (v1s['inputs'][5:] == 0).all()        # padded slots are black
    assert (v1s['audio'][5:] == 0).all()         # and silent (zero log-mel examples)
    v1m = AVSBenchSemanticDataset(root, split='test', pipeline=avss_pipeline())
    item = v1m[[v1m.get_data_info(i)['subset'] for i in range(len(v1m))].index('v1m')]
    assert [s.has_gt for s in item['data_samples']] == [True] * 5 + [False] * 5


def test_avss_colour_and_index_masks_agree(tmp_path):
    root = write_avss(str(tmp_path))
    rgb = AVSBenchSemanticDataset(root, split='val', pipeline=avss_pipeline(),
                                  mask_source='rgb')
    idx = AVSBenchSemanticDataset(root, split='val', pipeline=avss_pipeline(),
                                  mask_source='index')
    for i in range(len(rgb)):
        for a, b in zip(rgb[i]['data_samples'], idx[i]['data_samples']):
            assert (a.gt_sem_seg.data == b.gt_sem_seg.data).all()
    # the index file's values are the classes
    sample = idx[0]['data_samples'][0]
    raw = np.array(Image.open(sample.seg_map_path))
    np.testing.assert_array_equal(sample.gt_sem_seg.data[0].numpy(), raw)


def test_avss_unknown_colour_names_file(tmp_path):
    root = write_avss(str(tmp_path))
    ds = AVSBenchSemanticDataset(root, split='val', pipeline=avss_pipeline())
    path = ds.get_data_info(0)['seg_map_paths'][0]
    img = np.array(Image.open(path))
    img[0, 0] = (1, 2, 3)  # not a palette colour
    Image.fromarray(img).save(path)
    with pytest.raises(ValueError, match=f'{path}.*not in the 4-class palette'):
        ds[0]


def test_missing_files_are_listed_at_construction(tmp_path):
    root = write_ms3(str(tmp_path))
    frame = f'{root}/ms3_data/visual_frames/ms3test000/ms3test000.mp4_3.png'
    wav = f'{root}/ms3_data/audio_wav/test/ms3test001.wav'
    os.remove(frame)
    os.remove(wav)
    with pytest.raises(FileNotFoundError) as err:
        AVSBenchMS3Dataset(root, split='test', pipeline=PIPELINE)
    assert frame in str(err.value) and wav in str(err.value)
    # without the up-front check, the loader names the file when it gets there
    ds = AVSBenchMS3Dataset(root, split='test', pipeline=PIPELINE, check_files=False)
    with pytest.raises(FileNotFoundError, match=frame):
        ds[0]


def test_corrupt_frame_and_wrong_size_mask_name_the_file(tmp_path):
    root = write_ms3(str(tmp_path))
    ds = AVSBenchMS3Dataset(root, split='train', pipeline=PIPELINE)
    info = ds.get_data_info(0)
    with open(info['img_paths'][1], 'wb') as f:
        f.write(b'not a png at all')
    with pytest.raises(ValueError, match=info['img_paths'][1]):
        ds[0]
    info = ds.get_data_info(1)
    Image.fromarray(np.zeros((5, 5), np.uint8)).save(info['seg_map_paths'][2])
    with pytest.raises(ValueError, match=f"{info['seg_map_paths'][2]} has size"):
        ds[1]


def test_bad_wav_names_the_file(tmp_path):
    root = write_ms3(str(tmp_path))
    ds = AVSBenchMS3Dataset(root, split='train', pipeline=PIPELINE)
    wav = ds.get_data_info(0)['audio_path']
    sf.write(wav, np.zeros(0, np.int16), 16000, subtype='PCM_16')
    with pytest.raises(ValueError, match=wav):
        ds[0]


def test_silent_audio_is_valid(tmp_path):
    root = write_ms3(str(tmp_path))
    ds = AVSBenchMS3Dataset(root, split='train', pipeline=PIPELINE)
    wav = ds.get_data_info(0)['audio_path']
    sf.write(wav, np.zeros(5 * 16000, np.int16), 16000, subtype='PCM_16')
    audio = ds[0]['audio']
    assert audio.isfinite().all() and audio.shape == (5, 1, 96, 64)


def test_bad_metadata_tags_name_the_csv(tmp_path):
    root = write_ms3(str(tmp_path), tags=True)
    csv = f'{root}/ms3_meta_data.csv'
    text = open(csv).read().replace('01100', '0110', 1)
    open(csv, 'w').write(text)
    with pytest.raises(ValueError, match='ms3_meta_data.csv row 0.*same_class_pair'):
        AVSBenchMS3Dataset(root, split='train', pipeline=PIPELINE)


def test_palette_is_the_published_one():
    pal = voc_palette(71)
    assert pal[0] == [0, 0, 0] and pal[1] == [128, 0, 0] and pal[2] == [0, 128, 0]
    assert pal[3] == [128, 128, 0] and pal[4] == [0, 0, 128] and pal[5] == [128, 0, 128]
    assert pal[8] == [64, 0, 0] and pal[70] == [32, 128, 128]
    assert len({tuple(c) for c in pal}) == 71
