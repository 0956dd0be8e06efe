"""Config handling shared by the train and test entry points."""
import os.path as osp
from typing import Optional

import torch
from mmengine.config import Config


def load_run_config(config: str, cfg_options: Optional[dict] = None,
                    work_dir: Optional[str] = None, launcher: str = 'none') -> Config:
    """Load a config for a run: apply ``--cfg-options``, the work dir and the launcher.

    The work dir defaults to ``work_dirs/<config name>``, as in MMSeg. Without CUDA,
    distributed runs use the gloo backend (NCCL needs GPUs), so the same config trains with
    ``tools/dist_train.sh`` on a CPU machine.

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
    return cfg
