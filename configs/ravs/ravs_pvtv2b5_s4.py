# RAVS, PVT-v2-B5 + VGGish, on AVSBench-Objects S4
# (paper Table 1: J&F / J / F_beta = 91.3 / 90.3 / 92.2).
_base_ = [
    '../_base_/models/ravs_pvtv2b5.py', '../_base_/datasets/avsbench_s4.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_ddeseg_150e.py'
]
model = dict(decode_head=dict(num_classes={{_base_.num_classes}}))
