# AVSBench-Objects S4 (single source) in its published layout: as MS3 (5 frames, binary,
# 224x224, same augmentation and metrics) but only the first frame of each training clip has a
# mask (the others carry the ignore label), as in the official loader.
_base_ = ['./avsbench_ms3.py']
dataset_type = 'AVSBenchS4Dataset'
data_root = 'data/avsbench_data/Single-source'
train_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root))
val_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root))
test_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root))
