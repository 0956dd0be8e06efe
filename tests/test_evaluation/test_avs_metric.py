"""AVSMetric against naive re-implementations of each protocol's public definition.

The reference values come from per-frame, per-class Python loops (and an explicit loop over the
255 thresholds for AVSBench's F), written from the public reference code's definitions
(OpenNLPLab/AVSBench ``utility.py`` and ``compute_color_metrics.py``, cyh-0/CAVP
``eval_utils.py``), or
from numbers worked out by hand; never from the code under test.
"""
import math
import os
import pickle
import random
import socket
from collections import defaultdict

import numpy as np
import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from mmseg_avs.evaluation import AVSMetric

TAGS = ('same_class_pair', 'state_transition', 'silent', 'offscreen')
IGNORE = 255
AVSBENCH_THRESHOLDS = torch.linspace(0, 1 - 1e-10, 255)


# ----------------------------------------------------------------------------- sample building
def make_sample(clip_id, frame_idx, num_frames, gt, pred=None, logits=None, is_padded=None,
                tags=None):
    """One frame as MMSeg hands it to a metric (``SegDataSample.to_dict()``)."""
    sample = dict(
        clip_id=clip_id,
        frame_idx=frame_idx,
        num_frames=num_frames,
        img_path=f'{clip_id}/{frame_idx}.jpg',
        gt_sem_seg=dict(data=torch.as_tensor(np.asarray(gt)).long()[None]))
    if pred is not None:
        sample['pred_sem_seg'] = dict(data=torch.as_tensor(np.asarray(pred)).long()[None])
    if logits is not None:
        sample['seg_logits'] = dict(data=torch.as_tensor(np.asarray(logits), dtype=torch.float32))
    if is_padded is not None:
        sample['is_padded'] = is_padded
    if tags is not None:
        sample['case_tags'] = list(tags)
    return sample


def random_clips(seed, num_classes, channels=None, padded=False, num_clips=7):
    """Random clips of 1-5 frames; with ``padded``, 10 slots: the real frames, then padded ones.

    Frames have empty truths (some with empty predictions), ignore pixels and random case tags;
    with more than 2 classes the last class never occurs and the one before only in predictions.
    ``channels`` (1, 2, or 0 for a per-clip mix) adds binary logits with saturated scores (exactly
    0 and 1) and scores placed on the F thresholds.
    """
    rng = np.random.default_rng(seed)
    gt_classes = num_classes if num_classes == 2 else num_classes - 2
    pred_classes = num_classes if num_classes == 2 else num_classes - 1
    samples = []
    for clip in range(num_clips):
        clip_id = f'clip{(clip * 5) % num_clips:02d}'  # ids not in arrival order
        height, width = rng.integers(3, 7, size=2)
        num_real = int(rng.integers(1, 6))
        num_slots = 10 if padded else num_real
        if padded and rng.random() < 0.3:
            num_real = num_slots = 10
        clip_channels = channels or int(rng.integers(1, 3))
        for t in range(num_slots):
            gt = rng.integers(0, gt_classes, size=(height, width))
            empty = rng.random() < 0.3
            if empty:
                gt[:] = 0
            gt[rng.random((height, width)) < 0.1] = IGNORE
            pred = np.where(rng.random((height, width)) < 0.6, np.where(gt == IGNORE, 0, gt),
                            rng.integers(0, pred_classes, size=(height, width)))
            if empty and rng.random() < 0.5:
                pred[:] = 0
            logits = None
            if channels is not None:
                fg_logit = rng.normal(0, 2.5, size=(height, width)) + 1.5 * (gt == 1)
                special = rng.random((height, width))
                fg_logit[special < 0.05] = 40.0  # sigmoid == 1.0, the last threshold
                fg_logit[(special >= 0.05) & (special < 0.1)] = -200.0  # sigmoid == 0.0
                on_threshold = (special >= 0.1) & (special < 0.2)
                picks = AVSBENCH_THRESHOLDS[rng.integers(1, 254, size=int(on_threshold.sum()))]
                fg_logit[on_threshold] = torch.logit(picks.double()).numpy()
                if empty and rng.random() < 0.5:
                    fg_logit[:] = -5.0
                bg_logit = np.where(on_threshold, 0.0, rng.normal(0, 1, size=(height, width)))
                logits = fg_logit[None] if clip_channels == 1 else np.stack([bg_logit, fg_logit])
            tags = [tag for tag in TAGS if rng.random() < 0.35]
            samples.append(make_sample(
                clip_id, t, num_slots, gt, pred=pred, logits=logits,
                is_padded=(t >= num_real) if padded or rng.random() < 0.5 else None,
                tags=tags if tags or rng.random() < 0.5 else None))
    return samples


def run_metric(samples, protocol, num_classes, clips_per_batch=2, **kwargs):
    """Evaluate as MMSeg's val loop does: batches of whole clips, ``evaluate(len(dataset))``."""
    metric = AVSMetric(protocol, num_classes=num_classes, **kwargs)
    clip_ids = list(dict.fromkeys(s['clip_id'] for s in samples))
    for start in range(0, len(clip_ids), clips_per_batch):
        batch = [s for s in samples if s['clip_id'] in clip_ids[start:start + clips_per_batch]]
        metric.process({}, batch[::-1])
    return metric.evaluate(len(clip_ids))


# ----------------------------------------------------------------------------- naive references
def arrays(sample):
    gt = sample['gt_sem_seg']['data'][0].numpy()
    pred = sample['pred_sem_seg']['data'][0].numpy() if 'pred_sem_seg' in sample else None
    return pred, gt


def naive_dataset(samples, num_classes, beta2=0.3):
    """CAVP MIoU / ForegroundDetect: split-level I/U and a confusion matrix, per-pixel loops."""
    inter = np.zeros(num_classes)
    union = np.zeros(num_classes)
    confusion = np.zeros((num_classes, num_classes))  # [truth, prediction]
    for sample in samples:
        if sample.get('is_padded', False):
            continue
        pred, gt = arrays(sample)
        valid = gt != IGNORE
        for c in range(num_classes):
            inter[c] += np.sum((pred == c) & (gt == c) & valid)
            union[c] += np.sum(((pred == c) | (gt == c)) & valid)
        for p, g in zip(pred[valid], gt[valid]):
            confusion[g, p] += 1
    j = np.mean(inter / (union + np.spacing(1)))
    tp = np.diag(confusion)
    fp = confusion.sum(axis=0) - tp
    fn = confusion.sum(axis=1) - tp
    f_per_class = []
    for c in range(num_classes):
        if tp[c] + fp[c] + fn[c] > 0:
            f_per_class.append((1 + beta2) * tp[c] / ((1 + beta2) * tp[c] + beta2 * fn[c] + fp[c]))
    return 100 * j, 100 * np.mean(f_per_class)


def naive_avss(samples, num_classes, beta2=0.3):
    """calc_color_miou_fscore: per-frame, per-class IoU and F; class means over frames seen."""
    iou_sum = np.zeros(num_classes)
    f_sum = np.zeros(num_classes)
    seen = np.zeros(num_classes)
    for sample in samples:
        pred, gt = arrays(sample)
        if sample.get('is_padded', False):
            gt = np.zeros_like(gt)
        valid = gt != IGNORE
        for c in range(num_classes):
            i = np.float64(np.sum((pred == c) & (gt == c) & valid))
            n_pred = np.float64(np.sum((pred == c) & valid))
            n_gt = np.float64(np.sum((gt == c) & valid))
            u = n_pred + n_gt - i
            iou_sum[c] += i / (u + 2.220446049250313e-16)
            with np.errstate(invalid='ignore', divide='ignore'):
                precision, recall = i / n_pred, i / n_gt
                f = (1 + beta2) * precision * recall / (beta2 * precision + recall)
            f_sum[c] += 0.0 if np.isnan(f) else f
            seen[c] += u > 0
    j = [iou_sum[c] / seen[c] if seen[c] else 0.0 for c in range(num_classes)]
    f = [f_sum[c] / seen[c] if seen[c] else 0.0 for c in range(num_classes)]
    return 100 * np.mean(j), 100 * np.mean(f)


def binary_scores(sample):
    logits = sample['seg_logits']['data'].float()
    # 2 channels: softmax[1], written as the sigmoid of the logit difference
    return torch.sigmoid(logits[0] if logits.shape[0] == 1 else logits[1] - logits[0])


def naive_avsbench_frame(sample, beta2):
    """mask_iou of one frame, and its Eval_Fmeasure curve (None for an empty truth)."""
    thresholds = AVSBENCH_THRESHOLDS.numpy()  # float32, compared with float32 scores
    score = binary_scores(sample).numpy()
    target = (sample['gt_sem_seg']['data'][0] == 1).double().numpy()  # 255 is background
    pred = (score > 0.5).astype(np.float64)
    if target.sum() > 0:
        iou = (pred * target).sum() / (np.maximum(pred, target).sum() + 1e-7)
    else:
        iou = ((1 - pred) * (1 - target)).sum() / (target.size + 1e-7)
    if target.mean() == 0:
        return iou, None
    precision, recall = np.zeros(255), np.zeros(255)
    for k in range(255):
        y_k = (score >= thresholds[k]).astype(np.float64)
        tp = (y_k * target).sum()
        precision[k] = tp / (y_k.sum() + 1e-20)
        recall[k] = tp / (target.sum() + 1e-20)
    with np.errstate(invalid='ignore'):
        f = (1 + beta2) * precision * recall / (beta2 * precision + recall)
    f[f != f] = 0
    return iou, f


def naive_avsbench(samples, beta2=0.3, cache=None):
    """TPAVI's J and F with one clip per batch (``cache``: frame results by sample id)."""
    cache = {} if cache is None else cache
    clips = defaultdict(list)
    for sample in samples:
        if not sample.get('is_padded', False):
            clips[sample['clip_id']].append(sample)
    clip_j, clip_f = [], []
    for frames in clips.values():
        ious, curves = [], []
        for sample in sorted(frames, key=lambda s: s['frame_idx']):
            if id(sample) not in cache:
                cache[id(sample)] = naive_avsbench_frame(sample, beta2)
            iou, curve = cache[id(sample)]
            ious.append(iou)
            if curve is not None:
                curves.append(curve)
        clip_j.append(np.mean(ious))
        clip_f.append(np.mean(curves, axis=0).max() if curves else 0.0)
    return 100 * np.mean(clip_j), 100 * np.mean(clip_f)


def naive_pred_fg(sample, protocol):
    """Whether a real frame's prediction has a foreground pixel the protocol counts."""
    if protocol == 'avsbench':
        return bool((binary_scores(sample) > 0.5).any())
    pred, gt = arrays(sample)
    return bool(np.any((pred > 0) & (gt != IGNORE)))


def naive_fpr(samples, protocol):
    """Share (%) of real frames with an empty truth whose prediction has foreground (a padded
    slot is no frame, whatever the protocol)."""
    flags = []
    for sample in samples:
        if sample.get('is_padded', False):
            continue
        _, gt = arrays(sample)
        if protocol == 'avsbench':
            gt_fg = np.any(gt == 1)
        else:
            gt_fg = np.any((gt > 0) & (gt != IGNORE))
        if not gt_fg:
            flags.append(naive_pred_fg(sample, protocol))
    return 100 * np.mean(flags) if flags else float('nan')


def naive_metrics(samples, protocol, num_classes):
    def evaluated(subset):
        return [s for s in subset if protocol == 'avss' or not s.get('is_padded', False)]

    avsbench_frames = {}

    def summary(subset):
        if protocol == 'dataset':
            return naive_dataset(subset, num_classes)
        if protocol == 'avss':
            return naive_avss(subset, num_classes)
        return naive_avsbench(subset, cache=avsbench_frames)

    j, f = summary(samples)
    expected = {'J': j, 'F': f, 'J&F': (j + f) / 2, 'FPR_empty': naive_fpr(samples, protocol),
                'num_frames': len(evaluated(samples)),
                'empty_pred': 100 * np.mean([not naive_pred_fg(s, protocol) for s in samples
                                             if not s.get('is_padded', False)])}
    frames = evaluated(samples)
    for tag in TAGS:
        subset = [s for s in frames if tag in s.get('case_tags', [])]
        if subset:
            j, f = summary(subset)
            expected.update({f'J@{tag}': j, f'F@{tag}': f, f'J&F@{tag}': (j + f) / 2,
                             f'FPR@{tag}': naive_fpr(subset, protocol),
                             f'num_frames@{tag}': len(subset)})
    return expected


def assert_metrics_equal(actual, expected, rel=1e-9, abs_tol=1e-9):
    assert sorted(actual) == sorted(expected)
    for key, value in expected.items():
        if isinstance(value, float) and math.isnan(value):
            assert math.isnan(actual[key]), key
        else:
            assert math.isclose(actual[key], value, rel_tol=rel, abs_tol=abs_tol), \
                (key, actual[key], value)


# ----------------------------------------------------------------------------- against naive
@pytest.mark.parametrize('seed', range(4))
@pytest.mark.parametrize('num_classes', [2, 5])
def test_dataset_protocol_matches_naive(seed, num_classes):
    samples = random_clips(seed, num_classes)
    expected = naive_metrics(samples, 'dataset', num_classes)
    assert_metrics_equal(run_metric(samples, 'dataset', num_classes), expected)


@pytest.mark.parametrize('seed', range(4))
@pytest.mark.parametrize('channels', [1, 2, 0])
def test_avsbench_protocol_matches_naive(seed, channels):
    samples = random_clips(seed + 10, 2, channels=channels)
    # the random data must hit the edge cases: scores exactly 0, 1 and on thresholds
    scores = torch.cat([binary_scores(s).flatten() for s in samples])
    assert (scores == 1).any() and (scores == 0).any()
    assert torch.isin(scores, AVSBENCH_THRESHOLDS[1:-1]).any()
    expected = naive_metrics(samples, 'avsbench', 2)
    assert_metrics_equal(run_metric(samples, 'avsbench', 2), expected)


@pytest.mark.parametrize('seed', range(4))
@pytest.mark.parametrize('num_classes', [2, 5])
def test_avss_protocol_matches_naive(seed, num_classes):
    samples = random_clips(seed + 20, num_classes, padded=True)
    assert any(s.get('is_padded') for s in samples)
    expected = naive_metrics(samples, 'avss', num_classes)
    assert_metrics_equal(run_metric(samples, 'avss', num_classes), expected)


@pytest.mark.parametrize('protocol,num_classes,channels,padded',
                         [('dataset', 5, None, True), ('avss', 5, None, True),
                          ('avsbench', 2, 0, True)])
def test_case_tag_numbers_are_the_protocol_on_the_tagged_frames(protocol, num_classes, channels,
                                                                padded):
    samples = random_clips(3, num_classes, channels=channels, padded=padded)
    full = run_metric(samples, protocol, num_classes)
    for tag in TAGS:
        subset = [s for s in samples if tag in s.get('case_tags', [])
                  and (protocol == 'avss' or not s.get('is_padded', False))]
        assert subset, tag
        alone = run_metric(subset, protocol, num_classes)
        for name in ('J', 'F', 'J&F', 'num_frames'):
            assert full[f'{name}@{tag}'] == pytest.approx(alone[name], rel=1e-12, abs=1e-12)
        assert full[f'FPR@{tag}'] == pytest.approx(alone['FPR_empty'], rel=1e-12, nan_ok=True)


def test_threshold_histogram_equals_bucketize_around_every_threshold():
    """The histogram of each score's last threshold index, against torch.bucketize on the
    float32 thresholds, for every float32 within 64 steps of each threshold, 0, 1 and random
    scores, with a random truth."""
    from mmseg_avs.evaluation.avs_metric import _threshold_histogram
    gen = torch.Generator().manual_seed(0)
    near = [AVSBENCH_THRESHOLDS]
    for direction in (2., -1.):
        step = AVSBENCH_THRESHOLDS
        for _ in range(64):
            step = torch.nextafter(step, torch.tensor(direction))
            near.append(step)
    scores = torch.cat(near + [torch.tensor([0., 1.]), torch.rand(100_000, generator=gen)])
    scores = scores.clamp(0, 1)
    target = torch.rand(scores.shape, generator=gen) < 0.4
    index = torch.bucketize(scores, AVSBENCH_THRESHOLDS, right=True) - 1
    expected = torch.bincount(index + 255 * target, minlength=510).reshape(2, 255)
    hist = _threshold_histogram(scores.numpy(), target.numpy())
    assert torch.equal(torch.from_numpy(hist).long(), expected)


def test_two_channel_logits_score_as_their_difference():
    """softmax([l0, l1])[1] == sigmoid(l1 - l0): 2-channel logits give exactly the numbers of
    the 1-channel logits l1 - l0."""
    two = random_clips(7, 2, channels=2)
    one = [dict(s, seg_logits=dict(data=s['seg_logits']['data'][1:] - s['seg_logits']['data'][:1]))
           for s in two]
    assert run_metric(two, 'avsbench', 2) == run_metric(one, 'avsbench', 2)


@pytest.mark.parametrize('protocol', ['dataset', 'avsbench', 'avss'])
def test_one_channel_logits_score_as_the_two_channel_logits_zero_and_l(protocol):
    """A one-channel (sigmoid) binary head's logits l and a two-channel head's (0, l), each
    through the segmentor's prediction path (un-padding, resizing to the original size,
    decision) into AVSMetric: the same numbers. Ties (l = 0) and logits so close to 0 that
    their float32 sigmoid is 0.5 must be decided as the two-channel argmax decides them."""
    from mmengine.config import Config
    from mmengine.structures import PixelData
    from mmseg.registry import MODELS
    from mmseg.structures import SegDataSample

    cfg = Config.fromfile('configs/synthetic/ravs_mit-tiny_synthetic-ms3.py')
    two_channel = MODELS.build(cfg.model)
    cfg.model.decode_head.out_channels = 1
    one_channel = MODELS.build(cfg.model)
    rng = np.random.default_rng(0)
    scored = {1: [], 2: []}
    for sample in random_clips(11, 2, channels=1):
        fg = sample['seg_logits']['data']                               # [1, h, w]
        fg[:, 0] = 0.0                                                  # ties
        fg[:, -1, :2] = torch.tensor([1e-9, -1e-9])                     # sigmoid == 0.5
        padded = torch.cat([fg, torch.from_numpy(rng.normal(size=(1, 1, fg.shape[2])))
                            .float()], dim=1)                           # a padded row
        gt = sample['gt_sem_seg']['data'][0].repeat_interleave(2, 0).repeat_interleave(2, 1)
        meta = {k: v for k, v in sample.items() if not k.endswith(('_seg', 'logits'))}
        meta.update(ori_shape=tuple(gt.shape), padding_size=[0, 0, 0, 1])
        for channels, model in ((1, one_channel), (2, two_channel)):
            logits = padded if channels == 1 else torch.cat([torch.zeros_like(padded), padded])
            (data_sample, ) = model.postprocess_result(logits[None],
                                                       [SegDataSample(metainfo=meta)])
            data_sample.gt_sem_seg = PixelData(data=gt[None])
            scored[channels].append(data_sample.to_dict())
    assert any((s['pred_sem_seg']['data'] == 1).any() for s in scored[1])
    assert_metrics_equal(run_metric(scored[1], protocol, 2), run_metric(scored[2], protocol, 2),
                         rel=0, abs_tol=0)


def test_no_tag_keys_without_tags():
    samples = [make_sample('a', 0, 1, [[0, 1]], pred=[[0, 1]]),
               make_sample('a', 1, 1, [[0, 0]], pred=[[0, 0]], tags=[])]
    assert sorted(run_metric(samples, 'dataset', 2)) == sorted(
        ['J', 'F', 'J&F', 'FPR_empty', 'empty_pred', 'num_frames'])


def test_results_are_small_per_frame_records():
    metric = AVSMetric('avsbench', num_classes=2)
    samples = random_clips(0, 2, channels=2)
    metric.process({}, samples)
    assert len(metric.results) == len({s['clip_id'] for s in samples})  # one result per clip
    for result in metric.results:
        for record in result['frames']:
            for value in record.values():
                assert not isinstance(value, torch.Tensor)
                assert np.size(value) <= 2 * 255  # a threshold histogram at most


def test_a_frame_seen_twice_counts_once():
    samples = random_clips(5, 5)
    metric = AVSMetric('dataset', num_classes=5)
    metric.process({}, samples)
    metric.process({}, samples[:4])  # e.g. a sampler's padding, evaluated without truncation
    assert_metrics_equal(metric.compute_metrics(metric.results), run_metric(samples, 'dataset', 5))


def test_builds_from_config_and_takes_seg_data_samples():
    # the path of a real run: registry build, SegDataSamples through MMEngine's Evaluator
    from mmengine.evaluator import Evaluator
    from mmengine.registry import init_default_scope
    from mmengine.structures import PixelData
    from mmseg.registry import METRICS
    from mmseg.structures import SegDataSample

    init_default_scope('mmseg')
    samples = random_clips(6, 2, channels=2)
    data_samples = []
    for sample in samples:
        data_sample = SegDataSample(metainfo={
            k: v for k, v in sample.items() if not k.endswith(('_seg', 'logits'))})
        for key in ('gt_sem_seg', 'pred_sem_seg', 'seg_logits'):
            data_sample.set_data({key: PixelData(data=sample[key]['data'])})
        data_samples.append(data_sample)
    evaluator = Evaluator(METRICS.build(dict(type='AVSMetric', protocol='avsbench',
                                             num_classes=2)))
    evaluator.process(data_samples)
    result = evaluator.evaluate(len({s['clip_id'] for s in samples}))
    assert_metrics_equal(result, run_metric(samples, 'avsbench', 2))


def test_rejects_bad_arguments():
    with pytest.raises(ValueError):
        AVSMetric('avsbench', num_classes=3)
    with pytest.raises(ValueError):
        AVSMetric('per_frame', num_classes=2)
    with pytest.raises(TypeError):
        AVSMetric('dataset')


# ----------------------------------------------------------------------------- by hand
def test_dataset_protocol_by_hand():
    # classes: 0 background, 1, 2, 3 (3 never occurs); frames are 1x4.
    # frame 0: gt [0 1 1 255], pred [0 1 0 2] (the last pixel is ignored)
    # frame 1: gt [0 0 0 0],   pred [0 2 2 0]
    # frame 2: padded, skipped by this protocol (its garbage would change every number).
    # class 0: I = 1 + 2 = 3, pred 2 + 2 = 4, gt 1 + 4 = 5 -> U = 6, IoU 1/2; tp 3 fp 1 fn 2
    #          F = 1.3*3 / (1.3*3 + 0.3*2 + 1) = 3.9/5.5 = 39/55
    # class 1: I = 1, pred 1, gt 2 -> U = 2, IoU 1/2; tp 1 fp 0 fn 1: F = 1.3/(1.3+0.3) = 13/16
    # class 2: I = 0, pred 2 (frame 1), gt 0 -> IoU 0; tp 0 fp 2 fn 0: F = 0
    # class 3: IoU 0 (counts in the mean), F = 0/0 (dropped from the nan-mean)
    # J = (1/2 + 1/2 + 0 + 0)/4 = 1/4; F = (39/55 + 13/16 + 0)/3
    # Frame 1 has an empty truth and predicts class 2: FPR_empty = 100.
    samples = [
        make_sample('a', 0, 3, [[0, 1, 1, 255]], pred=[[0, 1, 0, 2]]),
        make_sample('a', 1, 3, [[0, 0, 0, 0]], pred=[[0, 2, 2, 0]]),
        make_sample('a', 2, 3, [[1, 1, 1, 1]], pred=[[3, 3, 3, 3]], is_padded=True),
    ]
    result = run_metric(samples, 'dataset', 4)
    j, f = 100 / 4, 100 * (39 / 55 + 13 / 16) / 3
    assert result['J'] == pytest.approx(j)
    assert result['F'] == pytest.approx(f)
    assert result['J&F'] == pytest.approx((j + f) / 2)
    assert result['FPR_empty'] == 100
    assert result['num_frames'] == 2


def test_avss_protocol_by_hand():
    # classes 0, 1, 2; F_c = 1.3 P R / (0.3 P + R) with P = I/Np, R = I/Ng; frames are 1x4.
    # frame 0: gt [0 1 1 255], pred [0 1 0 2] (last pixel ignored)
    #   c0: I 1, Np 2, Ng 1, U 2 -> IoU 1/2, P 1/2 R 1 -> F = 0.65/1.15 = 13/23
    #   c1: I 1, Np 1, Ng 2, U 2 -> IoU 1/2, P 1 R 1/2 -> F = 0.65/0.8 = 13/16
    #   c2: U 0 -> not seen, adds 0
    # frame 1: gt [0 0 2 2], pred [2 0 2 1]
    #   c0: I 1, Np 1, Ng 2, U 2 -> IoU 1/2, F = 13/16
    #   c1: I 0, Np 1, Ng 0, U 1 -> IoU 0, F = NaN -> 0 (seen)
    #   c2: I 1, Np 2, Ng 2, U 3 -> IoU 1/3, P R 1/2 -> F = 0.325/0.65 = 1/2
    # frame 2: padded; its truth is all background whatever gt_sem_seg says; pred [0 0 0 1]
    #   c0: I 3, Np 3, Ng 4, U 4 -> IoU 3/4, P 1 R 3/4 -> F = 0.975/1.05 = 13/14
    #   c1: I 0, Np 1, Ng 0, U 1 -> IoU 0, F 0 (seen)
    # seen: c0 3, c1 3, c2 1
    # J = ((1/2 + 1/2 + 3/4)/3 + (1/2)/3 + (1/3)/1) / 3 = (7/12 + 1/6 + 1/3)/3 = 13/36
    # F = ((13/23 + 13/16 + 13/14)/3 + (13/16)/3 + (1/2)/1) / 3
    # Only frame 2 has an empty truth, and it is padded: no real frame to count, FPR_empty is
    # NaN; both real frames predict foreground: empty_pred = 0.
    samples = [
        make_sample('a', 0, 3, [[0, 1, 1, 255]], pred=[[0, 1, 0, 2]], is_padded=False),
        make_sample('a', 1, 3, [[0, 0, 2, 2]], pred=[[2, 0, 2, 1]]),
        make_sample('a', 2, 3, [[1, 1, 255, 2]], pred=[[0, 0, 0, 1]], is_padded=True),
    ]
    result = run_metric(samples, 'avss', 3)
    j = 100 * 13 / 36
    f = 100 * ((13 / 23 + 13 / 16 + 13 / 14) / 3 + 13 / 16 / 3 + 1 / 2) / 3
    assert result['J'] == pytest.approx(j)
    assert result['F'] == pytest.approx(f)
    assert result['J&F'] == pytest.approx((j + f) / 2)
    assert math.isnan(result['FPR_empty'])
    assert result['empty_pred'] == 0
    assert result['num_frames'] == 3


def logit(p):
    return float(np.log(p / (1 - p))) if 0 < p < 1 else -1e4


def test_avsbench_protocol_by_hand():
    # Clip A, 1-channel logits, frames 1x4 (scores s; P = s > 0.5; Y_t = s >= t):
    # A0: G [1 1 0 0], s [.9 .6 .3 0]: P = G -> IoU 1.
    #   F(t): t = 0: Y all, P 1/2 R 1 -> 1.3*.5/1.15 = 13/23; 0 < t <= .3: 3 pixels, P 2/3
    #   -> 1.3*(2/3)/1.2 = 13/18; .3 < t <= .6: Y = G -> 1; .6 < t <= .9: 13/16; t > .9: 0
    # A1: G [1 0 0 0], s [.2 .7 0 0]: P = {1}, I 0, U 2 -> IoU 0.
    #   F(t): t = 0: P 1/4 R 1 -> .325/1.075 = 13/43; 0 < t <= .2: P 1/2 -> 13/23; t > .2: 0
    # A2: G empty, s [.9 .1 0 0]: IoU = pixels predicted background / HW = 3/4; no F curve.
    # Mean curve of A0, A1: t=0: (13/23 + 13/43)/2 = .434; (0, .2]: (13/18 + 13/23)/2 = .644;
    #   (.2, .3]: 13/36; (.3, .6]: 1/2; (.6, .9]: 13/32; so clip F = (13/18 + 13/23)/2.
    #   Clip J = (1 + 0 + 3/4)/3 = 7/12.
    # Clip B, 2-channel logits: B0: G [0 0 255 0] (255 is background here), softmax score
    #   sigmoid(-2) everywhere -> P empty, IoU 4/4 = 1; no non-empty frame -> clip F = 0.
    #   B1 is padded and skipped (it would add a perfect frame).
    # J = (7/12 + 1)/2 = 19/24; F = ((13/18 + 13/23)/2 + 0)/2.
    # Empty truths: A2 (predicts pixel 0) and B0 (predicts nothing): FPR_empty = 50.
    def ones(*probs):
        return [[[logit(p) for p in probs]]]

    samples = [
        make_sample('A', 0, 3, [[1, 1, 0, 0]], logits=ones(.9, .6, .3, 0)),
        make_sample('A', 1, 3, [[1, 0, 0, 0]], logits=ones(.2, .7, 0, 0)),
        make_sample('A', 2, 3, [[0, 0, 0, 0]], logits=ones(.9, .1, 0, 0)),
        make_sample('B', 0, 2, [[0, 0, 255, 0]], logits=[[[2.] * 4], [[0.] * 4]]),
        make_sample('B', 1, 2, [[1, 1, 1, 1]], logits=[[[0.] * 4], [[5.] * 4]], is_padded=True),
    ]
    result = run_metric(samples, 'avsbench', 2)
    j, f = 100 * 19 / 24, 100 * (13 / 18 + 13 / 23) / 4
    assert result['J'] == pytest.approx(j, abs=1e-4)  # the 1e-7 in mask_iou's denominators
    assert result['F'] == pytest.approx(f)
    assert result['J&F'] == pytest.approx((j + f) / 2, abs=1e-4)
    assert result['FPR_empty'] == 50
    assert result['num_frames'] == 4


def test_fpr_by_hand():
    # binary frames 1x3; the prediction counts as foreground only on non-ignored pixels for the
    # 'dataset' protocol, on every pixel for 'avsbench' (where 255 is background).
    # f0 silent:           gt [0 0 0],   pred [0 0 0]  -> empty truth, no foreground
    # f1 silent:           gt [0 0 0],   pred [0 1 0]  -> false positive
    # f2 offscreen:        gt [0 0 0],   pred [1 1 1]  -> false positive
    # f3 same_class_pair:  gt [0 1 1],   pred [0 0 0]  -> truth not empty
    # f4 silent+offscreen: gt [0 255 0], pred [0 1 0]  -> dataset: none; avsbench: false positive
    # dataset:  FPR@silent 1/3, FPR@offscreen 1/2, FPR@same_class_pair NaN, FPR_empty 2/4
    # avsbench: FPR@silent 2/3, FPR@offscreen 2/2, FPR_empty 3/4
    frames = [([0, 0, 0], [0, 0, 0], ['silent']),
              ([0, 0, 0], [0, 1, 0], ['silent']),
              ([0, 0, 0], [1, 1, 1], ['offscreen']),
              ([0, 1, 1], [0, 0, 0], ['same_class_pair']),
              ([0, 255, 0], [0, 1, 0], ['silent', 'offscreen'])]
    samples = [
        make_sample(f'c{i}', 0, 1, [gt], pred=[pred],
                    logits=[[[5.0 if p else -5.0 for p in pred]]], tags=tags)
        for i, (gt, pred, tags) in enumerate(frames)]
    dataset = run_metric(samples, 'dataset', 2)
    assert dataset['FPR@silent'] == pytest.approx(100 / 3)
    assert dataset['FPR@offscreen'] == 50
    assert math.isnan(dataset['FPR@same_class_pair'])
    assert dataset['FPR_empty'] == 50
    assert (dataset['num_frames@silent'], dataset['num_frames@offscreen'],
            dataset['num_frames@same_class_pair'], dataset['num_frames']) == (3, 2, 1, 5)
    assert 'J@state_transition' not in dataset
    avsbench = run_metric(samples, 'avsbench', 2)
    assert avsbench['FPR@silent'] == pytest.approx(200 / 3)
    assert avsbench['FPR@offscreen'] == 100
    assert avsbench['FPR_empty'] == 75


# ----------------------------------------------------------------------------- two processes
def distributed_cases():
    return {
        'dataset': (random_clips(40, 5), 'dataset', 5),
        'avss': (random_clips(41, 5, padded=True), 'avss', 5),
        'avsbench': (random_clips(42, 2, channels=0), 'avsbench', 2),
    }


def split_for_rank(samples, rank, world_size, mode):
    """The frames a rank sees in ``mode``, as a list of batches."""
    clip_ids = list(dict.fromkeys(s['clip_id'] for s in samples))
    by_clip = {c: [s for s in samples if s['clip_id'] == c] for c in clip_ids}
    if mode == 'sampler':
        # MMEngine's DefaultSampler: padded with the first clips to a multiple of world_size,
        # then every world_size-th index; one clip per batch, frames in reverse order
        order = list(range(len(clip_ids)))
        order += order[:(-len(order)) % world_size]
        return [by_clip[clip_ids[i]][::-1] for i in order[rank::world_size]]
    rng = random.Random(7)
    if mode == 'clips':
        # clips split 4/3, frames of a rank's clips interleaved in batches of 3
        mine = [s for i, c in enumerate(clip_ids) if (i < 4) == (rank == 0) for s in by_clip[c]]
        rng.shuffle(mine)
    else:
        # every frame anywhere: clips split across ranks and batches, 60/40
        frames = list(samples)
        rng.shuffle(frames)
        cut = int(0.6 * len(frames))
        mine = frames[:cut] if rank == 0 else frames[cut:]
    return [mine[i:i + 3] for i in range(0, len(mine), 3)]


def distributed_worker(rank, world_size, port, out_dir):
    dist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{port}', rank=rank,
                            world_size=world_size)
    try:
        outputs = {}
        for name, (samples, protocol, num_classes) in distributed_cases().items():
            for mode in ('sampler', 'clips', 'frames'):
                metric = AVSMetric(protocol, num_classes=num_classes,
                                   collect_dir=os.path.join(out_dir, f'{name}_{mode}'))
                for batch in split_for_rank(samples, rank, world_size, mode):
                    metric.process({}, batch)
                # the sampler mode is one result per clip: its size is the dataset length
                size = len({s['clip_id'] for s in samples}) if mode == 'sampler' else len(samples)
                outputs[f'{name}/{mode}'] = metric.evaluate(size)
        with open(os.path.join(out_dir, f'rank{rank}.pkl'), 'wb') as f:
            pickle.dump(outputs, f)
    finally:
        dist.destroy_process_group()


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@pytest.mark.timeout(120)
def test_two_processes_give_the_single_process_numbers(tmp_path):
    mp.spawn(distributed_worker, args=(2, free_port(), str(tmp_path)), nprocs=2, join=True)
    per_rank = []
    for rank in range(2):
        with open(tmp_path / f'rank{rank}.pkl', 'rb') as f:
            per_rank.append(pickle.load(f))
    for name, (samples, protocol, num_classes) in distributed_cases().items():
        single = run_metric(samples, protocol, num_classes)
        # the sampler's duplicate clip must be dropped, not counted twice
        assert single['num_frames'] == len(
            [s for s in samples if protocol == 'avss' or not s.get('is_padded', False)])
        for mode in ('sampler', 'clips', 'frames'):
            for rank in range(2):
                assert_metrics_equal(per_rank[rank][f'{name}/{mode}'], single, rel=1e-12,
                                     abs_tol=1e-12)


def test_mean_uncertainty_by_hand():
    # three real frames with mean uncertainty 0.2, 0.4, 0.9 (tag on the last two) and one
    # padded slot of 1.0 that must not count
    maps = [[[0.1, 0.3]], [[0.4, 0.4]], [[0.8, 1.0]], [[1.0, 1.0]]]
    tags = [[], ['state_transition'], ['state_transition'], []]
    samples = []
    for t, (values, tag) in enumerate(zip(maps, tags)):
        sample = make_sample('c0', t, 4, [[0, 1]], pred=[[0, 1]], is_padded=t == 3, tags=tag)
        sample['uncertainty'] = dict(data=torch.tensor(values)[None])
        samples.append(sample)
    metrics = run_metric(samples, 'avss', 2)
    assert metrics['uncertainty'] == pytest.approx(0.5)
    assert metrics['uncertainty@state_transition'] == pytest.approx(0.65)
    assert 'uncertainty' not in run_metric([make_sample('c0', 0, 1, [[0, 1]], pred=[[0, 1]])],
                                           'avss', 2)
