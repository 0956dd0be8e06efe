"""HTS-AT: published layout and forward pass, strict loading of the Lightning checkpoint (by
init_weights(), not at build), front-end check, freezing, and use as the segmentor's audio
encoder.

Reference values come from ``htsat/`` of the reference data (``tests/reference_data.py``): the
published HTS-AT (AudioSet configuration) run on a real clip with weights drawn by
``htsat_seeded_rule.json`` from the published key order and shapes alone; tolerance as its
README says: 1e-5 of max|ref|.
"""
import json
import re

import librosa
import numpy as np
import pytest
import torch
import torch.nn as nn
from mmengine.config import Config
from mmseg.registry import MODELS
from scipy.signal import get_window

from mmseg_avs.signal.logmel import htsat_logmel
from tests.reference_data import reference_file

from .test_audio_visual_model import _batch

CST_CFG = 'configs/synthetic/sgsm-cst_mit-tiny_synthetic-ms3.py'
CONSTANT = re.compile(r'(^|\.)(norm|norm1|norm2|bn0)\.(weight|bias)$')


def _load(name: str):
    path = reference_file(f'htsat/{name}')
    if path.suffix == '.json':
        with open(path) as f:
            return json.load(f)
    return np.load(path)


def _rel_err(out: torch.Tensor, ref: np.ndarray) -> float:
    return float(np.abs(out.numpy() - ref).max() / np.abs(ref).max())


def _frontend_tensors():
    """torchlibrosa's values (htsat_seeded_rule.json), computed independently of HTSAT."""
    n, k = np.arange(1024), np.arange(513)
    basis = np.exp(-2j * np.pi / 1024)**(k[:, None] * n) * get_window('hann', 1024, fftbins=True)
    mel = librosa.filters.mel(sr=32000, n_fft=1024, n_mels=64, fmin=50, fmax=14000).T
    return {'spectrogram_extractor.stft.conv_real.weight': torch.tensor(basis.real[:, None]),
            'spectrogram_extractor.stft.conv_imag.weight': torch.tensor(basis.imag[:, None]),
            'logmel_extractor.melW': torch.tensor(mel)}


@pytest.fixture(scope='module')
def seeded_state():
    """The reference weights: htsat_seeded_rule.json applied to the shapes file."""
    shapes, rule = _load('htsat_state_dict_shapes.json'), _load('htsat_seeded_rule.json')
    buffers = set(shapes['_buffers'])
    skipped = tuple(rule['skipped_parameters']['prefixes'])
    state = {}
    torch.manual_seed(0)
    for key, shape in shapes.items():
        if key.startswith('_') or key in buffers or key.startswith(skipped):
            continue
        if CONSTANT.search(key):
            state[key] = torch.full(shape, 1.0 if key.endswith('.weight') else 0.0)
        else:
            state[key] = nn.init.normal_(torch.empty(shape, dtype=torch.float32), 0.0, 0.02)
    state.update({k: v.float() for k, v in _frontend_tensors().items()})
    # Buffers of the reference run: fresh batch-norm statistics; the relative-position
    # indices and shift masks as the model computes them (checked by the outputs below).
    fresh = MODELS.build(dict(type='HTSAT')).state_dict()
    state.update({k: fresh[k] for k in buffers})
    state.update({'bn0.running_mean': torch.zeros(64), 'bn0.running_var': torch.ones(64),
                  'bn0.num_batches_tracked': torch.tensor(0)})
    return {k: state[k] for k in shapes if not k.startswith('_')}


@pytest.fixture(scope='module')
def seeded_ckpt(seeded_state, tmp_path_factory):
    """A file in the official Lightning layout: ``state_dict`` with ``sed_model.`` keys."""
    path = tmp_path_factory.mktemp('htsat') / 'HTSAT_seeded.ckpt'
    torch.save({'epoch': 0, 'global_step': 0, 'pytorch-lightning_version': '1.5.9',
                'state_dict': {f'sed_model.{k}': v for k, v in seeded_state.items()}}, path)
    return path


def build_loaded(**kwargs) -> nn.Module:
    """HTSAT built and initialised as the runner does when training starts."""
    model = MODELS.build(dict(type='HTSAT', **kwargs))
    model.init_weights()
    return model


@pytest.fixture(scope='module')
def seeded(seeded_ckpt):
    return build_loaded(pretrained=str(seeded_ckpt))


def test_state_dict_is_the_published_one():
    shapes = _load('htsat_state_dict_shapes.json')
    state = MODELS.build(dict(type='HTSAT', pretrained=None)).state_dict()
    keys = [k for k in shapes if not k.startswith('_')]
    assert list(state) == keys
    assert all(list(state[k].shape) == shapes[k] for k in keys)
    assert {k for k, v in state.items() if v.dtype != torch.float32} == set(
        shapes['_dtypes_not_float32'])


def test_seeded_forward_matches_published_outputs(seeded, seeded_state):
    for k, v in seeded_state.items():                      # loaded as is
        assert torch.equal(seeded.state_dict()[k], v), k
    logmel = torch.from_numpy(_load('htsat_logmel.npy'))   # [1, 1, 1001, 64]
    with torch.no_grad():
        tokens, embedding = seeded(logmel)
        clipwise = seeded.clipwise_output(tokens)
    assert tokens.shape == (1, 64, 768)
    err_latent = _rel_err(embedding, _load('htsat_seeded_latent.npy'))
    err_clip = _rel_err(clipwise, _load('htsat_seeded_clipwise.npy'))
    assert err_latent < 1e-5 and err_clip < 1e-5, (err_latent, err_clip)


def test_from_waveform_through_our_frontend(seeded):
    """The reference input (10 s, zero-padded at the end) through ``htsat_logmel``."""
    wave = np.zeros(320000, dtype=np.float32)
    clip = _load('real_clip_32k.npy')
    wave[:len(clip)] = clip
    logmel = torch.from_numpy(htsat_logmel(wave))[None, None]
    with torch.no_grad():
        _, embedding = seeded(logmel)
    assert _rel_err(embedding, _load('htsat_seeded_latent.npy')) < 1e-5


def test_short_input_repeat_is_published_infer_mode(seeded):
    """'repeat' tiles 1024 // T times before the resize: 101 frames -> 10 copies."""
    one_second = torch.randn(1, 1, 101, 64) * 10 - 40
    with torch.no_grad():
        stretched = seeded._to_image(one_second)
        seeded.short_input = 'repeat'
        try:
            repeated = seeded._to_image(one_second)
        finally:
            seeded.short_input = 'interpolate'
        tiled = seeded._to_image(one_second.repeat(1, 1, 10, 1))
    torch.testing.assert_close(repeated, tiled)
    assert not torch.allclose(repeated, stretched, atol=1e-3)


def test_bad_input_and_option_are_errors(seeded):
    with pytest.raises(ValueError, match=r'T <= 1024, 64\], got \[1, 1, 1100, 64\]'):
        seeded(torch.zeros(1, 1, 1100, 64))
    with pytest.raises(ValueError, match=r'got \[1, 1, 101, 128\]'):
        seeded(torch.zeros(1, 1, 101, 128))
    with pytest.raises(ValueError, match='short_input must be one of'):
        MODELS.build(dict(type='HTSAT', short_input='tile'))


def test_frozen_by_default_and_stays_in_eval_mode():
    model = MODELS.build(dict(type='HTSAT'))
    assert not any(p.requires_grad for p in model.parameters())
    model.train()
    assert not model.training and not model.bn0.training
    trainable = MODELS.build(dict(type='HTSAT', frozen=False)).train()
    assert trainable.bn0.training and all(p.requires_grad for p in trainable.parameters())


def test_plain_state_dict_with_prefix_loads(seeded_state, tmp_path):
    path = tmp_path / 'flat.pth'
    torch.save({f'sed_model.{k}': v for k, v in seeded_state.items()}, path)
    model = build_loaded(pretrained=str(path))
    torch.testing.assert_close(model.tscam_conv.weight, seeded_state['tscam_conv.weight'])


def test_mismatched_checkpoint_names_problems_and_source(seeded_state, tmp_path):
    state = {f'sed_model.{k}': v for k, v in seeded_state.items() if k != 'head.bias'}
    state['sed_model.tscam_conv.weight'] = torch.zeros(71, 768, 2, 3)  # a 71-class head
    path = tmp_path / 'bad.ckpt'
    torch.save({'state_dict': state}, path)
    with pytest.raises(ValueError) as info:
        build_loaded(pretrained=str(path))
    msg = str(info.value)
    assert str(path) in msg and 'HTSAT_AudioSet_Saved' in msg
    assert 'RetroCirce/HTS-Audio-Transformer' in msg
    assert 'missing keys (1): head.bias' in msg
    assert 'tscam_conv.weight: file [71, 768, 2, 3], model [527, 768, 2, 3]' in msg


def test_file_is_read_by_init_weights_not_at_build(seeded_state, tmp_path):
    """Building reads no file and initialises as published (with a path as without), so a
    trained checkpoint loads without the published one; a missing file is an error of
    init_weights() (the start of training), naming the file and its source."""
    torch.manual_seed(0)
    untrained = MODELS.build(dict(type='HTSAT')).state_dict()
    torch.manual_seed(0)
    model = MODELS.build(dict(type='HTSAT', pretrained=str(tmp_path / 'absent.ckpt')))
    for k, v in model.state_dict().items():
        assert torch.equal(v, untrained[k]), k
    assert not any(p.requires_grad for p in model.parameters()) and not model.training
    model.load_state_dict(seeded_state, strict=True)  # as tools/test.py loads a checkpoint
    with pytest.raises(FileNotFoundError, match='absent.ckpt') as info:
        model.init_weights()
    assert 'HTSAT_AudioSet_Saved' in str(info.value)
    assert 'RetroCirce/HTS-Audio-Transformer' in str(info.value)


def test_checkpoint_of_another_frontend_is_refused(seeded_state, tmp_path):
    """Same shapes, other log-mel (16 kHz mel bands): the pipeline's input would not fit."""
    state = dict(seeded_state)
    state['logmel_extractor.melW'] = torch.tensor(
        librosa.filters.mel(sr=16000, n_fft=1024, n_mels=64, fmin=50, fmax=8000).T)
    path = tmp_path / 'scv2.ckpt'
    torch.save(state, path)
    with pytest.raises(ValueError, match=r'another audio front-end.*logmel_extractor\.melW'):
        build_loaded(pretrained=str(path))


def test_as_segmentor_audio_encoder(seeded_ckpt, seeded_state):
    """HTS-AT's per-second log-mel [B, T, 1, 101, 64] in the SGSM+CST config (768-d tokens
    and embedding share the per-stage projection)."""
    cfg = Config.fromfile(CST_CFG).model
    cfg.audio_encoder = dict(type='HTSAT', pretrained=str(seeded_ckpt))
    cfg.backbone.audio_channels = 768
    cfg.freeze_audio_encoder = True
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    model.init_weights()
    model.train()
    torch.testing.assert_close(model.audio_encoder.tscam_conv.weight,
                               seeded_state['tscam_conv.weight'])
    inputs, samples, _ = _batch(num_clips=1, num_frames=1)
    audio = torch.randn(1, 1, 1, 101, 64) * 10 - 40
    losses = model(inputs, samples, mode='loss', audio=audio)
    assert 'loss_cst' in losses
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    params = dict(model.named_parameters())
    assert params['backbone.fusions.0.cross_attn.audio_proj.weight'].grad.abs().sum() > 0
    assert params['audio_encoder.patch_embed.proj.weight'].grad is None
