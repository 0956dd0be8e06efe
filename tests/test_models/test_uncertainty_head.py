"""UE decode head: eq. 10, per-frame scaling, the two eq. 11 fusions, temporal mixing, loss."""
import math

import pytest
import torch
from mmengine.config import Config
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from scipy.special import digamma, gammaln

import mmseg_avs  # noqa: F401  (registers components)
from mmseg_avs.models.decode_heads.dirichlet_fusion import (fuse_uncertainty, fused_logits,
                                                            scale_per_frame)
from mmseg_avs.models.layers.dirichlet import dirichlet_variance

from .test_audio_visual_model import _batch

IN_CHANNELS = [4, 8, 12, 16]


def test_eq10_is_the_dirichlet_marginal_variance():
    torch.manual_seed(0)
    alpha = torch.rand(3, 5, 4, 6) * 4 + 0.05                        # [N, C, H, W]
    expected = torch.distributions.Dirichlet(alpha.movedim(1, -1)).variance.movedim(-1, 1)
    torch.testing.assert_close(dirichlet_variance(alpha), expected)


def test_scale_per_frame_maps_each_frame_onto_unit_range():
    torch.manual_seed(0)
    delta = torch.rand(4, 2, 5, 5) * torch.tensor([1., 10., 0.1, 3.]).view(4, 1, 1, 1)
    scaled = scale_per_frame(delta)
    flat = scaled.flatten(1)
    torch.testing.assert_close(flat.min(1).values, torch.zeros(4))
    torch.testing.assert_close(flat.max(1).values, torch.ones(4))
    # linear: the order and ratios of differences inside a frame are kept
    d, s = delta[1].flatten(), scaled[1].flatten()
    torch.testing.assert_close((s[3] - s[0]) / (s[2] - s[0]), (d[3] - d[0]) / (d[2] - d[0]))
    # a frame with nothing to rank maps to 0
    assert scale_per_frame(torch.full((1, 2, 3, 3), 0.2)).abs().max() == 0


def test_attenuate_never_raises_a_score_and_lowers_it_where_uncertain():
    torch.manual_seed(0)
    probs = torch.rand(2, 3, 8, 8).softmax(1)
    delta_hat = torch.rand(2, 3, 8, 8)
    fused = fuse_uncertainty(probs, delta_hat, 'attenuate')
    assert (fused <= probs).all()
    assert (fused[delta_hat > 0.1] < probs[delta_hat > 0.1]).all()
    more_uncertain = fuse_uncertainty(probs, (delta_hat + 0.2).clamp(max=1), 'attenuate')
    assert (more_uncertain <= fused).all()
    # certain pixels keep their score
    torch.testing.assert_close(fuse_uncertainty(probs, torch.zeros_like(probs), 'attenuate'),
                               probs)


def test_paper_fusion_is_eq11_as_printed():
    probs = torch.tensor([0.3, 0.7]).view(1, 2, 1, 1)
    delta_hat = torch.tensor([0.5, 0.5]).view(1, 2, 1, 1)
    fused = fuse_uncertainty(probs, delta_hat, 'paper', eps=1e-6)
    torch.testing.assert_close(fused, probs / (0.5 + 1e-6))
    assert (fused >= probs).all()                                   # it can only raise scores
    with pytest.raises(ValueError, match='fusion must be one of'):
        fuse_uncertainty(probs, delta_hat, 'other')


def test_binary_fused_logits_threshold_the_sounding_score():
    sounding = torch.tensor([0.2, 0.49, 0.51, 0.9, 3.0])             # 'paper' scores exceed 1
    fused = torch.stack([1 - sounding, sounding], 1).view(5, 2, 1, 1)
    logits = fused_logits(fused)
    assert logits.argmax(1).flatten().tolist() == [0, 0, 1, 1, 1]
    torch.testing.assert_close(logits.softmax(1)[:4, 1].flatten(), sounding[:4])
    semantic = torch.rand(3, 4, 2, 2)
    assert torch.equal(fused_logits(semantic).argmax(1), semantic.argmax(1))


def test_no_fusion_predicts_the_class_scores_whatever_the_evidence():
    """``fusion='none'`` scores are ``sigma(m)``; the uncertainty is still reported."""
    torch.manual_seed(0)
    head = _head(fusion='none').eval()
    feats, metas = _features(10), _metas(2, 5)
    with torch.no_grad():
        outputs = head(feats, metas)
        logits, scaled_delta = head.fuse(outputs)
        torch.nn.init.normal_(head.conv_evidence.weight, std=5.0)   # other evidence
        other_logits, other_delta = head.fuse(head(feats, metas))
    torch.testing.assert_close(logits.softmax(1), outputs['seg_logits'].softmax(1))
    torch.testing.assert_close(other_logits, logits)
    assert not torch.allclose(other_delta, scaled_delta)


def _head(**kwargs):
    cfg = dict(type='UncertaintyHead', in_channels=IN_CHANNELS, in_index=[0, 1, 2, 3],
               channels=16, num_classes=2, temporal_heads=4, dropout_ratio=0.0,
               norm_cfg=dict(type='BN'))
    cfg.update(kwargs)
    return MODELS.build(cfg)


def _features(num_images, size=16, seed=0):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(num_images, c, size // 2**i, size // 2**i, generator=g)
            for i, c in enumerate(IN_CHANNELS)]


def _metas(num_clips, num_frames, padded=()):
    return [dict(num_frames=num_frames, is_padded=t in padded, img_shape=(16, 16))
            for _ in range(num_clips) for t in range(num_frames)]


@pytest.mark.parametrize('temporal_layers', [1, 0])
def test_temporal_attention_mixes_the_frames_of_a_clip(temporal_layers):
    torch.manual_seed(0)
    head = _head(temporal_layers=temporal_layers).eval()
    feats = _features(10)                                            # 2 clips x 5 frames
    changed = [f.clone() for f in feats]
    for f in changed:
        f[2] += 1.0                                                  # clip 0, frame 2
    with torch.no_grad():
        out = head(feats, _metas(2, 5))['seg_logits']
        out_changed = head(changed, _metas(2, 5))['seg_logits']
    moved = (out - out_changed).flatten(1).abs().amax(1)
    assert moved[2] > 0                                              # the frame itself
    torch.testing.assert_close(out[5:], out_changed[5:])             # the other clip: never
    if temporal_layers:
        assert (moved[[0, 1, 3, 4]] > 1e-4).all()                    # its clip mates
    else:
        assert (moved[[0, 1, 3, 4]] == 0).all()                      # no mixing without it


@pytest.mark.parametrize('temporal_layers', [1, 2])
def test_identical_frames_give_identical_outputs_in_every_slot(temporal_layers):
    """The frame-index code steers the attention only: it must not reach the logits, whose
    response to frames 1-4 is untrained where only frame 0 is annotated (S4, AVSS v1s)."""
    torch.manual_seed(0)
    head = _head(temporal_layers=temporal_layers).eval()
    frames = _features(2)                                            # one frame per clip
    clips = [f.repeat_interleave(5, dim=0) for f in frames]          # 2 clips x 5 copies
    with torch.no_grad():
        out = head(clips, _metas(2, 5))
    for key in ('seg_logits', 'evidence_logits'):
        per_clip = out[key].view(2, 5, *out[key].shape[1:])
        for t in range(1, 5):
            torch.testing.assert_close(per_clip[:, t], per_clip[:, 0], atol=1e-5, rtol=1e-5)


def test_padded_frames_do_not_change_the_real_frames():
    """An AVSS v1 clip: 5 real frames in 10 slots."""
    torch.manual_seed(0)
    head = _head().eval()
    real = _features(5, seed=1)
    padding = _features(5, seed=2)
    noise = _features(5, seed=3)
    with torch.no_grad():
        alone = head(real, _metas(1, 5))
        padded = head([torch.cat(p) for p in zip(real, padding)], _metas(1, 10, range(5, 10)))
        other = head([torch.cat(p) for p in zip(real, noise)], _metas(1, 10, range(5, 10)))
    for key in ('seg_logits', 'evidence_logits'):
        torch.testing.assert_close(padded[key][:5], alone[key], atol=1e-5, rtol=1e-5)
        torch.testing.assert_close(other[key][:5], padded[key][:5], atol=1e-5, rtol=1e-5)


def test_temporal_layers_without_num_frames_is_an_error():
    """Image segmentation metainfo has no clip length: the head must not guess one."""
    images = _features(4)
    metas = [dict(img_shape=(16, 16))] * 4
    for batch_img_metas in (metas, None):
        with pytest.raises(ValueError, match=r"'num_frames'.*temporal_layers=0"):
            _head(temporal_layers=1).eval()(images, batch_img_metas)
    with torch.no_grad():
        out = _head(temporal_layers=0).eval()(images, metas)
    assert out['seg_logits'].shape == (4, 2, 16, 16)


def test_clip_structure_errors_name_the_problem():
    head = _head().eval()
    with pytest.raises(ValueError, match='cannot be split into clips'):
        head(_features(7), _metas(1, 5) + _metas(1, 2))
    with pytest.raises(ValueError, match='for binary tasks'):
        _head(out_channels=1, num_classes=3)


def _one_and_two_channel_heads(fusion):
    """A one-channel head and the two-channel head with the same weights whose class logits
    are ``(0, m)``: background row of ``conv_seg`` zero, sounding row the one-channel one."""
    torch.manual_seed(0)
    one = _head(out_channels=1, fusion=fusion).eval()
    two = _head(fusion=fusion).eval()
    state = one.state_dict()
    state['conv_seg.weight'] = torch.cat([torch.zeros_like(state['conv_seg.weight']),
                                          state['conv_seg.weight']])
    state['conv_seg.bias'] = torch.cat([torch.zeros(1), state['conv_seg.bias']])
    two.load_state_dict(state)
    return one, two


@pytest.mark.parametrize('fusion', ['attenuate', 'paper'])
def test_one_channel_head_is_the_two_channel_head_on_logits_zero_and_m(fusion):
    """Same fused score, same decision, same uncertainty: the one-channel output is the
    difference of the two-channel head's fused logits, and its evidence keeps two channels."""
    one, two = _one_and_two_channel_heads(fusion)
    assert one.conv_evidence.out_channels == 2 and one.threshold == 0.5
    feats, metas = _features(10), _metas(2, 5)
    with torch.no_grad():
        logits1, delta1 = one.fuse(one(feats, metas))
        logits2, delta2 = two.fuse(two(feats, metas))
        pred1, unc1 = one.predict_with_uncertainty(feats, metas, dict())
        pred2, unc2 = two.predict_with_uncertainty(feats, metas, dict())
    assert logits1.shape[1] == 1 and logits2.shape[1] == 2
    torch.testing.assert_close(delta1, delta2)
    # sigmoid(m) and softmax((0, m))[1] differ by an ulp, which log(1 - Y) amplifies where
    # Y is near 1 (float32; seen at 2.6e-5 with 2 threads): compare at 1e-4
    torch.testing.assert_close(logits1, logits2[:, 1:] - logits2[:, :1], rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(logits1.sigmoid(), logits2.softmax(1)[:, 1:])
    assert ((pred1 > 0) == (pred2.argmax(1, keepdim=True) == 1)).all()
    torch.testing.assert_close(unc1, unc2)


def test_one_channel_head_trains_with_sigmoid_losses():
    torch.manual_seed(0)
    losses_cfg = [dict(type='CrossEntropyLoss', use_sigmoid=True, loss_weight=5.0,
                       avg_non_ignore=True),
                  dict(type='SoftDiceLoss', use_sigmoid=True, loss_weight=5.0),
                  dict(type='SoftIoULoss', use_sigmoid=True, loss_weight=2.0)]
    head = _head(out_channels=1, loss_decode=losses_cfg)
    samples = _head_samples()
    samples[0].gt_sem_seg.data[:, :2] = 255
    losses = head.loss(_features(10), samples, train_cfg=dict())
    assert {'loss_ce', 'loss_dice', 'loss_iou', 'loss_evidential'} <= set(losses)
    sum(v for k, v in losses.items() if k.startswith('loss')).backward()
    for conv in (head.conv_seg, head.conv_evidence):
        assert conv.weight.grad is not None and conv.weight.grad.abs().sum() > 0


def _naive_evidential(alpha, target, annealing, offset):
    """Sensoy et al. per pixel, written with scipy on plain floats: the KL is on the
    non-target evidence ``alpha - offset``, with zero evidence the uniform Dir(1)."""
    total, count = 0.0, 0
    n, c, h, w = alpha.shape
    for i in range(n):
        for y in range(h):
            for x in range(w):
                label = int(target[i, y, x])
                if label == 255:
                    continue
                a = [float(alpha[i, k, y, x]) for k in range(c)]
                s = sum(a)
                onehot = [1.0 if k == label else 0.0 for k in range(c)]
                risk = sum((onehot[k] - a[k] / s) ** 2 + a[k] * (s - a[k]) / (s * s * (s + 1))
                           for k in range(c))
                at = [1 + (1 - onehot[k]) * (a[k] - offset) for k in range(c)]
                st = sum(at)
                kl = (gammaln(st) - sum(gammaln(v) for v in at) - math.lgamma(c)
                      + sum((v - 1) * (digamma(v) - digamma(st)) for v in at))
                total += risk + annealing * kl
                count += 1
    return total / count


@pytest.mark.parametrize('offset', [0.0, 1.0])
def test_evidential_loss_equals_the_published_formula(offset):
    torch.manual_seed(0)
    loss = MODELS.build(dict(type='EvidentialLoss', annealing_iters=10))
    alpha = torch.rand(2, 3, 3, 4, dtype=torch.float64) * 3 + 0.1 + offset
    target = torch.randint(0, 3, (2, 3, 4))
    target[0, 0, :2] = 255
    for annealing in (0.0, 0.4, 1.0):
        ours = loss(alpha, target, offset, annealing_factor=annealing)
        assert ours.item() == pytest.approx(_naive_evidential(alpha, target, annealing, offset),
                                            rel=1e-9)
    assert loss(alpha, torch.full_like(target, 255), offset).item() == 0


@pytest.mark.parametrize('offset', [0.0, 1.0])
def test_evidential_kl_vanishes_without_non_target_evidence(offset):
    """The KL's minimum is zero evidence on the wrong classes, whatever the offset."""
    loss = MODELS.build(dict(type='EvidentialLoss'))
    target = torch.tensor([[[0, 1, 2]]])                             # [N, H, W]
    alpha = torch.full((1, 3, 1, 3), offset, dtype=torch.float64)
    alpha[0, target[0, 0], 0, torch.arange(3)] += 2.5                # the target's evidence
    kl = loss(alpha, target, offset, annealing_factor=1.0) - loss(alpha, target, offset,
                                                                  annealing_factor=0.0)
    assert kl.item() == pytest.approx(0, abs=1e-12)
    alpha[0, 1, 0, 0] += 0.3                                         # some wrong evidence
    assert loss(alpha, target, offset, annealing_factor=1.0) > loss(
        alpha, target, offset, annealing_factor=0.0)


def _head_samples(num_clips=2, num_frames=5, size=16, seed=0):
    g = torch.Generator().manual_seed(seed)
    samples = []
    for meta in _metas(num_clips, num_frames):
        sample = SegDataSample(metainfo=meta)
        sample.gt_sem_seg = PixelData(data=torch.randint(0, 2, (1, size, size), generator=g))
        samples.append(sample)
    return samples


@pytest.mark.parametrize('fusion', ['attenuate', 'paper'])
def test_alpha_has_its_own_evidential_signal_in_both_modes(fusion):
    torch.manual_seed(0)
    head = _head(fusion=fusion)
    losses = head.loss(_features(10), _head_samples(), train_cfg=dict())
    assert set(losses) >= {'loss_ce', 'loss_evidential'}
    losses['loss_evidential'].backward()
    evidence_grad = head.conv_evidence.weight.grad
    assert evidence_grad is not None and evidence_grad.abs().sum() > 0
    assert head.conv_seg.weight.grad is None                         # it reaches alpha only


@pytest.mark.parametrize('fusion', ['attenuate', 'paper'])
def test_ue_segmentor_trains_and_predicts_uncertainty(fusion):
    cfg = Config.fromfile('configs/synthetic/ue_mit-tiny_synthetic-ms3.py')
    cfg.model.decode_head.fusion = fusion
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    inputs, samples, audio = _batch(size=64)
    losses = model(inputs, samples, mode='loss', audio=audio)
    assert 'decode.loss_evidential' in losses
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    evidence_grad = model.decode_head.conv_evidence.weight.grad
    assert evidence_grad is not None and evidence_grad.abs().sum() > 0
    model.eval()
    for s in samples:
        s.set_metainfo(dict(ori_shape=(48, 40), padding_size=[0, 0, 0, 0]))
    with torch.no_grad():
        preds = model(inputs, samples, mode='predict', audio=audio)
    for p in preds:
        assert p.uncertainty.data.shape == (1, 48, 40)
        assert p.pred_sem_seg.data.shape == (1, 48, 40)
        assert 0 <= p.uncertainty.data.min() and p.uncertainty.data.max() <= 1


def test_ue_head_semantic_clips_of_ten():
    cfg = Config.fromfile('configs/synthetic/ravs_mit-tiny_synthetic-avss.py')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    inputs, samples, audio = _batch(num_clips=1, num_frames=10, size=64)
    for s in samples[5:]:
        s.set_metainfo(dict(is_padded=True))
        s.gt_sem_seg = PixelData(data=torch.full((1, 64, 64), 255))
    losses = model(inputs, samples, mode='loss', audio=audio)
    assert all(torch.isfinite(v) for v in losses.values())
    model.eval()
    with torch.no_grad():
        preds = model(inputs, samples, mode='predict', audio=audio)
    assert len(preds) == 10 and preds[0].seg_logits.data.shape[0] == cfg.num_classes
    assert isinstance(preds[0], SegDataSample)


def test_tensor_mode_passes_the_clip_metainfo_to_a_clip_aware_head():
    """``mode='tensor'`` gives a clip-aware head the frames' metainfo, so its temporal layers
    regroup the frames into clips: the raw outputs equal the head's own on the same features."""
    cfg = Config.fromfile('configs/synthetic/ue_mit-tiny_synthetic-ms3.py')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).eval()
    inputs, samples, audio = _batch(size=64)
    with torch.no_grad():
        outputs = model(inputs, samples, mode='tensor', audio=audio)
        expected = model.decode_head(model.extract_feat(inputs, audio),
                                     [s.metainfo for s in samples])
    for key in ('seg_logits', 'evidence_logits'):
        torch.testing.assert_close(outputs[key], expected[key])
