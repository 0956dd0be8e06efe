# RAVS, MiT-B5 + VGGish, on VPO-MS
# (paper Table 2: J&F / J / F_beta = 72.92 / 66.33 / 79.51).
_base_ = [
    '../_base_/models/ravs_mitb5.py', '../_base_/datasets/vpo_ms.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_ddeseg_150e.py'
]
model = dict(decode_head=dict(num_classes={{_base_.num_classes}}))
