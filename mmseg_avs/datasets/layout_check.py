"""Check a data root against its published layout and report every problem at once.

The layout knowledge lives in the dataset classes: the checker builds the dataset of each
split (without its own file check) and then inspects every file a clip names, so the
checker and the loaders cannot disagree on paths.
"""
import glob
import os.path as osp
from collections import defaultdict
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from PIL import Image

from ..signal.waveform import AudioFileError, read_wav
from ..utils.progress import Progress
from .avsbench_ms3 import AVSBenchMS3Dataset
from .avsbench_s4 import AVSBenchS4Dataset
from .avsbench_semantic import AVSBenchSemanticDataset
from .base_avs_dataset import BaseAVSDataset
from .transforms import LoadAVSAudio, LoadAVSClipAnnotations, LoadAVSClipFrames
from .vpo import VPODataset

# name -> (dataset class, its extra arguments, splits to check, AVSBench audio rules).
# AVSBench clips have one wav of T seconds at 16 kHz and one folder of frames per clip;
# VPO's VGGSound wavs are resampled and cut/tiled to 3 s by the loader, and its images
# share folders.
LAYOUTS: Dict[str, Tuple[type, dict, Tuple[str, ...], bool]] = {
    's4': (AVSBenchS4Dataset, {}, ('train', 'val', 'test'), True),
    'ms3': (AVSBenchMS3Dataset, {}, ('train', 'val', 'test'), True),
    'avss': (AVSBenchSemanticDataset, {}, ('train', 'val', 'test'), True),
    # VPO has no validation set: 'val' and 'test' are the same rows
    'vpo-ss': (VPODataset, dict(subset='VPO-SS'), ('train', 'test'), False),
    'vpo-ms': (VPODataset, dict(subset='VPO-MS'), ('train', 'test'), False),
    'vpo-msmi': (VPODataset, dict(subset='VPO-MSMI'), ('train', 'test'), False),
}
AVSBENCH_SAMPLE_RATE = 16000
BINARY_VALUES = (0, 1, 255)  # 0/255 as published; 0/1 is read the same by the loaders


class LayoutReport:
    """Problems found in a data root, grouped by kind (``'missing file'``, ``'audio'``...).

    Args:
        data_root (str): The checked root.
        layout (str): Its layout name (a key of :data:`LAYOUTS`).
    """

    def __init__(self, data_root: str, layout: str) -> None:
        self.data_root = data_root
        self.layout = layout
        self.num_clips = 0
        self.problems: Dict[str, List[str]] = defaultdict(list)

    def add(self, kind: str, message: str) -> None:
        """Record one problem."""
        self.problems[kind].append(message)

    @property
    def ok(self) -> bool:
        """True when no problem was found."""
        return not self.problems

    def format(self, max_per_kind: Optional[int] = None) -> str:
        """A readable report: one section per kind, one line per problem.

        Args:
            max_per_kind (int, optional): Show at most this many lines per kind.
        """
        total = sum(map(len, self.problems.values()))
        head = (f'{self.layout} layout at {self.data_root}: {self.num_clips} clip(s) checked, '
                + (f'{total} problem(s)' if total else 'no problems'))
        lines = [head]
        for kind, messages in self.problems.items():
            lines.append(f'{kind} ({len(messages)}):')
            shown = messages if max_per_kind is None else messages[:max_per_kind]
            lines += [f'  {m}' for m in shown]
            if len(shown) < len(messages):
                lines.append(f'  ... and {len(messages) - len(shown)} more')
        return '\n'.join(lines)


def check_layout(data_root: str,
                 layout: str,
                 splits: Optional[Sequence[str]] = None,
                 img_size: Optional[Tuple[int, int]] = None,
                 check_logmel: bool = False,
                 progress: bool = True) -> LayoutReport:
    """Check every clip of a data root.

    Per clip: every referenced frame, mask and audio file exists and decodes; frames of a
    clip share one size (``img_size`` if given) and masks have their frame's size; binary
    masks hold only 0/1/255, palette masks only palette colours, index masks only known
    classes (VPO: known COCO ids); AVSBench wavs are 16 kHz and last the clip's seconds
    (within :attr:`LoadAVSAudio.LENGTH_TOLERANCE_S`); no wav is all zeros; each clip folder
    holds exactly its number of frames; with ``check_logmel`` the S4/MS3 ``.pkl`` log-mels
    exist and are ``[5, 1, 96, 64]``.

    Args:
        data_root (str): The data root, as given to the dataset class.
        layout (str): ``'s4'``, ``'ms3'``, ``'avss'``, ``'vpo-ss'``, ``'vpo-ms'`` or
            ``'vpo-msmi'``.
        splits (Sequence[str], optional): Splits to check. Defaults to all of the layout's.
        img_size (tuple[int, int], optional): Expected frame ``(height, width)``, e.g.
            (224, 224) for published S4/MS3 frames.
        check_logmel (bool): Also check the precomputed log-mels. Defaults to False.
        progress (bool): Show a progress bar. Defaults to True.

    Returns:
        LayoutReport: What was checked and every problem found.
    """
    if layout not in LAYOUTS:
        raise ValueError(f'unknown layout {layout!r}; choose from {list(LAYOUTS)}')
    cls, kwargs, default_splits, avsbench = LAYOUTS[layout]
    report = LayoutReport(data_root, layout)
    checker = _ClipChecker(report, avsbench, img_size, check_logmel)
    infos = [info for split in splits or default_splits
             for info in _clip_infos(cls, dict(kwargs, data_root=data_root, split=split),
                                     report)]
    bar = Progress(len(infos), 'clips') if progress and infos else None
    for info in infos:
        checker.check(info)
        if bar is not None:
            bar.update()
    if bar is not None:
        bar.close()
    report.num_clips = len(infos)
    return report


def _clip_infos(cls: type, kwargs: dict, report: LayoutReport) -> List[dict]:
    """The data infos of one split, or [] with a 'metadata' problem recorded."""
    # serialize_data=False: mmengine cannot serialise an empty split
    dataset: BaseAVSDataset = cls(check_files=False, lazy_init=True, serialize_data=False,
                                  **kwargs)
    where = f"{dataset.ann_file} ({kwargs['split']} split)"
    try:
        dataset.full_init()
    except (KeyError, IndexError) as e:  # a column (name or position) the loader reads
        report.add('metadata', f'{where}: a column the loader reads is missing ({e})')
        return []
    except (OSError, ValueError) as e:
        report.add('metadata', f'{where}: {e}')
        return []
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    if not infos:
        report.add('metadata', f'{where}: no clips')
    return infos


class _ClipChecker:
    """Checks the files of one clip after another; each file is checked once."""

    def __init__(self, report: LayoutReport, avsbench: bool,
                 img_size: Optional[Tuple[int, int]], check_logmel: bool) -> None:
        self.report = report
        self.avsbench = avsbench
        self.img_size = tuple(img_size) if img_size else None
        self.check_logmel = check_logmel
        self.frames = LoadAVSClipFrames()
        self.annotations = LoadAVSClipAnnotations()
        self.shapes: Dict[str, Optional[tuple]] = {}  # image path -> (h, w), None if bad
        self.seen_audio: set = set()

    def check(self, info: dict) -> None:
        clip = info['clip_id']
        frames = [(p, self._frame_shape(clip, p)) for p in info['img_paths'] if p]
        if len({s for _, s in frames if s is not None}) > 1:
            self.report.add('image size', f'{clip}: frames of one clip differ in size: '
                            + ', '.join(f'{p} {s[0]}x{s[1]}' for p, s in frames if s))
        for img, mask in zip(info['img_paths'], info['seg_map_paths']):
            if mask:
                self._check_mask(clip, mask, info, self.shapes.get(img))
        audio = info.get('audio_paths') or [info['audio_path']]
        for path in audio:
            self._check_audio(clip, path, info['num_real_frames'])
        if self.avsbench:
            self._check_frame_count(clip, info)
        if self.check_logmel and info.get('audio_pkl_path'):
            self._check_logmel(clip, info['audio_pkl_path'], info['num_real_frames'])

    def _exists(self, clip: str, path: str) -> bool:
        if osp.isfile(path):
            return True
        self.report.add('missing file', f'{clip}: {path}')
        return False

    def _frame_shape(self, clip: str, path: str) -> Optional[tuple]:
        if path in self.shapes:
            return self.shapes[path]
        shape = None
        if self._exists(clip, path):
            try:
                img = self.frames(dict(img_paths=[path], num_real_frames=1))['imgs'][0]
                shape = img.shape[:2]
            except ValueError as e:
                self.report.add('unreadable file', f'{clip}: {e}')
        if shape is not None and self.img_size and shape != self.img_size:
            self.report.add('image size', f'{clip}: {path} is {shape[0]}x{shape[1]}, '
                            f'expected {self.img_size[0]}x{self.img_size[1]}')
        self.shapes[path] = shape
        return shape

    def _check_mask(self, clip: str, path: str, info: dict, frame_shape: Optional[tuple]):
        if not self._exists(clip, path):
            return
        try:
            with Image.open(path) as img:
                raw = np.asarray(img)
        except (OSError, ValueError) as e:
            self.report.add('unreadable file', f'{clip}: cannot decode mask {path}: {e}')
            return
        if frame_shape is not None and raw.shape[:2] != frame_shape:
            self.report.add('image size', f'{clip}: mask {path} is {raw.shape[0]}x'
                            f'{raw.shape[1]}, its frame is {frame_shape[0]}x{frame_shape[1]}')
        if info['mask_format'] == 'binary':
            odd = np.setdiff1d(np.unique(raw.astype(np.int64)), BINARY_VALUES)
            if odd.size:
                self.report.add('mask values', f'{clip}: binary mask {path} holds values '
                                f'{odd[:5].tolist()} (expected 0 and 255)')
            return
        results = dict(seg_map_paths=[path], mask_format=info['mask_format'],
                       ori_shape=raw.shape[:2], num_classes=info.get('num_classes'),
                       label_map=info.get('label_map'))
        try:
            self.annotations(results)
        except ValueError as e:  # unknown palette colours / class values, naming the file
            self.report.add('mask values', f'{clip}: {e}')

    def _check_audio(self, clip: str, path: str, num_seconds: int) -> None:
        if path in self.seen_audio:  # VPO sources share VGGSound wavs
            return
        self.seen_audio.add(path)
        if not self._exists(clip, path):
            return
        try:
            wave, sr = read_wav(path)
        except AudioFileError as e:
            self.report.add('unreadable file', f'{clip}: {e}')
            return
        if self.avsbench:
            if sr != AVSBENCH_SAMPLE_RATE:
                self.report.add('audio', f'{clip}: {path} has sample rate {sr} Hz, expected '
                                f'{AVSBENCH_SAMPLE_RATE} Hz')
            duration = len(wave) / sr
            if duration < num_seconds - LoadAVSAudio.LENGTH_TOLERANCE_S:
                self.report.add('audio', f'{clip}: {path} lasts {duration:.3f} s, expected '
                                f'{num_seconds} s')
        if not np.any(wave):
            self.report.add('audio', f'{clip}: {path} is silent (all samples are zero)')

    def _check_frame_count(self, clip: str, info: dict) -> None:
        real = [p for p in info['img_paths'] if p]
        folder = osp.dirname(real[0])
        if not osp.isdir(folder):
            return  # its frames are reported missing
        ext = osp.splitext(real[0])[1]
        found = glob.glob(osp.join(glob.escape(folder), f'*{ext}'))
        if len(found) != info['num_real_frames']:
            extra = sorted(osp.basename(p) for p in set(found) - set(real))
            self.report.add('frame count', f'{clip}: {folder} holds {len(found)} {ext} frames, '
                            f"expected {info['num_real_frames']}"
                            + (f"; not in the layout: {', '.join(extra)}" if extra else ''))

    def _check_logmel(self, clip: str, path: str, num_seconds: int) -> None:
        if not self._exists(clip, path):
            return
        loader = LoadAVSAudio(source='pkl', num_segments=num_seconds)
        try:
            loader(dict(audio_pkl_path=path, num_real_frames=num_seconds))
        except AudioFileError as e:
            self.report.add('log-mel', f'{clip}: {e}')
