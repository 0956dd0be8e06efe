"""Keep the random generators in checkpoints so that a resumed run repeats the original one."""
import logging
import random
from typing import Optional

import numpy as np
import torch
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.runner import IterBasedTrainLoop, Runner
from mmseg.registry import HOOKS


def get_rng_state() -> dict:
    """The states of Python's, NumPy's and torch's global generators.

    Stored as plain Python values and tensors, so that ``torch.load(weights_only=True)`` reads
    them back.
    """
    np_state = np.random.get_state(legacy=False)
    state = dict(
        python=random.getstate(),
        numpy=dict(np_state, state=dict(np_state['state'], key=np_state['state']['key'].tolist())),
        torch=torch.get_rng_state())
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    """Restore the generators from :func:`get_rng_state`'s output.

    The torch states may have been loaded onto a GPU (``Runner.resume`` maps checkpoints to
    the run's device); torch takes them as CPU byte tensors.
    """
    random.setstate(state['python'])
    np_state = state['numpy']
    key = np.asarray(np_state['state']['key'], dtype=np.uint32)
    np.random.set_state(dict(np_state, state=dict(np_state['state'], key=key)))
    torch.set_rng_state(state['torch'].cpu())
    if 'cuda' in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([s.cpu() for s in state['cuda']])


class _RestoreAfterReplay:
    """Stands in for the train loop's dataloader iterator while the loop replays the batches
    before the resumed iteration; at the first new batch it restores the generators and puts
    the real iterator back.

    Args:
        loop (IterBasedTrainLoop): The train loop.
        replay (int): Batches the loop replays before the first new one.
        state (dict): Generator states to restore, from :func:`get_rng_state`.
    """

    def __init__(self, loop: IterBasedTrainLoop, replay: int, state: dict) -> None:
        self._loop = loop
        self._iterator = loop.dataloader_iterator
        self._replay = replay
        self._state = state

    def __iter__(self) -> '_RestoreAfterReplay':
        return self

    def __next__(self):
        if self._replay == 0:
            set_rng_state(self._state)
            self._loop.dataloader_iterator = self._iterator
        else:
            self._replay -= 1
        return next(self._iterator)


@HOOKS.register_module()
class RNGStateHook(Hook):
    """Make a resumed run continue bit for bit where the interrupted run stopped.

    MMEngine's resume restores the weights, optimizer, schedulers, message hub and iteration,
    re-seeds the global generators with the run's seed, and replays the dataloader up to the
    resumed iteration. The replay reproduces the sampler's order and the generators of the
    dataloader workers (each is seeded by ``worker_init_fn``), but the main process's
    generators restart from the seed, so dropout, drop path and (with ``num_workers=0``) the
    random data transforms of the resumed run differ from the uninterrupted run's. This hook:

    - stores Python's, NumPy's and torch's (CPU and CUDA) global generator states in every
      checkpoint, as ``checkpoint['rng_state']``;
    - on resume, restores them at the point where they were saved: for an iteration-based
      loop, after MMEngine's replay, just before the first new batch is fetched (restoring
      earlier would let the replayed transforms draw from them); for an epoch-based loop,
      before the next epoch starts. Loading weights with ``load_from`` (not resuming) leaves
      the generators alone;
    - keeps validation from moving the training generators: every new validation dataloader
      iterator draws a torch seed, and a resumed run does not repeat the validation that
      followed its checkpoint, so the states are saved before validation and restored after.

    Only rank 0 writes checkpoints. MMEngine seeds all ranks alike (unless
    ``randomness.diff_rank_seed=True``) and every rank draws as many values per iteration,
    so every rank holds rank 0's states and restores them. With ``diff_rank_seed=True`` only
    rank 0 restores its streams; the other ranks go on from their re-seeded generators (a
    warning says so), so such a resumed run is not bit-exact.

    ``priority='LOW'``: after the logger, before the checkpoint hook (``VERY_LOW``), whose
    ``after_val`` may save a best checkpoint that must hold the training states.
    """

    priority = 'LOW'

    def __init__(self) -> None:
        self._resumed_state: Optional[dict] = None
        self._val_state: Optional[dict] = None

    def before_save_checkpoint(self, runner: Runner, checkpoint: dict) -> None:
        checkpoint['rng_state'] = get_rng_state()

    def after_load_checkpoint(self, runner: Runner, checkpoint: dict) -> None:
        self._resumed_state = checkpoint.get('rng_state')

    def before_train_epoch(self, runner: Runner) -> None:
        state, self._resumed_state = self._resumed_state, None
        # iter 0: weights loaded with load_from, or no checkpoint: keep the seeded generators
        if state is None or runner.iter == 0:
            return
        if (runner.cfg.get('randomness') or {}).get('diff_rank_seed') and runner.rank > 0:
            print_log(f'RNGStateHook: checkpoints hold rank 0\'s generator states; with '
                      f'diff_rank_seed=True rank {runner.rank} goes on from its re-seeded '
                      'generators, so the resumed run is not bit-exact', logger='current',
                      level=logging.WARNING)
            return
        loop = runner.train_loop
        if isinstance(loop, IterBasedTrainLoop):
            loop.dataloader_iterator = _RestoreAfterReplay(loop, runner.iter, state)
        else:
            set_rng_state(state)

    def before_val(self, runner: Runner) -> None:
        self._val_state = get_rng_state()

    def after_val(self, runner: Runner) -> None:
        if self._val_state is not None:
            set_rng_state(self._val_state)
            self._val_state = None
