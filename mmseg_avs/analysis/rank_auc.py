"""The probability that a positive score exceeds a negative one (the area under the ROC curve),
counted by ranks."""
import numpy as np


def pairwise_auc(positive: np.ndarray, negative: np.ndarray) -> float:
    """P(a positive score > a negative score) + P(equal) / 2; NaN if either side is empty.

    Counted by ranks (``searchsorted`` in the sorted negatives), so whole masks of pixels fit.

    Args:
        positive (np.ndarray): Scores of the positive side, any shape.
        negative (np.ndarray): Scores of the negative side, any shape.

    Returns:
        float: The AUC in [0, 1], or NaN.
    """
    if not positive.size or not negative.size:
        return float('nan')
    negative = np.sort(negative.ravel())
    below = np.searchsorted(negative, positive.ravel(), side='left')
    not_above = np.searchsorted(negative, positive.ravel(), side='right')
    return float((below.sum() + 0.5 * (not_above - below).sum()) / (positive.size * negative.size))
