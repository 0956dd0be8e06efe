"""Draw per-frame predictions of clips during validation and testing."""
from typing import Optional, Sequence

import mmcv
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner
from mmengine.visualization import Visualizer
from mmseg.registry import HOOKS
from mmseg.structures import SegDataSample

from ...visualization import (ama_group_pictures, clip_panel_rows, draw_clip_grid,
                              read_clip_frames)


@HOOKS.register_module()
class AVSVisualizationHook(Hook):
    """Draw ground truth and prediction of every real frame of some batches of clips.

    MMSeg's ``SegVisualizationHook`` names pictures by the frame's file name, which clashes
    for AVSBench-Semantic (every clip has ``frames/0.jpg``), and cannot read zero-padded
    slots. This hook names them ``{mode}_{clip_id}_{frame_idx}`` and skips padded slots.
    Pictures go to the visualizer's backends: local files by default
    (``tools/test.py --show-dir`` points the local backend at a folder), TensorBoard when the
    config adds a ``TensorboardVisBackend``.

    With ``style='clip'`` it draws one picture per clip instead, named ``{mode}_{clip_id}``:
    the real frames in columns, and rows of ground truth, prediction, the UE head's
    uncertainty and the last AMA stage's groups, for what the model has
    (:func:`~mmseg_avs.visualization.clip_panel_rows`, as ``tools/analysis/show_clips.py``
    draws them). The groups come from running the audio encoder and backbone once more on
    the drawn batches.

    Args:
        draw (bool): Draw at all. Defaults to False (``--show-dir`` switches it on).
        interval (int): Draw every ``interval``-th batch. Defaults to 1.
        show (bool): Show in a window instead of saving. Defaults to False.
        wait_time (float): Seconds a shown window stays. Defaults to 0.
        style (str): ``'frame'`` (MMSeg's ground truth | prediction picture per frame) or
            ``'clip'`` (one picture per clip). Defaults to ``'frame'``.
    """
    priority = 'NORMAL'
    STYLES = ('frame', 'clip')

    def __init__(self, draw: bool = False, interval: int = 1, show: bool = False,
                 wait_time: float = 0., style: str = 'frame') -> None:
        if style not in self.STYLES:
            raise ValueError(f'style must be one of {self.STYLES}, got {style!r}')
        self.draw, self.interval, self.show, self.wait_time = draw, interval, show, wait_time
        self.style = style
        self._visualizer: Visualizer = Visualizer.get_current_instance()

    def _draw_batch(self, runner: Runner, batch_idx: int, data_batch: dict,
                    outputs: Sequence[SegDataSample], mode: str) -> None:
        if not self.draw or not self.every_n_inner_iters(batch_idx, self.interval):
            return
        if self.style == 'clip':
            self._draw_clips(runner, data_batch, outputs, mode)
            return
        for sample in outputs:
            if sample.metainfo.get('is_padded') or sample.metainfo.get('img_path') is None:
                continue
            img = mmcv.imread(sample.img_path, channel_order='rgb')
            name = f"{mode}_{sample.metainfo.get('clip_id')}_{sample.metainfo.get('frame_idx')}"
            self._visualizer.add_datasample(
                name, img, data_sample=sample, show=self.show, wait_time=self.wait_time,
                step=runner.iter)

    def _draw_clips(self, runner: Runner, data_batch: dict,
                    outputs: Sequence[SegDataSample], mode: str) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        data = model.data_preprocessor(data_batch, False)
        frames = read_clip_frames(outputs)
        groups = ama_group_pictures(model, data['inputs'], data['audio'], frames)
        palette = self._visualizer.dataset_meta['palette']
        num_frames = data['audio'].shape[1]
        for start in range(0, len(outputs), num_frames):
            real = [i for i in range(start, start + num_frames)
                    if not outputs[i].metainfo.get('is_padded')]
            samples = [outputs[i] for i in real]
            rows, titles = clip_panel_rows([frames[i] for i in real], samples, palette,
                                           None if groups is None else [groups[i] for i in real])
            grid = draw_clip_grid([frames[i] for i in real], rows, titles,
                                  [f't={s.frame_idx}' for s in samples])
            name = f'{mode}_{samples[0].clip_id}'
            if self.show:
                self._visualizer.show(grid, win_name=name, wait_time=self.wait_time)
            else:
                self._visualizer.add_image(name, grid, step=runner.iter)

    def after_val_iter(self, runner: Runner, batch_idx: int, data_batch: Optional[dict] = None,
                       outputs: Optional[Sequence[SegDataSample]] = None) -> None:
        self._draw_batch(runner, batch_idx, data_batch, outputs, 'val')

    def after_test_iter(self, runner: Runner, batch_idx: int,
                        data_batch: Optional[dict] = None,
                        outputs: Optional[Sequence[SegDataSample]] = None) -> None:
        self._draw_batch(runner, batch_idx, data_batch, outputs, 'test')
