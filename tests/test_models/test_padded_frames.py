"""Padded slots (AVSBench-Semantic v1 clips: 5 real frames in 10 slots) train nothing."""
import copy

import torch
from mmengine.config import Config
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

import mmseg_avs  # noqa: F401  (registers components)

RAVS_AVSS = 'configs/synthetic/ravs_mit-tiny_synthetic-avss.py'
NUM_FRAMES, NUM_REAL, SIZE = 10, 5, 64


def _clips(padding: str, seed: int = 0):
    """Two clips: a v2 clip of 10 real frames and a v1 clip of 5 real frames + 5 padded slots
    whose image and audio are zeros (as the loader pads) or random (``padding='noise'``)."""
    gen = torch.Generator().manual_seed(seed)
    inputs = torch.randn(2 * NUM_FRAMES, 3, SIZE, SIZE, generator=gen)
    audio = torch.randn(2, NUM_FRAMES, 1, 96, 64, generator=gen)
    labels = torch.randint(0, 7, (2 * NUM_FRAMES, SIZE, SIZE), generator=gen)
    samples = []
    for i in range(2 * NUM_FRAMES):
        clip, t = divmod(i, NUM_FRAMES)
        padded = clip == 1 and t >= NUM_REAL
        sample = SegDataSample(gt_sem_seg=PixelData(
            data=(torch.full_like(labels[i], 255) if padded else labels[i])[None]))
        sample.set_metainfo(dict(clip_id=f'clip{clip}', frame_idx=t, num_frames=NUM_FRAMES,
                                 is_padded=padded, img_shape=(SIZE, SIZE),
                                 ori_shape=(SIZE, SIZE), pad_shape=(SIZE, SIZE)))
        samples.append(sample)
    fill = (torch.randn if padding == 'noise' else torch.zeros)
    pad_gen = torch.Generator().manual_seed(seed + 1)
    kwargs = dict(generator=pad_gen) if padding == 'noise' else {}
    inputs[NUM_FRAMES + NUM_REAL:] = fill(NUM_REAL, 3, SIZE, SIZE, **kwargs)
    audio[1, NUM_REAL:] = fill(NUM_REAL, 1, 96, 64, **kwargs)
    return inputs, audio, samples


def _losses_and_grads(model, padding):
    inputs, audio, samples = _clips(padding)
    model.zero_grad()
    torch.manual_seed(1)  # the same dropout and drop-path draws in both runs
    losses = model.loss(inputs, samples, audio)
    total = sum(v for k, v in losses.items() if k.startswith(('decode.loss', 'loss')))
    total.backward()
    grads = {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}
    return {k: v.detach() for k, v in losses.items()}, grads


def test_padded_slots_change_no_loss_and_no_gradient():
    cfg = Config.fromfile(RAVS_AVSS).model
    cfg.data_preprocessor = None
    torch.manual_seed(0)
    model = MODELS.build(cfg).train()
    reference = copy.deepcopy(model)   # the same weights and batch-norm statistics
    zeros, zero_grads = _losses_and_grads(model, 'zeros')
    noise, noise_grads = _losses_and_grads(reference, 'noise')
    assert 'loss_cst' in zeros and 'decode.loss_ce' in zeros
    assert zeros.keys() == noise.keys()
    for key in zeros:
        torch.testing.assert_close(noise[key], zeros[key], rtol=0, atol=0, msg=key)
    assert zero_grads.keys() == noise_grads.keys() and len(zero_grads) > 10
    for name in zero_grads:
        torch.testing.assert_close(noise_grads[name], zero_grads[name], rtol=0, atol=0,
                                   msg=name)
    # and the batch-norm statistics the model keeps for testing
    for (name, a), (_, b) in zip(model.named_buffers(), reference.named_buffers()):
        torch.testing.assert_close(a, b, rtol=0, atol=0, msg=name)


def _clip_metas(clips):
    """Metainfo of the frames ``[(clip_id, frame_idx, is_padded), ...]`` of 10-slot clips."""
    return [dict(clip_id=c, frame_idx=t, num_frames=NUM_FRAMES, is_padded=p,
                 img_shape=(16, 16)) for c, t, p in clips]


def test_ue_head_on_real_frames_only_equals_the_whole_padded_clip():
    """The segmentor hands the head a v1 clip's 5 real frames without their padded slots; the
    head puts them back in their slots, so each frame's output is the one it gets in the
    whole 10-slot clip."""
    in_channels = [4, 8, 12, 16]
    head = MODELS.build(dict(type='UncertaintyHead', in_channels=in_channels,
                             in_index=[0, 1, 2, 3], channels=16, num_classes=3,
                             temporal_heads=4, dropout_ratio=0.0,
                             norm_cfg=dict(type='BN'))).eval()
    gen = torch.Generator().manual_seed(0)
    # clip 'a' (v2: 10 real frames) twice in a row, as a sampler may repeat a clip (under
    # another augmentation; a new clip starts where frame_idx does not increase), then clip
    # 'b' (v1: frames 5-9 are padded)
    layout = [('a', t, False) for t in range(10)] * 2 + [('b', t, t >= 5) for t in range(10)]
    feats = [torch.randn(30, c, 16 // 2**i, 16 // 2**i, generator=gen)
             for i, c in enumerate(in_channels)]
    real = torch.tensor([not p for _, _, p in layout])
    with torch.no_grad():
        whole = head(feats, _clip_metas(layout))
        only_real = head([f[real] for f in feats],
                         _clip_metas([m for m in layout if not m[2]]))
        alone = [head([f[i:i + 10] for f in feats], _clip_metas(layout[i:i + 10]))
                 for i in (0, 10, 20)]
    for key in ('seg_logits', 'evidence_logits'):
        torch.testing.assert_close(whole[key], torch.cat([a[key] for a in alone]),
                                   rtol=1e-5, atol=1e-6)
        torch.testing.assert_close(only_real[key], whole[key][real], rtol=1e-5, atol=1e-6)
