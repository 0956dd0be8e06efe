# The tiny Baseline with the UE decode head ('attenuate' fusion) on the synthetic semantic set.
_base_ = ['./baseline_mit-tiny_synthetic-avss.py']
model = dict(decode_head=dict(type='UncertaintyHead', fusion='attenuate'))
