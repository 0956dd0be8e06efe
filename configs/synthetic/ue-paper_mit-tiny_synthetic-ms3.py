# As ue_mit-tiny_synthetic-ms3.py with eq. 11 as printed (Y = sigma(m) / (delta_hat + eps)):
# L_seg on sigma(m) and the evidential loss on alpha.
_base_ = ['./ue_mit-tiny_synthetic-ms3.py']
model = dict(decode_head=dict(fusion='paper'))
