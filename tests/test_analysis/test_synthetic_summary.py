"""mmseg_avs.analysis.synthetic_summary and .synthetic_report: the differences to the Baseline,
paired by seed, and their table."""
import pytest

from mmseg_avs.analysis.synthetic_report import markdown_tables
from mmseg_avs.analysis.synthetic_summary import summarise


def test_differences_to_the_baseline_are_paired_by_seed():

    def run(name, seed, jf, pair=None):
        metrics = {'J&F': jf} if pair is None else {'J&F': jf, 'J&F@same_class_pair': pair}
        return dict(dataset='ms3', study='ladder', name=name, seed=seed, metrics=metrics)

    # RAVS - Baseline per seed: J&F 2, 3, 7 (mean 4, sample std sqrt(7)); pair 1 on seed 0 only
    results = [run('Baseline', 0, 50, 40), run('Baseline', 1, 60, 40), run('Baseline', 2, 40, 40),
               run('RAVS', 0, 52, 41), run('RAVS', 1, 63), run('RAVS', 2, 47)]
    summary = summarise(results)
    stats = summary['ms3|ladder|RAVS']['stats']
    assert stats['delta/J&F'] == pytest.approx(dict(mean=4.0, std=7 ** 0.5, n=3))
    assert stats['delta/J&F@same_class_pair'] == dict(mean=1.0, std=0.0, n=1)
    assert 'delta/J&F@state_transition' not in stats
    assert not any(k.startswith('delta/') for k in summary['ms3|ladder|Baseline']['stats'])
    assert '| RAVS | 0,1,2 | 4.0 ± 2.6 | 1.0 | – |' in markdown_tables(summary)
