"""Picture of the AMA groups of one frame (as the paper's Fig. 5)."""
import cv2
import numpy as np


def draw_ama_groups(frame: np.ndarray, labels: np.ndarray, response: np.ndarray,
                    alpha_range: tuple = (0.15, 0.75)) -> np.ndarray:
    """Paint each DPC-KNN group on the frame: blue for positives (audio response A > 0, the
    groups the contrastive loss pulls towards the audio), red for negatives; the stronger the
    response, the more opaque. Group borders are white.

    Args:
        frame (np.ndarray): ``[H, W, 3]`` uint8 RGB.
        labels (np.ndarray): ``[h, w]`` group index of each token of the AMA stage.
        response (np.ndarray): ``[P]`` audio response A of each group (cosine, in [-1, 1]).
        alpha_range (tuple): Opacity for |A| = 0 and |A| = 1.

    Returns:
        np.ndarray: ``[H, W, 3]`` uint8 RGB.
    """
    height, width = frame.shape[:2]
    full = cv2.resize(labels.astype(np.int32), (width, height), interpolation=cv2.INTER_NEAREST)
    response = np.asarray(response, np.float32)
    colours = np.where(response[:, None] > 0, [[40, 90, 255]], [[255, 50, 40]]).astype(np.float32)
    low, high = alpha_range
    alpha = (low + (high - low) * np.clip(np.abs(response), 0, 1))[full][..., None]
    out = (1 - alpha) * frame.astype(np.float32) + alpha * colours[full]
    border = (np.diff(full, axis=0, prepend=full[:1]) != 0) | \
             (np.diff(full, axis=1, prepend=full[:, :1]) != 0)
    out[border] = 255
    return out.clip(0, 255).astype(np.uint8)
