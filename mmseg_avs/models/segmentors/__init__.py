from .audio_visual_segmentor import AudioVisualSegmentor

__all__ = ['AudioVisualSegmentor']
