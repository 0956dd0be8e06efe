from .clip_box_aware_crop import ClipBoxAwareRandomCrop
from .clip_transforms import (ClipPhotoMetricDistortion, ClipRandomFlip, ClipRandomSilence,
                              ClipResize)
from .formatting import PackAVSInputs
from .loading import LoadAVSClipAnnotations, LoadAVSClipFrames
from .loading_audio import LoadAVSAudio
from .loading_vpo_audio import LoadVPOAudio

__all__ = [
    'LoadAVSAudio', 'LoadVPOAudio', 'LoadAVSClipFrames', 'LoadAVSClipAnnotations', 'ClipResize',
    'ClipRandomFlip', 'ClipRandomSilence', 'ClipPhotoMetricDistortion', 'ClipBoxAwareRandomCrop',
    'PackAVSInputs'
]
