# RAVS at the paper's size in DDESeg's frame: the second reading of the frame the paper does
# not state, from the same first author's released DDESeg code (YenanLiu/DDESeg, CVPR 2025);
# configs/ravs/README.md ("Two readings") says why it is not the default. ravs_mitb5.py with:
# - MiT's stage-1 patch embedding at stride 2 (kernel 7, padding 3: the shapes of the published
#   weights), so stages 1-4 are at 1/2, 1/4, 1/8, 1/16 (`models/backbones/favs_backbone.py`);
# - AMA at the paper's 1/4, 1/8, 1/16, i.e. stages 2-4 (64 channels per head, as at stages 1-3
#   of the default), and the Baseline's cross-attention at stage 1;
# - the audio fused into each stage before its blocks, as DDESeg's backbone does, through a
#   per-stage MLP C_a -> 4 C_a -> D_l (its `aud_projs`);
# - a 768-wide decoder (DDESeg's `embedding_dim`);
# - SyncBN under DDP: MMEngine's runner converts every BN, as DDESeg's `train.py` does (a single
#   process keeps BN);
# - L_seg = 5 CE + 5 Dice + 2 IoU (DDESeg's `runner.py` defaults, which override its yaml).
# Binary data sets take `binary_decode_head`: one sigmoid channel, CE as BCE and Dice / IoU on
# the foreground only, as DDESeg trains them.
_base_ = ['./ravs_mitb5.py']
model = dict(
    backbone=dict(
        visual=dict(strides=[2, 2, 2, 2]),
        fusion=dict(audio_mlp_ratio=4),
        ama=dict(num_heads=[2, 5, 8], audio_mlp_ratio=4),
        ama_stages=(1, 2, 3),
        fusion_position='before'),
    decode_head=dict(
        channels=768,
        loss_decode=[
            dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=5.0,
                 avg_non_ignore=True),
            dict(type='SoftDiceLoss', loss_weight=5.0),
            dict(type='SoftIoULoss', loss_weight=2.0),
        ]))
sync_bn = 'torch'
binary_decode_head = dict(
    out_channels=1,
    loss_decode=[
        dict(type='CrossEntropyLoss', use_sigmoid=True, loss_weight=5.0, avg_non_ignore=True),
        dict(type='SoftDiceLoss', use_sigmoid=True, loss_weight=5.0),
        dict(type='SoftIoULoss', use_sigmoid=True, loss_weight=2.0),
    ])
