from .dpc_knn import dpc_knn_group
from .sound_guided_merging import (AMAGroups, GroupDecoderLayer, SoundGuidedSemanticMerging,
                                   group_softmax_merge)

__all__ = ['AMAGroups', 'dpc_knn_group', 'group_softmax_merge', 'GroupDecoderLayer',
           'SoundGuidedSemanticMerging']
