"""VGGish: published layout and forward pass, strict checkpoint loading (by init_weights(),
not at build), freezing, and use as the segmentor's audio encoder.

Reference values come from ``avsbench_clips/`` of the reference data (``tests/reference_data.py``):
the published VGGish model's output on a real clip's log-mel, with weights drawn by a rule that
only needs the published key order and shapes (``vggish_state_dict_shapes.json``).
"""
import json

import numpy as np
import pytest
import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.model import BaseModule
from mmseg.registry import MODELS

from tests.reference_data import reference_file

from .test_audio_visual_model import _batch

SHAPES = 'avsbench_clips/vggish_state_dict_shapes.json'
LOGMEL = 'avsbench_clips/real_clip_vggish_logmel.npy'
EMBEDDING = 'avsbench_clips/real_clip_vggish_seeded_embedding.npy'
CST_CFG = 'configs/synthetic/sgsm-cst_mit-tiny_synthetic-ms3.py'


@pytest.fixture(scope='module')
def shapes():
    with open(reference_file(SHAPES)) as f:
        return json.load(f)


@pytest.fixture(scope='module')
def seeded_ckpt(shapes, tmp_path_factory):
    """The published file format (a plain state dict) holding the seeded weights."""
    torch.manual_seed(0)
    state = {k: nn.init.normal_(torch.empty(shape), 0, 0.02) for k, shape in shapes.items()}
    path = tmp_path_factory.mktemp('vggish') / 'vggish-seeded.pth'
    torch.save(state, path)
    return path, state


def build_loaded(**kwargs) -> nn.Module:
    """VGGish built and initialised as the runner does when training starts."""
    model = MODELS.build(dict(type='VGGish', **kwargs))
    model.init_weights()
    return model


@pytest.fixture(scope='module')
def seeded(seeded_ckpt):
    return build_loaded(pretrained=str(seeded_ckpt[0]))


def test_state_dict_is_the_published_one(shapes):
    model = MODELS.build(dict(type='VGGish', pretrained=None))
    assert {k: list(v.shape) for k, v in model.state_dict().items()} == shapes
    assert list(model.state_dict()) == list(shapes)


def test_seeded_forward_matches_published_output(seeded, seeded_ckpt):
    logmel = torch.from_numpy(np.load(reference_file(LOGMEL)))              # [5, 1, 96, 64]
    ref = np.load(reference_file(EMBEDDING))                                 # [5, 128]
    for k, v in seeded_ckpt[1].items():                               # loaded as is
        assert torch.equal(seeded.state_dict()[k], v), k
    with torch.no_grad():
        tokens, embedding = seeded(logmel)
    err = np.abs(embedding.numpy() - ref).max() / np.abs(ref).max()
    assert err < 1e-5, f'max|diff| / max|ref| = {err:.2e}'
    assert tokens.shape == (5, 24, 512)
    # tokens are the last conv map in (time, frequency) order, the order the published
    # flatten uses: the embedding's first layer applied to them gives the embedding.
    with torch.no_grad():
        again = seeded.embeddings(tokens.flatten(1))
    torch.testing.assert_close(again, embedding)


def test_multi_second_segment_joins_its_examples(seeded):
    """A 3-s segment [N, 1, 288, 64] (VPO): the tokens of its 3 examples, in order, and the
    mean of their published embeddings."""
    logmel = torch.from_numpy(np.load(reference_file(LOGMEL)))[:3]         # [3, 1, 96, 64]
    with torch.no_grad():
        tokens, embedding = seeded(torch.cat(list(logmel), dim=1)[None])
        single_tokens, _ = seeded(logmel)
    ref = np.load(reference_file(EMBEDDING))[:3].mean(0, keepdims=True)
    assert np.abs(embedding.numpy() - ref).max() / np.abs(ref).max() < 1e-5
    torch.testing.assert_close(tokens, single_tokens.reshape(1, 72, 512))


def test_token_projection_is_ours_trainable_and_not_loaded(seeded_ckpt):
    model = build_loaded(pretrained=str(seeded_ckpt[0]), token_channels=128)
    trainable = [n for n, p in model.named_parameters() if p.requires_grad]
    assert trainable == ['token_proj.weight', 'token_proj.bias']
    tokens, embedding = model(torch.randn(2, 1, 96, 64))
    assert tokens.shape == (2, 24, 128) and embedding.shape == (2, 128)
    assert tokens.requires_grad and not embedding.requires_grad
    assert model.out_channels == 128


def test_frozen_by_default_and_stays_in_eval_mode():
    model = MODELS.build(dict(type='VGGish'))
    assert not any(p.requires_grad for p in model.parameters())
    model.train()
    assert not model.training
    with pytest.raises(ValueError, match=r'\[N, 1, 96 \* S, 64\], got \[2, 1, 101, 64\]'):
        model(torch.zeros(2, 1, 101, 64))
    trainable = MODELS.build(dict(type='VGGish', frozen=False)).train()
    assert trainable.training and all(p.requires_grad for p in trainable.parameters())


def test_file_is_read_by_init_weights_not_at_build(seeded_ckpt, tmp_path):
    """Building reads no file, so a trained checkpoint loads without the published one; a
    missing file is an error of init_weights() (the start of training), naming the file and
    its source."""
    missing = tmp_path / 'nope.pth'
    model = MODELS.build(dict(type='VGGish', pretrained=str(missing), token_channels=128))
    assert [n for n, p in model.named_parameters() if p.requires_grad] == [
        'token_proj.weight', 'token_proj.bias']  # frozen at build all the same
    trained = {'token_proj.weight': torch.zeros(128, 512), 'token_proj.bias': torch.zeros(128),
               **seeded_ckpt[1]}
    model.load_state_dict(trained, strict=True)  # as tools/test.py loads a checkpoint
    with pytest.raises(FileNotFoundError, match='nope.pth') as info:
        model.init_weights()
    assert 'vggish-10086976.pth' in str(info.value)
    assert 'harritaylor/torchvggish/releases' in str(info.value)


def test_mismatched_checkpoint_lists_every_problem(seeded_ckpt, tmp_path):
    state = dict(seeded_ckpt[1])
    del state['embeddings.4.bias']
    state['embeddings.6.weight'] = torch.zeros(3)
    state['features.0.weight'] = torch.zeros(64, 3, 3, 3)
    path = tmp_path / 'bad.pth'
    torch.save(state, path)
    model = MODELS.build(dict(type='VGGish', pretrained=str(path)))
    with pytest.raises(ValueError) as info:
        model.init_weights()
    msg = str(info.value)
    assert str(path) in msg and 'vggish-10086976.pth' in msg
    assert 'missing keys (1): embeddings.4.bias' in msg
    assert 'unexpected keys (1): embeddings.6.weight' in msg
    assert 'features.0.weight: file [64, 3, 3, 3], model [64, 1, 3, 3]' in msg


def test_unreadable_and_non_state_dict_files_are_errors(tmp_path):
    garbage = tmp_path / 'garbage.pth'
    garbage.write_bytes(b'not a checkpoint')
    with pytest.raises(ValueError, match='cannot read pretrained checkpoint .*garbage.pth'):
        build_loaded(pretrained=str(garbage))
    listed = tmp_path / 'list.pth'
    torch.save([torch.zeros(1)], listed)
    with pytest.raises(ValueError, match='list.pth holds no state dict'):
        build_loaded(pretrained=str(listed))


def test_init_weights_of_a_parent_keeps_the_published_weights(seeded_ckpt):
    """MMEngine's runner calls init_weights() on the whole model; a parent's init_cfg that
    re-initialises every Conv2d/Linear must not leave random weights behind."""
    parent = BaseModule(init_cfg=dict(type='Normal', layer=['Conv2d', 'Linear'], std=1.0))
    parent.encoder = MODELS.build(dict(type='VGGish', pretrained=str(seeded_ckpt[0])))
    parent.init_weights()
    for k, v in seeded_ckpt[1].items():
        assert torch.equal(parent.encoder.state_dict()[k], v), k


def test_as_segmentor_audio_encoder_with_contrastive_alignment(seeded_ckpt):
    """VGGish with 128-d tokens in the SGSM+CST config: loss, and gradients reach the token
    projection but not the published weights."""
    cfg = Config.fromfile(CST_CFG).model
    cfg.audio_encoder = dict(type='VGGish', pretrained=str(seeded_ckpt[0]), token_channels=128)
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    model.init_weights()
    model.train()
    assert not model.audio_encoder.training
    for k, v in seeded_ckpt[1].items():
        assert torch.equal(model.audio_encoder.state_dict()[k], v), k
    inputs, samples, audio = _batch(num_clips=1, num_frames=1)
    losses = model(inputs, samples, mode='loss', audio=audio)
    assert 'loss_cst' in losses
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    params = dict(model.named_parameters())
    assert params['audio_encoder.token_proj.weight'].grad.abs().sum() > 0
    assert params['audio_encoder.features.0.weight'].grad is None
