# AVSBench-Semantic (AVSS) in its published layout: all three subsets (v1s, v1m, v2), clips
# in 10-frame slots (the 5-frame v1s/v1m clips zero-padded, padded slots ignored in
# training), 71 classes with background (label2idx.json), 224x224 as in the paper's Table 1.
# Audio: one VGGish log-mel example per second of audio.wav, zero for padded slots (as the
# official code pads to 10).
dataset_type = 'AVSBenchSemanticDataset'
data_root = 'data/avs_released'
num_frames = 10
num_classes = 71
image_size = (224, 224)  # (w, h)

# DDESeg's train augmentation, as in avsbench_ms3.py (see there for what is approximated and
# what is not reproduced). The official AVSS loader resizes the short side and centre-crops;
# DDESeg (whose recipe we follow) resizes to 224x224, as here.
train_pipeline = [
    dict(type='LoadAVSClipFrames'),
    dict(type='LoadAVSClipAnnotations'),
    dict(type='LoadAVSAudio', frontend='vggish', num_segments=num_frames),
    dict(type='ClipResize', scale=image_size),
    dict(type='ClipRandomFlip', prob=0.5),
    dict(type='ClipPhotoMetricDistortion', brightness_delta=26, contrast_range=(0.8, 1.2),
         saturation_range=(0.8, 1.2), hue_delta=18),
    dict(type='PackAVSInputs'),
]
test_pipeline = [
    dict(type='LoadAVSClipFrames'),
    dict(type='ClipResize', scale=image_size),
    # masks are loaded after the resize: predictions are scored at the stored mask size
    dict(type='LoadAVSClipAnnotations'),
    dict(type='LoadAVSAudio', frontend='vggish', num_segments=num_frames),
    dict(type='PackAVSInputs'),
]
# Batch: 5 clips (50 frame slots) per GPU on 2 GPUs, DDESeg's 2 x 50 frames per step
# (schedules/schedule_ddeseg_150e.py explains the mapping); base_batch_size is in clips.
train_dataloader = dict(
    batch_size=5,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, split='train',
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=2,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, split='val',
                 pipeline=test_pipeline))
test_dataloader = dict(val_dataloader, dataset=dict(val_dataloader['dataset'], split='test'))
auto_scale_lr = dict(enable=False, base_batch_size=10)
# The paper's tables score "following CAVP" (§4.1): the 'dataset' protocol, background
# included (reference §3.5). AVSBench-Semantic's official per-class frame-averaged mIoU / F
# is reported too under the 'avss/' prefix.
val_evaluator = [
    dict(type='AVSMetric', protocol='dataset', num_classes=num_classes),
    dict(type='AVSMetric', protocol='avss', num_classes=num_classes, prefix='avss'),
]
test_evaluator = val_evaluator
