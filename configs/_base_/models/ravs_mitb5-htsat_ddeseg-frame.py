# RAVS with MiT-B5 + HTS-AT in DDESeg's frame: ravs_mitb5_ddeseg-frame.py with the published
# AudioSet HTS-AT, frozen, in place of VGGish (as ravs_mitb5-htsat.py does for the default
# frame). DDESeg's own audio encoder: its per-stage MLPs take these 768-d tokens.
_base_ = ['./ravs_mitb5_ddeseg-frame.py']
model = dict(
    audio_encoder=dict(
        _delete_=True,
        type='HTSAT',
        pretrained='pretrained/HTSAT_AudioSet_Saved_1.ckpt',
        frozen=True),
    freeze_audio_encoder=True,  # nothing in it trains: run it without a graph
    backbone=dict(audio_channels=768))
