from .audio_visual_backbone import AudioVisualBackbone

__all__ = ['AudioVisualBackbone']
