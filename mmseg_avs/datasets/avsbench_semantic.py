"""AVSBench-Semantic (AVSS, "v2")."""
import os.path as osp
from typing import List, Optional, Sequence

from mmseg.registry import DATASETS

from .avss_classes import AVSS_CLASSES, voc_palette
from .base_avs_dataset import BaseAVSDataset, load_label2idx


@DATASETS.register_module()
class AVSBenchSemanticDataset(BaseAVSDataset):
    """AVSBench-Semantic, in the published layout (``avs_released``)::

        metadata.csv                                  columns uid, label (v1s|v1m|v2), split
        label2idx.json                                class name -> 1..C, background first
        {label}/{uid}/frames/{0..N-1}.jpg             N = 5 for v1s/v1m, 10 for v2
        {label}/{uid}/labels_rgb/{i}.png              VOC-palette colour masks
        {label}/{uid}/labels_semantic/{i}.png         index masks
        {label}/{uid}/audio.wav                       the whole clip

    Quirks kept from the official loader: every clip has 10 slots; the 5-frame v1s/v1m clips
    are zero-padded (``is_padded`` frames: black image, silent audio, ignored in training);
    v1s training clips have a mask for frame 0 only. Classes come from ``label2idx.json``
    when the data root has one (class index = value - 1, 0 = background), else the 71
    AVSS classes.

    Args:
        data_root (str): The ``avs_released`` folder.
        split (str): ``'train'``, ``'val'`` or ``'test'``.
        ann_file (str, optional): Defaults to ``'metadata.csv'``.
        subsets (Sequence[str]): Which of ``'v1s'``, ``'v1m'``, ``'v2'`` to use.
        mask_source (str): ``'rgb'`` (``labels_rgb``, the official loader) or ``'index'``
            (``labels_semantic``).
        num_frames (int): Slots per clip. Defaults to 10.
        **kwargs: See :class:`BaseAVSDataset`.
    """
    METAINFO = dict(classes=AVSS_CLASSES, palette=voc_palette(len(AVSS_CLASSES)))
    ANN_FILE = 'metadata.csv'
    REAL_FRAMES = {'v1s': 5, 'v1m': 5, 'v2': 10}

    def __init__(self,
                 data_root: str,
                 split: str = 'train',
                 ann_file: Optional[str] = None,
                 subsets: Sequence[str] = ('v1s', 'v1m', 'v2'),
                 mask_source: str = 'rgb',
                 num_frames: int = 10,
                 metainfo: Optional[dict] = None,
                 **kwargs) -> None:
        unknown = set(subsets) - set(self.REAL_FRAMES)
        if unknown:
            raise ValueError(f'unknown AVSS subsets {sorted(unknown)}; use v1s, v1m, v2')
        if mask_source not in ('rgb', 'index'):
            raise ValueError(f"mask_source must be 'rgb' or 'index', got {mask_source!r}")
        needed = max(self.REAL_FRAMES[s] for s in subsets)
        if num_frames < needed:
            raise ValueError(f'num_frames={num_frames} is shorter than the {needed} frames '
                             f'of subsets {list(subsets)}')
        self.subsets = tuple(subsets)
        self.mask_source = mask_source
        self.num_frames = num_frames
        if metainfo is None:
            names = load_label2idx(osp.join(data_root, 'label2idx.json'))
            if names is not None:
                metainfo = dict(classes=tuple(names), palette=voc_palette(len(names)))
        super().__init__(data_root=data_root, split=split, ann_file=ann_file,
                         metainfo=metainfo, **kwargs)

    def load_data_list(self) -> List[dict]:
        table = self.read_metadata()
        table = table[table['label'].isin(self.subsets)]
        T, num_classes = self.num_frames, len(self.metainfo['classes'])
        mask_dir = 'labels_rgb' if self.mask_source == 'rgb' else 'labels_semantic'
        mask_format = 'palette' if self.mask_source == 'rgb' else 'index'
        data_list = []
        for i, row in table.iterrows():
            uid, subset = row['uid'], row['label']
            clip_dir = osp.join(self.data_root, subset, uid)
            num_real = self.REAL_FRAMES[subset]
            num_masks = 1 if (subset == 'v1s' and self.split == 'train') else num_real
            data_list.append(self.clip_info(
                row, i, clip_id=uid,
                img_paths=[osp.join(clip_dir, 'frames', f'{k}.jpg') if k < num_real else None
                           for k in range(T)],
                seg_map_paths=[osp.join(clip_dir, mask_dir, f'{k}.png') if k < num_masks
                               else None for k in range(T)],
                audio_path=osp.join(clip_dir, 'audio.wav'),
                mask_format=mask_format, num_real_frames=num_real, subset=subset,
                num_classes=num_classes))
        return data_list
