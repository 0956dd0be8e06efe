"""The audio-only probe: its labels against what the generator wrote elsewhere (case tags,
object masks), and a short run end to end."""
import os.path as osp

import numpy as np
import pytest

from mmseg_avs.analysis.audio_probe import probe_examples, run_audio_probe
from mmseg_avs.datasets import AVSBenchMS3Dataset
from mmseg_avs.datasets.synthetic import generate_synthetic_avs

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs/synthetic/baseline_mit-tiny_synthetic-ms3.py')


@pytest.fixture(scope='module')
def root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('synthetic') / 'ms3')
    generate_synthetic_avs(root, layout='ms3', preset='hard', image_size=32, seed=0,
                           num_clips={'train': 4, 'val': 0, 'test': 12}, progress=False)
    return root


def test_labels(root):
    audio, heard, twin = probe_examples(root, 'test', CONFIG)
    assert audio.shape == (60, 1, 96, 64) and heard.shape == (60, 6) and twin.shape == (60, )
    dataset = AVSBenchMS3Dataset(root, split='test', pipeline=[])
    tags = [tag for i in range(len(dataset)) for tag in dataset.get_data_info(i)['case_tags']]
    silent = np.array(['silent' in t for t in tags])
    assert silent.any() and not heard[silent].any() and heard[~silent].any(1).all()
    # a twin second: the heard twin is the one with more pixels (sizes are drawn apart)
    assert (twin >= 0).sum() >= 5
    records = [np.load(osp.join(root, 'synthetic_objects',
                                f"{dataset.get_data_info(i)['clip_id']}.npz"))
               for i in range(len(dataset))]
    for s in np.flatnonzero(twin >= 0):
        record = records[s // 5]
        heard_twin = int(np.argmax(record['audible'][s % 5, :2]))
        area = [(record['instances'] == i).sum((1, 2)).max() for i in (0, 1)]
        assert twin[s] == int(area[heard_twin] > area[1 - heard_twin])


def test_short_run(root):
    result = run_audio_probe(root, CONFIG, steps=3, batch_size=8)
    assert result['seconds'] == 60 and result['twin_seconds'] >= 5
    for key in ('exact_set', 'per_class', 'twin_size'):
        assert 0 <= result[key] <= 100
