"""tools/analysis/benchmark.py: the per-threshold reference of AVSBench's J and F, and a
``--quick`` run that must fill every section of the report."""
import json
import math
import os.path as osp
import subprocess
import sys

import pytest
import torch

from mmseg_avs.evaluation import AVSMetric
from tests.tool_loader import load_tool

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SCRIPT = osp.join(REPO, 'tools/analysis/benchmark.py')


def _load_tool():
    return load_tool('tools/analysis/benchmark.py')


def _frame(clip_id: str, idx: int, gt: torch.Tensor, logits: torch.Tensor) -> dict:
    return dict(clip_id=clip_id, frame_idx=idx, seg_logits=dict(data=logits),
                gt_sem_seg=dict(data=gt[None]))


def test_naive_reference_on_known_cases():
    """Perfect logits give 100 / 100; an empty-truth-only clip gives J from its background
    pixels and F = 0; constant scores (ties with every threshold) agree with AVSMetric."""
    tool = _load_tool()
    gt = torch.zeros(8, 8, dtype=torch.long)
    gt[2:5, 2:6] = 1
    perfect = torch.stack([-10.0 * gt, 10.0 * gt]).float()
    assert tool.naive_avsbench_scores([[_frame('a', 0, gt, perfect)]]) == pytest.approx(
        (100.0, 100.0))

    empty = torch.zeros(8, 8, dtype=torch.long)
    half = torch.zeros(2, 8, 8)
    half[1, :4] = 5.0  # half of the pixels predicted foreground
    j, f = tool.naive_avsbench_scores([[_frame('b', 0, empty, half)]])
    assert j == pytest.approx(50.0) and f == 0.0

    clips = [[_frame('a', 0, gt, perfect), _frame('a', 1, empty, half)],
             [_frame('c', 0, gt, torch.zeros(2, 8, 8)), _frame('c', 1, gt, half)]]
    metric = AVSMetric(protocol='avsbench', num_classes=2)
    for frames in clips:
        metric.process({}, frames)
    scores = metric.compute_metrics(metric.results)
    naive_j, naive_f = tool.naive_avsbench_scores(clips)
    assert naive_j == pytest.approx(scores['J'], abs=1e-9)
    assert naive_f == pytest.approx(scores['F'], abs=1e-9)


@pytest.mark.slow
def test_quick_run_fills_every_section(tmp_path):
    res = subprocess.run(
        [sys.executable, SCRIPT, '--quick', '--threads', '1', '--out-dir', str(tmp_path)],
        cwd=REPO, capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stderr[-3000:]
    with open(tmp_path / 'benchmark.json') as f:
        report = json.load(f)
    assert set(report) == {'meta', 'speed', 'metric', 'grouping', 'complexity'}
    assert report['meta']['device_name'] and report['meta']['torch'] == torch.__version__

    (row,) = report['speed']
    for name in ('baseline', 'ravs'):
        model = row['models'][name]
        assert len(model['train_runs_s']) == len(model['infer_runs_s']) == 2
        # the weights alone are counted, so every peak is well above zero
        assert model['train_peak_mib'] > model['infer_peak_mib'] > 10
    assert all(0 < value < math.inf for value in row['ratio'].values())

    metric = report['metric']
    assert metric['identical'] and metric['max_abs_diff'] <= 1e-6
    assert metric['empty_truth_frames'] > 0 and metric['speedup'] > 0

    assert report['grouping']['results'] and report['grouping']['table'].startswith('|')

    baseline, ravs = report['complexity']
    assert baseline['params_m']['total'] < ravs['params_m']['total']
    assert ravs['gflops']['fusion / AMA'] > 0 and ravs['gflops']['decode head'] > 0
    assert {'aten::cdist', 'aten::topk'} <= set(ravs['uncounted_ops'])

    with open(tmp_path / 'benchmark.md') as f:
        markdown = f.read()
    for title in ('Speed and memory', 'Metric evaluation time', 'DPC-KNN grouping',
                  'Parameters and FLOPs'):
        assert f'## {title}' in markdown and f'## {title}' in res.stdout
