# As ue_mit-tiny_synthetic-avss.py with eq. 11 as printed (see ue-paper_mit-tiny_synthetic-ms3).
_base_ = ['./ue_mit-tiny_synthetic-avss.py']
model = dict(decode_head=dict(fusion='paper'))
