"""Load the 3-s mono or stereo audio of a VPO sample."""
from typing import List, Optional

import numpy as np
from mmseg.registry import TRANSFORMS

from ...signal.waveform import AudioFileError, read_wav, resample_wave
from .loading_audio import LoadAVSAudio


def centre_crop_or_tile(wave: np.ndarray, length: int) -> np.ndarray:
    """CAVP's ``crop_audio``: the centre ``length`` samples, or the clip tiled and cut.

    The crop starts at ``len(wave) // 2 - length // 2``. A clip shorter than ``length`` is
    repeated from its start and cut to ``length``. (CAVP computes the same start for short
    clips too, where it is negative and Python slicing then keeps only the clip's tail, down
    to a single sample just under 3 s; that indexing accident is not reproduced.)

    Args:
        wave (np.ndarray): ``[N]`` waveform, ``N >= 1``.
        length (int): Samples to return.

    Returns:
        np.ndarray: ``[length]`` float32.
    """
    if len(wave) >= length:
        start = len(wave) // 2 - length // 2
        return wave[start:start + length]
    return np.tile(wave, length // len(wave) + 1)[:length]


@TRANSFORMS.register_module()
class LoadVPOAudio(LoadAVSAudio):
    """Read a VPO sample's audio as CAVP does, then apply an AVS front-end to it.

    Required keys: ``audio_paths`` (one VGGSound wav per sounding source); with
    ``stereo=True`` also ``audio_pos`` (one horizontal position in [0, 1] per source).
    Optional key: ``flip`` (set by :class:`ClipRandomFlip` when it runs first).
    Added keys: ``audio`` ``[1, C, F_t, F_mel]`` (``[1, C, 3 * sample_rate]`` for ``'raw'``)
    with C = 1 (mono) or 2 (left, right), ``audio_frontend`` and ``audio_stereo``.

    Each source wav is read, averaged to mono (VGGSound wavs are mono; CAVP keeps the
    file's channels), resampled to ``sample_rate`` (always, as CAVP does; here with
    ``resample_poly`` instead of torchaudio's sinc resampler), and cut to its centre
    ``clip_seconds`` (tiled when shorter, see :func:`centre_crop_or_tile`). Stereo: each
    source is panned by its own position, left = w (1 - pos), right = w pos. The sources of
    a VPO-MS/MSMI image are then summed without re-normalisation.

    A horizontal flip mirrors the scene, so CAVP uses ``1 - pos`` for flipped training
    images: if the flip ran before this transform, the positions are mirrored here; if it
    runs after, :class:`ClipRandomFlip` swaps the two channels, which is the same thing.

    Args:
        frontend (str): ``'vggish'``, ``'htsat'`` or ``'raw'``. Defaults to ``'vggish'``.
        stereo (bool): Two channels panned by ``audio_pos`` (CAVP ``main_vpo_stereo``)
            instead of one (``main_vpo_mono``). Defaults to False.
        clip_seconds (int): Audio length per image. Defaults to 3 (CAVP ``audio_len``).
        sample_rate (int): Rate the wavs are resampled to. Defaults to 16000.
    """

    def __init__(self,
                 frontend: str = 'vggish',
                 stereo: bool = False,
                 clip_seconds: int = 3,
                 sample_rate: int = 16000) -> None:
        super().__init__(frontend=frontend, num_segments=1, sample_rate=sample_rate,
                         resample=True, segment_seconds=clip_seconds)
        self.stereo = stereo

    def transform(self, results: dict) -> dict:
        results = super().transform(results)
        results['audio_stereo'] = self.stereo
        return results

    def _read_clip(self, results: dict, num_real: int) -> np.ndarray:
        paths: List[str] = results['audio_paths']
        positions: List[Optional[float]] = results.get('audio_pos') or [None] * len(paths)
        length = self.segment_seconds * self.sample_rate
        mix = np.zeros((2, length) if self.stereo else (length, ), np.float32)
        for path, pos in zip(paths, positions):
            wave, sr = read_wav(path)
            wave = centre_crop_or_tile(resample_wave(wave, sr, self.sample_rate), length)
            if not self.stereo:
                mix += wave
                continue
            if pos is None:
                raise AudioFileError(f'stereo VPO audio needs the audio_pos of {path}: the '
                                     "metadata csv has no 'audio_pos' column")
            if results.get('flip'):
                pos = 1.0 - pos
            mix += np.stack([wave * (1.0 - pos), wave * pos])
        return mix

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(frontend={self.frontend!r}, stereo={self.stereo}, '
                f'clip_seconds={self.segment_seconds}, sample_rate={self.sample_rate})')
