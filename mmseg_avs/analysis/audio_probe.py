"""An audio-only probe of a synthetic data set: can the configs' audio encoder, trained on
the generated audio alone, say which classes are heard in each second, and which of two
twins (the larger or the smaller) is heard? If not, no audio-visual model can be asked to.

The probe is the audio encoder of a synthetic config (built as the models build it, fed by
the config's own audio front-end) with one linear layer: a logit per class (heard at some
moment of the second) and one for "the heard twin is the larger", trained with binary
cross-entropy (the twin logit only on seconds in which exactly one twin is heard) on the
train split and tested on the test split. The labels come from the generator's object
records (:class:`~mmseg_avs.datasets.synthetic.ClipObjects`).
"""
import json
import os.path as osp
from typing import Dict, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS, MODELS
from torch import nn

from ..datasets.synthetic import ClipObjects, clip_objects_path


def probe_examples(data_root: str, split: str,
                   config: str) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Every second of a split of a synthetic MS3-layout data set, with its labels.

    Args:
        data_root (str): The generated data set (MS3 layout).
        split (str): ``'train'``, ``'val'`` or ``'test'``.
        config (str): A synthetic config: its test pipeline's audio step makes the inputs.

    Returns:
        tuple: Audio inputs ``[S, ...]`` (one front-end input per second), heard classes
        ``[S, K]`` (0/1) and the twin label ``[S]`` (1: the larger twin is heard, 0: the
        smaller, -1: no twin pair or not exactly one twin heard).
    """
    init_default_scope('mmseg')
    cfg = Config.fromfile(config)
    audio_step = [step for step in cfg.test_pipeline if step['type'] == 'LoadAVSAudio']
    dataset = DATASETS.build(dict(cfg.test_dataloader.dataset, data_root=data_root,
                                  split=split, pipeline=audio_step))
    with open(osp.join(data_root, 'synthetic_config.json')) as f:
        num_classes = json.load(f)['knobs']['num_classes']
    inputs, heard, twin = [], [], []
    for idx in range(len(dataset)):
        clip = dataset[idx]
        objects = ClipObjects.load(clip_objects_path(data_root, clip['clip_id']))
        T = len(objects.audible)
        inputs.append(torch.from_numpy(clip['audio'][:T]))
        for t in range(T):
            heard.append(np.isin(np.arange(num_classes), objects.heard_class_ids(t)))
            twin.append(_twin_label(objects, t))
    return torch.cat(inputs), torch.from_numpy(np.stack(heard)).float(), torch.tensor(twin)


def _twin_label(objects: ClipObjects, t: int) -> int:
    """1 / 0 if exactly one of the twins (objects 0 and 1 of one class) is heard in second
    ``t`` and it is the larger / the smaller; -1 otherwise."""
    classes = objects.object_classes
    if len(classes) < 2 or classes[0] != classes[1] or objects.audible[t, :2].sum() != 1:
        return -1
    heard, other = (0, 1) if objects.audible[t, 0] else (1, 0)
    return int(objects.object_sizes[heard] > objects.object_sizes[other])


def run_audio_probe(data_root: str, config: str, steps: int = 1500, batch_size: int = 64,
                    lr: float = 1e-3, seed: int = 0) -> Dict[str, float]:
    """Train the probe on the train split and test it on the test split.

    Args:
        data_root (str): The generated data set (MS3 layout).
        config (str): A synthetic config: its ``model.audio_encoder`` is the probe's encoder
            and its test pipeline's audio step the front-end.
        steps (int): AdamW steps. Default: 1500.
        batch_size (int): Seconds per step. Default: 64.
        lr (float): Learning rate (cosine decay to 0). Default: 1e-3.
        seed (int): Seed of the initial weights and the batches. Default: 0.

    Returns:
        dict: On the test split, in percent: ``exact_set`` (seconds whose whole set of heard
        classes is named), ``per_class`` (class decisions right), ``twin_size`` (twin seconds
        whose heard twin's size is named); and the counts ``seconds``, ``twin_seconds``.
    """
    train_x, train_y, train_twin = probe_examples(data_root, 'train', config)
    test_x, test_y, test_twin = probe_examples(data_root, 'test', config)
    torch.manual_seed(seed)
    encoder = MODELS.build(Config.fromfile(config).model.audio_encoder)
    probe = nn.Sequential()
    probe.add_module('encoder', encoder)
    head = nn.Linear(encoder.out_channels, train_y.shape[1] + 1)
    params = list(encoder.parameters()) + list(head.parameters())
    optimiser = torch.optim.AdamW(params, lr=lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, steps)
    order = torch.Generator().manual_seed(seed)

    def logits(x: torch.Tensor) -> torch.Tensor:
        # a class is heard if it is heard at some moment: the strongest audio token decides
        return head(encoder(x)[0]).amax(dim=1)               # [B, tokens, K + 1] -> [B, K + 1]

    encoder.train()
    for _ in range(steps):
        batch = torch.randint(len(train_x), (batch_size, ), generator=order)
        out = logits(train_x[batch])
        loss = F.binary_cross_entropy_with_logits(out[:, :-1], train_y[batch])
        has_twin = train_twin[batch] >= 0
        if has_twin.any():
            loss = loss + F.binary_cross_entropy_with_logits(
                out[has_twin, -1], train_twin[batch][has_twin].float())
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        schedule.step()
    encoder.eval()
    with torch.no_grad():
        out = torch.cat([logits(x) for x in test_x.split(256)])
    named = (out[:, :-1] > 0).float() == test_y              # [S, K]
    twins = test_twin >= 0
    twin_right = ((out[twins, -1] > 0).long() == test_twin[twins]).float()
    return dict(exact_set=100 * named.all(1).float().mean().item(),
                per_class=100 * named.float().mean().item(),
                twin_size=100 * twin_right.mean().item() if twins.any() else float('nan'),
                seconds=len(test_y), twin_seconds=int(twins.sum()))
