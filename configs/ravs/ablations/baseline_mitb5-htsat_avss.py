# Table 3 "Baseline" on AVSBench-Semantic (paper: J&F / J / F_beta = 57.2 / 51.4 / 62.9):
# MiT-B5 + HTS-AT, multi-head cross-attention fusion after every stage, SegFormer-style MLP
# decoder; no grouping, no contrastive loss, no uncertainty. Data, schedule and evaluation are
# those of the full model (../ravs_mitb5-htsat_avss.py); only the model differs.
_base_ = [
    '../../_base_/models/avs_baseline_mitb5-htsat.py',
    '../../_base_/datasets/avsbench_avss-htsat.py',
    '../../_base_/default_runtime.py', '../../_base_/schedules/schedule_ddeseg_150e.py'
]
model = dict(decode_head=dict(num_classes={{_base_.num_classes}}))
