# RAVS, PVT-v2-B5 + VGGish, on AVSBench-Semantic
# (paper Table 1: J&F / J / F_beta = 63.9 / 58.7 / 69.0).
_base_ = [
    '../_base_/models/ravs_pvtv2b5.py', '../_base_/datasets/avsbench_avss.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_ddeseg_150e.py'
]
model = dict(decode_head=dict(num_classes={{_base_.num_classes}}))
