"""Audio waveforms: read an audio file as mono float32, resample it, cut it into seconds."""
import os.path as osp
from math import gcd
from typing import Tuple

import numpy as np
import soundfile as sf
from scipy.signal import resample_poly


class AudioFileError(ValueError):
    """An audio file is missing, unreadable, empty or holds non-finite samples."""


def read_wav(path: str) -> Tuple[np.ndarray, int]:
    """Read an audio file as a mono float32 waveform, the way AVSBench does.

    PCM16 files are read as int16 and divided by 32768 (torchvggish ``wavfile_to_examples``),
    so they map exactly to [-1, 1). Other encodings are read as float by soundfile (float
    files are returned as stored). Multi-channel audio is averaged to mono.

    Args:
        path (str): Audio file (any format libsndfile reads; AVSBench uses wav).

    Returns:
        tuple[np.ndarray, int]: The ``[num_samples]`` float32 waveform and its sample rate.

    Raises:
        AudioFileError: If the file is missing, unreadable, has no samples or holds NaN/inf.
    """
    if not osp.isfile(path):
        raise AudioFileError(f'audio file not found: {path}')
    try:
        info = sf.info(path)
        dtype = 'int16' if info.subtype == 'PCM_16' else 'float64'
        data, sample_rate = sf.read(path, dtype=dtype, always_2d=True)
    except (RuntimeError, sf.SoundFileError) as e:
        raise AudioFileError(f'cannot read audio file {path}: {e}') from e
    if data.shape[0] == 0:
        raise AudioFileError(f'audio file {path} is empty (0 samples)')
    if data.dtype == np.int16:
        data = data / 32768.0
    if not np.isfinite(data).all():
        raise AudioFileError(f'audio file {path} holds NaN or inf samples')
    return data.mean(axis=1).astype(np.float32), int(sample_rate)


def resample_wave(wave: np.ndarray, orig_sr: int, target_sr: int) -> np.ndarray:
    """Resample with ``scipy.signal.resample_poly`` by the reduced fraction target/orig.

    AVSBench used resampy; polyphase filtering is a deterministic, dependency-free
    replacement (it only matters for files not already at the target rate). A signal of
    ``orig_sr`` samples gives exactly ``target_sr`` samples.

    Args:
        wave (np.ndarray): ``[num_samples]`` waveform.
        orig_sr (int): Its sample rate.
        target_sr (int): The wanted sample rate.

    Returns:
        np.ndarray: The resampled float32 waveform (``wave`` itself if the rates are equal).
    """
    if orig_sr == target_sr:
        return wave
    g = gcd(int(orig_sr), int(target_sr))
    return resample_poly(wave, target_sr // g, orig_sr // g).astype(np.float32)


def split_seconds(wave: np.ndarray, sample_rate: int, num_segments: int) -> np.ndarray:
    """Cut the first ``num_segments`` seconds into one-second segments.

    Samples past ``num_segments`` seconds are dropped; a short tail is zero-padded to a full
    second (and missing seconds are all zeros).

    Args:
        wave (np.ndarray): ``[num_samples]`` waveform.
        sample_rate (int): Its sample rate (= samples per segment).
        num_segments (int): How many one-second segments to return.

    Returns:
        np.ndarray: ``[num_segments, sample_rate]`` float32.
    """
    out = np.zeros((num_segments, sample_rate), dtype=np.float32)
    flat = out.reshape(-1)
    n = min(len(wave), flat.size)
    flat[:n] = wave[:n]
    return out
