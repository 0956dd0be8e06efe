from .audio_visual_cross_attention import AudioVisualCrossAttention

__all__ = ['AudioVisualCrossAttention']
