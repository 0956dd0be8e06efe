"""tools/train.py, tools/test.py and tools/dist_train.sh on a tiny synthetic data set:
train, checkpoint, test from the checkpoint (torch >= 2.6 weights-only loading), resume a
killed run to exactly the uninterrupted result, and train in 2 processes (gloo on the CPU)."""
import glob
import json
import os
import os.path as osp
import signal
import subprocess
import sys
import time

import mmcv
import pytest
import torch

from mmseg_avs.datasets.synthetic import generate_synthetic_avs
from mmseg_avs.utils.checkpoint_loading import load_from_checked_local

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs/synthetic/baseline_mit-tiny_synthetic-ms3.py')
pytestmark = pytest.mark.slow


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('synthetic') / 'ms3')
    generate_synthetic_avs(root, layout='ms3', preset='easy', image_size=32, seed=0,
                           num_clips={'train': 4, 'val': 2, 'test': 2})
    return root


def cfg_options(data_root, max_iters, ckpt_interval):
    opts = [f'train_cfg.max_iters={max_iters}', f'train_cfg.val_interval={max_iters}',
            f'default_hooks.checkpoint.interval={ckpt_interval}',
            'default_hooks.checkpoint.max_keep_ckpts=10',
            'default_hooks.logger.interval=1', 'param_scheduler=None']
    for split in ('train', 'val', 'test'):
        opts += [f'{split}_dataloader.dataset.data_root={data_root}',
                 f'{split}_dataloader.batch_size=2', f'{split}_dataloader.num_workers=0',
                 f'{split}_dataloader.persistent_workers=False']
    opts += ['model.decode_head.num_classes=2',
             "train_dataloader.dataset.pipeline.3.scale='(32,32)'",
             "val_dataloader.dataset.pipeline.1.scale='(32,32)'",
             "test_dataloader.dataset.pipeline.1.scale='(32,32)'"]
    return opts


def run(args, **kwargs):
    env = dict(os.environ, PYTHONUNBUFFERED='1')
    return subprocess.run([sys.executable, *args], cwd=REPO, env=env, capture_output=True,
                          text=True, **kwargs)


def test_train_then_test_from_checkpoint(data_root, tmp_path):
    work = str(tmp_path / 'work')
    res = run(['tools/train.py', CONFIG, '--work-dir', work, '--cfg-options',
               *cfg_options(data_root, 4, 2)], timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    ckpt = osp.join(work, 'iter_4.pth')
    assert osp.isfile(ckpt)
    # the checkpoint holds MMEngine's message hub (numpy inside): weights-only loading works
    assert torch.load(ckpt, map_location='cpu', weights_only=True)['meta']['iter'] == 4
    show = str(tmp_path / 'show')
    res = run(['tools/test.py', CONFIG, ckpt, '--work-dir', work, '--show-dir', show,
               '--out', str(tmp_path / 'metrics.json'), '--cfg-options',
               *cfg_options(data_root, 4, 2)], timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    import json
    metrics = json.load(open(tmp_path / 'metrics.json'))
    for key in ('J', 'F', 'J&F'):
        assert 0 <= metrics[key] <= 100
    pictures = glob.glob(osp.join(show, '**', '*.png'), recursive=True)
    assert len(pictures) == 2 * 5  # 2 test clips x 5 frames


def val_metrics_at(work_dir, step):
    """The validation metrics logged at ``step`` (MMEngine's vis_data/scalars.json)."""
    for path in glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')):
        for line in open(path):
            record = json.loads(line)
            if record.get('step') == step and 'J&F' in record:
                return {k: v for k, v in record.items() if k not in ('data_time', 'time')}
    raise AssertionError(f'no validation at step {step} logged in {work_dir}')


def test_killed_run_resumes_to_the_uninterrupted_result(data_root, tmp_path, monkeypatch):
    """A run SIGKILLed after a checkpoint and resumed with ``--resume`` ends with exactly the
    weights, optimizer state and validation metrics of an uninterrupted run with the same
    seed. Validation runs at every checkpoint, so the resumed run skips the validation that
    followed its checkpoint; dropout and drop path draw from torch's generator and the
    random flip from NumPy's (RNGStateHook)."""
    def train_args(work, max_iters):
        opts = [o.replace(f'train_cfg.val_interval={max_iters}', 'train_cfg.val_interval=2')
                for o in cfg_options(data_root, max_iters, 2)]
        return ['tools/train.py', CONFIG, '--work-dir', work, '--cfg-options', *opts,
                'randomness.seed=3', 'randomness.deterministic=True']

    # one thread each: two runs at a time on a small machine, and the same kernels every run
    monkeypatch.setenv('OMP_NUM_THREADS', '1')
    end, full, killed = 8, str(tmp_path / 'full'), str(tmp_path / 'killed')
    # the uninterrupted run goes on beside the one that gets killed
    with open(tmp_path / 'full.log', 'w') as full_log:
        reference = subprocess.Popen([sys.executable, *train_args(full, end)], cwd=REPO,
                                     stdout=full_log, stderr=subprocess.STDOUT)
        proc = subprocess.Popen([sys.executable, *train_args(killed, 40)], cwd=REPO,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 300
        while not osp.isfile(osp.join(killed, 'iter_4.pth')) and time.time() < deadline:
            time.sleep(0.1)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert reference.wait(timeout=600) == 0, open(tmp_path / 'full.log').read()[-3000:]
    assert osp.isfile(osp.join(killed, 'iter_4.pth')), 'no checkpoint before the kill'
    last = int(open(osp.join(killed, 'last_checkpoint')).read().strip().split('iter_')[-1][:-4])
    assert last < end, 'the killed run got past the end before the kill'

    res = run(train_args(killed, end) + ['--resume'], timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    log = res.stdout + res.stderr
    assert 'resumed' in log.lower() and f'iter_{last}.pth' in log

    ckpts = [torch.load(osp.join(work, f'iter_{end}.pth'), map_location='cpu',
                        weights_only=True) for work in (full, killed)]
    assert ckpts[1]['meta']['iter'] == end
    for key, value in ckpts[0]['state_dict'].items():
        assert torch.equal(value, ckpts[1]['state_dict'][key]), key
    states = [ckpt['optimizer']['state'] for ckpt in ckpts]
    assert states[0].keys() == states[1].keys()
    for param, state in states[0].items():
        for name, value in state.items():
            assert torch.equal(torch.as_tensor(value), torch.as_tensor(states[1][param][name]))
    assert val_metrics_at(full, end) == val_metrics_at(killed, end)


def test_dist_train_two_processes(data_root, tmp_path):
    work = str(tmp_path / 'work')
    env = dict(os.environ, PYTHON=sys.executable, PORT='29517', PYTHONUNBUFFERED='1')
    res = subprocess.run(['bash', 'tools/dist_train.sh', CONFIG, '2', '--work-dir', work,
                          '--cfg-options', *cfg_options(data_root, 2, 2)],
                         cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, (res.stdout + res.stderr)[-3000:]
    assert osp.isfile(osp.join(work, 'iter_2.pth'))
    log = res.stdout + res.stderr
    # MMEngine reports the world size as "GPU number", whatever the device
    assert 'Distributed training: True' in log and 'GPU number: 2' in log
    # complete (CRC-checked), finite, and holding the generators for an exact resume
    ckpt = load_from_checked_local(osp.join(work, 'iter_2.pth'), map_location='cpu')
    assert ckpt['meta']['iter'] == 2 and 'rng_state' in ckpt


def test_semantic_config_trains_and_evaluates(tmp_path):
    """Full RAVS on the synthetic AVSS config (10-slot clips, padded v1s/v1m, classes from
    label2idx.json)."""
    root = str(tmp_path / 'avss')
    generate_synthetic_avs(root, layout='avss', preset='easy', image_size=32, seed=1,
                           num_clips={'train': 4, 'val': 3, 'test': 3})
    config = osp.join(REPO, 'configs/synthetic/ravs_mit-tiny_synthetic-avss.py')
    opts = [o for o in cfg_options(root, 2, 2) if 'num_classes' not in o]
    res = run(['tools/train.py', config, '--work-dir', str(tmp_path / 'work'), '--cfg-options',
               *opts], timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    log = res.stdout + res.stderr
    assert 'Iter(val)' in log and 'J&F' in log


def test_ravs_config_trains_and_draws_clips(data_root, tmp_path):
    """Full RAVS (AMA blocks after stages 1-3, contrastive alignment, UE head) trains and
    evaluates end to end, and the clip pictures (uncertainty and groups) are drawn from its
    checkpoint."""
    config = osp.join(REPO, 'configs/synthetic/ravs_mit-tiny_synthetic-ms3.py')
    work = str(tmp_path / 'work')
    res = run(['tools/train.py', config, '--work-dir', work, '--cfg-options',
               *cfg_options(data_root, 2, 2)], timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    log = res.stdout + res.stderr
    assert 'Iter(val)' in log and 'loss_cst' in log and 'cst_valid_frac' in log
    out = str(tmp_path / 'groups')
    res = run(['tools/analysis/show_clips.py', config, osp.join(work, 'iter_2.pth'),
               '--out-dir', out, '--num-clips', '2', '--cfg-options',
               *cfg_options(data_root, 2, 2)], timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    assert {'syn_test_00000.png', 'syn_test_00001.png'} <= set(os.listdir(out))
    picture = mmcv.imread(osp.join(out, 'syn_test_00000.png'))
    # rows: frame, ground truth, prediction, uncertainty, AMA groups (128 px + title strip)
    assert picture.shape[0] == 18 + 5 * 128
