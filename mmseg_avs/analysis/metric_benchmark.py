"""Evaluation time of :class:`~mmseg_avs.evaluation.AVSMetric` (``protocol='avsbench'``) next
to the plain per-threshold loop of :mod:`.naive_metric`, on random logits: both must give the
same J and F."""
import statistics
import time
from typing import List, Tuple

import torch

from ..evaluation import AVSMetric
from .benchmark_models import random_box_mask
from .naive_metric import naive_avsbench_scores

METRIC_FRAMES = 5
METRIC_TOLERANCE = 1e-6  # J and F in percent


def random_metric_samples(num_clips: int, num_frames: int, size: int,
                          seed: int) -> List[List[dict]]:
    """Per clip, per-frame sample dicts (what ``SegDataSample.to_dict()`` gives the metric):
    2-channel logits that loosely follow a random box truth; a quarter of the truths empty.

    Args:
        num_clips (int): Clips.
        num_frames (int): Frames per clip.
        size (int): Square frame side.
        seed (int): Seed of the random generator.

    Returns:
        list[list[dict]]: The clips' frames.
    """
    gen = torch.Generator().manual_seed(seed)
    clips = []
    for c in range(num_clips):
        frames = []
        for t in range(num_frames):
            gt = random_box_mask(size, gen, empty_prob=0.25)
            logits = torch.randn(2, size, size, generator=gen)
            logits[1] += 3.0 * gt - 1.5
            frames.append(dict(clip_id=f'clip{c:03d}', frame_idx=t,
                               seg_logits=dict(data=logits), gt_sem_seg=dict(data=gt[None])))
        clips.append(frames)
    return clips


def measure_metric(num_clips: int, size: int, seed: int) -> dict:
    """Time ``AVSMetric(protocol='avsbench')`` (one clip per ``process`` call, then
    ``compute_metrics``; median of 5) against :func:`naive_avsbench_scores` (once).

    Args:
        num_clips (int): Random clips of :data:`METRIC_FRAMES` frames.
        size (int): Square frame side.
        seed (int): Seed of the random clips.

    Returns:
        dict: Both times, the speed-up, both J and F and whether they agree within
        :data:`METRIC_TOLERANCE`.
    """
    clips = random_metric_samples(num_clips, METRIC_FRAMES, size, seed)

    def fast() -> Tuple[float, float, float]:
        start = time.perf_counter()
        metric = AVSMetric(protocol='avsbench', num_classes=2)
        for frames in clips:
            metric.process({}, frames)
        scores = metric.compute_metrics(metric.results)
        return time.perf_counter() - start, scores['J'], scores['F']

    fast_runs = [fast() for _ in range(5)]
    fast_s = statistics.median(run[0] for run in fast_runs)
    _, j, f = fast_runs[0]
    start = time.perf_counter()
    naive_j, naive_f = naive_avsbench_scores(clips)
    naive_s = time.perf_counter() - start
    max_abs_diff = max(abs(j - naive_j), abs(f - naive_f))
    return dict(num_clips=num_clips, num_frames=METRIC_FRAMES, size=size,
                empty_truth_frames=sum(not bool(s['gt_sem_seg']['data'].any())
                                       for frames in clips for s in frames),
                avsmetric_s=fast_s, naive_s=naive_s, speedup=naive_s / fast_s,
                J=j, F=f, naive_J=naive_j, naive_F=naive_f, max_abs_diff=max_abs_diff,
                identical=max_abs_diff <= METRIC_TOLERANCE)
