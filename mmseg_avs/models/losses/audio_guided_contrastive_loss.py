"""Audio-guided contrastive alignment of group features (RAVS eqs. 8-9)."""
from typing import Dict, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmseg.registry import MODELS
from torch import Tensor


@MODELS.register_module()
class AudioGuidedContrastiveLoss(nn.Module):
    """Pull audio-responsive groups towards the audio, push the others away.

    Per frame, with Ĝ ``[P, D]`` the group features of the last AMA stage and f̂_a ``[D]``
    the audio feature, both L2-normalised: ``A = f̂_a Ĝᵀ`` and ``I = sigmoid(σ_p·A)`` (eq. 8).
    Positives are the groups with ``I > ε_a``, negatives those with ``I < ε_a``; the
    selection is detached. Then (eq. 9)::

        L = -log( Σ_P exp(A/τ) / (Σ_P exp(A/τ) + Σ_N exp(A/τ)) )

    A frame with no positive or no negative contributes 0 (there is nothing to contrast);
    the loss is the mean over all frames, and ``cst_valid_frac`` (logged, not a loss)
    reports the share of frames that had both. Empty groups (possible when a stage has
    fewer tokens than groups) are neither positive nor negative.

    With ``ε_a = 0.5``, ``I > ε_a`` is ``A > 0`` whatever σ_p is, and because the selection
    is detached σ_p would receive no gradient; it is therefore a fixed number here, not a
    parameter (an unused parameter would also break DDP).

    Args:
        temperature (float): τ. Defaults to 0.1.
        threshold (float): ε_a. Defaults to 0.5.
        scale (float): σ_p > 0. Defaults to 10.
        loss_weight (float): λ_cst. Defaults to 0.1.
        loss_name (str): Defaults to ``'loss_cst'``.
    """

    def __init__(self, temperature: float = 0.1, threshold: float = 0.5, scale: float = 10.0,
                 loss_weight: float = 0.1, loss_name: str = 'loss_cst') -> None:
        super().__init__()
        if scale <= 0 or temperature <= 0:
            raise ValueError(f'scale and temperature must be > 0, got {scale}, {temperature}')
        self.temperature, self.threshold, self.scale = temperature, threshold, scale
        self.loss_weight, self.loss_name = loss_weight, loss_name

    def forward(self, groups: Tensor, audio: Tensor,
                group_valid: Optional[Tensor] = None) -> Dict[str, Tensor]:
        """groups ``[N, P, D]``, audio ``[N, D]``, group_valid ``[N, P]`` (bool, optional).

        Returns:
            dict[str, Tensor]: ``{loss_name: weighted loss, 'cst_valid_frac': share}``.
        """
        if group_valid is None:
            group_valid = torch.ones(groups.shape[:2], dtype=torch.bool, device=groups.device)
        sim = torch.einsum('nd,npd->np', F.normalize(audio, dim=-1),
                           F.normalize(groups, dim=-1))                       # A [N, P]
        with torch.no_grad():
            response = torch.sigmoid(self.scale * sim)                        # I [N, P]
            positive = (response > self.threshold) & group_valid
            negative = (response < self.threshold) & group_valid
            valid = positive.any(-1) & negative.any(-1)                       # [N]
        logits = sim / self.temperature
        # A finite fill (|A/τ| <= 1/τ): a frame without positives must not give -inf, whose
        # gradient would be NaN even where the frame is masked out.
        fill = -1e4
        log_pos = logits.masked_fill(~positive, fill).logsumexp(-1)
        log_all = logits.masked_fill(~(positive | negative), fill).logsumexp(-1)
        per_frame = (log_all - log_pos) * valid
        return {self.loss_name: self.loss_weight * per_frame.mean(),
                'cst_valid_frac': valid.float().mean()}
