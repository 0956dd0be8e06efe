# RAVS with PVT-v2-B5 + VGGish (Table 1, first RAVS row). PVT-v2-B5 (whai362/PVT `pvt_v2_b5`
# in `classification/pvt_v2.py`, as AVSBench builds it) has embed
# dims [64, 128, 320, 512], heads [1, 2, 5, 8], MLP ratios [4, 4, 4, 4], depths
# [3, 6, 40, 3], spatial-reduction ratios [8, 4, 2, 1], qkv bias, overlapping patch
# embeddings 7x7 stride 4 then 3x3 stride 2 (strides 4/8/16/32), a LayerNorm after each stage,
# a depth-wise 3x3 conv in the MLP and drop path 0.1: exactly MiT-B5, i.e. MMSeg's
# MixVisionTransformer with embed_dims=64, num_layers=[3, 6, 40, 3], mlp_ratio=4 as in
# ravs_mitb5.py. (MMSeg's class has a single mlp_ratio, so of the PVT-v2 sizes only B5, the
# one with the same ratio in every stage, fits it.) Only the ImageNet weights differ; their
# key names are SegFormer's too, and tools/model_converters/pvtv2_to_mmseg_avs.py maps them.
_base_ = ['./ravs_mitb5.py']
model = dict(
    backbone=dict(
        visual=dict(
            init_cfg=dict(type='Pretrained', checkpoint='pretrained/pvt_v2_b5_mmseg.pth'))))
