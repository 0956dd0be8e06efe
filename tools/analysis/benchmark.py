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
import ctypes
import gc
import itertools
import json
import math
import multiprocessing as mp
import os
import os.path as osp
import platform
import statistics
import subprocess
import sys
import time
import traceback
from typing import Dict, List, Optional, Sequence, Tuple

import mmcv
import mmengine
import mmseg
import torch
from mmengine.analysis import FlopAnalyzer
from mmengine.analysis.jit_handles import get_shape
from mmengine.config import Config
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from mmseg.utils import register_all_modules

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, REPO)

from mmseg_avs.evaluation import AVSMetric  # noqa: E402  (also registers mmseg_avs)

MODEL_CONFIGS = {
    'baseline': 'configs/_base_/models/avs_baseline_mitb5.py',
    'ravs': 'configs/_base_/models/ravs_mitb5.py',
}
MODEL_TITLES = {'baseline': 'Baseline', 'ravs': 'RAVS'}
# visual embed dims and depths, and the decode head's input channels, per MiT size
# (MiT-B0 and B5 share heads [1, 2, 5, 8], which the configs already set)
BACKBONES = {
    'mit-b0': dict(embed_dims=32, num_layers=[2, 2, 2, 2], head_in_channels=[32, 64, 160, 256]),
    'mit-b5': dict(embed_dims=64, num_layers=[3, 6, 40, 3], head_in_channels=[64, 128, 320, 512]),
}
SECTIONS = ('speed', 'metric', 'grouping', 'complexity')
QUICK = dict(backbones=['mit-b0'], size=64, frames=[2], batch=[1], steps=2, warmup=1)
METRIC_CLIPS = {'quick': 4, 'full': 50}
METRIC_FRAMES = 5
METRIC_TOLERANCE = 1e-6  # J and F in percent
NUM_THRESHOLDS = 255  # AVSBench's Eval_Fmeasure(pr_num=255)
AMP_DTYPE = 'bfloat16'  # no loss scaler needed, unlike float16
MEMORY_METHODS = {
    'cuda': 'torch.cuda.max_memory_allocated above the allocation before the model was built, '
            'one spawned process per model',
    'cpu': 'peak RSS (VmHWM, reset via /proc/self/clear_refs after malloc_trim) above the RSS '
           'before the model was built, one spawned process per model',
}


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


def build_model(model: str, backbone: str):
    """The Baseline or RAVS model with a MiT-B0 or B5 backbone and random weights."""
    cfg = Config.fromfile(osp.join(REPO, MODEL_CONFIGS[model])).model
    sizes = BACKBONES[backbone]
    cfg.audio_encoder.pretrained = None
    cfg.backbone.visual.update(embed_dims=sizes['embed_dims'], num_layers=sizes['num_layers'],
                               init_cfg=None)
    cfg.decode_head.in_channels = sizes['head_in_channels']
    return MODELS.build(cfg)


def make_batch(num_clips: int, num_frames: int, size: int, device: str, seed: int):
    """Random frames ``[B*T, 3, H, W]``, log-mel audio ``[B, T, 1, 96, 64]`` and per-frame
    samples with a random rectangle as sounding ground truth.

    Returns:
        tuple: inputs, samples for the loss, samples for predict (kept apart because
        ``predict`` writes into its samples), audio.
    """
    gen = torch.Generator().manual_seed(seed)

    def samples() -> list:
        out = []
        for b, t in itertools.product(range(num_clips), range(num_frames)):
            sample = SegDataSample(metainfo=dict(
                img_shape=(size, size), ori_shape=(size, size), pad_shape=(size, size),
                clip_id=f'clip{b}', frame_idx=t, num_frames=num_frames))
            sample.gt_sem_seg = PixelData(data=_random_box_mask(size, gen)[None])
            out.append(sample.to(device))
        return out

    inputs = torch.randn(num_clips * num_frames, 3, size, size, generator=gen)
    audio = torch.randn(num_clips, num_frames, 1, 96, 64, generator=gen)
    return inputs.to(device), samples(), samples(), audio.to(device)


def _random_box_mask(size: int, gen, empty_prob: float = 0.0):
    """A ``[size, size]`` int64 mask with one random rectangle of ones (or none)."""
    mask = torch.zeros(size, size, dtype=torch.long)
    if torch.rand(1, generator=gen).item() < empty_prob:
        return mask
    y0, x0 = torch.randint(0, size // 2, (2,), generator=gen).tolist()
    h, w = torch.randint(size // 8, size // 2, (2,), generator=gen).tolist()
    mask[y0:y0 + h, x0:x0 + w] = 1
    return mask


def _proc_status_bytes(field: str) -> int:
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(field + ':'):
                return int(line.split()[1]) * 1024  # reported in kB
    raise RuntimeError(f'{field} not in /proc/self/status')


class PeakMemory:
    """Peak memory of this process above a baseline taken at construction.

    Args:
        device (torch.device): CUDA: allocator statistics; CPU: the resident set size.
    """
    def __init__(self, device) -> None:
        self.device = device
        self.baseline = self._current()
        self.reset()

    def _current(self) -> int:
        if self.device.type == 'cuda':
            return torch.cuda.memory_allocated(self.device)
        return _proc_status_bytes('VmRSS')

    def reset(self) -> None:
        """Start a new peak from the current usage."""
        if self.device.type == 'cuda':
            torch.cuda.reset_peak_memory_stats(self.device)
            return
        # give freed heap pages back first, or the new peak would count memory already freed
        gc.collect()
        ctypes.CDLL('libc.so.6').malloc_trim(0)
        with open('/proc/self/clear_refs', 'w') as f:
            f.write('5')  # sets VmHWM to the current VmRSS

    def peak_mib(self) -> float:
        """Peak since the last reset, in MiB above the baseline."""
        if self.device.type == 'cuda':
            peak = torch.cuda.max_memory_allocated(self.device)
        else:
            peak = _proc_status_bytes('VmHWM')
        return (peak - self.baseline) / 2**20


class ModelSession:
    """One model, its optimiser and a fixed batch, stepped on command (in a worker process).

    Args:
        model (str): ``'baseline'`` or ``'ravs'``.
        backbone (str): A key of ``BACKBONES``.
        frames (int): Frames per clip.
        batch (int): Clips per batch.
        size (int): Square frame side.
        device (str): ``'cpu'`` or ``'cuda'``.
        amp (bool): Run forward passes under ``torch.autocast`` with ``AMP_DTYPE``.
        seed (int): Seed of the weights and the batch.
        threads (int, optional): torch CPU threads; None keeps torch's default.
    """
    def __init__(self, model: str, backbone: str, frames: int, batch: int, size: int,
                 device: str, amp: bool, seed: int, threads: Optional[int] = None) -> None:
        register_all_modules(init_default_scope=True)  # a spawned process starts unregistered
        if threads:
            torch.set_num_threads(threads)
        torch.manual_seed(seed)
        self.device = torch.device(device)
        self.amp = amp
        self.inputs, self.train_samples, self.predict_samples, self.audio = make_batch(
            batch, frames, size, device, seed)
        self.memory = PeakMemory(self.device)
        self.model = build_model(model, backbone).to(self.device).train()
        self.optimizer = torch.optim.AdamW(
            [p for p in self.model.parameters() if p.requires_grad], lr=1e-4)

    def _now(self) -> float:
        if self.device.type == 'cuda':
            torch.cuda.synchronize(self.device)
        return time.perf_counter()

    def _autocast(self):
        return torch.autocast(self.device.type, dtype=getattr(torch, AMP_DTYPE),
                              enabled=self.amp)

    def train(self) -> float:
        """One training step; returns its seconds."""
        start = self._now()
        self.optimizer.zero_grad(set_to_none=True)
        with self._autocast():
            losses = self.model(self.inputs, self.train_samples, mode='loss', audio=self.audio)
        loss, _ = self.model.parse_losses(losses)
        loss.backward()
        self.optimizer.step()
        return self._now() - start

    def finish_training(self) -> float:
        """Free gradients and optimiser state, switch to eval; returns the training peak."""
        peak = self.memory.peak_mib()
        self.optimizer.zero_grad(set_to_none=True)
        self.optimizer = None
        self.model.eval()
        self.memory.reset()
        return peak

    def predict(self) -> float:
        """One inference call on the whole batch; returns its seconds."""
        start = self._now()
        with torch.no_grad(), self._autocast():
            self.model(self.inputs, self.predict_samples, mode='predict', audio=self.audio)
        return self._now() - start

    def peak_mib(self) -> float:
        return self.memory.peak_mib()


def _worker_main(conn, spec: dict) -> None:
    """Build a :class:`ModelSession`, then run the methods the parent names until None."""
    try:
        session = ModelSession(**spec)
        conn.send(('ok', None))
        for command in iter(conn.recv, None):
            conn.send(('ok', getattr(session, command)()))
    except Exception:
        conn.send(('error', traceback.format_exc()))
    finally:
        conn.close()


class Worker:
    """Parent side of a :class:`ModelSession` in a spawned process.

    Args:
        spec (dict): Keyword arguments of :class:`ModelSession`.
    """
    def __init__(self, spec: dict) -> None:
        ctx = mp.get_context('spawn')  # a fresh process: its memory is this model's alone
        self.name = spec['model']
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main, args=(child, spec), daemon=True)
        self.process.start()
        child.close()

    def receive(self):
        try:
            status, value = self.conn.recv()
        except EOFError:
            self.process.join(10)
            raise RuntimeError(f'the {self.name} worker died (exit code '
                               f'{self.process.exitcode}; out of memory?)') from None
        if status == 'error':
            raise RuntimeError(f'the {self.name} worker failed:\n{value}')
        return value

    def call(self, command: str):
        self.conn.send(command)
        return self.receive()

    def close(self) -> None:
        if self.process.is_alive():
            try:
                self.conn.send(None)
            except OSError:
                pass
            self.process.join(60)
        if self.process.is_alive():
            self.process.kill()
        self.conn.close()


def _interleaved(workers: Dict[str, Worker], command: str, warmup: int,
                 steps: int) -> Dict[str, List[float]]:
    """Run ``command`` ``warmup + steps`` times per worker, alternating A B, B A, ...; returns
    the seconds of the timed (post-warm-up) calls."""
    names = list(workers)
    runs = {name: [] for name in names}
    for i in range(warmup + steps):
        for name in (names if i % 2 == 0 else names[::-1]):
            seconds = workers[name].call(command)
            if i >= warmup:
                runs[name].append(seconds)
    return runs


def measure_speed(backbone: str, frames: int, batch: int, amp: bool,
                  args: argparse.Namespace) -> dict:
    """Train-step time, inference time per frame and peak memory of both models, and the
    ratios RAVS / Baseline, for one case."""
    workers = {}
    try:
        for model in MODEL_CONFIGS:
            workers[model] = Worker(dict(model=model, backbone=backbone, frames=frames,
                                         batch=batch, size=args.size, device=args.device,
                                         amp=amp, seed=args.seed, threads=args.threads))
        for worker in workers.values():  # both built before any timing starts
            worker.receive()
        train = _interleaved(workers, 'train', args.warmup, args.steps)
        train_peak = {name: w.call('finish_training') for name, w in workers.items()}
        infer = _interleaved(workers, 'predict', args.warmup, args.steps)
        infer_peak = {name: w.call('peak_mib') for name, w in workers.items()}
    finally:
        for worker in workers.values():
            worker.close()
    models = {
        name: dict(train_s=statistics.median(train[name]), train_runs_s=train[name],
                   infer_s_per_frame=statistics.median(infer[name]) / (batch * frames),
                   infer_runs_s=infer[name], train_peak_mib=train_peak[name],
                   infer_peak_mib=infer_peak[name])
        for name in MODEL_CONFIGS
    }
    keys = ('train_s', 'infer_s_per_frame', 'train_peak_mib', 'infer_peak_mib')
    return dict(backbone=backbone, frames=frames, batch=batch, size=args.size, amp=amp,
                models=models,
                ratio={k: models['ravs'][k] / models['baseline'][k] for k in keys})


def _random_metric_samples(num_clips: int, num_frames: int, size: int,
                           seed: int) -> List[List[dict]]:
    """Per clip, per-frame sample dicts (what ``SegDataSample.to_dict()`` gives the metric):
    2-channel logits that loosely follow a random box truth; a quarter of the truths empty."""
    gen = torch.Generator().manual_seed(seed)
    clips = []
    for c in range(num_clips):
        frames = []
        for t in range(num_frames):
            gt = _random_box_mask(size, gen, empty_prob=0.25)
            logits = torch.randn(2, size, size, generator=gen)
            logits[1] += 3.0 * gt - 1.5
            frames.append(dict(clip_id=f'clip{c:03d}', frame_idx=t,
                               seg_logits=dict(data=logits), gt_sem_seg=dict(data=gt[None])))
        clips.append(frames)
    return clips


def naive_avsbench_scores(clips: Sequence[Sequence[dict]],
                          beta2: float = 0.3) -> Tuple[float, float]:
    """AVSBench's binary J and F (percent), one threshold at a time, as published
    (``reference/avs_datasets_and_metrics.md`` §3.1-3.2), one clip per batch.

    J: per frame IoU of score > 0.5 (empty truth: the fraction of pixels predicted
    background), averaged per clip, then over clips. F: per frame and for each of 255
    thresholds t, foreground = score >= t, precision and recall with eps 1e-20, F_beta with
    0/0 counted 0; empty-truth frames skipped; a clip scores the best threshold of its mean
    curve (0 without a non-empty frame); averaged over clips.
    """
    thresholds = torch.linspace(0, 1 - 1e-10, NUM_THRESHOLDS)
    clip_j, clip_f = [], []
    for frames in clips:
        ious, curves = [], []
        for sample in frames:
            logits = sample['seg_logits']['data'].float()
            score = torch.sigmoid(logits[1] - logits[0])  # softmax[1], as AVSMetric
            gt = sample['gt_sem_seg']['data'][0] == 1
            pred = score > 0.5
            gt_area = int(gt.sum())
            if gt_area:
                ious.append(int((pred & gt).sum()) / (int((pred | gt).sum()) + 1e-7))
            else:
                ious.append(int((~pred).sum()) / (gt.numel() + 1e-7))
                continue
            curve = []
            for threshold in thresholds:
                fg = score >= threshold
                tp = int((fg & gt).sum())
                precision = tp / (int(fg.sum()) + 1e-20)
                recall = tp / (gt_area + 1e-20)
                denominator = beta2 * precision + recall
                curve.append((1 + beta2) * precision * recall / denominator
                             if denominator else 0.0)
            curves.append(curve)
        clip_j.append(sum(ious) / len(ious))
        clip_f.append(max(sum(column) / len(curves) for column in zip(*curves))
                      if curves else 0.0)
    return 100 * sum(clip_j) / len(clip_j), 100 * sum(clip_f) / len(clip_f)


def measure_metric(num_clips: int, size: int, seed: int) -> dict:
    """Time ``AVSMetric(protocol='avsbench')`` (one clip per ``process`` call, then
    ``compute_metrics``; median of 5) against :func:`naive_avsbench_scores` (once)."""
    clips = _random_metric_samples(num_clips, METRIC_FRAMES, size, seed)

    def fast() -> Tuple[float, float, float]:
        start = time.perf_counter()
        metric = AVSMetric(protocol='avsbench', num_classes=2)
        for frames in clips:
            metric.process({}, frames)
        scores = metric.compute_metrics(metric.results)
        return time.perf_counter() - start, scores['J'], scores['F']

    fast_runs = [fast() for _ in range(5)]
    fast_s = statistics.median(run[0] for run in fast_runs)
    _, j, f = fast_runs[0]
    start = time.perf_counter()
    naive_j, naive_f = naive_avsbench_scores(clips)
    naive_s = time.perf_counter() - start
    max_abs_diff = max(abs(j - naive_j), abs(f - naive_f))
    return dict(num_clips=num_clips, num_frames=METRIC_FRAMES, size=size,
                empty_truth_frames=sum(not bool(s['gt_sem_seg']['data'].any())
                                       for frames in clips for s in frames),
                avsmetric_s=fast_s, naive_s=naive_s, speedup=naive_s / fast_s,
                J=j, F=f, naive_J=naive_j, naive_F=naive_f, max_abs_diff=max_abs_diff,
                identical=max_abs_diff <= METRIC_TOLERANCE)


def measure_grouping(frames: int, size: int, quick: bool, threads: Optional[int],
                     out_dir: str) -> dict:
    """Run ``bench_grouping.py`` on B*T = ``frames`` images with the token counts of the AMA
    stages (strides 16, 8, 4) at ``size`` (quick: its ``--quick`` on the smallest count), and
    keep its JSON and markdown table."""
    out = osp.join(out_dir, 'bench_grouping.json')
    tokens = [(size // stride)**2 for stride in (16, 8, 4)]
    cmd = [sys.executable, osp.join(REPO, 'tools/analysis/bench_grouping.py'), '--out', out]
    if quick:
        cmd += ['--quick', '--tokens', str(tokens[0])]
    else:
        cmd += ['--frames', str(frames), '--tokens', *map(str, tokens)]
    env = dict(os.environ, **({'OMP_NUM_THREADS': str(threads)} if threads else {}))
    result = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=REPO, env=env)
    with open(out) as f:
        report = json.load(f)
    lines = result.stdout.splitlines()
    report['table'] = '\n'.join(line for line in lines if line.startswith('|'))
    report['header'] = lines[0] if lines else ''
    return report


def _sdpa_flop(inputs: list, outputs: list) -> int:
    """``scaled_dot_product_attention`` as its two matrix products (multiply-adds)."""
    query, key, value = (get_shape(v) for v in inputs[:3])
    return math.prod(query[:-1]) * key[-2] * (query[-1] + value[-1])


def measure_complexity(model_name: str, backbone: str, frames: int, size: int,
                       device: str, seed: int) -> dict:
    """Parameters (millions) and FLOPs (G) per part of one model on one clip, in
    ``mode='tensor'`` (network output, no resizing to the original size)."""
    model = build_model(model_name, backbone).to(device).eval()
    inputs, _, samples, audio = make_batch(1, frames, size, device, seed)

    class TensorForward(torch.nn.Module):
        """``model(inputs, samples, mode='tensor', audio=audio)`` with tensor-only inputs, as
        the tracer needs."""

        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, inputs, audio):
            return self.model(inputs, samples, mode='tensor', audio=audio)

    parts = {
        'visual backbone': 'backbone.visual',
        'audio encoder': 'audio_encoder',
        'fusion / AMA': 'backbone.fusions',
        'decode head': 'decode_head',
    }
    total_params = sum(p.numel() for p in model.parameters())
    params = {part: sum(p.numel() for p in model.get_submodule(name).parameters()) / 1e6
              for part, name in parts.items()}
    params['other'] = total_params / 1e6 - sum(params.values())
    params['total'] = total_params / 1e6
    params['trainable'] = sum(p.numel() for p in model.parameters() if p.requires_grad) / 1e6

    analyzer = FlopAnalyzer(TensorForward(), (inputs, audio))
    analyzer.set_op_handle('aten::scaled_dot_product_attention', _sdpa_flop)
    analyzer.unsupported_ops_warnings(False)
    analyzer.uncalled_modules_warnings(False)
    analyzer.tracer_warnings('none')
    # traced with grad enabled: under no_grad nn.MultiheadAttention takes its fused fast path
    # (aten::_native_multi_head_attention), which the analyzer cannot count
    by_module = analyzer.by_module()
    gflops = {part: by_module.get(f'model.{name}', 0) / 1e9 for part, name in parts.items()}
    gflops['total'] = analyzer.total() / 1e9
    gflops['other'] = gflops['total'] - sum(v for k, v in gflops.items() if k != 'total')
    return dict(model=model_name, backbone=backbone, frames=frames, size=size,
                params_m=params, gflops=gflops,
                uncounted_ops=dict(sorted(analyzer.unsupported_ops().items())))


def _meta(args: argparse.Namespace) -> dict:
    if args.device == 'cuda':
        name = torch.cuda.get_device_name()
    else:
        name = platform.processor() or 'unknown CPU'
        with open('/proc/cpuinfo') as f:
            name = next((line.split(':', 1)[1].strip() for line in f
                         if line.startswith('model name')), name)
    return dict(
        device=args.device, device_name=name, torch=torch.__version__, mmcv=mmcv.__version__,
        mmengine=mmengine.__version__, mmseg=mmseg.__version__,
        torch_threads=torch.get_num_threads(), cpu_count=os.cpu_count(),
        python=platform.python_version(), settings=vars(args),
        weights='random (pretrained=None, no init_cfg): timings only',
        amp_dtype=AMP_DTYPE, memory=MEMORY_METHODS[args.device],
        timing=f'median of {args.steps} timed step(s) after {args.warmup} warm-up step(s), '
               'Baseline and RAVS alternated step by step (A B, B A, ...)',
        started=time.strftime('%Y-%m-%d %H:%M:%S'))


def render_markdown(report: dict) -> str:
    """The report's tables as markdown."""
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


def main() -> None:
    args = parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    register_all_modules(init_default_scope=True)
    if args.threads:
        torch.set_num_threads(args.threads)

    def log(message: str) -> None:
        print(f'[{time.strftime("%H:%M:%S")}] {message}', file=sys.stderr, flush=True)

    report: dict = dict(meta=_meta(args))
    if 'speed' in args.sections:
        amps = {'off': [False], 'on': [True], 'both': [False, True]}[args.amp]
        report['speed'] = []
        cases = itertools.product(args.backbones, args.frames, args.batch, amps)
        for backbone, frames, batch, amp in cases:
            log(f'speed: {backbone} T={frames} clips={batch} amp={amp}')
            report['speed'].append(measure_speed(backbone, frames, batch, amp, args))
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
