"""The trivial predictors, against J and F worked out from the mask files directly."""
import os.path as osp

import numpy as np
import pytest
from mmengine.config import Config
from PIL import Image

from mmseg_avs.analysis.trivial_predictors import TRIVIAL_PREDICTORS, score_trivial
from mmseg_avs.datasets import AVSBenchMS3Dataset
from mmseg_avs.datasets.synthetic import generate_synthetic_avs

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@pytest.fixture(scope='module')
def test_set(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('synthetic') / 'ms3')
    generate_synthetic_avs(root, layout='ms3', preset='hard', image_size=32, seed=0,
                           num_clips={'train': 1, 'val': 1, 'test': 4})
    pipeline = Config.fromfile(
        osp.join(REPO, 'configs/_base_/datasets/synthetic_ms3.py')).test_pipeline
    return AVSBenchMS3Dataset(root, split='test', pipeline=pipeline)


def _masks(dataset, folder):
    return np.stack([np.asarray(Image.open(p.replace('gt_masks', folder))) > 0
                     for i in range(len(dataset))
                     for p in dataset.get_data_info(i)['seg_map_paths']])


def _f(tp, fp, fn, beta2=0.3):
    denominator = (1 + beta2) * tp + beta2 * fn + fp
    return (1 + beta2) * tp / denominator if denominator else float('nan')


@pytest.mark.parametrize('name', ['every object', 'nothing'])
def test_scores_from_the_mask_files(test_set, name):
    gt = _masks(test_set, 'gt_masks')
    pred = _masks(test_set, 'object_masks') if name == 'every object' else np.zeros_like(gt)
    assert not (gt & ~_masks(test_set, 'object_masks')).any()  # the heard objects are visible
    # CAVP's protocol: IoU and F per class from pixel counts over the whole split
    ious, fs = [], []
    for p, g in ((~pred, ~gt), (pred, gt)):
        tp, fp, fn = (p & g).sum(), (p & ~g).sum(), (~p & g).sum()
        ious.append(tp / (tp + fp + fn + np.spacing(1)))
        fs.append(_f(tp, fp, fn))
    empty_truth = ~gt.reshape(len(gt), -1).any(1)
    predicted = pred.reshape(len(pred), -1).any(1)
    metrics = score_trivial(test_set, TRIVIAL_PREDICTORS[name])
    assert metrics['J'] == pytest.approx(100 * np.mean(ious))
    assert metrics['F'] == pytest.approx(100 * np.nanmean(fs))
    assert metrics['FPR_empty'] == pytest.approx(100 * predicted[empty_truth].mean())
    assert metrics['empty_pred'] == pytest.approx(100 * (~predicted).mean())
    assert metrics['num_frames'] == len(gt)
