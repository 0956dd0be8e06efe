from .audio_frontends import (AudioFileError, htsat_logmel, read_wav, resample_wave,
                              split_seconds, vggish_logmel)
from .clip_transforms import (ClipPhotoMetricDistortion, ClipRandomFlip, ClipRandomSilence,
                              ClipResize)
from .formatting import PackAVSInputs
from .loading import LoadAVSClipAnnotations, LoadAVSClipFrames
from .loading_audio import LoadAVSAudio
from .loading_vpo_audio import LoadVPOAudio

__all__ = [
    'AudioFileError', 'read_wav', 'resample_wave', 'split_seconds', 'vggish_logmel',
    'htsat_logmel', 'LoadAVSAudio', 'LoadVPOAudio', 'LoadAVSClipFrames', 'LoadAVSClipAnnotations',
    'ClipResize', 'ClipRandomFlip', 'ClipRandomSilence', 'ClipPhotoMetricDistortion',
    'PackAVSInputs'
]
