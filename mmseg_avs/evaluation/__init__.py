from .avs_metric import AVSMetric
from .per_clip_metric import PerClipMetric
from .trivial_predictors import TRIVIAL_PREDICTORS, score_trivial

__all__ = ['AVSMetric', 'PerClipMetric', 'TRIVIAL_PREDICTORS', 'score_trivial']
