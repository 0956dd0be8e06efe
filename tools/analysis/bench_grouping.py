"""Benchmark ``dpc_knn_group`` against its floor: one ``torch.cdist`` plus one ``topk``.

Every (case, method) runs in its own subprocess so that its peak memory can be read as the
increase of the peak resident set size (``resource.getrusage(...).ru_maxrss``) over the
baseline taken just before the first call (input already allocated). Times are medians over
``--repeats`` calls after that first call.

Methods:
    ``floor_mm``: ``torch.cdist`` (default compute mode, matmul formula) + ``topk(k + 1)``.
    ``floor_exact``: the same with ``compute_mode='donot_use_mm_for_euclid_dist'``, the exact
        distance formula whose partition ``dpc_knn_group`` gives (it computes that formula
        only for the few pairs per token that the matmul formula's error bound cannot
        decide).
    ``dpc_knn``: ``dpc_knn_group`` with its default chunking.

Example::

    python tools/analysis/bench_grouping.py --quick --out work_dirs/bench_grouping.json
"""
import argparse
import json
import os
import os.path as osp
import resource
import statistics
import subprocess
import sys
import time

METHODS = ('floor_mm', 'floor_exact', 'dpc_knn')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Benchmark DPC-KNN token grouping')
    parser.add_argument('--repeats', type=int, default=5, help='timed calls per case')
    parser.add_argument('--quick', action='store_true',
                        help='one timed call per case and only B*T = 10')
    parser.add_argument('--tokens', type=int, nargs='+', default=[196, 784, 3136])
    parser.add_argument('--frames', type=int, nargs='+', default=[10, 40], help='B*T values')
    parser.add_argument('--channels', type=int, default=64)
    parser.add_argument('--num-groups', type=int, default=14)
    parser.add_argument('--threads', type=int, default=None,
                        help='torch threads per worker (default: torch\'s); 1 gives steadier '
                             'times on a machine shared with other jobs')
    parser.add_argument('-k', type=int, default=5)
    parser.add_argument('--out', default='work_dirs/bench_grouping.json')
    parser.add_argument('--worker', nargs=4, metavar=('METHOD', 'FRAMES', 'TOKENS', 'REPEATS'),
                        help=argparse.SUPPRESS)
    return parser.parse_args()


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def run_worker(args: argparse.Namespace) -> None:
    """Time one method on one case and print a JSON line with the result."""
    import torch

    from mmseg_avs.models.ama import dpc_knn_group

    method, frames, tokens, repeats = args.worker[0], *map(int, args.worker[1:])
    if args.threads:
        torch.set_num_threads(args.threads)
    x = torch.randn(frames, tokens, args.channels, generator=torch.Generator().manual_seed(0))

    def call() -> None:
        if method == 'dpc_knn':
            dpc_knn_group(x, args.num_groups, k=args.k)
        else:
            mode = ('use_mm_for_euclid_dist_if_necessary'
                    if method == 'floor_mm' else 'donot_use_mm_for_euclid_dist')
            torch.cdist(x, x, compute_mode=mode).topk(args.k + 1, dim=-1, largest=False)

    # Load the kernels on a tiny input so that the baseline holds the library pages.
    dpc_knn_group(x[:1, :8], 2)
    torch.cdist(x[:1, :8], x[:1, :8]).topk(2, dim=-1)
    baseline = _peak_rss_mib()
    call()
    peak = _peak_rss_mib() - baseline
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    print(json.dumps({'median_s': statistics.median(times), 'peak_mib': peak}))


def main() -> None:
    args = parse_args()
    if args.worker:
        run_worker(args)
        return
    repeats = 1 if args.quick else args.repeats
    frames_list = [10] if args.quick else args.frames
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))),
         os.environ.get('PYTHONPATH', '')]))
    results = []
    for frames in frames_list:
        for tokens in args.tokens:
            row = {'frames': frames, 'tokens': tokens}
            for method in METHODS:
                cmd = [sys.executable, osp.abspath(__file__), '--channels', str(args.channels),
                       *(['--threads', str(args.threads)] if args.threads else []),
                       '--num-groups', str(args.num_groups), '-k', str(args.k),
                       '--worker', method, str(frames), str(tokens), str(repeats)]
                out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env)
                row[method] = json.loads(out.stdout.strip().splitlines()[-1])
            row['ratio_mm'] = row['dpc_knn']['median_s'] / row['floor_mm']['median_s']
            row['ratio_exact'] = row['dpc_knn']['median_s'] / row['floor_exact']['median_s']
            results.append(row)
            print(f'done B*T={frames} N={tokens}', file=sys.stderr)

    import torch
    meta = {'torch': torch.__version__, 'threads': args.threads or torch.get_num_threads(),
            'device': 'cpu',
            'channels': args.channels, 'num_groups': args.num_groups, 'k': args.k,
            'repeats': repeats, 'quick': args.quick,
            'memory': 'peak RSS increase over the pre-call baseline, one subprocess per cell'}
    print(f"torch {meta['torch']}, CPU, {meta['threads']} threads, C={args.channels}, "
          f'P={args.num_groups}, k={args.k}, median of {repeats}\n')
    print('| B*T | N | floor mm (s) | floor exact (s) | dpc_knn (s) | ratio vs mm | '
          'ratio vs exact | peak MiB floor mm / exact / dpc |')
    print('|---|---|---|---|---|---|---|---|')
    for r in results:
        print(f"| {r['frames']} | {r['tokens']} | {r['floor_mm']['median_s']:.3f} | "
              f"{r['floor_exact']['median_s']:.3f} | {r['dpc_knn']['median_s']:.3f} | "
              f"{r['ratio_mm']:.2f} | {r['ratio_exact']:.2f} | "
              f"{r['floor_mm']['peak_mib']:.0f} / {r['floor_exact']['peak_mib']:.0f} / "
              f"{r['dpc_knn']['peak_mib']:.0f} |")
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    with open(args.out, 'w') as f:
        json.dump({'meta': meta, 'results': results}, f, indent=2)
    print(f'\nwrote {args.out}')


if __name__ == '__main__':
    main()
