"""Data preprocessor for clips: flatten B clips of T frames into B*T images."""
from typing import Any, Dict, List

import torch
from mmseg.models.data_preprocessor import SegDataPreProcessor
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample


@MODELS.register_module()
class AVSDataPreprocessor(SegDataPreProcessor):
    """Normalise, pad and stack the frames of a batch of clips; stack their audio.

    The data loader yields, per clip, ``inputs`` ``[T, 3, H, W]``, ``audio`` ``[T, ...]`` and
    a list of T data samples. MMEngine's collate functions keep tensors as a list of B clips
    but transpose nested lists, so the samples arrive as T lists of B. This preprocessor
    flattens both clip-major (frame ``t`` of clip ``b`` is image ``b * T + t``), checks that
    every sample's ``frame_idx`` matches its image, runs MMSeg's image preprocessing on the
    ``B * T`` frames, and returns the audio as ``[B, T, ...]`` so the model keeps T.

    Args:
        **kwargs: See :class:`mmseg.models.SegDataPreProcessor` (mean, std, bgr_to_rgb,
            size, pad_val, seg_pad_val, ...).
    """

    def forward(self, data: dict, training: bool = False) -> Dict[str, Any]:
        clips, audio = data['inputs'], data['audio']
        lengths = {clip.shape[0] for clip in clips}
        if len(lengths) != 1:
            raise ValueError(f'clips of one batch must have one length T, got {sorted(lengths)}')
        frames = [frame for clip in clips for frame in clip]
        samples = data.get('data_samples')
        if samples is not None:
            samples = self._flatten_samples(samples, len(clips), clips[0].shape[0])
        out = super().forward(dict(inputs=frames, data_samples=samples), training)
        out['audio'] = self.cast_data(torch.stack(list(audio))).float()
        return out

    @staticmethod
    def _flatten_samples(per_frame: List[List[SegDataSample]], num_clips: int,
                         num_frames: int) -> List[SegDataSample]:
        """``per_frame[t][b]`` (as collated) -> clip-major list, checked by ``frame_idx``."""
        if len(per_frame) != num_frames or any(len(s) != num_clips for s in per_frame):
            raise ValueError(f'expected data samples collated as {num_frames} lists of '
                             f'{num_clips} (MMEngine transposes per-clip lists), got '
                             f'{[len(s) for s in per_frame]}')
        flat = [per_frame[t][b] for b in range(num_clips) for t in range(num_frames)]
        for i, sample in enumerate(flat):
            if sample.metainfo.get('frame_idx', i % num_frames) != i % num_frames:
                raise ValueError('data samples are out of order: image '
                                 f'{i} holds frame_idx {sample.frame_idx}')
        return flat
