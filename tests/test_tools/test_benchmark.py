"""tools/analysis/benchmark.py: a ``--quick`` run that must fill every section of the report
(the naive metric it compares with: tests/test_analysis/test_naive_metric.py)."""
import json
import math
import os.path as osp
import subprocess
import sys

import pytest
import torch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SCRIPT = osp.join(REPO, 'tools/analysis/benchmark.py')


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
