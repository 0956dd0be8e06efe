"""mmseg_avs.analysis.group_separation and .rank_auc: the measures on hand-made cases."""
import numpy as np
import pytest

from mmseg_avs.analysis.group_separation import chance_purity, pair_purity, token_roles
from mmseg_avs.analysis.rank_auc import pairwise_auc


def test_measures_by_hand():
    # group 0: one sounding + one silent token (max 1); group 1: two sounding (max 2); the
    # token of group 2 belongs to neither object: purity (1 + 2) / 4
    labels, roles = np.array([0, 0, 1, 1, 2]), np.array([1, 2, 1, 1, 0])
    assert pair_purity(labels, roles) == 0.75
    assert np.isnan(pair_purity(labels, np.zeros(5, np.int64)))
    # one group: shuffling the labels changes nothing
    one_group = np.zeros(5, np.int64)
    assert chance_purity(one_group, roles, np.random.default_rng(0)) == 0.75
    # 3 > 2 twice, 1 < 2 twice: 2 of 4 pairs; a tie counts one half
    assert pairwise_auc(np.array([3., 1.]), np.array([2., 2.])) == 0.5
    assert pairwise_auc(np.array([2.]), np.array([2.])) == 0.5
    assert pairwise_auc(np.array([1., 2.]), np.array([0.])) == 1.0
    assert np.isnan(pairwise_auc(np.array([1.]), np.array([])))


def test_rank_auc_equals_the_pairwise_definition():
    rng = np.random.default_rng(0)
    for _ in range(20):
        # few distinct values: many ties within and across the two sides
        positive = rng.integers(0, 6, size=rng.integers(1, 40)).astype(float)
        negative = rng.integers(0, 6, size=rng.integers(1, 40)).astype(float)
        diff = positive[:, None] - negative[None, :]
        expected = (diff > 0).mean() + 0.5 * (diff == 0).mean()
        assert pairwise_auc(positive, negative) == pytest.approx(expected, abs=1e-12)


def test_token_roles_need_half_the_area():
    sounding = np.zeros((4, 4), bool)
    sounding[:2, :2] = True    # all of token 0
    sounding[0, 2] = True      # a quarter of token 1
    silent = np.zeros((4, 4), bool)
    silent[2, 2:] = True       # half of token 3
    assert token_roles(sounding, silent, (2, 2)).tolist() == [1, 0, 0, 2]
