# Table 3 "+SGSM+CST (AMA)" on AVSBench-Semantic (paper: J&F / J / F_beta = 64.2 / 59.1 /
# 69.3): +SGSM with the audio-guided contrastive alignment of the last AMA stage's groups (eqs.
# 8-9), lambda_cst = 0.1. Adding the UE decode head gives the full model, Table 3's last row:
# ../ravs_mitb5-htsat_avss.py.
_base_ = ['./sgsm_mitb5-htsat_avss.py']
model = dict(contrastive_loss=dict(type='AudioGuidedContrastiveLoss', loss_weight=0.1))
