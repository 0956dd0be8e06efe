# Table 4 on AVSBench-Semantic: the full model with [28, 14, 5] groups at 1/4, 1/8 and 1/16 of
# the input (paper: J&F / J / F_beta = 63.4 / 57.8 / 68.9); the default [14, 7, 5] is
# ../ravs_mitb5-htsat_avss.py.
_base_ = ['../ravs_mitb5-htsat_avss.py']
model = dict(backbone=dict(ama=dict(num_groups=[28, 14, 5])))
