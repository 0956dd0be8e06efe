"""The report of the Baseline vs RAVS benchmark (``tools/analysis/benchmark.py``): what ran
where, and the sections' tables as markdown."""
import os
import platform
import time

import mmcv
import mmengine
import mmseg
import torch

from .benchmark_models import MODEL_TITLES
from .speed_benchmark import AMP_DTYPE, MEMORY_METHODS


def benchmark_meta(device: str, steps: int, warmup: int, settings: dict) -> dict:
    """The machine, versions, settings and methods of a benchmark run.

    Args:
        device (str): ``'cpu'`` or ``'cuda'``.
        steps (int): Timed steps per model and case.
        warmup (int): Untimed steps before them.
        settings (dict): The run's settings (its command line's arguments), recorded as given.

    Returns:
        dict: The report's ``meta`` entry.
    """
    if device == 'cuda':
        name = torch.cuda.get_device_name()
    else:
        name = platform.processor() or 'unknown CPU'
        with open('/proc/cpuinfo') as f:
            name = next((line.split(':', 1)[1].strip() for line in f
                         if line.startswith('model name')), name)
    return dict(
        device=device, device_name=name, torch=torch.__version__, mmcv=mmcv.__version__,
        mmengine=mmengine.__version__, mmseg=mmseg.__version__,
        torch_threads=torch.get_num_threads(), cpu_count=os.cpu_count(),
        python=platform.python_version(), settings=settings,
        weights='random (pretrained=None, no init_cfg): timings only',
        amp_dtype=AMP_DTYPE, memory=MEMORY_METHODS[device],
        timing=f'median of {steps} timed step(s) after {warmup} warm-up step(s), '
               'Baseline and RAVS alternated step by step (A B, B A, ...)',
        started=time.strftime('%Y-%m-%d %H:%M:%S'))


def render_markdown(report: dict) -> str:
    """The report's tables as markdown.

    Args:
        report (dict): ``meta`` (:func:`benchmark_meta`) and any of the sections ``speed``,
            ``metric``, ``grouping`` and ``complexity``.

    Returns:
        str: The markdown, a heading per section.
    """
    meta = report['meta']
    lines = [f"# Baseline vs RAVS benchmark ({meta['started']})", '',
             f"{meta['device_name']} ({meta['device']}, torch threads: {meta['torch_threads']}), "
             f"torch {meta['torch']}, mmseg {meta['mmseg']}. Weights: {meta['weights']}.", '']
    if 'speed' in report:
        lines += ['## Speed and memory', '',
                  f"Timing: {meta['timing']}. Train step = forward + backward + AdamW step; "
                  f"inference = `mode='predict'` under no_grad. AMP = torch.autocast "
                  f"{meta['amp_dtype']}. Peak memory: {meta['memory']}.", '',
                  '| backbone | T | clips | size | AMP | train s B / R | ratio | '
                  'infer ms/frame B / R | ratio | train peak MiB B / R | ratio | '
                  'infer peak MiB B / R | ratio |',
                  '|---|---|---|---|---|---|---|---|---|---|---|---|---|']
        for row in report['speed']:
            b, r, q = row['models']['baseline'], row['models']['ravs'], row['ratio']
            lines.append(
                f"| {row['backbone']} | {row['frames']} | {row['batch']} | {row['size']} | "
                f"{'on' if row['amp'] else 'off'} | {b['train_s']:.3f} / {r['train_s']:.3f} | "
                f"{q['train_s']:.2f} | {1e3 * b['infer_s_per_frame']:.1f} / "
                f"{1e3 * r['infer_s_per_frame']:.1f} | {q['infer_s_per_frame']:.2f} | "
                f"{b['train_peak_mib']:.0f} / {r['train_peak_mib']:.0f} | "
                f"{q['train_peak_mib']:.2f} | {b['infer_peak_mib']:.0f} / "
                f"{r['infer_peak_mib']:.0f} | {q['infer_peak_mib']:.2f} |")
        lines.append('')
    if 'metric' in report:
        m = report['metric']
        lines += ['## Metric evaluation time', '',
                  f"`AVSMetric(protocol='avsbench')` vs a per-threshold loop from the published "
                  f"definition, {m['num_clips']} clips x {m['num_frames']} frames at "
                  f"{m['size']}x{m['size']} ({m['empty_truth_frames']} empty-truth frames), "
                  'random 2-channel logits; AVSMetric median of 5, naive once.', '',
                  '| AVSMetric (s) | naive (s) | speed-up | J fast / naive | F fast / naive | '
                  'max abs diff | identical (<= 1e-6) |',
                  '|---|---|---|---|---|---|---|',
                  f"| {m['avsmetric_s']:.3f} | {m['naive_s']:.2f} | {m['speedup']:.0f}x | "
                  f"{m['J']:.6f} / {m['naive_J']:.6f} | {m['F']:.6f} / {m['naive_F']:.6f} | "
                  f"{m['max_abs_diff']:.1e} | {'yes' if m['identical'] else 'NO'} |", '']
    if 'grouping' in report:
        g = report['grouping']
        lines += ['## DPC-KNN grouping (tools/analysis/bench_grouping.py)', '', g['header'], '',
                  g['table'], '']
    if 'complexity' in report:
        parts = ['visual backbone', 'audio encoder', 'fusion / AMA', 'decode head', 'other']
        rows = report['complexity']
        lines += ['## Parameters and FLOPs', '',
                  f"One clip of T={rows[0]['frames']} frames at {rows[0]['size']}x"
                  f"{rows[0]['size']}, `mode='tensor'`, FLOPs from mmengine.analysis."
                  'FlopAnalyzer (one multiply-add = 1 FLOP; scaled_dot_product_attention '
                  'counted as its two matrix products).', '',
                  '| model | ' + ' | '.join(f'{p} M / GFLOPs' for p in parts)
                  + ' | total M / GFLOPs | trainable M |',
                  '|---|' + '---|' * (len(parts) + 2)]
        for c in rows:
            cells = [f"{c['params_m'][p]:.2f} / {c['gflops'][p]:.2f}" for p in parts]
            lines.append(f"| {MODEL_TITLES[c['model']]} {c['backbone']} | " + ' | '.join(cells)
                         + f" | {c['params_m']['total']:.2f} / {c['gflops']['total']:.2f} | "
                         f"{c['params_m']['trainable']:.2f} |")
        lines += ['', 'Not counted by the analyzer (op: calls), e.g. the DPC-KNN grouping\'s '
                  'cdist / topk / sort and element-wise ops:', '']
        for c in rows:
            ops = ', '.join(f'{op[6:]}: {n}' for op, n in c['uncounted_ops'].items())
            lines.append(f"- {MODEL_TITLES[c['model']]} {c['backbone']}: {ops}")
        lines.append('')
    return '\n'.join(lines)
