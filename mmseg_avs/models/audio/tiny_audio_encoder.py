"""A small trainable audio CNN for CPU configs."""
from typing import Sequence, Tuple

import torch.nn as nn
from mmengine.model import BaseModule
from mmseg.registry import MODELS
from torch import Tensor


@MODELS.register_module()
class TinyAudioEncoder(BaseModule):
    """Log-mel ``[N, 1, F_t, F_mel]`` -> audio tokens ``[N, K, C]`` and an embedding ``[N, C]``.

    A stack of stride-2 3x3 conv blocks; the frequency axis is then pooled away and each
    remaining time step is one token (K = F_t / 2^len(channels)), so the fusion layers see
    several audio tokens per second. The embedding is the mean token.

    Args:
        in_channels (int): Input channels (1 for mono log-mel).
        channels (Sequence[int]): Channels of the conv blocks.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self, in_channels: int = 1, channels: Sequence[int] = (16, 32, 64, 128),
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        layers, prev = [], in_channels
        for ch in channels:
            layers += [nn.Conv2d(prev, ch, 3, stride=2, padding=1, bias=False),
                       nn.BatchNorm2d(ch), nn.ReLU(inplace=True)]
            prev = ch
        self.convs = nn.Sequential(*layers)
        self.out_channels = prev

    def forward(self, logmel: Tensor) -> Tuple[Tensor, Tensor]:
        x = self.convs(logmel)                   # [N, C, F_t', F_mel']
        tokens = x.mean(dim=3).transpose(1, 2)   # [N, K = F_t', C]
        return tokens, tokens.mean(dim=1)
