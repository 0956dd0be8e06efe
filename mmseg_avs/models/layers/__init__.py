from .audio_visual_cross_attention import AudioVisualCrossAttention
from .dirichlet import dirichlet_alpha, dirichlet_variance, kl_to_uniform_dirichlet
from .temporal_self_attention import TemporalSelfAttention

__all__ = [
    'AudioVisualCrossAttention', 'TemporalSelfAttention', 'dirichlet_alpha', 'dirichlet_variance',
    'kl_to_uniform_dirichlet'
]
