"""mmseg_avs: RAVS audio-visual segmentation as an MMSegmentation plugin.

Importing the package registers its datasets, transforms, models and metrics into MMSeg's
registries (configs use ``default_scope='mmseg'`` and
``custom_imports=dict(imports=['mmseg_avs'])``), lets torch >= 2.6 load MMEngine
checkpoints with ``weights_only=True``, and makes MMEngine check local checkpoint files
(truncation, CRC-32, non-finite weights) before loading them.
"""
from .utils.checkpoint_loading import (allow_mmengine_checkpoint_globals,
                                       use_checked_checkpoint_loading)
from .version import __version__

allow_mmengine_checkpoint_globals()
use_checked_checkpoint_loading()

from . import datasets, engine, evaluation, models  # noqa: E402,F401  (registers components)

__all__ = ['__version__']
