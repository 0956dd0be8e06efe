"""The synthetic benchmark's report: the summary (:mod:`.synthetic_summary`) as markdown
tables, a bar plot of J&F per case tag, and the tables written into a block of a markdown
file (the results page of the docs)."""
from typing import Dict, List, Optional

import numpy as np

from .synthetic_experiments import PERTURBATIONS
from .synthetic_summary import DELTA_KEYS, HARD_CASES, TAGS


def _cell(entry: dict, key: str) -> str:
    stat = entry['stats'].get(key)
    if stat is None or np.isnan(stat['mean']):
        return '–'
    return f"{stat['mean']:.1f} ± {stat['std']:.1f}" if stat['n'] > 1 else f"{stat['mean']:.1f}"


def _seeds(entry: dict) -> str:
    return '–' if entry['study'] == 'reference' else ','.join(map(str, sorted(entry['seeds'])))


def _place(entry: dict, references: List[dict], key: str) -> str:
    """A model's mean ``key`` and the reference rows just under and over it."""
    value = entry['stats'].get(f'metrics/{key}', dict(mean=float('nan')))['mean']
    if np.isnan(value):
        return '–'
    scored = sorted((r['stats'][f'metrics/{key}']['mean'], r['name'].replace(' (no model)', ''))
                    for r in references if f'metrics/{key}' in r['stats'])
    under = [f'{name} {v:.1f}' for v, name in scored if v <= value][-1:]
    over = [f'{name} {v:.1f}' for v, name in scored if v > value][:1]
    return ' < '.join(under + [f'**{value:.1f}**'] + over)


def markdown_tables(summary: Dict[str, dict], probe: Optional[dict] = None) -> str:
    """Per data set: the main table, each model's place between the reference rows, the
    paired differences to the Baseline and, where runs were tested with replaced audio, the
    misleading-audio tables; then the audio-only probe.

    Args:
        summary (dict): What :func:`~.synthetic_summary.summarise` returns.
        probe (dict, optional): What :func:`~.audio_probe.run_audio_probe` returns.

    Returns:
        str: The markdown.
    """
    entries = list(summary.values())
    lines = []
    for dataset, title in (('ms3', 'binary (MS3 layout)'), ('avss', 'semantic (AVSS layout)')):
        rows = [e for e in entries if e['dataset'] == dataset]
        if not rows:
            continue
        lines += [f'**Synthetic {title}**, test split, dataset protocol, mean ± sample std '
                  'over the seeds listed; `reference` rows are predictors that pick objects '
                  "from the generator's records (no model), scored by the same metric; "
                  'empty: share of frames predicted empty (%), 100 for a run that '
                  'collapsed to empty masks.', '',
                  '| study | model | seeds | J | F | J&F | '
                  + ' | '.join(f'J&F@{t}' for t in TAGS)
                  + ' | FPR@silent | FPR@offscreen | empty |',
                  '|' + ' --- |' * (9 + len(TAGS))]
        for e in rows:
            cells = [_cell(e, f'metrics/{k}') for k in ('J', 'F', 'J&F')]
            cells += [_cell(e, f'metrics/J&F@{t}') for t in TAGS]
            cells += [_cell(e, f'metrics/{k}')
                      for k in ('FPR@silent', 'FPR@offscreen', 'empty_pred')]
            lines.append(f"| {e['study']} | {e['name']} | {_seeds(e)} | "
                         + ' | '.join(cells) + ' |')
        lines.append('')
        references = [e for e in rows if e['study'] == 'reference']
        models = [e for e in rows if e['study'] != 'reference']
        if references and models:
            keys = ['J&F', *(f'J&F@{t}' for t in HARD_CASES)]
            lines += ['Each model between the reference rows (mean J&F; the reference just '
                      'under and just over it):', '',
                      '| model | ' + ' | '.join(keys) + ' |', '|' + ' --- |' * (1 + len(keys))]
            for e in models:
                lines.append(f"| {e['name']} | "
                             + ' | '.join(_place(e, references, k) for k in keys) + ' |')
            lines.append('')
        deltas = [e for e in rows if any(k.startswith('delta/') for k in e['stats'])]
        if deltas:
            lines += ['Difference to the Baseline, paired by seed (mean ± sample std of the '
                      'per-seed differences, J&F points):', '',
                      '| model | seeds | ' + ' | '.join(f'Δ {k}' for k in DELTA_KEYS) + ' |',
                      '|' + ' --- |' * (2 + len(DELTA_KEYS))]
            for e in deltas:
                lines.append(f"| {e['name']} | {_seeds(e)} | "
                             + ' | '.join(_cell(e, f'delta/{k}') for k in DELTA_KEYS) + ' |')
            lines.append('')
        robust = [e for e in rows if any(k.startswith('metrics_') for k in e['stats'])]
        if robust:
            lines += ['**Misleading audio** (binary set): share of frames with a non-empty '
                      'prediction among frames with nothing audible on screen (FPR_empty, %), '
                      'J&F, with the audio of every test clip replaced, and the share of all '
                      'frames predicted empty with silent audio (empty silence, %).', '',
                      '| model | FPR clean | ' + ' | '.join(f'FPR {p}' for p in PERTURBATIONS)
                      + ' | empty silence | J&F clean | '
                      + ' | '.join(f'J&F {p}' for p in PERTURBATIONS) + ' |',
                      '|' + ' --- |' * (4 + 2 * len(PERTURBATIONS))]
            for e in robust:
                cells = [_cell(e, 'metrics/FPR_empty')]
                cells += [_cell(e, f'metrics_{p}/FPR_empty') for p in PERTURBATIONS]
                cells += [_cell(e, 'metrics_silence/empty_pred')]
                cells += [_cell(e, 'metrics/J&F')]
                cells += [_cell(e, f'metrics_{p}/J&F') for p in PERTURBATIONS]
                lines.append(f"| {e['name']} | " + ' | '.join(cells) + ' |')
            lines += ['', '**Audio use on the hard cases** (binary set): J&F on the frames of '
                      'case 1 and case 2 with the clip\'s own audio and with another clip\'s '
                      '(shuffle). A model that relies on the audio to pick the sounding object '
                      'loses here when the audio is wrong.', '',
                      '| model | ' + ' | '.join(f'J&F@{t} {a}' for t in HARD_CASES
                                                for a in ('clean', 'shuffle')) + ' |',
                      '|' + ' --- |' * (1 + 2 * len(HARD_CASES))]
            for e in robust:
                cells = [_cell(e, f'{group}/J&F@{t}') for t in HARD_CASES
                         for group in ('metrics', 'metrics_shuffle')]
                lines.append(f"| {e['name']} | " + ' | '.join(cells) + ' |')
            lines.append('')
    if probe is not None:
        lines += ['**Audio-only probe** (binary set): the configs\' audio encoder and a linear '
                  'layer on its strongest token, trained on the train split\'s audio alone '
                  f"({probe['steps']} AdamW steps of 64 seconds), tested on "
                  f"{probe['seconds']} test seconds: the exact set of classes heard named in "
                  f"{probe['exact_set']:.1f} % of them ({probe['per_class']:.1f} % of the "
                  'class decisions); which twin (the larger or the smaller) is heard, in '
                  f"{probe['twin_size']:.1f} % of the {probe['twin_seconds']} seconds in which "
                  'exactly one twin is heard.', '']
    return '\n'.join(lines)


def plot(summary: Dict[str, dict], path: str) -> None:
    """Bars of J&F overall and per case tag, one per experiment, a panel per data set.

    Args:
        summary (dict): What :func:`~.synthetic_summary.summarise` returns.
        path (str): The image file written.
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    datasets = [d for d in ('ms3', 'avss') if any(e['dataset'] == d for e in summary.values())]
    fig, axes = plt.subplots(len(datasets), 1, figsize=(13, 3.6 * len(datasets)), squeeze=False)
    keys = ['J&F'] + [f'J&F@{t}' for t in TAGS]
    for ax, dataset in zip(axes[:, 0], datasets):
        rows = [e for e in summary.values() if e['dataset'] == dataset]
        width = 0.8 / len(rows)
        colours = plt.cm.tab20(np.arange(len(rows)) % 20)  # tab10 would repeat past 10 models
        for i, e in enumerate(rows):
            stats = [e['stats'].get(f'metrics/{k}', dict(mean=np.nan, std=0)) for k in keys]
            ax.bar(np.arange(len(keys)) + i * width, [s['mean'] for s in stats], width,
                   yerr=[s['std'] for s in stats], label=e['name'], capsize=2,
                   color=colours[i])
        ax.set_xticks(np.arange(len(keys)) + 0.4 - width / 2, ['overall'] + list(TAGS))
        ax.set_ylabel('J&F (%)')
        ax.set_title(f'synthetic {dataset}: test split, mean ± std over seeds')
        ax.legend(fontsize=7, loc='upper left', bbox_to_anchor=(1.0, 1.0))  # beside the bars
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def update_markdown_block(path: str, table: str, command: str, block: str) -> None:
    """Replace what stands between ``<!-- {block}:start -->`` and ``<!-- {block}:end -->``.

    Args:
        path (str): The markdown file (e.g. ``docs/results/synthetic_benchmark.md``),
            rewritten in place.
        table (str): The new block's tables.
        command (str): The command that made them, quoted above them.
        block (str): The block's name.

    Raises:
        ValueError: The file has no such block.
    """
    start, end = f'<!-- {block}:start -->', f'<!-- {block}:end -->'
    with open(path) as f:
        text = f.read()
    if start not in text or end not in text:
        raise ValueError(f'{path} has no {start} ... {end} block')
    head, rest = text.split(start, 1)
    tail = rest.split(end, 1)[1]
    with open(path, 'w') as f:
        f.write(f'{head}{start}\n_Made by `{command}`._\n\n{table}\n{end}{tail}')
