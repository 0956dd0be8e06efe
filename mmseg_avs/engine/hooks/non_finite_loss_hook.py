"""Stop (or skip) a training iteration whose loss is not finite, before it reaches the weights."""
import logging
import math
from typing import Dict, List, Optional

import torch
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.optim import OptimWrapperDict
from mmengine.runner import Runner
from mmseg.registry import HOOKS


@HOOKS.register_module()
class NonFiniteLossHook(Hook):
    """Catch a NaN or infinite loss before the optimizer writes it into the weights.

    Without it, a non-finite loss gives non-finite gradients, the optimizer step turns every
    weight it updates into NaN, and the next checkpoint stores them. The hook:

    - registers a step pre-hook on every optimizer: when a gradient is not finite, it sets
      all the optimizer's gradients to None, so that the step updates nothing (torch's
      optimizers skip parameters without gradient: no update, no weight decay, no change
      to their moments or step counts);
    - after each iteration, checks the loss terms (the logged values whose name contains
      ``'loss'``, the ones MMEngine sums into the loss). If one is not finite, or the
      gradients were not, it restores the model's buffers (e.g. BatchNorm statistics, which
      the bad forward pass updated), so that the model is exactly as before the iteration.
      Then with ``skip=False`` it raises ``FloatingPointError`` naming the iteration
      (1-based, as in the log) and the terms; it runs before the checkpoint hook, so no
      checkpoint of that iteration is written. With ``skip=True`` it logs a warning naming
      the iteration and the terms, drops the gradients accumulated so far, and training goes
      on; more than ``max_consecutive_skips`` skipped iterations in a row raise.

    Under ``AmpOptimWrapper`` the gradient scaler already skips steps whose scaled gradients
    overflow (that is how loss scaling works); a non-finite loss is still reported. In
    distributed training the gradients are averaged across ranks before the step, so every
    rank sees a rank's non-finite gradients and all ranks stop or skip together.

    Args:
        skip (bool): Skip non-finite iterations instead of stopping. Defaults to False.
        max_consecutive_skips (int): With ``skip=True``, stop after this many non-finite
            iterations in a row. Defaults to 10.
    """

    priority = 'ABOVE_NORMAL'

    def __init__(self, skip: bool = False, max_consecutive_skips: int = 10) -> None:
        if max_consecutive_skips < 1:
            raise ValueError(f'max_consecutive_skips must be >= 1, got {max_consecutive_skips}')
        self.skip = skip
        self.max_consecutive_skips = max_consecutive_skips
        self.num_skipped = 0
        self._consecutive = 0
        self._bad_grads = False
        self._handles: list = []
        self._buffers: Optional[List[torch.Tensor]] = None

    @staticmethod
    def _optimizers(runner: Runner) -> List[torch.optim.Optimizer]:
        wrapper = runner.optim_wrapper
        wrappers = wrapper.values() if isinstance(wrapper, OptimWrapperDict) else [wrapper]
        return [w.optimizer for w in wrappers]

    def _check_grads(self, optimizer: torch.optim.Optimizer, args: tuple,
                     kwargs: dict) -> None:
        """Step pre-hook: make the step a no-op when a gradient is not finite."""
        grads = [p.grad for group in optimizer.param_groups for p in group['params']
                 if p.grad is not None]
        if grads and not torch.stack([g.isfinite().all() for g in grads]).all():
            self._bad_grads = True
            optimizer.zero_grad(set_to_none=True)

    def before_train(self, runner: Runner) -> None:
        # after load_or_resume, which may rebuild the optimizer wrapper
        self._handles = [opt.register_step_pre_hook(self._check_grads)
                         for opt in self._optimizers(runner)]

    def after_train(self, runner: Runner) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles = []

    def before_train_iter(self, runner: Runner, batch_idx: int,
                          data_batch: Optional[dict] = None) -> None:
        self._bad_grads = False
        self._buffers = [b.detach().clone() for b in runner.model.buffers()]

    def after_train_iter(self, runner: Runner, batch_idx: int,
                         data_batch: Optional[dict] = None,
                         outputs: Optional[Dict[str, torch.Tensor]] = None) -> None:
        values = {name: float(torch.as_tensor(value).detach())
                  for name, value in (outputs or {}).items() if 'loss' in name}
        bad_terms = {name: value for name, value in values.items() if not math.isfinite(value)}
        if not bad_terms and not self._bad_grads:
            self._consecutive = 0
            return
        for buffer, saved in zip(runner.model.buffers(), self._buffers):
            buffer.copy_(saved)
        # the total is named only when no term is (e.g. finite terms whose sum overflows)
        if len(bad_terms) > 1:
            bad_terms.pop('loss', None)
        what = (', '.join(f'{name}={value}' for name, value in bad_terms.items())
                or 'finite loss but non-finite gradients')
        iteration = runner.iter + 1
        if not self.skip:
            raise FloatingPointError(
                f'non-finite loss at iteration {iteration}: {what}. Training stopped; the '
                'iteration changed no weight and wrote no checkpoint '
                '(NonFiniteLossHook(skip=True) skips such iterations instead)')
        self._consecutive += 1
        self.num_skipped += 1
        if self._consecutive > self.max_consecutive_skips:
            raise FloatingPointError(
                f'non-finite loss at iteration {iteration}: {what}; {self._consecutive} '
                f'iterations in a row were non-finite (max_consecutive_skips='
                f'{self.max_consecutive_skips}): stopping')
        for optimizer in self._optimizers(runner):
            optimizer.zero_grad(set_to_none=True)
        print_log(f'NonFiniteLossHook: skipped iteration {iteration} ({what}); '
                  f'{self.num_skipped} iteration(s) skipped so far', logger='current',
                  level=logging.WARNING)
