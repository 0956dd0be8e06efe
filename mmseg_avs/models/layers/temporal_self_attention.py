"""Self-attention across the frames of a clip, at every spatial position."""
import math
from typing import Optional

import torch
import torch.nn as nn
from torch import Tensor


def sinusoidal_time_encoding(num_frames: int, channels: int, device=None) -> Tensor:
    """``[T, C]`` sine/cosine encoding of the frame index (any T, no parameters).

    Slot ``t`` gets the same code whatever the clip length, so the real frames of an AVSS
    clip padded from 5 to 10 slots are encoded as in a 5-frame clip.
    """
    position = torch.arange(num_frames, device=device, dtype=torch.float32)[:, None]
    freq = torch.exp(torch.arange(0, channels, 2, device=device, dtype=torch.float32)
                     * (-math.log(10000.0) / channels))
    code = torch.zeros(num_frames, channels, device=device)
    code[:, 0::2] = torch.sin(position * freq)
    code[:, 1::2] = torch.cos(position * freq[:channels // 2])
    return code


class TemporalSelfAttention(nn.Module):
    """Pre-norm transformer layer (attention + FFN) over the T frames of each position.

    The sinusoidal frame-index code is added to the queries and keys only, so it decides
    which frames attend to which but never enters the output: identical frames give
    identical outputs whatever their slots.

    Args:
        channels (int): Feature channels C.
        num_heads (int): Attention heads. Defaults to 8.
        ffn_ratio (float): FFN hidden size over C. Defaults to 2.
        dropout (float): Attention and FFN dropout. Defaults to 0.
    """

    def __init__(self, channels: int, num_heads: int = 8, ffn_ratio: float = 2.0,
                 dropout: float = 0.0) -> None:
        super().__init__()
        self.norm_attn = nn.LayerNorm(channels)
        self.attn = nn.MultiheadAttention(channels, num_heads, dropout=dropout,
                                          batch_first=True)
        self.norm_ffn = nn.LayerNorm(channels)
        hidden = int(channels * ffn_ratio)
        self.ffn = nn.Sequential(nn.Linear(channels, hidden), nn.GELU(), nn.Dropout(dropout),
                                 nn.Linear(hidden, channels), nn.Dropout(dropout))

    def forward(self, x: Tensor, num_frames: int,
                padded: Optional[Tensor] = None) -> Tensor:
        """Mix frames of each clip.

        Args:
            x (Tensor): ``[B*T, C, H, W]``, clip-major (frame t of clip b at ``b*T + t``).
            num_frames (int): T.
            padded (Tensor, optional): ``[B, T]`` bool, True for padding slots; they are
                never attended to, so they cannot change the real frames' outputs.

        Returns:
            Tensor: ``[B*T, C, H, W]``.
        """
        bt, c, h, w = x.shape
        b = bt // num_frames
        # [B*T, C, H, W] -> [B*H*W, T, C]: one sequence of T frames per clip and position
        seq = x.view(b, num_frames, c, h, w).permute(0, 3, 4, 1, 2).reshape(-1, num_frames, c)
        key_padding_mask = None
        if padded is not None and padded.any():
            key_padding_mask = padded.repeat_interleave(h * w, dim=0)      # [B*H*W, T]
        value = self.norm_attn(seq)
        # The frame-index code reaches the queries and keys only: in the values or the
        # residual stream it would reach the class logits, whose response to frames 1-4 is
        # untrained where only frame 0 is annotated (S4, AVSS v1s).
        query = value + sinusoidal_time_encoding(num_frames, c, x.device).to(value.dtype)
        seq = seq + self.attn(query, query, value, key_padding_mask=key_padding_mask,
                              need_weights=False)[0]
        seq = seq + self.ffn(self.norm_ffn(seq))
        return seq.view(b, h, w, num_frames, c).permute(0, 3, 4, 1, 2).reshape(bt, c, h, w)
