"""The Baseline audio-visual model: stage-by-stage backbone, fusion, segmentor."""
import copy

import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from mmengine.structures import PixelData

import mmseg_avs  # noqa: F401  (registers components)

TINY_CFG = 'configs/synthetic/baseline_mit-tiny_synthetic-ms3.py'

MIT = dict(type='MixVisionTransformer', embed_dims=8, num_layers=[1, 1, 1, 1],
           num_heads=[1, 2, 5, 8])
RESNET = dict(type='ResNetV1c', depth=18, norm_cfg=dict(type='BN'))


@pytest.mark.parametrize('visual', [MIT, RESNET], ids=['mit', 'resnet'])
def test_stagewise_run_equals_backbone_forward(visual):
    """Without fusion, running the stages one by one is the backbone's own forward."""
    torch.manual_seed(0)
    av = MODELS.build(dict(type='AudioVisualBackbone', visual=visual, audio_channels=4,
                           fusion=None)).eval()
    imgs = torch.randn(2, 3, 64, 64)
    ours = av(imgs, torch.randn(2, 3, 4)).feats
    reference = av.visual(imgs)
    assert len(ours) == 4
    for a, b in zip(ours, reference):
        torch.testing.assert_close(a, b)
    assert [o.shape[1] for o in ours] == av.channels


def test_fusion_uses_the_audio():
    torch.manual_seed(0)
    av = MODELS.build(dict(type='AudioVisualBackbone', visual=MIT, audio_channels=4)).eval()
    imgs = torch.randn(1, 3, 64, 64)
    a = av(imgs, torch.randn(1, 3, 4)).feats
    b = av(imgs, torch.randn(1, 3, 4)).feats
    for fa, fb in zip(a, b):
        assert not torch.allclose(fa, fb)


def test_fusion_before_the_blocks_fuses_the_patch_embedding():
    """``fusion_position='before'``: each stage's patch embedding is fused, then the stage's
    blocks and norm run on the fused tokens (DDESeg's frame); written out here with MMSeg's
    own MiT modules, stride-2 stem included."""
    torch.manual_seed(0)
    av = MODELS.build(dict(type='AudioVisualBackbone', visual=dict(MIT, strides=[2, 2, 2, 2]),
                           audio_channels=4, fusion_position='before')).eval()
    imgs, audio = torch.randn(2, 3, 64, 96), torch.randn(2, 3, 4)
    feats = av(imgs, audio).feats
    x = imgs
    for stage, (patch_embed, blocks, norm) in enumerate(av.visual.layers):
        tokens, hw = patch_embed(x)
        tokens = av.fusions[str(stage)](tokens, audio)
        for block in blocks:
            tokens = block(tokens, hw)
        x = norm(tokens).transpose(1, 2).reshape(2, -1, *hw)
        assert x.shape[2:] == (64 // 2**(stage + 1), 96 // 2**(stage + 1))  # 1/2 ... 1/16
        torch.testing.assert_close(feats[stage], x)
    after = MODELS.build(dict(type='AudioVisualBackbone', visual=dict(MIT, strides=[2, 2, 2, 2]),
                              audio_channels=4)).eval()
    after.load_state_dict(av.state_dict())
    assert not torch.allclose(after(imgs, audio).feats[0], feats[0])


def test_fusion_position_is_checked_when_built():
    with pytest.raises(ValueError, match='fusion_position must be one of'):
        MODELS.build(dict(type='AudioVisualBackbone', visual=MIT, audio_channels=4,
                          fusion_position='inside'))
    with pytest.raises(ValueError, match='stages split .* got ResNetV1c'):
        MODELS.build(dict(type='AudioVisualBackbone', visual=RESNET, audio_channels=4,
                          fusion_position='before'))


def test_fusion_stage_out_of_range_is_a_build_error():
    with pytest.raises(ValueError, match=r'stages \[4\] do not exist'):
        MODELS.build(dict(type='AudioVisualBackbone', visual=MIT, audio_channels=4,
                          fusion_stages=(0, 4)))


def test_cross_attention_softmax_and_sigmoid():
    for gate in ('softmax', 'sigmoid'):
        layer = MODELS.build(dict(type='AudioVisualCrossAttention', channels=8,
                                  audio_channels=5, num_heads=2, gate=gate))
        visual, audio = torch.randn(2, 7, 8), torch.randn(2, 3, 5)
        out = layer(visual, audio)
        assert out.shape == visual.shape
        # each sample only sees its own audio
        out2 = layer(visual, torch.cat([audio[:1], torch.randn(1, 3, 5)]))
        torch.testing.assert_close(out[0], out2[0])
        assert not torch.allclose(out[1], out2[1])


def test_audio_mlp_projection():
    """``audio_mlp_ratio=4``: f_a_l = W2 GELU(W1 a + b1) + b2 with a 4·C_a hidden layer, in
    the plain fusion and in the AMA block (whose contrastive side uses the same projection)."""
    torch.manual_seed(0)
    layer = MODELS.build(dict(type='AudioVisualCrossAttention', channels=8, audio_channels=6,
                              num_heads=2, audio_mlp_ratio=4))
    ama = MODELS.build(dict(type='SoundGuidedSemanticMerging', channels=8, audio_channels=6,
                            num_groups=3, audio_mlp_ratio=4))
    audio = torch.randn(2, 3, 6)
    for proj in (layer.audio_proj, ama.cross_attn.audio_proj):
        w1, b1, w2, b2 = (p.detach() for p in proj.parameters())
        assert w1.shape == (24, 6) and w2.shape == (8, 24)
        hidden = audio @ w1.T + b1
        gelu = 0.5 * hidden * (1 + torch.erf(hidden / 2**0.5))
        torch.testing.assert_close(proj(audio), gelu @ w2.T + b2)
    embedding = audio[:, 0]
    torch.testing.assert_close(ama.project_audio(embedding), ama.cross_attn.audio_proj(embedding))
    out = layer(torch.randn(2, 5, 8), audio)
    assert out.shape == (2, 5, 8)
    linear = MODELS.build(dict(type='AudioVisualCrossAttention', channels=8, audio_channels=6))
    assert isinstance(linear.audio_proj, torch.nn.Linear)  # the default keeps one linear layer


def _batch(num_clips=2, num_frames=5, size=64):
    samples = []
    for b in range(num_clips):
        for t in range(num_frames):
            s = SegDataSample(metainfo=dict(
                img_shape=(size, size), ori_shape=(size, size), pad_shape=(size, size),
                clip_id=f'c{b}', frame_idx=t, num_frames=num_frames))
            gt = torch.zeros(1, size, size, dtype=torch.long)
            gt[:, 10:30, 10:30] = 1
            s.gt_sem_seg = PixelData(data=gt)
            samples.append(s)
    inputs = torch.randn(num_clips * num_frames, 3, size, size)
    audio = torch.randn(num_clips, num_frames, 1, 96, 64)
    return inputs, samples, audio


def test_segmentor_loss_backward_and_predict():
    cfg = Config.fromfile(TINY_CFG)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    inputs, samples, audio = _batch()
    losses = model(inputs, samples, mode='loss', audio=audio)
    total = sum(v for k, v in losses.items() if 'loss' in k)
    total.backward()
    assert torch.isfinite(total)
    # gradients reach the audio encoder, the fusion layers and the visual backbone
    for name in ('audio_encoder.convs.0.weight', 'backbone.fusions.0.q.weight',
                 'backbone.visual.layers.0.0.projection.weight'):
        grad = dict(model.named_parameters())[name].grad
        assert grad is not None and grad.abs().sum() > 0, name
    model.eval()
    with torch.no_grad():
        preds = model(inputs, copy.deepcopy(samples), mode='predict', audio=audio)
    assert len(preds) == 10
    assert preds[0].pred_sem_seg.data.shape == (1, 64, 64)
    assert preds[0].seg_logits.data.shape == (2, 64, 64)
    assert preds[7].metainfo['clip_id'] == 'c1' and preds[7].metainfo['frame_idx'] == 2


def test_segmentor_needs_audio_of_matching_length():
    model = MODELS.build(Config.fromfile(TINY_CFG).model)
    inputs, samples, audio = _batch()
    with pytest.raises(ValueError, match='needs `audio`'):
        model(inputs, samples, mode='tensor')
    with pytest.raises(ValueError, match='10 frames for audio of 2 clips x 4 seconds'):
        model(inputs, samples, mode='tensor', audio=audio[:, :4])


def test_data_preprocessor_flattens_collated_clips_clip_major():
    """Through MMEngine's pseudo_collate (which transposes the per-clip sample lists), image
    b*T + t must be frame t of clip b, and its data sample must be that frame's."""
    cfg = Config.fromfile(TINY_CFG)
    pre = MODELS.build(cfg.model.data_preprocessor)
    items = [dict(inputs=torch.stack([torch.full((3, 8, 8), b * 10 + t, dtype=torch.uint8)
                                      for t in range(5)]),
                  audio=torch.full((5, 1, 96, 64), float(b)),
                  data_samples=[SegDataSample(metainfo=dict(clip_id=f'c{b}', frame_idx=t))
                                for t in range(5)]) for b in range(3)]
    out = pre(pseudo_collate(items), training=False)
    assert out['inputs'].shape == (15, 3, 8, 8)
    assert out['audio'].shape == (3, 5, 1, 96, 64)
    assert [a[0, 0, 0, 0].item() for a in out['audio']] == [0.0, 1.0, 2.0]
    raw = out['inputs'] * pre.std + pre.mean
    for b in range(3):
        for t in range(5):
            assert torch.allclose(raw[b * 5 + t], torch.full_like(raw[0], b * 10 + t), atol=1e-3)
            sample = out['data_samples'][b * 5 + t]
            assert (sample.clip_id, sample.frame_idx) == (f'c{b}', t)
    bad = pseudo_collate(items)
    bad['inputs'][1] = bad['inputs'][1][:4]
    with pytest.raises(ValueError, match='one length T'):
        pre(bad)


def test_gt_token_filter_zeroes_tokens_outside_the_mask_in_training_only():
    torch.manual_seed(0)
    av = MODELS.build(dict(type='AudioVisualBackbone', visual=MIT, audio_channels=4,
                           fusion_stages=(0,), gt_token_filter=True))
    plain = MODELS.build(dict(type='AudioVisualBackbone', visual=MIT, audio_channels=4,
                              fusion=None))
    plain.load_state_dict(av.state_dict(), strict=False)
    imgs, audio = torch.randn(3, 3, 64, 64), torch.randn(3, 2, 4)
    gt = torch.zeros(3, 64, 64, dtype=torch.long)
    gt[0, :16, :16] = 1          # frame 0: sounding top-left corner (4x4 of the 16x16 tokens)
    gt[2] = 255                  # frame 2: no ground truth -> every token keeps its audio
    av.train(), plain.train()
    torch.manual_seed(1)
    fused = av(imgs, audio, gt).feats[0]
    torch.manual_seed(1)
    visual = plain(imgs, audio).feats[0]
    outside = torch.ones(16, 16, dtype=torch.bool)
    outside[:4, :4] = False
    torch.testing.assert_close(fused[0][:, outside], visual[0][:, outside])
    assert not torch.allclose(fused[0][:, ~outside], visual[0][:, ~outside])
    torch.testing.assert_close(fused[1], visual[1])           # silent frame: no token fused
    assert not torch.allclose(fused[2], visual[2])
    av.eval(), plain.eval()
    assert not torch.allclose(av(imgs, audio, gt).feats[0][1], plain(imgs, audio).feats[0][1])


def test_gtf_config_trains_a_step():
    model = MODELS.build(Config.fromfile('configs/synthetic/gtf_mit-tiny_synthetic-ms3.py').model)
    assert model.backbone.gt_token_filter
    inputs, samples, audio = _batch()
    losses = model(inputs, samples, mode='loss', audio=audio)
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    assert model.backbone.fusions['0'].q.weight.grad.abs().sum() > 0
