"""Train-step time, inference time and peak memory of the Baseline next to RAVS.

Each model lives in its own spawned process (:class:`Worker` driving a :class:`ModelSession`);
the parent drives the two in alternation (A B, B A, A B, ...), so a shared machine's load
drifts hit both alike, and each process's peak memory is its own. Peak memory is the peak
above the process's memory with the inputs allocated and no model built (:class:`PeakMemory`).
"""
import ctypes
import gc
import multiprocessing as mp
import statistics
import time
import traceback
from typing import Any, Dict, List, Optional

import torch
from mmseg.utils import register_all_modules

from .benchmark_models import MODEL_CONFIGS, build_model, make_batch

AMP_DTYPE = 'bfloat16'  # no loss scaler needed, unlike float16
MEMORY_METHODS = {
    'cuda': 'torch.cuda.max_memory_allocated above the allocation before the model was built, '
            'one spawned process per model',
    'cpu': 'peak RSS (VmHWM, reset via /proc/self/clear_refs after malloc_trim) above the RSS '
           'before the model was built, one spawned process per model',
}


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
    def __init__(self, device: torch.device) -> None:
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

    def _autocast(self) -> torch.autocast:
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
        """Peak memory since the last reset, in MiB above the baseline."""
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

    def receive(self) -> Any:
        """The worker's answer to the last command (None once it is built).

        Raises:
            RuntimeError: The worker failed or died.
        """
        try:
            status, value = self.conn.recv()
        except EOFError:
            self.process.join(10)
            raise RuntimeError(f'the {self.name} worker died (exit code '
                               f'{self.process.exitcode}; out of memory?)') from None
        if status == 'error':
            raise RuntimeError(f'the {self.name} worker failed:\n{value}')
        return value

    def call(self, command: str) -> Any:
        """Run the :class:`ModelSession` method ``command`` in the worker; its return value."""
        self.conn.send(command)
        return self.receive()

    def close(self) -> None:
        """Stop the worker (killed if it does not end within a minute)."""
        if self.process.is_alive():
            try:
                self.conn.send(None)
            except OSError:
                pass
            self.process.join(60)
        if self.process.is_alive():
            self.process.kill()
        self.conn.close()


def interleaved(workers: Dict[str, Worker], command: str, warmup: int,
                steps: int) -> Dict[str, List[float]]:
    """Run ``command`` ``warmup + steps`` times per worker, alternating A B, B A, ...

    Args:
        workers (dict[str, Worker]): The workers by model name.
        command (str): The :class:`ModelSession` method to time.
        warmup (int): Untimed calls first.
        steps (int): Timed calls.

    Returns:
        dict[str, list[float]]: The seconds of the timed (post-warm-up) calls, per worker.
    """
    names = list(workers)
    runs = {name: [] for name in names}
    for i in range(warmup + steps):
        for name in (names if i % 2 == 0 else names[::-1]):
            seconds = workers[name].call(command)
            if i >= warmup:
                runs[name].append(seconds)
    return runs


def measure_speed(backbone: str, frames: int, batch: int, amp: bool, size: int, device: str,
                  seed: int, warmup: int, steps: int, threads: Optional[int] = None) -> dict:
    """Train-step time, inference time per frame and peak memory of both models, and the
    ratios RAVS / Baseline, for one case.

    Args:
        backbone (str): A key of ``BACKBONES``.
        frames (int): Frames per clip.
        batch (int): Clips per batch.
        amp (bool): Forward passes under ``torch.autocast`` with :data:`AMP_DTYPE`.
        size (int): Square frame side.
        device (str): ``'cpu'`` or ``'cuda'``.
        seed (int): Seed of the weights and the batch.
        warmup (int): Untimed steps before the timed ones.
        steps (int): Timed steps per model (the median is reported).
        threads (int, optional): torch CPU threads per worker; None keeps torch's default.

    Returns:
        dict: The case, per model its times and peaks, and the ratios.
    """
    workers = {}
    try:
        for model in MODEL_CONFIGS:
            workers[model] = Worker(dict(model=model, backbone=backbone, frames=frames,
                                         batch=batch, size=size, device=device,
                                         amp=amp, seed=seed, threads=threads))
        for worker in workers.values():  # both built before any timing starts
            worker.receive()
        train = interleaved(workers, 'train', warmup, steps)
        train_peak = {name: w.call('finish_training') for name, w in workers.items()}
        infer = interleaved(workers, 'predict', warmup, steps)
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
    return dict(backbone=backbone, frames=frames, batch=batch, size=size, amp=amp,
                models=models,
                ratio={k: models['ravs'][k] / models['baseline'][k] for k in keys})
