"""Stage-by-stage backbone adapters (MiT, ResNet, Swin, ConvNeXt) and AMA on each family."""
import pytest
import torch
import torch.nn as nn
from mmengine.config import Config
from mmseg.registry import MODELS

from mmseg_avs.models.backbones.stagewise import (ResNetStageRunner, SwinStageRunner,
                                                  build_stage_runner)
from .test_audio_visual_model import _batch

MIT = dict(type='MixVisionTransformer', embed_dims=8, num_layers=[1, 1, 1, 1],
           num_heads=[1, 2, 5, 8])
RESNET = dict(type='ResNetV1c', depth=18, stem_channels=8, base_channels=8,
              norm_cfg=dict(type='BN'))
# Dropout and drop path on, so that train-mode equality also checks where they act.
SWIN = dict(type='SwinTransformer', pretrain_img_size=(64, 96), embed_dims=8,
            depths=(1, 2, 1, 1), num_heads=(1, 2, 2, 4), window_size=3,
            use_abs_pos_embed=True, drop_rate=0.2, drop_path_rate=0.3)
CONVNEXT = dict(type='mmpretrain.ConvNeXt', arch=dict(depths=[1, 2, 1, 1],
                                                      channels=[8, 16, 24, 32]),
                out_indices=(0, 1, 2, 3), gap_before_final_norm=False, drop_path_rate=0.3)
SGSM_CFG = 'configs/synthetic/sgsm-cst_mit-tiny_synthetic-ms3.py'


def _visual(name, request):
    if name == 'convnext':
        request.getfixturevalue('mmpretrain_models')
    return dict(mit=MIT, resnet=RESNET, swin=SWIN, convnext=CONVNEXT)[name]


@pytest.mark.parametrize('train', [False, True], ids=['eval', 'train'])
@pytest.mark.parametrize('name', ['mit', 'resnet', 'swin', 'convnext'])
def test_stagewise_run_is_the_backbones_forward_exactly(name, train, request):
    """Without fusion, the chained stages give the backbone's own outputs bit for bit (in
    train mode too: same random draws in the same order)."""
    torch.manual_seed(0)
    av = MODELS.build(dict(type='AudioVisualBackbone', visual=_visual(name, request),
                           audio_channels=4, fusion=None)).train(train)
    imgs = torch.randn(2, 3, 64, 96)  # non-square: H and W must not be swapped
    torch.manual_seed(1)
    ours = av(imgs, torch.randn(2, 3, 4)).feats
    torch.manual_seed(1)
    torch.randn(2, 3, 4)
    reference = av.visual(imgs)
    assert len(ours) == len(reference) == 4
    for a, b in zip(ours, reference):
        assert a.shape == b.shape and torch.equal(a, b)
    assert [o.shape[1] for o in ours] == av.channels


def test_swin_fusion_sees_the_blocks_output_and_feeds_the_next_stage():
    """Stage features are the blocks' output before patch merging; the decoder's copy alone
    goes through norm{i}."""
    torch.manual_seed(0)
    swin = MODELS.build(SWIN)
    swin.eval()  # (Swin's train() returns None)
    runner = build_stage_runner(swin)
    imgs = torch.randn(1, 3, 64, 96)
    feats = runner.run_stage(0, imgs)
    tokens, hw = swin.patch_embed(imgs)
    tokens = swin.drop_after_pos(tokens + swin.absolute_pos_embed)
    for block in swin.stages[0].blocks:
        tokens = block(tokens, hw)
    assert feats.shape == (1, 8, 16, 24)
    assert torch.equal(feats, tokens.transpose(1, 2).reshape(1, 8, 16, 24))
    shifted = feats + 1  # stands for a fusion: the next stage must see it
    merged, hw = swin.stages[0].downsample(tokens + 1, hw)
    for block in swin.stages[1].blocks:
        merged = block(merged, hw)
    assert torch.equal(runner.run_stage(1, shifted), merged.transpose(1, 2).reshape(1, 16, 8, 12))
    assert torch.equal(runner.stage_output(0, shifted),
                       swin.norm0(tokens + 1).transpose(1, 2).reshape(1, 8, 16, 24))


def test_adapter_choice_and_required_outputs(mmpretrain_models):
    assert isinstance(build_stage_runner(MODELS.build(RESNET)), ResNetStageRunner)  # subclass
    assert isinstance(build_stage_runner(MODELS.build(SWIN)), SwinStageRunner)
    tiny_swin = dict(embed_dims=8, depths=[1, 1, 1, 1], num_heads=[1, 1, 1, 1])
    for other in (dict(type='mmpretrain.ResNet', depth=18),  # same name, other structure
                  dict(type='mmpretrain.SwinTransformer', arch=tiny_swin),
                  dict(type='MobileNetV2')):
        with pytest.raises(TypeError, match='no stage-by-stage adapter'):
            build_stage_runner(MODELS.build(other))
    with pytest.raises(ValueError, match=r'stages \[0, 2\] have no output norm'):
        build_stage_runner(MODELS.build(dict(SWIN, out_indices=(1, 3))))
    with pytest.raises(ValueError, match='set out_indices'):
        build_stage_runner(MODELS.build(dict(CONVNEXT, out_indices=(3, ))))
    with pytest.raises(ValueError, match='gap_before_final_norm'):
        build_stage_runner(MODELS.build(dict(CONVNEXT, gap_before_final_norm=True)))
    with pytest.raises(TypeError, match='no stage-by-stage adapter'):
        build_stage_runner(nn.Linear(2, 2))


@pytest.mark.parametrize('name', ['swin', 'convnext'])
def test_ama_trains_with_the_backbone(name, request):
    """AMA after stages 1-3 (groups [14, 7, 5]) and the contrastive loss, end to end."""
    visual = dict(_visual(name, request), drop_path_rate=0.0)
    if name == 'swin':
        visual.update(pretrain_img_size=64, embed_dims=16, num_heads=(1, 2, 4, 8), drop_rate=0.0)
    else:
        visual['arch'] = dict(depths=[1, 1, 1, 1], channels=[16, 32, 64, 128])
    cfg = Config.fromfile(SGSM_CFG)
    cfg.model.backbone.visual = visual
    cfg.model.decode_head.in_channels = [16, 32, 64, 128]
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    inputs, samples, audio = _batch(num_clips=2, num_frames=2)
    losses = model(inputs, samples, mode='loss', audio=audio)
    assert 'loss_cst' in losses
    total = sum(v for k, v in losses.items() if 'loss' in k)
    assert torch.isfinite(total)
    total.backward()
    assert sorted(model.backbone.fusions) == ['0', '1', '2', '3']
    with torch.no_grad():
        ama = model.backbone(inputs, model.encode_audio(audio)[0]).ama
    assert [ama[s].labels.shape[1] for s in range(3)] == [256, 64, 16]
    assert [int(ama[s].labels.max()) for s in range(3)] == [13, 6, 4]
    stage_params = {'swin': ['stages.0.blocks.0.attn.w_msa.qkv.weight',
                             'stages.0.downsample.reduction.weight',
                             'stages.3.blocks.0.ffn.layers.1.weight', 'norm0.weight'],
                    'convnext': ['downsample_layers.0.0.weight',
                                 'stages.0.0.depthwise_conv.weight',
                                 'stages.3.0.pointwise_conv2.weight', 'norm0.weight']}[name]
    params = dict(model.named_parameters())
    for param in [f'backbone.visual.{p}' for p in stage_params] + [
            'backbone.fusions.2.remap.weight', 'backbone.fusions.0.cross_attn.q.weight']:
        grad = params[param].grad
        assert grad is not None and grad.abs().sum() > 0, param
