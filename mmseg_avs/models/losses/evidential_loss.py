"""Evidential loss on Dirichlet parameters (Sensoy et al., NeurIPS 2018)."""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.logging import MessageHub
from mmseg.registry import MODELS
from torch import Tensor

from ..layers.dirichlet import dirichlet_variance, kl_to_uniform_dirichlet


@MODELS.register_module()
class EvidentialLoss(nn.Module):
    """Expected squared error under ``Dir(alpha)`` plus an annealed KL to the uniform one.

    Per pixel, with the evidence ``e = alpha - evidence_offset`` and the one-hot label ``y``:
    ``sum_c (y_c - alpha_c/S)^2 + sum_c Var[p_c] + lambda_t KL(Dir(alpha~) || Dir(1))`` with
    ``alpha~ = 1 + (1 - y) e`` and ``lambda_t = min(1, iter / annealing_iters)``, averaged over
    the annotated pixels (Sensoy et al. 2018). ``alpha~`` is the Dirichlet of the non-target
    evidence alone (``+ 1``: zero evidence is the uniform ``Dir(1)``), so the KL pulls every
    non-target evidence to 0 whatever the offset; with Sensoy et al.'s offset 1 this is their
    ``alpha~ = y + (1 - y) alpha``. The offset is an argument of :meth:`forward`, passed by
    the :class:`UncertaintyHead` that made ``alpha``, so the two cannot disagree.

    The UE head applies it to ``alpha`` in both fusion modes: it is the Dirichlet head's only
    signal in ``'paper'`` mode, and its own signal next to the one through ``delta_hat`` in
    ``'attenuate'`` mode.

    Args:
        annealing_iters (int): Iterations until the KL term has full weight; the current
            iteration is read from MMEngine's message hub (0 outside a runner).
            Defaults to 1000.
        loss_weight (float): Weight of the whole term. Defaults to 1.0, Sensoy et al.'s
            unweighted loss: its risk term lies in [0, 2] per pixel (about 0.6-0.7 at
            initialisation for two classes), the scale of the segmentation cross-entropy it
            is added to.
        ignore_index (int): Label of unannotated pixels. Defaults to 255.
        loss_name (str): Defaults to ``'loss_evidential'``.
    """

    def __init__(self, annealing_iters: int = 1000, loss_weight: float = 1.0,
                 ignore_index: int = 255, loss_name: str = 'loss_evidential') -> None:
        super().__init__()
        if annealing_iters <= 0:
            raise ValueError(f'annealing_iters must be positive, got {annealing_iters}')
        self.annealing_iters = annealing_iters
        self.loss_weight = loss_weight
        self.ignore_index = ignore_index
        self._loss_name = loss_name

    def annealing_factor(self) -> float:
        hub = MessageHub.get_current_instance()
        return min(1.0, hub.get_info('iter', 0) / self.annealing_iters)

    def forward(self, alpha: Tensor, target: Tensor, evidence_offset: float,
                annealing_factor: Optional[float] = None) -> Tensor:
        """Mean loss over the annotated pixels.

        Args:
            alpha (Tensor): Dirichlet parameters ``[N, C, H, W]``, ``alpha >= evidence_offset``
                and positive.
            target (Tensor): Labels ``[N, H, W]``.
            evidence_offset (float): The offset in ``alpha = evidence + evidence_offset``
                (the head's ``evidence_offset``).
            annealing_factor (float, optional): ``lambda_t``; read from the message hub if
                None.

        Returns:
            Tensor: The weighted scalar loss.
        """
        valid = target != self.ignore_index
        if not valid.any():
            return alpha.sum() * 0
        onehot = F.one_hot(target.where(valid, torch.zeros_like(target)),
                           alpha.shape[1]).permute(0, 3, 1, 2).to(alpha)
        expected = alpha / alpha.sum(dim=1, keepdim=True)
        risk = ((onehot - expected).square() + dirichlet_variance(alpha)).sum(dim=1)
        if annealing_factor is None:
            annealing_factor = self.annealing_factor()
        evidence = alpha - evidence_offset
        kl = kl_to_uniform_dirichlet(1 + (1 - onehot) * evidence)
        per_pixel = risk + annealing_factor * kl
        return self.loss_weight * per_pixel[valid].mean()

    @property
    def loss_name(self) -> str:
        return self._loss_name
