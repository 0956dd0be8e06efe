# RAVS, MiT-B5 + VGGish, on AVSBench-Semantic, in DDESeg's frame
# (the second reading, configs/ravs/README.md; the default is ravs_mitb5_avss.py)
# (paper Table 1: J&F / J / F_beta = 65.4 / 59.8 / 71.0).
_base_ = [
    '../_base_/models/ravs_mitb5_ddeseg-frame.py',
    '../_base_/datasets/avsbench_avss.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_ddeseg_150e.py',
    '../_base_/datasets/ddeseg_box_crop.py',
]
model = dict(decode_head=dict(num_classes={{_base_.num_classes}}))
# the crop between the loading steps and the resize to 224
train_pipeline = [*_base_.train_pipeline[:3], _base_.box_aware_crop, *_base_.train_pipeline[3:]]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
