# RAVS, MiT-B5 + HTS-AT, on VPO-SS
# (paper Table 2: J&F / J / F_beta = 74.97 / 68.03 / 81.90).
_base_ = [
    '../_base_/models/ravs_mitb5-htsat.py', '../_base_/datasets/vpo_ss-htsat.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_ddeseg_150e.py'
]
model = dict(decode_head=dict(num_classes={{_base_.num_classes}}))
