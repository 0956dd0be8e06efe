"""AVSBench-Objects MS3 (multiple sources)."""
import os.path as osp
from typing import List

from mmseg.registry import DATASETS

from .base_avs_dataset import BaseAVSDataset


@DATASETS.register_module()
class AVSBenchMS3Dataset(BaseAVSDataset):
    """AVSBench-Objects multi-source (MS3), in the published layout.

    ``data_root`` is ``avsbench_data/Multi-sources``::

        ms3_meta_data.csv                                  row[0] = video id, column 'split'
        ms3_data/visual_frames/{name}/{name}.mp4_{1..5}.png   no split folder; '.mp4_' infix
        ms3_data/gt_masks/{split}/{name}/{name}_{1..5}.png
        ms3_data/audio_wav/{split}/{name}.wav                16 kHz
        ms3_data/audio_log_mel/{split}/{name}.pkl            [5, 1, 96, 64]

    All five frames are supervised in every split. The synthetic data set's binary part is
    written in this layout, with extra case-tag columns.

    Args: see :class:`BaseAVSDataset` (``data_root`` is the ``Multi-sources`` folder).
    """
    METAINFO = dict(classes=('background', 'sounding'), palette=[[0, 0, 0], [255, 255, 255]])
    ANN_FILE = 'ms3_meta_data.csv'
    NUM_FRAMES = 5

    def load_data_list(self) -> List[dict]:
        table = self.read_metadata()
        root, split, T = self.data_root, self.split, self.NUM_FRAMES
        data_list = []
        for i, row in table.iterrows():
            name = row.iloc[0]
            frames = osp.join(root, 'ms3_data', 'visual_frames', name)
            masks = osp.join(root, 'ms3_data', 'gt_masks', split, name)
            data_list.append(self.clip_info(
                row, i, clip_id=name,
                img_paths=[osp.join(frames, f'{name}.mp4_{k}.png') for k in range(1, T + 1)],
                seg_map_paths=[osp.join(masks, f'{name}_{k}.png') for k in range(1, T + 1)],
                audio_path=osp.join(root, 'ms3_data', 'audio_wav', split, f'{name}.wav'),
                mask_format='binary', num_real_frames=T,
                audio_pkl_path=osp.join(root, 'ms3_data', 'audio_log_mel', split,
                                        f'{name}.pkl')))
        return data_list
