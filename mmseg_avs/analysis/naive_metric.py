"""AVSBench's binary J and F written plainly from the published definition, one threshold at a
time: the reference :class:`~mmseg_avs.evaluation.AVSMetric` (``protocol='avsbench'``) must
match."""
from typing import Sequence, Tuple

import torch

NUM_THRESHOLDS = 255  # AVSBench's Eval_Fmeasure(pr_num=255)


def naive_avsbench_scores(clips: Sequence[Sequence[dict]],
                          beta2: float = 0.3) -> Tuple[float, float]:
    """AVSBench's binary J and F (percent), one threshold at a time, as published
    (OpenNLPLab/AVSBench ``avs_scripts/avs_s4/utils/utility.py``: ``mask_iou`` and
    ``Eval_Fmeasure``), one clip per batch.

    J: per frame IoU of score > 0.5 (empty truth: the fraction of pixels predicted
    background), averaged per clip, then over clips. F: per frame and for each of 255
    thresholds t, foreground = score >= t, precision and recall with eps 1e-20, F_beta with
    0/0 counted 0; empty-truth frames skipped; a clip scores the best threshold of its mean
    curve (0 without a non-empty frame); averaged over clips.

    Args:
        clips (Sequence[Sequence[dict]]): Per clip, per-frame sample dicts (what
            ``SegDataSample.to_dict()`` gives the metric) with 2-channel ``seg_logits`` and
            ``gt_sem_seg``.
        beta2 (float): beta² of F. Defaults to 0.3.

    Returns:
        tuple[float, float]: J and F in percent.
    """
    thresholds = torch.linspace(0, 1 - 1e-10, NUM_THRESHOLDS)
    clip_j, clip_f = [], []
    for frames in clips:
        ious, curves = [], []
        for sample in frames:
            logits = sample['seg_logits']['data'].float()
            score = torch.sigmoid(logits[1] - logits[0])  # softmax[1], as AVSMetric
            gt = sample['gt_sem_seg']['data'][0] == 1
            pred = score > 0.5
            gt_area = int(gt.sum())
            if gt_area:
                ious.append(int((pred & gt).sum()) / (int((pred | gt).sum()) + 1e-7))
            else:
                ious.append(int((~pred).sum()) / (gt.numel() + 1e-7))
                continue
            curve = []
            for threshold in thresholds:
                fg = score >= threshold
                tp = int((fg & gt).sum())
                precision = tp / (int(fg.sum()) + 1e-20)
                recall = tp / (gt_area + 1e-20)
                denominator = beta2 * precision + recall
                curve.append((1 + beta2) * precision * recall / denominator
                             if denominator else 0.0)
            curves.append(curve)
        clip_j.append(sum(ious) / len(ious))
        clip_f.append(max(sum(column) / len(curves) for column in zip(*curves))
                      if curves else 0.0)
    return 100 * sum(clip_j) / len(clip_j), 100 * sum(clip_f) / len(clip_f)
