"""Train and evaluate the ablations of the paper on the synthetic data set, several seeds each.

    python tools/analysis/run_synthetic_benchmark.py --mode full --out-dir DIR [--jobs N]
        [--seeds 0 1 2] [--studies ladder ue floor groups robust] [--models NAME ...]
        [--doc docs/results/synthetic_benchmark.md [--doc-block NAME]]
    python tools/analysis/run_synthetic_benchmark.py --mode quick --out-dir DIR   # CI-sized
    python tools/analysis/run_synthetic_benchmark.py --mode cpu --out-dir DIR     # 1 seed, 64²

Studies: ``ladder`` (paper Table 3: Baseline, +GTF, +SGSM, +SGSM+CST, +AMA+UE = RAVS) on the
binary (MS3 layout) and semantic (AVSS layout) sets; ``ue`` (UE head without AMA, fusion
'attenuate' and 'paper', and 'attenuate' with one part off: the temporal attention, the
evidential loss, the fusion itself; then all three off; next to the Baseline); ``floor`` (the
Baseline trained and tested with its audio zeroed: the learned visual-only floor); ``groups``
(paper Table 4: RAVS with groups [28,14,5], [14,7,5], [10,7,5], [5,5,5], binary set);
``robust`` (not in the paper: RAVS trained with ``ClipRandomSilence``, a tenth of the clips
silent with empty masks, both sets). Every trained model is tested on the test split (dataset
protocol) and, for the binary set, again with its audio replaced
(``tools/test.py --audio-perturb silence|noise|shuffle``). Beside the models, the reference
predictors (every object, nothing, cue only, class heard, class heard with twins broken by
the halo, instance heard; :mod:`mmseg_avs.analysis.reference_predictors`) are scored on each
test split, and an audio-only probe (:mod:`mmseg_avs.analysis.audio_probe`) says how well
the audio encoder can hear the binary set's classes and twins.

Each run is ``tools/train.py`` then ``tools/test.py`` in subprocesses (``--jobs`` at once, each
with its share of the CPU threads; on a GPU machine they share the GPU) and leaves
``runs/<dataset>/<name>/seed<k>/metrics*.json``; runs already finished are not repeated, so a
killed benchmark resumes. The report is ``results.json`` (every run, plus mean and sample
standard deviation over seeds), ``results.md`` (the tables) and ``results.png`` (J&F per case
tag); ``--doc FILE`` replaces the block between ``<!-- NAME:start -->`` and
``<!-- NAME:end -->`` of that markdown file (``--doc-block NAME``, default
``synthetic-benchmark``) with the tables and this command.
"""
import argparse
import json
import os
import os.path as osp
import shlex
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, List, Optional

from mmseg_avs.analysis.synthetic_experiments import (MODES, PERTURBATIONS, Experiment,
                                                      check_run_options, check_synthetic_data,
                                                      data_options, experiments)
from mmseg_avs.analysis.synthetic_reference import probe_results, reference_results
from mmseg_avs.analysis.synthetic_report import markdown_tables, plot, update_markdown_block
from mmseg_avs.analysis.synthetic_summary import summarise
from mmseg_avs.datasets.synthetic import generate_synthetic_avs

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


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
        check_run_options(work, opts)
    if not all(osp.isfile(p) for p in tests.values()):
        if args.summarise_only:
            return None
        ckpt = osp.join(work, f"iter_{setting['iters']}.pth")
        timing = osp.join(work, 'train_seconds.json')
        if not osp.isfile(timing):  # trained to the end before: only the tests are missing
            start = time.time()
            _call(['tools/train.py', config, '--work-dir', work, '--cfg-options', *opts], work,
                  args.jobs)
            with open(timing, 'w') as f:
                json.dump(dict(train_seconds=time.time() - start), f)
        for perturb, out in tests.items():
            if osp.isfile(out):
                continue
            extra = [] if perturb == 'clean' else ['--audio-perturb', perturb]
            # each test in a folder of its own: the config it dumps must not replace the
            # training config in the run's folder
            _call(['tools/test.py', config, ckpt, '--work-dir', osp.join(work, f'test_{perturb}'),
                   '--out', out, *extra, '--cfg-options', *opts], work, args.jobs)
    result = dict(exp._asdict(), seed=seed)
    for perturb, path in tests.items():
        with open(path) as f:
            result['metrics' if perturb == 'clean' else f'metrics_{perturb}'] = json.load(f)
    print(f'done: {exp.dataset} {exp.name} seed {seed}: '
          f"J&F {result['metrics']['J&F']:.1f}", flush=True)
    return result


def _call(argv: List[str], work: str, jobs: int) -> None:
    os.makedirs(work, exist_ok=True)
    # one share of the cores per run (unless OMP_NUM_THREADS is set): runs that each take
    # every core slow one another down
    threads = os.environ.get('OMP_NUM_THREADS', str(max(1, (os.cpu_count() or 1) // jobs)))
    with open(osp.join(work, 'log.txt'), 'a') as log:
        res = subprocess.run([sys.executable, *argv], cwd=REPO, stdout=log,
                             stderr=subprocess.STDOUT,
                             env=dict(os.environ, PYTHONUNBUFFERED='1', OMP_NUM_THREADS=threads))
    if res.returncode:
        raise RuntimeError(f'{argv[0]} failed (exit {res.returncode}); see '
                           f"{osp.join(work, 'log.txt')}")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--mode', choices=sorted(MODES), default='full')
    parser.add_argument('--out-dir', required=True)
    parser.add_argument('--studies', nargs='+',
                        default=['ladder', 'ue', 'floor', 'groups', 'robust'],
                        choices=['ladder', 'ue', 'floor', 'groups', 'robust'])
    parser.add_argument('--datasets', nargs='+', default=['ms3', 'avss'], choices=['ms3', 'avss'])
    parser.add_argument('--models', nargs='+', help='only the models of these names')
    parser.add_argument('--seeds', nargs='+', type=int, help="default: the mode's")
    parser.add_argument('--preset', default='hard', choices=['easy', 'hard'],
                        help='synthetic data preset (default: hard, the one with hard cases)')
    parser.add_argument('--iters', type=int, help="training iterations (default: the mode's)")
    parser.add_argument('--jobs', type=int, default=1, help='runs at once')
    parser.add_argument('--doc', metavar='FILE',
                        help='write the tables into this markdown file (e.g. '
                        'docs/results/synthetic_benchmark.md)')
    parser.add_argument('--doc-block', metavar='NAME', default='synthetic-benchmark',
                        help='the block of --doc to replace, between <!-- NAME:start --> and '
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
        check_synthetic_data(root, args.preset, setting['image_size'])
    # seed-major order: if the benchmark is stopped early, every model has the same seeds done
    todo = [(e, s) for s in seeds for e in experiments(args.studies)
            if e.dataset in args.datasets and (not args.models or e.name in args.models)]
    print(f'{len(todo)} runs, {args.jobs} at a time', flush=True)
    with ThreadPoolExecutor(args.jobs) as pool:
        results = [r for r in pool.map(lambda job: run_experiment(*job, args, setting), todo)
                   if r is not None]
    for dataset in args.datasets:
        results += reference_results(args.out_dir, dataset)
    probe = (probe_results(args.out_dir, setting['probe_steps']) if 'ms3' in args.datasets
             else None)
    summary = summarise(results)
    table = markdown_tables(summary, probe)
    with open(osp.join(args.out_dir, 'results.json'), 'w') as f:
        json.dump(dict(mode=args.mode, preset=args.preset, runs=results, summary=summary,
                       audio_probe=probe), f, indent=1)
    with open(osp.join(args.out_dir, 'results.md'), 'w') as f:
        f.write(table)
    plot(summary, osp.join(args.out_dir, 'results.png'))
    if args.doc:
        update_markdown_block(args.doc, table, 'python tools/analysis/run_synthetic_benchmark.py '
                              + shlex.join(argv if argv is not None else sys.argv[1:]),
                              args.doc_block)
    print(table)
    return summary


if __name__ == '__main__':
    main()
