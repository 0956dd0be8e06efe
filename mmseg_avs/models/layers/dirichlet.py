"""Dirichlet maths shared by the UE head and the evidential loss: alpha, eq. 10, KL to Dir(1).

Shapes: ``[N, C, ...]`` maps with the class axis at dim 1 (binary tasks: C = 2, background
and sounding; with one channel eq. 10 would be identically 0).
"""
import torch
import torch.nn.functional as F
from torch import Tensor


def dirichlet_alpha(evidence_logits: Tensor, evidence_offset: float = 0.0) -> Tensor:
    """``alpha = softplus(u) + evidence_offset``, computed in fp32.

    With the paper's offset 0, ``softplus`` of a very negative logit underflows to 0 (in fp16
    already below about -17), which would make ``S = 0`` and eq. 10 undefined; the tiny floor
    keeps every ``alpha`` positive.

    Args:
        evidence_logits (Tensor): Evidence logits ``u`` ``[N, C, ...]`` (any float dtype).
        evidence_offset (float): Added to the evidence ``softplus(u)``. Defaults to 0.0.

    Returns:
        Tensor: fp32 ``alpha`` of the shape of ``evidence_logits``, every value positive.
    """
    alpha = F.softplus(evidence_logits.float()) + evidence_offset
    return alpha.clamp_min(torch.finfo(torch.float32).tiny ** 0.5)


def dirichlet_variance(alpha: Tensor) -> Tensor:
    """Eq. 10: ``delta_c = alpha_c (S - alpha_c) / (S^2 (S + 1))``, ``S = sum_c alpha_c``.

    This is the variance of the Dirichlet marginal ``p_c``; the class axis is dim 1.

    Args:
        alpha (Tensor): Positive Dirichlet parameters ``[N, C, ...]``.

    Returns:
        Tensor: ``delta`` of the shape of ``alpha``.
    """
    strength = alpha.sum(dim=1, keepdim=True)
    return alpha * (strength - alpha) / (strength.square() * (strength + 1))


def kl_to_uniform_dirichlet(alpha: Tensor) -> Tensor:
    """``KL(Dir(alpha) || Dir(1))`` per pixel; ``alpha`` ``[N, C, ...]`` -> ``[N, ...]``.

    Args:
        alpha (Tensor): Positive Dirichlet parameters ``[N, C, ...]``.

    Returns:
        Tensor: The KL divergence ``[N, ...]`` (the class axis summed out).
    """
    strength = alpha.sum(dim=1)
    num_classes = alpha.shape[1]
    return (torch.lgamma(strength) - torch.lgamma(alpha).sum(dim=1)
            - torch.lgamma(alpha.new_tensor(float(num_classes)))
            + ((alpha - 1) * (torch.digamma(alpha)
                              - torch.digamma(strength).unsqueeze(1))).sum(dim=1))
