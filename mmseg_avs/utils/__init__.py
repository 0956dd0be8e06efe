from .checkpoint_loading import (CheckpointError, allow_mmengine_checkpoint_globals,
                                 patch_mmengine, use_checked_checkpoint_loading)
from .progress import Progress

__all__ = [
    'CheckpointError', 'Progress', 'allow_mmengine_checkpoint_globals', 'patch_mmengine',
    'use_checked_checkpoint_loading'
]
