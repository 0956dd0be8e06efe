"""The reference predictors, against J and F counted by hand from the generator's records
and mask files."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS
from PIL import Image

from mmseg_avs.analysis.reference_predictors import REFERENCE_PREDICTORS, score_reference
from mmseg_avs.evaluation.avs_metric import AVSMetric
from mmseg_avs.datasets.synthetic import ClipObjects, clip_objects_path, generate_synthetic_avs

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _test_set(root, layout):
    init_default_scope('mmseg')
    cfg = Config.fromfile(osp.join(REPO, f'configs/_base_/datasets/synthetic_{layout}.py'))
    return DATASETS.build(dict(cfg.test_dataloader.dataset, data_root=root))


@pytest.fixture(scope='module')
def test_set(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('synthetic') / 'ms3')
    generate_synthetic_avs(root, layout='ms3', preset='hard', image_size=32, seed=0,
                           num_clips={'train': 1, 'val': 1, 'test': 12}, progress=False)
    return _test_set(root, 'ms3')


def _records(dataset):
    return [ClipObjects.load(clip_objects_path(dataset.data_root,
                                               dataset.get_data_info(i)['clip_id']))
            for i in range(len(dataset))]


def _masks(dataset, folder):
    return np.stack([np.asarray(Image.open(p.replace('gt_masks', folder))) > 0
                     for i in range(len(dataset))
                     for p in dataset.get_data_info(i)['seg_map_paths']])


def _hand_picks(name, rec, t):
    """The predictors' rules, one object at a time."""
    n = len(rec.object_classes)
    visible = [(rec.instances[t] == i).any() for i in range(n)]

    def class_heard(i):
        c = rec.object_classes[i]
        return (any(rec.audible[t, j] and rec.object_classes[j] == c for j in range(n))
                or (rec.offscreen_class == c and rec.offscreen_audible[t]))

    picks = []
    for i in range(n):
        if name == 'every object':
            picks.append(True)
        elif name == 'nothing':
            picks.append(False)
        elif name == 'cue only':
            picks.append(rec.cue[t, i])
        elif name == 'class heard':
            picks.append(class_heard(i))
        elif name == 'instance heard':  # heard at some moment of the second
            picks.append(rec.audible[t, i])
        else:  # class heard, twins by halo
            same = [j for j in range(n) if visible[j] and class_heard(j)
                    and rec.object_classes[j] == rec.object_classes[i]]
            halo = [j for j in same if rec.cue[t, j]]
            picks.append(class_heard(i) and (len(same) < 2 or not halo or i in halo))
    return picks


def _f(tp, fp, fn, beta2=0.3):
    denominator = (1 + beta2) * tp + beta2 * fn + fp
    return (1 + beta2) * tp / denominator if denominator else float('nan')


@pytest.mark.parametrize('name', sorted(REFERENCE_PREDICTORS))
def test_scores_from_a_hand_count(test_set, name):
    gt = _masks(test_set, 'gt_masks')
    pred = np.stack([np.isin(rec.instances[t],
                             [i for i, p in enumerate(_hand_picks(name, rec, t)) if p])
                     for rec in _records(test_set) for t in range(len(rec.instances))])
    # CAVP's protocol: IoU and F per class from pixel counts over the whole split
    ious, fs = [], []
    for p, g in ((~pred, ~gt), (pred, gt)):
        tp, fp, fn = (p & g).sum(), (p & ~g).sum(), (~p & g).sum()
        ious.append(tp / (tp + fp + fn + np.spacing(1)))
        fs.append(_f(tp, fp, fn))
    empty_truth = ~gt.reshape(len(gt), -1).any(1)
    predicted = pred.reshape(len(pred), -1).any(1)
    metrics = score_reference(test_set, REFERENCE_PREDICTORS[name])
    assert metrics['J'] == pytest.approx(100 * np.mean(ious))
    assert metrics['F'] == pytest.approx(100 * np.nanmean(fs))
    assert metrics['FPR_empty'] == pytest.approx(100 * predicted[empty_truth].mean())
    assert metrics['num_frames'] == len(gt)


def test_the_set_tells_the_rules_apart(test_set):
    """The set has what makes the rules differ: a sound that stops inside a second (heard, but
    not in the mask), twins, halos on silent objects."""
    records = _records(test_set)
    assert any((rec.audible & ~rec.sounding).any() for rec in records)
    assert any(len(rec.object_classes) > 1 and rec.object_classes[0] == rec.object_classes[1]
               for rec in records)
    assert any((rec.cue & ~rec.sounding).any() for rec in records)
    # the objects' union is the generator's object_masks file, the truth is inside it
    objects = np.stack([rec.instances[t] >= 0 for rec in records
                        for t in range(len(rec.instances))])
    assert (objects == _masks(test_set, 'object_masks')).all()
    assert not (_masks(test_set, 'gt_masks') & ~objects).any()


def test_semantic_layout(tmp_path):
    """AVSS layout: objects are labelled with their class; picking the objects sounding at
    the frame reproduces the truth exactly (padded slots included), hearing does not."""
    root = str(tmp_path / 'avss')
    generate_synthetic_avs(root, layout='avss', preset='hard', image_size=32, seed=0,
                           num_clips={'train': 1, 'val': 1, 'test': 6}, progress=False)
    dataset = _test_set(root, 'avss')
    assert {dataset.get_data_info(i)['num_real_frames'] for i in range(len(dataset))} == {5, 10}
    num_classes = len(dataset.metainfo['classes'])
    metric = AVSMetric(protocol='dataset', num_classes=num_classes)
    for idx in range(len(dataset)):  # the truth itself as the prediction
        frames = []
        for sample in dataset[idx]['data_samples']:
            truth = sample.gt_sem_seg.data.clone()
            truth[truth == 255] = 0  # padded slots: predicted empty
            logits = torch.nn.functional.one_hot(truth[0], num_classes).permute(2, 0, 1)
            frames.append(dict(sample.metainfo, gt_sem_seg=dict(data=sample.gt_sem_seg.data),
                               pred_sem_seg=dict(data=truth), seg_logits=dict(data=logits)))
        metric.process({}, frames)
    best = metric.compute_metrics(metric.results)
    sounding = score_reference(dataset, lambda rec, t: rec.sounding[t])
    assert (sounding['J'], sounding['F']) == (best['J'], best['F'])
    heard = score_reference(dataset, REFERENCE_PREDICTORS['instance heard'])
    assert heard['J&F'] < best['J&F']
