# VPO-SS (single source) in CAVP's layout: one COCO image per sample (T = 1) with 3 s of
# VGGSound audio (CAVP's centre crop at 16 kHz, mono), 22 classes with background, resized to
# 224x224 as the paper's Table 2 says for all methods but CPM. Audio: VGGish log-mels of the
# 3 s (three examples joined in time; VGGish averages their embeddings).
# Stereo (CAVP's main_vpo_stereo: each source panned by its audio_pos; a flip swaps the
# channels) is LoadVPOAudio(stereo=True); it gives 2-channel log-mels, which VGGish and
# HTS-AT do not take, so it needs a two-channel audio encoder. The paper's RAVS rows are mono.
dataset_type = 'VPODataset'
data_root = 'data/audio_visual'  # CAVP's folder holding VPO/ and vggsound_bench/
subset = 'VPO-SS'
num_frames = 1
num_classes = 22
image_size = (224, 224)  # (w, h)

# DDESeg's train augmentation, as in avsbench_ms3.py (see there for what is approximated and
# what is not reproduced). CAVP's own VPO recipe (multi-scale, 512 crops) is not used: the
# paper trains RAVS at 224.
train_pipeline = [
    dict(type='LoadAVSClipFrames'),
    dict(type='LoadAVSClipAnnotations'),
    dict(type='LoadVPOAudio', frontend='vggish', stereo=False, clip_seconds=3),
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
    dict(type='LoadVPOAudio', frontend='vggish', stereo=False, clip_seconds=3),
    dict(type='PackAVSInputs'),
]
# Batch: 50 images per GPU on 2 GPUs, DDESeg's 2 x 50 frames per step
# (schedules/schedule_ddeseg_150e.py explains the mapping).
train_dataloader = dict(
    batch_size=50,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, subset=subset, split='train',
                 pipeline=train_pipeline))
# VPO has no validation split: CAVP and DDESeg hold out the csv's 'val' rows as the test
# set, which split='val' and split='test' both give.
val_dataloader = dict(
    batch_size=16,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, subset=subset, split='test',
                 pipeline=test_pipeline))
test_dataloader = val_dataloader
auto_scale_lr = dict(enable=False, base_batch_size=100)
# The paper's Table 2 follows CAVP: the 'dataset' protocol, background included.
val_evaluator = dict(type='AVSMetric', protocol='dataset', num_classes=num_classes)
test_evaluator = val_evaluator
