"""mmseg_avs.analysis.score_by_region: the frame measures on a hand-made frame."""
import numpy as np
import pytest

from mmseg_avs.analysis.score_by_region import frame_measures


def test_frame_measures_by_hand():
    scores = np.array([[0.9, 0.4, 0.6],
                       [0.2, 0.1, 0.0]], np.float32)
    sounding = np.array([[1, 1, 0], [0, 0, 0]], bool)
    # the object mask holds every visible object, the sounding one included
    objects = np.array([[1, 1, 1], [1, 0, 0]], bool)
    m = frame_measures(scores, sounding, objects)
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
    low = frame_measures(scores * 0.5, sounding, objects)
    assert low['empty'] == 1.0 and low['auc_silent'] == 0.75  # same ranking, nothing kept
    alone = frame_measures(scores, sounding, sounding)
    assert np.isnan(alone['mean@silent']) and np.isnan(alone['auc_silent'])
