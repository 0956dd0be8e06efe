# Table 4 on AVSBench-Objects MS3: the full model with [28, 14, 5] groups at 1/4, 1/8 and 1/16
# of the input (paper: J&F / J / F_beta = 73.7 / 68.6 / 78.8); the default [14, 7, 5] is
# ../ravs_mitb5-htsat_ms3.py.
_base_ = ['../ravs_mitb5-htsat_ms3.py']
model = dict(backbone=dict(ama=dict(num_groups=[28, 14, 5])))
