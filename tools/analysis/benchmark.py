"""Speed, memory, FLOPs and evaluation-time benchmark of the Baseline and RAVS (issue 6).

Sections (``--sections``, all by default), each written to ``benchmark.json`` and
``benchmark.md`` in ``--out-dir`` and printed:

- ``speed``: train-step time (forward + backward + AdamW step), inference time per frame
  (``mode='predict'`` under ``no_grad``) and peak memory of the Baseline
  (``configs/_base_/models/avs_baseline_mitb5.py``) and RAVS (``ravs_mitb5.py``) with the same
  backbone, and their ratios RAVS / Baseline. Each model lives in its own spawned process; the
  parent drives the two in alternation (A B, B A, A B, ...), so a shared machine's load
  drifts hit both alike, and each process's peak memory is its own. Weights are random
  (``pretrained=None``, no ``init_cfg``): timing does not depend on them.
- ``metric``: ``AVSMetric(protocol='avsbench')`` against a plain per-threshold loop written
  from the published definition, on random logits; both must give the same J and F.
- ``grouping``: the DPC-KNN scaling table of ``tools/analysis/bench_grouping.py`` at the
  token counts of the AMA stages and the largest B*T of the speed cases.
- ``complexity``: parameters and FLOPs per part (visual backbone, audio encoder, fusion / AMA
  blocks, decode head) of both models, FLOPs from ``mmengine.analysis.FlopAnalyzer``.

Peak memory is the peak above the process's memory with the inputs allocated and no model
built, so it holds weights, gradients, AdamW state and activations (training) or weights and
activations (inference). CUDA: ``torch.cuda.max_memory_allocated``. CPU: peak resident set
size (``VmHWM``, reset through ``/proc/self/clear_refs`` after ``malloc_trim``), Linux only.

Examples::

    python tools/analysis/benchmark.py --quick --out-dir work_dirs/benchmark_quick
    python tools/analysis/benchmark.py --threads 1 --steps 2 --out-dir work_dirs/benchmark_cpu
    python tools/analysis/benchmark.py --device cuda --backbones mit-b5 --frames 5 10 \\
        --batch 2 4 --amp both --out-dir work_dirs/benchmark_cuda
"""
import argparse
import itertools
import json
import os
import os.path as osp
import sys
import time

import torch
from mmseg.utils import register_all_modules

from mmseg_avs.analysis.benchmark_models import BACKBONES, MODEL_CONFIGS
from mmseg_avs.analysis.benchmark_report import benchmark_meta, render_markdown
from mmseg_avs.analysis.complexity_benchmark import measure_complexity
from mmseg_avs.analysis.grouping_benchmark import measure_grouping
from mmseg_avs.analysis.metric_benchmark import measure_metric
from mmseg_avs.analysis.speed_benchmark import AMP_DTYPE, measure_speed

SECTIONS = ('speed', 'metric', 'grouping', 'complexity')
QUICK = dict(backbones=['mit-b0'], size=64, frames=[2], batch=[1], steps=2, warmup=1)
METRIC_CLIPS = {'quick': 4, 'full': 50}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Benchmark the Baseline and RAVS models')
    parser.add_argument('--device', choices=['cpu', 'cuda'], default='cpu')
    parser.add_argument('--amp', choices=['off', 'on', 'both'], default='off',
                        help=f'torch.autocast with {AMP_DTYPE}; "both" measures with and '
                        'without')
    parser.add_argument('--backbones', nargs='+', choices=list(BACKBONES),
                        default=['mit-b0', 'mit-b5'])
    parser.add_argument('--frames', type=int, nargs='+', default=[5, 10],
                        help='frames per clip (T)')
    parser.add_argument('--batch', type=int, nargs='+', default=[1], help='clips per batch')
    parser.add_argument('--size', type=int, default=224, help='square frame side')
    parser.add_argument('--steps', type=int, default=3, help='timed steps per model and case')
    parser.add_argument('--warmup', type=int, default=1, help='untimed steps before them')
    parser.add_argument('--threads', type=int,
                        help="torch CPU threads in every process (default: torch's own); 1 "
                        'gives steadier numbers on a loaded machine')
    parser.add_argument('--sections', nargs='+', choices=SECTIONS, default=list(SECTIONS))
    parser.add_argument('--quick', action='store_true',
                        help='tiny CI-sized run: '
                        + ', '.join(f'{k}={v}' for k, v in QUICK.items()))
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--out-dir', default='work_dirs/benchmark')
    args = parser.parse_args()
    if args.quick:
        vars(args).update(QUICK)
    if args.steps < 1 or args.warmup < 0:
        parser.error('--steps must be >= 1 and --warmup >= 0')
    return args


def main() -> None:
    args = parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    register_all_modules(init_default_scope=True)
    if args.threads:
        torch.set_num_threads(args.threads)

    def log(message: str) -> None:
        print(f'[{time.strftime("%H:%M:%S")}] {message}', file=sys.stderr, flush=True)

    report: dict = dict(meta=benchmark_meta(args.device, args.steps, args.warmup, vars(args)))
    if 'speed' in args.sections:
        amps = {'off': [False], 'on': [True], 'both': [False, True]}[args.amp]
        report['speed'] = []
        cases = itertools.product(args.backbones, args.frames, args.batch, amps)
        for backbone, frames, batch, amp in cases:
            log(f'speed: {backbone} T={frames} clips={batch} amp={amp}')
            report['speed'].append(measure_speed(
                backbone, frames, batch, amp, size=args.size, device=args.device,
                seed=args.seed, warmup=args.warmup, steps=args.steps, threads=args.threads))
    if 'metric' in args.sections:
        log('metric')
        report['metric'] = measure_metric(
            METRIC_CLIPS['quick' if args.quick else 'full'], args.size, args.seed)
    if 'grouping' in args.sections:
        log('grouping')
        # the largest batch of frames the speed cases group
        report['grouping'] = measure_grouping(max(args.batch) * max(args.frames), args.size,
                                              args.quick, args.threads, args.out_dir)
    if 'complexity' in args.sections:
        report['complexity'] = []
        for backbone, model in itertools.product(args.backbones, MODEL_CONFIGS):
            log(f'complexity: {model} {backbone}')
            report['complexity'].append(measure_complexity(
                model, backbone, min(args.frames), args.size, args.device, args.seed))
    markdown = render_markdown(report)
    with open(osp.join(args.out_dir, 'benchmark.json'), 'w') as f:
        json.dump(report, f, indent=2)
    with open(osp.join(args.out_dir, 'benchmark.md'), 'w') as f:
        f.write(markdown)
    print(markdown)
    log(f'wrote {args.out_dir}/benchmark.json and benchmark.md')


if __name__ == '__main__':
    main()
