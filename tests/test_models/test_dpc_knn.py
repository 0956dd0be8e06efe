"""dpc_knn_group against a naive per-token DPC-KNN written from RAVS eqs. 3-4."""
import math

import pytest
import torch

import mmseg_avs.models.ama.dpc_knn as dpc_knn_module
from mmseg_avs.models.ama import dpc_knn_group
from mmseg_avs.models.ama.dpc_knn import _lower_sq_dist, _select_centres


def naive_dpc_knn(x, num_groups, k=5, dist_scale=1.0):
    """Python loops over tokens, float64 arithmetic; returns labels and centre indices."""
    labels, centres_all = [], []
    for sample in x.double().tolist():
        n = len(sample)
        d = [[dist_scale * math.sqrt(sum((a - b)**2 for a, b in zip(sample[i], sample[j])))
              for j in range(n)] for i in range(n)]
        rho = []
        for i in range(n):
            nbrs = sorted((d[i][j], j) for j in range(n) if j != i)[:min(k, n - 1)]
            rho.append(sum(math.exp(-dij) for dij, _ in nbrs))

        def denser(j, i):
            return rho[j] > rho[i] or (rho[j] == rho[i] and j < i)

        delta, parent = [], []
        for i in range(n):
            cands = [j for j in range(n) if denser(j, i)]
            if cands:
                best = cands[0]
                for j in cands:  # strict < keeps the lowest index on distance ties
                    if d[i][j] < d[i][best]:
                        best = j
                delta.append(d[i][best])
                parent.append(best)
            else:
                densest = i
                delta.append(max(d[i]))
                parent.append(i)
        gamma = [r * dl for r, dl in zip(rho, delta)]
        centres = sorted(range(n), key=lambda i: (-gamma[i], i))[:min(num_groups, n)]
        if densest not in centres:
            centres[-1] = densest
        lab = []
        for i in range(n):
            j = i
            while j not in centres:
                j = parent[j]
            lab.append(centres.index(j))
        labels.append(lab)
        centres_all.append(centres)
    return torch.tensor(labels, dtype=torch.long), centres_all


def check(x, num_groups, **kwargs):
    out = dpc_knn_group(x, num_groups, **kwargs)
    ref, centres = naive_dpc_knn(x, num_groups, **kwargs)
    assert out.dtype == torch.long and out.shape == x.shape[:2]
    assert torch.equal(out, ref), (out, ref)
    for b, cs in enumerate(centres):  # label r is centre r of the top-gamma selection
        assert out[b, cs].tolist() == list(range(len(cs)))
        assert sorted(out[b].unique().tolist()) == list(range(min(num_groups, x.shape[1])))
    return out


@pytest.mark.parametrize('seed', [0, 1, 2])
@pytest.mark.parametrize('num_tokens', [7, 30, 64])
@pytest.mark.parametrize('channels', [3, 16])
def test_random_matches_naive(seed, num_tokens, channels):
    x = torch.randn(2, num_tokens, channels, generator=torch.Generator().manual_seed(seed))
    check(x, 5)


@pytest.mark.parametrize('k,num_groups,dist_scale', [(1, 3, 1.0), (3, 14, 0.25), (8, 7, 2.0)])
def test_options_match_naive(k, num_groups, dist_scale):
    x = torch.randn(2, 30, 8, generator=torch.Generator().manual_seed(3))
    check(x, num_groups, k=k, dist_scale=dist_scale)


def test_duplicated_tokens():
    x = torch.randn(2, 40, 4, generator=torch.Generator().manual_seed(4))
    x[:, 10:20] = x[:, :10]  # pairs tie in distance and density
    x[:, 20:23] = x[:, 5:6]  # a quadruplicate: duplicates are each other's neighbours
    x[1, 30:] = x[1, 29:30]
    check(x, 6)


def test_integer_grid_ties():
    # Small integer coordinates: many exact distance ties between distinct tokens.
    x = torch.randint(0, 3, (2, 40, 3), generator=torch.Generator().manual_seed(5)).float()
    check(x, 5)
    check(x, 5, k=2)


def test_nearest_denser_at_max_distance():
    # Token 0 (A) is alone; C (tokens 1-3) and B (tokens 4-7, densest) are duplicates; the
    # three vertices are equidistant, so every denser token of A lies at the max distance.
    # A must follow the lowest-index denser token (1, group C), not itself.
    a, b, c = torch.eye(3)
    x = torch.stack([a, c, c, c, b, b, b, b])[None]
    out = check(x, 2)
    assert out[0].tolist() == [1, 1, 1, 1, 0, 0, 0, 0]


def test_all_identical():
    x = torch.ones(2, 20, 4)
    out = check(x, 4)
    # All densities tie, so token 0 is densest and everyone's nearest denser token is 0;
    # gamma is 0 everywhere, so the centres are tokens 0..3.
    assert out[:, :4].tolist() == [[0, 1, 2, 3]] * 2 and (out[:, 4:] == 0).all()


@pytest.mark.parametrize('num_tokens,num_groups,k', [(4, 2, 5), (6, 3, 5), (2, 2, 5),
                                                     (5, 8, 5), (12, 14, 5), (30, 1, 5),
                                                     (1, 1, 5), (1, 14, 5), (2, 1, 1)])
def test_degenerate_sizes(num_tokens, num_groups, k):
    x = torch.randn(2, num_tokens, 5, generator=torch.Generator().manual_seed(6))
    out = check(x, num_groups, k=k)
    if num_tokens <= num_groups:  # every token is its own group
        assert all(sorted(row) == list(range(num_tokens)) for row in out.tolist())
    if num_groups == 1:
        assert (out == 0).all()


def test_densest_is_centre():
    for seed in range(5):
        x = torch.randn(3, 50, 6, generator=torch.Generator().manual_seed(seed))
        out = dpc_knn_group(x, 4)
        _, centres = naive_dpc_knn(x, 4)
        for b in range(3):
            dist = torch.cdist(x[b].double(), x[b].double())
            dist.fill_diagonal_(float('inf'))
            rho = dist.topk(5, largest=False).values.neg().exp().sum(-1)
            densest = int(rho.argmax())
            assert densest in centres[b] and out[b, densest] == centres[b].index(densest)


def test_densest_replaces_last_centre():
    # gamma ranks the densest (index 3) outside the top 2: it takes the second slot/label.
    gamma = torch.tensor([[5., 4., 3., 1., 0.], [5., 4., 3., 1., 0.]])
    centres = _select_centres(gamma, torch.tensor([3, 1]), 2)
    assert centres.tolist() == [[0, 3], [0, 1]]
    ties = _select_centres(torch.tensor([[1., 2., 2., 2.]]), torch.tensor([1]), 3)
    assert ties.tolist() == [[1, 2, 3]]


def test_properties():
    x = torch.randn(3, 40, 8, generator=torch.Generator().manual_seed(7))
    out = dpc_knn_group(x, 14)
    assert out.dtype == torch.long and out.shape == (3, 40)
    assert out.min() >= 0 and out.max() < 14
    assert all(row.unique().numel() == 14 for row in out)
    assert torch.equal(out, dpc_knn_group(x, 14))
    assert torch.equal(out, dpc_knn_group(x, 14, chunk_size=1))
    assert torch.equal(out, dpc_knn_group(x, 14, chunk_size=2))


@pytest.mark.parametrize('dtype', [torch.float16, torch.bfloat16])
def test_low_precision_input(dtype):
    x = torch.randn(2, 30, 8, generator=torch.Generator().manual_seed(8)).to(dtype)
    assert torch.equal(dpc_knn_group(x, 5), dpc_knn_group(x.float(), 5))
    check(x.float(), 5)


def _clusters_far_from_origin(seed):
    # Three clusters of spread 0.5 around centres of norm 1e3: squared norms ~1e6 (beyond
    # fp16), densities well above underflow, and 8 groups split the clusters by density.
    g = torch.Generator().manual_seed(seed)
    centres = torch.randn(2, 3, 16, generator=g)
    centres = 1e3 * centres / centres.norm(dim=-1, keepdim=True)
    return centres.repeat_interleave(40, dim=1) + 0.5 * torch.randn(2, 120, 16, generator=g)


@pytest.mark.parametrize('dtype', [torch.bfloat16, torch.float16])
def test_autocast_gives_the_fp32_partition(dtype):
    """``tools/train.py --amp`` groups under autocast, which would run the bound's bmm in
    low precision."""
    with torch.autocast('cpu', dtype=dtype):
        if torch.bmm(torch.ones(1, 2, 2), torch.ones(1, 2, 2)).dtype != dtype:
            pytest.skip(f'CPU autocast does not run bmm in {dtype} in this torch')
    scaled = torch.randn(2, 784, 64, generator=torch.Generator().manual_seed(13)) * 100
    clusters = _clusters_far_from_origin(14)
    scaled_fp32, clusters_fp32 = dpc_knn_group(scaled, 14), check(clusters, 8)
    with torch.autocast('cpu', dtype=dtype):
        assert torch.equal(dpc_knn_group(scaled, 14), scaled_fp32)
        assert torch.equal(dpc_knn_group(clusters, 8), clusters_fp32)
    # The clustered partition is not degenerate: real densities, groups inside clusters.
    knn = torch.cdist(clusters.double(), clusters.double()).topk(6, largest=False).values
    assert (knn[..., 1:].neg().exp().sum(-1) > 0.01).all()
    assert all(len(row[i:i + 40].unique()) > 1 for row in clusters_fp32 for i in (0, 40, 80))


def test_no_grad():
    x = torch.randn(2, 20, 4, requires_grad=True)
    out = dpc_knn_group(x, 3)
    assert out.grad_fn is None and not out.requires_grad
    assert x.grad is None


def test_invalid_arguments():
    x = torch.randn(1, 5, 2)
    for kwargs in ({'num_groups': 0}, {'num_groups': 2, 'k': 0},
                   {'num_groups': 2, 'dist_scale': 0.0}):
        with pytest.raises(ValueError):
            dpc_knn_group(x, **kwargs)
    with pytest.raises(ValueError):
        dpc_knn_group(x[0], 2)


# The fast path: exact distances only where the matmul bounds cannot decide.

def _count_rows(monkeypatch):
    """Spy on the rows that leave step 1 and on those that need whole exact rows."""
    counts = {'unproven': 0, 'exact_rows': 0}
    row_slices, exact_rows = dpc_knn_module._row_slices, dpc_knn_module._exact_rows

    def spy_slices(unproven, size):
        counts['unproven'] += int(unproven.sum())
        return row_slices(unproven, size)

    def spy_rows(x, batch_idx, token_idx):
        counts['exact_rows'] += len(batch_idx)
        return exact_rows(x, batch_idx, token_idx)

    monkeypatch.setattr(dpc_knn_module, '_row_slices', spy_slices)
    monkeypatch.setattr(dpc_knn_module, '_exact_rows', spy_rows)
    return counts


def _far_clusters(seed):
    # Two clusters 2000 apart, structure at 1e-2 inside: the matmul formula's error
    # (~1e6 * C * 2**-24) is far above the squared distances inside a cluster.
    centre = torch.zeros(2, 1, 4)
    centre[..., 0] = 1000
    noise = torch.randn(2, 40, 4, generator=torch.Generator().manual_seed(seed))
    return torch.cat([centre, -centre], dim=1).repeat_interleave(20, dim=1) + 1e-2 * noise


def _offset_grid(seed):
    # Grid values on a large common offset: many exact distance ties (exact in fp32 and
    # float64 alike) whose matmul estimates differ in the last bits.
    grid = torch.randint(0, 4, (2, 60, 4), generator=torch.Generator().manual_seed(seed))
    return 1000 + 0.5 * grid.float()


INPUTS = {
    'randn': lambda g: torch.randn(2, 150, 64, generator=g),
    'few_channels': lambda g: torch.randn(2, 150, 1, generator=g) * 50 + 7,
    'offset': lambda g: torch.randn(2, 150, 16, generator=g) + 1e3,
    'huge': lambda g: torch.randn(2, 150, 32, generator=g) * 1e4,
    'outliers': lambda g: torch.cat([torch.randn(2, 140, 32, generator=g),
                                     1e3 * torch.randn(2, 10, 32, generator=g)], dim=1),
    'relu': lambda g: torch.randn(2, 150, 128, generator=g).relu() * 3,
    'far_clusters': lambda g: _far_clusters(0),
    'offset_grid': lambda g: _offset_grid(0),
}


@pytest.mark.parametrize('name', INPUTS)
def test_matmul_lower_bound_holds(name):
    x = INPUTS[name](torch.Generator().manual_seed(9))
    low, slack = _lower_sq_dist(x)
    exact = torch.cdist(x, x, compute_mode='donot_use_mm_for_euclid_dist').double()**2
    lower = low.double() - slack.double()[..., None]
    assert (lower <= exact).all()  # fp32 squares are exact in float64
    if name == 'randn':  # and tight enough for the fast path to be fast
        off_diag = ~torch.eye(x.shape[1], dtype=torch.bool)
        assert ((exact - lower)[:, off_diag] / exact[:, off_diag]).max() < 1e-3


@pytest.mark.parametrize('make,num_groups,k', [(_far_clusters, 5, 5), (_offset_grid, 5, 5),
                                               (_offset_grid, 5, 2)])
def test_decisions_below_matmul_resolution(monkeypatch, make, num_groups, k):
    """Near ties that the matmul cannot resolve go to exact distances, and must."""
    x = make(0 if make is _far_clusters else 2)
    ref, _ = naive_dpc_knn(x, num_groups, k=k)
    counts = _count_rows(monkeypatch)
    check(x, num_groups, k=k)
    assert counts['exact_rows'] > 0
    # Without the error bound (u = 0) the same inputs are grouped wrongly.
    monkeypatch.setattr(dpc_knn_module, '_FP32_ROUNDOFF', 0.0)
    assert not torch.equal(dpc_knn_group(x, num_groups, k=k), ref)


def test_outlier_tokens_match_naive():
    g = torch.Generator().manual_seed(10)
    x = torch.randn(2, 80, 8, generator=g)
    x[:, ::20] *= 1e3  # a few tokens of huge norm
    check(x, 6)


def test_generic_tokens_take_the_fast_path(monkeypatch):
    counts = _count_rows(monkeypatch)
    x = torch.randn(4, 400, 64, generator=torch.Generator().manual_seed(11))
    dpc_knn_group(x, 14)
    assert counts['exact_rows'] == 0
    assert 0 < counts['unproven'] < 0.05 * 4 * 400  # step 2 for a few local maxima only


def test_reduced_precision_matmul_widens_the_bound():
    x = torch.randn(2, 60, 16, generator=torch.Generator().manual_seed(12))
    previous = torch.get_float32_matmul_precision()
    torch.set_float32_matmul_precision('highest')
    labels, (_, slack) = dpc_knn_group(x, 5), _lower_sq_dist(x)
    try:
        torch.set_float32_matmul_precision('medium')  # bfloat16 inputs where supported
        assert torch.equal(dpc_knn_group(x, 5), labels)
        assert (_lower_sq_dist(x)[1] > 10 * slack).all()
    finally:
        torch.set_float32_matmul_precision(previous)
