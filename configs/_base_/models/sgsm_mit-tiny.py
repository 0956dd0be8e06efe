# The tiny Baseline with the AMA block (DPC-KNN grouping, sound-guided merging, group
# refinement, remap) after stages 1-3, groups [14, 7, 5], in place of the plain fusion there;
# stage 4 keeps the Baseline's cross-attention, so only the AMA blocks differ.
_base_ = ['./avs_baseline_mit-tiny.py']
model = dict(
    backbone=dict(
        ama=dict(
            type='SoundGuidedSemanticMerging',
            num_groups=[14, 7, 5],
            num_heads=1,
            num_layers=1),
        ama_stages=(0, 1, 2)))
