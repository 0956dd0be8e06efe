from .checkpoint_loading import allow_mmengine_checkpoint_globals
from .run_config import init_cpu_distributed, load_run_config

__all__ = ['allow_mmengine_checkpoint_globals', 'init_cpu_distributed', 'load_run_config']
