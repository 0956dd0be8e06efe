"""Segment the sounding objects of a real video, second by second.

    python tools/segment_video.py VIDEO --out-dir DIR [--config CONFIG] [--checkpoint CKPT]
                                  [--device cpu] [--batch-size 1]

Reads the frame near the end of each second and the sound track (resampled for the model's
audio front-end), runs the model in clips of its T seconds, and writes to DIR:

- ``masks/second_NNN.png``: the predicted classes at the video's resolution (an indexed PNG:
  pixel value = class, coloured by the data set's palette);
- ``uncertainty/second_NNN.png``: the UE head's uncertainty (0-255 for 0-1), if the model has it;
- ``overlay.mp4``: every frame with its second's mask painted on, and the original sound;
- ``summary.json``: seconds, classes found, mask areas, timings.

Without ``--config``/``--checkpoint`` it uses the model ``make demo`` trained (the newest
checkpoint in ``work_dirs/demo``; the config comes from the checkpoint). Errors on the input
(no sound track, not a video, shorter than one second) print one line and exit with status 1.
"""
import argparse
import json
import os
import os.path as osp
import sys
import time
from typing import List

import av
import numpy as np
from PIL import Image

from mmseg_avs.apis import AVSInferencer, latest_checkpoint
from mmseg_avs.signal.video_io import VideoFileError
from mmseg_avs.utils.progress import Progress
from mmseg_avs.visualization import overlay_mask

# audio codecs an MP4 file can hold as they are; others are re-encoded to AAC
MP4_AUDIO_CODECS = ('aac', 'mp3', 'alac', 'flac', 'opus', 'ac3', 'eac3')


# where `make demo` (tools/synthetic_demo.py) trains the default model
MAKE_DEMO_WORK_DIR = 'work_dirs/demo'


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('video', help='video file with a sound track')
    parser.add_argument('--out-dir', required=True, help='where the outputs go')
    parser.add_argument('--config', help='model config (default: the checkpoint\'s own)')
    parser.add_argument('--checkpoint', help='checkpoint (default: the `make demo` model)')
    parser.add_argument('--device', default='cpu', help='e.g. cpu, cuda:0')
    parser.add_argument('--batch-size', type=int, default=1, help='clips per forward pass')
    return parser.parse_args(argv)


def write_overlay_video(src: str, dst: str, masks: List[np.ndarray], palette: list) -> None:
    """Re-encode ``src`` with each frame's second's mask painted on; keep its sound.

    Decoded frame ``i`` belongs to second ``i // round(fps)`` (the AVSBench frame rule of
    :mod:`mmseg_avs.signal.video_io`); frames after the last whole second keep its mask.
    The sound stream is copied as it is when MP4 can hold its codec, else re-encoded to AAC
    (mono, or stereo for two channels and more).

    Args:
        src (str): The input video.
        dst (str): The MP4 to write.
        masks (list[np.ndarray]): One ``[H, W]`` class map per second, at the video's size.
        palette (list): RGB colour per class.
    """
    with av.open(src) as inp, av.open(dst, 'w') as out:
        vin, ain = inp.streams.video[0], inp.streams.audio[0]
        vin.thread_type = 'AUTO'
        rate = round(float(vin.average_rate))
        vout = out.add_stream('libx264', rate=vin.average_rate,
                              options={'crf': '20', 'preset': 'superfast'})
        # H.264 in 4:2:0 needs even sides: an odd last row or column is cut
        vout.width, vout.height, vout.pix_fmt = vin.width // 2 * 2, vin.height // 2 * 2, 'yuv420p'
        copy_audio = ain.codec_context.name in MP4_AUDIO_CODECS
        # the AAC encoder needs a named channel layout; some files give only a channel count
        aout = (out.add_stream_from_template(ain) if copy_audio else
                out.add_stream('aac', rate=ain.rate,
                               layout='mono' if ain.channels == 1 else 'stereo'))
        bar, count = Progress(vin.frames or 0, 'frames'), 0
        for packet in inp.demux(vin, ain):
            if packet.stream is ain:
                if packet.dts is None:  # the demuxer's empty end-of-stream packet
                    continue
                if copy_audio:
                    packet.stream = aout
                    out.mux(packet)
                else:
                    for frame in packet.decode():
                        out.mux(aout.encode(frame))
                continue
            for frame in packet.decode():
                image = frame.to_ndarray(format='rgb24')
                mask = masks[min(count // rate, len(masks) - 1)]
                painted = overlay_mask(image, mask, palette)[:vout.height, :vout.width]
                new = av.VideoFrame.from_ndarray(np.ascontiguousarray(painted), format='rgb24')
                new.pts = count
                out.mux(vout.encode(new))
                count += 1
                bar.update()
        out.mux(vout.encode(None))
        if not copy_audio:
            out.mux(aout.encode(None))
    bar.close()


def segment_video(args: argparse.Namespace) -> dict:
    """Segment ``args.video`` and write the outputs; returns the summary."""
    start = time.perf_counter()
    checkpoint = args.checkpoint
    if checkpoint is None:
        try:
            checkpoint = latest_checkpoint(MAKE_DEMO_WORK_DIR)
        except FileNotFoundError as e:
            raise FileNotFoundError(f'{e}: run `make demo` first, or pass --checkpoint') from e
        print(f'no --checkpoint: using the model `make demo` trained, {checkpoint}')
    inferencer = AVSInferencer(args.config, checkpoint, device=args.device)
    classes, palette = inferencer.dataset_meta['classes'], inferencer.dataset_meta['palette']
    built = time.perf_counter()
    frames, waveform, video = inferencer.read_video(args.video)
    height, width = frames[0].shape[:2]
    print(f'{args.video}: {len(frames)} s, {width}x{height} at {video["fps"]:.2f} fps; '
          f'{len(frames)} frames in clips of {inferencer.num_frames}')
    loaded = time.perf_counter()
    for sub in ('masks', 'uncertainty'):
        os.makedirs(osp.join(args.out_dir, sub), exist_ok=True)
    flat_palette = np.asarray(palette, np.uint8).reshape(-1).tolist()
    masks, seconds = [], []
    for pred in inferencer.predict(frames, waveform, inferencer.sample_rate,
                                   args.batch_size, progress=True):
        name = f"second_{pred['second']:03d}.png"
        image = Image.fromarray(pred['mask'])
        image.putpalette(flat_palette)  # an 'L' image with a palette becomes indexed ('P')
        image.save(osp.join(args.out_dir, 'masks', name))
        counts = np.bincount(pred['mask'].ravel(), minlength=len(classes))
        record = dict(second=pred['second'], mask=osp.join('masks', name),
                      areas={classes[c]: round(float(n) / pred['mask'].size, 6)
                             for c, n in enumerate(counts) if c > 0 and n > 0})
        if 'uncertainty' in pred:
            Image.fromarray((pred['uncertainty'] * 255).round().astype(np.uint8)).save(
                osp.join(args.out_dir, 'uncertainty', name))
            record.update(uncertainty=osp.join('uncertainty', name),
                          mean_uncertainty=round(float(pred['uncertainty'].mean()), 6))
        masks.append(pred['mask'])
        seconds.append(record)
    predicted = time.perf_counter()
    print('\nwriting overlay.mp4')
    write_overlay_video(args.video, osp.join(args.out_dir, 'overlay.mp4'), masks, palette)
    if not any('uncertainty' in s for s in seconds):
        os.rmdir(osp.join(args.out_dir, 'uncertainty'))
    done = time.perf_counter()
    summary = dict(
        video=args.video, config=args.config or 'embedded in the checkpoint',
        checkpoint=checkpoint, default_model=args.checkpoint is None,
        width=width, height=height, fps=video['fps'], duration_s=video['duration'],
        num_seconds=len(frames), clip_length=inferencer.num_frames,
        classes_found=sorted({c for s in seconds for c in s['areas']}),
        seconds=seconds, overlay='overlay.mp4',
        timings=dict(model_s=built - start, read_s=loaded - built,
                     inference_s=predicted - loaded,
                     overlay_s=done - predicted, total_s=done - start,
                     inference_ms_per_second=1000 * (predicted - loaded) / len(frames)))
    with open(osp.join(args.out_dir, 'summary.json'), 'w') as f:
        json.dump(summary, f, indent=2)
    found = ', '.join(summary['classes_found']) or 'nothing'
    print(f"found {found}; outputs in {args.out_dir} ({summary['timings']['total_s']:.1f} s)")
    return summary


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        segment_video(args)
    except (VideoFileError, FileNotFoundError) as e:
        # bad input, or a missing model, config or checkpoint:
        # one line, no traceback
        print(f'error: {" ".join(str(e).split())}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
