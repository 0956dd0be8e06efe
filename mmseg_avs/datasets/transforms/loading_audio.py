"""Load the audio of one clip as T one-second inputs of an audio encoder."""
import os.path as osp
import pickle
import warnings
import zlib
from typing import Optional

import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS

from ...signal.logmel import (HTSAT_SAMPLE_RATE, VGGISH_EXAMPLE_FRAMES, VGGISH_MELS,
                              htsat_logmel, vggish_logmel)
from ...signal.waveform import AudioFileError, read_wav, resample_wave, split_seconds


def perturb_waveform(wave: np.ndarray, mode: str, key: str) -> np.ndarray:
    """``'silence'``: zeros; ``'noise'``: white noise with the RMS of ``wave`` (at least
    0.01), drawn from a generator seeded by ``key`` so every run sees the same noise."""
    if mode == 'silence':
        return np.zeros_like(wave)
    rng = np.random.default_rng(zlib.crc32(key.encode()))
    rms = max(float(np.sqrt(np.mean(np.square(wave, dtype=np.float64)))), 0.01)
    return (rng.standard_normal(wave.shape) * rms).astype(wave.dtype)


@TRANSFORMS.register_module()
class LoadAVSAudio(BaseTransform):
    """Read a clip's audio and turn it into one front-end input per second.

    Required keys: ``audio_path`` (a wav holding the whole clip; ``source='wav'``) or
    ``audio_pkl_path`` (``source='pkl'``). Optional keys: ``num_real_frames`` (default
    ``num_segments``), how many leading seconds really exist, e.g. 5 for AVSBench-Semantic
    v1s/v1m clips stored in 10-frame slots; ``audio_perturb`` (set by
    :class:`ClipRandomSilence` on the clips it silences), which overrides ``perturb``.

    Added keys: ``audio`` (float32, leading axis ``num_segments``; entries past
    ``num_real_frames`` are zeros, as the official AVSS code zero-pads to 10) and
    ``audio_frontend`` (the front-end name). Each segment covers ``segment_seconds``
    seconds (1 for AVSBench; VPO pairs one image with 3 s). Per front-end, ``audio`` is:

    - ``'vggish'``: ``[T, 1, 96, 64]``, AVSBench's VGGish log-mel examples of the whole wav
      (torchvggish ``wavfile_to_examples``), the first ``num_real_frames`` of them. If the
      framing yields fewer (a clip slightly short of its length), the last example is
      repeated, as AVSBench's preprocessing does; a clip shorter than one second is first
      zero-padded to one second, so that it yields one example. With ``segment_seconds``
      S > 1, the S examples of a segment are joined in time: ``[T, 1, 96 * S, 64]``.
    - ``'htsat'``: ``[T, 1, 101, 64]``, HTS-AT's AudioSet log-mel of each one-second segment
      on its own: the segment (zero-padded to a full second if it is the short tail) is
      resampled to 32 kHz with ``scipy.signal.resample_poly`` by the reduced fraction
      ``32000 / sample_rate`` (``(x, 2, 1)`` from 16 kHz), then
      :func:`~mmseg_avs.signal.logmel.htsat_logmel` (``center=True`` gives 101 frames, 100 S + 1
      for S-second segments).
    - ``'raw'``: ``[T, S * sample_rate]``, the waveform cut into segments, the last one
      zero-padded to full length.

    Subclasses may return a two-channel (stereo) waveform from :meth:`_read_clip`; each
    channel then goes through the front-end on its own and the channels are stacked on
    axis 1: ``[T, 2, F_t, F_mel]`` (``[T, 2, S * sample_rate]`` for ``'raw'``).

    ``source='pkl'`` (vggish only) reads AVSBench S4/MS3's precomputed log-mels, a pickled
    torch tensor ``[5, 1, 96, 64]``. Files that are plain pickles rather than ``torch.save``
    archives are read with :func:`pickle.load`, which runs arbitrary code: use trusted data.

    A wav shorter than ``num_real_frames - 0.1`` seconds is an error ("clip length
    mismatch"), and so is a sample rate other than ``sample_rate`` unless ``resample=True``
    (then the wav is resampled to ``sample_rate`` first, with resample_poly). Silent audio is
    valid and gives finite values (``log(0.01)`` for vggish, -100 dB for htsat).

    Args:
        frontend (str): ``'vggish'``, ``'htsat'`` or ``'raw'``. Defaults to ``'vggish'``.
        num_segments (int): T, the number of one-second segments (clip frames).
            Defaults to 5.
        sample_rate (int): Expected sample rate of the wav, and rate of the ``'raw'``
            output. Defaults to 16000.
        resample (bool): Resample a wav of another rate instead of raising an error.
            Defaults to False.
        source (str): ``'wav'`` or ``'pkl'``. Defaults to ``'wav'``.
        segment_seconds (int): Seconds of audio per segment. Defaults to 1.
        perturb (str, optional): Replace the waveform after reading it, to test robustness to
            misleading audio: ``'silence'`` (zeros) or ``'noise'`` (white noise of the
            clip's RMS, seeded by the clip id). Defaults to None (the real audio).
    """

    PERTURBATIONS = ('silence', 'noise')
    FRONTENDS = ('vggish', 'htsat', 'raw')
    SOURCES = ('wav', 'pkl')
    # Slack on the clip length: AVSBench clips run 4.9x-5.0x s for 5 frames.
    LENGTH_TOLERANCE_S = 0.1

    def __init__(self,
                 frontend: str = 'vggish',
                 num_segments: int = 5,
                 sample_rate: int = 16000,
                 resample: bool = False,
                 source: str = 'wav',
                 segment_seconds: int = 1,
                 perturb: Optional[str] = None) -> None:
        if perturb is not None and perturb not in self.PERTURBATIONS:
            raise ValueError(f'perturb must be one of {self.PERTURBATIONS} or None, '
                             f'got {perturb!r}')
        if perturb is not None and source != 'wav':
            raise ValueError("perturb replaces the waveform: it needs source='wav'")
        if frontend not in self.FRONTENDS:
            raise ValueError(f'frontend must be one of {self.FRONTENDS}, got {frontend!r}')
        if source not in self.SOURCES:
            raise ValueError(f'source must be one of {self.SOURCES}, got {source!r}')
        if source == 'pkl' and frontend != 'vggish':
            raise ValueError("source='pkl' holds VGGish log-mels: it needs frontend='vggish'")
        if num_segments < 1 or sample_rate < 1 or segment_seconds < 1:
            raise ValueError(f'num_segments ({num_segments}), sample_rate ({sample_rate}) '
                             f'and segment_seconds ({segment_seconds}) must be positive')
        if source == 'pkl' and segment_seconds != 1:
            raise ValueError("source='pkl' holds one-second examples: segment_seconds must be 1")
        self.frontend = frontend
        self.num_segments = num_segments
        self.sample_rate = sample_rate
        self.resample = resample
        self.source = source
        self.segment_seconds = int(segment_seconds)
        self.perturb = perturb

    def transform(self, results: dict) -> dict:
        num_real = int(results.get('num_real_frames', self.num_segments))
        if not 1 <= num_real <= self.num_segments:
            raise ValueError(f'num_real_frames must be in [1, {self.num_segments}], '
                             f'got {num_real}')
        # a training augmentation (ClipRandomSilence) may ask for a perturbation per clip
        perturb = results.get('audio_perturb', self.perturb)
        if perturb is not None and (perturb not in self.PERTURBATIONS or self.source != 'wav'):
            raise ValueError(f'audio_perturb={perturb!r} of clip {results.get("clip_id")}: '
                             f"needs one of {self.PERTURBATIONS} and source='wav' "
                             f'(source is {self.source!r})')
        if self.source == 'pkl':
            feats = self._load_pkl(results['audio_pkl_path'], num_real)
        else:
            wave = self._read_clip(results, num_real)
            if perturb is not None:
                wave = perturb_waveform(wave, perturb, str(results.get('clip_id')))
            feats = self._features(wave, num_real)
        audio = np.zeros((self.num_segments, ) + feats.shape[1:], dtype=np.float32)
        audio[:num_real] = feats[:num_real]
        results['audio'] = audio
        results['audio_frontend'] = self.frontend
        return results

    def _read_clip(self, results: dict, num_real: int) -> np.ndarray:
        """The clip's waveform at ``self.sample_rate``: ``[N]``, or ``[2, N]`` for stereo."""
        return self._load_wave(results['audio_path'], num_real)

    def _load_wave(self, path: str, num_real: int) -> np.ndarray:
        """Read the wav at ``self.sample_rate`` and check it covers ``num_real`` segments."""
        wave, sr = read_wav(path)
        if sr != self.sample_rate:
            if not self.resample:
                raise AudioFileError(
                    f'audio file {path} has sample rate {sr} Hz, expected '
                    f'{self.sample_rate} Hz (set resample=True to resample it)')
            wave = resample_wave(wave, sr, self.sample_rate)
        duration = len(wave) / self.sample_rate
        expected = num_real * self.segment_seconds
        if duration < expected - self.LENGTH_TOLERANCE_S:
            raise AudioFileError(
                f'clip length mismatch: audio file {path} lasts {duration:.3f} s, '
                f'but {num_real} frames ({expected} s) are expected')
        return wave

    def _features(self, wave: np.ndarray, num_real: int) -> np.ndarray:
        """Front-end output of a mono ``[N]`` or stereo ``[2, N]`` waveform."""
        if wave.ndim == 1:
            return self._frontend(wave, num_real)
        per_channel = [self._frontend(channel, num_real) for channel in wave]
        if self.frontend == 'raw':  # raw mono output has no channel axis
            return np.stack(per_channel, axis=1)
        return np.concatenate(per_channel, axis=1)

    def _frontend(self, wave: np.ndarray, num_real: int) -> np.ndarray:
        """The ``[num_real, ...]`` front-end output of a checked waveform."""
        sr, S = self.sample_rate, self.segment_seconds
        if self.frontend == 'raw':
            return split_seconds(wave, sr * S, num_real)
        if self.frontend == 'htsat':
            segments = split_seconds(wave, sr * S, num_real)
            mels = [htsat_logmel(resample_wave(seg, sr, HTSAT_SAMPLE_RATE)) for seg in segments]
            return np.stack(mels)[:, None]
        if len(wave) < sr:
            wave = np.pad(wave, (0, sr - len(wave)))
        examples = vggish_logmel(wave, sr)
        needed = num_real * S
        if len(examples) < needed:
            tail = np.repeat(examples[-1:], needed - len(examples), axis=0)
            examples = np.concatenate([examples, tail])
        examples = examples[:needed].reshape(num_real, S * VGGISH_EXAMPLE_FRAMES, VGGISH_MELS)
        return examples[:, None]

    @staticmethod
    def _load_pkl(path: str, num_real: int) -> np.ndarray:
        """Read and check an AVSBench ``[N, 1, 96, 64]`` log-mel pickle."""
        if not osp.isfile(path):
            raise AudioFileError(f'log-mel file not found: {path}')
        try:
            with warnings.catch_warnings():
                # torch warns about the pickle protocol of plain pickles before failing.
                warnings.simplefilter('ignore', UserWarning)
                data = torch.load(path, map_location='cpu', weights_only=True)
        except Exception:  # noqa: BLE001  torch raises many types on non-torch files
            # AVSBench stores log-mels with pickle.dump, not torch.save.
            try:
                with open(path, 'rb') as f:
                    data = pickle.load(f)
            except Exception as e:  # unpickling raises many types; name the file
                raise AudioFileError(f'cannot read log-mel file {path}: {e}') from e
        if isinstance(data, torch.Tensor):
            data = data.detach().cpu().numpy()
        try:
            data = np.asarray(data, dtype=np.float32)
        except (TypeError, ValueError) as e:
            raise AudioFileError(f'log-mel file {path} holds {type(data).__name__}, '
                                 'not an array') from e
        expected = (1, VGGISH_EXAMPLE_FRAMES, VGGISH_MELS)
        if data.ndim != 4 or data.shape[1:] != expected or data.shape[0] < num_real:
            raise AudioFileError(f'log-mel file {path} has shape {tuple(data.shape)}, expected '
                                 f'[N >= {num_real}, 1, 96, 64]')
        if not np.isfinite(data).all():
            raise AudioFileError(f'log-mel file {path} holds NaN or inf values')
        return data

    def __repr__(self) -> str:
        # segment_seconds is shown only when set, so one-second configs print as before
        extra = (f', segment_seconds={self.segment_seconds}'
                 if self.segment_seconds != 1 else '')
        return (f'{self.__class__.__name__}(frontend={self.frontend!r}, '
                f'num_segments={self.num_segments}, sample_rate={self.sample_rate}, '
                f'resample={self.resample}, source={self.source!r}{extra})')
