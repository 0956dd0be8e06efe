# RAVS, MiT-B5 + HTS-AT, on VPO-MSMI
# (paper Table 2: J&F / J / F_beta = 69.30 / 61.89 / 76.70).
_base_ = [
    '../_base_/models/ravs_mitb5-htsat.py', '../_base_/datasets/vpo_msmi-htsat.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_ddeseg_150e.py'
]
model = dict(decode_head=dict(num_classes={{_base_.num_classes}}))
