"""Pack a loaded clip into model inputs and per-frame data samples."""
from typing import Sequence

import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmengine.structures import PixelData
from mmseg.registry import TRANSFORMS
from mmseg.structures import SegDataSample


@TRANSFORMS.register_module()
class PackAVSInputs(BaseTransform):
    """Pack a clip: ``inputs`` ``[T, 3, H, W]`` uint8, ``audio`` ``[T, ...]`` float32 and
    ``data_samples``, a list of T :class:`SegDataSample` (one per frame).

    Each frame's metainfo holds the clip-level ``meta_keys`` plus ``frame_idx``,
    ``img_path``, ``seg_map_path``, ``is_padded``, ``has_gt`` and ``case_tags`` of that frame,
    so that per-frame consumers (MMSeg metrics, visualizer) work unchanged and clip-aware
    ones (AVSMetric, temporal heads) can regroup frames.

    Args:
        meta_keys (Sequence[str]): Clip-level keys copied into every frame's metainfo.
    """

    def __init__(self,
                 meta_keys: Sequence[str] = ('clip_id', 'num_frames', 'num_real_frames',
                                             'ori_shape', 'img_shape', 'scale_factor',
                                             'flip', 'flip_direction', 'audio_path',
                                             'subset')) -> None:
        self.meta_keys = tuple(meta_keys)

    def transform(self, results: dict) -> dict:
        imgs = np.stack(results['imgs']).transpose(0, 3, 1, 2)  # [T, 3, H, W]
        num_frames = imgs.shape[0]
        if 'audio' not in results:
            raise KeyError('PackAVSInputs needs results["audio"]: add LoadAVSAudio to the '
                           'pipeline')
        audio = np.asarray(results['audio'], dtype=np.float32)
        if audio.shape[0] != num_frames:
            raise ValueError(f"clip {results.get('clip_id')}: {num_frames} frames but "
                             f'{audio.shape[0]} audio segments')
        clip_meta = {k: results[k] for k in self.meta_keys if k in results}
        per_frame = dict(
            img_path=results.get('img_paths', [None] * num_frames),
            seg_map_path=results.get('seg_map_paths', [None] * num_frames),
            is_padded=results.get('is_padded', [False] * num_frames),
            has_gt=results.get('has_gt', [False] * num_frames),
            case_tags=results.get('case_tags', [[] for _ in range(num_frames)]))
        samples = []
        for t in range(num_frames):
            sample = SegDataSample()
            if 'gt_seg_maps' in results:
                seg = torch.from_numpy(results['gt_seg_maps'][t][None].astype(np.int64))
                sample.gt_sem_seg = PixelData(data=seg)
            meta = dict(clip_meta, frame_idx=t, **{k: v[t] for k, v in per_frame.items()})
            sample.set_metainfo(meta)
            samples.append(sample)
        return dict(inputs=torch.from_numpy(np.ascontiguousarray(imgs)),
                    audio=torch.from_numpy(audio),
                    data_samples=samples)

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(meta_keys={self.meta_keys})'
