"""The synthetic benchmark's results summarised over seeds: mean and sample standard deviation
of every metric, and the differences to the Baseline paired by seed."""
from collections import defaultdict
from typing import Dict, List

import numpy as np

TAGS = ('same_class_pair', 'state_transition', 'silent', 'offscreen')
HARD_CASES = ('same_class_pair', 'state_transition')  # the goal's case 1 and case 2
DELTA_KEYS = ('J&F', *(f'J&F@{t}' for t in HARD_CASES))  # versus the Baseline


def summarise(results: List[dict]) -> Dict[str, dict]:
    """Mean and sample standard deviation over seeds of every metric, per experiment.

    Args:
        results (list[dict]): One entry per run: ``dataset``, ``study``, ``name``, ``seed`` and
            ``metrics`` (plus ``metrics_<perturbation>`` where tested).

    Returns:
        dict: Per ``'dataset|study|name'``, the experiment, its seeds and ``stats``: per
        ``group/metric`` (and ``delta/<key>`` of :data:`DELTA_KEYS` against the Baseline of
        the same seed) its ``mean``, ``std`` and ``n``.
    """
    grouped = defaultdict(list)
    for r in results:
        grouped[(r['dataset'], r['study'], r['name'])].append(r)
    summary = {}
    for (dataset, study, name), runs in grouped.items():
        keys = {k for r in runs for group in r if group.startswith('metrics')
                for k in (f'{group}/{m}' for m in r[group])}
        stats = {}
        for key in sorted(keys):
            group, metric = key.split('/', 1)
            values = np.array([r[group][metric] for r in runs if metric in r.get(group, {})],
                              dtype=float)
            finite = values[~np.isnan(values)]  # e.g. FPR of a tag without empty-truth frames
            stats[key] = dict(mean=float(finite.mean()) if finite.size else float('nan'),
                              std=float(np.std(finite, ddof=1)) if finite.size > 1 else 0.0,
                              n=int(finite.size))
        summary[f'{dataset}|{study}|{name}'] = dict(
            dataset=dataset, study=study, name=name, seeds=[r['seed'] for r in runs],
            stats=stats)
    for (dataset, _, name), runs in grouped.items():
        if name == 'Baseline':
            continue
        baseline = {r['seed']: r for r in grouped.get((dataset, 'ladder', 'Baseline'), [])}
        entry = summary[f'{dataset}|{runs[0]["study"]}|{name}']
        for key in DELTA_KEYS:
            # paired by seed: both models saw the same data order and initial state
            diffs = np.array([r['metrics'][key] - baseline[r['seed']]['metrics'][key]
                              for r in runs if r['seed'] in baseline
                              and key in r['metrics'] and key in baseline[r['seed']]['metrics']])
            if diffs.size:
                entry['stats'][f'delta/{key}'] = dict(
                    mean=float(diffs.mean()), n=int(diffs.size),
                    std=float(np.std(diffs, ddof=1)) if diffs.size > 1 else 0.0)
    return summary
