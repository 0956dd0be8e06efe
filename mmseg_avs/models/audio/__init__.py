from .tiny_audio_encoder import TinyAudioEncoder

__all__ = ['TinyAudioEncoder']
