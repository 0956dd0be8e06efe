"""Common base of the AVSBench-style clip datasets."""
import json
import os.path as osp
from typing import Dict, List, Optional, Sequence

import pandas as pd
from mmengine.dataset import BaseDataset

from .case_tags import decode_case_tags


class BaseAVSDataset(BaseDataset):
    """A dataset whose items are clips: T frames, T one-second audio segments, T masks.

    Subclasses implement :meth:`load_data_list` for one published layout and fill, per clip:

    - ``clip_id`` (str), ``num_frames`` (T, the clip length the model sees) and
      ``num_real_frames`` (frames that exist on disk; the rest are zero-padded slots);
    - ``img_paths`` (list of T paths, ``None`` for padded slots);
    - ``seg_map_paths`` (list of T paths, ``None`` where the frame has no ground truth,
      e.g. S4 training frames 2-5; such frames are filled with ``ignore_index``);
    - ``mask_format``: ``'binary'`` (0 = background, anything else = sounding),
      ``'palette'`` (RGB colour masks of the VOC-style palette) or ``'index'``;
    - ``audio_path`` (a wav holding the whole clip) and optionally ``audio_pkl_path``;
    - ``case_tags`` (list of T tag lists; see :mod:`mmseg_avs.datasets.case_tags`).

    Args:
        data_root (str): Root of the data set (the folder holding the metadata csv).
        split (str): ``'train'``, ``'val'`` or ``'test'``. Defaults to ``'train'``.
        ann_file (str, optional): Metadata csv, relative to ``data_root``. Defaults to the
            layout's own (``ANN_FILE``).
        pipeline (list[dict]): Clip transforms.
        check_files (bool): Check at construction that every file a clip names exists, and
            raise one error listing what is missing. Defaults to True.
        **kwargs: Passed to :class:`mmengine.dataset.BaseDataset`.
    """

    ANN_FILE = ''

    def __init__(self,
                 data_root: str,
                 split: str = 'train',
                 ann_file: Optional[str] = None,
                 pipeline: Sequence[dict] = (),
                 check_files: bool = True,
                 **kwargs) -> None:
        if split not in ('train', 'val', 'test'):
            raise ValueError(f"split must be 'train', 'val' or 'test', got {split!r}")
        self.split = split
        self.check_files = check_files
        super().__init__(ann_file=ann_file or self.ANN_FILE, data_root=data_root,
                         pipeline=list(pipeline), **kwargs)

    # -- helpers for subclasses -------------------------------------------------------------
    def read_metadata(self) -> pd.DataFrame:
        """Read the metadata csv as strings (tag columns like ``"01100"`` must stay text)."""
        if not osp.isfile(self.ann_file):
            raise FileNotFoundError(f'metadata file not found: {self.ann_file}')
        table = pd.read_csv(self.ann_file, sep=',', dtype=str, keep_default_na=False)
        if 'split' not in table.columns:
            raise ValueError(f"{self.ann_file}: no 'split' column (columns: {list(table.columns)})")
        return table[table['split'] == self.split].reset_index(drop=True)

    def clip_info(self, row: Dict[str, str], row_index: int, clip_id: str,
                  img_paths: List[Optional[str]], seg_map_paths: List[Optional[str]],
                  audio_path: str, mask_format: str, num_real_frames: int,
                  **extra) -> dict:
        """One clip's data info (the keys listed in the class docstring).

        ``img_paths`` and ``seg_map_paths`` have one entry per slot (T); the case tags are
        read from the row for the real frames and empty for padded slots.
        """
        num_frames = len(img_paths)
        tags = decode_case_tags(row, num_real_frames, f'{self.ann_file} row {row_index}')
        return dict(clip_id=clip_id, num_frames=num_frames, num_real_frames=num_real_frames,
                    img_paths=img_paths, seg_map_paths=seg_map_paths, mask_format=mask_format,
                    audio_path=audio_path,
                    case_tags=tags + [[] for _ in range(num_frames - num_real_frames)],
                    **extra)

    def full_init(self) -> None:
        super().full_init()
        if self.check_files:
            self._check_files_exist()

    def _check_files_exist(self) -> None:
        missing = []
        for info in map(self.get_data_info, range(len(self))):
            paths = [info['audio_path']] if info.get('audio_path') else []
            paths += [p for p in info['img_paths'] + info['seg_map_paths'] if p]
            missing += [f"{info['clip_id']}: {p}" for p in paths if not osp.isfile(p)]
        if missing:
            shown = '\n  '.join(missing[:20])
            more = f'\n  ... and {len(missing) - 20} more' if len(missing) > 20 else ''
            raise FileNotFoundError(
                f'{len(missing)} file(s) named by {self.ann_file} ({self.split} split) are '
                f'missing:\n  {shown}{more}')


def load_label2idx(path: str) -> Optional[List[str]]:
    """Class names from an AVSS ``label2idx.json`` (values 1..C, background first), or None."""
    if not osp.isfile(path):
        return None
    with open(path) as f:
        label2idx = json.load(f)
    names = sorted(label2idx, key=label2idx.get)
    if [label2idx[n] for n in names] != list(range(1, len(names) + 1)):
        raise ValueError(f'{path}: indices must be 1..{len(names)} without gaps')
    if names[0] != 'background':
        raise ValueError(f'{path}: index 1 must be "background", got {names[0]!r}')
    return names
