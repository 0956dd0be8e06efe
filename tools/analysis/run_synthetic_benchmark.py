"""Train and evaluate the ablations of the paper on the synthetic data set, several seeds each.

    python tools/analysis/run_synthetic_benchmark.py --mode full --out-dir DIR [--jobs N]
        [--seeds 0 1 2] [--studies ladder ue groups robust] [--models NAME ...]
        [--readme README.md]
    python tools/analysis/run_synthetic_benchmark.py --mode quick --out-dir DIR   # CI-sized
    python tools/analysis/run_synthetic_benchmark.py --mode cpu --out-dir DIR     # 1 seed, 64²

Studies: ``ladder`` (paper Table 3: Baseline, +GTF, +SGSM, +SGSM+CST, +AMA+UE = RAVS) on the
binary (MS3 layout) and semantic (AVSS layout) sets; ``ue`` (UE head without AMA, fusion
'attenuate' and 'paper', and 'attenuate' without the temporal attention, next to the
Baseline); ``groups`` (paper Table 4: RAVS with groups [28,14,5], [14,7,5], [10,7,5],
[5,5,5], binary set); ``robust`` (not in the paper: RAVS trained with ``ClipRandomSilence``,
a tenth of the clips silent with empty masks, both sets). Every trained model is tested on
the test split (dataset protocol) and, for the binary set, again with its audio replaced
(``tools/test.py --audio-perturb silence|noise|shuffle``).

Each run is ``tools/train.py`` then ``tools/test.py`` in subprocesses (``--jobs`` at once; on a
GPU machine they share the GPU) and leaves ``runs/<dataset>/<name>/seed<k>/metrics*.json``;
runs already finished are not repeated, so a killed benchmark resumes. The report is
``results.json`` (every run, plus mean and sample standard deviation over seeds),
``results.md`` (the tables) and ``results.png`` (J&F per case tag); ``--readme`` replaces the
block between ``<!-- NAME:start -->`` and ``<!-- NAME:end -->`` (``--readme-block NAME``,
default ``synthetic-benchmark``).
"""
import argparse
import json
import os
import os.path as osp
import shlex
import subprocess
import sys
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, List, NamedTuple, Optional, Sequence

import numpy as np
from mmengine.config import Config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, REPO)

from mmseg_avs.datasets.synthetic import generate_synthetic_avs  # noqa: E402

TAGS = ('same_class_pair', 'state_transition', 'silent', 'offscreen')
PERTURBATIONS = ('silence', 'noise', 'shuffle')
HARD_CASES = ('same_class_pair', 'state_transition')  # the goal's case 1 and case 2
DELTA_KEYS = ('J&F', *(f'J&F@{t}' for t in HARD_CASES))  # versus the Baseline
MODES = {
    # image side, clips per split (train, val, test), training iterations, seeds
    'quick': dict(image_size=32, num_clips=dict(train=4, val=2, test=4), iters=4, seeds=[0]),
    'full': dict(image_size=96, num_clips=None, iters=800, seeds=[0, 1, 2]),
    # what a 2-core CPU does in about an hour: one seed, smaller frames, half the schedule
    'cpu': dict(image_size=64, num_clips=None, iters=400, seeds=[0]),
}


class Experiment(NamedTuple):
    study: str
    dataset: str            # 'ms3' (binary) or 'avss' (semantic)
    name: str
    config: str             # under configs/synthetic/, '{}' is the dataset
    options: Sequence[str] = ()


def experiments(studies: Sequence[str]) -> List[Experiment]:
    runs = []
    for dataset in ('ms3', 'avss'):
        if 'ladder' in studies or 'ue' in studies:
            runs.append(Experiment('ladder', dataset, 'Baseline', 'baseline_mit-tiny_{}.py'))
        if 'ladder' in studies:
            runs += [
                Experiment('ladder', dataset, '+GTF', 'baseline_mit-tiny_{}.py',
                           ['model.backbone.gt_token_filter=True']),
                Experiment('ladder', dataset, '+SGSM', 'sgsm_mit-tiny_{}.py'),
                Experiment('ladder', dataset, '+SGSM+CST', 'sgsm-cst_mit-tiny_{}.py'),
            ]
        if studies:
            runs.append(Experiment('ladder', dataset, '+AMA+UE (RAVS)', 'ravs_mit-tiny_{}.py'))
        if 'ue' in studies:
            runs += [Experiment('ue', dataset, 'UE attenuate', 'ue_mit-tiny_{}.py'),
                     Experiment('ue', dataset, 'UE paper', 'ue-paper_mit-tiny_{}.py'),
                     # control: the same head without attention across the frames
                     Experiment('ue', dataset, 'UE attenuate, no temporal',
                                'ue_mit-tiny_{}.py', ['model.decode_head.temporal_layers=0'])]
        if 'robust' in studies:  # not in the paper: silence teaches "no sound, no mask"
            runs.append(Experiment('robust', dataset, 'RAVS + silent-clip training',
                                   'ravs-silence_mit-tiny_{}.py'))
    if 'groups' in studies:
        runs += [Experiment('groups', 'ms3', f'RAVS groups {g}', 'ravs_mit-tiny_{}.py',
                            [f'model.backbone.ama.num_groups={g}'])
                 for g in ('[28,14,5]', '[10,7,5]', '[5,5,5]')]
    return runs


def data_options(config: str, data_root: str, image_size: int, iters: int) -> List[str]:
    opts = [f'train_cfg.max_iters={iters}', f'train_cfg.val_interval={iters + 1}',
            f'default_hooks.checkpoint.interval={iters}', 'default_hooks.logger.interval=50']
    splits = ('train', 'val', 'test')
    for split in splits:
        opts.append(f'{split}_dataloader.dataset.data_root={data_root}')
    if image_size != 96:
        cfg = Config.fromfile(config)
        for split in splits:
            pipeline = cfg[f'{split}_dataloader']['dataset']['pipeline']
            index = [step['type'] for step in pipeline].index('ClipResize')
            opts.append(f'{split}_dataloader.dataset.pipeline.{index}.scale='
                        f"'({image_size},{image_size})'")
    if iters < 100:   # the schedule's warm-up would outlast the run
        opts.append('param_scheduler=None')
    else:  # the polynomial decay (schedule_synthetic.py) ends with the run, whatever its length
        opts.append(f'param_scheduler.1.end={iters}')
    return opts


def run_experiment(exp: Experiment, seed: int, args: argparse.Namespace,
                   setting: dict) -> Optional[dict]:
    """Train one model and test it (and its perturbed-audio variants); cached on disk.
    With ``--summarise-only``, None for a run that has not finished."""
    work = osp.join(args.out_dir, 'runs', exp.dataset, exp.name.replace(' ', '_'), f'seed{seed}')
    done = osp.join(work, 'metrics.json')
    tests = {'clean': done}
    if exp.dataset == 'ms3':
        tests.update({p: osp.join(work, f'metrics_{p}.json') for p in PERTURBATIONS})
    config = osp.join(REPO, 'configs', 'synthetic', exp.config.format('synthetic-' + exp.dataset))
    opts = data_options(config, osp.join(args.out_dir, 'data', exp.dataset),
                        setting['image_size'], setting['iters']) + [
                            f'randomness.seed={seed}', *exp.options]
    if not args.summarise_only:
        _check_run_options(work, opts)
    if not all(osp.isfile(p) for p in tests.values()):
        if args.summarise_only:
            return None
        ckpt = osp.join(work, f"iter_{setting['iters']}.pth")
        timing = osp.join(work, 'train_seconds.json')
        if not osp.isfile(timing):  # trained to the end before: only the tests are missing
            start = time.time()
            _call(['tools/train.py', config, '--work-dir', work, '--cfg-options', *opts], work)
            with open(timing, 'w') as f:
                json.dump(dict(train_seconds=time.time() - start), f)
        for perturb, out in tests.items():
            if osp.isfile(out):
                continue
            extra = [] if perturb == 'clean' else ['--audio-perturb', perturb]
            _call(['tools/test.py', config, ckpt, '--work-dir', work, '--out', out, *extra,
                   '--cfg-options', *opts], work)
    result = dict(exp._asdict(), seed=seed)
    for perturb, path in tests.items():
        with open(path) as f:
            result['metrics' if perturb == 'clean' else f'metrics_{perturb}'] = json.load(f)
    print(f'done: {exp.dataset} {exp.name} seed {seed}: '
          f"J&F {result['metrics']['J&F']:.1f}", flush=True)
    return result


def _check_run_options(work: str, opts: List[str]) -> None:
    """Record a run's ``--cfg-options`` in its folder, and refuse to reuse (or complete) a run
    made with other ones: its cached numbers would answer another question."""
    record = osp.join(work, 'cfg_options.json')
    if osp.isfile(record):
        with open(record) as f:
            made = json.load(f)
        if made != opts:
            raise ValueError(f'{work} was made with other options '
                             f'({sorted(set(made) ^ set(opts))}): use another --out-dir')
    elif osp.isdir(work):
        raise ValueError(f'{work} records no options (made by an older version of this '
                         'script): use another --out-dir')
    else:
        os.makedirs(work)
        with open(record, 'w') as f:
            json.dump(opts, f, indent=1)


def _call(argv: List[str], work: str) -> None:
    os.makedirs(work, exist_ok=True)
    with open(osp.join(work, 'log.txt'), 'a') as log:
        res = subprocess.run([sys.executable, *argv], cwd=REPO, stdout=log,
                             stderr=subprocess.STDOUT, env=dict(os.environ, PYTHONUNBUFFERED='1'))
    if res.returncode:
        raise RuntimeError(f'{argv[0]} failed (exit {res.returncode}); see '
                           f"{osp.join(work, 'log.txt')}")


def reference_results(out_dir: str) -> List[dict]:
    """The trivial predictors (every visible object; nothing) on the binary test split, as
    result entries of the study ``reference``: what a score means. Cached in ``out_dir``."""
    cache = osp.join(out_dir, 'runs', 'ms3', 'reference.json')
    if not osp.isfile(cache):
        from mmengine.config import Config
        from mmengine.registry import init_default_scope

        from mmseg_avs.datasets import AVSBenchMS3Dataset
        from mmseg_avs.evaluation import TRIVIAL_PREDICTORS, score_trivial
        init_default_scope('mmseg')  # the pipeline's transforms are in MMSeg's registry
        pipeline = Config.fromfile(
            osp.join(REPO, 'configs', '_base_', 'datasets', 'synthetic_ms3.py')).test_pipeline
        dataset = AVSBenchMS3Dataset(osp.join(out_dir, 'data', 'ms3'), split='test',
                                     pipeline=pipeline)
        entries = [dict(study='reference', dataset='ms3', name=f'{name} (no model)',
                        config='', options=[], seed=None,
                        metrics=score_trivial(dataset, predict))
                   for name, predict in TRIVIAL_PREDICTORS.items()]
        os.makedirs(osp.dirname(cache), exist_ok=True)
        with open(cache, 'w') as f:
            json.dump(entries, f)
    with open(cache) as f:
        return json.load(f)


def _check_data(root: str, preset: str, image_size: int) -> None:
    """Refuse to reuse a data set generated with another preset or frame size: the runs cached
    under the same output folder would silently mix two benchmarks."""
    with open(osp.join(root, 'synthetic_config.json')) as f:
        made = json.load(f)
    if (made['preset'], made['image_size']) != (preset, image_size):
        raise ValueError(f"{root} holds preset {made['preset']!r} at {made['image_size']} px, "
                         f'not {preset!r} at {image_size} px: use another --out-dir')


def summarise(results: List[dict]) -> Dict[str, dict]:
    """Mean and sample standard deviation over seeds of every metric, per experiment."""
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


def _cell(entry: dict, key: str) -> str:
    stat = entry['stats'].get(key)
    if stat is None or np.isnan(stat['mean']):
        return '–'
    return f"{stat['mean']:.1f} ± {stat['std']:.1f}" if stat['n'] > 1 else f"{stat['mean']:.1f}"


def _seeds(entry: dict) -> str:
    return '–' if entry['study'] == 'reference' else ','.join(map(str, sorted(entry['seeds'])))


def markdown_tables(summary: Dict[str, dict]) -> str:
    entries = list(summary.values())
    lines = []
    for dataset, title in (('ms3', 'binary (MS3 layout)'), ('avss', 'semantic (AVSS layout)')):
        rows = [e for e in entries if e['dataset'] == dataset]
        if not rows:
            continue
        lines += [f'**Synthetic {title}**, test split, dataset protocol, mean ± sample std '
                  'over the seeds listed' + ('; `reference` rows are trivial predictors scored '
                                             'by the same metric, no model'
                                             if dataset == 'ms3' else '')
                  + '; empty: share of frames predicted empty (%), 100 for a run that '
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
    return '\n'.join(lines)


def plot(summary: Dict[str, dict], path: str) -> None:
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


def update_readme(readme: str, table: str, command: str, block: str) -> None:
    """Replace what stands between ``<!-- {block}:start -->`` and ``<!-- {block}:end -->``."""
    start, end = f'<!-- {block}:start -->', f'<!-- {block}:end -->'
    with open(readme) as f:
        text = f.read()
    if start not in text or end not in text:
        raise ValueError(f'{readme} has no {start} ... {end} block')
    head, rest = text.split(start, 1)
    tail = rest.split(end, 1)[1]
    with open(readme, 'w') as f:
        f.write(f'{head}{start}\n_Made by `{command}`._\n\n{table}\n{end}{tail}')


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--mode', choices=sorted(MODES), default='full')
    parser.add_argument('--out-dir', required=True)
    parser.add_argument('--studies', nargs='+', default=['ladder', 'ue', 'groups', 'robust'],
                        choices=['ladder', 'ue', 'groups', 'robust'])
    parser.add_argument('--datasets', nargs='+', default=['ms3', 'avss'], choices=['ms3', 'avss'])
    parser.add_argument('--models', nargs='+', help='only the models of these names')
    parser.add_argument('--seeds', nargs='+', type=int, help="default: the mode's")
    parser.add_argument('--preset', default='hard', choices=['easy', 'hard'],
                        help='synthetic data preset (default: hard, the one with hard cases)')
    parser.add_argument('--iters', type=int, help="training iterations (default: the mode's)")
    parser.add_argument('--jobs', type=int, default=1, help='runs at once')
    parser.add_argument('--readme', help='write the tables into this README')
    parser.add_argument('--readme-block', default='synthetic-benchmark',
                        help='the README block NAME, between <!-- NAME:start --> and '
                        '<!-- NAME:end -->')
    parser.add_argument('--summarise-only', action='store_true',
                        help='report the finished runs only; train nothing')
    return parser.parse_args(argv)


def main(argv=None) -> Dict[str, dict]:
    args = parse_args(argv)
    setting = dict(MODES[args.mode])
    if args.iters:
        setting['iters'] = args.iters
    seeds = args.seeds or setting['seeds']
    for dataset in args.datasets:
        root = osp.join(args.out_dir, 'data', dataset)
        if not osp.isdir(root):
            generate_synthetic_avs(root, layout=dataset, preset=args.preset, seed=0,
                                   image_size=setting['image_size'],
                                   num_clips=setting['num_clips'])
        _check_data(root, args.preset, setting['image_size'])
    # seed-major order: if the benchmark is stopped early, every model has the same seeds done
    todo = [(e, s) for s in seeds for e in experiments(args.studies)
            if e.dataset in args.datasets and (not args.models or e.name in args.models)]
    print(f'{len(todo)} runs, {args.jobs} at a time', flush=True)
    with ThreadPoolExecutor(args.jobs) as pool:
        results = [r for r in pool.map(lambda job: run_experiment(*job, args, setting), todo)
                   if r is not None]
    if 'ms3' in args.datasets:
        results += reference_results(args.out_dir)
    summary = summarise(results)
    table = markdown_tables(summary)
    with open(osp.join(args.out_dir, 'results.json'), 'w') as f:
        json.dump(dict(mode=args.mode, preset=args.preset, runs=results, summary=summary), f,
                  indent=1)
    with open(osp.join(args.out_dir, 'results.md'), 'w') as f:
        f.write(table)
    plot(summary, osp.join(args.out_dir, 'results.png'))
    if args.readme:
        update_readme(args.readme, table, 'python tools/analysis/run_synthetic_benchmark.py '
                      + shlex.join(argv if argv is not None else sys.argv[1:]), args.readme_block)
    print(table)
    return summary


if __name__ == '__main__':
    main()
