"""Ground-floor signal code (audio waveforms, log-mel front-ends, video reading) that the
data pipeline, the models and the APIs import; it imports nothing else from mmseg_avs.

``video_io`` needs PyAV and is not imported here: import it as
``mmseg_avs.signal.video_io``.
"""
from .logmel import htsat_logmel, slaney_mel_matrix, vggish_logmel, vggish_mel_matrix
from .waveform import AudioFileError, read_wav, resample_wave, split_seconds

__all__ = [
    'AudioFileError', 'read_wav', 'resample_wave', 'split_seconds', 'vggish_logmel',
    'vggish_mel_matrix', 'htsat_logmel', 'slaney_mel_matrix'
]
