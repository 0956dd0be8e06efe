# Table 3 "Baseline" as the paper's ablations run it: MiT-B5 + HTS-AT (Table 3's last row and
# Table 4's [14, 7, 5] row are Table 1's MiT-B5 + HTS-AT numbers). HTS-AT: the published
# AudioSet checkpoint, frozen (as DDESeg freezes it); its 64 final tokens per second (768-d)
# are the cross-attention's audio keys and their mean the audio embedding.
_base_ = ['./avs_baseline_mitb5.py']
model = dict(
    audio_encoder=dict(
        _delete_=True,
        type='HTSAT',
        pretrained='pretrained/HTSAT_AudioSet_Saved_1.ckpt',
        frozen=True),
    freeze_audio_encoder=True,  # nothing in it trains: run it without a graph
    backbone=dict(audio_channels=768))
