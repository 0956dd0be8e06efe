from .checkpoint_loading import (CheckpointError, allow_mmengine_checkpoint_globals,
                                 use_checked_checkpoint_loading)
from .config_checks import ConfigError, check_config
from .run_config import (add_run_arguments, init_cpu_distributed, load_run_config,
                         parse_run_arguments)

__all__ = [
    'CheckpointError', 'ConfigError', 'allow_mmengine_checkpoint_globals',
    'use_checked_checkpoint_loading', 'check_config', 'add_run_arguments', 'init_cpu_distributed',
    'load_run_config', 'parse_run_arguments'
]
