# Table 3 "Baseline" (cross-attention fusion at every stage, SegFormer decoder) with a tiny
# MiT and audio CNN on the synthetic binary data set (AVSBench-MS3 layout).
_base_ = [
    '../_base_/models/avs_baseline_mit-tiny.py', '../_base_/datasets/synthetic_ms3.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_synthetic.py'
]
