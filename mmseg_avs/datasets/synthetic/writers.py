"""Writing the data set: generate_synthetic_avs, the MS3 and AVSS layouts, info and README."""
import csv
import dataclasses
import io
import json
import math
import os
import os.path as osp
import shutil
import textwrap
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
import soundfile as sf
from PIL import Image

from ...utils.progress import Progress
from ..avss_classes import voc_palette
from ..case_tags import CASE_TAGS, encode_case_tags
from .audio import SAMPLE_RATE
from .classes import SyntheticClass, build_classes
from .knobs import SyntheticAVSConfig, seeded_rng
from .objects import OBJECTS_DIR, ClipObjects, clip_objects_path
from .scene import SyntheticClip, make_clip

GENERATOR_VERSION = '1.1'  # 1.1: per-object records, sizes that sound
SPLITS = ('train', 'val', 'test')
LAYOUTS = ('ms3', 'avss', 'both')
DEFAULT_NUM_CLIPS = {
    'ms3': {'train': 240, 'val': 40, 'test': 60},
    'avss': {'train': 160, 'val': 30, 'test': 40},
}
MS3_FRAMES = 5
AVSS_FRAMES = {'v1s': 5, 'v1m': 5, 'v2': 10}


def generate_synthetic_avs(out_dir: str,
                           layout: str = 'ms3',
                           preset: str = 'easy',
                           num_clips: Optional[Dict[str, int]] = None,
                           image_size: int = 96,
                           seed: int = 0,
                           progress: bool = True,
                           **overrides: Any) -> Dict[str, Any]:
    """Write a synthetic AVS data set in an AVSBench layout.

    The same arguments always give the same bytes: clip ``i`` of a split draws everything
    from its own generator seeded by (seed, layout, split, i).

    Args:
        out_dir (str): Data root to write (``layout='both'`` writes ``ms3/`` and ``avss/``
            under it). Files of an earlier run of the same layout are removed first.
        layout (str): ``'ms3'``, ``'avss'`` or ``'both'``.
        preset (str): ``'easy'`` or ``'hard'``.
        num_clips (dict, optional): Clips per split, e.g. ``{'train': 20}``; splits not given
            keep ``DEFAULT_NUM_CLIPS`` of the layout.
        image_size (int): Side of the square frames (at least 16).
        seed (int): Data-set seed.
        progress (bool): Show the progress over clips (a bar on a terminal, a line per tenth
            in a log).
        **overrides: Knobs of :class:`SyntheticAVSConfig` replacing the preset's.

    Returns:
        dict: ``layout``, ``classes`` (names, index 0 = class 1), and per split ``clips``,
        ``frames`` and ``tags`` (frames carrying each case tag); AVSS adds ``subsets``.
        For ``'both'``, the two summaries under ``'ms3'`` and ``'avss'``.
    """
    if layout not in LAYOUTS:
        raise ValueError(f'unknown layout {layout!r}; choose from {LAYOUTS}')
    if image_size < 16:
        raise ValueError(f'image_size must be >= 16, got {image_size}')
    cfg = SyntheticAVSConfig.from_preset(preset, **overrides)
    classes = build_classes(cfg, seed)
    run = dict(preset=preset, seed=int(seed), image_size=int(image_size))
    if layout != 'both':
        counts = _resolve_counts(layout, num_clips)
        return _generate_layout(out_dir, layout, cfg, classes, counts, run, progress)
    summary: Dict[str, Any] = dict(layout='both', classes=[c.name for c in classes])
    for name in ('ms3', 'avss'):
        counts = _resolve_counts(name, num_clips)
        summary[name] = _generate_layout(osp.join(out_dir, name), name, cfg, classes, counts,
                                         run, progress)
    _write_info(out_dir, 'both', cfg, classes, run, summary)
    return summary


def _resolve_counts(layout: str, num_clips: Optional[Dict[str, int]]) -> Dict[str, int]:
    counts = dict(DEFAULT_NUM_CLIPS[layout])
    for split, n in (num_clips or {}).items():
        if split not in SPLITS:
            raise ValueError(f'num_clips: unknown split {split!r}; use {SPLITS}')
        if int(n) < 0:
            raise ValueError(f'num_clips[{split!r}] must be >= 0, got {n}')
        counts[split] = int(n)
    return counts


def _generate_layout(root: str, layout: str, cfg: SyntheticAVSConfig,
                     classes: Sequence[SyntheticClass], counts: Dict[str, int],
                     run: Dict[str, Any], progress: bool) -> Dict[str, Any]:
    """Write one layout under ``root`` and return its summary."""
    _remove_previous(root, layout)
    os.makedirs(osp.join(root, OBJECTS_DIR), exist_ok=True)
    layout_code = LAYOUTS.index(layout)
    summary: Dict[str, Any] = dict(layout=layout, classes=[c.name for c in classes],
                                   clips=dict(counts), frames={}, tags={})
    if layout == 'avss':
        summary['subsets'] = {}
    rows: List[List[str]] = []
    bar = Progress(sum(counts.values()), f'synthetic {layout} clips') if progress else None
    uid_index = 0  # AVSS clip folders carry no split, so indices run across splits
    for split_code, split in enumerate(SPLITS):
        n = counts[split]
        tag_count = dict.fromkeys(CASE_TAGS, 0)
        frames = 0
        if layout == 'avss':
            subsets = _avss_subsets(cfg, n, seeded_rng(run['seed'], 2, split_code))
            summary['subsets'][split] = {s: subsets.count(s) for s in AVSS_FRAMES}
        for index in range(n):
            rng = seeded_rng(run['seed'], 1, layout_code, split_code, index)
            if layout == 'ms3':
                clip = make_clip(cfg, classes, rng, MS3_FRAMES, run['image_size'])
                rows.append(_write_ms3_clip(root, split, f'syn_{split}_{index:05d}', clip,
                                            classes))
            else:
                subset = subsets[index]
                clip = make_clip(cfg, classes, rng, AVSS_FRAMES[subset], run['image_size'],
                                 single_source=subset == 'v1s')
                rows.append(_write_avss_clip(root, split, subset, uid_index, clip, classes,
                                             cfg.jpeg_quality))
                uid_index += 1
            frames += len(clip.tags)
            for tags in clip.tags:
                for tag in tags:
                    tag_count[tag] += 1
            if bar is not None:
                bar.update()
        summary['frames'][split] = frames
        summary['tags'][split] = tag_count
    if bar is not None:
        bar.close()

    if layout == 'ms3':
        header = ['video_id', 'split', *CASE_TAGS, 'classes']
        _write_csv(osp.join(root, 'ms3_meta_data.csv'), header, rows)
    else:
        header = ['vid', 'uid', 's_min', 's_sec', 'a_obj', 'split', 'label', *CASE_TAGS]
        _write_csv(osp.join(root, 'metadata.csv'), header, rows)
        label2idx = {'background': 1, **{c.name: k + 2 for k, c in enumerate(classes)}}
        _write_json(osp.join(root, 'label2idx.json'), label2idx)
    _write_info(root, layout, cfg, classes, run, summary)
    return summary


def _remove_previous(root: str, layout: str) -> None:
    """Delete the folders an earlier run of this generator wrote (only if it left its mark)."""
    if not osp.isfile(osp.join(root, 'synthetic_config.json')):
        return
    owned = [OBJECTS_DIR] + (['ms3_data'] if layout == 'ms3' else list(AVSS_FRAMES))
    for name in owned:
        if osp.isdir(osp.join(root, name)):
            shutil.rmtree(osp.join(root, name))


def _avss_subsets(cfg: SyntheticAVSConfig, n: int, rng: np.random.Generator) -> List[str]:
    """Subset label of each clip of a split: shares rounded up, order shuffled."""
    n_v1s = min(n, math.ceil(cfg.avss_v1s_fraction * n))
    n_v1m = min(n - n_v1s, math.ceil(cfg.avss_v1m_fraction * n))
    labels = ['v1s'] * n_v1s + ['v1m'] * n_v1m + ['v2'] * (n - n_v1s - n_v1m)
    return [labels[i] for i in rng.permutation(n)]


def _write_ms3_clip(root: str, split: str, name: str, clip: SyntheticClip,
                    classes: Sequence[SyntheticClass]) -> List[str]:
    """Frames, 0/255 masks and audio of one MS3 clip; returns its metadata row."""
    data = osp.join(root, 'ms3_data')
    frame_dir = osp.join(data, 'visual_frames', name)
    mask_dir = osp.join(data, 'gt_masks', split, name)
    # Not part of the published layout: every visible object, sounding or not, so that the
    # "segment every object" predictor (what a model ignoring the audio would aim for) can be
    # scored.
    object_dir = osp.join(data, 'object_masks', split, name)
    for d in (frame_dir, mask_dir, object_dir, osp.join(data, 'audio_wav', split)):
        os.makedirs(d, exist_ok=True)
    semantic = clip.semantic_masks()
    masks = np.where(semantic > 0, 255, 0).astype(np.uint8)
    objects = np.where(clip.instances >= 0, 255, 0).astype(np.uint8)
    for k in range(len(clip.frames)):
        _save_png(osp.join(frame_dir, f'{name}.mp4_{k + 1}.png'), clip.frames[k])
        _save_png(osp.join(mask_dir, f'{name}_{k + 1}.png'), masks[k])
        _save_png(osp.join(object_dir, f'{name}_{k + 1}.png'), objects[k])
    _save_wav(osp.join(data, 'audio_wav', split, f'{name}.wav'), clip.audio)
    ClipObjects.of_clip(clip).save(clip_objects_path(root, name))
    tags = encode_case_tags(clip.tags)
    names = ' '.join(classes[v - 1].name for v in np.unique(semantic) if v > 0)
    return [name, split, *(tags[t] for t in CASE_TAGS), names]


def object_mask_path(seg_map_path: str) -> str:
    """The ``object_masks`` file (every visible object) beside an MS3 ``gt_masks`` file.

    Raises:
        ValueError: if the path is not in an MS3 ``gt_masks`` folder.
        FileNotFoundError: if there is no object mask (only this generator writes them).
    """
    parts = seg_map_path.split(os.sep)
    if 'gt_masks' not in parts:
        raise ValueError(f'{seg_map_path}: not an MS3 gt_masks path; object masks exist in the '
                         'MS3 layout only')
    parts[len(parts) - 1 - parts[::-1].index('gt_masks')] = 'object_masks'
    path = os.sep.join(parts)
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: no object mask (the synthetic generator writes them '
                                'beside gt_masks; the published MS3 data has none)')
    return path


def _write_avss_clip(root: str, split: str, subset: str, index: int, clip: SyntheticClip,
                     classes: Sequence[SyntheticClass], jpeg_quality: int) -> List[str]:
    """Frames, colour and index masks and audio of one AVSS clip; returns its metadata row."""
    T = len(clip.frames)
    vid, uid = f'syn{index:05d}', f'syn{index:05d}_0_{T * 1000}'
    clip_dir = osp.join(root, subset, uid)
    for sub in ('frames', 'labels_rgb', 'labels_semantic'):
        os.makedirs(osp.join(clip_dir, sub), exist_ok=True)
    semantic = clip.semantic_masks()
    palette = np.asarray(voc_palette(len(classes) + 1), np.uint8)
    # As in the real data, v1s training clips are labelled on their first frame only.
    num_masks = 1 if (subset == 'v1s' and split == 'train') else T
    for i in range(T):
        path = osp.join(clip_dir, 'frames', f'{i}.jpg')
        Image.fromarray(clip.frames[i]).save(path, quality=jpeg_quality, subsampling=0)
    for i in range(num_masks):
        _save_png(osp.join(clip_dir, 'labels_rgb', f'{i}.png'), palette[semantic[i]])
        _save_png(osp.join(clip_dir, 'labels_semantic', f'{i}.png'), semantic[i])
    _save_wav(osp.join(clip_dir, 'audio.wav'), clip.audio)
    ClipObjects.of_clip(clip).save(clip_objects_path(root, uid))
    tags = encode_case_tags(clip.tags)
    audible = ' '.join(classes[c].name for c in clip.audible_class_ids())
    return [vid, uid, '0', '0', audible, split, subset, *(tags[t] for t in CASE_TAGS)]


def _save_png(path: str, array: np.ndarray) -> None:
    """Lossless PNG: ``[H, W]`` uint8 as mode 'L', ``[H, W, 3]`` as RGB.

    Fast zlib level: noisy frames barely compress further, and encoding dominates the run.
    """
    Image.fromarray(array).save(path, format='PNG', compress_level=1)


def _save_wav(path: str, audio: np.ndarray) -> None:
    """Mono 16 kHz 16-bit PCM. Encoded in memory: writing to a path syncs the file to disk,
    which took most of the time of a run."""
    buffer = io.BytesIO()
    sf.write(buffer, audio, SAMPLE_RATE, subtype='PCM_16', format='WAV')
    with open(path, 'wb') as f:
        f.write(buffer.getvalue())


def _write_csv(path: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    with open(path, 'w', newline='') as f:
        writer = csv.writer(f, lineterminator='\n')
        writer.writerow(header)
        writer.writerows(rows)


def _write_json(path: str, obj: Any) -> None:
    with open(path, 'w') as f:
        json.dump(obj, f, indent=2)
        f.write('\n')


def _write_info(root: str, layout: str, cfg: SyntheticAVSConfig,
                classes: Sequence[SyntheticClass], run: Dict[str, Any],
                summary: Dict[str, Any]) -> None:
    """``synthetic_config.json`` (every knob, seed, version, classes) and ``README.md``."""
    os.makedirs(root, exist_ok=True)
    info = dict(generator='mmseg_avs.datasets.synthetic', version=GENERATOR_VERSION,
                layout=layout, **run, knobs=cfg.to_dict(),
                classes=[dict(index=k + 1, **dataclasses.asdict(c))
                         for k, c in enumerate(classes)],
                summary=summary)
    _write_json(osp.join(root, 'synthetic_config.json'), info)
    with open(osp.join(root, 'README.md'), 'w') as f:
        f.write(_README.format(layout=layout, preset=run['preset'], seed=run['seed'],
                               size=run['image_size'], version=GENERATOR_VERSION,
                               classes=textwrap.fill(
                                   f'Classes, each a shape in a colour with its own harmonic '
                                   f"tone: {', '.join(c.name for c in classes)}.", 92),
                               files=_README_FILES[layout]))


_README = """# Synthetic audio-visual segmentation data ({layout} layout)

Written by `mmseg_avs.datasets.synthetic` (version {version}), preset `{preset}`,
seed {seed}, {size}x{size} frames; every knob is in `synthetic_config.json`. Regenerate with
`python tools/dataset_converters/make_synthetic_avs.py` and the same arguments: the output
is byte-identical.

{classes}

The objects move slowly; each is sounding or silent in each second. Frame t is the last
moment of second t: its mask marks the objects sounding at that moment, and second t of the
audio (mono, 16 kHz, int16) holds everything heard during it. A white halo marks most
sounding objects and some silent ones. The metadata has one column per case tag (`same_class_pair`,
`state_transition`, `silent`, `offscreen`), a string of one 0/1 character per frame.

{files}
"""

_README_FILES = {
    'ms3': """AVSBench-Objects MS3 layout (binary masks, 0 / 255):

    ms3_meta_data.csv
    ms3_data/visual_frames/{name}/{name}.mp4_{1..5}.png
    ms3_data/gt_masks/{split}/{name}/{name}_{1..5}.png
    ms3_data/audio_wav/{split}/{name}.wav
    ms3_data/object_masks/{split}/{name}/{name}_{1..5}.png   (extra: every visible object)
    synthetic_objects/{name}.npz      (extra: per-object classes, sizes, states, halos)
""",
    'avss': """AVSBench-Semantic layout (class index k + 1 for class k, 0 = background;
colours from the VOC palette; v1s training clips have a mask for frame 0 only):

    metadata.csv, label2idx.json
    {label}/{uid}/frames/{0..T-1}.jpg          T = 10 for v2, 5 for v1m / v1s
    {label}/{uid}/labels_rgb/{i}.png
    {label}/{uid}/labels_semantic/{i}.png
    {label}/{uid}/audio.wav
    synthetic_objects/{uid}.npz      (extra: per-object classes, sizes, states, halos)
""",
    'both': """Two data roots: `ms3/` (AVSBench-Objects MS3 layout, binary masks) and `avss/`
(AVSBench-Semantic layout, semantic masks); each has its own README and config.
""",
}
