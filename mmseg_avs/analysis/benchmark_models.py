"""The models and inputs of the Baseline vs RAVS benchmark (``tools/analysis/benchmark.py``):
either model with a MiT-B0 or B5 backbone and random weights, and a random batch."""
import itertools
import os.path as osp
from typing import List, Tuple

import torch
from mmengine.config import Config
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

from .repository import REPO

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


def build_model(model: str, backbone: str) -> torch.nn.Module:
    """The Baseline or RAVS model with a MiT-B0 or B5 backbone and random weights.

    Args:
        model (str): A key of :data:`MODEL_CONFIGS`.
        backbone (str): A key of :data:`BACKBONES`.

    Returns:
        torch.nn.Module: The segmentor (``pretrained=None``, no ``init_cfg``).
    """
    cfg = Config.fromfile(osp.join(REPO, MODEL_CONFIGS[model])).model
    sizes = BACKBONES[backbone]
    cfg.audio_encoder.pretrained = None
    cfg.backbone.visual.update(embed_dims=sizes['embed_dims'], num_layers=sizes['num_layers'],
                               init_cfg=None)
    cfg.decode_head.in_channels = sizes['head_in_channels']
    return MODELS.build(cfg)


def make_batch(
    num_clips: int, num_frames: int, size: int, device: str, seed: int
) -> Tuple[torch.Tensor, List[SegDataSample], List[SegDataSample], torch.Tensor]:
    """Random frames ``[B*T, 3, H, W]``, log-mel audio ``[B, T, 1, 96, 64]`` and per-frame
    samples with a random rectangle as sounding ground truth.

    Args:
        num_clips (int): Clips per batch (B).
        num_frames (int): Frames per clip (T).
        size (int): Square frame side.
        device (str): Where the tensors go.
        seed (int): Seed of the random generator.

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
            sample.gt_sem_seg = PixelData(data=random_box_mask(size, gen)[None])
            out.append(sample.to(device))
        return out

    inputs = torch.randn(num_clips * num_frames, 3, size, size, generator=gen)
    audio = torch.randn(num_clips, num_frames, 1, 96, 64, generator=gen)
    return inputs.to(device), samples(), samples(), audio.to(device)


def random_box_mask(size: int, gen: torch.Generator, empty_prob: float = 0.0) -> torch.Tensor:
    """A ``[size, size]`` int64 mask with one random rectangle of ones (or none).

    Args:
        size (int): The mask's side.
        gen (torch.Generator): The random generator (advanced by the call).
        empty_prob (float): Probability of an empty mask. Defaults to 0.

    Returns:
        torch.Tensor: The mask.
    """
    mask = torch.zeros(size, size, dtype=torch.long)
    if torch.rand(1, generator=gen).item() < empty_prob:
        return mask
    y0, x0 = torch.randint(0, size // 2, (2,), generator=gen).tolist()
    h, w = torch.randint(size // 8, size // 2, (2,), generator=gen).tolist()
    mask[y0:y0 + h, x0:x0 + w] = 1
    return mask
