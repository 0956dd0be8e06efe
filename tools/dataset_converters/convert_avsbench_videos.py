"""Convert raw AVSBench videos into the published layout (S4, MS3 or AVSS).

For every clip of the metadata csv (or every video given with ``--videos``): one frame per
second, chosen and resized as AVSBench's preprocessing does (decoded frame
``int(l * F + 15/16 * F)`` of second ``l`` with ``F = round(fps)``, ``cv2.resize`` to 224 x
224), saved under the layout's names; the sound track as a 16-kHz mono PCM16 wav; with
``--logmel-cache`` the VGGish log-mel ``.pkl`` (S4/MS3) that ``LoadAVSAudio(source='pkl')``
reads. Examples::

    # the published raw videos: raw_videos/{split}/{category}/{name}.mp4 (S4),
    # raw_videos/{name}.mp4 (MS3), next to the published csv
    python tools/dataset_converters/convert_avsbench_videos.py s4 data/Single-source \\
        --csv s4_meta_data.csv --video-dir s4_data/raw_videos --logmel-cache
    # a few videos of your own, as the test split of an MS3-layout root
    python tools/dataset_converters/convert_avsbench_videos.py ms3 data/my_clips \\
        --videos a.mp4 b.mp4 --split test

Clips take as many seconds as the loader reads (5 for S4/MS3, 5 or 10 for AVSS); a video
shorter than that (by more than 0.1 s) is an error, as are files without an audio track or
that are not videos. Problems are listed per clip at the end; the exit status is 1 if any
clip failed. Existing outputs are kept unless ``--overwrite``.
"""
import argparse
import os
import os.path as osp
import pickle
import shutil
import sys
from typing import Dict, List, Optional, Sequence

import cv2
import numpy as np
import soundfile as sf
import torch

from mmseg_avs.datasets import (AVSBenchMS3Dataset, AVSBenchS4Dataset,
                                AVSBenchSemanticDataset)
from mmseg_avs.datasets.transforms import LoadAVSAudio
from mmseg_avs.signal.video_io import VideoFileError, read_audio_track, read_video_seconds
from mmseg_avs.signal.waveform import AudioFileError
from mmseg_avs.utils.progress import Progress

LAYOUTS = {'s4': AVSBenchS4Dataset, 'ms3': AVSBenchMS3Dataset,
           'avss': AVSBenchSemanticDataset}
SAMPLE_RATE = 16000  # AVSBench writes its wavs with moviepy at fps=16000
# csv header and row of a video given with --videos, per layout
CSV_HEADER = {'s4': 'name,start_time,category,split', 'ms3': 'video_id,split',
              'avss': 'vid,uid,s_min,s_sec,a_obj,split,label'}


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Command-line arguments.

    Args:
        argv (Sequence[str], optional): Arguments; defaults to ``sys.argv[1:]``.

    Returns:
        argparse.Namespace: The parsed arguments.
    """
    parser = argparse.ArgumentParser(description='Convert raw AVSBench videos into the '
                                     'published data layout.')
    parser.add_argument('layout', choices=list(LAYOUTS))
    parser.add_argument('out_root', help='data root to write (Single-source, Multi-sources '
                        'or avs_released)')
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument('--csv', help='the metadata csv; its clips are converted')
    source.add_argument('--videos', nargs='+', help='videos to convert (named by file stem)')
    parser.add_argument('--video-dir', help="with --csv: folder of the videos, '{name}.mp4' "
                        "or, for S4, '{split}/{category}/{name}.mp4' (the raw_videos layout)")
    parser.add_argument('--split', default='test', choices=('train', 'val', 'test'),
                        help='with --videos: their split (default: test)')
    parser.add_argument('--category', help='with --videos and s4: their category folder')
    parser.add_argument('--avss-label', default='v2', choices=('v1s', 'v1m', 'v2'),
                        help='with --videos and avss: their subset (default: v2)')
    parser.add_argument('--size', type=int, default=224,
                        help='frame side after resizing; 0 keeps the size (default: 224)')
    parser.add_argument('--logmel-cache', action='store_true',
                        help='also write the VGGish log-mel .pkl files (S4/MS3)')
    parser.add_argument('--overwrite', action='store_true', help='rewrite existing outputs')
    args = parser.parse_args(argv)
    if args.csv and not args.video_dir:
        parser.error('--csv needs --video-dir')
    if args.videos and args.layout == 's4' and not args.category:
        parser.error('--videos with the s4 layout needs --category')
    return args


def write_metadata(args: argparse.Namespace) -> Dict[str, str]:
    """Put the metadata csv into the data root; return clip name -> video path (--videos)."""
    csv_path = osp.join(args.out_root, LAYOUTS[args.layout].ANN_FILE)
    os.makedirs(args.out_root, exist_ok=True)
    if args.csv:
        if osp.abspath(args.csv) != osp.abspath(csv_path):
            shutil.copyfile(args.csv, csv_path)
        return {}
    videos = {osp.splitext(osp.basename(v))[0]: v for v in args.videos}
    row = {'s4': lambda n: f'{n},0,{args.category},{args.split}',
           'ms3': lambda n: f'{n},{args.split}',
           'avss': lambda n: f'{n},{n},0,0,,{args.split},{args.avss_label}'}[args.layout]
    with open(csv_path, 'w') as f:
        f.write('\n'.join([CSV_HEADER[args.layout]] + [row(n) for n in videos]) + '\n')
    return videos


def find_video(info: dict, split: str, args: argparse.Namespace,
               videos: Dict[str, str]) -> str:
    """The video of one clip: given with --videos, or looked up in --video-dir."""
    name = info['clip_id']
    if videos:
        return videos[name]
    candidates = [osp.join(args.video_dir, f'{name}.mp4')]
    if 'category' in info:  # S4's raw_videos/{split}/{category}/{name}.mp4
        candidates.append(osp.join(args.video_dir, split, info['category'], f'{name}.mp4'))
    if 'subset' in info:    # AVSS: {label}/{uid}.mp4
        candidates.append(osp.join(args.video_dir, info['subset'], f'{name}.mp4'))
    for path in candidates:
        if osp.isfile(path):
            return path
    raise VideoFileError(f'no video for clip {name}: looked for {", ".join(candidates)}')


def convert_clip(video: str, info: dict, args: argparse.Namespace) -> None:
    """Write one clip's frames, wav and (optionally) log-mel."""
    num_seconds = info['num_real_frames']
    frames, _, _ = read_video_seconds(video, num_seconds)
    for frame, path in zip(frames, [p for p in info['img_paths'] if p]):
        if args.size:  # AVSBench: cv2.resize (bilinear) of the RGB frame to 224 x 224
            frame = cv2.resize(frame, (args.size, args.size))
        os.makedirs(osp.dirname(path), exist_ok=True)
        if not cv2.imwrite(path, cv2.cvtColor(frame, cv2.COLOR_RGB2BGR)):
            raise OSError(f'cannot write {path}')
    wave = read_audio_track(video, SAMPLE_RATE)
    os.makedirs(osp.dirname(info['audio_path']), exist_ok=True)
    sf.write(info['audio_path'], np.clip(np.round(wave * 32768), -32768, 32767).astype(
        np.int16), SAMPLE_RATE, subtype='PCM_16')
    pkl = info.get('audio_pkl_path')
    if args.logmel_cache and pkl:
        # the log-mel of the wav just written, as LoadAVSAudio's wav source computes it,
        # pickled as a torch tensor [T, 1, 96, 64] like AVSBench's preprocessing
        loader = LoadAVSAudio(frontend='vggish', num_segments=num_seconds)
        logmel = loader(dict(audio_path=info['audio_path'],
                             num_real_frames=num_seconds))['audio']
        os.makedirs(osp.dirname(pkl), exist_ok=True)
        with open(pkl, 'wb') as f:
            pickle.dump(torch.from_numpy(logmel), f)


def outputs(info: dict, args: argparse.Namespace) -> List[str]:
    """The files :func:`convert_clip` writes for a clip."""
    paths = [p for p in info['img_paths'] if p] + [info['audio_path']]
    if args.logmel_cache and info.get('audio_pkl_path'):
        paths.append(info['audio_pkl_path'])
    return paths


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Convert the clips and report the failures.

    Args:
        argv (Sequence[str], optional): Arguments; defaults to ``sys.argv[1:]``.

    Returns:
        int: 0 if every clip was converted, 1 otherwise.
    """
    args = parse_args(argv)
    videos = write_metadata(args)
    jobs = []
    for split in ('train', 'val', 'test'):
        # the dataset class knows the layout's file names; serialize_data=False: a split
        # may be empty
        dataset = LAYOUTS[args.layout](args.out_root, split=split, check_files=False,
                                       serialize_data=False)
        jobs += [(split, dataset.get_data_info(i)) for i in range(len(dataset))]
    failures, skipped = [], 0
    bar = Progress(len(jobs), 'clips')
    for split, info in jobs:
        if not args.overwrite and all(map(osp.isfile, outputs(info, args))):
            skipped += 1
        else:
            try:
                convert_clip(find_video(info, split, args, videos), info, args)
            except (VideoFileError, AudioFileError, OSError) as e:
                failures.append(f"{info['clip_id']}: {e}")
        bar.update()
    bar.close()
    print(f'{len(jobs) - len(failures) - skipped} clip(s) converted, {skipped} kept, '
          f'{len(failures)} failed, into {args.out_root}')
    for line in failures:
        print(f'  {line}')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
