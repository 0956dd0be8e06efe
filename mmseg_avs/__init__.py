"""mmseg_avs: RAVS audio-visual segmentation as an MMSegmentation plugin.

Importing the package registers its datasets, transforms, models and metrics into MMSeg's
registries (configs use ``default_scope='mmseg'`` and
``custom_imports=dict(imports=['mmseg_avs'])``). It also patches MMEngine for the whole
process (:func:`~mmseg_avs.utils.patch_mmengine`): torch >= 2.6 can then load MMEngine
checkpoints with ``weights_only=True``, and MMEngine checks local checkpoint files
(truncation, CRC-32, non-finite weights) before loading them. Set the environment variable
``MMSEG_AVS_PATCH_MMENGINE=0`` before the import to leave MMEngine as it is.
"""
import os

from .utils.checkpoint_loading import patch_mmengine
from .version import __version__

if os.environ.get('MMSEG_AVS_PATCH_MMENGINE', '1') != '0':
    patch_mmengine()

from . import datasets, engine, evaluation, models  # noqa: E402,F401  (registers components)

__all__ = ['__version__']
