"""mmseg_avs.analysis.naive_metric: the per-threshold reference of AVSBench's J and F."""
import pytest
import torch

from mmseg_avs.analysis.naive_metric import naive_avsbench_scores
from mmseg_avs.evaluation import AVSMetric


def _frame(clip_id: str, idx: int, gt: torch.Tensor, logits: torch.Tensor) -> dict:
    return dict(clip_id=clip_id, frame_idx=idx, seg_logits=dict(data=logits),
                gt_sem_seg=dict(data=gt[None]))


def test_naive_reference_on_known_cases():
    """Perfect logits give 100 / 100; an empty-truth-only clip gives J from its background
    pixels and F = 0; constant scores (ties with every threshold) agree with AVSMetric."""
    gt = torch.zeros(8, 8, dtype=torch.long)
    gt[2:5, 2:6] = 1
    perfect = torch.stack([-10.0 * gt, 10.0 * gt]).float()
    assert naive_avsbench_scores([[_frame('a', 0, gt, perfect)]]) == pytest.approx(
        (100.0, 100.0))

    empty = torch.zeros(8, 8, dtype=torch.long)
    half = torch.zeros(2, 8, 8)
    half[1, :4] = 5.0  # half of the pixels predicted foreground
    j, f = naive_avsbench_scores([[_frame('b', 0, empty, half)]])
    assert j == pytest.approx(50.0) and f == 0.0

    clips = [[_frame('a', 0, gt, perfect), _frame('a', 1, empty, half)],
             [_frame('c', 0, gt, torch.zeros(2, 8, 8)), _frame('c', 1, gt, half)]]
    metric = AVSMetric(protocol='avsbench', num_classes=2)
    for frames in clips:
        metric.process({}, frames)
    scores = metric.compute_metrics(metric.results)
    naive_j, naive_f = naive_avsbench_scores(clips)
    assert naive_j == pytest.approx(scores['J'], abs=1e-9)
    assert naive_f == pytest.approx(scores['F'], abs=1e-9)
