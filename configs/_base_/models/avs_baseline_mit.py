# The paper's Table 3 "Baseline": visual backbone + audio encoder + cross-attention fusion at
# each stage + SegFormer-style MLP mask decoder. Sizes here are MiT-B0; configs override.
norm_cfg = dict(type='BN', requires_grad=True)
data_preprocessor = dict(
    type='AVSDataPreprocessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    size_divisor=32,
    pad_val=0,
    seg_pad_val=255)
model = dict(
    type='AudioVisualSegmentor',
    data_preprocessor=data_preprocessor,
    audio_encoder=dict(type='TinyAudioEncoder', channels=(16, 32, 64, 128)),
    backbone=dict(
        type='AudioVisualBackbone',
        audio_channels=128,
        visual=dict(
            type='MixVisionTransformer',
            in_channels=3,
            embed_dims=32,
            num_stages=4,
            num_layers=[2, 2, 2, 2],
            num_heads=[1, 2, 5, 8],
            patch_sizes=[7, 3, 3, 3],
            sr_ratios=[8, 4, 2, 1],
            out_indices=(0, 1, 2, 3),
            mlp_ratio=4,
            qkv_bias=True,
            drop_rate=0.0,
            attn_drop_rate=0.0,
            drop_path_rate=0.1),
        fusion=dict(type='AudioVisualCrossAttention', num_heads=[1, 2, 5, 8]),
        fusion_stages=(0, 1, 2, 3)),
    decode_head=dict(
        type='SegformerHead',
        in_channels=[32, 64, 160, 256],
        in_index=[0, 1, 2, 3],
        channels=256,
        dropout_ratio=0.1,
        num_classes=2,
        norm_cfg=norm_cfg,
        align_corners=False,
        # L_seg of the paper: cross-entropy + Dice + IoU (each class of each frame counts
        # equally in Dice and IoU, so the small sounding class is not swamped)
        loss_decode=[
            dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0,
                 avg_non_ignore=True),
            dict(type='SoftDiceLoss', loss_weight=1.0),
            dict(type='SoftIoULoss', loss_weight=1.0),
        ]),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
