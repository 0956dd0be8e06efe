"""tools/analysis/group_separation.py: a run on a tiny synthetic MS3 set with an untrained RAVS
(its measures: tests/test_analysis/test_group_separation.py)."""
import json
import math
import os.path as osp

import pytest

from tests.test_tools.synthetic_checkpoint import random_checkpoint_on_synthetic_ms3
from tests.tool_loader import load_tool

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs/synthetic/ravs_mit-tiny_synthetic-ms3.py')


@pytest.mark.slow
def test_run_on_synthetic_clips(tmp_path):
    tool = load_tool('tools/analysis/group_separation.py')
    ckpt, opts = random_checkpoint_on_synthetic_ms3(tmp_path, CONFIG, test_clips=4)
    out = tmp_path / 'out'
    summary = tool.main([CONFIG, ckpt, ckpt, '--out', str(out), '--cfg-options', *opts])
    saved = json.loads((out / 'group_separation.json').read_text())
    # NaN (an AUC with no tokens of one of the twins, whom 1/16 of 64 px can miss) == NaN here
    assert json.dumps(saved['summary']) == json.dumps(summary)
    assert sorted(summary) == ['stage 1', 'stage 2', 'stage 3']
    first, second = saved['per_checkpoint']
    # the same weights twice: the same numbers, no spread
    assert json.dumps(first) == json.dumps(second)
    for stage, r in first.items():
        assert r['frames'] > 0
        assert 0.5 <= r['purity'] <= 1 and 0.5 <= r['chance'] <= 1
        assert math.isnan(r['auc_relevance']) or 0 <= r['auc_relevance'] <= 1
        assert summary[stage]['purity'] == dict(mean=r['purity'], std=0.0)
    assert 0 <= first['stage 1']['auc_relevance'] <= 1
    response = first['stage 3']['auc_response']
    assert math.isnan(response) or 0 <= response <= 1
    assert '| stage 3 |' in (out / 'group_separation.md').read_text()
