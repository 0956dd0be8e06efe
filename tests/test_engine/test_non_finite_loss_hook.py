"""NonFiniteLossHook on a toy model trained by MMEngine's runner: a NaN loss stops training
before it reaches the weights or a checkpoint, or (skip=True) the iteration is skipped."""
import copy
import logging
import os.path as osp

import pytest
import torch
import torch.nn as nn
from mmengine.dataset import default_collate
from mmengine.hooks import Hook
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch.utils.data import DataLoader

from mmseg_avs.datasets.synthetic import generate_synthetic_avs
from mmseg_avs.engine.hooks import NonFiniteLossHook
from mmseg_avs.utils import CheckpointError
from tests.tool_loader import load_tool

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
MAX_ITERS = 5


class ToyModel(BaseModel):
    """BatchNorm then a linear layer; a sample's ``bad`` flag picks what goes wrong."""

    def __init__(self):
        super().__init__()
        self.bn = nn.BatchNorm1d(2)
        self.linear = nn.Linear(2, 1)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        pred = self.linear(self.bn(inputs))
        if mode != 'loss':
            return pred
        bad = data_samples['bad'][0]
        loss_b = (pred - 1).abs().mean()
        if bad == 'loss':
            loss_b = loss_b * float('nan')
        losses = dict(loss_a=pred.pow(2).mean(), loss_b=loss_b, acc=pred.mean())
        if bad == 'grad':  # finite (zero) loss whose gradient is NaN: d sqrt(|w|)/dw at 0
            losses['loss_c'] = (self.linear.weight * 0).abs().sqrt().sum()
        return losses


def toy_data(bad):
    """``MAX_ITERS + 1`` batches of 2 samples; ``bad`` maps an iteration (1-based) to
    ``'loss'`` (NaN loss term), ``'input'`` (NaN input: also poisons BatchNorm's running
    statistics) or ``'grad'``."""
    samples = []
    for it in range(1, MAX_ITERS + 2):
        x = torch.tensor([[it, -1.0], [0.5, it / 2]])
        if bad.get(it) == 'input':
            x[0, 0] = float('nan')
        samples += [dict(inputs=x[i], data_samples=dict(bad=bad.get(it, 'none')))
                    for i in range(2)]
    return DataLoader(samples, batch_size=2, shuffle=False, collate_fn=default_collate)


class RecordStates(Hook):
    """Copies of the model's state after every iteration (after every other hook)."""
    priority = 'LOWEST'

    def __init__(self):
        self.states = []

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.states.append(copy.deepcopy(runner.model.state_dict()))


def train(tmp_path, bad, hook=None):
    recorder = RecordStates()
    runner = Runner(
        model=ToyModel(), work_dir=str(tmp_path), train_dataloader=toy_data(bad),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9,
                                          weight_decay=0.01)),
        train_cfg=dict(by_epoch=False, max_iters=MAX_ITERS),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=1, by_epoch=False)),
        custom_hooks=[h for h in (hook, recorder) if h is not None],
        experiment_name=f'toy_{tmp_path.name}', default_scope='mmseg')
    return runner, recorder


def all_finite(state):
    return all(bool(v.isfinite().all()) for v in state.values() if v.is_floating_point())


def assert_states_equal(a, b):
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key


def collect_warnings(logger):
    """The list the logger's warnings will be appended to."""
    messages = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = lambda record: messages.append(record.getMessage())
    logger.addHandler(handler)
    return messages


def test_without_the_hook_nan_reaches_the_weights_and_the_checkpoint(tmp_path):
    """The failure the hook exists for (and the checked loader refuses the result)."""
    runner, recorder = train(tmp_path, {3: 'loss'})
    runner.train()
    assert all_finite(recorder.states[1]) and not all_finite(recorder.states[2])
    with pytest.raises(CheckpointError, match=f"{tmp_path / 'iter_3.pth'}.*non-finite"):
        runner.load_checkpoint(str(tmp_path / 'iter_3.pth'))


def test_stops_naming_iteration_and_term_before_the_weights_change(tmp_path):
    runner, recorder = train(tmp_path, {3: 'loss'}, NonFiniteLossHook())
    with pytest.raises(FloatingPointError, match=r'iteration 3: loss_b=nan\.'):
        runner.train()
    assert osp.isfile(tmp_path / 'iter_2.pth') and not osp.isfile(tmp_path / 'iter_3.pth')
    assert len(recorder.states) == 2  # nothing ran after the hook raised
    assert_states_equal(runner.model.state_dict(), recorder.states[1])


def test_finite_loss_with_non_finite_gradient_stops_too(tmp_path):
    runner, recorder = train(tmp_path, {2: 'grad'}, NonFiniteLossHook())
    with pytest.raises(FloatingPointError,
                       match='iteration 2: finite loss but non-finite gradients'):
        runner.train()
    assert_states_equal(runner.model.state_dict(), recorder.states[0])


def test_skip_leaves_the_model_as_it_was_and_goes_on(tmp_path):
    """A NaN input: NaN loss, NaN gradients and NaN BatchNorm statistics, all undone."""
    hook = NonFiniteLossHook(skip=True)
    runner, recorder = train(tmp_path, {3: 'input'}, hook)
    warnings_logged = collect_warnings(runner.logger)
    runner.train()
    states = recorder.states
    assert len(states) == MAX_ITERS and hook.num_skipped == 1
    assert_states_equal(states[2], states[1])  # iteration 3 changed nothing, buffers included
    assert all(all_finite(state) for state in states)
    assert not torch.equal(states[3]['linear.weight'], states[2]['linear.weight'])
    runner.load_checkpoint(str(tmp_path / f'iter_{MAX_ITERS}.pth'))  # finite: loads
    assert any('skipped iteration 3 (loss_a=nan, loss_b=nan)' in m for m in warnings_logged)


def test_skip_gives_up_after_too_many_in_a_row(tmp_path):
    hook = NonFiniteLossHook(skip=True, max_consecutive_skips=2)
    runner, _ = train(tmp_path, {2: 'loss', 3: 'loss', 4: 'loss'}, hook)
    with pytest.raises(FloatingPointError, match='iteration 4.*3 iterations in a row'):
        runner.train()


def test_consecutive_count_resets_after_a_good_iteration(tmp_path):
    hook = NonFiniteLossHook(skip=True, max_consecutive_skips=1)
    runner, _ = train(tmp_path, {2: 'loss', 4: 'loss'}, hook)
    runner.train()
    assert hook.num_skipped == 2


def test_bad_arguments():
    with pytest.raises(ValueError, match='max_consecutive_skips'):
        NonFiniteLossHook(skip=True, max_consecutive_skips=0)


def test_tools_train_stops_at_a_nan_loss_of_the_real_model(tmp_path):
    """default_runtime.py enables the hook: a NaN loss weight stops tools/train.py at
    iteration 1, naming the term, with no checkpoint written."""
    root = str(tmp_path / 'ms3')
    generate_synthetic_avs(root, layout='ms3', preset='easy', image_size=32, seed=0,
                           num_clips={'train': 2, 'val': 1, 'test': 1})
    train_tool = load_tool('tools/train.py')
    work = tmp_path / 'work'
    with pytest.raises(FloatingPointError, match=r'iteration 1: decode\.loss_ce=nan\.'):
        train_tool.main([
            osp.join(REPO, 'configs/synthetic/baseline_mit-tiny_synthetic-ms3.py'),
            '--work-dir', str(work), '--cfg-options', 'model.decode_head.loss_decode.0.'
            'loss_weight=nan', 'default_hooks.checkpoint.interval=1',
            'train_dataloader.num_workers=0', 'train_dataloader.persistent_workers=False',
            'train_dataloader.batch_size=2', "train_dataloader.dataset.pipeline.3.scale='(32,32)'",
            *[f'{s}_dataloader.dataset.data_root={root}' for s in ('train', 'val', 'test')]])
    assert not list(work.glob('*.pth'))
