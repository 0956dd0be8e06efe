# The learned visual-only floor of the synthetic benchmark: the tiny Baseline trained and
# tested with its audio zeroed (every second silent), so that all it can use is the frame.
_base_ = ['./baseline_mit-tiny_synthetic-avss.py']
train_pipeline = [dict(t, perturb='silence') if t['type'] == 'LoadAVSAudio' else t
                  for t in _base_.train_pipeline]
test_pipeline = [dict(t, perturb='silence') if t['type'] == 'LoadAVSAudio' else t
                 for t in _base_.test_pipeline]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
