# Table 3 "+GTF": the tiny Baseline whose audio-visual attention only sees the tokens inside
# the ground-truth sounding mask during training (an oracle ablation, as in the paper).
_base_ = ['./baseline_mit-tiny_synthetic-ms3.py']
model = dict(backbone=dict(gt_token_filter=True))
