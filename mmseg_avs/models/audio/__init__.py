from .htsat import HTSAT
from .tiny_audio_encoder import TinyAudioEncoder
from .vggish import VGGish

__all__ = ['HTSAT', 'TinyAudioEncoder', 'VGGish']
