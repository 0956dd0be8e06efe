from .audio_guided_contrastive_loss import AudioGuidedContrastiveLoss
from .soft_dice_loss import SoftDiceLoss
from .soft_iou_loss import SoftIoULoss

__all__ = ['AudioGuidedContrastiveLoss', 'SoftDiceLoss', 'SoftIoULoss']
