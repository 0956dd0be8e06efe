"""Write tiny data sets in the published AVSBench layouts, for loader tests.

Each writer returns the data root. Frames are random RGB, masks are random shapes, audio is
16 kHz noise; the point is the layout (names, folders, csv columns), not the content.
"""
import json
import os
import os.path as osp
from typing import List

import numpy as np
import soundfile as sf
from PIL import Image

from mmseg_avs.datasets.avss_classes import voc_palette

SIZE = (24, 32)  # (h, w)


def _frame(rng: np.random.Generator) -> Image.Image:
    return Image.fromarray(rng.integers(0, 256, (*SIZE, 3), dtype=np.uint8))


def _binary_mask(rng: np.random.Generator) -> np.ndarray:
    mask = np.zeros(SIZE, np.uint8)
    y, x = rng.integers(0, SIZE[0] - 8), rng.integers(0, SIZE[1] - 8)
    mask[y:y + 8, x:x + 8] = 255
    return mask


def _wav(path: str, seconds: float, rng: np.random.Generator, sr: int = 16000) -> None:
    os.makedirs(osp.dirname(path), exist_ok=True)
    wave = (0.1 * rng.standard_normal(int(seconds * sr)) * 32767).astype(np.int16)
    sf.write(path, wave, sr, subtype='PCM_16')


def _save(img: Image.Image, path: str) -> None:
    os.makedirs(osp.dirname(path), exist_ok=True)
    img.save(path)


def write_s4(root: str, clips_per_split: int = 2, seed: int = 0) -> str:
    """AVSBench S4: category folders, 1-based frames, masks of frame 1 only in train."""
    rng = np.random.default_rng(seed)
    rows = ['name,start_time,category,split']
    for split in ('train', 'val', 'test'):
        for i in range(clips_per_split):
            name, cat = f'{split}clip{i}', ['dog_barking', 'male_speech'][i % 2]
            rows.append(f'{name},0,{cat},{split}')
            num_masks = 1 if split == 'train' else 5
            for k in range(1, 6):
                frames = f'{root}/s4_data/visual_frames/{split}/{cat}/{name}'
                _save(_frame(rng), f'{frames}/{name}_{k}.png')
                if k <= num_masks:
                    _save(Image.fromarray(_binary_mask(rng)).convert('1'),
                          f'{root}/s4_data/gt_masks/{split}/{cat}/{name}/{name}_{k}.png')
            _wav(f'{root}/s4_data/audio_wav/{split}/{cat}/{name}.wav', 5.0, rng)
    with open(f'{root}/s4_meta_data.csv', 'w') as f:
        f.write('\n'.join(rows) + '\n')
    return root


def write_ms3(root: str, clips_per_split: int = 2, seed: int = 0,
              tags: bool = False) -> str:
    """AVSBench MS3: '{name}.mp4_{k}.png' frames without split folder, 'P' mode 0/255 masks."""
    rng = np.random.default_rng(seed)
    header = 'video_id,split' + (',same_class_pair,state_transition,silent,offscreen'
                                 if tags else '')
    rows = [header]
    for split in ('train', 'val', 'test'):
        for i in range(clips_per_split):
            name = f'ms3{split}{i:03d}'
            rows.append(f'{name},{split}' + (',01100,00010,10000,00001' if tags else ''))
            for k in range(1, 6):
                _save(_frame(rng), f'{root}/ms3_data/visual_frames/{name}/{name}.mp4_{k}.png')
                mask = Image.fromarray(_binary_mask(rng)).convert('P')
                _save(mask, f'{root}/ms3_data/gt_masks/{split}/{name}/{name}_{k}.png')
            _wav(f'{root}/ms3_data/audio_wav/{split}/{name}.wav', 5.0, rng)
    with open(f'{root}/ms3_meta_data.csv', 'w') as f:
        f.write('\n'.join(rows) + '\n')
    return root


def write_avss(root: str, classes: List[str] = ('background', 'dog', 'guitar', 'man'),
               seed: int = 0) -> str:
    """AVSBench-Semantic: v2 10-frame clips, v1s/v1m 5-frame clips, colour + index masks."""
    rng = np.random.default_rng(seed)
    palette = np.asarray(voc_palette(len(classes)), np.uint8)
    rows = ['vid,uid,s_min,s_sec,a_obj,split,label']
    for split in ('train', 'val', 'test'):
        for subset, num_real in (('v2', 10), ('v1m', 5), ('v1s', 5)):
            uid = f'{subset}{split}_0_{num_real * 1000}'
            rows.append(f'{uid},{uid},0,0,{classes[1]},{split},{subset}')
            num_masks = 1 if (subset == 'v1s' and split == 'train') else num_real
            for k in range(num_real):
                _save(_frame(rng), f'{root}/{subset}/{uid}/frames/{k}.jpg')
                if k < num_masks:
                    index = np.zeros(SIZE, np.uint8)
                    index[4:12, 4:12] = rng.integers(1, len(classes))
                    _save(Image.fromarray(index), f'{root}/{subset}/{uid}/labels_semantic/{k}.png')
                    _save(Image.fromarray(palette[index]),
                          f'{root}/{subset}/{uid}/labels_rgb/{k}.png')
            _wav(f'{root}/{subset}/{uid}/audio.wav', float(num_real), rng)
    with open(f'{root}/metadata.csv', 'w') as f:
        f.write('\n'.join(rows) + '\n')
    with open(f'{root}/label2idx.json', 'w') as f:
        json.dump({name: i + 1 for i, name in enumerate(classes)}, f)
    return root


# VPO fixture: (cateName, img_Id, ann_Ids, cateId, vgg_file, split, audio_pos, multi_instance)
VPO_ROWS = {
    'VPO-SS': [('dog', 101, 9001, 18, 'vgg_dog', 'train', 0.25, None),
               ('male', 102, 9002, 92, 'vgg_male', 'train', 0.75, None),
               ('car', 103, 9003, 3, 'vgg_car', 'val', 0.5, None)],
    'VPO-MS': [('dog', 201, 9101, 18, 'vgg_dog', 'train', 0.2, None),
               ('cat', 201, 9102, 17, 'vgg_cat', 'train', 0.7, None),
               ('car', 202, 9103, 3, 'vgg_car', 'val', 0.1, None),
               ('airplane', 202, 9104, 5, 'vgg_plane', 'val', 0.9, None)],
    # img 202 has multi_instance 0, so its files are VPO-MS's
    'VPO-MSMI': [('dog', 301, 9201, 18, 'vgg_dog', 'train', 0.3, 1),
                 ('dog', 301, 9202, 18, 'vgg_dog2', 'train', 0.6, 1),
                 ('car', 202, 9103, 3, 'vgg_car', 'val', 0.1, 0),
                 ('airplane', 202, 9104, 5, 'vgg_plane', 'val', 0.9, 0)],
}
# vgg_file -> (seconds, sample rate, channels): centre crop, tiling, resampling, downmix
VPO_WAVS = {'vgg_dog': (4.0, 16000, 1), 'vgg_male': (2.0, 16000, 1),
            'vgg_car': (4.0, 22050, 1), 'vgg_cat': (3.5, 16000, 2),
            'vgg_plane': (5.0, 16000, 1), 'vgg_dog2': (4.0, 16000, 1)}


def write_vpo(root: str, seed: int = 0) -> str:
    """VPO in CAVP's layout: SS/MS/MSMI csvs, COCO-id masks (255 = ignore row) and
    VGGSound wavs; the data root is the folder holding ``VPO/`` and ``vggsound_bench/``."""
    rng = np.random.default_rng(seed)
    masks = {}  # mask path -> COCO ids of its sounding objects, one box each
    for subset, rows in VPO_ROWS.items():
        lines = ['cateName,img_Id,ann_Ids,cateId,vgg_file,split,audio_pos'
                 + (',multi_instance' if subset == 'VPO-MSMI' else '')]
        for cate, img_id, ann_id, cate_id, vgg, split, pos, multi in rows:
            lines.append(f'{cate},{img_id},{ann_id},{cate_id},{vgg},{split},{pos}'
                         + (f',{multi}' if multi is not None else ''))
            folder = f'{root}/VPO/{"VPO-MS" if multi == 0 else subset}'
            if subset == 'VPO-SS':
                img = f'{folder}/data/{cate}/{img_id:012d}.jpg'
                mask = f'{folder}/mask/{cate}/{img_id:012d}_{ann_id:012d}.png'
            else:
                img, mask = f'{folder}/data/{img_id:012d}.jpg', f'{folder}/mask/{img_id:012d}.png'
            if not osp.isfile(img):
                _save(_frame(rng), img)
            if cate_id not in masks.setdefault(mask, []):
                masks[mask].append(cate_id)
        os.makedirs(f'{root}/VPO/{subset}', exist_ok=True)
        with open(f'{root}/VPO/{subset}/vpo_{subset[4:].lower()}_data_stereo.csv', 'w') as f:
            f.write('\n'.join(lines) + '\n')
    for path, cate_ids in masks.items():
        mask = np.zeros(SIZE, np.uint8)
        for k, cate_id in enumerate(cate_ids):
            mask[4:12, 2 + 10 * k:10 + 10 * k] = cate_id
        mask[-1] = 255
        _save(Image.fromarray(mask), path)
    for vgg, (seconds, sr, channels) in VPO_WAVS.items():
        path = f'{root}/vggsound_bench/VGGSound/audios/{vgg}.wav'
        os.makedirs(osp.dirname(path), exist_ok=True)
        wave = (0.1 * rng.standard_normal((int(seconds * sr), channels)) * 32767)
        sf.write(path, wave.astype(np.int16), sr, subtype='PCM_16')
    return root
