"""VPODataset reads CAVP's VPO layout (SS, MS, MSMI) with its quirks; LoadVPOAudio builds
CAVP's 3-s mono / stereo audio. Expected values come from the reference (typed in here) and
from the fixture files read back independently."""
import os
import shutil

import numpy as np
import pytest
import soundfile as sf
from mmseg.registry import TRANSFORMS
from PIL import Image

from mmseg_avs.datasets import VPODataset
from mmseg_avs.datasets.vpo import VPO_LABEL_MAP
from mmseg_avs.signal.waveform import AudioFileError
from tests.layout_fixtures import write_vpo

# Reference §2.1: the 22 classes in CAVP's order, and the COCO id of each sounding class.
REF_CLASSES = ['background', 'airplane', 'baby', 'bird', 'bus', 'car', 'cat', 'cell phone',
               'cow', 'dog', 'elephant', 'female', 'horse', 'keyboard', 'male', 'motorcycle',
               'mouse', 'sheep', 'skateboard', 'sports ball', 'tennis racket', 'zebra']
REF_COCO = {'airplane': 5, 'bird': 16, 'bus': 6, 'car': 3, 'cat': 17, 'cell phone': 77,
            'cow': 21, 'dog': 18, 'elephant': 22, 'horse': 19, 'keyboard': 76, 'motorcycle': 4,
            'mouse': 74, 'sheep': 20, 'skateboard': 41, 'sports ball': 37, 'tennis racket': 43,
            'zebra': 24, 'male': 92, 'female': 93, 'baby': 94}
SR, LENGTH = 16000, 48000


def pipeline(**audio):
    return [dict(type='LoadAVSClipFrames'), dict(type='LoadAVSClipAnnotations'),
            dict(type='LoadVPOAudio', **audio), dict(type='PackAVSInputs')]


@pytest.fixture(scope='module')
def root(tmp_path_factory):
    return write_vpo(str(tmp_path_factory.mktemp('vpo')))


@pytest.fixture
def fresh_root(tmp_path):
    """A root a test may damage."""
    return write_vpo(str(tmp_path))


def ref_label(coco_mask):
    """The reference remap: COCO id -> position of its class name in REF_CLASSES."""
    out = coco_mask.copy()
    for name, coco in REF_COCO.items():
        out[coco_mask == coco] = REF_CLASSES.index(name)
    return out


def ref_wave(root, vgg):
    """Mono 16-kHz wav cut to its centre 3 s (start len // 2 - 24000), or tiled."""
    data, sr = sf.read(f'{root}/vggsound_bench/VGGSound/audios/{vgg}.wav', dtype='int16',
                       always_2d=True)
    assert sr == SR
    wave = (data / 32768.0).mean(axis=1)
    if len(wave) < LENGTH:
        return np.concatenate([wave] * (LENGTH // len(wave) + 1))[:LENGTH]
    start = len(wave) // 2 - LENGTH // 2
    return wave[start:start + LENGTH]


def by_clip(ds):
    return {ds.get_data_info(i)['clip_id']: i for i in range(len(ds))}


def test_class_table_is_the_published_one():
    assert list(VPODataset.METAINFO['classes']) == REF_CLASSES
    expected = {0: 0, **{coco: REF_CLASSES.index(name) for name, coco in REF_COCO.items()}}
    assert VPO_LABEL_MAP == expected


def test_ss_paths_masks_and_splits(root):
    ds = VPODataset(root, subset='VPO-SS', split='train', pipeline=pipeline())
    assert len(ds) == 2
    info = ds.get_data_info(by_clip(ds)['102_9002'])
    assert info['img_paths'] == [f'{root}/VPO/VPO-SS/data/male/000000000102.jpg']
    assert info['seg_map_paths'] == [
        f'{root}/VPO/VPO-SS/mask/male/000000000102_000000009002.png']
    assert info['audio_paths'] == [f'{root}/vggsound_bench/VGGSound/audios/vgg_male.wav']
    assert info['audio_pos'] == [0.75] and info['num_frames'] == 1
    item = ds[by_clip(ds)['102_9002']]
    assert item['inputs'].shape == (1, 3, 24, 32)
    gt = item['data_samples'][0].gt_sem_seg.data[0].numpy()
    raw = np.array(Image.open(info['seg_map_paths'][0]))
    np.testing.assert_array_equal(gt, ref_label(raw))
    assert set(np.unique(gt)) == {0, REF_CLASSES.index('male'), 255}  # 255 stays ignore
    # CAVP renames the csv's 'val' to 'test' and has no other held-out set
    for split in ('val', 'test'):
        held_out = VPODataset(root, subset='VPO-SS', split=split, pipeline=pipeline())
        assert [held_out.get_data_info(i)['clip_id'] for i in range(len(held_out))] == [
            '103_9003']


def test_ms_groups_rows_per_image_and_remaps_without_collision(root):
    ds = VPODataset(root, subset='VPO-MS', split='test', pipeline=pipeline())
    assert len(ds) == 1
    info = ds.get_data_info(0)
    assert info['clip_id'] == '202' and info['categories'] == ['car', 'airplane']
    assert info['img_paths'] == [f'{root}/VPO/VPO-MS/data/000000000202.jpg']
    assert info['seg_map_paths'] == [f'{root}/VPO/VPO-MS/mask/000000000202.png']
    assert [os.path.basename(p) for p in info['audio_paths']] == [
        'vgg_car.wav', 'vgg_plane.wav']
    gt = ds[0]['data_samples'][0].gt_sem_seg.data[0].numpy()
    raw = np.array(Image.open(info['seg_map_paths'][0]))
    np.testing.assert_array_equal(gt, ref_label(raw))
    # car (COCO 3 -> 5) and airplane (COCO 5 -> 1) both survive
    assert {REF_CLASSES.index('car'), REF_CLASSES.index('airplane')} <= set(np.unique(gt))


def test_msmi_single_instance_rows_use_vpo_ms_files(root):
    train = VPODataset(root, subset='VPO-MSMI', split='train', pipeline=pipeline())
    info = train.get_data_info(0)
    assert len(train) == 1 and info['clip_id'] == '301' and len(info['audio_paths']) == 2
    assert info['img_paths'] == [f'{root}/VPO/VPO-MSMI/data/000000000301.jpg']
    test = VPODataset(root, subset='VPO-MSMI', split='test', pipeline=pipeline())
    assert test.get_data_info(0)['img_paths'] == [f'{root}/VPO/VPO-MS/data/000000000202.jpg']
    assert test[0]['inputs'].shape == (1, 3, 24, 32)


def test_mono_audio_is_the_centre_3s_summed_over_sources(root):
    ds = VPODataset(root, subset='VPO-MS', split='train', pipeline=pipeline(frontend='raw'))
    audio = ds[0]['audio'].numpy()
    assert audio.shape == (1, LENGTH)
    # vgg_dog is 4 s mono, vgg_cat 3.5 s stereo (averaged to mono)
    expected = ref_wave(root, 'vgg_dog') + ref_wave(root, 'vgg_cat')
    np.testing.assert_allclose(audio[0], expected, atol=1e-6)
    ss = VPODataset(root, subset='VPO-SS', split='train', pipeline=pipeline(frontend='raw'))
    short = ss[by_clip(ss)['102_9002']]['audio'].numpy()[0]  # vgg_male: 2 s, tiled
    np.testing.assert_allclose(short, ref_wave(root, 'vgg_male'), atol=1e-6)
    np.testing.assert_array_equal(short[32000:], short[:16000])


def test_stereo_audio_pans_each_source_and_flip_mirrors_it(root):
    ds = VPODataset(root, subset='VPO-MS', split='train',
                    pipeline=pipeline(frontend='raw', stereo=True))
    audio = ds[0]['audio'].numpy()
    assert audio.shape == (1, 2, LENGTH)
    dog, cat = ref_wave(root, 'vgg_dog'), ref_wave(root, 'vgg_cat')  # pos 0.2 and 0.7

    def panned(p_dog, p_cat):
        return np.stack([dog * (1 - p_dog) + cat * (1 - p_cat), dog * p_dog + cat * p_cat])

    np.testing.assert_allclose(audio[0], panned(0.2, 0.7), atol=1e-6)
    info = ds.get_data_info(0)
    load = TRANSFORMS.build(dict(type='LoadVPOAudio', frontend='raw', stereo=True))
    flip = TRANSFORMS.build(dict(type='ClipRandomFlip', prob=1.0))
    frames = TRANSFORMS.build(dict(type='LoadAVSClipFrames'))
    after = flip(load(frames(dict(info))))['audio'][0]     # flip after loading the audio
    before = load(flip(frames(dict(info))))['audio'][0]    # flip before loading the audio
    mirrored = panned(0.8, 0.3)  # CAVP: pos -> 1 - pos
    np.testing.assert_allclose(after, mirrored, atol=1e-6)
    np.testing.assert_allclose(before, mirrored, atol=1e-6)
    mono = TRANSFORMS.build(dict(type='LoadVPOAudio', frontend='raw'))
    np.testing.assert_array_equal(flip(mono(frames(dict(info))))['audio'],
                                  mono(dict(info))['audio'])


def test_frontend_shapes_and_resampled_source(root):
    ds = VPODataset(root, subset='VPO-SS', split='test', pipeline=pipeline())  # 22.05 kHz wav
    assert ds[0]['audio'].shape == (1, 1, 288, 64)   # 3 VGGish examples joined in time
    stereo = VPODataset(root, subset='VPO-SS', split='test',
                        pipeline=pipeline(frontend='htsat', stereo=True))
    audio = stereo[0]['audio']
    assert audio.shape == (1, 2, 301, 64) and audio.isfinite().all()
    raw = VPODataset(root, subset='VPO-SS', split='test', pipeline=pipeline(frontend='raw'))
    assert raw[0]['audio'].shape == (1, LENGTH) and raw[0]['audio'].abs().max() > 0


def test_missing_files_are_listed(fresh_root):
    img = f'{fresh_root}/VPO/VPO-MS/data/000000000201.jpg'
    wav = f'{fresh_root}/vggsound_bench/VGGSound/audios/vgg_cat.wav'
    os.remove(img)
    os.remove(wav)
    with pytest.raises(FileNotFoundError) as err:
        VPODataset(fresh_root, subset='VPO-MS', split='train')
    assert img in str(err.value) and wav in str(err.value)
    shutil.rmtree(f'{fresh_root}/VPO/VPO-SS')
    with pytest.raises(FileNotFoundError, match='vpo_ss_data_stereo.csv'):
        VPODataset(fresh_root, subset='VPO-SS')


def test_bad_metadata_and_masks_name_the_file(fresh_root):
    csv = f'{fresh_root}/VPO/VPO-MSMI/vpo_msmi_data_stereo.csv'
    lines = open(csv).read().splitlines()
    open(csv, 'w').write('\n'.join(lines[:-1] + [lines[-1][:-1] + '1']) + '\n')
    with pytest.raises(ValueError, match='disagree on multi_instance'):
        VPODataset(fresh_root, subset='VPO-MSMI', split='test')
    ss_csv = f'{fresh_root}/VPO/VPO-SS/vpo_ss_data_stereo.csv'
    text = open(ss_csv).read()
    open(ss_csv, 'w').write(text.replace(',0.25', ',1.25'))
    with pytest.raises(ValueError, match='vpo_ss_data_stereo.csv row 0: audio_pos'):
        VPODataset(fresh_root, subset='VPO-SS')
    open(ss_csv, 'w').write(text.replace('ann_Ids', 'annIds'))
    with pytest.raises(ValueError, match=r"missing column\(s\) \['ann_Ids'\]"):
        VPODataset(fresh_root, subset='VPO-SS')
    open(ss_csv, 'w').write(text)
    ds = VPODataset(fresh_root, subset='VPO-SS', split='test', pipeline=pipeline())
    mask = ds.get_data_info(0)['seg_map_paths'][0]
    raw = np.array(Image.open(mask))
    raw[0, 0] = 1  # COCO 'person': not a VPO class
    Image.fromarray(raw).save(mask)
    with pytest.raises(ValueError, match=f'{mask}: values \\[1\\] are not in the label map'):
        ds[0]


def test_stereo_without_positions_is_an_error(fresh_root):
    ss_csv = f'{fresh_root}/VPO/VPO-SS/vpo_ss_data_stereo.csv'
    lines = [line.rsplit(',', 1)[0] for line in open(ss_csv).read().splitlines()]
    open(ss_csv, 'w').write('\n'.join(lines) + '\n')
    mono = VPODataset(fresh_root, subset='VPO-SS', pipeline=pipeline())
    assert mono.get_data_info(0)['audio_pos'] is None and mono[0]['audio'].shape[1] == 1
    stereo = VPODataset(fresh_root, subset='VPO-SS', pipeline=pipeline(stereo=True))
    with pytest.raises(AudioFileError, match="vgg_dog.wav.*no 'audio_pos' column"):
        stereo[0]
