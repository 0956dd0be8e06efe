# RAVS, MiT-B5 + VGGish, on AVSBench-Objects MS3
# (paper Table 1: J&F / J / F_beta = 74.2 / 68.3 / 80.1).
_base_ = [
    '../_base_/models/ravs_mitb5.py', '../_base_/datasets/avsbench_ms3.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_ddeseg_150e.py'
]
model = dict(decode_head=dict(num_classes={{_base_.num_classes}}))
