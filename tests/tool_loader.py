"""Import a script under ``tools/`` as a module, so that tests can call its functions."""
import importlib.util
import os.path as osp
from types import ModuleType

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


def load_tool(path: str) -> ModuleType:
    """The script at ``path`` (relative to the repository root, e.g. ``'tools/train.py'``),
    executed as a fresh module."""
    name = osp.splitext(osp.basename(path))[0]
    spec = importlib.util.spec_from_file_location(f'tool_{name}', osp.join(REPO, path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
