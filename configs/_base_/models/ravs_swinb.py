# RAVS with Swin-B (ImageNet-1k, window 7, 224) + VGGish: not in the paper's tables (other
# methods of Table 1 use Swin-B), for comparison. Swin-B as in MMSeg's UPerNet configs:
# embed 128, depths [2, 2, 18, 2], heads [4, 8, 16, 32], window 7, stage channels
# [128, 256, 512, 1024] at strides 4/8/16/32, so AMA runs at 1/4, 1/8, 1/16 as with MiT. The
# AMA and cross-attention heads keep MiT's 64 channels per head. Weights: MMSeg's converted
# Swin-B file (docs/configs.md, "Pretrained weights"), loaded by MMSeg's SwinTransformer.
_base_ = ['./ravs_mitb5.py']
model = dict(
    backbone=dict(
        visual=dict(
            _delete_=True,
            type='SwinTransformer',
            pretrain_img_size=224,
            embed_dims=128,
            patch_size=4,
            window_size=7,
            mlp_ratio=4,
            depths=[2, 2, 18, 2],
            num_heads=[4, 8, 16, 32],
            strides=(4, 2, 2, 2),
            out_indices=(0, 1, 2, 3),
            qkv_bias=True,
            qk_scale=None,
            patch_norm=True,
            drop_rate=0.0,
            attn_drop_rate=0.0,
            drop_path_rate=0.3,
            use_abs_pos_embed=False,
            act_cfg=dict(type='GELU'),
            norm_cfg=dict(type='LN', requires_grad=True),
            init_cfg=dict(
                type='Pretrained',
                checkpoint='pretrained/swin_base_patch4_window7_224_20220317-e9b98025.pth')),
        fusion=dict(num_heads=[2, 4, 8, 16]),
        ama=dict(num_heads=[2, 4, 8])),
    decode_head=dict(in_channels=[128, 256, 512, 1024]))
