"""Augmentations applied identically to every frame of a clip.

A clip's frames must stay aligned with each other and with their masks, so each transform
draws its random parameters once per clip.
"""
from typing import Sequence, Tuple

import cv2
import mmcv
import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS


@TRANSFORMS.register_module()
class ClipResize(BaseTransform):
    """Resize every frame (bilinear) and mask (nearest) of a clip to one size.

    Required keys: ``imgs``; optional ``gt_seg_maps``. Updates ``img_shape`` and
    ``scale_factor``.

    Args:
        scale (tuple[int, int]): Target ``(width, height)``, as in MMSeg's ``Resize``.
        keep_ratio (bool): Fit inside ``scale`` keeping the aspect ratio. Defaults to False
            (AVSBench resizes to 224x224 ignoring the aspect ratio).
    """

    def __init__(self, scale: Tuple[int, int], keep_ratio: bool = False) -> None:
        self.scale = tuple(scale)
        self.keep_ratio = keep_ratio

    def transform(self, results: dict) -> dict:
        h, w = results['imgs'][0].shape[:2]
        if self.keep_ratio:
            new_w, new_h = mmcv.rescale_size((w, h), self.scale)
        else:
            new_w, new_h = self.scale
        results['imgs'] = [mmcv.imresize(img, (new_w, new_h), interpolation='bilinear')
                           for img in results['imgs']]
        if 'gt_seg_maps' in results:
            results['gt_seg_maps'] = [
                mmcv.imresize(seg, (new_w, new_h), interpolation='nearest')
                for seg in results['gt_seg_maps']]
        results['img_shape'] = (new_h, new_w)
        results['scale_factor'] = (new_w / w, new_h / h)
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(scale={self.scale}, keep_ratio={self.keep_ratio})'


@TRANSFORMS.register_module()
class ClipRandomFlip(BaseTransform):
    """Flip a whole clip horizontally with probability ``prob``.

    A flip mirrors the scene, so it also swaps the left and right channels (axis 1) of
    already loaded stereo audio (``audio_stereo``, set by :class:`LoadVPOAudio`); mono audio
    is unaffected.

    Args:
        prob (float): Flip probability. Defaults to 0.5.
    """

    def __init__(self, prob: float = 0.5) -> None:
        self.prob = prob

    def transform(self, results: dict) -> dict:
        flip = bool(np.random.rand() < self.prob)
        if flip:
            results['imgs'] = [np.ascontiguousarray(img[:, ::-1]) for img in results['imgs']]
            if 'gt_seg_maps' in results:
                results['gt_seg_maps'] = [np.ascontiguousarray(seg[:, ::-1])
                                          for seg in results['gt_seg_maps']]
            if results.get('audio_stereo') and 'audio' in results:
                results['audio'] = np.ascontiguousarray(results['audio'][:, ::-1])
        results['flip'] = flip
        results['flip_direction'] = 'horizontal' if flip else None
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(prob={self.prob})'


@TRANSFORMS.register_module()
class ClipRandomSilence(BaseTransform):
    """With probability ``prob``, make a whole clip silent: then nothing sounds, so nothing is
    to be segmented.

    Not in the paper: a training augmentation in the spirit of AVSBench-Robust's negative audio,
    for models that must predict an empty mask when they hear silence. It asks the following
    :class:`LoadAVSAudio` to read zeros instead of the clip's sound (key ``audio_perturb``) and
    turns every annotated pixel into background (0); pixels without ground truth
    (``ignore_index``) stay ignored, so semi-supervised frames stay unsupervised.

    Required keys: ``gt_seg_maps``; it must come before the audio is loaded. Added key:
    ``audio_perturb`` (``'silence'``, only on the clips it silences).

    Args:
        prob (float): Probability of silencing a clip. Defaults to 0.1.
        ignore_index (int): Label of pixels without ground truth. Defaults to 255.
    """

    def __init__(self, prob: float = 0.1, ignore_index: int = 255) -> None:
        if not 0.0 <= prob <= 1.0:
            raise ValueError(f'prob must be in [0, 1], got {prob}')
        self.prob = prob
        self.ignore_index = ignore_index

    def transform(self, results: dict) -> dict:
        if 'audio' in results:
            raise ValueError('ClipRandomSilence must come before LoadAVSAudio in the pipeline: '
                             'the audio of this clip is already loaded')
        if 'gt_seg_maps' not in results:
            raise KeyError('ClipRandomSilence needs gt_seg_maps: put it after '
                           'LoadAVSClipAnnotations')
        if np.random.rand() < self.prob:
            results['audio_perturb'] = 'silence'
            results['gt_seg_maps'] = [np.where(seg == self.ignore_index, seg, 0).astype(seg.dtype)
                                      for seg in results['gt_seg_maps']]
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(prob={self.prob}, ignore_index={self.ignore_index})'


@TRANSFORMS.register_module()
class ClipPhotoMetricDistortion(BaseTransform):
    """Random brightness, contrast, saturation and hue, drawn once per clip.

    Each change is applied with probability 0.5. Padded (black) slots are left black.

    Args:
        brightness_delta (int): Brightness shift range ``[-delta, delta]``. Defaults to 32.
        contrast_range (Sequence[float]): Contrast factor range. Defaults to (0.5, 1.5).
        saturation_range (Sequence[float]): Saturation factor range. Defaults to (0.5, 1.5).
        hue_delta (int): Hue shift range (OpenCV hue units, 0..180). Defaults to 18.
    """

    def __init__(self,
                 brightness_delta: int = 32,
                 contrast_range: Sequence[float] = (0.5, 1.5),
                 saturation_range: Sequence[float] = (0.5, 1.5),
                 hue_delta: int = 18) -> None:
        self.brightness_delta = brightness_delta
        self.contrast_range = tuple(contrast_range)
        self.saturation_range = tuple(saturation_range)
        self.hue_delta = hue_delta

    def _draw(self) -> dict:
        def maybe(value):
            return value if np.random.rand() < 0.5 else None
        return dict(
            brightness=maybe(np.random.uniform(-self.brightness_delta, self.brightness_delta)),
            contrast=maybe(np.random.uniform(*self.contrast_range)),
            saturation=maybe(np.random.uniform(*self.saturation_range)),
            hue=maybe(np.random.randint(-self.hue_delta, self.hue_delta + 1)))

    @staticmethod
    def _apply(img: np.ndarray, p: dict) -> np.ndarray:
        out = img.astype(np.float32)
        if p['brightness'] is not None:
            out = out + p['brightness']
        if p['contrast'] is not None:
            out = out * p['contrast']
        out = np.clip(out, 0, 255).astype(np.uint8)
        if p['saturation'] is not None or p['hue'] is not None:
            hsv = cv2.cvtColor(out, cv2.COLOR_BGR2HSV).astype(np.float32)
            if p['saturation'] is not None:
                hsv[..., 1] = np.clip(hsv[..., 1] * p['saturation'], 0, 255)
            if p['hue'] is not None:
                hsv[..., 0] = (hsv[..., 0] + p['hue']) % 180
            out = cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2BGR)
        return out

    def transform(self, results: dict) -> dict:
        params = self._draw()
        padded = results.get('is_padded', [False] * len(results['imgs']))
        results['imgs'] = [img if pad else self._apply(img, params)
                           for img, pad in zip(results['imgs'], padded)]
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(brightness_delta={self.brightness_delta}, '
                f'contrast_range={self.contrast_range}, '
                f'saturation_range={self.saturation_range}, hue_delta={self.hue_delta})')
