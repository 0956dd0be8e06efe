"""tools/analysis/run_synthetic_benchmark.py in its quick mode: train, test with clean and
perturbed audio, summarise over seeds, write the tables into a block of a markdown page
(``--doc``; its library: tests/test_analysis/test_synthetic_*.py)."""
import json
import os.path as osp
import subprocess
import sys

import pytest

from mmseg_avs.analysis.reference_predictors import REFERENCE_PREDICTORS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
pytestmark = pytest.mark.slow


def test_quick_benchmark_writes_results_and_doc_block(tmp_path):
    doc = tmp_path / 'synthetic_benchmark.md'
    doc.write_text('intro\n<!-- synthetic-benchmark:start -->\nold\n'
                   '<!-- synthetic-benchmark:end -->\noutro\n')
    out = tmp_path / 'bench'
    args = [sys.executable, 'tools/analysis/run_synthetic_benchmark.py', '--mode', 'quick',
            '--out-dir', str(out), '--datasets', 'ms3', '--models', '+AMA+UE (RAVS)',
            '--doc', str(doc)]
    res = subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, (res.stdout + res.stderr)[-3000:]
    results = json.loads((out / 'results.json').read_text())
    (run, ) = [r for r in results['runs'] if r['study'] != 'reference']
    # the reference predictors are scored on the same test split, with no model
    assert sorted(r['name'] for r in results['runs'] if r['study'] == 'reference') == sorted(
        f'{name} (no model)' for name in REFERENCE_PREDICTORS)
    assert results['audio_probe']['seconds'] == 20 and results['audio_probe']['steps'] == 10
    assert run['name'] == '+AMA+UE (RAVS)' and run['seed'] == 0
    for key in ('metrics', 'metrics_silence', 'metrics_noise', 'metrics_shuffle'):
        assert 0 <= run[key]['J&F'] <= 100
    entry = results['summary']['ms3|ladder|+AMA+UE (RAVS)']
    # one seed: the summary is that run's numbers, with no spread
    assert entry['stats']['metrics/J&F'] == dict(mean=run['metrics']['J&F'], std=0.0, n=1)
    text = doc.read_text()
    assert text.startswith('intro\n') and text.endswith('outro\n') and 'old' not in text
    assert '| ladder | +AMA+UE (RAVS) | 0 |' in text and 'FPR silence' in text
    # the last column of the main table: frames predicted empty with the clip's own audio
    (row, ) = [line for line in text.splitlines() if line.startswith('| ladder | +AMA+UE')]
    assert row.endswith(f"| {run['metrics']['empty_pred']:.1f} |")
    assert '| reference | nothing (no model) | – |' in text
    assert '| reference | instance heard (no model) | – |' in text
    assert 'Each model between the reference rows' in text and 'Audio-only probe' in text
    assert 0 <= run['metrics_silence']['empty_pred'] <= 100 and 'empty silence' in text
    assert (out / 'results.png').stat().st_size > 0
    # the run's folder keeps its training config; each test dumps its own beside it
    work = out / 'runs' / 'ms3' / '+AMA+UE_(RAVS)' / 'seed0'
    dumped = (work / 'ravs_mit-tiny_synthetic-ms3.py').read_text()
    assert 'AudioSwapDataset' not in dumped
    assert 'AudioSwapDataset' in (work / 'test_shuffle' / 'ravs_mit-tiny_synthetic-ms3.py'
                                  ).read_text()
    # a second call finds every run done: nothing is trained or tested again
    log = out / 'runs' / 'ms3' / '+AMA+UE_(RAVS)' / 'seed0' / 'log.txt'
    size = log.stat().st_size
    res = subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=900)
    assert res.returncode == 0
    assert log.stat().st_size == size
    # a missing test result is re-made from the checkpoint, without training again
    timing = log.parent / 'train_seconds.json'
    stamp = timing.stat().st_mtime_ns
    (log.parent / 'metrics_noise.json').unlink()
    res = subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=900)
    assert res.returncode == 0 and (log.parent / 'metrics_noise.json').is_file()
    assert timing.stat().st_mtime_ns == stamp
    # a run made with other training options is not reused
    res = subprocess.run(args + ['--iters', '5'], cwd=REPO, capture_output=True, text=True,
                         timeout=900)
    assert res.returncode != 0 and 'was made with other options' in res.stderr
    # the cached data set was made with the hard preset: asking for another one is refused
    res = subprocess.run(args + ['--preset', 'easy'], cwd=REPO, capture_output=True, text=True,
                         timeout=900)
    assert res.returncode != 0 and 'use another --out-dir' in res.stderr
