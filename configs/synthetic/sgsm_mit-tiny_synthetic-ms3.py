# Table 3 "+SGSM": the tiny Baseline with the AMA blocks after stages 1-3; no contrastive loss.
_base_ = [
    '../_base_/models/sgsm_mit-tiny.py', '../_base_/datasets/synthetic_ms3.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_synthetic.py'
]
