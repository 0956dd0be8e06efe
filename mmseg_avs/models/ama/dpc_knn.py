"""DPC-KNN token grouping as written in RAVS (eqs. 3-4), batched and deterministic."""
import math
from typing import Optional

import torch
from torch import Tensor

# Bytes of N x N working memory per sample: the fp32 distance matrix, the bool "not denser"
# mask and cdist/topk temporaries, counted as three fp32 buffers.
_BYTES_PER_PAIR = 3 * 4
_DEFAULT_BUDGET_BYTES = 1 << 30


def _select_centres(gamma: Tensor, densest: Tensor, num_centres: int) -> Tensor:
    """Indices ``[B, P]`` of the ``num_centres`` largest ``gamma`` per row.

    Ties go to the lower index (stable sort on descending ``gamma``). If ``densest`` ``[B]`` is
    not selected it replaces the last (P-th) centre, so the chain of every token ends at a
    centre. The column order is the label order.
    """
    centres = gamma.sort(dim=-1, descending=True, stable=True).indices[:, :num_centres]
    missing = ~(centres == densest[:, None]).any(dim=-1)  # [B]
    centres[missing, -1] = densest[missing]
    return centres


def _group_chunk(x: Tensor, num_groups: int, k: int, dist_scale: float) -> Tensor:
    """DPC-KNN labels ``[B, N]`` for one batch chunk ``x`` ``[B, N, C]`` (fp32)."""
    batch, num_tokens = x.shape[:2]
    rows = torch.arange(batch, device=x.device)
    # The matmul formula of cdist leaves non-zero self-distances and breaks the exact ties
    # between duplicated tokens; the direct formula is exact for both.
    dist = torch.cdist(x, x, compute_mode='donot_use_mm_for_euclid_dist')  # [B, N, N]
    if dist_scale != 1:
        dist.mul_(dist_scale)
    row_max = dist.amax(dim=-1)  # [B, N], delta of the densest token

    # Eq. 3 over the k nearest neighbours other than the token itself.
    num_nbrs = min(k, num_tokens - 1)
    if num_nbrs > 0:
        dist.diagonal(dim1=1, dim2=2).fill_(float('inf'))
        knn_dist = dist.topk(num_nbrs, dim=-1, largest=False).values  # [B, N, k']
        density = knn_dist.neg().exp().sum(dim=-1)  # [B, N]
    else:
        density = x.new_zeros(batch, num_tokens)

    # Total order: higher density first, equal densities by lower index (stable sort).
    order = density.sort(dim=-1, descending=True, stable=True).indices  # [B, N]
    rank = torch.empty_like(order).scatter_(
        1, order, torch.arange(num_tokens, device=x.device).expand(batch, -1))
    densest = order[:, 0]  # [B]

    # Nearest denser token; +inf (not the max distance) on the rest, so that a tie at the
    # max distance cannot select a less dense token. min() returns the first (lowest-index)
    # minimum, which breaks distance ties.
    dist.masked_fill_(rank[:, None, :] >= rank[:, :, None], float('inf'))
    delta, parent = dist.min(dim=-1)  # [B, N], [B, N]
    delta[rows, densest] = row_max[rows, densest]
    parent[rows, densest] = densest

    num_centres = min(num_groups, num_tokens)
    centres = _select_centres(density * delta, densest, num_centres)  # [B, P]

    # Eq. 4: centres are roots; every other token follows strictly denser parents, so the
    # chains are at most N - 1 long and ceil(log2 N) pointer-jumping rounds reach the root.
    parent.scatter_(1, centres, centres)
    for _ in range(math.ceil(math.log2(num_tokens)) if num_tokens > 1 else 0):
        parent = parent.gather(1, parent)
    centre_label = torch.zeros_like(parent).scatter_(
        1, centres, torch.arange(num_centres, device=x.device).expand(batch, -1))
    return centre_label.gather(1, parent)


def dpc_knn_group(x: Tensor,
                  num_groups: int,
                  k: int = 5,
                  dist_scale: float = 1.0,
                  chunk_size: Optional[int] = None) -> Tensor:
    """Group tokens with the DPC-KNN variant written in RAVS (eqs. 3-4).

    Computed without gradient, in fp32 whatever the input dtype, with no randomness:

    - ``d_ij = dist_scale * ||x_i - x_j||`` (exact Euclidean distance, no sqrt(C) scaling).
    - ``rho_i = sum_{j in kNN(i)} exp(-d_ij)`` over the ``k`` nearest neighbours of i
      excluding i itself (duplicates of i at distance 0 do count).
    - Total order on density: j is denser than i iff ``rho_j > rho_i``, or ``rho_j == rho_i``
      and ``j < i``. The densest token is the first in this order.
    - ``delta_i`` = distance to the nearest denser token, whose index is the parent ``h_i``
      (distance ties: lowest index). For the densest token ``delta = max_j d_ij`` and it is
      its own parent.
    - Centres: the ``P`` tokens with the largest ``gamma = rho * delta`` (ties: lower index).
      The densest token is always a centre; if it is not among them it replaces the P-th.
    - Labels: centre number r of that selection (r = 0 for the largest gamma) gets label r;
      every other token takes the label of its parent, resolved by pointer jumping.

    Degenerate sizes: with ``N <= k`` the density uses the ``N - 1`` other tokens; ``N == 1``
    gives ``rho = 0`` and label 0. With ``N < num_groups`` every token is a centre, so the
    labels are the gamma ranks and lie in ``[0, N)`` (still ``< num_groups``, some groups
    empty). ``num_groups == 1`` gives all zeros.

    Args:
        x (Tensor): Tokens ``[B, N, C]``, any floating dtype.
        num_groups (int): Number of groups P (>= 1).
        k (int): Neighbours in the density. Defaults to 5.
        dist_scale (float): Positive factor on the distances. Defaults to 1.0.
        chunk_size (int, optional): Samples processed together. Defaults to as many as keep
            the ``N x N`` buffers (about ``12 * N**2`` bytes per sample) under 1 GiB.

    Returns:
        Tensor: int64 labels ``[B, N]`` in ``[0, min(num_groups, N))``.
    """
    if x.dim() != 3:
        raise ValueError(f'x must be [B, N, C], got shape {tuple(x.shape)}')
    if num_groups < 1 or k < 1:
        raise ValueError(f'num_groups and k must be >= 1, got {num_groups} and {k}')
    if dist_scale <= 0:
        raise ValueError(f'dist_scale must be positive, got {dist_scale}')
    batch, num_tokens = x.shape[:2]
    if chunk_size is None:
        chunk_size = _DEFAULT_BUDGET_BYTES // max(_BYTES_PER_PAIR * num_tokens**2, 1)
    chunk_size = max(int(chunk_size), 1)

    labels = torch.empty(batch, num_tokens, dtype=torch.long, device=x.device)
    if num_tokens == 0:
        return labels
    with torch.no_grad():
        for start in range(0, batch, chunk_size):
            chunk = x[start:start + chunk_size].detach().float()
            labels[start:start + chunk_size] = _group_chunk(chunk, num_groups, k, dist_scale)
    return labels
