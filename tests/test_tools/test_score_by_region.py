"""tools/analysis/score_by_region.py: the frame measures on a hand-made frame, and a run on a
tiny synthetic MS3 set with an untrained Baseline."""
import json
import os.path as osp

import numpy as np
import pytest

from tests.test_tools.synthetic_checkpoint import random_checkpoint_on_synthetic_ms3
from tests.tool_loader import load_tool

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs/synthetic/baseline_mit-tiny_synthetic-ms3.py')


def _load_tool():
    return load_tool('tools/analysis/score_by_region.py')


def test_frame_measures_by_hand():
    tool = _load_tool()
    scores = np.array([[0.9, 0.4, 0.6],
                       [0.2, 0.1, 0.0]], np.float32)
    sounding = np.array([[1, 1, 0], [0, 0, 0]], bool)
    # the object mask holds every visible object, the sounding one included
    objects = np.array([[1, 1, 1], [1, 0, 0]], bool)
    m = tool.frame_measures(scores, sounding, objects)
    assert m['empty'] == 0.0
    assert m['mean@sounding'] == pytest.approx(0.65)
    assert m['mean@silent'] == pytest.approx(0.4)          # 0.6 and 0.2
    assert m['mean@background'] == pytest.approx(0.05)     # 0.1 and 0.0
    assert m['above_half@sounding'] == 0.5
    assert m['above_half@silent'] == 0.5
    assert m['above_half@background'] == 0.0
    # sounding {0.9, 0.4} vs silent {0.6, 0.2}: 0.9 beats both, 0.4 beats 0.2 -> 3 of 4
    assert m['auc_silent'] == 0.75
    assert m['auc_background'] == 1.0
    low = tool.frame_measures(scores * 0.5, sounding, objects)
    assert low['empty'] == 1.0 and low['auc_silent'] == 0.75  # same ranking, nothing kept
    alone = tool.frame_measures(scores, sounding, sounding)
    assert np.isnan(alone['mean@silent']) and np.isnan(alone['auc_silent'])


@pytest.mark.slow
def test_run_on_synthetic_clips(tmp_path):
    tool = _load_tool()
    ckpt, opts = random_checkpoint_on_synthetic_ms3(tmp_path, CONFIG, test_clips=3)
    out = tmp_path / 'out'
    rows = tool.main([CONFIG, ckpt, ckpt, '--out', str(out), '--cfg-options', *opts])
    saved = json.loads((out / 'score_by_region.json').read_text())
    assert saved['per_checkpoint'] == rows and rows[0] == rows[1]
    assert rows[0]['frames'] == 3 * 5
    for name in tool.COLUMNS[1:]:
        assert 0 <= rows[0][name] <= 1, name
    assert (out / 'score_by_region.md').read_text().count(f'| {ckpt} |') == 2  # a row each
    with pytest.raises(ValueError, match='no test frame'):
        tool.main([CONFIG, ckpt, '--out', str(out), '--tag', 'no_such_tag',
                   '--cfg-options', *opts])
