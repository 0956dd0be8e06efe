from .checkpoint_loading import allow_mmengine_checkpoint_globals
from .run_config import (add_run_arguments, init_cpu_distributed, load_run_config,
                         parse_run_arguments)

__all__ = [
    'allow_mmengine_checkpoint_globals', 'add_run_arguments', 'init_cpu_distributed',
    'load_run_config', 'parse_run_arguments'
]
