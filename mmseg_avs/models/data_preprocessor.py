"""Data preprocessor for clips: flatten B clips of T frames into B*T images."""
from typing import Any, Dict

import torch
from mmseg.models.data_preprocessor import SegDataPreProcessor
from mmseg.registry import MODELS


@MODELS.register_module()
class AVSDataPreprocessor(SegDataPreProcessor):
    """Normalise, pad and stack the frames of a batch of clips; stack their audio.

    The data loader yields, per clip, ``inputs`` ``[T, 3, H, W]``, ``audio`` ``[T, ...]`` and
    a list of T data samples. This preprocessor flattens the clips frame-major within a
    clip (frame ``t`` of clip ``b`` is image ``b * T + t``), runs MMSeg's image
    preprocessing on the ``B * T`` frames, and returns the audio as ``[B, T, ...]`` so the
    model keeps T.

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
            samples = [s for clip_samples in samples for s in clip_samples]
        out = super().forward(dict(inputs=frames, data_samples=samples), training)
        out['audio'] = self.cast_data(torch.stack(list(audio))).float()
        return out
