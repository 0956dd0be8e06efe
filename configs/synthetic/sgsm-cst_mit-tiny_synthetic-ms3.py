# Table 3 "+SGSM+CST": the AMA blocks plus the audio-guided contrastive alignment of the last
# AMA stage's groups (eqs. 8-9), lambda_cst = 0.1.
_base_ = ['./sgsm_mit-tiny_synthetic-ms3.py']
model = dict(contrastive_loss=dict(type='AudioGuidedContrastiveLoss', loss_weight=0.1))
