"""Strict loading checks for pretrained weight files: a wrong file is an error, never a
silently half-initialised model."""
import os.path as osp
import pickle
from typing import Dict, Optional, Sequence

import torch
from torch import Tensor


def read_state_dict(path: str, where: str, prefix: Optional[str] = None) -> Dict[str, Tensor]:
    """The tensors of a weight file, read with ``torch.load(weights_only=True)``.

    Accepts a plain state dict or one held under ``'state_dict'`` (MMEngine, PyTorch
    Lightning) or ``'model'`` (timm, Swin); ``prefix`` is stripped where present.

    Args:
        path (str): The file.
        where (str): What the file should be and where it comes from, for the messages.
        prefix (str, optional): Key prefix to strip, e.g. ``'sed_model.'``.

    Raises:
        FileNotFoundError: If ``path`` does not exist.
        ValueError: If it cannot be read or holds no state dict.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'pretrained checkpoint not found: {path}. {where}.')
    try:
        ckpt = torch.load(path, map_location='cpu', weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, OSError) as e:
        raise ValueError(
            f'cannot read pretrained checkpoint {path} with torch.load(weights_only=True): '
            f'{e}. {where}. If the file holds other pickled objects and you trust it, save '
            "its state dict alone (torch.save(ckpt['state_dict'], new_path)) and load that."
        ) from e
    for key in ('state_dict', 'model'):
        if isinstance(ckpt, dict) and isinstance(ckpt.get(key), dict):
            ckpt = ckpt[key]
            break
    if not isinstance(ckpt, dict) or not all(isinstance(v, Tensor) for v in ckpt.values()):
        raise ValueError(f'pretrained checkpoint {path} holds no state dict (a dict of '
                         f'tensors). {where}.')
    return {(k[len(prefix):] if prefix and k.startswith(prefix) else k): v
            for k, v in ckpt.items()}


def check_state_dict(state: Dict[str, Tensor], expected: Dict[str, torch.Size], path: str,
                     owner: str, where: str, missing_ok: Sequence[str] = (),
                     unexpected_ok: Sequence[str] = (),
                     shape_ok: Sequence[str] = ()) -> None:
    """Raise unless ``state`` has exactly the ``expected`` keys and shapes.

    Args:
        state (dict): The file's tensors.
        expected (dict): Key -> shape the model needs.
        path (str): The file, for the message.
        owner (str): The module the file is for, for the message.
        where (str): What the file should be and where it comes from.
        missing_ok (Sequence[str]): Substrings of keys the file may lack (buffers the
            model rebuilds, e.g. Swin's ``relative_position_index``).
        unexpected_ok (Sequence[str]): Key prefixes the file may add (e.g. a classifier
            ``fc.``).
        shape_ok (Sequence[str]): Substrings of keys whose shape the model adapts when
            loading (e.g. Swin's position tables for another window or image size).

    Raises:
        ValueError: Listing the missing, unexpected and mismatched keys.
    """
    missing = sorted(k for k in set(expected) - set(state)
                     if not any(s in k for s in missing_ok))
    unexpected = sorted(k for k in set(state) - set(expected)
                        if not k.startswith(tuple(unexpected_ok)))
    mismatched = [f'{k}: file {list(state[k].shape)}, model {list(expected[k])}'
                  for k in sorted(expected) if k in state and state[k].shape != expected[k]
                  and not any(s in k for s in shape_ok)]
    problems = [f'{label} ({len(items)}): {_shorten(items)}'
                for label, items in (('missing keys', missing), ('unexpected keys', unexpected),
                                     ('shape mismatches', mismatched)) if items]
    if problems:
        raise ValueError(f'pretrained checkpoint {path} does not match {owner}: '
                         + '; '.join(problems) + f'. {where}.')


def _shorten(items: list, limit: int = 8) -> str:
    """The first ``limit`` items, then how many more."""
    text = ', '.join(items[:limit])
    return text + (f', ... ({len(items) - limit} more)' if len(items) > limit else '')
