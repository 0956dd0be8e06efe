# RAVS, MiT-B5 + HTS-AT, on AVSBench-Semantic
# (paper Table 1: J&F / J / F_beta = 65.7 / 60.8 / 70.6).
_base_ = [
    '../_base_/models/ravs_mitb5-htsat.py', '../_base_/datasets/avsbench_avss-htsat.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_ddeseg_150e.py'
]
model = dict(decode_head=dict(num_classes={{_base_.num_classes}}))
