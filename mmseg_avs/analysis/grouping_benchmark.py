"""``dpc_knn_group`` against its floor: one ``torch.cdist`` plus one ``topk``.

Every (case, method) runs in its own subprocess so that its peak memory can be read as the
increase of the peak resident set size (``resource.getrusage(...).ru_maxrss``) over the
baseline taken just before the first call (input already allocated). Times are medians over
the repeated calls after that first call.

Methods:
    ``floor_mm``: ``torch.cdist`` (default compute mode, matmul formula) + ``topk(k + 1)``.
    ``floor_exact``: the same with ``compute_mode='donot_use_mm_for_euclid_dist'``, the exact
        distance formula whose partition ``dpc_knn_group`` gives (it computes that formula
        only for the few pairs per token that the matmul formula's error bound cannot
        decide).
    ``dpc_knn``: ``dpc_knn_group`` with its default chunking.

Torch and the model code are imported inside the functions: a worker's memory baseline holds
no more than it needs. The command line is ``tools/analysis/bench_grouping.py``.
"""
import json
import os
import os.path as osp
import resource
import statistics
import subprocess
import sys
import time
from typing import Callable, Dict, List, Mapping, Optional, Sequence

from .repository import REPO

METHODS = ('floor_mm', 'floor_exact', 'dpc_knn')
DEFAULT_REPEATS = 5
DEFAULT_CHANNELS = 64
DEFAULT_NUM_GROUPS = 14
DEFAULT_K = 5
# a worker process: ``python -c WORKER METHOD FRAMES TOKENS REPEATS CHANNELS GROUPS K THREADS``
WORKER = ('import sys; from mmseg_avs.analysis.grouping_benchmark import run_worker; '
          'run_worker(sys.argv[1:])')


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def time_grouping(method: str, frames: int, tokens: int, repeats: int, channels: int,
                  num_groups: int, k: int, threads: Optional[int] = None) -> Dict[str, float]:
    """Time one method on one case in this process (run it in a fresh one: the peak is the
    process's).

    Args:
        method (str): One of :data:`METHODS`.
        frames (int): B*T, the images grouped at once.
        tokens (int): Tokens per image (N).
        repeats (int): Timed calls after the first (untimed) one.
        channels (int): Token channels (C).
        num_groups (int): Groups (P) of ``dpc_knn_group``.
        k (int): Neighbours of the density.
        threads (int, optional): torch threads; None keeps torch's default.

    Returns:
        dict: ``median_s`` of the timed calls and ``peak_mib`` of the first call.
    """
    import torch

    from ..models.ama import dpc_knn_group

    if threads:
        torch.set_num_threads(threads)
    x = torch.randn(frames, tokens, channels, generator=torch.Generator().manual_seed(0))

    def call() -> None:
        if method == 'dpc_knn':
            dpc_knn_group(x, num_groups, k=k)
        else:
            mode = ('use_mm_for_euclid_dist_if_necessary'
                    if method == 'floor_mm' else 'donot_use_mm_for_euclid_dist')
            torch.cdist(x, x, compute_mode=mode).topk(k + 1, dim=-1, largest=False)

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
    return {'median_s': statistics.median(times), 'peak_mib': peak}


def run_worker(argv: Sequence[str]) -> None:
    """A worker process's body: :func:`time_grouping`, printed as one JSON line.

    Args:
        argv (Sequence[str]): METHOD FRAMES TOKENS REPEATS CHANNELS GROUPS K THREADS (0: torch's
            default).
    """
    method, (frames, tokens, repeats, channels, num_groups, k, threads) = \
        argv[0], map(int, argv[1:])
    print(json.dumps(time_grouping(method, frames, tokens, repeats, channels, num_groups, k,
                                   threads or None)))


def run_grouping_cases(frames_list: Sequence[int], tokens_list: Sequence[int], repeats: int,
                       channels: int = DEFAULT_CHANNELS, num_groups: int = DEFAULT_NUM_GROUPS,
                       k: int = DEFAULT_K, threads: Optional[int] = None,
                       env: Optional[Mapping[str, str]] = None,
                       progress: Optional[Callable[[str], None]] = None) -> List[dict]:
    """Every method on every (B*T, N) case, one worker process each.

    Args:
        frames_list (Sequence[int]): The B*T values.
        tokens_list (Sequence[int]): The N values.
        repeats (int): Timed calls per case.
        channels (int): Token channels (C). Defaults to 64.
        num_groups (int): Groups (P). Defaults to 14.
        k (int): Neighbours of the density. Defaults to 5.
        threads (int, optional): torch threads per worker; None keeps torch's default.
        env (Mapping[str, str], optional): The workers' environment (default: this process's);
            the repository is put first on their ``PYTHONPATH``.
        progress (Callable[[str], None], optional): Told of each finished case.

    Returns:
        list[dict]: Per case, each method's result and the ratios of ``dpc_knn`` to the floors.
    """
    env = dict(os.environ if env is None else env)
    env['PYTHONPATH'] = os.pathsep.join([REPO, env.get('PYTHONPATH', '')])
    results = []
    for frames in frames_list:
        for tokens in tokens_list:
            row = {'frames': frames, 'tokens': tokens}
            for method in METHODS:
                cmd = [sys.executable, '-c', WORKER, method,
                       *map(str, (frames, tokens, repeats, channels, num_groups, k,
                                  threads or 0))]
                out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env)
                row[method] = json.loads(out.stdout.strip().splitlines()[-1])
            row['ratio_mm'] = row['dpc_knn']['median_s'] / row['floor_mm']['median_s']
            row['ratio_exact'] = row['dpc_knn']['median_s'] / row['floor_exact']['median_s']
            results.append(row)
            if progress is not None:
                progress(f'done B*T={frames} N={tokens}')
    return results


def grouping_meta(threads: Optional[int], channels: int, num_groups: int, k: int,
                  repeats: int, quick: bool) -> dict:
    """The settings of a run, as its report records them.

    Args:
        threads (int, optional): torch threads per worker; None: this process's count.
        channels (int): Token channels (C).
        num_groups (int): Groups (P).
        k (int): Neighbours of the density.
        repeats (int): Timed calls per case.
        quick (bool): Whether it was the quick run.

    Returns:
        dict: The run's settings and versions.
    """
    import torch
    return {'torch': torch.__version__, 'threads': threads or torch.get_num_threads(),
            'device': 'cpu',
            'channels': channels, 'num_groups': num_groups, 'k': k,
            'repeats': repeats, 'quick': quick,
            'memory': 'peak RSS increase over the pre-call baseline, one subprocess per cell'}


def grouping_header(meta: dict) -> str:
    """One line: versions and settings (what :func:`grouping_meta` returns)."""
    return (f"torch {meta['torch']}, CPU, {meta['threads']} threads, C={meta['channels']}, "
            f"P={meta['num_groups']}, k={meta['k']}, median of {meta['repeats']}")


def grouping_table(results: List[dict]) -> str:
    """The results of :func:`run_grouping_cases` as a markdown table."""
    lines = ['| B*T | N | floor mm (s) | floor exact (s) | dpc_knn (s) | ratio vs mm | '
             'ratio vs exact | peak MiB floor mm / exact / dpc |',
             '|---|---|---|---|---|---|---|---|']
    for r in results:
        lines.append(
            f"| {r['frames']} | {r['tokens']} | {r['floor_mm']['median_s']:.3f} | "
            f"{r['floor_exact']['median_s']:.3f} | {r['dpc_knn']['median_s']:.3f} | "
            f"{r['ratio_mm']:.2f} | {r['ratio_exact']:.2f} | "
            f"{r['floor_mm']['peak_mib']:.0f} / {r['floor_exact']['peak_mib']:.0f} / "
            f"{r['dpc_knn']['peak_mib']:.0f} |")
    return '\n'.join(lines)


def save_grouping_report(path: str, meta: dict, results: List[dict]) -> None:
    """``{'meta': meta, 'results': results}`` as JSON at ``path`` (folders made).

    Args:
        path (str): The JSON file.
        meta (dict): What :func:`grouping_meta` returns.
        results (list[dict]): What :func:`run_grouping_cases` returns.
    """
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    with open(path, 'w') as f:
        json.dump({'meta': meta, 'results': results}, f, indent=2)


def measure_grouping(frames: int, size: int, quick: bool, threads: Optional[int],
                     out_dir: str) -> dict:
    """The grouping section of the Baseline vs RAVS benchmark: B*T = ``frames`` images with the
    token counts of the AMA stages (strides 16, 8, 4) at ``size`` (quick: one timed call,
    B*T = 10, the smallest count only), saved to ``out_dir/bench_grouping.json``.

    Args:
        frames (int): B*T of the cases (not quick).
        size (int): Square frame side.
        quick (bool): The tiny run.
        threads (int, optional): ``OMP_NUM_THREADS`` of the workers; None: unchanged.
        out_dir (str): Where the JSON goes.

    Returns:
        dict: ``meta``, ``results``, the markdown ``table`` and its ``header`` line.
    """
    tokens = [(size // stride)**2 for stride in (16, 8, 4)]
    if quick:
        frames_list, tokens_list, repeats = [10], tokens[:1], 1
    else:
        frames_list, tokens_list, repeats = [frames], tokens, DEFAULT_REPEATS
    env = dict(os.environ, **({'OMP_NUM_THREADS': str(threads)} if threads else {}))
    results = run_grouping_cases(frames_list, tokens_list, repeats, env=env)
    meta = grouping_meta(None, DEFAULT_CHANNELS, DEFAULT_NUM_GROUPS, DEFAULT_K, repeats, quick)
    save_grouping_report(osp.join(out_dir, 'bench_grouping.json'), meta, results)
    return dict(meta=meta, results=results, table=grouping_table(results),
                header=grouping_header(meta))
