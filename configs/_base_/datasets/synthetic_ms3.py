# Synthetic binary AVS data in the AVSBench-MS3 layout, written by
# tools/dataset_converters/make_synthetic_avs.py (`make demo` does it for you).
dataset_type = 'AVSBenchMS3Dataset'
data_root = 'data/synthetic/ms3'
num_frames = 5
image_size = (96, 96)  # (w, h)
audio_frontend = 'vggish'

train_pipeline = [
    dict(type='LoadAVSClipFrames'),
    dict(type='LoadAVSClipAnnotations'),
    dict(type='LoadAVSAudio', frontend=audio_frontend, num_segments=num_frames),
    dict(type='ClipResize', scale=image_size),
    dict(type='ClipRandomFlip', prob=0.5),
    dict(type='PackAVSInputs'),
]
test_pipeline = [
    dict(type='LoadAVSClipFrames'),
    dict(type='ClipResize', scale=image_size),
    # masks are loaded after the resize: metrics compare at the original size
    dict(type='LoadAVSClipAnnotations'),
    dict(type='LoadAVSAudio', frontend=audio_frontend, num_segments=num_frames),
    dict(type='PackAVSInputs'),
]
train_dataloader = dict(
    batch_size=4,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, split='train',
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=4,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, split='val',
                 pipeline=test_pipeline))
test_dataloader = dict(val_dataloader, dataset=dict(val_dataloader['dataset'], split='test'))
val_evaluator = dict(type='AVSMetric', protocol='dataset', num_classes=2)
test_evaluator = val_evaluator
