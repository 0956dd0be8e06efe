"""RNGStateHook: a run resumed from a checkpoint repeats the uninterrupted run bit for bit,
with randomness in the data transforms (NumPy, main process), in the model (dropout) and a
validation between checkpoint and resume. The tools-level test (a SIGKILLed tools/train.py
run) is in tests/test_tools/test_train_test_tools.py."""
import random

import numpy as np
import pytest
import torch
import torch.nn as nn
from mmengine.dataset import default_collate
from mmengine.evaluator import BaseMetric
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch.utils.data import Dataset

from mmseg_avs.engine.hooks import RNGStateHook
from mmseg_avs.engine.hooks.rng_state_hook import get_rng_state, set_rng_state

MAX_ITERS, CKPT_AT = 6, 3


class NoisyData(Dataset):
    """Samples scaled by a NumPy random factor, as a random transform would."""

    def __len__(self):
        return 8

    def __getitem__(self, idx):
        return dict(inputs=torch.full((4, ), float(idx)) * float(np.random.rand()),
                    data_samples=random.random())


class DropoutModel(BaseModel):

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(4, 1)
        self.dropout = nn.Dropout(0.5)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        pred = self.linear(self.dropout(inputs))
        if mode == 'loss':
            return dict(loss=(pred.squeeze(1) - data_samples.float()).pow(2).mean())
        return [dict(pred=p) for p in pred]


class MeanPrediction(BaseMetric):

    def process(self, data_batch, data_samples):
        self.results += [float(s['pred']) for s in data_samples]

    def compute_metrics(self, results):
        return dict(mean=float(np.mean(results)))


def loader(sampler, num_workers=0):
    # a new DataLoader iterator draws a torch seed: validation moves the torch generator
    return dict(dataset=NoisyData(), batch_size=2, num_workers=num_workers,
                persistent_workers=num_workers > 0, collate_fn=default_collate,
                sampler=sampler)


def run(work_dir, name, hooks, by_epoch, num_workers=0, resume_from=None):
    """Train 6 iterations (or 4 epochs of 4), checkpointing and validating every 3 (2).
    With ``num_workers``, the transforms draw in the workers (seeded by MMEngine's
    worker_init_fn); without, in the main process."""
    if by_epoch:  # the sampler reshuffles per epoch (DistSamplerSeedHook)
        train_cfg = dict(by_epoch=True, max_epochs=4, val_interval=2)
        sampler = dict(type='DefaultSampler', shuffle=True)
    else:
        train_cfg = dict(by_epoch=False, max_iters=MAX_ITERS, val_interval=CKPT_AT)
        sampler = dict(type='InfiniteSampler', shuffle=True)
    runner = Runner(
        model=DropoutModel(), work_dir=str(work_dir), experiment_name=name,
        train_dataloader=loader(sampler, num_workers),
        val_dataloader=loader(dict(type='DefaultSampler', shuffle=False)),
        val_evaluator=[MeanPrediction(prefix='toy')], val_cfg=dict(),
        optim_wrapper=dict(optimizer=dict(type='AdamW', lr=0.05)), train_cfg=train_cfg,
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', by_epoch=by_epoch,
                                           interval=2 if by_epoch else CKPT_AT)),
        custom_hooks=hooks, randomness=dict(seed=1), default_scope='mmseg',
        resume=resume_from is not None, load_from=resume_from)
    runner.train()
    return runner.model.state_dict()


def final_states(tmp_path, hooks, by_epoch=False, num_workers=0):
    """Final weights of an uninterrupted run and of a run resumed from its checkpoint."""
    full = run(tmp_path / 'full', f'full_{tmp_path.name}', hooks(), by_epoch, num_workers)
    checkpoint = 'epoch_2.pth' if by_epoch else f'iter_{CKPT_AT}.pth'
    resumed = run(tmp_path / 'resumed', f'resumed_{tmp_path.name}', hooks(), by_epoch,
                  num_workers, resume_from=str(tmp_path / 'full' / checkpoint))
    return full, resumed


@pytest.mark.parametrize('by_epoch,num_workers', [(False, 0), (False, 2), (True, 0)],
                         ids=['iter_based', 'iter_based_2_workers', 'epoch_based'])
def test_resumed_run_equals_uninterrupted_run(tmp_path, by_epoch, num_workers):
    full, resumed = final_states(tmp_path, lambda: [RNGStateHook()], by_epoch, num_workers)
    for key in full:
        assert torch.equal(full[key], resumed[key]), key


@pytest.mark.parametrize('by_epoch', [False, True], ids=['iter_based', 'epoch_based'])
def test_without_the_hook_the_resumed_run_differs(tmp_path, by_epoch):
    """MMEngine alone re-seeds the generators on resume: the runs part ways."""
    full, resumed = final_states(tmp_path, list, by_epoch)
    assert not torch.equal(full['linear.weight'], resumed['linear.weight'])


def test_load_from_without_resume_keeps_the_seeded_generators(tmp_path):
    run(tmp_path / 'full', f'full_{tmp_path.name}', [RNGStateHook()], by_epoch=False)
    torch.manual_seed(123)
    hook = RNGStateHook()
    hook.after_load_checkpoint(None, torch.load(tmp_path / 'full' / f'iter_{CKPT_AT}.pth',
                                                weights_only=True))
    before = torch.get_rng_state()

    class Iter0Runner:
        iter = 0
    hook.before_train_epoch(Iter0Runner())
    assert torch.equal(torch.get_rng_state(), before)


def test_state_round_trip():
    state = get_rng_state()
    expected = (random.random(), float(np.random.rand()), float(torch.rand(1)))
    set_rng_state(state)
    assert (random.random(), float(np.random.rand()), float(torch.rand(1))) == expected


@pytest.fixture(autouse=True)
def restore_global_generators():
    """These tests move the global generators; leave them as they were."""
    state = get_rng_state()
    yield
    set_rng_state(state)
