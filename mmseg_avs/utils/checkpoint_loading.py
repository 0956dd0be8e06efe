"""Let torch >= 2.6 load MMEngine checkpoints with ``weights_only=True``.

Since torch 2.6, ``torch.load`` defaults to ``weights_only=True``, which refuses any pickled
object that is not a tensor or plain container. MMEngine 0.10.7 calls ``torch.load`` without
the argument, and its checkpoints hold the message hub's ``HistoryBuffer`` objects (numpy
arrays and scalars inside), so ``--resume`` and loading a trained checkpoint fail with
``UnpicklingError``. Rather than switching weights-only loading off globally:

- allow-list exactly the types MMEngine stores (``HistoryBuffer``, numpy arrays, dtypes and
  scalars);
- stop ``HistoryBuffer`` from pickling its four default statistics functions. MMEngine
  pickles them as ``getattr(HistoryBuffer, 'min')``; allowing ``builtins.getattr`` would let a
  checkpoint reach arbitrary attributes (and from there code). ``HistoryBuffer.__setstate__``
  re-registers the defaults on load, so nothing is lost.
"""
import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer

_DEFAULT_STATISTICS = ('min', 'max', 'current', 'mean')


def _history_buffer_getstate(self: HistoryBuffer) -> dict:
    """``HistoryBuffer.__getstate__`` without the default statistics functions."""
    state = dict(self.__dict__)
    custom = {name: fn for name, fn in self._statistics_methods.items()
              if fn is not getattr(HistoryBuffer, name, None) or name not in _DEFAULT_STATISTICS}
    state['statistics_methods'] = custom
    return state


def _mmengine_checkpoint_globals() -> list:
    multiarray = np._core.multiarray if hasattr(np, '_core') else np.core.multiarray
    dtype_classes = [type(np.dtype(t)) for t in
                     ('float16', 'float32', 'float64', 'int8', 'int16', 'int32', 'int64',
                      'uint8', 'bool')]
    return [HistoryBuffer, np.ndarray, np.dtype, multiarray._reconstruct, multiarray.scalar,
            *dtype_classes]


def allow_mmengine_checkpoint_globals() -> None:
    """Make MMEngine checkpoints loadable with ``torch.load(..., weights_only=True)``."""
    HistoryBuffer.__getstate__ = _history_buffer_getstate
    if hasattr(torch.serialization, 'add_safe_globals'):
        torch.serialization.add_safe_globals(_mmengine_checkpoint_globals())
