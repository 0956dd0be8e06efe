"""Tests of the synthetic AVS generator: layouts, determinism, labels, audio, knobs, CLI."""
import csv
import json
import os
import os.path as osp

import numpy as np
import pytest
import soundfile as sf
from PIL import Image

from mmseg_avs.datasets.avss_classes import voc_palette
from mmseg_avs.datasets.case_tags import CASE_TAGS, decode_case_tags
from mmseg_avs.datasets.synthetic import (PRESETS, SAMPLE_RATE, SHAPES, SyntheticAVSConfig,
                                          build_classes, generate_synthetic_avs, make_clip,
                                          object_mask_path)
from mmseg_avs.datasets.synthetic.render import _REACH, _shape_mask, _window
from tests.tool_loader import load_tool

SIZE = 32
COUNTS = {'train': 4, 'val': 2, 'test': 2}


def read_csv(path: str) -> list:
    with open(path, newline='') as f:
        return list(csv.DictReader(f))


def tree_bytes(root: str) -> dict:
    files = {}
    for dirpath, _, names in os.walk(root):
        for name in names:
            path = osp.join(dirpath, name)
            with open(path, 'rb') as f:
                files[osp.relpath(path, root)] = f.read()
    return files


@pytest.fixture(scope='module')
def both(tmp_path_factory) -> tuple:
    root = str(tmp_path_factory.mktemp('synthetic'))
    summary = generate_synthetic_avs(root, layout='both', num_clips=COUNTS, image_size=SIZE,
                                     seed=0, progress=False)
    return root, summary


def test_ms3_layout(both):
    root = osp.join(both[0], 'ms3')
    with open(osp.join(root, 'ms3_meta_data.csv')) as f:
        assert f.readline().strip() == ('video_id,split,same_class_pair,state_transition,'
                                        'silent,offscreen,classes')
    rows = read_csv(osp.join(root, 'ms3_meta_data.csv'))
    assert [r['split'] for r in rows] == [s for s, n in COUNTS.items() for _ in range(n)]
    for row in rows:
        name, split = row['video_id'], row['split']
        assert name.startswith(f'syn_{split}_')
        assert len(decode_case_tags(row, 5, name)) == 5
        frame_dir = osp.join(root, 'ms3_data', 'visual_frames', name)
        mask_dir = osp.join(root, 'ms3_data', 'gt_masks', split, name)
        assert sorted(os.listdir(frame_dir)) == [f'{name}.mp4_{k}.png' for k in range(1, 6)]
        assert sorted(os.listdir(mask_dir)) == [f'{name}_{k}.png' for k in range(1, 6)]
        frame = Image.open(osp.join(frame_dir, f'{name}.mp4_1.png'))
        assert frame.mode == 'RGB' and frame.size == (SIZE, SIZE)
        for k in range(1, 6):
            mask = Image.open(osp.join(mask_dir, f'{name}_{k}.png'))
            assert mask.mode in ('L', 'P') and mask.size == (SIZE, SIZE)
            assert set(np.unique(np.asarray(mask)).tolist()) <= {0, 255}
            # the extra object mask covers every sounding pixel (and the silent objects)
            objects = np.asarray(Image.open(osp.join(root, 'ms3_data', 'object_masks', split,
                                                     name, f'{name}_{k}.png')))
            assert not (np.asarray(mask) & ~objects).any()
        assert osp.isfile(osp.join(root, 'ms3_data', 'audio_wav', split, f'{name}.wav'))
    for name in ('synthetic_config.json', 'README.md'):
        assert osp.isfile(osp.join(root, name)) and osp.isfile(osp.join(both[0], name))


def test_avss_layout(both):
    root, summary = osp.join(both[0], 'avss'), both[1]
    classes = summary['classes']
    with open(osp.join(root, 'label2idx.json')) as f:
        assert json.load(f) == {'background': 1, **{c: k + 2 for k, c in enumerate(classes)}}
    with open(osp.join(root, 'metadata.csv')) as f:
        assert f.readline().strip() == ('vid,uid,s_min,s_sec,a_obj,split,label,'
                                        'same_class_pair,state_transition,silent,offscreen')
    rows = read_csv(osp.join(root, 'metadata.csv'))
    assert len(rows) == sum(COUNTS.values())
    assert len({r['uid'] for r in rows}) == len(rows)  # clip folders carry no split
    assert {r['label'] for r in rows if r['split'] == 'train'} == {'v1s', 'v1m', 'v2'}
    palette = np.asarray(voc_palette(len(classes) + 1), np.uint8)
    for row in rows:
        T = 10 if row['label'] == 'v2' else 5
        assert row['uid'] == f"{row['vid']}_0_{T * 1000}"
        assert len(decode_case_tags(row, T, row['uid'])) == T
        assert set(row['a_obj'].split()) <= set(classes)
        clip_dir = osp.join(root, row['label'], row['uid'])
        assert sorted(os.listdir(osp.join(clip_dir, 'frames'))) == sorted(
            f'{i}.jpg' for i in range(T))
        num_masks = 1 if (row['label'] == 'v1s' and row['split'] == 'train') else T
        for sub in ('labels_rgb', 'labels_semantic'):
            assert sorted(os.listdir(osp.join(clip_dir, sub))) == sorted(
                f'{i}.png' for i in range(num_masks))
        for i in range(num_masks):
            rgb = np.asarray(Image.open(osp.join(clip_dir, 'labels_rgb', f'{i}.png')))
            index = Image.open(osp.join(clip_dir, 'labels_semantic', f'{i}.png'))
            assert index.mode in ('L', 'P') and rgb.shape == (SIZE, SIZE, 3)
            index = np.asarray(index)
            assert index.max() <= len(classes)
            np.testing.assert_array_equal(rgb, palette[index])
            heard = {classes.index(c) + 1 for c in row['a_obj'].split()}
            assert set(np.unique(index).tolist()) - {0} <= heard
        assert sf.info(osp.join(clip_dir, 'audio.wav')).frames == T * SAMPLE_RATE


def test_summary_counts_match_metadata(both):
    root, summary = both
    rows = read_csv(osp.join(root, 'ms3', 'ms3_meta_data.csv'))
    for split in COUNTS:
        counted = {tag: sum(r[tag].count('1') for r in rows if r['split'] == split)
                   for tag in CASE_TAGS}
        assert summary['ms3']['tags'][split] == counted
        assert summary['ms3']['frames'][split] == 5 * COUNTS[split]
    with open(osp.join(root, 'ms3', 'synthetic_config.json')) as f:
        info = json.load(f)
    assert info['seed'] == 0 and info['version'] and info['preset'] == 'easy'
    assert info['knobs'] == SyntheticAVSConfig().to_dict()


def test_deterministic(tmp_path):
    kwargs = dict(layout='both', num_clips={'train': 2, 'val': 1, 'test': 1},
                  image_size=SIZE, progress=False)
    first = generate_synthetic_avs(str(tmp_path / 'a'), seed=3, **kwargs)
    again = generate_synthetic_avs(str(tmp_path / 'b'), seed=3, **kwargs)
    assert first == again
    files_a, files_b = tree_bytes(str(tmp_path / 'a')), tree_bytes(str(tmp_path / 'b'))
    assert files_a == files_b
    generate_synthetic_avs(str(tmp_path / 'c'), seed=4, **kwargs)
    files_c = tree_bytes(str(tmp_path / 'c'))
    assert files_c.keys() == files_a.keys()
    changed = [p for p in files_a if p.endswith(('.wav', '.png')) and files_a[p] != files_c[p]]
    assert len(changed) > len(files_a) // 2


def test_rerun_replaces_previous_output(tmp_path):
    kwargs = dict(layout='ms3', image_size=SIZE, progress=False)
    generate_synthetic_avs(str(tmp_path), num_clips={'train': 3, 'val': 1, 'test': 1}, **kwargs)
    generate_synthetic_avs(str(tmp_path), num_clips={'train': 1, 'val': 1, 'test': 1}, **kwargs)
    assert len(os.listdir(tmp_path / 'ms3_data' / 'visual_frames')) == 3


def test_masks_agree_with_tags_on_disk(both):
    root = both[0]
    for row in read_csv(osp.join(root, 'ms3', 'ms3_meta_data.csv')):
        mask_dir = osp.join(root, 'ms3', 'ms3_data', 'gt_masks', row['split'], row['video_id'])
        for k, flag in enumerate(row['silent'], start=1):
            mask = np.asarray(Image.open(osp.join(mask_dir, f"{row['video_id']}_{k}.png")))
            if flag == '1':
                assert not mask.any()
    for row in read_csv(osp.join(root, 'avss', 'metadata.csv')):
        sem_dir = osp.join(root, 'avss', row['label'], row['uid'], 'labels_semantic')
        for i in range(len(os.listdir(sem_dir))):
            if row['silent'][i] == '1':
                assert not np.asarray(Image.open(osp.join(sem_dir, f'{i}.png'))).any()


def many_clips(preset: str, num: int = 40, T: int = 5, **overrides) -> tuple:
    cfg = SyntheticAVSConfig.from_preset(preset, **overrides)
    classes = build_classes(cfg, seed=0)
    clips = [make_clip(cfg, classes, np.random.default_rng(i), T, SIZE) for i in range(num)]
    return cfg, classes, clips


def test_clip_labels_by_construction():
    _, _, clips = many_clips('hard', num=60, p_offscreen=0.6, p_same_class_pair=0.6,
                             p_silent_clip=0.1)
    seen = dict.fromkeys(CASE_TAGS, 0)
    for clip in clips:
        masks = clip.semantic_masks()
        assert clip.offscreen_class not in clip.object_classes
        assert not (clip.sounding & ~clip.audible).any()  # sounding at t => heard in second t
        for t, tags in enumerate(clip.tags):
            for tag in tags:
                seen[tag] += 1
            heard_on_screen = clip.audible[t].any()
            if 'silent' in tags:
                assert not heard_on_screen and not clip.offscreen_audible[t]
                assert not masks[t].any()
            if 'offscreen' in tags and not heard_on_screen:
                assert not masks[t].any()  # off-screen only: nothing to segment
            changed = t > 0 and (clip.sounding[t] != clip.sounding[t - 1]).any()
            assert ('state_transition' in tags) == changed
            if 'same_class_pair' in tags:
                pair_classes = [c for c in set(clip.object_classes)
                                if clip.object_classes.count(c) == 2]
                (c,) = pair_classes
                members = [i for i, o in enumerate(clip.object_classes) if o == c]
                assert all((clip.instances[t] == i).any() for i in members)
                sources = {int(i) for i in np.unique(clip.instances[t][masks[t] == c + 1])}
                assert len(sources) == 1 and sources <= set(members)
    assert all(seen.values()), seen


def test_switch_inside_a_second():
    overrides = dict(min_objects=1, max_objects=1, p_same_class_pair=0.0, p_offscreen=0.0,
                     p_silent_clip=0.0, p_switch=1.0, p_switch_inside=1.0,
                     snr_db=(60.0, 60.0))
    _, _, clips = many_clips('easy', num=4, **overrides)
    edge = int(0.15 * SAMPLE_RATE)  # switches fall within 15-85% of a second
    for clip in clips:
        audio = clip.audio.astype(np.float64).reshape(len(clip.tags), SAMPLE_RATE)
        head, tail = (audio[:, 10:edge - 200] ** 2).mean(1), (audio[:, -edge:] ** 2).mean(1)
        masks = clip.semantic_masks()
        for t in range(1, len(clip.tags)):
            was, now = clip.sounding[t - 1, 0], clip.sounding[t, 0]
            assert was != now and 'state_transition' in clip.tags[t]
            assert clip.audible[t, 0] and 'silent' not in clip.tags[t]
            if was:  # stops inside second t: heard early, but absent from frame t's mask
                assert head[t] > 100 * tail[t] and not masks[t].any()
            else:  # starts inside second t: heard late, and in frame t's mask
                assert tail[t] > 100 * head[t] and masks[t].any()


def test_audio_files(both):
    root = osp.join(both[0], 'ms3')
    silent, sounding = [], []
    for row in read_csv(osp.join(root, 'ms3_meta_data.csv')):
        path = osp.join(root, 'ms3_data', 'audio_wav', row['split'], f"{row['video_id']}.wav")
        info = sf.info(path)
        assert (info.samplerate, info.channels, info.subtype) == (SAMPLE_RATE, 1, 'PCM_16')
        wave, _ = sf.read(path, dtype='int16')
        assert wave.shape == (5 * SAMPLE_RATE,)
        energy = (wave.astype(np.float64).reshape(5, SAMPLE_RATE) ** 2).mean(1)
        assert np.isfinite(energy).all() and energy.min() > 0  # background noise everywhere
        for t, flag in enumerate(row['silent']):
            (silent if flag == '1' else sounding).append(energy[t])
    # easy preset: switches on second boundaries, SNR >= 20 dB, sources >= -6 dB
    assert silent and sounding and max(silent) < 0.1 * min(sounding)


def test_sound_depends_on_class():
    cfg, classes, clips = many_clips('easy', num=30)
    assert len({c.f0 for c in classes}) == len(classes)
    checked = set()
    for clip in clips:
        audio = clip.audio.astype(np.float64).reshape(len(clip.tags), SAMPLE_RATE)
        for t in range(len(clip.tags)):
            heard = [c for c, a in zip(clip.object_classes, clip.audible[t]) if a]
            if clip.offscreen_audible[t]:
                heard.append(clip.offscreen_class)
            if len(heard) != 1:
                continue
            peak_hz = np.argmax(np.abs(np.fft.rfft(audio[t])))  # 1-s window: 1 Hz bins
            assert peak_hz == classes[heard[0]].f0
            checked.add(heard[0])
    assert len(checked) >= 4


def test_twins_differ_in_size_and_pitch():
    """Hard preset: twins are one small and one large object, and the larger sounds lower,
    by the documented shift (read off the spectrum of seconds in which one twin is heard)."""
    cfg, classes, clips = many_clips('hard', num=12, min_objects=2, max_objects=2,
                                     p_same_class_pair=1.0, p_offscreen=0.0, p_silent_clip=0.0,
                                     snr_db=(60.0, 60.0))
    half = (1 - cfg.twin_size_gap) / 2
    checked = 0
    for clip in clips:
        assert clip.object_classes[0] == clip.object_classes[1]
        small, large = np.argsort(clip.object_sizes)
        assert clip.object_sizes[small] <= half and clip.object_sizes[large] >= 1 - half
        area = [(clip.instances == i).sum((1, 2)).max() for i in (0, 1)]
        assert area[large] > area[small]
        audio = clip.audio.astype(np.float64).reshape(len(clip.tags), SAMPLE_RATE)
        f0 = classes[clip.object_classes[0]].f0
        for t in range(len(clip.tags)):
            if clip.audible[t].sum() != 1:
                continue  # both twins heard in a hand-over second
            heard = int(np.argmax(clip.audible[t]))
            shift = cfg.size_pitch * (0.5 - clip.object_sizes[heard])
            peak_hz = np.argmax(np.abs(np.fft.rfft(audio[t])))  # 1-s window: 1 Hz bins
            assert peak_hz == round(f0 * 2 ** (shift / 12))
            assert (peak_hz < f0) == (heard == large)
            checked += 1
    assert checked >= 20


def test_shapes_fit_their_drawing_window():
    size = 64
    yy, xx = np.mgrid[0:size, 0:size] + 0.5
    centre = np.array([30.3, 29.7])
    for shape in SHAPES:
        for radius, pad in ((8.0, 3.0), (10.0, 1.0), (6.0, 4.0)):
            full = _shape_mask(shape, xx - centre[0], yy - centre[1], radius, pad)
            win = _window(centre, _REACH * radius + 2 * pad, size)
            assert full.sum() == full[win].sum() > 0, shape


def test_presets_differ_in_documented_direction():
    easy, hard = SyntheticAVSConfig.from_preset('easy'), SyntheticAVSConfig.from_preset('hard')
    assert easy == SyntheticAVSConfig()
    assert hard.cue_contrast < easy.cue_contrast and hard.cue_width < easy.cue_width
    assert hard.p_cue_missing > easy.p_cue_missing
    assert hard.p_cue_silent > easy.p_cue_silent
    assert hard.p_same_class_pair > easy.p_same_class_pair
    assert easy.p_switch_inside == 0 < hard.p_switch_inside
    assert easy.size_pitch == 0 < hard.size_pitch and easy.twin_size_gap == 0 < hard.twin_size_gap
    assert hard.timbre_similarity > easy.timbre_similarity
    assert hard.snr_db[0] < easy.snr_db[0] and hard.snr_db[1] < easy.snr_db[1]
    assert hard.clutter > easy.clutter and hard.p_offscreen > easy.p_offscreen
    # and the data follow: fewer cues on sounding objects, more on silent ones
    rates = {}
    for preset in PRESETS:
        _, _, clips = many_clips(preset, num=30)
        sounding = np.concatenate([c.sounding.ravel() for c in clips])
        cue = np.concatenate([c.cue.ravel() for c in clips])
        rates[preset] = (cue[sounding].mean(), cue[~sounding].mean())
    assert rates['hard'][0] < rates['easy'][0] and rates['hard'][1] > rates['easy'][1]


def test_overrides_and_errors(tmp_path):
    cfg = SyntheticAVSConfig.from_preset('hard', p_switch=0.9, snr_db=[5, 6])
    assert cfg.p_switch == 0.9 and cfg.snr_db == (5.0, 6.0) and cfg.cue_contrast == 0.35
    summary = generate_synthetic_avs(str(tmp_path), layout='avss', num_classes=3,
                                     num_clips={'train': 2, 'val': 0, 'test': 0},
                                     image_size=SIZE, progress=False)
    assert len(summary['classes']) == 3
    with open(tmp_path / 'label2idx.json') as f:
        assert len(json.load(f)) == 4
    with open(tmp_path / 'synthetic_config.json') as f:
        assert json.load(f)['knobs']['num_classes'] == 3
    with pytest.raises(ValueError, match='unknown synthetic AVS knob.*no_such_knob'):
        generate_synthetic_avs(str(tmp_path), no_such_knob=1)
    with pytest.raises(ValueError, match='p_switch'):
        SyntheticAVSConfig.from_preset('easy', p_switch=1.5)
    with pytest.raises(ValueError, match='num_classes must be an integer'):
        SyntheticAVSConfig.from_preset('easy', num_classes=2.5)
    with pytest.raises(ValueError, match='snr_db must be a pair'):
        SyntheticAVSConfig.from_preset('easy', snr_db='loud')
    with pytest.raises(ValueError, match='preset'):
        SyntheticAVSConfig.from_preset('medium')
    with pytest.raises(ValueError, match='layout'):
        generate_synthetic_avs(str(tmp_path), layout='s4')
    with pytest.raises(ValueError, match='split'):
        generate_synthetic_avs(str(tmp_path), num_clips={'training': 3})


def load_cli():
    return load_tool('tools/dataset_converters/make_synthetic_avs.py')


def test_cli(tmp_path, capsys):
    cli = load_cli()
    summary = cli.main(['--out-dir', str(tmp_path), '--layout', 'ms3', '--preset', 'hard',
                        '--image-size', str(SIZE), '--seed', '5', '--num-train', '2',
                        '--num-val', '1', '--num-test', '0', '--set', 'num_classes=4',
                        '--set', 'snr_db=0,10', '--no-progress'])
    assert summary['clips'] == {'train': 2, 'val': 1, 'test': 0}
    assert json.loads(capsys.readouterr().out) == summary
    with open(tmp_path / 'synthetic_config.json') as f:
        info = json.load(f)
    assert info['seed'] == 5 and info['preset'] == 'hard'
    assert info['knobs']['num_classes'] == 4 and info['knobs']['snr_db'] == [0.0, 10.0]
    with pytest.raises(ValueError, match='bogus'):
        cli.main(['--out-dir', str(tmp_path), '--set', 'bogus=1', '--no-progress'])


def test_object_mask_path(tmp_path):
    gt = tmp_path / 'ms3_data' / 'gt_masks' / 'test' / 'clip' / 'clip_1.png'
    obj = tmp_path / 'ms3_data' / 'object_masks' / 'test' / 'clip' / 'clip_1.png'
    obj.parent.mkdir(parents=True)
    obj.write_bytes(b'')
    assert object_mask_path(str(gt)) == str(obj)
    with pytest.raises(FileNotFoundError, match='no object mask'):
        object_mask_path(str(gt).replace('clip_1', 'clip_2'))
    with pytest.raises(ValueError, match='MS3 layout only'):
        object_mask_path(str(tmp_path / 'labels_semantic' / '0.png'))
