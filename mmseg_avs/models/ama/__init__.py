from .dpc_knn import dpc_knn_group
from .sound_guided_merging import (GroupDecoderLayer, SoundGuidedSemanticMerging,
                                   group_softmax_merge)

__all__ = ['dpc_knn_group', 'group_softmax_merge', 'GroupDecoderLayer',
           'SoundGuidedSemanticMerging']
