"""Config handling shared by the train and test entry points."""
import argparse
import os
import os.path as osp
from typing import Optional

import torch
from mmengine.config import Config, DictAction


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments every entry point shares: work dir, config overrides and the launcher."""
    parser.add_argument('--work-dir', help='the dir to save logs, checkpoints and metrics')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override settings of the config, e.g. test_evaluator.protocol=avsbench')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    # torch.distributed.launch passes --local-rank; torchrun sets LOCAL_RANK instead
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def parse_run_arguments(parser: argparse.ArgumentParser, argv=None) -> argparse.Namespace:
    """Parse, and export ``LOCAL_RANK`` for launchers that pass it as an argument."""
    args = parser.parse_args(argv)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def load_run_config(config: str, cfg_options: Optional[dict] = None,
                    work_dir: Optional[str] = None, launcher: str = 'none') -> Config:
    """Load a config for a run: apply ``--cfg-options``, the work dir and the launcher.

    The work dir defaults to ``work_dirs/<config name>``, as in MMSeg. Without CUDA,
    distributed runs use the gloo backend (NCCL needs GPUs) and a DDP wrapper without
    ``device_ids`` (MMEngine passes the local rank as a GPU id), so the same config trains
    with ``tools/dist_train.sh`` on a CPU machine.

    Args:
        config (str): Config file path.
        cfg_options (dict, optional): Overrides, e.g. from ``--cfg-options``.
        work_dir (str, optional): Where logs and checkpoints go.
        launcher (str): ``'none'``, ``'pytorch'``, ``'slurm'`` or ``'mpi'``.

    Returns:
        Config: The run config.
    """
    if not osp.isfile(config):
        raise FileNotFoundError(f'config not found: {config}')
    cfg = Config.fromfile(config)
    cfg.launcher = launcher
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('work_dirs', osp.splitext(osp.basename(config))[0])
    if launcher != 'none' and not torch.cuda.is_available():
        cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})['backend'] = 'gloo'
        wrapper = cfg.get('model_wrapper_cfg') or dict(
            type='MMDistributedDataParallel', broadcast_buffers=False,
            find_unused_parameters=cfg.get('find_unused_parameters', False))
        wrapper['device_ids'] = None
        cfg.model_wrapper_cfg = wrapper
    return cfg


def init_cpu_distributed(launcher: str) -> None:
    """Join the process group on a machine without CUDA.

    MMEngine's ``init_dist`` calls ``torch.cuda.set_device`` for the ``pytorch`` launcher,
    which fails on CPU-only builds of torch. There, initialise the gloo process group from
    torchrun's environment (``RANK``, ``WORLD_SIZE``, ``MASTER_ADDR``, ``MASTER_PORT``)
    before the runner is built; the runner then finds it initialised and skips its own.

    Args:
        launcher (str): The job launcher of the run.
    """
    import torch.distributed as dist
    if launcher == 'pytorch' and not torch.cuda.is_available() and not dist.is_initialized():
        dist.init_process_group(backend='gloo')
