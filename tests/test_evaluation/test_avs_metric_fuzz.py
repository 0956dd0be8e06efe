"""AVSMetric on random clips, shapes and values (hypothesis): valid input gives finite numbers
in range (NaN only where documented), invalid input an error naming the clip; never a crash
or a silent NaN."""
import math
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.test_evaluation.test_avs_metric import IGNORE, make_sample, run_metric

# FUZZ_EXAMPLES=1000 fuzzes longer
FUZZ = settings(max_examples=int(os.environ.get('FUZZ_EXAMPLES', 40)), deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
LOGITS = st.one_of(st.floats(-50, 50), st.sampled_from([0.0, 1e30, -1e30, 3e38, -3e38]))


@st.composite
def clips(draw, protocol):
    """Per-frame samples of 1-4 clips of 1-6 frames, frames of 1x1 to 7x9 pixels."""
    num_classes = 2 if protocol == 'avsbench' else draw(st.integers(2, 6))
    samples = []
    for clip in range(draw(st.integers(1, 4))):
        height, width = draw(st.integers(1, 7)), draw(st.integers(1, 9))
        num_frames = draw(st.integers(1, 6))
        channels = draw(st.sampled_from([1, 2]))
        for t in range(num_frames):
            pixels = height * width
            gt = np.array(draw(st.lists(st.sampled_from(list(range(num_classes)) + [IGNORE]),
                                        min_size=pixels, max_size=pixels))).reshape(height, width)
            pred = np.array(draw(st.lists(st.integers(0, num_classes - 1), min_size=pixels,
                                          max_size=pixels))).reshape(height, width)
            logits = np.array(draw(st.lists(LOGITS, min_size=channels * pixels,
                                            max_size=channels * pixels)))
            samples.append(make_sample(
                f'c{clip}', t, num_frames, gt, pred=pred,
                logits=logits.reshape(channels, height, width),
                is_padded=draw(st.booleans()) if t > 0 else False,
                tags=draw(st.lists(st.sampled_from(['silent', 'offscreen']), max_size=2))))
    return protocol, num_classes, samples


def assert_in_range(metrics, samples, protocol):
    evaluated = [s for s in samples if protocol == 'avss' or not s['is_padded']]
    assert metrics['num_frames'] == len(evaluated)
    for key, value in metrics.items():
        assert not isinstance(value, float) or math.isnan(value) or 0 <= value <= 100, key
    for key in ('J', 'F', 'J&F'):
        # the only NaN: the 'dataset' F when no frame has a pixel that is not ignored
        if math.isnan(metrics[key]):
            assert protocol == 'dataset' and key != 'J'
            assert all((s['gt_sem_seg']['data'] == IGNORE).all() for s in evaluated)
    # FPR counts real frames only (a padded slot is no frame, under every protocol)
    empty = [s for s in evaluated if not s['is_padded'] and not (
        (s['gt_sem_seg']['data'] > 0) & (s['gt_sem_seg']['data'] != IGNORE)).any()]
    assert math.isnan(metrics['FPR_empty']) == (not empty)


@pytest.mark.parametrize('protocol', ['dataset', 'avss', 'avsbench'])
@FUZZ
@given(data=st.data())
def test_random_valid_input_gives_numbers_in_range(protocol, data):
    protocol, num_classes, samples = data.draw(clips(protocol))
    assert_in_range(run_metric(samples, protocol, num_classes), samples, protocol)


@FUZZ
@given(clip=clips('avsbench'), bad=st.sampled_from([np.nan, np.inf, -np.inf]),
       position=st.floats(0, 1, exclude_max=True))
def test_non_finite_logits_name_the_frame(clip, bad, position):
    protocol, num_classes, samples = clip
    sample = samples[int(position * len(samples))]
    sample['is_padded'] = False
    logits = sample['seg_logits']['data']
    logits.view(-1)[int(position * logits.numel())] = bad
    with pytest.raises(ValueError, match=f"clip {sample['clip_id']} frame "
                                         f"{sample['frame_idx']}: non-finite seg_logits"):
        run_metric(samples, protocol, num_classes)


# 'avsbench' scores the logits, not pred_sem_seg
@pytest.mark.parametrize('protocol,key,value', [
    (protocol, 'gt_sem_seg', value) for protocol in ('dataset', 'avss', 'avsbench')
    for value in (7, -1)] + [
    (protocol, 'pred_sem_seg', value) for protocol in ('dataset', 'avss')
    for value in (7, IGNORE)])
def test_labels_outside_the_classes_name_the_frame(protocol, key, value):
    samples = [make_sample('a', 0, 2, [[0, 1], [1, 0]], pred=[[0, 1], [1, 1]],
                           logits=np.zeros((1, 2, 2))),
               make_sample('a', 1, 2, [[0, 1], [1, 0]], pred=[[0, 1], [1, 1]],
                           logits=np.zeros((1, 2, 2)))]
    samples[1][key]['data'][0, 0, 1] = value
    with pytest.raises(ValueError, match=f'clip a frame 1: {key} holds'):
        run_metric(samples, protocol, 2)
