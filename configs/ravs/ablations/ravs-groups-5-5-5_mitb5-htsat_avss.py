# Table 4 on AVSBench-Semantic: the full model with [5, 5, 5] groups at 1/4, 1/8 and 1/16 of
# the input (paper: J&F / J / F_beta = 62.6 / 56.5 / 68.7); the default [14, 7, 5] is
# ../ravs_mitb5-htsat_avss.py.
_base_ = ['../ravs_mitb5-htsat_avss.py']
model = dict(backbone=dict(ama=dict(num_groups=[5, 5, 5])))
