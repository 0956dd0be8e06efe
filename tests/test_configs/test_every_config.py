"""Every config under configs/ravs/ (paper rows and ablations) builds its model, without
weight files, and trains one step: data preprocessor, loss forward and backward on one clip
of the config's length T with audio of the config's front-end shape. One full-size MiT-B5 +
UE + AMA step at 224x224 on the CPU (slow)."""
import copy
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
RAVS = osp.join(REPO, 'configs', 'ravs')
CONFIGS = sorted(osp.relpath(p, RAVS)
                 for p in glob.glob(osp.join(RAVS, '**', '*.py'), recursive=True))
# (audio loader, front-end) -> one item's audio per frame: one second of VGGish (96 frames)
# or HTS-AT (101 frames) log-mels for AVSBench, 3 s for VPO's single image (VGGish: three
# examples joined in time; HTS-AT: 301 frames), 64 mel bands throughout
AUDIO_SHAPES = {
    ('LoadAVSAudio', 'vggish'): (1, 96, 64),
    ('LoadAVSAudio', 'htsat'): (1, 101, 64),
    ('LoadVPOAudio', 'vggish'): (1, 288, 64),
    ('LoadVPOAudio', 'htsat'): (1, 301, 64),
}
# reduced depths of the visual backbones (the widths, heads, strides and everything else stay)
SHALLOW = {
    'MixVisionTransformer': dict(num_layers=[1, 1, 1, 1]),  # MiT-B5 [3, 6, 40, 3], PVT-v2-B5
    'SwinTransformer': dict(depths=[1, 1, 1, 1]),            # Swin-B [2, 2, 18, 2]
    'ResNet': dict(),                                         # ResNet-50 is cheap: as is
}


def load_model_cfg(name: str):
    """The config (copied) with the visual backbone's and the audio encoder's weight files
    switched off, as ``--cfg-options`` would."""
    cfg = copy.deepcopy(Config.fromfile(osp.join(RAVS, name)))
    cfg.merge_from_dict({'model.backbone.visual.init_cfg': None,
                         'model.audio_encoder.pretrained': None})
    return cfg


def audio_shape(cfg):
    """The per-frame audio shape that the config's pipeline gives, and its clip length T."""
    pipeline = cfg.train_dataloader.dataset.pipeline
    (loader, ) = [t for t in pipeline if t.type in ('LoadAVSAudio', 'LoadVPOAudio')]
    num_frames = loader.num_segments if loader.type == 'LoadAVSAudio' else 1
    return AUDIO_SHAPES[(loader.type, loader.frontend)], num_frames


def clip_batch(num_frames, audio, num_classes, size=64, seed=0):
    """One collated clip as the data loader gives it: uint8 frames ``[T, 3, H, W]``, audio
    ``[T, ...]`` and T data samples with masks (some pixels ignored)."""
    gen = torch.Generator().manual_seed(seed)
    samples = []
    for t in range(num_frames):
        sample = SegDataSample(metainfo=dict(
            img_shape=(size, size), ori_shape=(size, size), pad_shape=(size, size),
            clip_id='clip0', frame_idx=t, num_frames=num_frames, is_padded=False))
        gt = torch.zeros(1, size, size, dtype=torch.long)
        gt[:, 8:40, 16:48] = torch.randint(1, num_classes, (1, ), generator=gen)
        gt[:, -2:] = 255
        sample.gt_sem_seg = PixelData(data=gt)
        samples.append(sample)
    item = dict(inputs=torch.randint(0, 256, (num_frames, 3, size, size), dtype=torch.uint8,
                                     generator=gen),
                audio=torch.randn((num_frames, ) + audio, generator=gen),
                data_samples=samples)
    return pseudo_collate([item])


def train_step_losses(model, batch):
    """Data preprocessor, loss forward and backward; the losses (detached)."""
    model.train()
    data = model.data_preprocessor(batch, training=True)
    losses = model(**data, mode='loss')
    total = sum(v for k, v in losses.items() if 'loss' in k)
    total.backward()
    return {k: v.detach() for k, v in losses.items()}, total.detach()


def assert_trains(model, losses, total):
    assert torch.isfinite(total), losses
    for key, value in losses.items():
        assert torch.isfinite(value).all(), key
    params = dict(model.named_parameters())
    trained = {name for name, p in params.items() if p.grad is not None and p.grad.abs().sum()}
    for part in ('backbone.visual.', 'decode_head.'):
        assert any(name.startswith(part) for name in trained), part
    fused = {name.split('.')[2] for name in trained if name.startswith('backbone.fusions.')}
    assert fused == set(model.backbone.fusions), 'a fusion stage got no gradient'
    for name, p in params.items():
        if not p.requires_grad:
            assert p.grad is None, name


@pytest.mark.parametrize('name', CONFIGS)
def test_every_config_builds_and_trains_a_step(name):
    """Each config's model at one clip of its T (AVSBench 5, AVSS 10, VPO 1) at 64x64.

    Reduced, for time only: the visual backbone's depth (MiT-B5 / PVT-v2-B5 one block per
    stage instead of [3, 6, 40, 3]; Swin-B one block per stage instead of [2, 2, 18, 2];
    ResNet-50 as is), and with HTS-AT the AVSS clips to T=5 (HTS-AT runs its full-size
    transformer on every second, ~8 s per 10-s clip here; T=10 runs with VGGish). Widths,
    heads, AMA, fusion stages, audio encoder (VGGish / HTS-AT at full size, untrained),
    decode head, losses and data preprocessor are the config's.
    """
    cfg = load_model_cfg(name)
    visual = cfg.model.backbone.visual
    visual.update(SHALLOW[visual.type])
    audio, num_frames = audio_shape(cfg)
    if cfg.model.audio_encoder.type == 'HTSAT':
        num_frames = min(num_frames, 5)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()  # nothing read: no weight file is named any more

    losses, total = train_step_losses(
        model, clip_batch(num_frames, audio, cfg.model.decode_head.num_classes))
    assert_trains(model, losses, total)
    assert any(k.startswith('decode.') for k in losses)
    if cfg.model.get('contrastive_loss') is not None:
        assert 'loss_cst' in losses
    if cfg.model.get('freeze_audio_encoder') or cfg.model.audio_encoder.get('frozen'):
        frozen = [p for n, p in model.audio_encoder.named_parameters() if not p.requires_grad]
        assert frozen and all(p.grad is None for p in frozen)


@pytest.mark.slow
def test_full_size_mitb5_ravs_step_on_one_224_clip():
    """configs/ravs/ravs_mitb5_ms3.py at full size (MiT-B5 [3, 6, 40, 3], VGGish, AMA after
    stages 1-3, UE head, contrastive loss), weight files off: one 224x224 clip of T=5 on the
    CPU, loss forward and backward."""
    cfg = load_model_cfg('ravs_mitb5_ms3.py')
    assert cfg.model.backbone.visual.num_layers == [3, 6, 40, 3]
    assert cfg.model.decode_head.type == 'UncertaintyHead'
    assert cfg.model.backbone.ama.type == 'SoundGuidedSemanticMerging'
    audio, num_frames = audio_shape(cfg)
    assert (audio, num_frames) == ((1, 96, 64), 5)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    losses, total = train_step_losses(model, clip_batch(num_frames, audio, 2, size=224))
    assert_trains(model, losses, total)
    assert 'loss_cst' in losses
