"""DPC-KNN token grouping as written in RAVS (eqs. 3-4), batched and deterministic.

Speed. The exact distance (direct formula, ``torch.cdist(..., compute_mode=DIRECT)``) costs
about ten matmul-formula distance matrices, but each decision of the algorithm needs only a
few exact distances per token: to its k nearest neighbours and to its nearest denser token.
So one matmul gives a proven lower bound on every squared distance (:func:`_lower_sq_dist`),
and exact distances are computed only where the bounds cannot decide:

1. The ``k + _EXTRA_CANDIDATES`` tokens with the smallest bounds are a token's candidates;
   their exact distances give the density and, for most tokens, the nearest denser token.
   A decision stands when every token outside the candidates is provably farther (its lower
   bound exceeds the exact distance decided on).
2. Tokens whose nearest denser token is not proven among the candidates (mostly local
   density maxima) take the ``_ROW_CANDIDATES`` denser tokens with the smallest bounds, with
   the same proof.
3. What is still unproven (near ties beyond the candidates, e.g. duplicated or grid-valued
   tokens, or distances below the matmul's resolution) uses the exact distances of the
   whole row.

The result is the partition of the exact fp32 distances, bit for bit.
"""
import math
from typing import Iterator, NamedTuple, Optional, Tuple

import torch
from torch import Tensor

_DIRECT = 'donot_use_mm_for_euclid_dist'
_FP32_ROUNDOFF = 2.0**-24
# Unit roundoff of the matmul's fp32 inputs under torch.set_float32_matmul_precision
# ('high' may use TF32, 'medium' bfloat16).
_MATMUL_INPUT_ROUNDOFF = {'highest': 0.0, 'high': 2.0**-11, 'medium': 2.0**-8}
# Candidates kept beyond the k neighbours, and per row in step 2: enough that most tokens
# have a denser one among them, few enough that their exact distances stay cheap.
_EXTRA_CANDIDATES = 3
_ROW_CANDIDATES = 4
_DEFAULT_BUDGET_BYTES = 1 << 30


class _Candidates(NamedTuple):
    """The approximately nearest tokens of each token, with their exact distances.

    Attributes:
        idx (Tensor): ``[B, N, K]`` token indices, by increasing lower bound.
        dist (Tensor): ``[B, N, K]`` their exact distances (unscaled).
        beyond (Tensor): ``[B, N]`` a lower bound on the squared exact distance of every
            token outside ``idx`` (+inf when there is none).
    """
    idx: Tensor
    dist: Tensor
    beyond: Tensor


def _bytes_per_sample(num_tokens: int, num_cands: int, channels: int) -> int:
    """Working memory of one sample: the fp32 ``N x N`` bounds, as much again for the rows
    of steps 2-3 (processed in slices), and the gathered candidate tokens."""
    return 4 * num_tokens * (2 * num_tokens + num_cands * channels)


def _lower_sq_dist(x: Tensor) -> Tuple[Tensor, Tensor]:
    """Lower bounds on the squared exact distances, by one fp32 matmul (autocast off).

    ``e_ij**2 >= low[b, i, j] - slack[b, i]`` for every pair, where ``e_ij`` is the exact fp32
    distance (direct formula) of tokens i and j; ``low`` ``[B, N, N]`` ranks the candidates
    of each row and ``slack`` is ``[B, N]``.

    With ``sq_ij`` the matmul formula on centred tokens and ``n_i`` their squared norms,
    ``|sq_ij - e_ij**2| <= f (n_i + n_j)``, so ``low = sq_ij - f n_j`` and ``slack = f n_i``.
    The bound on ``f``, with u the fp32 unit roundoff, ``a_i = ||x_i - m||`` for the (rounded)
    mean m, ``A = a_i**2 + a_j**2`` and ``r_ij`` the real distance (first order):

    - centring: ``x_i - m`` rounds elementwise, moving the distance by ``<= u (a_i + a_j)``,
      so the squared distance by ``<= 4u A``;
    - the matmul ``[-2x_i, n_i, 1] . [x_j, 1, (1 - f) n_j]`` with rounded ``n``:
      ``<= (2 (C + 3) u + 4 u_in) A + C u A`` (a dot product of length ``C + 2`` whose terms
      sum to ``<= 2A`` in magnitude; u_in: rounding of the matmul's inputs, see
      ``_MATMUL_INPUT_ROUNDOFF``);
    - the exact fp32 distance itself: ``|e**2 - r**2| <= (C + 4) u r**2 <= 2 (C + 4) u A``;
    - ``dist_scale`` can tie values that differ by a relative 4u: ``16 u A`` more, so that a
      proven-farther token is also farther after scaling.

    Total ``((5C + 34) u + 4 u_in) A``; doubled for second-order terms and the rounding of
    the comparisons with it.
    """
    channels = x.shape[-1]
    input_roundoff = _MATMUL_INPUT_ROUNDOFF[torch.get_float32_matmul_precision()]
    factor = 2 * ((5 * channels + 34) * _FP32_ROUNDOFF + 4 * input_roundoff)
    centred = x - x.mean(dim=1, keepdim=True)  # distances are unchanged, norms (errors) shrink
    sq_norm = centred.square().sum(dim=-1, keepdim=True)  # [B, N, 1]
    ones = torch.ones_like(sq_norm)
    # One matmul gives n_i + (1 - f) n_j - 2 x_i.x_j without further N x N passes.
    low = torch.bmm(torch.cat([centred * -2, sq_norm, ones], dim=-1),
                    torch.cat([centred, ones, sq_norm * (1 - factor)], dim=-1).transpose(1, 2))
    return low, factor * sq_norm[..., 0]


def _exact_dist(queries: Tensor, others: Tensor) -> Tensor:
    """Exact distances ``[M, K]`` of queries ``[M, C]`` to their others ``[M, K, C]``.

    The direct formula computes each pair on its own, so a distance has the same bits in
    every batch layout (and equals the full matrix's entry).
    """
    return torch.cdist(queries[:, None], others, compute_mode=_DIRECT)[:, 0]


def _exact_rows(x: Tensor, batch_idx: Tensor, token_idx: Tensor) -> Tensor:
    """Exact distances ``[F, N]`` of tokens ``x[batch_idx, token_idx]`` to their sample."""
    rows = x.new_empty(len(batch_idx), x.shape[1])
    for b in batch_idx.unique().tolist():
        sel = (batch_idx == b).nonzero()[:, 0]
        rows[sel] = torch.cdist(x[b, token_idx[sel]], x[b], compute_mode=_DIRECT)
    return rows


def _scaled(dist: Tensor, dist_scale: float) -> Tensor:
    return dist * dist_scale if dist_scale != 1 else dist


def _row_slices(unproven: Tensor, size: int) -> Iterator[Tuple[Tensor, Tensor]]:
    """(batch, token) indices of the True entries of ``unproven`` ``[B, N]``, in slices."""
    batch_idx, token_idx = unproven.nonzero(as_tuple=True)
    for start in range(0, len(batch_idx), size):
        yield batch_idx[start:start + size], token_idx[start:start + size]


def _nearest(dist: Tensor, idx: Tensor, allowed: Tensor, fill: int) -> Tuple[Tensor, Tensor]:
    """Per row, the smallest allowed ``dist`` and its ``idx`` (ties: lowest ``idx``).

    ``fill`` exceeds every index. A row with nothing allowed gives +inf (and any index).
    """
    dist = dist.masked_fill(~allowed, float('inf'))
    best = dist.amin(dim=-1)
    return best, idx.masked_fill(dist != best[..., None], fill).amin(dim=-1)


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


def _candidates(x: Tensor, low: Tensor, slack: Tensor, num_cands: int) -> _Candidates:
    """Step 1: the ``num_cands`` smallest ``low`` of each row and their exact distances."""
    batch, num_tokens, channels = x.shape
    cand_low, idx = low.topk(num_cands, dim=-1, largest=False)  # [B, N, K]
    beyond = (cand_low[..., -1] - slack if num_cands < num_tokens - 1 else
              torch.full_like(slack, float('inf')))
    tokens = x.flatten(0, 1)  # [B * N, C]
    offsets = torch.arange(0, batch * num_tokens, num_tokens, device=x.device)[:, None, None]
    others = tokens.index_select(0, (idx + offsets).flatten()).view(-1, num_cands, channels)
    dist = _exact_dist(tokens, others).view(batch, num_tokens, num_cands)
    return _Candidates(idx, dist, beyond)


def _density(x: Tensor, cands: _Candidates, k: int, dist_scale: float,
             slice_rows: int) -> Tensor:
    """Eq. 3 ``[B, N]`` over the k nearest neighbours other than the token itself."""
    knn = cands.dist.topk(k, dim=-1, largest=False).values  # [B, N, k], ascending
    # Every outside token is provably farther than the k-th candidate.
    unproven = ~(cands.beyond > knn[..., -1].square())
    knn = _scaled(knn, dist_scale)
    for b, i in _row_slices(unproven, slice_rows):
        rows = _exact_rows(x, b, i)
        rows[torch.arange(len(i), device=x.device), i] = float('inf')
        knn[b, i] = _scaled(rows.topk(k, dim=-1, largest=False).values, dist_scale)
    return knn.neg().exp().sum(dim=-1)


def _nearest_denser(x: Tensor, low: Tensor, slack: Tensor, rank: Tensor, densest: Tensor,
                    cands: _Candidates, dist_scale: float,
                    slice_rows: int) -> Tuple[Tensor, Tensor]:
    """delta ``[B, N]`` and parent ``[B, N]``: distance to and index of the nearest denser token
    (distance ties: lowest index); the densest token gets its max distance and itself."""
    batch, num_tokens = rank.shape
    samples = torch.arange(batch, device=x.device)
    denser = rank.gather(1, cands.idx.flatten(1)).view_as(cands.idx) < rank[..., None]
    delta, parent = _nearest(_scaled(cands.dist, dist_scale), cands.idx, denser, num_tokens)
    best = cands.dist.masked_fill(~denser, float('inf')).amin(dim=-1)
    unproven = ~(cands.beyond > best.square())  # as in _density; +inf best: no denser candidate
    unproven[samples, densest] = False

    # Step 2 on the bounds of the whole row, step 3 where that proves nothing either.
    num_row_cands = min(_ROW_CANDIDATES, num_tokens - 1)
    for b, i in _row_slices(unproven, slice_rows):
        allowed = rank[b] < rank[b, i][:, None]  # [F, N]
        row_low, top = low[b, i].masked_fill_(~allowed, float('inf')).topk(
            num_row_cands, dim=-1, largest=False)  # [F, K2]
        top_dist = _exact_dist(x[b, i], x[b[:, None], top])
        top_allowed = allowed.gather(1, top)
        part_delta, part_parent = _nearest(_scaled(top_dist, dist_scale), top, top_allowed,
                                           num_tokens)
        part_best = top_dist.masked_fill(~top_allowed, float('inf')).amin(dim=-1)
        # +inf: fewer than K2 denser tokens, so all of them are candidates.
        proven = row_low[:, -1].isinf() | (row_low[:, -1] - slack[b, i] > part_best.square())
        if not proven.all():
            fallback = ~proven
            exact = _scaled(_exact_rows(x, b[fallback], i[fallback]), dist_scale)
            part_delta[fallback], part_parent[fallback] = exact.masked_fill_(
                ~allowed[fallback], float('inf')).min(dim=-1)  # first minimum: lowest index
        delta[b, i], parent[b, i] = part_delta, part_parent

    top_row = _scaled(_exact_dist(x[samples, densest], x), dist_scale)  # [B, N]
    delta[samples, densest] = top_row.amax(dim=-1)
    parent[samples, densest] = densest
    return delta, parent


def _group_chunk(x: Tensor, num_groups: int, k: int, dist_scale: float) -> Tensor:
    """DPC-KNN labels ``[B, N]`` for one batch chunk ``x`` ``[B, N, C]`` (fp32)."""
    batch, num_tokens = x.shape[:2]
    if num_tokens == 1:
        return x.new_zeros(batch, 1, dtype=torch.long)
    low, slack = _lower_sq_dist(x)
    low.diagonal(dim1=1, dim2=2).fill_(float('inf'))
    cands = _candidates(x, low, slack, min(k + _EXTRA_CANDIDATES, num_tokens - 1))
    # Rows of steps 2-3 are handled in slices of a quarter of the N x N buffer.
    slice_rows = max(batch * num_tokens // 4, 1)
    density = _density(x, cands, min(k, num_tokens - 1), dist_scale, slice_rows)

    # Total order: higher density first, equal densities by lower index (stable sort).
    order = density.sort(dim=-1, descending=True, stable=True).indices  # [B, N]
    rank = torch.empty_like(order).scatter_(
        1, order, torch.arange(num_tokens, device=x.device).expand(batch, -1))
    densest = order[:, 0]  # [B]
    delta, parent = _nearest_denser(x, low, slack, rank, densest, cands, dist_scale,
                                    slice_rows)

    num_centres = min(num_groups, num_tokens)
    centres = _select_centres(density * delta, densest, num_centres)  # [B, P]

    # Eq. 4: centres are roots; every other token follows strictly denser parents, so the
    # chains are at most N - 1 long and ceil(log2 N) pointer-jumping rounds reach the root.
    parent.scatter_(1, centres, centres)
    for _ in range(math.ceil(math.log2(num_tokens))):
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

    Computed without gradient, in fp32 whatever the input dtype and with autocast disabled
    (same labels under ``--amp``), with no randomness:

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

    ``d_ij`` is the fp32 direct formula (the exact ties of duplicated tokens stay ties); it
    is computed only where a matmul-formula estimate with a proven error bound cannot decide
    (see the module docstring), which gives the same partition as the full exact matrix.

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
            the working memory (about ``8 * N**2 + 4 * N * (k + 3) * C`` bytes per sample)
            under 1 GiB.

    Returns:
        Tensor: int64 labels ``[B, N]`` in ``[0, min(num_groups, N))``.
    """
    if x.dim() != 3:
        raise ValueError(f'x must be [B, N, C], got shape {tuple(x.shape)}')
    if num_groups < 1 or k < 1:
        raise ValueError(f'num_groups and k must be >= 1, got {num_groups} and {k}')
    if dist_scale <= 0:
        raise ValueError(f'dist_scale must be positive, got {dist_scale}')
    batch, num_tokens, channels = x.shape
    if chunk_size is None:
        chunk_size = _DEFAULT_BUDGET_BYTES // max(
            _bytes_per_sample(num_tokens, k + _EXTRA_CANDIDATES, channels), 1)
    chunk_size = max(int(chunk_size), 1)

    labels = torch.empty(batch, num_tokens, dtype=torch.long, device=x.device)
    if num_tokens == 0:
        return labels
    # The error bounds of _lower_sq_dist hold for fp32 matmuls only: autocast would run the
    # bmm in fp16/bf16 (whose squared norms also overflow fp16 for norms above ~256).
    with torch.no_grad(), torch.autocast(device_type=x.device.type, enabled=False):
        for start in range(0, batch, chunk_size):
            chunk = x[start:start + chunk_size].detach().float()
            labels[start:start + chunk_size] = _group_chunk(chunk, num_groups, k, dist_scale)
    return labels
