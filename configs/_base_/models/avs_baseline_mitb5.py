# Table 3 "Baseline" at the paper's size: MiT-B5 (SegFormer's ImageNet weights) + VGGish
# (published AudioSet weights, frozen), cross-attention fusion at every stage, SegFormer-style
# MLP decoder with 256 channels. Weight files: see docs/configs.md, "Pretrained weights"
# (pretrained/mit_b5_mmseg.pth is SegFormer's ImageNet mit_b5.pth converted by
# tools/model_converters/mit2mmseg_avs.py); set `pretrained=None` / `init_cfg=None` to train
# from scratch, never by accident.
_base_ = ['./avs_baseline_mit.py']
model = dict(
    audio_encoder=dict(
        _delete_=True,
        type='VGGish',
        pretrained='pretrained/vggish-10086976.pth',
        frozen=True,
        token_channels=128),
    backbone=dict(
        audio_channels=128,
        visual=dict(
            embed_dims=64,
            num_layers=[3, 6, 40, 3],
            init_cfg=dict(type='Pretrained', checkpoint='pretrained/mit_b5_mmseg.pth'))),
    decode_head=dict(in_channels=[64, 128, 320, 512], channels=256))
