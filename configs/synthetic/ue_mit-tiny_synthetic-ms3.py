# The tiny Baseline with the UE decode head (temporal self-attention + Dirichlet uncertainty,
# 'attenuate' fusion) in place of the SegFormer head; no AMA.
_base_ = ['./baseline_mit-tiny_synthetic-ms3.py']
model = dict(decode_head=dict(type='UncertaintyHead', fusion='attenuate'))
