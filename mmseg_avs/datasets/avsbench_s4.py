"""AVSBench-Objects S4 (single source)."""
import os.path as osp
from typing import List

from mmseg.registry import DATASETS

from .base_avs_dataset import BaseAVSDataset


@DATASETS.register_module()
class AVSBenchS4Dataset(BaseAVSDataset):
    """AVSBench-Objects single-source (S4), in the published layout.

    ``data_root`` is ``avsbench_data/Single-source``::

        s4_meta_data.csv                                     row[0] = name, row[2] = category
        s4_data/visual_frames/{split}/{category}/{name}/{name}_{1..5}.png
        s4_data/gt_masks/{split}/{category}/{name}/{name}_{k}.png
        s4_data/audio_wav/{split}/{category}/{name}.wav       16 kHz
        s4_data/audio_log_mel/{split}/{category}/{name}.pkl   [5, 1, 96, 64]

    Quirk kept from the official loader: in the train split only the first frame has a mask
    and is supervised; frames 2-5 carry ``ignore_index``.

    Args: see :class:`BaseAVSDataset` (``data_root`` is the ``Single-source`` folder).
    """
    METAINFO = dict(classes=('background', 'sounding'), palette=[[0, 0, 0], [255, 255, 255]])
    ANN_FILE = 's4_meta_data.csv'
    NUM_FRAMES = 5

    def load_data_list(self) -> List[dict]:
        table = self.read_metadata()
        root, split, T = self.data_root, self.split, self.NUM_FRAMES
        data_list = []
        for i, row in table.iterrows():
            name, category = row.iloc[0], row.iloc[2]
            frames = osp.join(root, 's4_data', 'visual_frames', split, category, name)
            masks = osp.join(root, 's4_data', 'gt_masks', split, category, name)
            num_masks = 1 if split == 'train' else T
            data_list.append(self.clip_info(
                row, i, clip_id=name,
                img_paths=[osp.join(frames, f'{name}_{k}.png') for k in range(1, T + 1)],
                seg_map_paths=[osp.join(masks, f'{name}_{k}.png') if k <= num_masks else None
                               for k in range(1, T + 1)],
                audio_path=osp.join(root, 's4_data', 'audio_wav', split, category,
                                    f'{name}.wav'),
                mask_format='binary', num_real_frames=T, category=category,
                audio_pkl_path=osp.join(root, 's4_data', 'audio_log_mel', split, category,
                                        f'{name}.pkl')))
        return data_list
