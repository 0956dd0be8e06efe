"""Soft IoU (Jaccard) loss averaged over images and their present classes."""
from mmseg.registry import MODELS
from torch import Tensor

from .soft_region_loss import SoftRegionLoss


@MODELS.register_module()
class SoftIoULoss(SoftRegionLoss):
    """``1 - mean_n score_n`` with ``score(n, c) = (Σ p·t + s) / (Σ p + Σ t - Σ p·t + s)`` on
    softmax (or sigmoid) scores: the IoU term of the paper's L_seg. Reduction over classes
    and arguments: see :class:`SoftRegionLoss`."""
    default_name = 'loss_iou'

    def score(self, inter: Tensor, pred_sum: Tensor, target_sum: Tensor) -> Tensor:
        return (inter + self.smooth) / (pred_sum + target_sum - inter + self.smooth)
