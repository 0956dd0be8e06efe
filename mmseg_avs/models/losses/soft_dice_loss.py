"""Soft Dice loss averaged over images and classes."""
from mmseg.registry import MODELS
from torch import Tensor

from .soft_region_loss import SoftRegionLoss


@MODELS.register_module()
class SoftDiceLoss(SoftRegionLoss):
    """``1 - mean_{n,c} (2·Σ p·t + s) / (Σ p + Σ t + s)`` with softmax (or sigmoid) scores:
    the Dice term of the paper's L_seg. Arguments: see :class:`SoftRegionLoss`."""
    default_name = 'loss_dice'

    def score(self, inter: Tensor, pred_sum: Tensor, target_sum: Tensor) -> Tensor:
        return (2 * inter + self.smooth) / (pred_sum + target_sum + self.smooth)
