"""The rows of a clip picture: ground truth, prediction, uncertainty and AMA groups.

One implementation for ``tools/analysis/show_clips.py``, :class:`AVSVisualizationHook`
(``style='clip'``) and the HTML report of ``tools/test.py --report``.
"""
from typing import List, Optional, Sequence, Tuple

import mmcv
import numpy as np
import torch
import torch.nn.functional as F
from mmseg.structures import SegDataSample
from torch import nn

from .ama_groups import draw_ama_groups
from .clip_grid import overlay_mask
from .uncertainty_map import draw_uncertainty


def read_clip_frames(samples: Sequence[SegDataSample]) -> List[np.ndarray]:
    """The RGB frames of predicted samples, read from ``img_path``; padded slots are black.

    Args:
        samples (Sequence[SegDataSample]): Per-frame samples with ``img_path``,
            ``ori_shape`` and ``is_padded`` metainfo.

    Returns:
        list[np.ndarray]: ``[H, W, 3]`` uint8 RGB frames.
    """
    return [np.zeros((*s.ori_shape[:2], 3), np.uint8) if s.metainfo.get('is_padded')
            else mmcv.imread(s.img_path, channel_order='rgb') for s in samples]


def ama_group_pictures(model: nn.Module, inputs: torch.Tensor, audio: torch.Tensor,
                       frames: Sequence[np.ndarray]) -> Optional[List[np.ndarray]]:
    """The groups of the last AMA stage drawn on every frame, as the paper's Fig. 5.

    Runs the audio encoder and the backbone again on the preprocessed batch (the decode head
    is not needed), then colours each group by its audio response A (cosine between the
    group's features and the projected audio, as the contrastive loss scores it).

    Args:
        model (nn.Module): An :class:`AudioVisualSegmentor` (not wrapped).
        inputs (torch.Tensor): The preprocessed frames ``[B*T, 3, H, W]``.
        audio (torch.Tensor): The preprocessed audio ``[B, T, ...]``.
        frames (Sequence[np.ndarray]): The ``B*T`` RGB frames to draw on.

    Returns:
        list[np.ndarray] | None: One picture per frame, or None when the model has no AMA
        stage (no groups to draw).
    """
    backbone = model.backbone
    stages = getattr(backbone, 'ama_stages', ())
    if not stages:
        return None
    stage = max(stages)  # the stage whose groups the contrastive loss aligns
    with torch.no_grad():
        tokens, embedding = model.encode_audio(audio)
        features = backbone(inputs, tokens)
        groups, valid, audio_vec = backbone.alignment_features(features.ama, embedding)
        response = torch.einsum('nd,npd->np', F.normalize(audio_vec, dim=-1),
                                F.normalize(groups, dim=-1)).masked_fill(~valid, 0)
    h, w = features.feats[stage].shape[-2:]
    labels = features.ama[stage].labels.view(-1, h, w).cpu().numpy()
    response = response.cpu().numpy()
    return [draw_ama_groups(frame, labels[i], response[i]) for i, frame in enumerate(frames)]


def clip_panel_rows(frames: Sequence[np.ndarray], samples: Sequence[SegDataSample],
                    palette: Sequence[Sequence[int]],
                    groups: Optional[Sequence[np.ndarray]] = None
                    ) -> Tuple[List[List[np.ndarray]], List[str]]:
    """The picture rows of one clip, for :func:`draw_clip_grid` or a report.

    Rows: ground truth (if the samples carry ``gt_sem_seg``), prediction, uncertainty (if
    they carry ``uncertainty``, UE head) and AMA groups (if ``groups`` is given).

    Args:
        frames (Sequence[np.ndarray]): The clip's RGB frames.
        samples (Sequence[SegDataSample]): Their predicted samples.
        palette (Sequence[Sequence[int]]): RGB colour per class.
        groups (Sequence[np.ndarray], optional): The frames' AMA group pictures
            (:func:`ama_group_pictures`).

    Returns:
        tuple: ``(rows, titles)``: lists of pictures (one per frame), and the titles of the
        frame row followed by one title per row.
    """
    rows, titles = [], ['frame']
    if all('gt_sem_seg' in s for s in samples):
        rows.append([overlay_mask(f, s.gt_sem_seg.data[0].cpu().numpy(), palette)
                     for f, s in zip(frames, samples)])
        titles.append('ground truth')
    rows.append([overlay_mask(f, s.pred_sem_seg.data[0].cpu().numpy(), palette)
                 for f, s in zip(frames, samples)])
    titles.append('prediction')
    if all('uncertainty' in s for s in samples):
        rows.append([draw_uncertainty(f, s.uncertainty.data[0].float().cpu().numpy())
                     for f, s in zip(frames, samples)])
        titles.append('uncertainty')
    if groups is not None:
        rows.append(list(groups))
        titles.append('AMA groups')
    return rows, titles
