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

It also replaces MMEngine's loader of local checkpoint files (``--resume``, ``load_from``,
``tools/test.py CKPT``, pretrained weights), so that a damaged file fails with an error that
names it before any weight reaches the model (:func:`load_from_checked_local`).
"""
import os.path as osp
import zipfile
from typing import Callable, Optional, Union

import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader

ZIP_MAGIC = b'PK\x03\x04'  # torch.save's default format is a zip archive

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


class CheckpointError(RuntimeError):
    """A checkpoint file is truncated, corrupted or holds non-finite weights."""


def verify_checkpoint_file(path: str) -> None:
    """Check that a zip-format torch checkpoint is complete and that its bytes are intact.

    ``torch.load`` does not check the CRC-32 that the zip format stores for every member, so a
    checkpoint whose tensor bytes were damaged (a bad disk, an interrupted copy) loads without
    error, with wrong weights. This reads every member and compares its CRC-32. Files in
    torch's legacy (non-zip) format are left to ``torch.load``.

    Args:
        path (str): The checkpoint file.

    Raises:
        CheckpointError: If the archive is truncated or a member fails its CRC-32.
    """
    with open(path, 'rb') as f:
        if f.read(len(ZIP_MAGIC)) != ZIP_MAGIC:
            return
    try:
        with zipfile.ZipFile(path) as archive:
            bad_member = archive.testzip()
    except (zipfile.BadZipFile, EOFError, OSError) as err:
        raise CheckpointError(f'checkpoint {path} is truncated or corrupted: {err}') from err
    if bad_member is not None:
        raise CheckpointError(f'checkpoint {path} is corrupted: the CRC-32 of its member '
                              f'{bad_member!r} does not match its contents')


def check_finite_weights(checkpoint: dict, path: str) -> None:
    """Raise :class:`CheckpointError` naming ``path`` if a floating-point weight is NaN or inf.

    Args:
        checkpoint (dict): A loaded checkpoint (``state_dict`` inside, or a bare state dict).
        path (str): The file it came from, for the message.
    """
    state_dict = checkpoint.get('state_dict', checkpoint)
    bad = [name for name, value in state_dict.items()
           if isinstance(value, torch.Tensor) and value.is_floating_point()
           and not bool(value.isfinite().all())]
    if bad:
        raise CheckpointError(f'checkpoint {path} holds non-finite weights in {len(bad)} '
                              f'tensor(s), e.g. {bad[:5]}')


def load_from_checked_local(filename: str,
                            map_location: Optional[Union[str, Callable]] = None) -> dict:
    """MMEngine's local-file checkpoint loader, with the file checked first.

    A missing, truncated or corrupted file, or one holding NaN/inf weights, raises an error
    that names the file; nothing is returned, so no model is ever half loaded from it.

    Args:
        filename (str): Local checkpoint path.
        map_location (str or callable, optional): As for ``torch.load``.

    Returns:
        dict: The checkpoint.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint not found: {filename}')
    verify_checkpoint_file(filename)
    try:
        checkpoint = torch.load(filename, map_location=map_location)
    except Exception as err:  # torch.load raises many types on damaged or foreign files
        raise CheckpointError(f'cannot load checkpoint {filename}: '
                              f'{type(err).__name__}: {err}') from err
    if isinstance(checkpoint, dict):
        check_finite_weights(checkpoint, filename)
    return checkpoint


def use_checked_checkpoint_loading() -> None:
    """Make MMEngine load local checkpoint files with :func:`load_from_checked_local`."""
    CheckpointLoader.register_scheme(prefixes='', loader=load_from_checked_local,
                                     force=True)


def patch_mmengine() -> None:
    """Both process-wide MMEngine patches: :func:`allow_mmengine_checkpoint_globals` and
    :func:`use_checked_checkpoint_loading`. ``import mmseg_avs`` calls it unless the
    environment variable ``MMSEG_AVS_PATCH_MMENGINE`` is ``0``."""
    allow_mmengine_checkpoint_globals()
    use_checked_checkpoint_loading()
