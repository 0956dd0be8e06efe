"""Pictures of whole clips: frames, ground truth and predictions side by side."""
from typing import Optional, Sequence

import cv2
import numpy as np


def overlay_mask(frame: np.ndarray, mask: np.ndarray, palette: Sequence[Sequence[int]],
                 alpha: float = 0.55, ignore_index: int = 255) -> np.ndarray:
    """Blend a class-index mask over an RGB frame and outline it; background (0) and ignore
    stay unpainted.

    The tint alone vanishes on an object of the tint's colour (a red object under a red mask),
    so every painted region also gets a two-tone outline, black just inside and white just
    outside its border, which shows on any colour.

    Args:
        frame (np.ndarray): ``[H, W, 3]`` uint8 RGB.
        mask (np.ndarray): ``[H, W]`` class indices.
        palette (Sequence[Sequence[int]]): RGB colour per class; class 1 of a binary task is
            drawn in a visible colour even if its palette entry is white.
        alpha (float): Opacity of the mask colour.
        ignore_index (int): Pixels with this value are hatched grey.

    Returns:
        np.ndarray: ``[H, W, 3]`` uint8 RGB.
    """
    colours = np.asarray(palette, np.float32)
    if len(colours) == 2 and (colours[1] == 255).all():
        colours[1] = (255, 40, 40)  # AVSBench's white sounding class would not show
    out = frame.astype(np.float32)
    painted = (mask != 0) & (mask != ignore_index)
    if painted.any():
        out[painted] = (1 - alpha) * out[painted] + alpha * colours[mask[painted]]
    ignored = mask == ignore_index
    if ignored.any():
        stripes = (np.add.outer(np.arange(mask.shape[0]), np.arange(mask.shape[1])) // 4) % 2
        out[ignored & (stripes == 1)] = 128
    region = painted.astype(np.uint8)
    kernel = np.ones((3, 3), np.uint8)
    out[painted & (cv2.erode(region, kernel) == 0)] = 0              # inner border: black
    out[~painted & (cv2.dilate(region, kernel) > 0)] = 255           # outer border: white
    return out.clip(0, 255).astype(np.uint8)


def draw_clip_grid(frames: Sequence[np.ndarray],
                   rows: Sequence[Sequence[np.ndarray]],
                   row_titles: Sequence[str],
                   col_titles: Optional[Sequence[str]] = None,
                   cell: int = 128) -> np.ndarray:
    """Stack one row of frames and rows of pictures (already RGB) into one labelled image.

    Args:
        frames (Sequence[np.ndarray]): The T frames (RGB), the first row.
        rows (Sequence[Sequence[np.ndarray]]): Further rows, T RGB pictures each.
        row_titles (Sequence[str]): One title per row, ``len(rows) + 1``.
        col_titles (Sequence[str], optional): One title per column (e.g. ``'t=3'``).
        cell (int): Side of each cell in pixels.

    Returns:
        np.ndarray: The grid, uint8 RGB.
    """
    all_rows = [list(frames)] + [list(r) for r in rows]
    if len(row_titles) != len(all_rows):
        raise ValueError(f'{len(all_rows)} rows but {len(row_titles)} titles')
    label_w, label_h = 110, 18 if col_titles else 0
    grid = np.full((label_h + cell * len(all_rows), label_w + cell * len(frames), 3), 255,
                   np.uint8)
    font = cv2.FONT_HERSHEY_SIMPLEX
    for c, title in enumerate(col_titles or []):
        cv2.putText(grid, title, (label_w + c * cell + 4, 13), font, 0.4, (0, 0, 0), 1)
    for r, (title, pictures) in enumerate(zip(row_titles, all_rows)):
        y = label_h + r * cell
        cv2.putText(grid, title, (4, y + cell // 2), font, 0.4, (0, 0, 0), 1)
        for c, pic in enumerate(pictures):
            grid[y:y + cell, label_w + c * cell:label_w + (c + 1) * cell] = cv2.resize(
                pic, (cell, cell), interpolation=cv2.INTER_NEAREST)
    return grid
