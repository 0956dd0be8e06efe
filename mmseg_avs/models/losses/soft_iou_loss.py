"""Soft IoU (Jaccard) loss averaged over images and classes."""
import torch.nn as nn
from mmseg.registry import MODELS
from torch import Tensor

from .soft_region_stats import soft_region_stats


@MODELS.register_module()
class SoftIoULoss(nn.Module):
    """``1 - mean_{n,c} (Σ p·t + s) / (Σ p + Σ t - Σ p·t + s)`` with softmax (or sigmoid)
    scores: the IoU term of the paper's L_seg (CE + Dice + IoU).

    Ignored pixels count nowhere, and images with no annotated pixel are skipped.

    Args:
        use_sigmoid (bool): One foreground logit channel (binary) instead of C classes.
        smooth (float): Added to numerator and denominator. Defaults to 1e-5.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
        ignore_index (int): Label of unannotated pixels. Defaults to 255.
        loss_name (str): Name in the loss dict. Defaults to ``'loss_iou'``.
    """

    def __init__(self, use_sigmoid: bool = False, smooth: float = 1e-5,
                 loss_weight: float = 1.0, ignore_index: int = 255,
                 loss_name: str = 'loss_iou') -> None:
        super().__init__()
        self.use_sigmoid, self.smooth = use_sigmoid, smooth
        self.loss_weight, self.ignore_index = loss_weight, ignore_index
        self._loss_name = loss_name

    def forward(self, pred: Tensor, target: Tensor, **kwargs) -> Tensor:
        inter, pred_sum, target_sum, has_pixels = soft_region_stats(
            pred, target, self.ignore_index, self.use_sigmoid)
        iou = (inter + self.smooth) / (pred_sum + target_sum - inter + self.smooth)
        if not has_pixels.any():
            return pred.sum() * 0
        return self.loss_weight * (1 - iou[has_pixels].mean())

    @property
    def loss_name(self) -> str:
        return self._loss_name
