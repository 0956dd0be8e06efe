"""Soft region-overlap losses (Dice, IoU) on per-image, per-class soft pixel counts."""
from abc import ABC, abstractmethod
from typing import Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor


def soft_region_stats(logits: Tensor, target: Tensor, ignore_index: int = 255,
                      use_sigmoid: bool = False) -> Tuple[Tensor, Tensor, Tensor, Tensor]:
    """Soft intersection and sums of prediction and truth, per image and class.

    Args:
        logits (Tensor): ``[N, C, H, W]`` logits (C = 1 with ``use_sigmoid``: the foreground).
        target (Tensor): ``[N, H, W]`` labels; ``ignore_index`` pixels count nowhere.
        ignore_index (int): Label of unannotated pixels.
        use_sigmoid (bool): One foreground channel through a sigmoid instead of a softmax
            over C classes.

    Returns:
        tuple[Tensor]: ``intersection``, ``pred_sum``, ``target_sum`` (each ``[N, C]``) and
        ``has_pixels`` (``[N]``, False for an image whose every pixel is ignored, e.g. an S4
        training frame without a mask).
    """
    valid = target != ignore_index
    labels = target.where(valid, torch.zeros_like(target))
    if use_sigmoid:
        probs = logits.sigmoid()
        onehot = (labels == 1).unsqueeze(1).float()
    else:
        probs = logits.softmax(dim=1)
        onehot = F.one_hot(labels, logits.shape[1]).permute(0, 3, 1, 2).float()
    valid = valid.unsqueeze(1).float()                                   # [N, 1, H, W]
    probs, onehot = probs * valid, onehot * valid
    inter = (probs * onehot).flatten(2).sum(-1)
    return inter, probs.flatten(2).sum(-1), onehot.flatten(2).sum(-1), valid.flatten(1).any(1)


class SoftRegionLoss(nn.Module, ABC):
    """``1 - mean_{n,c} score(n, c)`` over the images with annotated pixels.

    Each class of each image counts equally, so the small sounding class weighs as much as
    the background (MMSeg's ``DiceLoss`` pools all classes and pixels of an image, which the
    background dominates). A class absent from an image is pushed towards predicting none of
    it. Ignored pixels count nowhere, and images with no annotated pixel are skipped.

    Args:
        use_sigmoid (bool): One foreground logit channel (binary) instead of C classes.
        smooth (float): Added to numerator and denominator. Defaults to 1e-5.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
        ignore_index (int): Label of unannotated pixels. Defaults to 255.
        loss_name (str, optional): Name in the loss dict; defaults to the class's.
    """
    default_name = 'loss_region'

    def __init__(self, use_sigmoid: bool = False, smooth: float = 1e-5,
                 loss_weight: float = 1.0, ignore_index: int = 255,
                 loss_name: Optional[str] = None) -> None:
        super().__init__()
        self.use_sigmoid, self.smooth = use_sigmoid, smooth
        self.loss_weight, self.ignore_index = loss_weight, ignore_index
        self._loss_name = loss_name or self.default_name

    @abstractmethod
    def score(self, inter: Tensor, pred_sum: Tensor, target_sum: Tensor) -> Tensor:
        """Overlap score in [0, 1] per image and class, from the soft counts."""

    def forward(self, pred: Tensor, target: Tensor, **kwargs) -> Tensor:
        inter, pred_sum, target_sum, has_pixels = soft_region_stats(
            pred, target, self.ignore_index, self.use_sigmoid)
        if not has_pixels.any():
            return pred.sum() * 0
        score = self.score(inter, pred_sum, target_sum)
        return self.loss_weight * (1 - score[has_pixels].mean())

    @property
    def loss_name(self) -> str:
        return self._loss_name
