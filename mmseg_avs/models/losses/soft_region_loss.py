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
    """``1 - mean_n score_n`` over the images n with annotated pixels.

    ``score(n, c)`` is the overlap of class c in image n from its soft counts, with ``smooth``
    (in pixels) added to numerator and denominator. Per image:

    - Softmax over C classes: ``score_n`` is the mean of ``score(n, c)`` over the classes
      present in the image's annotated target, the ``classes='present'``, ``per_image=True``
      reduction of Lovász-Softmax (Berman et al., CVPR 2018; MMSeg's ``LovaszLoss``).
      Averaging over all C classes instead would divide the present classes' gradient by C
      (71 on AVSS), and an absent class's term ``s / (Σp + s)`` has almost no gradient once
      it is predicted on more than a few pixels. Absent classes drop out; their predicted
      mass is still pushed down, since raising the present classes' probabilities through
      the softmax lowers it. Each present class counts equally, so the small sounding class
      weighs as much as the background (MMSeg's ``DiceLoss`` pools all classes and pixels
      of an image, which the background dominates).
    - Sigmoid (one foreground channel): ``score_n = score(n, foreground)`` whether or not the
      image has foreground, i.e. for Dice the binary mask loss of DETR and Mask2Former,
      ``1 - (2Σpt + 1) / (Σp + Σt + 1)`` (``dice_loss`` in facebookresearch/detr,
      ``models/segmentation.py``). With no background channel to compete with, the one-pixel
      smoothing is what trains a silent frame (empty target): its loss ``Σp / (Σp + 1)``
      falls to 0 with the predicted foreground.

    Ignored pixels count nowhere, and images with no annotated pixel are skipped.

    Args:
        use_sigmoid (bool): One foreground logit channel (binary) instead of C classes.
        smooth (float): Added to numerator and denominator, in pixels; positive.
            Defaults to 1.0.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
        ignore_index (int): Label of unannotated pixels. Defaults to 255.
        loss_name (str, optional): Name in the loss dict; defaults to the class's.
    """
    default_name = 'loss_region'

    def __init__(self, use_sigmoid: bool = False, smooth: float = 1.0,
                 loss_weight: float = 1.0, ignore_index: int = 255,
                 loss_name: Optional[str] = None) -> None:
        super().__init__()
        if smooth <= 0:
            raise ValueError(f'smooth must be positive, got {smooth}')
        self.use_sigmoid, self.smooth = use_sigmoid, smooth
        self.loss_weight, self.ignore_index = loss_weight, ignore_index
        self._loss_name = loss_name or self.default_name

    @abstractmethod
    def score(self, inter: Tensor, pred_sum: Tensor, target_sum: Tensor) -> Tensor:
        """Overlap score in [0, 1] per image and class, from the soft counts."""

    def forward(self, pred: Tensor, target: Tensor, ignore_index: Optional[int] = None,
                **kwargs) -> Tensor:
        """The loss of logits ``pred`` ``[N, C, H, W]`` for labels ``target`` ``[N, H, W]``.

        Args:
            pred (Tensor): Logits (C = 1 with ``use_sigmoid``).
            target (Tensor): Labels.
            ignore_index (int, optional): Label of unannotated pixels for this call, as
                MMSeg's decode heads pass theirs; None uses the constructor's.
            **kwargs: Other arguments of MMSeg's loss call (``weight``), unused.

        Returns:
            Tensor: The scalar loss.
        """
        if ignore_index is None:
            ignore_index = self.ignore_index
        inter, pred_sum, target_sum, has_pixels = soft_region_stats(
            pred, target, ignore_index, self.use_sigmoid)
        if not has_pixels.any():
            return pred.sum() * 0
        score = self.score(inter, pred_sum, target_sum)[has_pixels]     # [M, C]
        if not self.use_sigmoid:
            present = target_sum[has_pixels] > 0      # an annotated image has a class
            score = score.where(present, score.new_zeros(())).sum(1) / present.sum(1)
        return self.loss_weight * (1 - score.mean())

    @property
    def loss_name(self) -> str:
        return self._loss_name
