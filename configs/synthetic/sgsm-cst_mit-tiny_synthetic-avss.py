# Table 3 "+SGSM+CST" on the synthetic semantic data set, lambda_cst = 0.1.
_base_ = ['./sgsm_mit-tiny_synthetic-avss.py']
model = dict(contrastive_loss=dict(type='AudioGuidedContrastiveLoss', loss_weight=0.1))
