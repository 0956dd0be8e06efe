"""tools/analysis/run_synthetic_benchmark.py in its quick mode: train, test with clean and
perturbed audio, summarise over seeds, write the tables into a README block."""
import json
import os.path as osp
import subprocess
import sys

import pytest

from tests.tool_loader import load_tool

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
    (run, ) = [r for r in results['runs'] if r['study'] != 'reference']
    # the trivial predictors are scored on the same test split, with no model
    assert sorted(r['name'] for r in results['runs'] if r['study'] == 'reference') == [
        'every object (no model)', 'nothing (no model)']
    assert run['name'] == '+AMA+UE (RAVS)' and run['seed'] == 0
    for key in ('metrics', 'metrics_silence', 'metrics_noise', 'metrics_shuffle'):
        assert 0 <= run[key]['J&F'] <= 100
    entry = results['summary']['ms3|ladder|+AMA+UE (RAVS)']
    # one seed: the summary is that run's numbers, with no spread
    assert entry['stats']['metrics/J&F'] == dict(mean=run['metrics']['J&F'], std=0.0, n=1)
    text = readme.read_text()
    assert text.startswith('intro\n') and text.endswith('outro\n') and 'old' not in text
    assert '| ladder | +AMA+UE (RAVS) | 0 |' in text and 'FPR silence' in text
    # the last column of the main table: frames predicted empty with the clip's own audio
    (row, ) = [line for line in text.splitlines() if line.startswith('| ladder | +AMA+UE')]
    assert row.endswith(f"| {run['metrics']['empty_pred']:.1f} |")
    assert '| reference | nothing (no model) | – |' in text
    assert 0 <= run['metrics_silence']['empty_pred'] <= 100 and 'empty silence' in text
    assert (out / 'results.png').stat().st_size > 0
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


def _load_tool():
    return load_tool('tools/analysis/run_synthetic_benchmark.py')


def test_differences_to_the_baseline_are_paired_by_seed():
    tool = _load_tool()

    def run(name, seed, jf, pair=None):
        metrics = {'J&F': jf} if pair is None else {'J&F': jf, 'J&F@same_class_pair': pair}
        return dict(dataset='ms3', study='ladder', name=name, seed=seed, metrics=metrics)

    # RAVS - Baseline per seed: J&F 2, 3, 7 (mean 4, sample std sqrt(7)); pair 1 on seed 0 only
    results = [run('Baseline', 0, 50, 40), run('Baseline', 1, 60, 40), run('Baseline', 2, 40, 40),
               run('RAVS', 0, 52, 41), run('RAVS', 1, 63), run('RAVS', 2, 47)]
    summary = tool.summarise(results)
    stats = summary['ms3|ladder|RAVS']['stats']
    assert stats['delta/J&F'] == pytest.approx(dict(mean=4.0, std=7 ** 0.5, n=3))
    assert stats['delta/J&F@same_class_pair'] == dict(mean=1.0, std=0.0, n=1)
    assert 'delta/J&F@state_transition' not in stats
    assert not any(k.startswith('delta/') for k in summary['ms3|ladder|Baseline']['stats'])
    assert '| RAVS | 0,1,2 | 4.0 ± 2.6 | 1.0 | – |' in tool.markdown_tables(summary)


def test_the_learning_rate_schedule_ends_with_the_run():
    """A shorter or longer run than the config's 800 iterations still decays to eta_min."""
    from mmengine.config import Config
    tool = _load_tool()
    schedule = Config.fromfile(osp.join(REPO, 'configs/_base_/schedules/schedule_synthetic.py'))
    assert schedule.param_scheduler[1]['type'] == 'PolyLR'  # the entry the option overrides
    config = osp.join(REPO, 'configs/synthetic/ravs_mit-tiny_synthetic-ms3.py')
    assert 'param_scheduler.1.end=400' in tool.data_options(config, 'root', 64, 400)
    assert 'param_scheduler=None' in tool.data_options(config, 'root', 32, 4)


@pytest.mark.parametrize('name', ['ravs', 'ravs-silence'])
def test_the_frame_size_option_resizes_in_every_split(name):
    """The resize step's place in the pipeline depends on the config (ClipRandomSilence comes
    before it in the silent-clip config): the option must land on ClipResize all the same."""
    import argparse

    from mmengine.config import Config, DictAction
    tool = _load_tool()
    path = osp.join(REPO, f'configs/synthetic/{name}_mit-tiny_synthetic-ms3.py')
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    options = parser.parse_args(
        ['--cfg-options', *tool.data_options(path, 'root', 64, 400)]).cfg_options
    cfg = Config.fromfile(path)
    cfg.merge_from_dict(options)
    for split in ('train', 'val', 'test'):
        steps = cfg[f'{split}_dataloader'].dataset.pipeline
        assert [step.get('scale') for step in steps if step['type'] == 'ClipResize'] == [(64, 64)]
        assert not any('scale' in step for step in steps if step['type'] != 'ClipResize')
