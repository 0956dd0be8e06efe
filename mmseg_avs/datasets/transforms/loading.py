"""Load the frames and masks of one clip."""
import os.path as osp
from typing import Dict, Optional

import mmcv
import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS

from ..avss_classes import rgb_mask_to_index, voc_palette


def _read_image(path: str, flag: str) -> np.ndarray:
    """Read an image or raise an error that names the file and what is wrong."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'missing file: {path}')
    try:
        img = mmcv.imread(path, flag=flag, backend='pillow' if flag == 'unchanged' else 'cv2')
    except Exception as err:  # decoders raise many types; say which file broke
        raise ValueError(f'cannot decode image {path}: {err}') from err
    if img is None or img.size == 0:
        raise ValueError(f'cannot decode image {path} (corrupt or not an image)')
    return img


@TRANSFORMS.register_module()
class LoadAVSClipFrames(BaseTransform):
    """Read the T frames of a clip (BGR, uint8).

    Required keys: ``img_paths`` (``None`` for zero-padded slots), ``num_real_frames``.
    Added keys: ``imgs`` (list of T ``[H, W, 3]`` arrays), ``img_shape``, ``ori_shape``,
    ``is_padded`` (list of T bools).

    All real frames of a clip must have one size; padded slots are black images of that size.
    """

    def transform(self, results: dict) -> dict:
        paths = results['img_paths']
        imgs = [None if p is None else _read_image(p, 'color') for p in paths]
        real = [img for img in imgs if img is not None]
        if not real:
            raise ValueError(f"clip {results.get('clip_id')}: no real frame")
        shape = real[0].shape
        for p, img in zip(paths, imgs):
            if img is not None and img.shape != shape:
                raise ValueError(f'frame {p} has shape {img.shape[:2]}, other frames of its '
                                 f'clip have {shape[:2]}')
        results['imgs'] = [np.zeros(shape, np.uint8) if img is None else img for img in imgs]
        results['is_padded'] = [p is None for p in paths]
        results['img_shape'] = results['ori_shape'] = shape[:2]
        return results


@TRANSFORMS.register_module()
class LoadAVSClipAnnotations(BaseTransform):
    """Read the T masks of a clip as class-index maps.

    Required keys: ``seg_map_paths`` (``None`` where a frame has no ground truth),
    ``mask_format`` (``'binary'``, ``'palette'`` or ``'index'``), ``ori_shape``;
    ``num_classes`` for palette and index masks; optional ``label_map`` for index masks.
    Added keys: ``gt_seg_maps`` (list of T uint8 ``[H, W]`` maps, ``ignore_index`` where a
    frame has no ground truth), ``has_gt`` (list of T bools).

    - binary: 0 is background, any other value is sounding (real MS3 masks store 0/255 in
      'P' mode; the official S4 loader binarises too);
    - palette: RGB colours of the VOC-style palette, class = palette position; a colour that
      is not in the palette is an error (the official loader silently maps it to 0);
    - index: the pixel value is the class; values >= num_classes other than ``ignore_index``
      are an error. With ``label_map`` (stored value -> class, as MMSeg's ``LoadAnnotations``
      uses it, e.g. VPO's COCO category ids), every value is looked up at once, so a class
      index that equals another stored value is not remapped twice; values missing from the
      map other than ``ignore_index`` are an error.

    Args:
        ignore_index (int): Label of pixels without ground truth. Defaults to 255.
    """

    def __init__(self, ignore_index: int = 255) -> None:
        self.ignore_index = ignore_index

    def transform(self, results: dict) -> dict:
        fmt = results['mask_format']
        shape = tuple(results['ori_shape'][:2])
        maps, has_gt = [], []
        for path in results['seg_map_paths']:
            if path is None:
                maps.append(np.full(shape, self.ignore_index, np.uint8))
                has_gt.append(False)
                continue
            seg = self._read_mask(path, fmt, results.get('num_classes'),
                                  results.get('label_map'))
            if seg.shape != shape:
                raise ValueError(f'mask {path} has size {seg.shape} but its frame has {shape}')
            maps.append(seg)
            has_gt.append(True)
        results['gt_seg_maps'] = maps
        results['has_gt'] = has_gt
        return results

    def _read_mask(self, path: str, fmt: str, num_classes: Optional[int],
                   label_map: Optional[Dict[int, int]] = None) -> np.ndarray:
        if fmt == 'binary':
            raw = _read_image(path, 'unchanged')
            if raw.ndim == 3:  # an RGB(A) mask: sounding wherever any colour channel is set
                raw = raw[..., :3].max(axis=-1)
            return (raw != 0).astype(np.uint8)
        if fmt == 'palette':
            rgb = _read_image(path, 'color')[..., ::-1]
            palette = np.asarray(voc_palette(num_classes))
            seg = rgb_mask_to_index(rgb, palette)
            unknown = seg == 255
            if unknown.any():
                colours = np.unique(rgb[unknown].reshape(-1, 3), axis=0)[:5].tolist()
                raise ValueError(f'mask {path}: {int(unknown.sum())} pixels have colours not in '
                                 f'the {num_classes}-class palette, e.g. {colours}')
            return seg
        if fmt == 'index':
            seg = _read_image(path, 'unchanged')
            if seg.ndim != 2:
                raise ValueError(f'index mask {path} must be single-channel, got {seg.shape}')
            if label_map is not None:
                seg = self._map_labels(seg, label_map, path)
            bad = (seg >= num_classes) & (seg != self.ignore_index)
            if bad.any():
                raise ValueError(f'index mask {path}: values {np.unique(seg[bad])[:5].tolist()} '
                                 f'are not classes 0..{num_classes - 1}')
            return seg.astype(np.uint8)
        raise ValueError(f'unknown mask_format {fmt!r}')

    def _map_labels(self, seg: np.ndarray, label_map: Dict[int, int], path: str) -> np.ndarray:
        known = np.isin(seg, list(label_map)) | (seg == self.ignore_index)
        if not known.all():
            raise ValueError(f'index mask {path}: values {np.unique(seg[~known])[:5].tolist()} '
                             f'are not in the label map {sorted(label_map)}')
        # read from ``seg``, write to ``out``: no value is remapped twice
        out = np.full(seg.shape, self.ignore_index, np.uint8)
        for stored, label in label_map.items():
            out[seg == stored] = label
        return out

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(ignore_index={self.ignore_index})'
