# Our audio-visual segmentor (AMA backbone) with MMSeg's stock UPerHead in place of the UE
# head. (The SegFormer head is the Baseline's: configs/synthetic/sgsm_mit-tiny_*.py.)
_base_ = ['../synthetic/sgsm_mit-tiny_synthetic-ms3.py']
model = dict(
    decode_head=dict(
        _delete_=True,
        type='UPerHead',
        in_channels=[16, 32, 80, 128],
        in_index=[0, 1, 2, 3],
        pool_scales=(1, 2, 3, 6),
        channels=64,
        dropout_ratio=0.1,
        num_classes=2,
        norm_cfg=dict(type='BN', requires_grad=True),
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)))
