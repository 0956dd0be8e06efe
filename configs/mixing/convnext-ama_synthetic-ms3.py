# AudioVisualBackbone around a backbone of another scope, MMPretrain's ConvNeXt, with the AMA
# blocks after stages 1-3 and the contrastive loss. MMPretrain's models import torchvision:
# it needs a torchvision that imports beside your torch.
_base_ = ['../synthetic/sgsm-cst_mit-tiny_synthetic-ms3.py']
model = dict(
    backbone=dict(
        visual=dict(
            _delete_=True,
            type='mmpretrain.ConvNeXt',
            arch=dict(depths=[1, 1, 1, 1], channels=[16, 32, 80, 128]),
            out_indices=(0, 1, 2, 3),
            gap_before_final_norm=False)))
