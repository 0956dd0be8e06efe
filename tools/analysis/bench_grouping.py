"""Benchmark ``dpc_knn_group`` against its floor: one ``torch.cdist`` plus one ``topk``.

The methods and how time and peak memory are measured (one subprocess per case and method)
are described in :mod:`mmseg_avs.analysis.grouping_benchmark`.

Example::

    python tools/analysis/bench_grouping.py --quick --out work_dirs/bench_grouping.json
"""
import argparse
import sys

from mmseg_avs.analysis.grouping_benchmark import (DEFAULT_CHANNELS, DEFAULT_K, DEFAULT_NUM_GROUPS,
                                                   DEFAULT_REPEATS, grouping_header, grouping_meta,
                                                   grouping_table, run_grouping_cases,
                                                   save_grouping_report)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Benchmark DPC-KNN token grouping')
    parser.add_argument('--repeats', type=int, default=DEFAULT_REPEATS,
                        help='timed calls per case')
    parser.add_argument('--quick', action='store_true',
                        help='one timed call per case and only B*T = 10')
    parser.add_argument('--tokens', type=int, nargs='+', default=[196, 784, 3136])
    parser.add_argument('--frames', type=int, nargs='+', default=[10, 40], help='B*T values')
    parser.add_argument('--channels', type=int, default=DEFAULT_CHANNELS)
    parser.add_argument('--num-groups', type=int, default=DEFAULT_NUM_GROUPS)
    parser.add_argument('--threads', type=int, default=None,
                        help='torch threads per worker (default: torch\'s); 1 gives steadier '
                             'times on a machine shared with other jobs')
    parser.add_argument('-k', type=int, default=DEFAULT_K)
    parser.add_argument('--out', default='work_dirs/bench_grouping.json')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    repeats = 1 if args.quick else args.repeats
    frames_list = [10] if args.quick else args.frames
    results = run_grouping_cases(frames_list, args.tokens, repeats, args.channels,
                                 args.num_groups, args.k, args.threads,
                                 progress=lambda line: print(line, file=sys.stderr))
    meta = grouping_meta(args.threads, args.channels, args.num_groups, args.k, repeats,
                         args.quick)
    print(grouping_header(meta) + '\n')
    print(grouping_table(results))
    save_grouping_report(args.out, meta, results)
    print(f'\nwrote {args.out}')


if __name__ == '__main__':
    main()
