# RAVS, MiT-B5 + VGGish, on VPO-MSMI
# (paper Table 2: J&F / J / F_beta = 68.69 / 61.32 / 76.05).
_base_ = [
    '../_base_/models/ravs_mitb5.py', '../_base_/datasets/vpo_msmi.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_ddeseg_150e.py'
]
model = dict(decode_head=dict(num_classes={{_base_.num_classes}}))
