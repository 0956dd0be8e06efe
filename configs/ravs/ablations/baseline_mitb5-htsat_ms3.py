# Table 3 "Baseline" on AVSBench-Objects MS3 (paper: J&F / J / F_beta = 64.3 / 59.8 / 68.7):
# MiT-B5 + HTS-AT, multi-head cross-attention fusion after every stage, SegFormer-style MLP
# decoder; no grouping, no contrastive loss, no uncertainty. Data, schedule and evaluation are
# those of the full model (../ravs_mitb5-htsat_ms3.py); only the model differs.
_base_ = [
    '../../_base_/models/avs_baseline_mitb5-htsat.py',
    '../../_base_/datasets/avsbench_ms3-htsat.py',
    '../../_base_/default_runtime.py', '../../_base_/schedules/schedule_ddeseg_150e.py'
]
model = dict(decode_head=dict(num_classes={{_base_.num_classes}}))
