"""Every config under configs/ravs/: what it trains on, with which model, how it is scored,
and that the paper's rows are all there (no model is built here; see test_ravs_models.py)."""
import copy
import functools
import glob
import os.path as osp
import re

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import PARAM_SCHEDULERS
from mmseg.registry import DATASETS

from mmseg_avs.apis import check_config

from .config_diff import differences as config_differences
from .config_diff import flatten as flatten_config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
RAVS = osp.join(REPO, 'configs', 'ravs')
BASE = osp.join(REPO, 'configs', '_base_')
CONFIGS = sorted(osp.relpath(p, RAVS)
                 for p in glob.glob(osp.join(RAVS, '**', '*.py'), recursive=True))
NAME = re.compile(r'^(?:ablations/)?(?P<method>[a-z0-9-]+)_(?P<backbone>mitb5|pvtv2b5|swinb|r50)'
                  r'(?P<htsat>-htsat)?_(?P<data>s4|ms3|avss|vpo-ss|vpo-ms|vpo-msmi)'
                  r'(?P<frame>_ddeseg-frame)?\.py$')
FRAMES = [name for name in CONFIGS if name.endswith('_ddeseg-frame.py')]
# data -> dataset type, VPO subset, clip length T, classes, evaluation protocols in order
DATA = {
    's4': ('AVSBenchS4Dataset', None, 5, 2, ['dataset', 'avsbench']),
    'ms3': ('AVSBenchMS3Dataset', None, 5, 2, ['dataset', 'avsbench']),
    'avss': ('AVSBenchSemanticDataset', None, 10, 71, ['dataset', 'avss']),
    'vpo-ss': ('VPODataset', 'VPO-SS', 1, 22, ['dataset']),
    'vpo-ms': ('VPODataset', 'VPO-MS', 1, 22, ['dataset']),
    'vpo-msmi': ('VPODataset', 'VPO-MSMI', 1, 22, ['dataset']),
}
VISUAL = {
    'mitb5': ('MixVisionTransformer', 'pretrained/mit_b5_mmseg.pth'),
    'pvtv2b5': ('MixVisionTransformer', 'pretrained/pvt_v2_b5_mmseg.pth'),
    'swinb': ('SwinTransformer', 'pretrained/swin_base_patch4_window7_224_20220317-e9b98025.pth'),
    'r50': ('ResNet', 'pretrained/resnet50-19c8e357.pth'),
}
LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
AUDIO_LOADERS = ('LoadAVSAudio', 'LoadVPOAudio')


@functools.lru_cache(maxsize=None)
def load(name: str) -> Config:
    """The config (parsed once per session; tests must not modify it)."""
    return Config.fromfile(osp.join(RAVS, name))


def metrics(cfg, key='test_evaluator'):
    value = cfg[key]
    return list(value) if isinstance(value, (list, tuple)) else [value]


@pytest.mark.parametrize('name', CONFIGS)
def test_config_trains_and_scores_what_its_name_says(name):
    match = NAME.match(name)
    assert match, f'{name} does not follow <method>_<backbone>[-htsat]_<data>[_ddeseg-frame].py'
    dataset_type, subset, num_frames, num_classes, protocols = DATA[match['data']]
    htsat = bool(match['htsat'])
    cfg = load(name)
    check_config(cfg)  # num_classes of data sets (when present), head and metrics agree

    for loader in LOADERS:
        dataset = cfg[loader].dataset
        assert dataset.type == dataset_type and dataset.get('subset') == subset, loader
        assert len(DATASETS.get(dataset_type).METAINFO['classes']) == num_classes
        audio = [t for t in dataset.pipeline if t.type in AUDIO_LOADERS]
        assert len(audio) == 1, loader
        assert audio[0].frontend == ('htsat' if htsat else 'vggish'), loader
        if audio[0].type == 'LoadAVSAudio':
            assert audio[0].num_segments == num_frames, loader
        else:  # VPO: one image with 3 s of mono audio
            assert (num_frames, audio[0].clip_seconds, audio[0].stereo) == (1, 3, False)
        resize = [t for t in dataset.pipeline if t.type == 'ClipResize']
        assert [tuple(t.scale) for t in resize] == [(224, 224)], loader
    assert cfg.train_dataloader.dataset.split == 'train'
    assert cfg.test_dataloader.dataset.split == 'test'

    model = cfg.model
    assert model.decode_head.num_classes == num_classes
    for key in ('val_evaluator', 'test_evaluator'):
        assert [m.type for m in metrics(cfg, key)] == ['AVSMetric'] * len(protocols)
        assert [m.protocol for m in metrics(cfg, key)] == protocols
        assert [m.num_classes for m in metrics(cfg, key)] == [num_classes] * len(protocols)
        assert [m.get('prefix') for m in metrics(cfg, key)] == [None] + protocols[1:]

    encoder = model.audio_encoder
    if htsat:
        assert (encoder.type, model.backbone.audio_channels) == ('HTSAT', 768)
        assert encoder.pretrained == 'pretrained/HTSAT_AudioSet_Saved_1.ckpt' and encoder.frozen
    else:
        assert (encoder.type, model.backbone.audio_channels) == ('VGGish', 128)
        assert encoder.pretrained == 'pretrained/vggish-10086976.pth' and encoder.frozen
        assert encoder.token_channels == 128 and not model.get('freeze_audio_encoder')
    visual_type, checkpoint = VISUAL[match['backbone']]
    assert model.backbone.visual.type == visual_type
    assert model.backbone.visual.init_cfg == dict(type='Pretrained', checkpoint=checkpoint)


def test_every_row_of_the_papers_tables_has_a_config():
    table1 = {f'ravs_{bb}_{d}.py' for bb in ('pvtv2b5', 'mitb5', 'mitb5-htsat')
              for d in ('s4', 'ms3', 'avss')}
    table2 = {f'ravs_{bb}_{d}.py' for bb in ('mitb5', 'mitb5-htsat')
              for d in ('vpo-ss', 'vpo-ms', 'vpo-msmi')}
    ablations = {f'ablations/{row}_mitb5-htsat_{d}.py' for d in ('ms3', 'avss') for row in (
        'baseline', 'gtf', 'sgsm', 'sgsm-cst', 'ravs-groups-28-14-5', 'ravs-groups-10-7-5',
        'ravs-groups-5-5-5')}
    other_backbones = {'ravs_swinb_ms3.py', 'ravs_r50_ms3.py'}
    ddeseg_frame = {name.replace('.py', '_ddeseg-frame.py') for name in table1 | table2}
    assert set(CONFIGS) == table1 | table2 | ablations | other_backbones | ddeseg_frame


@pytest.mark.parametrize('data', ['s4', 'ms3', 'avss'])
def test_backbone_and_audio_variants_change_only_the_encoders(data):
    mit = load(f'ravs_mitb5_{data}.py')
    assert config_differences(load(f'ravs_pvtv2b5_{data}.py'), mit) == {
        'model.backbone.visual.init_cfg.checkpoint'}
    differences = config_differences(load(f'ravs_mitb5-htsat_{data}.py'), mit, keep_indices=True)
    assert {k for k in differences if k.startswith('model.')} == {
        'model.audio_encoder.type', 'model.audio_encoder.pretrained',
        'model.audio_encoder.token_channels', 'model.backbone.audio_channels',
        'model.freeze_audio_encoder'}
    assert all(re.search(r'pipeline\.\d+\.frontend$', k)
               for k in differences if not k.startswith('model.'))


@pytest.mark.parametrize('data', ['avsbench_s4', 'avsbench_ms3', 'avsbench_avss', 'vpo_ss',
                                  'vpo_ms', 'vpo_msmi'])
def test_htsat_dataset_bases_differ_only_in_the_audio_frontend(data):
    vggish = Config.fromfile(osp.join(BASE, 'datasets', f'{data}.py'))
    htsat = Config.fromfile(osp.join(BASE, 'datasets', f'{data}-htsat.py'))
    differences = config_differences(htsat, vggish, keep_indices=True)
    flat = flatten_config(htsat.to_dict())
    # two pipelines, each also inside the three data loaders
    assert len(differences) == 5
    assert all(re.search(r'pipeline\.\d+\.frontend$', k) and flat[k] == 'htsat'
               for k in differences)


def test_training_augmentation_is_ddeseg_flip_and_colour_jitter_everywhere():
    augmentations = set()
    for name in CONFIGS:
        pipeline = load(name).train_dataloader.dataset.pipeline
        augmentations.add(repr([t for t in pipeline if t.type in (
            'ClipRandomFlip', 'ClipPhotoMetricDistortion')]))
        if name not in FRAMES:  # DDESeg's box crop: only in its frame
            assert not any('Crop' in t.type for t in pipeline)
    assert augmentations == {repr([
        dict(type='ClipRandomFlip', prob=0.5),
        dict(type='ClipPhotoMetricDistortion', brightness_delta=26, contrast_range=(0.8, 1.2),
             saturation_range=(0.8, 1.2), hue_delta=18)])}


# what DDESeg's frame changes in every model (YenanLiu/DDESeg), and on binary data sets
FRAME_MODEL_KEYS = {
    'model.backbone.visual.strides', 'model.backbone.fusion_position',
    'model.backbone.fusion.audio_mlp_ratio', 'model.backbone.ama.audio_mlp_ratio',
    'model.backbone.ama.num_heads', 'model.backbone.ama_stages', 'model.decode_head.channels'} | {
    f'model.decode_head.loss_decode.{i}.loss_weight' for i in range(3)}
FRAME_BINARY_KEYS = {'model.decode_head.out_channels'} | {
    f'model.decode_head.loss_decode.{i}.use_sigmoid' for i in range(3)}


@pytest.mark.parametrize('name', FRAMES)
def test_ddeseg_frame_configs_change_the_frame_only(name):
    """Each ``*_ddeseg-frame`` config is its row's default config with DDESeg's frame: the
    model keys above, the box-aware crop before the resize, nothing else."""
    frame, default = load(name), load(name.replace('_ddeseg-frame', ''))
    binary = default.model.decode_head.num_classes == 2
    changed = config_differences(frame, default)
    assert {k for k in changed if k.startswith('model.')} == FRAME_MODEL_KEYS | (
        FRAME_BINARY_KEYS if binary else set())
    # the rest: SyncBN under DDP, the train pipeline (checked below) and the variables the
    # configs read
    assert all(k == 'sync_bn' or k.startswith((
        'model.', 'train_pipeline.', 'train_dataloader.dataset.pipeline.', 'binary_decode_head.',
        'box_aware_crop.')) for k in changed)
    assert frame.sync_bn == 'torch' and 'sync_bn' not in default

    backbone, head = frame.model.backbone, frame.model.decode_head
    assert backbone.visual.strides == [2, 2, 2, 2] and backbone.fusion_position == 'before'
    assert backbone.ama_stages == (1, 2, 3) and backbone.ama.num_heads == [2, 5, 8]
    assert backbone.fusion.audio_mlp_ratio == backbone.ama.audio_mlp_ratio == 4
    assert head.channels == 768
    assert [(loss.type, loss.loss_weight, loss.get('use_sigmoid', False))
            for loss in head.loss_decode] == [
        ('CrossEntropyLoss', 5.0, binary), ('SoftDiceLoss', 5.0, binary),
        ('SoftIoULoss', 2.0, binary)]
    assert head.get('out_channels') == (1 if binary else None)

    pipeline = list(default.train_dataloader.dataset.pipeline)
    resize = [t.type for t in pipeline].index('ClipResize')
    crop = dict(type='ClipBoxAwareRandomCrop', min_box_coverage=0.6, aspect_range=(0.75, 1.33),
                max_attempts=1)
    assert list(frame.train_dataloader.dataset.pipeline) == (
        pipeline[:resize] + [crop] + pipeline[resize:])
    assert frame.train_pipeline == frame.train_dataloader.dataset.pipeline


def test_schedule_is_ddesegs():
    cfg = load('ravs_mitb5_avss.py')
    optimizer = cfg.optim_wrapper.optimizer
    assert optimizer == dict(type='AdamW', lr=1e-4, betas=(0.9, 0.999), eps=1e-8,
                             weight_decay=0.05)
    assert cfg.train_cfg == dict(type='EpochBasedTrainLoop', max_epochs=150, val_interval=5)
    assert cfg.randomness.seed == 1

    model = torch.nn.Sequential(torch.nn.Conv2d(2, 4, 1), torch.nn.BatchNorm2d(4),
                                torch.nn.LayerNorm(4))
    model.register_parameter('scale', torch.nn.Parameter(torch.ones(4)))
    optim = build_optim_wrapper(model, copy.deepcopy(cfg.optim_wrapper)).optimizer
    decay = {id(p): group['weight_decay'] for group in optim.param_groups
             for p in group['params']}
    # only the conv kernel decays: biases, norms and other 1-D parameters get 0
    assert {name: decay[id(p)] for name, p in model.named_parameters()} == {
        '0.weight': 0.05, '0.bias': 0.0, '1.weight': 0.0, '1.bias': 0.0, '2.weight': 0.0,
        '2.bias': 0.0, 'scale': 0.0}

    epoch_length = 10
    schedulers = [PARAM_SCHEDULERS.build(dict(copy.deepcopy(s), optimizer=optim),
                                         default_args=dict(epoch_length=epoch_length))
                  for s in cfg.param_scheduler]
    lrs = []
    for _ in range(150 * epoch_length):
        lrs.append(optim.param_groups[0]['lr'])
        optim.step()  # no gradients: changes nothing, keeps the step order PyTorch expects
        for scheduler in schedulers:
            scheduler.step()
    warmup = 2 * epoch_length
    assert lrs[0] < 1e-9  # "from 0"
    assert all(a < b for a, b in zip(lrs[:warmup - 1], lrs[1:warmup]))
    assert lrs[warmup - 1] == pytest.approx(1e-4) and lrs[warmup] == pytest.approx(1e-4)
    assert all(a >= b for a, b in zip(lrs[warmup:], lrs[warmup + 1:]))  # cosine decay
    assert lrs[-1] == pytest.approx(4e-5, rel=1e-3)


def test_batch_keeps_ddesegs_frames_per_step_and_declares_it_for_lr_scaling():
    """DDESeg: 2 GPUs x 50 frames; ours: ~50 frames per GPU, base_batch_size = 2 GPUs' clips."""
    for data, (_, _, num_frames, _, _) in DATA.items():
        cfg = load(f'ravs_mitb5_{data}.py')
        clips = cfg.train_dataloader.batch_size
        assert clips * num_frames == 50, data
        assert cfg.auto_scale_lr == dict(enable=False, base_batch_size=2 * clips), data
