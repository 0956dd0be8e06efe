"""A model trained from a published audio encoder's weight file (VGGish) is tested
(tools/test.py) and run on a video (tools/segment_video.py) from its checkpoint alone, with
the weight file gone; training still reads the file and names it when it is missing.

The published ``vggish-10086976.pth`` cannot be downloaded here. Its stand-in has exactly
its keys and shapes (an untrained VGGish's state dict, values drawn here), which is all the
strict check compares.
"""
import json
import os
import os.path as osp

import numpy as np
import pytest
import torch
from mmseg.registry import MODELS

from mmseg_avs.datasets.synthetic import generate_synthetic_avs
from tests.test_apis.media import encode_video
from tests.test_tools.test_train_test_tools import REPO, cfg_options, run

BASELINE = osp.join(REPO, 'configs/synthetic/baseline_mit-tiny_synthetic-ms3.py')
pytestmark = pytest.mark.slow


def published_vggish_stand_in(path: str) -> dict:
    """Write a file in the published VGGish layout (a plain state dict); return its tensors."""
    generator = torch.Generator().manual_seed(0)
    state = {k: torch.empty(v.shape).normal_(0, 0.02, generator=generator)
             for k, v in MODELS.build(dict(type='VGGish')).state_dict().items()}
    torch.save(state, path)
    return state


def write_vggish_config(path: str, weights: str) -> str:
    """The synthetic Baseline with the configs' VGGish: frozen, the published weights read
    from ``weights``, 128-d tokens (a trainable projection of ours)."""
    with open(path, 'w') as f:
        f.write(f'_base_ = [{BASELINE!r}]\n'
                'model = dict(audio_encoder=dict(\n'
                f"    _delete_=True, type='VGGish', pretrained={weights!r}, frozen=True,\n"
                '    token_channels=128))\n')
    return path


def test_checkpoint_is_tested_and_demoed_without_the_weight_file(tmp_path, monkeypatch):
    monkeypatch.setenv('OMP_NUM_THREADS', '1')  # the subprocesses may share the machine
    root = str(tmp_path / 'ms3')
    generate_synthetic_avs(root, layout='ms3', preset='easy', image_size=32, seed=0,
                           num_clips={'train': 2, 'val': 1, 'test': 1}, progress=False)
    weights = str(tmp_path / 'vggish-10086976.pth')
    published = published_vggish_stand_in(weights)
    config = write_vggish_config(str(tmp_path / 'vggish_synthetic-ms3.py'), weights)
    options = ['--cfg-options', *cfg_options(root, 1, 1)]

    work = str(tmp_path / 'work')
    res = run(['tools/train.py', config, '--work-dir', work, *options], timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    checkpoint = osp.join(work, 'iter_1.pth')
    state = torch.load(checkpoint, map_location='cpu', weights_only=True)['state_dict']
    # the file was read when training started, and stayed frozen
    for key, value in published.items():
        assert torch.equal(state[f'audio_encoder.{key}'], value), key

    # a machine that has the checkpoint only
    os.remove(weights)
    metrics = str(tmp_path / 'metrics.json')
    res = run(['tools/test.py', config, checkpoint, '--work-dir', work, '--out', metrics,
               *options], timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    assert 0 <= json.load(open(metrics))['J&F'] <= 100

    frames = [np.full((32, 32, 3), value, np.uint8) for value in (60, 180)]
    wave = (0.3 * np.sin(2 * np.pi * 440 * np.arange(2 * 16000) / 16000)).astype(np.float32)
    video = encode_video(str(tmp_path / 'clip.mp4'), frames, fps=4, wave=wave, repeat=4)
    out = str(tmp_path / 'demo')
    # no --config: the one the checkpoint embeds, which names the deleted file
    res = run(['tools/segment_video.py', video, '--checkpoint', checkpoint, '--out-dir', out],
              timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    summary = json.load(open(osp.join(out, 'summary.json')))
    assert summary['num_seconds'] == 2
    for second in summary['seconds']:
        assert osp.isfile(osp.join(out, second['mask']))
    assert osp.isfile(osp.join(out, 'overlay.mp4'))

    # training does need the file: no fallback to random audio weights
    res = run(['tools/train.py', config, '--work-dir', str(tmp_path / 'again'), *options],
              timeout=600)
    assert res.returncode != 0
    assert f'pretrained checkpoint not found: {weights}' in res.stderr, res.stderr[-3000:]
    assert 'vggish-10086976.pth (torchvggish layout)' in res.stderr
