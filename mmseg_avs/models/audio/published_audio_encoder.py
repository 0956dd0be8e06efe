"""Base of the audio encoders that load a published checkpoint as is (VGGish, HTS-AT)."""
import os.path as osp
import pickle
from typing import Dict, Optional, Tuple

import torch
from mmengine.model import BaseModule
from torch import Tensor


class PublishedAudioEncoder(BaseModule):
    """Loading, freezing and error reporting shared by pretrained audio encoders.

    A subclass builds its layers under the published key names, then calls
    :meth:`_setup_pretrained`. The checkpoint must match the published state dict exactly
    (same keys, same shapes; only the keys under ``ADDED_PREFIXES``, layers that are ours
    and not in the published file, are left out). Anything else raises an error that names
    the file and where the published weights come from: there is no fallback to random
    weights.

    Subclasses set:

    - ``CHECKPOINT_NAME`` (str): the published file, for error messages.
    - ``CHECKPOINT_SOURCE`` (str): where it can be downloaded.
    - ``CHECKPOINT_PREFIX`` (str): a prefix the published keys carry (stripped on load).
    - ``ADDED_PREFIXES`` (tuple[str]): keys of our own layers (trainable, not loaded).

    Args:
        pretrained (str, optional): Path of the published checkpoint. None builds an
            untrained encoder.
        frozen (bool): Keep the published weights fixed: ``requires_grad=False``, and the
            module stays in eval mode even after ``.train()``.
        init_cfg (dict, optional): Initialisation config.
    """

    CHECKPOINT_NAME = ''
    CHECKPOINT_SOURCE = ''
    CHECKPOINT_PREFIX = ''
    ADDED_PREFIXES: Tuple[str, ...] = ()

    def __init__(self, pretrained: Optional[str] = None, frozen: bool = True,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.pretrained = pretrained
        self.frozen = frozen

    def _setup_pretrained(self) -> None:
        """Load ``pretrained`` (if given) and freeze; called once the layers exist."""
        if self.pretrained is not None:
            self.load_published(self.pretrained)
        if self.frozen:
            for name, param in self.named_parameters():
                if not name.startswith(self.ADDED_PREFIXES):
                    param.requires_grad_(False)
            self.train(False)

    def train(self, mode: bool = True) -> 'PublishedAudioEncoder':
        # A frozen encoder keeps eval behaviour (batch-norm statistics, no drop path).
        return super().train(mode and not self.frozen)

    def init_weights(self) -> None:
        """Reload the checkpoint after MMEngine's initialisation.

        The runner calls ``init_weights()`` on the whole model before training, and an
        ``init_cfg`` of a parent (e.g. Kaiming on every Conv2d) would otherwise overwrite
        the published weights loaded at build time.
        """
        super().init_weights()
        if self.pretrained is not None:
            self.load_published(self.pretrained)

    def load_published(self, path: str) -> None:
        """Load the published checkpoint at ``path`` strictly.

        Accepts a plain state dict or a dict holding one under ``'state_dict'`` (PyTorch
        Lightning, MMEngine); ``CHECKPOINT_PREFIX`` is stripped where present. The file is
        read with ``torch.load(weights_only=True)``, which runs no code from it.

        Raises:
            FileNotFoundError: If ``path`` does not exist.
            ValueError: If the file cannot be read or does not match the published keys and
                shapes (missing, unexpected and mismatched keys are listed).
        """
        where = (f'{type(self).__name__} expects the published {self.CHECKPOINT_NAME} '
                 f'({self.CHECKPOINT_SOURCE})')
        if not osp.isfile(path):
            raise FileNotFoundError(f'pretrained checkpoint not found: {path}. {where}.')
        try:
            ckpt = torch.load(path, map_location='cpu', weights_only=True)
        except (pickle.UnpicklingError, RuntimeError, EOFError, OSError) as e:
            raise ValueError(
                f'cannot read pretrained checkpoint {path} with torch.load(weights_only=True): '
                f'{e}. {where}. If the file holds other pickled objects and you trust it, '
                "save its state dict alone (torch.save(ckpt['state_dict'], new_path)) and "
                'load that.') from e
        state = self._extract_state_dict(ckpt, path, where)
        self._check_state_dict(state, path, where)
        self.load_state_dict(state, strict=False)  # complete: checked above

    def _extract_state_dict(self, ckpt, path: str, where: str) -> Dict[str, Tensor]:
        """The tensors of a checkpoint, with ``CHECKPOINT_PREFIX`` stripped."""
        if isinstance(ckpt, dict) and isinstance(ckpt.get('state_dict'), dict):
            ckpt = ckpt['state_dict']
        if not isinstance(ckpt, dict) or not all(
                isinstance(v, Tensor) for v in ckpt.values()):
            raise ValueError(f'pretrained checkpoint {path} holds no state dict '
                             f'(a dict of tensors). {where}.')
        prefix = self.CHECKPOINT_PREFIX
        return {(k[len(prefix):] if prefix and k.startswith(prefix) else k): v
                for k, v in ckpt.items()}

    def _check_state_dict(self, state: Dict[str, Tensor], path: str, where: str) -> None:
        """Raise unless ``state`` has exactly the published keys and shapes."""
        expected = {k: v.shape for k, v in self.state_dict().items()
                    if not k.startswith(self.ADDED_PREFIXES)}
        missing = sorted(set(expected) - set(state))
        unexpected = sorted(set(state) - set(expected))
        mismatched = [f'{k}: file {list(state[k].shape)}, model {list(expected[k])}'
                      for k in expected if k in state and state[k].shape != expected[k]]
        problems = [f'{label} ({len(items)}): {_shorten(items)}'
                    for label, items in (('missing keys', missing),
                                         ('unexpected keys', unexpected),
                                         ('shape mismatches', mismatched)) if items]
        if problems:
            raise ValueError(f'pretrained checkpoint {path} does not match '
                             f'{type(self).__name__}: ' + '; '.join(problems) + f'. {where}.')


def _shorten(items: list, limit: int = 8) -> str:
    """The first ``limit`` items, then how many more."""
    text = ', '.join(items[:limit])
    return text + (f', ... ({len(items) - limit} more)' if len(items) > limit else '')
