"""Multi-head cross-attention from visual tokens to audio tokens (RAVS eq. 5)."""
from typing import Optional

import torch.nn as nn
from mmseg.registry import MODELS
from torch import Tensor


@MODELS.register_module()
class AudioVisualCrossAttention(nn.Module):
    """``f̂_v = f_v + MCA(LN(f_v), f_a_l)`` with visual tokens as queries.

    The audio side must be several tokens per second (``[N, K, C_a]``): with one audio
    vector as the only key, softmax attention is identically 1 and every visual token would
    receive the same vector. ``gate='sigmoid'`` scores each (visual, audio) pair with an
    unnormalised gate ``sigmoid(q·k/√d)`` instead, so a token can also take no audio at all.

    Args:
        channels (int): Visual channels D_l.
        audio_channels (int): Audio token channels C_a; projected to D_l (``f_a_l``).
        num_heads (int): Attention heads (must divide ``channels``).
        gate (str): ``'softmax'`` (standard attention over the K audio tokens) or
            ``'sigmoid'``. Defaults to ``'softmax'``.
        audio_mlp_ratio (int, optional): Project the audio with an MLP
            ``Linear(C_a, r·C_a) -> GELU -> Linear(r·C_a, D_l)`` instead of one linear layer
            (DDESeg's per-stage audio projection has r = 4). Defaults to None (linear).
    """

    def __init__(self, channels: int, audio_channels: int, num_heads: int = 1,
                 gate: str = 'softmax', audio_mlp_ratio: Optional[int] = None) -> None:
        super().__init__()
        if channels % num_heads:
            raise ValueError(f'channels={channels} is not divisible by num_heads={num_heads}')
        if gate not in ('softmax', 'sigmoid'):
            raise ValueError(f"gate must be 'softmax' or 'sigmoid', got {gate!r}")
        self.num_heads, self.gate = num_heads, gate
        self.norm = nn.LayerNorm(channels)
        if audio_mlp_ratio is None:
            self.audio_proj = nn.Linear(audio_channels, channels)  # f_a_l
        else:
            hidden = audio_mlp_ratio * audio_channels
            self.audio_proj = nn.Sequential(nn.Linear(audio_channels, hidden), nn.GELU(),
                                            nn.Linear(hidden, channels))
        self.q = nn.Linear(channels, channels)
        self.kv = nn.Linear(channels, 2 * channels)
        self.out = nn.Linear(channels, channels)

    def forward(self, visual: Tensor, audio: Tensor,
                token_mask: Optional[Tensor] = None) -> Tensor:
        """Fuse ``audio`` ``[N, K, C_a]`` tokens into ``visual`` ``[N, L, D]`` tokens.

        ``token_mask`` ``[N, L]`` (bool, optional; the GTF ablation) zeroes the tokens outside
        it before the attention, and they receive no audio: ``f_v + m·MCA(f_v·m, f_a)``.

        Returns:
            Tensor: ``[N, L, D]``.
        """
        n, length, dim = visual.shape
        h, d = self.num_heads, dim // self.num_heads
        mask = None if token_mask is None else token_mask[..., None].to(visual.dtype)
        query = visual if mask is None else visual * mask
        q = self.q(self.norm(query)).view(n, length, h, d).transpose(1, 2)    # [N, h, L, d]
        k, v = self.kv(self.audio_proj(audio)).view(n, -1, 2, h, d).permute(2, 0, 3, 1, 4)
        logits = q @ k.transpose(-2, -1) * d**-0.5                            # [N, h, L, K]
        attn = logits.softmax(-1) if self.gate == 'softmax' else logits.sigmoid()
        fused = self.out((attn @ v).transpose(1, 2).reshape(n, length, dim))
        return visual + (fused if mask is None else fused * mask)
