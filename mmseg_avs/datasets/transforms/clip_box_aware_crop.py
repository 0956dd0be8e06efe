"""A random crop of a whole clip that keeps most of the sounding objects' box."""
from typing import Optional, Sequence, Tuple

import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS

Box = Tuple[int, int, int, int]  # x0, y0, x1, y1 in pixels, x1 and y1 exclusive


@TRANSFORMS.register_module()
class ClipBoxAwareRandomCrop(BaseTransform):
    """Crop every frame and mask of a clip to one random window that covers at least
    ``min_box_coverage`` of the box of the clip's sounding pixels.

    DDESeg's training crop (``FastRandomCropWithBbox`` in YenanLiu/DDESeg
    ``dataload/data_augmentation.py``, built with aspect 0.75-1.33 and 0.6): a window area
    drawn from U(``min_box_coverage`` · box area, W · H) and an aspect ratio w / h from
    U(``aspect_range``), placed uniformly in the frame, kept if it covers at least
    ``min_box_coverage`` of the box. DDESeg reads its boxes from a released json of the
    single training frames; here the box is derived from the masks, as the union of the
    sounding pixels (any label but background 0 and ``ignore_index``) over all frames of the
    clip: one window for the whole clip keeps its frames aligned (the temporal layers compare
    them position by position), and the union box keeps the sounding objects of every frame
    in view, wherever they move.

    A draw that covers too little of the box is drawn again, up to ``max_attempts`` draws in
    all (DDESeg draws once); if none is kept, the clip stays uncropped. A clip without
    sounding pixels (silent, or unannotated) is not cropped: there is no box to keep, and
    DDESeg's area range would start at 0.

    Must come before the resize to the network's input size (the window is in the loaded
    frames' pixels). Required keys: ``imgs``, ``gt_seg_maps`` (the same size as the frames).
    Updates ``img_shape``.

    Args:
        min_box_coverage (float): Share of the box a window must cover, and the smallest
            window area as a share of the box area. Defaults to 0.6.
        aspect_range (Sequence[float]): Range of the window's width / height.
            Defaults to (0.75, 1.33).
        max_attempts (int): Draws before the clip is left uncropped. Defaults to 10.
        ignore_index (int): Label of pixels without ground truth. Defaults to 255.
    """

    def __init__(self,
                 min_box_coverage: float = 0.6,
                 aspect_range: Sequence[float] = (0.75, 1.33),
                 max_attempts: int = 10,
                 ignore_index: int = 255) -> None:
        if not 0 < min_box_coverage <= 1:
            raise ValueError(f'min_box_coverage must be in (0, 1], got {min_box_coverage}')
        if max_attempts < 1:
            raise ValueError(f'max_attempts must be >= 1, got {max_attempts}')
        self.min_box_coverage = min_box_coverage
        self.aspect_range = tuple(aspect_range)
        self.max_attempts = max_attempts
        self.ignore_index = ignore_index

    def transform(self, results: dict) -> dict:
        if 'gt_seg_maps' not in results:
            raise KeyError('ClipBoxAwareRandomCrop needs gt_seg_maps: put it after '
                           'LoadAVSClipAnnotations')
        height, width = results['imgs'][0].shape[:2]
        if any(seg.shape[:2] != (height, width) for seg in results['gt_seg_maps']):
            raise ValueError('ClipBoxAwareRandomCrop needs masks of the frames\' size '
                             f'{(height, width)}, got {results["gt_seg_maps"][0].shape[:2]}')
        box = self.sounding_box(results['gt_seg_maps'])
        window = None if box is None else self.draw_window(box, height, width)
        if window is not None:
            x0, y0, x1, y1 = window
            results['imgs'] = [img[y0:y1, x0:x1] for img in results['imgs']]
            results['gt_seg_maps'] = [seg[y0:y1, x0:x1] for seg in results['gt_seg_maps']]
            results['img_shape'] = (y1 - y0, x1 - x0)
        return results

    def sounding_box(self, seg_maps: Sequence[np.ndarray]) -> Optional[Box]:
        """The box of the sounding pixels of all frames, None if there are none."""
        sounding = np.zeros(seg_maps[0].shape[:2], dtype=bool)
        for seg in seg_maps:
            sounding |= (seg != 0) & (seg != self.ignore_index)
        rows, cols = np.flatnonzero(sounding.any(1)), np.flatnonzero(sounding.any(0))
        if not len(rows):
            return None
        return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1

    def draw_window(self, box: Box, height: int, width: int) -> Optional[Box]:
        """A window covering at least ``min_box_coverage`` of ``box``, or None if
        ``max_attempts`` draws found none."""
        bx0, by0, bx1, by1 = box
        box_area = (bx1 - bx0) * (by1 - by0)
        for _ in range(self.max_attempts):
            area = np.random.uniform(self.min_box_coverage * box_area, width * height)
            aspect = np.random.uniform(*self.aspect_range)
            w = min(max(int(np.sqrt(area * aspect)), 1), width)
            h = min(max(int(np.sqrt(area / aspect)), 1), height)
            x0 = np.random.randint(0, width - w + 1)
            y0 = np.random.randint(0, height - h + 1)
            covered = (max(0, min(bx1, x0 + w) - max(bx0, x0))
                       * max(0, min(by1, y0 + h) - max(by0, y0)))
            if covered >= self.min_box_coverage * box_area:
                return x0, y0, x0 + w, y0 + h
        return None

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(min_box_coverage={self.min_box_coverage}, '
                f'aspect_range={self.aspect_range}, max_attempts={self.max_attempts}, '
                f'ignore_index={self.ignore_index})')
