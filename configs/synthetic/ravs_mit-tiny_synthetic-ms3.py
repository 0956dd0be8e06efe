# Full RAVS, tiny: AMA after stages 1-3 + contrastive alignment + the UE decode head.
_base_ = ['./sgsm-cst_mit-tiny_synthetic-ms3.py']
model = dict(decode_head=dict(type='UncertaintyHead', fusion='attenuate'))
