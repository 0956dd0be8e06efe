# A tiny MiT (16-d, one block per stage) and a tiny audio CNN: trains on a CPU in minutes.
_base_ = ['./avs_baseline_mit.py']
model = dict(
    backbone=dict(
        visual=dict(embed_dims=16, num_layers=[1, 1, 1, 1]),
        fusion=dict(num_heads=1)),
    decode_head=dict(in_channels=[16, 32, 80, 128], channels=64))
