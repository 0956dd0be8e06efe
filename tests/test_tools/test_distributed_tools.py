"""The launcher scripts: dist_train.sh/dist_test.sh pass multi-node settings to torchrun and
slurm_train.sh its settings to srun, every argument whole; and an evaluation in 2 processes
gives exactly the single-process numbers (3 clips: an uneven split, one clip padded in by the
sampler)."""
import json
import os
import os.path as osp
import stat
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config
from mmseg.registry import MODELS

from mmseg_avs.datasets.synthetic import generate_synthetic_avs

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs/synthetic/baseline_mit-tiny_synthetic-ms3.py')

SHIM = '''#!/usr/bin/env bash
# stands in for python: records what the launcher script passes on
printf '%s\\n' "$@" > "$SHIM_OUT.args"
echo "$PYTHONPATH" > "$SHIM_OUT.pythonpath"
'''


def run_script(script, args, tmp_path, shim_name='python', **env):
    """Run a launcher script with ``shim_name`` (python, or srun on PATH) replaced by a shim;
    returns the arguments the shim got and its PYTHONPATH."""
    shim = tmp_path / shim_name
    shim.write_text(SHIM)
    shim.chmod(shim.stat().st_mode | stat.S_IEXEC)
    out = str(tmp_path / 'call')
    full_env = {k: v for k, v in os.environ.items()
                if k not in ('NNODES', 'NODE_RANK', 'MASTER_ADDR', 'PORT', 'GPUS',
                             'GPUS_PER_NODE', 'CPUS_PER_TASK', 'SRUN_ARGS')}
    full_env.update(env, SHIM_OUT=out, PATH=f"{tmp_path}:{os.environ['PATH']}")
    if shim_name == 'python':
        full_env['PYTHON'] = str(shim)
    res = subprocess.run(['bash', f'tools/{script}', *args], cwd=REPO, env=full_env,
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    with open(f'{out}.args') as f:
        argv = f.read().split('\n')[:-1]
    with open(f'{out}.pythonpath') as f:
        return argv, f.read().strip()


@pytest.mark.parametrize('script,positional,entry', [
    ('dist_train.sh', ['my_config.py', '4'], ['tools/train.py', 'my_config.py']),
    ('dist_test.sh', ['my_config.py', 'ckpt.pth', '4'],
     ['tools/test.py', 'my_config.py', 'ckpt.pth']),
])
def test_dist_scripts_pass_multi_node_settings_to_torchrun(tmp_path, script, positional,
                                                           entry):
    extra = ['--work-dir', 'a dir with spaces', '--cfg-options', 'x=(1, 2)']
    argv, pythonpath = run_script(script, positional + extra, tmp_path, NNODES='3',
                                  NODE_RANK='2', MASTER_ADDR='10.1.2.3', PORT='29999')
    assert argv[:2] == ['-m', 'torch.distributed.run']
    assert argv[2:7] == ['--nnodes=3', '--node_rank=2', '--master_addr=10.1.2.3',
                         '--nproc_per_node=4', '--master_port=29999']
    assert osp.samefile(osp.join(REPO, argv[7]), osp.join(REPO, entry[0]))
    # every argument arrives whole, spaces included
    assert argv[8:] == entry[1:] + ['--launcher', 'pytorch'] + extra
    assert osp.samefile(pythonpath.split(':')[0], REPO)

    argv, _ = run_script(script, positional, tmp_path)  # single-node defaults
    assert argv[2:7] == ['--nnodes=1', '--node_rank=0', '--master_addr=127.0.0.1',
                         '--nproc_per_node=4', '--master_port=29500']


def test_slurm_script_passes_its_settings_to_srun(tmp_path):
    extra = ['--work-dir', 'a dir with spaces', '--cfg-options', 'x=(1, 2)']
    argv, pythonpath = run_script(
        'slurm_train.sh', ['gpu_part', 'my_job', 'my_config.py'] + extra, tmp_path,
        shim_name='srun', GPUS='16', GPUS_PER_NODE='8', CPUS_PER_TASK='4',
        SRUN_ARGS='--time=1:00:00 --qos=high', PYTHON='mypython')
    assert argv[:10] == ['-p', 'gpu_part', '--job-name=my_job', '--gres=gpu:8', '--ntasks=16',
                         '--ntasks-per-node=8', '--cpus-per-task=4', '--kill-on-bad-exit=1',
                         '--time=1:00:00', '--qos=high']
    assert argv[10:12] == ['mypython', '-u'] and argv[12].endswith('train.py')
    assert argv[13:] == ['my_config.py', '--launcher', 'slurm'] + extra
    assert osp.samefile(pythonpath.split(':')[0], REPO)


@pytest.mark.slow
def test_dist_test_gives_the_single_process_numbers(tmp_path):
    root = str(tmp_path / 'ms3')
    generate_synthetic_avs(root, layout='ms3', preset='easy', image_size=32, seed=2,
                           num_clips={'train': 2, 'val': 2, 'test': 3})
    # any fixed weights do: an untrained model of the config
    cfg = Config.fromfile(CONFIG)
    torch.manual_seed(0)
    ckpt = str(tmp_path / 'model.pth')
    torch.save(dict(state_dict=MODELS.build(cfg.model).state_dict(), meta=dict()), ckpt)
    # one clip per batch, as each rank's clips go through the model alone: the numbers then
    # cannot depend on which clips share a batch; one thread for the same kernels everywhere
    opts = ['--cfg-options', f'test_dataloader.dataset.data_root={root}',
            'test_dataloader.batch_size=1', 'test_dataloader.num_workers=0',
            'test_dataloader.persistent_workers=False',
            "test_dataloader.dataset.pipeline.1.scale='(32,32)'"]
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONUNBUFFERED='1')
    single = str(tmp_path / 'single.json')
    res = subprocess.run([sys.executable, 'tools/test.py', CONFIG, ckpt, '--work-dir',
                          str(tmp_path / 'w1'), '--out', single, *opts], cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    double = str(tmp_path / 'double.json')
    res = subprocess.run(['bash', 'tools/dist_test.sh', CONFIG, ckpt, '2', '--work-dir',
                          str(tmp_path / 'w2'), '--out', double, *opts], cwd=REPO,
                         env=dict(env, PYTHON=sys.executable, PORT='29531'),
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, (res.stdout + res.stderr)[-3000:]
    with open(single) as f:
        single_metrics = json.load(f)
    with open(double) as f:
        double_metrics = json.load(f)
    assert single_metrics['num_frames'] == 3 * 5  # the padded duplicate is not counted
    # exactly equal, NaN entries (e.g. an FPR without empty frames) included
    assert json.dumps(double_metrics, sort_keys=True) == json.dumps(single_metrics,
                                                                    sort_keys=True)
