# Table 4 on AVSBench-Objects MS3: the full model with [5, 5, 5] groups at 1/4, 1/8 and 1/16 of
# the input (paper: J&F / J / F_beta = 71.5 / 66.7 / 76.3); the default [14, 7, 5] is
# ../ravs_mitb5-htsat_ms3.py.
_base_ = ['../ravs_mitb5-htsat_ms3.py']
model = dict(backbone=dict(ama=dict(num_groups=[5, 5, 5])))
