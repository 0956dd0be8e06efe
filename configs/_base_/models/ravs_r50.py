# RAVS with ResNet-50 (ImageNet, torchvision weights) + VGGish: not in the paper's tables
# (CAVP and CPM of Table 2 use ResNet-50), for comparison. Plain MMSeg ResNet (torchvision
# layout, no dilation): stage channels [256, 512, 1024, 2048] at strides 4/8/16/32, so AMA
# runs at 1/4, 1/8, 1/16 as with MiT; the AMA and cross-attention heads keep MiT's 64 channels
# per head. BN, not SyncBN, so that one GPU (or the CPU) can train it; use SyncBN under DDP
# with small batches.
_base_ = ['./ravs_mitb5.py']
model = dict(
    backbone=dict(
        visual=dict(
            _delete_=True,
            type='ResNet',
            depth=50,
            num_stages=4,
            out_indices=(0, 1, 2, 3),
            dilations=(1, 1, 1, 1),
            strides=(1, 2, 2, 2),
            norm_cfg=dict(type='BN', requires_grad=True),
            norm_eval=False,
            style='pytorch',
            init_cfg=dict(type='Pretrained', checkpoint='pretrained/resnet50-19c8e357.pth')),
        fusion=dict(num_heads=[4, 8, 16, 32]),
        ama=dict(num_heads=[4, 8, 16])),
    decode_head=dict(in_channels=[256, 512, 1024, 2048]))
