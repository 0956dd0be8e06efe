# Table 3 "+GTF" on AVSBench-Semantic (paper: J&F / J / F_beta = 59.6 / 55.1 / 64.1): the
# Baseline whose audio-visual attention, in training only, sees just the tokens inside the
# ground-truth sounding mask (an oracle filter of silent regions, as in the paper).
_base_ = ['./baseline_mitb5-htsat_avss.py']
model = dict(backbone=dict(gt_token_filter=True))
