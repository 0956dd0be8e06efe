"""Run every test with MMSeg's registries as default scope, as a config with
``default_scope='mmseg'`` does, and with mmseg_avs registered."""
import enum
import importlib
import sys
import types

import pytest
from mmseg.utils import register_all_modules

import mmseg_avs  # noqa: F401

register_all_modules(init_default_scope=True)


@pytest.fixture(scope='session')
def mmpretrain_models():
    """Import ``mmpretrain.models`` (the ``mmpretrain.`` registry scope).

    It imports torchvision for box and transform utilities that ConvNeXt never calls, and no
    torchvision wheel on PyPI runs beside the CPU build of torch used here. Where torchvision
    is missing, empty stand-ins of the modules mmpretrain imports are in ``sys.modules``
    during that import only.
    """
    try:
        import torchvision  # noqa: F401
    except ImportError:
        names = ('torchvision', 'torchvision.ops', 'torchvision.ops.boxes',
                 'torchvision.transforms', 'torchvision.transforms.functional',
                 'torchvision.transforms.transforms')
        stubs = {name: types.ModuleType(name) for name in names}
        stubs['torchvision.transforms.transforms'].InterpolationMode = enum.Enum(
            'InterpolationMode', 'NEAREST BILINEAR BICUBIC BOX HAMMING LANCZOS')
        for name, module in stubs.items():
            parent, _, child = name.rpartition('.')
            if parent:
                setattr(stubs[parent], child, module)
        with pytest.MonkeyPatch.context() as mp:
            for name, module in stubs.items():
                mp.setitem(sys.modules, name, module)
            importlib.import_module('mmpretrain.models')
    else:
        importlib.import_module('mmpretrain.models')
