# RAVS, Swin-B + VGGish, on AVSBench-Objects MS3
# (not in the paper: a backbone comparison, see the model base).
_base_ = [
    '../_base_/models/ravs_swinb.py', '../_base_/datasets/avsbench_ms3.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_ddeseg_150e.py'
]
model = dict(decode_head=dict(num_classes={{_base_.num_classes}}))
