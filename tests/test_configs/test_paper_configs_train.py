"""The paper configs (configs/ravs/ravs_mitb5_<data>.py, and their DDESeg-frame variants
ravs_mitb5_<data>_ddeseg-frame.py) train 2 iterations and validate on
tiny data sets in each official layout (S4, MS3, AVSS, VPO-SS, VPO-MS, VPO-MSMI), through
tools/train.py's own config path with a tiny visual backbone swapped in by --cfg-options;
and tools/dataset_converters/check_avs_dataset.py names a missing file and a corrupted mask
of one data root in one run."""
import os
import os.path as osp
import subprocess
import sys

import pytest
from mmengine.config import Config
from mmengine.runner import Runner

from mmseg_avs.datasets.avss_classes import AVSS_CLASSES
from tests.layout_fixtures import write_avss, write_ms3, write_s4, write_vpo
from tests.tool_loader import load_tool

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
RAVS = osp.join(REPO, 'configs', 'ravs')
CHECKER = osp.join(REPO, 'tools', 'dataset_converters', 'check_avs_dataset.py')


@pytest.fixture(scope='module')
def roots(tmp_path_factory):
    """One tiny root per official layout (VPO's three subsets share one root); AVSS with the
    71 AVSBench-Semantic classes of the paper config's head."""
    base = tmp_path_factory.mktemp('layouts')
    vpo = write_vpo(str(base / 'vpo'))
    return {'s4': write_s4(str(base / 's4')), 'ms3': write_ms3(str(base / 'ms3')),
            'avss': write_avss(str(base / 'avss'), classes=AVSS_CLASSES),
            'vpo-ss': vpo, 'vpo-ms': vpo, 'vpo-msmi': vpo}


def cfg_options(data, data_root, size=64, train_resize=3):
    """What a user types to train the paper config 2 iterations on a tiny root: MiT with
    16 base channels and one block per stage (B5's heads, so AMA's heads divide the
    widths), untrained VGGish, no weight files, 64x64 frames, batch 1, no workers, no
    checkpoints, validation after the 2nd iteration. ``train_resize``: the position of the
    ClipResize step in the train pipeline."""
    opts = ['model.backbone.visual.embed_dims=16', 'model.backbone.visual.num_layers=[1,1,1,1]',
            'model.backbone.visual.init_cfg=None', 'model.audio_encoder.pretrained=None',
            'model.decode_head.in_channels=[16,32,80,128]', 'model.decode_head.channels=32',
            'train_cfg._delete_=True', 'train_cfg.type=IterBasedTrainLoop',
            'train_cfg.max_iters=2', 'train_cfg.val_interval=2',
            'default_hooks.checkpoint=None', 'default_hooks.logger.interval=1',
            f'experiment_name=paper-{data}']
    for split, resize in (('train', train_resize), ('val', 1), ('test', 1)):
        loader = f'{split}_dataloader'
        opts += [f'{loader}.dataset.data_root={data_root}', f'{loader}.batch_size=1',
                 f'{loader}.num_workers=0', f'{loader}.persistent_workers=False',
                 f'{loader}.dataset.pipeline.{resize}.scale=({size},{size})']
    return opts


# data -> metrics the validation must log (AVSBench rows also score TPAVI's protocol)
METRICS = {'s4': ('avsbench',), 'ms3': ('avsbench',), 'avss': ('avss',),
           'vpo-ss': (), 'vpo-ms': (), 'vpo-msmi': ()}


@pytest.mark.slow
@pytest.mark.parametrize('frame', ['', '_ddeseg-frame'], ids=['default', 'ddeseg-frame'])
@pytest.mark.parametrize('data', list(METRICS))
def test_paper_config_trains_two_iterations_and_validates(roots, tmp_path, data, frame):
    train = load_tool('tools/train.py')
    config = osp.join(RAVS, f'ravs_mitb5_{data}{frame}.py')
    steps = [t['type'] for t in Config.fromfile(config).train_dataloader.dataset.pipeline]
    args = train.parse_args([config, '--work-dir', str(tmp_path / 'work'), '--cfg-options',
                             *cfg_options(data, roots[data],
                                          train_resize=steps.index('ClipResize'))])
    cfg = train.build_config(args)   # tools/train.py's main(), step by step
    train.check_config(cfg)
    for key in ('train', 'val'):     # the overrides reached the right pipeline steps
        resize = [t for t in cfg[f'{key}_dataloader'].dataset.pipeline
                  if t.type == 'ClipResize']
        assert [tuple(t.scale) for t in resize] == [(64, 64)]
    runner = Runner.from_cfg(cfg)
    runner.train()

    assert runner.iter == 2
    scalars = runner.message_hub.log_scalars
    losses = [k for k in scalars if k.startswith('train/') and 'loss' in k]
    assert 'train/loss' in losses and 'train/loss_cst' in losses
    expected = ['J', 'F', 'J&F'] + [f'{p}/{m}' for p in METRICS[data] for m in ('J', 'F')]
    for name in expected:
        assert f'val/{name}' in scalars, sorted(scalars)
        value = scalars[f'val/{name}'].current()
        assert 0 <= value <= 100, (name, value)
    with open(osp.join(runner.log_dir, f'{osp.basename(runner.log_dir)}.log')) as f:
        logs = f.read()
    assert 'Iter(val)' in logs and 'J&F' in logs


# (layout, writer, file removed, mask corrupted), relative to the data root; a removed frame
# also leaves its clip folder a frame short ('frame count')
FAULTS = [
    ('s4', write_s4, 's4_data/visual_frames/test/male_speech/testclip1/testclip1_3.png',
     's4_data/gt_masks/val/dog_barking/valclip0/valclip0_2.png'),
    ('ms3', write_ms3, 'ms3_data/audio_wav/val/ms3val001.wav',
     'ms3_data/gt_masks/train/ms3train000/ms3train000_4.png'),
    ('avss', write_avss, 'v1m/v1mtest_0_5000/frames/2.jpg',
     'v2/v2val_0_10000/labels_rgb/7.png'),
    ('vpo-ms', write_vpo, 'vggsound_bench/VGGSound/audios/vgg_cat.wav',
     'VPO/VPO-MS/mask/000000000202.png'),
]
KINDS = {'missing file', 'unreadable file'}


def sections(out):
    """``{kind: [problem lines]}`` of the checker's report."""
    found, kind = {}, None
    for line in out.splitlines():
        if line.startswith('  ') and kind is not None:
            found[kind].append(line.strip())
        elif line.endswith('):') and ' (' in line:
            kind = line.rsplit(' (', 1)[0]
            found[kind] = []
    return found


@pytest.mark.parametrize('layout,writer,removed,corrupted', FAULTS, ids=[f[0] for f in FAULTS])
def test_checker_names_a_missing_file_and_a_corrupted_mask_in_one_run(
        tmp_path, capsys, layout, writer, removed, corrupted):
    root = writer(str(tmp_path))
    removed, corrupted = osp.join(root, removed), osp.join(root, corrupted)
    os.remove(removed)
    with open(corrupted, 'wb') as f:
        f.write(b'\x89PNG\r\n\x1a\n truncated')
    code = load_tool('tools/dataset_converters/check_avs_dataset.py').main([layout, root])
    out = capsys.readouterr().out
    assert code == 1, out
    problems = sections(out)
    assert any(removed in line for line in problems.get('missing file', [])), out
    assert any(corrupted in line for line in problems.get('unreadable file', [])), out
    frame = removed.endswith(('.png', '.jpg'))
    assert set(problems) == KINDS | ({'frame count'} if frame else set()), out
    assert all(len(lines) == 1 for lines in problems.values()), out
    assert f'{layout} layout at {root}: ' in out and f'{len(problems)} problem(s)' in out


def test_checker_exit_status_from_the_command_line(tmp_path):
    layout, writer, removed, corrupted = FAULTS[1]
    root = writer(str(tmp_path))
    os.remove(osp.join(root, removed))
    with open(osp.join(root, corrupted), 'wb') as f:
        f.write(b'not a png')
    res = subprocess.run([sys.executable, CHECKER, layout, root], cwd=REPO,
                         capture_output=True, text=True, timeout=300)
    assert res.returncode != 0
    assert osp.join(root, removed) in res.stdout and osp.join(root, corrupted) in res.stdout
