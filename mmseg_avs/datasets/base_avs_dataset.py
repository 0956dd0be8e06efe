"""Common base of the AVSBench-style clip datasets."""
import json
import logging
import os.path as osp
from typing import Dict, List, Optional, Sequence

import pandas as pd
from mmengine.dataset import BaseDataset
from mmengine.logging import print_log

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
    - ``audio_path`` (a wav holding the whole clip) and optionally ``audio_pkl_path``, or
      ``audio_paths`` (several wavs mixed into the clip's audio, e.g. VPO's sources);
    - ``case_tags`` (list of T tag lists; see :mod:`mmseg_avs.datasets.case_tags`).

    Args:
        data_root (str): Root of the data set (the folder holding the metadata csv).
        split (str): ``'train'``, ``'val'`` or ``'test'``. Defaults to ``'train'``.
        ann_file (str, optional): Metadata csv, relative to ``data_root``. Defaults to the
            layout's own (``ANN_FILE``).
        pipeline (list[dict]): Clip transforms.
        check_files (bool): Check at construction that every file a clip names exists, and
            raise one error listing what is missing. Defaults to True.
        skip_bad_samples (bool): Instead of raising, skip clips with bad input: clips with
            missing files are dropped at construction, and a clip whose loading fails
            (corrupt image or audio, wrong sample rate, NaN log-mels, a mask of the wrong
            size or with unknown colours, ...) is replaced by another clip, which MMEngine's
            ``BaseDataset`` picks at random. Every skipped clip is logged with the error
            naming its file, the running count and the list of skipped clips; ``skipped``
            holds them (per process: dataloader workers keep their own). The replacement
            duplicates a clip in evaluation, which :class:`AVSMetric` counts once. Needs
            ``test_mode=False``. Defaults to False: bad input raises an error naming the
            file.
        **kwargs: Passed to :class:`mmengine.dataset.BaseDataset`.
    """

    ANN_FILE = ''
    # what the loaders raise on bad input (AudioFileError is a ValueError)
    DATA_ERRORS = (OSError, ValueError)

    def __init__(self,
                 data_root: str,
                 split: str = 'train',
                 ann_file: Optional[str] = None,
                 pipeline: Sequence[dict] = (),
                 check_files: bool = True,
                 skip_bad_samples: bool = False,
                 **kwargs) -> None:
        if split not in ('train', 'val', 'test'):
            raise ValueError(f"split must be 'train', 'val' or 'test', got {split!r}")
        if skip_bad_samples and kwargs.get('test_mode'):
            raise ValueError('skip_bad_samples needs test_mode=False: MMEngine replaces a '
                             'skipped clip only outside test mode')
        self.split = split
        self.check_files = check_files
        self.skip_bad_samples = skip_bad_samples
        self.skipped: Dict[str, str] = {}
        super().__init__(ann_file=ann_file or self.ANN_FILE, data_root=data_root,
                         pipeline=list(pipeline), **kwargs)

    # -- helpers for subclasses -------------------------------------------------------------
    def read_metadata(self, split_values: Optional[Sequence[str]] = None) -> pd.DataFrame:
        """Read the metadata csv as strings (tag columns like ``"01100"`` must stay text).

        Args:
            split_values (Sequence[str], optional): Values of the csv's ``split`` column that
                make up this split (VPO's held-out rows say ``'val'``). Defaults to
                ``(self.split, )``.
        """
        if not osp.isfile(self.ann_file):
            raise FileNotFoundError(f'metadata file not found: {self.ann_file}')
        table = pd.read_csv(self.ann_file, sep=',', dtype=str, keep_default_na=False)
        if 'split' not in table.columns:
            raise ValueError(f"{self.ann_file}: no 'split' column (columns: {list(table.columns)})")
        keep = table['split'].isin(split_values or (self.split, ))
        return table[keep].reset_index(drop=True)

    def clip_info(self, row: Dict[str, str], row_index: int, clip_id: str,
                  img_paths: List[Optional[str]], seg_map_paths: List[Optional[str]],
                  audio_path: Optional[str], mask_format: str, num_real_frames: int,
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

    def prepare_data(self, idx: int) -> Optional[dict]:
        """Run the pipeline on clip ``idx``; with ``skip_bad_samples``, None for a bad clip
        (MMEngine's ``BaseDataset.__getitem__`` then takes another one)."""
        if not self.skip_bad_samples:
            return super().prepare_data(idx)
        try:
            return super().prepare_data(idx)
        except self.DATA_ERRORS as err:
            self._skip({self.get_data_info(idx)['clip_id']: f'{type(err).__name__}: {err}'})
            return None

    def _skip(self, reasons: Dict[str, str]) -> None:
        """Record and log skipped clips (``clip_id -> reason``); each is logged once."""
        new = {clip_id: why for clip_id, why in reasons.items() if clip_id not in self.skipped}
        if not new:
            return
        self.skipped.update(new)
        details = '\n  '.join(f'{clip_id}: {why}' for clip_id, why in new.items())
        print_log(f'{type(self).__name__} ({self.split} split) skipped {len(new)} bad clip(s):'
                  f'\n  {details}\n{len(self.skipped)} clip(s) skipped so far: '
                  f'{sorted(self.skipped)}', logger='current', level=logging.WARNING)

    def _check_files_exist(self) -> None:
        missing, bad_clips = [], {}
        for index, info in enumerate(map(self.get_data_info, range(len(self)))):
            paths = info.get('audio_paths') or [info.get('audio_path')]
            paths = [p for p in paths + info['img_paths'] + info['seg_map_paths'] if p]
            absent = [p for p in paths if not osp.isfile(p)]
            if absent:
                bad_clips[index] = (info['clip_id'], f'missing file(s) {absent}')
            missing += [f"{info['clip_id']}: {p}" for p in absent]
        if bad_clips and self.skip_bad_samples and len(bad_clips) < len(self):
            self._skip(dict(bad_clips.values()))
            self.get_subset_([i for i in range(len(self)) if i not in bad_clips])
            return
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
