from .audio_guided_contrastive_loss import AudioGuidedContrastiveLoss
from .evidential_loss import EvidentialLoss
from .soft_dice_loss import SoftDiceLoss
from .soft_iou_loss import SoftIoULoss

__all__ = ['AudioGuidedContrastiveLoss', 'EvidentialLoss', 'SoftDiceLoss', 'SoftIoULoss']
