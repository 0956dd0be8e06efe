# RAVS with PVT-v2-B5 + VGGish in DDESeg's frame: ravs_mitb5_ddeseg-frame.py with PVT-v2-B5's
# ImageNet weights (the same module as MiT-B5; see ravs_pvtv2b5.py).
_base_ = ['./ravs_mitb5_ddeseg-frame.py']
model = dict(
    backbone=dict(
        visual=dict(
            init_cfg=dict(type='Pretrained', checkpoint='pretrained/pvt_v2_b5_mmseg.pth'))))
