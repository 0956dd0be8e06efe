"""Draw per-frame predictions of clips during validation and testing."""
from typing import Optional, Sequence

import mmcv
from mmengine.hooks import Hook
from mmengine.runner import Runner
from mmengine.visualization import Visualizer
from mmseg.registry import HOOKS
from mmseg.structures import SegDataSample


@HOOKS.register_module()
class AVSVisualizationHook(Hook):
    """Draw ground truth and prediction of every real frame of some batches of clips.

    MMSeg's ``SegVisualizationHook`` names pictures by the frame's file name, which clashes
    for AVSBench-Semantic (every clip has ``frames/0.jpg``), and cannot read zero-padded
    slots. This hook names them ``{mode}_{clip_id}_{frame_idx}`` and skips padded slots.
    Pictures go to the visualizer's backends (``tools/test.py --show-dir`` points the local
    backend at a folder).

    Args:
        draw (bool): Draw at all. Defaults to False (``--show-dir`` switches it on).
        interval (int): Draw every ``interval``-th batch. Defaults to 1.
        show (bool): Show in a window instead of saving. Defaults to False.
        wait_time (float): Seconds a shown window stays. Defaults to 0.
    """
    priority = 'NORMAL'

    def __init__(self, draw: bool = False, interval: int = 1, show: bool = False,
                 wait_time: float = 0.) -> None:
        self.draw, self.interval, self.show, self.wait_time = draw, interval, show, wait_time
        self._visualizer: Visualizer = Visualizer.get_current_instance()

    def _draw_batch(self, runner: Runner, batch_idx: int,
                    outputs: Sequence[SegDataSample], mode: str) -> None:
        if not self.draw or not self.every_n_inner_iters(batch_idx, self.interval):
            return
        for sample in outputs:
            if sample.metainfo.get('is_padded') or sample.metainfo.get('img_path') is None:
                continue
            img = mmcv.imread(sample.img_path, channel_order='rgb')
            name = f"{mode}_{sample.metainfo.get('clip_id')}_{sample.metainfo.get('frame_idx')}"
            self._visualizer.add_datasample(
                name, img, data_sample=sample, show=self.show, wait_time=self.wait_time,
                step=runner.iter)

    def after_val_iter(self, runner: Runner, batch_idx: int, data_batch: Optional[dict] = None,
                       outputs: Optional[Sequence[SegDataSample]] = None) -> None:
        self._draw_batch(runner, batch_idx, outputs, 'val')

    def after_test_iter(self, runner: Runner, batch_idx: int,
                        data_batch: Optional[dict] = None,
                        outputs: Optional[Sequence[SegDataSample]] = None) -> None:
        self._draw_batch(runner, batch_idx, outputs, 'test')
