# Full RAVS, tiny, on the synthetic semantic data set.
_base_ = ['./sgsm-cst_mit-tiny_synthetic-avss.py']
model = dict(decode_head=dict(type='UncertaintyHead', fusion='attenuate'))
