from .audio_visual_backbone import AudioVisualBackbone, AudioVisualFeatures

__all__ = ['AudioVisualBackbone', 'AudioVisualFeatures']
