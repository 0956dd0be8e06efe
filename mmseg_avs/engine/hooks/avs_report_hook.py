"""Write an HTML report of a test run: overall metrics and every clip, worst J&F first."""
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence

from mmengine.dist import collect_results, is_main_process
from mmengine.hooks import Hook
from mmengine.runner import Runner
from mmseg.registry import HOOKS
from mmseg.structures import SegDataSample

from ...evaluation import AVSMetric
from ...visualization import clip_panel_rows, read_clip_frames, write_html_report
from ...visualization.html_report import write_strip


@HOOKS.register_module()
class AVSReportHook(Hook):
    """Score every test clip on its own and write a static HTML page (``index.html``).

    Each clip's J, F and J&F come from a fresh copy of the test evaluator's
    :class:`AVSMetric` (same protocol, classes, beta and ignore label) run on that clip's
    frames alone; the page also shows the run's overall metrics. Per clip it draws picture
    strips of the real frames: frame, ground truth, prediction and, for a model with the UE
    head, uncertainty (the rows of :func:`clip_panel_rows`). In a distributed run every
    process writes the pictures of its clips into ``out_dir`` (a folder all of them see) and
    the main process writes the page. ``tools/test.py --report DIR`` adds this hook.

    Args:
        out_dir (str): The report folder.
        title (str): The page title. Defaults to ``'Evaluation report'``.
        info (dict, optional): Lines shown under the title, e.g. config and checkpoint.
        thumb_height (int): Height of the picture strips. Defaults to 48.
    """
    priority = 'LOW'

    def __init__(self, out_dir: str, title: str = 'Evaluation report',
                 info: Optional[Dict[str, str]] = None, thumb_height: int = 48) -> None:
        self.out_dir, self.title, self.info = out_dir, title, dict(info or {})
        self.thumb_height = thumb_height
        self._metric: Optional[AVSMetric] = None
        self._clips: List[dict] = []

    def before_test_epoch(self, runner: Runner) -> None:
        metrics = [m for m in runner.test_evaluator.metrics if isinstance(m, AVSMetric)]
        if not metrics:
            raise ValueError('AVSReportHook scores clips with the test evaluator\'s AVSMetric; '
                             'the test_evaluator has none')
        ref = metrics[0]
        self._metric = AVSMetric(protocol=ref.protocol, num_classes=ref.num_classes,
                                 beta2=ref.beta2, ignore_index=ref.ignore_index)
        self._clips = []
        os.makedirs(osp.join(self.out_dir, 'pictures'), exist_ok=True)

    def after_test_iter(self, runner: Runner, batch_idx: int,
                        data_batch: Optional[dict] = None,
                        outputs: Optional[Sequence[SegDataSample]] = None) -> None:
        palette = runner.test_dataloader.dataset.metainfo['palette']
        clips: Dict[str, List[SegDataSample]] = {}
        for sample in outputs:
            clips.setdefault(str(sample.clip_id), []).append(sample)
        for clip_id, samples in clips.items():
            self._metric.process({}, [s.to_dict() for s in samples])
            scores = self._metric.compute_metrics([self._metric.results.pop()])
            real = [s for s in samples if not s.metainfo.get('is_padded')]
            frames = read_clip_frames(real)
            rows, titles = clip_panel_rows(frames, real, palette)
            pictures = {}
            for title, pictures_of_row in zip(titles, [frames] + rows):
                path = osp.join('pictures', f"{clip_id}_{title.replace(' ', '_')}.png")
                write_strip(pictures_of_row, osp.join(self.out_dir, path), self.thumb_height)
                pictures[title] = path
            record = dict(clip_id=clip_id, pictures=pictures, num_frames=len(real),
                          tags=sorted({t for s in real for t in s.metainfo.get('case_tags', [])}),
                          **{k: scores[k] for k in ('J', 'F', 'J&F')})
            if 'uncertainty' in scores:
                record['uncertainty'] = scores['uncertainty']
            self._clips.append(record)

    def after_test_epoch(self, runner: Runner,
                         metrics: Optional[Dict[str, float]] = None) -> None:
        clips = collect_results(self._clips, len(runner.test_dataloader.dataset))
        if not is_main_process():
            return
        unique = {clip['clip_id']: clip for clip in clips}  # drop the sampler's padding
        overall = {k: v for k, v in (metrics or {}).items() if isinstance(v, (int, float))}
        page = write_html_report(self.out_dir, list(unique.values()), overall, self.title,
                                 self.info)
        runner.logger.info(f'report: {page}')
