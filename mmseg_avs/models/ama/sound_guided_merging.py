"""Audio-guided modality alignment block (RAVS §3.2, eqs. 5-7): group, merge, refine, remap."""
from typing import NamedTuple, Optional, Tuple

import torch
import torch.nn as nn
from mmseg.registry import MODELS
from torch import Tensor

from ..layers import AudioVisualCrossAttention
from .dpc_knn import dpc_knn_group


def group_softmax_merge(tokens: Tensor, scores: Tensor, labels: Tensor,
                        num_groups: int) -> Tensor:
    """Eq. 6: per group p, ``g_p = Σ_{x∈p} softmax_p(s)_x · x``.

    Args:
        tokens (Tensor): ``[N, L, D]`` token features.
        scores (Tensor): ``[N, L]`` relevance scores s.
        labels (Tensor): ``[N, L]`` int64 group of each token, in ``[0, num_groups)``.
        num_groups (int): P.

    Returns:
        Tensor: ``[N, P, D]`` group features; a group without tokens is zero.
    """
    n, length, dim = tokens.shape
    # softmax inside each group, stabilised by the group's own maximum
    group_max = scores.new_full((n, num_groups), float('-inf')).scatter_reduce(
        1, labels, scores, reduce='amax', include_self=True)
    weights = (scores - group_max.gather(1, labels)).exp()                     # [N, L]
    denom = scores.new_zeros(n, num_groups).scatter_add(1, labels, weights)     # [N, P]
    weights = weights / denom.gather(1, labels)
    merged = tokens.new_zeros(n, num_groups, dim)
    return merged.scatter_add(1, labels[..., None].expand(-1, -1, dim), weights[..., None] * tokens)


class AMAGroups(NamedTuple):
    """What an AMA block computed besides its output tokens: the inputs of the contrastive
    alignment and of the group pictures.

    Attributes:
        groups (Tensor): ``[N, P, D]`` refined group features (step 5).
        labels (Tensor): ``[N, L]`` int64 group of each token (step 3, no gradient).
        scores (Tensor): ``[N, L]`` relevance S of each token (step 2).
    """
    groups: Tensor
    labels: Tensor
    scores: Tensor

    @property
    def valid(self) -> Tensor:
        """``[N, P]`` bool: the groups that have tokens (a stage with fewer tokens than
        groups leaves some empty)."""
        counts = torch.zeros_like(self.groups[..., 0]).scatter_add(
            1, self.labels, torch.ones_like(self.scores))
        return counts > 0


class GroupDecoderLayer(nn.Module):
    """Eq. 7 as a pre-norm transformer decoder layer: the P group features attend to the L
    tokens with the relevance scores S as an additive key bias, then an FFN.

    Args:
        channels (int): D.
        num_heads (int): Attention heads.
        mlp_ratio (int): FFN hidden size as a multiple of D.
    """

    def __init__(self, channels: int, num_heads: int = 1, mlp_ratio: int = 4) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.norm_q, self.norm_kv = nn.LayerNorm(channels), nn.LayerNorm(channels)
        self.q = nn.Linear(channels, channels)
        self.kv = nn.Linear(channels, 2 * channels)
        self.proj = nn.Linear(channels, channels)
        self.norm_ffn = nn.LayerNorm(channels)
        self.ffn = nn.Sequential(nn.Linear(channels, mlp_ratio * channels), nn.GELU(),
                                 nn.Linear(mlp_ratio * channels, channels))

    def forward(self, groups: Tensor, tokens: Tensor, scores: Tensor) -> Tensor:
        """groups ``[N, P, D]``, tokens ``[N, L, D]``, scores ``[N, L]`` -> ``[N, P, D]``."""
        n, p, dim = groups.shape
        h, d = self.num_heads, dim // self.num_heads
        q = self.q(self.norm_q(groups)).view(n, p, h, d).transpose(1, 2)          # [N, h, P, d]
        k, v = self.kv(self.norm_kv(tokens)).view(n, -1, 2, h, d).permute(2, 0, 3, 1, 4)
        logits = q @ k.transpose(-2, -1) * d**-0.5 + scores[:, None, None, :]     # [N, h, P, L]
        attended = (logits.softmax(-1) @ v).transpose(1, 2).reshape(n, p, dim)
        groups = groups + self.proj(attended)
        return groups + self.ffn(self.norm_ffn(groups))


@MODELS.register_module()
class SoundGuidedSemanticMerging(nn.Module):
    """One AMA block, used as the fusion module of an :class:`AudioVisualBackbone` stage.

    1. ``f̂ = f_v + MCA(f_v, f_a)`` (eq. 5, :class:`AudioVisualCrossAttention`);
    2. relevance ``S = MLP(f̂)``, one score per token;
    3. DPC-KNN groups of the visual tokens ``f_v`` (eqs. 3-4, no gradient);
    4. merge: ``g_p = Σ softmax_p(S)·f̂`` over each group's tokens (eq. 6) — the merged
       features are the audio-visual ones, so a group's vector is dominated by its tokens
       that respond to the audio;
    5. refine: ``num_layers`` decoder layers ``G ← G + softmax(G f̂ᵀ/√D + S) f̂`` (eq. 7);
    6. remap: every token adds a projection of its group's refined vector.

    The forward returns the output tokens and the step 5, 3 and 2 results
    (:class:`AMAGroups`), which the contrastive loss and the group pictures need;
    :meth:`project_audio` gives the audio side of the contrastive loss at this stage's width.

    Args:
        channels (int): Visual channels D of the stage.
        audio_channels (int): Channels of the audio tokens.
        num_groups (int): P, the number of DPC-KNN groups.
        num_heads (int): Heads of the cross-attention and decoder layers.
        num_layers (int): Decoder layers of step 5. Defaults to 1.
        k (int): Neighbours of the DPC-KNN density. Defaults to 5.
        gate (str): Cross-attention normalisation, see :class:`AudioVisualCrossAttention`.
        dist_scale (float): Positive factor on the DPC-KNN distances, see
            :func:`dpc_knn_group`. Defaults to 1.0.
        audio_mlp_ratio (int, optional): The cross-attention's audio projection, see
            :class:`AudioVisualCrossAttention`. Defaults to None (linear).
    """

    def __init__(self, channels: int, audio_channels: int, num_groups: int,
                 num_heads: int = 1, num_layers: int = 1, k: int = 5,
                 gate: str = 'softmax', dist_scale: float = 1.0,
                 audio_mlp_ratio: Optional[int] = None) -> None:
        super().__init__()
        self.num_groups, self.k, self.dist_scale = num_groups, k, dist_scale
        self.cross_attn = AudioVisualCrossAttention(channels, audio_channels, num_heads, gate,
                                                    audio_mlp_ratio)
        self.relevance = nn.Sequential(nn.LayerNorm(channels), nn.Linear(channels, channels),
                                       nn.GELU(), nn.Linear(channels, 1))
        self.layers = nn.ModuleList(
            [GroupDecoderLayer(channels, num_heads) for _ in range(num_layers)])
        self.remap = nn.Linear(channels, channels)

    def group_and_merge(self, visual: Tensor, fused: Tensor,
                        scores: Tensor) -> Tuple[Tensor, Tensor]:
        """Steps 3-5: labels ``[N, L]`` and refined group features ``[N, P, D]``."""
        labels = dpc_knn_group(visual, self.num_groups, self.k, self.dist_scale)
        groups = group_softmax_merge(fused, scores, labels, self.num_groups)
        for layer in self.layers:
            groups = layer(groups, fused, scores)
        return labels, groups

    def forward(self, visual: Tensor, audio: Tensor,
                token_mask: Optional[Tensor] = None) -> Tuple[Tensor, AMAGroups]:
        """visual ``[N, L, D]`` tokens, audio ``[N, K, C_a]`` tokens -> ``[N, L, D]`` tokens
        and the block's :class:`AMAGroups`.

        ``token_mask`` ``[N, L]`` (GTF ablation) is passed to the cross-attention.
        """
        fused = self.cross_attn(visual, audio, token_mask)           # f̂ [N, L, D]
        scores = self.relevance(fused).squeeze(-1)                   # S [N, L]
        labels, groups = self.group_and_merge(visual, fused, scores)
        dim = groups.shape[-1]
        per_token = groups.gather(1, labels[..., None].expand(-1, -1, dim))  # [N, L, D]
        return fused + self.remap(per_token), AMAGroups(groups, labels, scores)

    def project_audio(self, embedding: Tensor) -> Tensor:
        """f_a_l of eq. 8: one audio vector per image ``[N, C_a]`` -> ``[N, D]``, by the
        projection the cross-attention applies to the audio tokens."""
        return self.cross_attn.audio_proj(embedding)
