# RAVS with MiT-B5 + HTS-AT (Table 1/2 "MIT-B5 HTSAT" rows, and the model of the ablations):
# ravs_mitb5.py with the published AudioSet HTS-AT, frozen, in place of VGGish. Tokens and
# embedding are both 768-d, so the contrastive alignment's per-stage projection f_a_l serves
# both without an extra layer.
_base_ = ['./ravs_mitb5.py']
model = dict(
    audio_encoder=dict(
        _delete_=True,
        type='HTSAT',
        pretrained='pretrained/HTSAT_AudioSet_Saved_1.ckpt',
        frozen=True),
    freeze_audio_encoder=True,  # nothing in it trains: run it without a graph
    backbone=dict(audio_channels=768))
