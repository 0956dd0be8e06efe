# As avsbench_s4.py, with HTS-AT's AudioSet log-mels (LoadAVSAudio(frontend='htsat')) for the
# HTS-AT audio encoder; everything else is unchanged.
_base_ = ['./avsbench_s4.py']
train_pipeline = [dict(t, frontend='htsat') if t['type'] == 'LoadAVSAudio' else t
                  for t in _base_.train_pipeline]
test_pipeline = [dict(t, frontend='htsat') if t['type'] == 'LoadAVSAudio' else t
                 for t in _base_.test_pipeline]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
