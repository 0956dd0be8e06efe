"""Run every test with MMSeg's registries as default scope, as a config with
``default_scope='mmseg'`` does, and with mmseg_avs registered."""
from mmseg.utils import register_all_modules

import mmseg_avs  # noqa: F401

register_all_modules(init_default_scope=True)
