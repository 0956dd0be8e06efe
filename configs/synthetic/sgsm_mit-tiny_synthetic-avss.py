# Table 3 "+SGSM" on the synthetic semantic data set.
_base_ = [
    '../_base_/models/sgsm_mit-tiny.py', '../_base_/datasets/synthetic_avss.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_synthetic.py'
]
model = dict(decode_head=dict(num_classes={{_base_.num_classes}}))
