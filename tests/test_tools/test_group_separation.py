"""tools/analysis/group_separation.py: its measures on hand-made cases, and a run on a tiny
synthetic MS3 set with an untrained RAVS."""
import json
import os.path as osp

import numpy as np
import pytest

from tests.test_tools.synthetic_checkpoint import random_checkpoint_on_synthetic_ms3
from tests.tool_loader import load_tool

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs/synthetic/ravs_mit-tiny_synthetic-ms3.py')


def _load_tool():
    return load_tool('tools/analysis/group_separation.py')


def test_measures_by_hand():
    tool = _load_tool()
    # group 0: one sounding + one silent token (max 1); group 1: two sounding (max 2); the
    # token of group 2 belongs to neither object: purity (1 + 2) / 4
    labels, roles = np.array([0, 0, 1, 1, 2]), np.array([1, 2, 1, 1, 0])
    assert tool.pair_purity(labels, roles) == 0.75
    assert np.isnan(tool.pair_purity(labels, np.zeros(5, np.int64)))
    # one group: shuffling the labels changes nothing
    one_group = np.zeros(5, np.int64)
    assert tool.chance_purity(one_group, roles, np.random.default_rng(0)) == 0.75
    # 3 > 2 twice, 1 < 2 twice: 2 of 4 pairs; a tie counts one half
    assert tool.pairwise_auc(np.array([3., 1.]), np.array([2., 2.])) == 0.5
    assert tool.pairwise_auc(np.array([2.]), np.array([2.])) == 0.5
    assert tool.pairwise_auc(np.array([1., 2.]), np.array([0.])) == 1.0
    assert np.isnan(tool.pairwise_auc(np.array([1.]), np.array([])))


def test_rank_auc_equals_the_pairwise_definition():
    tool = _load_tool()
    rng = np.random.default_rng(0)
    for _ in range(20):
        # few distinct values: many ties within and across the two sides
        positive = rng.integers(0, 6, size=rng.integers(1, 40)).astype(float)
        negative = rng.integers(0, 6, size=rng.integers(1, 40)).astype(float)
        diff = positive[:, None] - negative[None, :]
        expected = (diff > 0).mean() + 0.5 * (diff == 0).mean()
        assert tool.pairwise_auc(positive, negative) == pytest.approx(expected, abs=1e-12)


def test_token_roles_need_half_the_area():
    tool = _load_tool()
    sounding = np.zeros((4, 4), bool)
    sounding[:2, :2] = True    # all of token 0
    sounding[0, 2] = True      # a quarter of token 1
    silent = np.zeros((4, 4), bool)
    silent[2, 2:] = True       # half of token 3
    assert tool.token_roles(sounding, silent, (2, 2)).tolist() == [1, 0, 0, 2]


@pytest.mark.slow
def test_run_on_synthetic_clips(tmp_path):
    tool = _load_tool()
    ckpt, opts = random_checkpoint_on_synthetic_ms3(tmp_path, CONFIG, test_clips=4)
    out = tmp_path / 'out'
    summary = tool.main([CONFIG, ckpt, ckpt, '--out', str(out), '--cfg-options', *opts])
    saved = json.loads((out / 'group_separation.json').read_text())
    assert saved['summary'] == summary and sorted(summary) == ['stage 1', 'stage 2', 'stage 3']
    first, second = saved['per_checkpoint']
    assert first == second  # the same weights twice: the same numbers, no spread
    for stage, r in first.items():
        assert r['frames'] > 0
        assert 0.5 <= r['purity'] <= 1 and 0.5 <= r['chance'] <= 1
        assert 0 <= r['auc_relevance'] <= 1
        assert summary[stage]['purity'] == dict(mean=r['purity'], std=0.0)
    assert 0 <= first['stage 3']['auc_response'] <= 1
    assert '| stage 3 |' in (out / 'group_separation.md').read_text()
