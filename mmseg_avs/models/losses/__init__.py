from .soft_dice_loss import SoftDiceLoss
from .soft_iou_loss import SoftIoULoss

__all__ = ['SoftDiceLoss', 'SoftIoULoss']
