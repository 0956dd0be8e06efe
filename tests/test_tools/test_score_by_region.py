"""tools/analysis/score_by_region.py: a run on a tiny synthetic MS3 set with an untrained
Baseline (its frame measures: tests/test_analysis/test_score_by_region.py)."""
import json
import os.path as osp

import pytest

from mmseg_avs.analysis.score_by_region import COLUMNS
from tests.test_tools.synthetic_checkpoint import random_checkpoint_on_synthetic_ms3
from tests.tool_loader import load_tool

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs/synthetic/baseline_mit-tiny_synthetic-ms3.py')


@pytest.mark.slow
def test_run_on_synthetic_clips(tmp_path):
    tool = load_tool('tools/analysis/score_by_region.py')
    ckpt, opts = random_checkpoint_on_synthetic_ms3(tmp_path, CONFIG, test_clips=3)
    out = tmp_path / 'out'
    rows = tool.main([CONFIG, ckpt, ckpt, '--out', str(out), '--cfg-options', *opts])
    saved = json.loads((out / 'score_by_region.json').read_text())
    assert saved['per_checkpoint'] == rows and rows[0] == rows[1]
    assert rows[0]['frames'] == 3 * 5
    for name in COLUMNS[1:]:
        assert 0 <= rows[0][name] <= 1, name
    assert (out / 'score_by_region.md').read_text().count(f'| {ckpt} |') == 2  # a row each
    with pytest.raises(ValueError, match='no test frame'):
        tool.main([CONFIG, ckpt, '--out', str(out), '--tag', 'no_such_tag',
                   '--cfg-options', *opts])
