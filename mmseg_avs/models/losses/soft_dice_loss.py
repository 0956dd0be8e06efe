"""Soft Dice loss averaged over images and their present classes."""
from mmseg.registry import MODELS
from torch import Tensor

from .soft_region_loss import SoftRegionLoss


@MODELS.register_module()
class SoftDiceLoss(SoftRegionLoss):
    """``1 - mean_n score_n`` with ``score(n, c) = (2·Σ p·t + s) / (Σ p + Σ t + s)`` on softmax
    (or sigmoid) scores: the Dice term of the paper's L_seg. Reduction over classes and
    arguments: see :class:`SoftRegionLoss`."""
    default_name = 'loss_dice'

    def score(self, inter: Tensor, pred_sum: Tensor, target_sum: Tensor) -> Tensor:
        return (2 * inter + self.smooth) / (pred_sum + target_sum + self.smooth)
