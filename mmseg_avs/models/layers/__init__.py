from .audio_visual_cross_attention import AudioVisualCrossAttention
from .temporal_self_attention import TemporalSelfAttention

__all__ = ['AudioVisualCrossAttention', 'TemporalSelfAttention']
