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

    Args:
        data_root (str): The ``Single-source`` folder.
        split (str): ``'train'``, ``'val'`` or ``'test'``.
        ann_file (str): Defaults to ``'s4_meta_data.csv'``.
        **kwargs: See :class:`BaseAVSDataset`.
    """
    METAINFO = dict(classes=('background', 'sounding'), palette=[[0, 0, 0], [255, 255, 255]])
    NUM_FRAMES = 5

    def __init__(self, data_root: str, split: str = 'train',
                 ann_file: str = 's4_meta_data.csv', **kwargs) -> None:
        super().__init__(data_root=data_root, split=split, ann_file=ann_file, **kwargs)

    def load_data_list(self) -> List[dict]:
        table = self.read_metadata()
        root, split, T = self.data_root, self.split, self.NUM_FRAMES
        data_list = []
        for i, row in table.iterrows():
            name, category = row.iloc[0], row.iloc[2]
            frames = osp.join(root, 's4_data', 'visual_frames', split, category, name)
            masks = osp.join(root, 's4_data', 'gt_masks', split, category, name)
            num_masks = 1 if split == 'train' else T
            data_list.append(dict(
                clip_id=name,
                num_frames=T,
                num_real_frames=T,
                img_paths=[osp.join(frames, f'{name}_{k}.png') for k in range(1, T + 1)],
                seg_map_paths=[osp.join(masks, f'{name}_{k}.png') if k <= num_masks else None
                               for k in range(1, T + 1)],
                mask_format='binary',
                audio_path=osp.join(root, 's4_data', 'audio_wav', split, category,
                                    f'{name}.wav'),
                audio_pkl_path=osp.join(root, 's4_data', 'audio_log_mel', split, category,
                                        f'{name}.pkl'),
                case_tags=self.tags_of(row, T, T, f'{self.ann_file} row {i}'),
                category=category))
        return data_list
