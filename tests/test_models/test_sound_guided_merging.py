"""The AMA block: eq. 6 merge, gradients, audio dependence, and its use as a backbone fusion."""
import pytest
import torch
from mmseg.registry import MODELS

from mmseg_avs.models.ama import dpc_knn_group, group_softmax_merge

MIT = dict(type='MixVisionTransformer', embed_dims=8, num_layers=[1, 1, 1, 1],
           num_heads=[1, 2, 5, 8])


def test_group_softmax_merge_equals_a_loop_over_groups():
    torch.manual_seed(0)
    tokens, scores = torch.randn(2, 9, 4), torch.randn(2, 9) * 200  # exp would overflow
    labels = torch.tensor([[0, 0, 1, 2, 2, 2, 1, 0, 2], [3, 3, 3, 0, 0, 1, 1, 1, 0]])
    merged = group_softmax_merge(tokens, scores, labels, num_groups=4)
    for n in range(2):
        for p in range(4):
            members = labels[n] == p
            if not members.any():
                assert (merged[n, p] == 0).all()      # group 2 of sample 1 is empty
                continue
            w = torch.softmax(scores[n, members].double(), 0)
            expected = (w[:, None] * tokens[n, members].double()).sum(0)
            torch.testing.assert_close(merged[n, p].double(), expected, rtol=1e-5, atol=1e-6)


def build_block(**kwargs):
    cfg = dict(type='SoundGuidedSemanticMerging', channels=16, audio_channels=8, num_groups=5,
               num_heads=2)
    cfg.update(kwargs)
    return MODELS.build(cfg)


def test_gradients_reach_every_part_and_not_the_grouping():
    torch.manual_seed(0)
    block = build_block(num_layers=2)
    visual = torch.randn(3, 40, 16, requires_grad=True)
    out, groups = block(visual, torch.randn(3, 6, 8))
    assert out.shape == (3, 40, 16)
    (out.square().mean() + groups.groups.square().mean()).backward()
    for name, param in block.named_parameters():
        assert param.grad is not None and param.grad.abs().sum() > 0, name
    assert groups.labels.dtype == torch.int64 and groups.labels.grad_fn is None
    assert torch.equal(groups.labels, dpc_knn_group(visual.detach(), 5))
    assert groups.groups.shape == (3, 5, 16) and groups.scores.shape == (3, 40)


def test_dist_scale_reaches_the_grouping():
    torch.manual_seed(0)
    visual, audio = torch.randn(2, 40, 16), torch.randn(2, 6, 8)
    block = build_block(dist_scale=0.25)
    with torch.no_grad():
        labels = block(visual, audio)[1].labels
    scaled = dpc_knn_group(visual, 5, dist_scale=0.25)
    assert torch.equal(labels, scaled)
    assert not torch.equal(scaled, dpc_knn_group(visual, 5))  # the scale changes the groups


def test_relevance_ranking_depends_on_the_audio():
    """Several audio tokens per second: the same frame with two sounds ranks tokens
    differently (with one audio token, softmax attention would give every token the same
    vector)."""
    torch.manual_seed(0)
    block = build_block().eval()
    visual = torch.randn(1, 40, 16)
    with torch.no_grad():
        first = block(visual, torch.randn(1, 6, 8))[1].scores.argsort(dim=-1)
        second = block(visual, torch.randn(1, 6, 8))[1].scores.argsort(dim=-1)
    assert not torch.equal(first, second)


def test_ama_backbone_groups_per_stage_and_checks_lengths():
    av = MODELS.build(dict(
        type='AudioVisualBackbone', visual=MIT, audio_channels=8,
        ama=dict(type='SoundGuidedSemanticMerging', num_groups=[14, 7, 5], num_heads=1),
        ama_stages=(0, 1, 2)))
    assert [av.fusions[str(s)].num_groups for s in range(3)] == [14, 7, 5]
    # AMA takes stages 1-3 from the plain fusion, which keeps stage 4
    assert type(av.fusions['3']).__name__ == 'AudioVisualCrossAttention'
    features = av(torch.randn(2, 3, 64, 64), torch.randn(2, 6, 8))
    assert [f.shape[1] for f in features.feats] == av.channels
    assert sorted(features.ama) == [0, 1, 2]
    assert features.ama[2].groups.shape == (2, 5, 40)
    embedding = torch.randn(2, 8)
    groups, valid, audio = av.alignment_features(features.ama, embedding)
    assert groups is features.ama[2].groups and valid.shape == (2, 5)
    # stage 3 has 4x4 tokens for its 5 groups: all used
    assert torch.equal(valid, torch.ones(2, 5, dtype=torch.bool))
    torch.testing.assert_close(audio, av.fusions['2'].cross_attn.audio_proj(embedding))
    with pytest.raises(ValueError, match=r'ama.num_groups=\[14, 7\] has 2 entries but '
                                         r'ama_stages=\[0, 1, 2\]'):
        MODELS.build(dict(
            type='AudioVisualBackbone', visual=MIT, audio_channels=8,
            ama=dict(type='SoundGuidedSemanticMerging', num_groups=[14, 7]),
            ama_stages=(0, 1, 2)))
    with pytest.raises(ValueError, match=r'ama_stages=\[0\] needs an `ama` block'):
        MODELS.build(dict(type='AudioVisualBackbone', visual=MIT, audio_channels=8,
                          ama_stages=(0, )))


def _clip_batch(num_clips=2, num_frames=5, size=64):
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    samples = []
    for b in range(num_clips):
        for t in range(num_frames):
            s = SegDataSample(metainfo=dict(img_shape=(size, size), ori_shape=(size, size),
                                            pad_shape=(size, size), frame_idx=t))
            gt = torch.zeros(1, size, size, dtype=torch.long)
            gt[:, 8:24, 8:24] = 1
            s.gt_sem_seg = PixelData(data=gt)
            samples.append(s)
    return (torch.randn(num_clips * num_frames, 3, size, size), samples,
            torch.randn(num_clips, num_frames, 1, 96, 64))


def test_segmentor_with_contrastive_alignment():
    from mmengine.config import Config
    cfg = Config.fromfile('configs/synthetic/sgsm-cst_mit-tiny_synthetic-ms3.py')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    inputs, samples, audio = _clip_batch()
    losses = model(inputs, samples, mode='loss', audio=audio)
    assert set(losses) >= {'decode.loss_ce', 'decode.loss_dice', 'decode.loss_iou',
                           'loss_cst', 'cst_valid_frac'}
    assert 0 <= losses['cst_valid_frac'].item() <= 1
    losses['loss_cst'].backward()
    params = dict(model.named_parameters())
    # the contrastive term reaches the last AMA stage's merge/decoder and the audio encoder
    for name in ('backbone.fusions.2.layers.0.q.weight', 'backbone.fusions.2.relevance.1.weight',
                 'backbone.fusions.2.cross_attn.audio_proj.weight', 'audio_encoder.convs.0.weight'):
        assert params[name].grad is not None and params[name].grad.abs().sum() > 0, name


def test_contrastive_alignment_needs_an_ama_stage():
    from mmengine.config import Config
    cfg = Config.fromfile('configs/synthetic/baseline_mit-tiny_synthetic-ms3.py')
    cfg.model.contrastive_loss = dict(type='AudioGuidedContrastiveLoss')
    model = MODELS.build(cfg.model)
    inputs, samples, audio = _clip_batch(1)
    with pytest.raises(RuntimeError, match='needs an AMA stage'):
        model(inputs, samples, mode='loss', audio=audio)


def test_groups_without_tokens_are_not_valid():
    """A stage with fewer tokens than groups leaves groups empty: they are neither positive
    nor negative for the contrastive loss."""
    torch.manual_seed(0)
    block = build_block(num_groups=5)
    _, groups = block(torch.randn(2, 3, 16), torch.randn(2, 6, 8))
    assert groups.labels.max() < 3
    expected = torch.zeros(2, 5, dtype=torch.bool)
    expected.scatter_(1, groups.labels, True)
    assert torch.equal(groups.valid, expected) and not groups.valid[:, 3:].any()
