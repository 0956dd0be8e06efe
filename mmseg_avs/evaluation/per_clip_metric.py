"""Run a per-frame MMSeg metric (e.g. ``IoUMetric``) on clip datasets."""
from typing import Dict, Sequence

from mmengine.evaluator import BaseMetric
from mmseg.registry import METRICS


@METRICS.register_module()
class PerClipMetric(BaseMetric):
    """Wrap a per-frame metric so it sees every frame of every clip exactly once.

    MMEngine truncates a metric's results to the dataset length, i.e. to the number of
    *clips* here (that is how it drops the distributed sampler's padding duplicates). A
    per-frame metric such as MMSeg's ``IoUMetric`` stores one result per *frame*, so used
    directly it would silently evaluate only the first ``len(dataset)`` frames. This wrapper
    stores one result per clip (the wrapped metric's results for its frames) and hands the
    wrapped metric all frames of the clips kept.

    Args:
        metric (dict): The per-frame metric, e.g. ``dict(type='IoUMetric')``.
        collect_device (str): ``'cpu'`` or ``'gpu'``. Defaults to ``'cpu'``.
        prefix (str, optional): Prefix of the metric names. Defaults to the wrapped one's.
    """

    def __init__(self, metric: dict, collect_device: str = 'cpu', prefix: str = None) -> None:
        self.metric = METRICS.build(metric)
        super().__init__(collect_device=collect_device, prefix=prefix or self.metric.prefix)

    @property
    def dataset_meta(self) -> dict:
        return self._dataset_meta

    @dataset_meta.setter
    def dataset_meta(self, meta: dict) -> None:
        self._dataset_meta = meta
        self.metric.dataset_meta = meta

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        clips: Dict[str, list] = {}
        for sample in data_samples:
            clips.setdefault(str(sample['clip_id']), []).append(sample)
        for clip_id, samples in clips.items():
            start = len(self.metric.results)
            self.metric.process(data_batch, samples)
            self.results.append(dict(clip_id=clip_id, frames=self.metric.results[start:]))
            del self.metric.results[start:]

    def compute_metrics(self, results: list) -> Dict[str, float]:
        seen, frames = set(), []
        for clip in results:
            if clip['clip_id'] not in seen:  # a padding duplicate counts once
                seen.add(clip['clip_id'])
                frames.extend(clip['frames'])
        return self.metric.compute_metrics(frames)
