# Table 3 "+GTF" on AVSBench-Objects MS3 (paper: J&F / J / F_beta = 67.9 / 62.2 / 73.6): the
# Baseline whose audio-visual attention, in training only, sees just the tokens inside the
# ground-truth sounding mask (an oracle filter of silent regions, as in the paper).
_base_ = ['./baseline_mitb5-htsat_ms3.py']
model = dict(backbone=dict(gt_token_filter=True))
