"""Base of the audio encoders that load a published checkpoint as is (VGGish, HTS-AT)."""
from typing import Dict, Optional, Tuple

from mmengine.model import BaseModule
from torch import Tensor

from ...utils.pretrained import check_state_dict, read_state_dict


class PublishedAudioEncoder(BaseModule):
    """Loading, freezing and error reporting shared by pretrained audio encoders.

    A subclass builds its layers under the published key names, then calls :meth:`_freeze`.
    The published checkpoint is read by :meth:`init_weights`, not when the model is built:
    MMEngine's runner calls ``init_weights()`` when training starts and never to test, and
    testing or inference (``tools/test.py``, :class:`~mmseg_avs.apis.AVSInferencer`,
    ``tools/segment_video.py``) loads a trained checkpoint, which holds these weights, into
    the built model. So only training needs the published file, and it does whenever it
    starts: a run resumed (``tools/train.py --resume``) or started from ``load_from`` reads
    it too, before the checkpoint's weights replace it.

    The file must match the published state dict exactly (same keys, same shapes; only the
    keys under ``ADDED_PREFIXES``, layers that are ours and not in the published file, are
    left out). Anything else makes ``init_weights()`` raise an error that names the file and
    where the published weights come from: there is no fallback to random weights.

    Subclasses set:

    - ``CHECKPOINT_NAME`` (str): the published file, for error messages.
    - ``CHECKPOINT_SOURCE`` (str): where it can be downloaded.
    - ``CHECKPOINT_PREFIX`` (str): a prefix the published keys carry (stripped on load).
    - ``ADDED_PREFIXES`` (tuple[str]): keys of our own layers (trainable, not loaded).

    Args:
        pretrained (str, optional): Path of the published checkpoint, read by
            :meth:`init_weights`. None builds an untrained encoder.
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

    def _freeze(self) -> None:
        """Fix the published weights if ``frozen``; called once the layers exist."""
        if self.frozen:
            for name, param in self.named_parameters():
                if not name.startswith(self.ADDED_PREFIXES):
                    param.requires_grad_(False)
            self.train(False)

    def train(self, mode: bool = True) -> 'PublishedAudioEncoder':
        # A frozen encoder keeps eval behaviour (batch-norm statistics, no drop path).
        return super().train(mode and not self.frozen)

    def init_weights(self) -> None:
        """Initialise as MMEngine does, then load the published checkpoint (if given).

        Loading comes last: a parent's ``init_cfg`` (e.g. Kaiming on every Conv2d) is
        applied before its children's ``init_weights()`` and would otherwise overwrite the
        published weights.

        Raises:
            FileNotFoundError: If ``pretrained`` does not exist.
            ValueError: If it does not match the published checkpoint (see
                :meth:`load_published`).
        """
        super().init_weights()
        if self.pretrained is not None:
            self.load_published(self.pretrained)

    def load_published(self, path: str) -> None:
        """Load the published checkpoint at ``path`` strictly (see
        :func:`~mmseg_avs.utils.read_state_dict`; ``CHECKPOINT_PREFIX`` is stripped).

        Raises:
            FileNotFoundError: If ``path`` does not exist.
            ValueError: If the file cannot be read or does not match the published keys and
                shapes (missing, unexpected and mismatched keys are listed).
        """
        where = (f'{type(self).__name__} expects the published {self.CHECKPOINT_NAME} '
                 f'({self.CHECKPOINT_SOURCE})')
        state = read_state_dict(path, where, self.CHECKPOINT_PREFIX)
        self._check_state_dict(state, path, where)
        self.load_state_dict(state, strict=False)  # complete: checked above

    def _check_state_dict(self, state: Dict[str, Tensor], path: str, where: str) -> None:
        """Raise unless ``state`` has exactly the published keys and shapes."""
        expected = {k: v.shape for k, v in self.state_dict().items()
                    if not k.startswith(self.ADDED_PREFIXES)}
        check_state_dict(state, expected, path, type(self).__name__, where)
