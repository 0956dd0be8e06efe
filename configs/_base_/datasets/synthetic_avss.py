# Synthetic semantic AVS data in the AVSBench-Semantic layout (10-frame v2 clips plus
# 5-frame v1s/v1m clips padded to 10), written by make_synthetic_avs.py.
_base_ = ['./synthetic_ms3.py']
dataset_type = 'AVSBenchSemanticDataset'
data_root = 'data/synthetic/avss'
num_frames = 10
num_classes = 7  # background + the generator's 6 classes (read from label2idx.json)

train_pipeline = [
    dict(type='LoadAVSClipFrames'),
    dict(type='LoadAVSClipAnnotations'),
    dict(type='LoadAVSAudio', frontend='vggish', num_segments=num_frames),
    dict(type='ClipResize', scale=(96, 96)),
    dict(type='ClipRandomFlip', prob=0.5),
    dict(type='PackAVSInputs'),
]
test_pipeline = [
    dict(type='LoadAVSClipFrames'),
    dict(type='ClipResize', scale=(96, 96)),
    dict(type='LoadAVSClipAnnotations'),
    dict(type='LoadAVSAudio', frontend='vggish', num_segments=num_frames),
    dict(type='PackAVSInputs'),
]
train_dataloader = dict(
    batch_size=2,
    dataset=dict(type=dataset_type, data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=2,
    dataset=dict(type=dataset_type, data_root=data_root, pipeline=test_pipeline))
test_dataloader = dict(
    batch_size=2,
    dataset=dict(type=dataset_type, data_root=data_root, pipeline=test_pipeline))
val_evaluator = dict(type='AVSMetric', protocol='dataset', num_classes=num_classes)
test_evaluator = val_evaluator
