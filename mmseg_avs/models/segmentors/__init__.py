from .audio_visual_segmentor import AudioVisualSegmentor
from .uncertainty_encoder_decoder import UncertaintyEncoderDecoder

__all__ = ['AudioVisualSegmentor', 'UncertaintyEncoderDecoder']
