"""Fusion of the Dirichlet uncertainty (paper eq. 10) with the class scores (eq. 11).

Eq. 10 itself (:func:`~mmseg_avs.models.layers.dirichlet.dirichlet_variance`) lives in
:mod:`mmseg_avs.models.layers.dirichlet`, shared with the evidential loss.

Shapes: ``[N, C, H, W]`` maps, N frames, C classes.
"""
import torch
from torch import Tensor

FUSION_MODES = ('paper', 'attenuate', 'none')


def scale_per_frame(delta: Tensor, eps: float = 1e-12) -> Tensor:
    """Linear map of each frame's values (all classes and pixels) onto [0, 1].

    A frame whose values are all equal (nothing to rank) maps to 0: no pixel is singled out
    as uncertain.
    """
    flat = delta.flatten(1)
    low = flat.min(dim=1).values.view(-1, *[1] * (delta.dim() - 1))
    high = flat.max(dim=1).values.view(-1, *[1] * (delta.dim() - 1))
    return (delta - low) / (high - low).clamp_min(eps)


def fuse_uncertainty(probs: Tensor, scaled_delta: Tensor, mode: str,
                     eps: float = 1e-6) -> Tensor:
    """Eq. 11 fused scores ``Y``.

    Args:
        probs (Tensor): Class probabilities ``sigma(m)`` ``[N, C, H, W]``.
        scaled_delta (Tensor): Per-frame scaled uncertainty ``delta_hat`` in [0, 1].
        mode (str): ``'paper'``: ``Y = sigma(m) / (delta_hat + eps)`` as printed (it can only
            raise scores, up to ``1 / eps``); ``'attenuate'``: ``Y = sigma(m) (1 - delta_hat)``,
            which lowers confidence where the evidence is uncertain and never raises it;
            ``'none'``: ``Y = sigma(m)``, the class scores alone (the uncertainty is only
            reported), which isolates what the fusion does to a trained head.
        eps (float): The eq. 11 epsilon. Defaults to 1e-6.
    """
    if mode == 'paper':
        return probs / (scaled_delta + eps)
    if mode == 'attenuate':
        return probs * (1 - scaled_delta)
    if mode == 'none':
        return probs
    raise ValueError(f'fusion must be one of {FUSION_MODES}, got {mode!r}')


def fused_logits(fused: Tensor, eps: float = 1e-6) -> Tensor:
    """Logits whose usual decision rule is the one applied to the fused scores ``Y``.

    Binary (C = 2, or C = 1: the sounding score alone): the sounding score ``Y_s`` decides
    (``Y_s > 0.5``, AVSBench's threshold, clipped into (0, 1) since 'paper' scores exceed 1).
    Two channels give ``[log(1 - Y_s), log Y_s]``: their softmax is ``[1 - Y_s, Y_s]`` and
    their argmax is the threshold. One channel gives their difference, the logit
    ``log Y_s - log(1 - Y_s)``, whose sigmoid is ``Y_s``. Otherwise: ``log Y``, whose argmax
    is that of ``Y`` (softmax renormalises).
    """
    if fused.shape[1] <= 2:
        sounding = fused[:, -1:].clamp(eps, 1 - eps)
        background, sounding = torch.log1p(-sounding), sounding.log()
        if fused.shape[1] == 1:
            return sounding - background
        return torch.cat([background, sounding], dim=1)
    return fused.clamp_min(eps).log()
