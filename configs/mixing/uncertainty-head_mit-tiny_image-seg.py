# The UE decode head in an MMSeg image-segmentation model (no audio, T = 1): MiT backbone,
# MMSeg's own data pipeline and IoUMetric. `UncertaintyEncoderDecoder` is MMSeg's
# EncoderDecoder whose predictions also carry the Dirichlet uncertainty map
# (`sample.uncertainty`); the stock EncoderDecoder trains and predicts with this head too.
_base_ = ['../_base_/default_runtime.py', '../_base_/schedules/schedule_synthetic.py']
num_classes = 3
data_root = 'data/mixing/image_seg'  # img_dir/{train,val}/*.png + ann_dir/{train,val}/*.png
model = dict(
    type='UncertaintyEncoderDecoder',
    data_preprocessor=dict(
        type='SegDataPreProcessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        size=(64, 64),
        pad_val=0,
        seg_pad_val=255),
    backbone=dict(
        type='MixVisionTransformer',
        embed_dims=16,
        num_layers=[1, 1, 1, 1],
        num_heads=[1, 2, 5, 8],
        out_indices=(0, 1, 2, 3)),
    decode_head=dict(
        type='UncertaintyHead',
        in_channels=[16, 32, 80, 128],
        in_index=[0, 1, 2, 3],
        channels=64,
        num_classes=num_classes,
        temporal_layers=0,  # each image is its own clip: nothing to attend across
        norm_cfg=dict(type='BN', requires_grad=True),
        loss_decode=dict(type='CrossEntropyLoss', loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='Resize', scale=(64, 64), keep_ratio=False),
    dict(type='PackSegInputs'),
]
test_pipeline = [  # masks loaded after the resize: metrics compare at the original size
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(64, 64), keep_ratio=False),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(
    batch_size=2,
    num_workers=0,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type='BaseSegDataset',
        data_root=data_root,
        data_prefix=dict(img_path='img_dir/train', seg_map_path='ann_dir/train'),
        img_suffix='.png',
        metainfo=dict(classes=('background', 'a', 'b')),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=2,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(train_dataloader['dataset'],
                 data_prefix=dict(img_path='img_dir/val', seg_map_path='ann_dir/val'),
                 pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
default_hooks = dict(visualization=dict(type='SegVisualizationHook'))
