"""Picture of a per-frame uncertainty map (as the paper's Fig. 6)."""
import cv2
import numpy as np


def draw_uncertainty(frame: np.ndarray, uncertainty: np.ndarray,
                     alpha: float = 0.7) -> np.ndarray:
    """Colour an uncertainty map blue (low) to red (high) over a dimmed frame.

    Args:
        frame (np.ndarray): ``[H, W, 3]`` uint8 RGB.
        uncertainty (np.ndarray): ``[h, w]`` values in [0, 1] (the UE head's per-frame scaled
            ``delta_hat``); resized to the frame.
        alpha (float): Opacity of the colours.

    Returns:
        np.ndarray: ``[H, W, 3]`` uint8 RGB.
    """
    height, width = frame.shape[:2]
    values = cv2.resize(np.asarray(uncertainty, np.float32), (width, height),
                        interpolation=cv2.INTER_LINEAR)
    levels = (np.clip(values, 0, 1) * 255).astype(np.uint8)
    colours = cv2.applyColorMap(levels, cv2.COLORMAP_JET)[..., ::-1]    # JET: blue -> red
    out = (1 - alpha) * frame.astype(np.float32) + alpha * colours.astype(np.float32)
    return out.clip(0, 255).astype(np.uint8)
