# RAVS, MiT-B5 + HTS-AT, on AVSBench-Objects S4
# (paper Table 1: J&F / J / F_beta = 93.5 / 93.1 / 93.8).
_base_ = [
    '../_base_/models/ravs_mitb5-htsat.py', '../_base_/datasets/avsbench_s4-htsat.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_ddeseg_150e.py'
]
model = dict(decode_head=dict(num_classes={{_base_.num_classes}}))
