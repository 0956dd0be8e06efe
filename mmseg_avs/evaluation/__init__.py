from .avs_metric import AVSMetric
from .per_clip_metric import PerClipMetric

__all__ = ['AVSMetric', 'PerClipMetric']
