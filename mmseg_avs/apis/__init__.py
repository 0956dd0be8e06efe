from .config_checks import ConfigError, check_config
from .inferencer import AVSInferencer, latest_checkpoint
from .run_config import (add_run_arguments, init_cpu_distributed, load_run_config,
                         parse_run_arguments)

__all__ = [
    'AVSInferencer', 'ConfigError', 'add_run_arguments', 'check_config', 'init_cpu_distributed',
    'latest_checkpoint', 'load_run_config', 'parse_run_arguments'
]
