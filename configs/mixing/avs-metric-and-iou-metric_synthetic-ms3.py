# AVSMetric (J, F, J&F, per case tag) next to MMSeg's IoUMetric in one evaluator, on the
# same predictions of the tiny Baseline. A dataset item is a clip, and MMEngine keeps
# len(dataset) results per metric: PerClipMetric lets a per-frame metric see every frame.
_base_ = ['../synthetic/baseline_mit-tiny_synthetic-ms3.py']
val_evaluator = [
    dict(type='AVSMetric', protocol='dataset', num_classes=2),
    dict(type='PerClipMetric', metric=dict(type='IoUMetric', iou_metrics=['mIoU', 'mFscore'])),
]
test_evaluator = val_evaluator
