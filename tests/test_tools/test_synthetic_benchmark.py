"""tools/analysis/run_synthetic_benchmark.py in its quick mode: train, test with clean and
perturbed audio, summarise over seeds, write the tables into a README block."""
import json
import os.path as osp
import subprocess
import sys

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
pytestmark = pytest.mark.slow


def test_quick_benchmark_writes_results_and_readme(tmp_path):
    readme = tmp_path / 'README.md'
    readme.write_text('intro\n<!-- synthetic-benchmark:start -->\nold\n'
                      '<!-- synthetic-benchmark:end -->\noutro\n')
    out = tmp_path / 'bench'
    args = [sys.executable, 'tools/analysis/run_synthetic_benchmark.py', '--mode', 'quick',
            '--out-dir', str(out), '--datasets', 'ms3', '--models', '+AMA+UE (RAVS)',
            '--readme', str(readme)]
    res = subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, (res.stdout + res.stderr)[-3000:]
    results = json.loads((out / 'results.json').read_text())
    (run, ) = results['runs']
    assert run['name'] == '+AMA+UE (RAVS)' and run['seed'] == 0
    for key in ('metrics', 'metrics_silence', 'metrics_noise', 'metrics_shuffle'):
        assert 0 <= run[key]['J&F'] <= 100
    (entry, ) = results['summary'].values()
    # one seed: the summary is that run's numbers, with no spread
    assert entry['stats']['metrics/J&F'] == dict(mean=run['metrics']['J&F'], std=0.0, n=1)
    text = readme.read_text()
    assert text.startswith('intro\n') and text.endswith('outro\n') and 'old' not in text
    assert '| ladder | +AMA+UE (RAVS) | 0 |' in text and 'FPR silence' in text
    assert (out / 'results.png').stat().st_size > 0
    # a second call finds every run done: nothing is trained or tested again
    log = out / 'runs' / 'ms3' / '+AMA+UE_(RAVS)' / 'seed0' / 'log.txt'
    size = log.stat().st_size
    res = subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=900)
    assert res.returncode == 0
    assert log.stat().st_size == size
