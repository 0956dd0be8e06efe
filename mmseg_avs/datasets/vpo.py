"""VPO (VPO-SS, VPO-MS, VPO-MSMI): COCO images paired with VGGSound audio, CAVP's layout."""
import os.path as osp
from typing import Dict, List, Optional

import pandas as pd
from mmseg.registry import DATASETS

from .avss_classes import voc_palette
from .base_avs_dataset import BaseAVSDataset

# The 21 sounding classes + background, in CAVP's ``index_table_coco`` order.
VPO_CLASSES = ('background', 'airplane', 'baby', 'bird', 'bus', 'car', 'cat', 'cell phone',
               'cow', 'dog', 'elephant', 'female', 'horse', 'keyboard', 'male', 'motorcycle',
               'mouse', 'sheep', 'skateboard', 'sports ball', 'tennis racket', 'zebra')

# COCO category id stored in the masks for each class; 92-94 are CAVP's person sub-classes.
VPO_COCO_IDS: Dict[str, int] = {
    'airplane': 5, 'baby': 94, 'bird': 16, 'bus': 6, 'car': 3, 'cat': 17, 'cell phone': 77,
    'cow': 21, 'dog': 18, 'elephant': 22, 'female': 93, 'horse': 19, 'keyboard': 76,
    'male': 92, 'motorcycle': 4, 'mouse': 74, 'sheep': 20, 'skateboard': 41,
    'sports ball': 37, 'tennis racket': 43, 'zebra': 24}

# Stored mask value -> VPO class index (0 stays background; 255 stays ignore).
VPO_LABEL_MAP: Dict[int, int] = {
    0: 0, **{coco: VPO_CLASSES.index(name) for name, coco in VPO_COCO_IDS.items()}}


@DATASETS.register_module()
class VPODataset(BaseAVSDataset):
    """VPO, in the layout CAVP's loaders read (``data_root`` is CAVP's ``audio_visual``)::

        VPO/VPO-SS/vpo_ss_data_stereo.csv        one row per sample
        VPO/VPO-SS/data/{cateName}/{img_Id:012d}.jpg
        VPO/VPO-SS/mask/{cateName}/{img_Id:012d}_{ann_Ids:012d}.png
        VPO/VPO-MS/vpo_ms_data_stereo.csv        one row per sounding source
        VPO/VPO-MS/data/{img_Id:012d}.jpg
        VPO/VPO-MS/mask/{img_Id:012d}.png
        VPO/VPO-MSMI/vpo_msmi_data_stereo.csv    as VPO-MS, plus column multi_instance
        VPO/VPO-MSMI/{data,mask}/...             rows with multi_instance == 0 use VPO-MS's
        vggsound_bench/VGGSound/audios/{vgg_file}.wav

    Csv columns read: ``cateName``, ``img_Id``, ``ann_Ids`` (SS), ``vgg_file``, ``split``,
    ``multi_instance`` (MSMI) and ``audio_pos`` (in [0, 1], for stereo audio). The same
    "_stereo" csv serves the mono variant; the mono/stereo choice is made by
    :class:`LoadVPOAudio` (``stereo=False/True``).

    Each sample is one image (``num_frames = 1``) with 3 s of audio. VPO-MS/MSMI rows are
    grouped by ``img_Id`` (in order of first appearance): one sample per image, whose audio
    mixes the rows' wavs (``audio_paths``, ``audio_pos``, ``categories``). Masks hold COCO
    category ids (0 background, 255 ignore); ``label_map`` (:data:`VPO_LABEL_MAP`) turns
    them into the 22 VPO classes, every value looked up at once. CAVP instead rewrites the
    ids one after another in place, so in an image with both a car (id 3 -> class 5) and an
    airplane (id 5 -> class 1) its car pixels end up as airplane; that accident is not
    reproduced. Other mask values are an error.

    Splits: the csv's ``split`` is ``train`` or ``val``; CAVP renames ``val`` to ``test``
    and has no separate validation set, so ``split='val'`` and ``split='test'`` both give
    the held-out rows (csv ``val``, and ``test`` should a csv have it). CAVP's pipelines
    (scale/crop 512 for training, full resolution for testing) belong in the config.

    Decisions where CAVP is silent: the rows of one MSMI image must agree on
    ``multi_instance`` (else an error, because the image would have two folders);
    ``img_Id``/``ann_Ids`` must be integers; ``audio_pos`` must lie in [0, 1].

    Args:
        data_root (str): The folder holding ``VPO/`` and ``vggsound_bench/``.
        subset (str): ``'VPO-SS'``, ``'VPO-MS'`` or ``'VPO-MSMI'``. Defaults to ``'VPO-SS'``.
        split (str): ``'train'``, ``'val'`` or ``'test'`` (the last two are the same).
        ann_file (str, optional): Metadata csv relative to ``data_root``. Defaults to
            ``VPO/{subset}/vpo_{ss|ms|msmi}_data_stereo.csv``.
        audio_dir (str): Folder of the VGGSound wavs, relative to ``data_root``. Defaults
            to ``'vggsound_bench/VGGSound/audios'``.
        **kwargs: See :class:`BaseAVSDataset`.
    """
    METAINFO = dict(classes=VPO_CLASSES, palette=voc_palette(len(VPO_CLASSES)))
    SUBSETS = {'VPO-SS': 'vpo_ss_data_stereo.csv', 'VPO-MS': 'vpo_ms_data_stereo.csv',
               'VPO-MSMI': 'vpo_msmi_data_stereo.csv'}

    def __init__(self,
                 data_root: str,
                 subset: str = 'VPO-SS',
                 split: str = 'train',
                 ann_file: Optional[str] = None,
                 audio_dir: str = 'vggsound_bench/VGGSound/audios',
                 **kwargs) -> None:
        if subset not in self.SUBSETS:
            raise ValueError(f'subset must be one of {list(self.SUBSETS)}, got {subset!r}')
        self.subset = subset
        self.audio_dir = audio_dir
        super().__init__(data_root=data_root, split=split,
                         ann_file=ann_file or osp.join('VPO', subset, self.SUBSETS[subset]),
                         **kwargs)

    def load_data_list(self) -> List[dict]:
        table = self.read_metadata(('train', ) if self.split == 'train' else ('val', 'test'))
        needed = ['cateName', 'img_Id', 'vgg_file'] + {
            'VPO-SS': ['ann_Ids'], 'VPO-MS': [], 'VPO-MSMI': ['multi_instance']}[self.subset]
        missing = [c for c in needed if c not in table.columns]
        if missing:
            raise ValueError(f'{self.ann_file}: missing column(s) {missing} '
                             f'(columns: {list(table.columns)})')
        if self.subset == 'VPO-SS':
            groups = [[i] for i in range(len(table))]
        else:
            by_image: Dict[str, List[int]] = {}
            for i, img_id in enumerate(table['img_Id']):
                by_image.setdefault(img_id, []).append(i)
            groups = list(by_image.values())
        return [self._sample(table, rows) for rows in groups]

    def _sample(self, table: pd.DataFrame, rows: List[int]) -> dict:
        first = table.iloc[rows[0]]
        where = f'{self.ann_file} row {rows[0]}'
        img_id = self._integer(first['img_Id'], 'img_Id', where)
        vpo = osp.join(self.data_root, 'VPO')
        if self.subset == 'VPO-SS':
            ann_id = self._integer(first['ann_Ids'], 'ann_Ids', where)
            folder, category = osp.join(vpo, 'VPO-SS'), first['cateName']
            clip_id = f'{img_id}_{ann_id}'
            img = osp.join(folder, 'data', category, f'{img_id:012d}.jpg')
            mask = osp.join(folder, 'mask', category, f'{img_id:012d}_{ann_id:012d}.png')
        else:
            folder, clip_id = osp.join(vpo, self._ms_folder(table, rows, where)), str(img_id)
            img = osp.join(folder, 'data', f'{img_id:012d}.jpg')
            mask = osp.join(folder, 'mask', f'{img_id:012d}.png')
        audio_dir = osp.join(self.data_root, self.audio_dir)
        return self.clip_info(
            first, rows[0], clip_id=clip_id, img_paths=[img], seg_map_paths=[mask],
            audio_path=None, mask_format='index', num_real_frames=1, subset=self.subset,
            num_classes=len(VPO_CLASSES), label_map=VPO_LABEL_MAP,
            audio_paths=[osp.join(audio_dir, f"{table.iloc[r]['vgg_file']}.wav")
                         for r in rows],
            audio_pos=self._positions(table, rows),
            categories=[table.iloc[r]['cateName'] for r in rows])

    def _ms_folder(self, table: pd.DataFrame, rows: List[int], where: str) -> str:
        """VPO-MS, or for MSMI the folder named by ``multi_instance`` (0 -> VPO-MS)."""
        if self.subset == 'VPO-MS':
            return 'VPO-MS'
        flags = {self._integer(table.iloc[r]['multi_instance'], 'multi_instance', where)
                 for r in rows}
        if len(flags) > 1:
            raise ValueError(f"{where}: the rows of img_Id {table.iloc[rows[0]]['img_Id']} "
                             f'disagree on multi_instance ({sorted(flags)})')
        return 'VPO-MS' if flags == {0} else 'VPO-MSMI'

    def _positions(self, table: pd.DataFrame, rows: List[int]) -> Optional[List[float]]:
        """The rows' ``audio_pos``, or None without that column (mono audio only)."""
        if 'audio_pos' not in table.columns:
            return None
        positions = []
        for r in rows:
            value = table.iloc[r]['audio_pos']
            try:
                pos = float(value)
            except ValueError:
                pos = float('nan')
            if not 0.0 <= pos <= 1.0:
                raise ValueError(f'{self.ann_file} row {r}: audio_pos must be in [0, 1], '
                                 f'got {value!r}')
            positions.append(pos)
        return positions

    @staticmethod
    def _integer(value: str, column: str, where: str) -> int:
        try:
            return int(value)
        except ValueError:
            raise ValueError(f'{where}: {column} must be an integer, got {value!r}') from None
