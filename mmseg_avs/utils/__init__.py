from .checkpoint_loading import allow_mmengine_checkpoint_globals
from .run_config import load_run_config

__all__ = ['allow_mmengine_checkpoint_globals', 'load_run_config']
