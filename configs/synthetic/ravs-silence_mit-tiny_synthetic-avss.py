# Full tiny RAVS trained with ClipRandomSilence (not in the paper): a tenth of the training clips
# are made silent and their masks empty, so that the model learns that silence means no mask.
_base_ = ['./ravs_mit-tiny_synthetic-avss.py']
train_pipeline = [
    step for t in _base_.train_pipeline
    for step in ([t, dict(type='ClipRandomSilence', prob=0.1)]
                 if t['type'] == 'LoadAVSClipAnnotations' else [t])
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
