"""Read AVSBench-style frames and audio from a video file with PyAV.

Shared by the raw-video converter (``tools/dataset_converters/convert_avsbench_videos.py``)
and demos. The frame rule is AVSBench's preprocessing (``preprocess_s4.py`` /
``preprocess_ms3.py``): with ``F = round(fps)``, second ``l`` is shown by decoded frame
``int(l * F + 15 / 16 * F)``, a frame near the end of that second; an index past the last
frame takes the last frame. Frames are counted in presentation order, as the ffmpeg reader
the official scripts use delivers them for constant-frame-rate videos.
"""
import os.path as osp
from typing import List, Optional, Tuple

import av
import numpy as np

# A clip may fall this short of its length (AVSBench videos last 4.9x-5.0x s for 5 frames).
LENGTH_TOLERANCE_S = 0.1
FRAME_POSITION = 15 / 16  # AVSBench keeps frame 15 of 16 sampled per second


class VideoFileError(ValueError):
    """A video file is missing, not a video, has no audio track, or is too short."""


def frame_index(second: int, fps: float) -> int:
    """Index of the decoded frame that shows ``second`` (AVSBench's rule, before clamping).

    Args:
        second (int): The 0-based second.
        fps (float): The video's frame rate (rounded to an integer, as AVSBench does).

    Returns:
        int: ``int(second * F + 15 / 16 * F)`` with ``F = round(fps)``.
    """
    rate = int(round(fps))
    return int(second * rate + FRAME_POSITION * rate)


def _open(path: str) -> av.container.InputContainer:
    if not osp.isfile(path):
        raise VideoFileError(f'video file not found: {path}')
    try:
        return av.open(path)
    except av.error.FFmpegError as e:
        raise VideoFileError(f'{path} is not a video file ffmpeg can read: {e}') from e


def read_video_seconds(
        path: str, num_seconds: Optional[int] = None) -> Tuple[List[np.ndarray], float, float]:
    """One frame per second of a video, chosen as AVSBench's preprocessing does.

    Args:
        path (str): The video file.
        num_seconds (int, optional): Seconds (frames) to return. Defaults to every whole
            second the video covers (within :data:`LENGTH_TOLERANCE_S`).

    Returns:
        tuple: ``(frames, fps, duration)``: ``num_seconds`` RGB uint8 ``[H, W, 3]`` frames,
        the average frame rate, and the duration in seconds (decoded frames / fps).

    Raises:
        VideoFileError: If the file is missing, not a video, or shorter than one second or
            than ``num_seconds`` (minus the tolerance).
    """
    if num_seconds is not None and num_seconds < 1:
        raise ValueError(f'num_seconds must be positive, got {num_seconds}')
    with _open(path) as container:
        if not container.streams.video:
            raise VideoFileError(f'{path} has no video stream (not a video)')
        stream = container.streams.video[0]
        if not stream.average_rate or round(float(stream.average_rate)) < 1:
            raise VideoFileError(f'{path}: unusable frame rate {stream.average_rate}')
        fps = float(stream.average_rate)
        kept, count, last = [], 0, None
        try:
            for frame in container.decode(stream):
                # each second's index is at least one past the previous second's
                if count == frame_index(len(kept), fps):
                    kept.append(frame.to_ndarray(format='rgb24'))
                count, last = count + 1, frame
        except av.error.FFmpegError as e:
            raise VideoFileError(f'cannot decode video {path}: {e}') from e
    duration = count / fps
    seconds = int(duration + LENGTH_TOLERANCE_S) if num_seconds is None else num_seconds
    if duration < max(seconds, 1) - LENGTH_TOLERANCE_S:
        needed = f'the clip length ({seconds} s)' if seconds > 1 else 'one second'
        raise VideoFileError(f'{path} lasts {duration:.3f} s ({count} frames at {fps:.3f} '
                             f'fps), shorter than {needed}')
    if len(kept) < seconds:  # indices past the end take the last frame, as AVSBench does
        kept += [last.to_ndarray(format='rgb24')] * (seconds - len(kept))
    return kept[:seconds], fps, duration


def read_audio_track(path: str, sample_rate: int = 16000) -> np.ndarray:
    """The whole sound track as a mono waveform at ``sample_rate``.

    Every channel is resampled by libswresample (the ffmpeg resampler that moviepy's
    ``write_audiofile(fps=16000)`` uses in AVSBench's preprocessing), then the channels are
    averaged, as torchvggish averages a stereo wav.

    Args:
        path (str): The video (or audio) file.
        sample_rate (int): Output sample rate. Defaults to 16000.

    Returns:
        np.ndarray: float32 ``[num_samples]`` in [-1, 1].

    Raises:
        VideoFileError: If the file is missing, unreadable, has no audio track or holds
            less than one second of audio.
    """
    with _open(path) as container:
        if not container.streams.audio:
            raise VideoFileError(f'{path} has no audio track')
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format='fltp', layout=stream.layout.name,
                                      rate=sample_rate)
        chunks = []
        try:
            for frame in container.decode(stream):
                chunks += [f.to_ndarray() for f in resampler.resample(frame)]
            chunks += [f.to_ndarray() for f in resampler.resample(None)]  # flush
        except av.error.FFmpegError as e:
            raise VideoFileError(f'cannot decode the audio of {path}: {e}') from e
    wave = np.concatenate(chunks, axis=1).mean(axis=0) if chunks else np.zeros(0)
    if len(wave) < (1 - LENGTH_TOLERANCE_S) * sample_rate:
        raise VideoFileError(f'the audio track of {path} lasts {len(wave) / sample_rate:.3f} '
                             's, shorter than one second')
    return wave.astype(np.float32)
