# Table 3 "+SGSM": the tiny Baseline with the AMA block (DPC-KNN grouping, sound-guided
# merging, group refinement, remap) after stages 1-3, groups [14, 7, 5]; no contrastive loss.
_base_ = ['./baseline_mit-tiny_synthetic-ms3.py']
model = dict(
    backbone=dict(
        fusion=dict(
            _delete_=True,
            type='SoundGuidedSemanticMerging',
            num_groups=[14, 7, 5],
            num_heads=1,
            num_layers=1),
        fusion_stages=(0, 1, 2)))
