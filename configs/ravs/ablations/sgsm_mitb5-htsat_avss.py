# Table 3 "+SGSM" on AVSBench-Semantic (paper: J&F / J / F_beta = 62.6 / 57.7 / 67.5): the
# Baseline with the AMA block (DPC-KNN grouping, sound-guided merging, group refinement, remap)
# after stages 1-3, groups [14, 7, 5], in place of the plain fusion there (stage 4 keeps
# the Baseline's cross-attention); no contrastive loss, SegFormer decoder. The AMA settings
# are those of the full model (../../_base_/models/ravs_mitb5.py).
_base_ = ['./baseline_mitb5-htsat_avss.py']
model = dict(
    backbone=dict(
        ama=dict(
            type='SoundGuidedSemanticMerging',
            num_groups=[14, 7, 5],
            num_heads=[1, 2, 5],
            num_layers=1),
        ama_stages=(0, 1, 2)))
