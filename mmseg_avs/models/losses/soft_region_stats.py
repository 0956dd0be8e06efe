"""Soft per-class pixel counts shared by the Dice and IoU losses."""
from typing import Tuple

import torch
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
