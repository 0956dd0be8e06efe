"""Audio synthesis: a harmonic tone per source, mixed with background noise."""
from typing import List, Sequence, Tuple

import numpy as np

from .classes import SyntheticClass
from .knobs import SyntheticAVSConfig

SAMPLE_RATE = 16000
_REF_RMS = 0.1          # RMS of one source at 0 dB gain; the SNR is relative to it
_RAMP_S = 0.01          # fade in/out of each sound, inside its heard interval (no clicks)
_PEAK = 0.9             # clips louder than this are scaled down (never up)


def synthesise_audio(cfg: SyntheticAVSConfig, rng: np.random.Generator,
                     sources: Sequence[Tuple[SyntheticClass, float, List[Tuple[int, int]]]],
                     T: int) -> np.ndarray:
    """Mix the sources (each a class, a pitch shift in semitones and the sample intervals it
    is heard in) and background noise; int16 ``[T * 16000]``. Nothing but noise outside the
    intervals, so silent seconds stay silent."""
    mix = np.zeros(T * SAMPLE_RATE)
    ramp = int(_RAMP_S * SAMPLE_RATE)
    for cls, shift, intervals in sources:
        detune = shift + rng.uniform(-cfg.pitch_jitter, cfg.pitch_jitter)
        gain = 10 ** (rng.uniform(*cfg.source_gain_db) / 20)
        wave = np.tile(_tone_second(cls, round(cls.f0 * 2 ** (detune / 12)), rng), T)
        for a, b in intervals:
            segment = gain * _REF_RMS * wave[a:b]
            n = min(ramp, (b - a) // 2)  # short cosine fades inside the interval: no clicks
            fade = 0.5 - 0.5 * np.cos(np.pi * np.arange(n) / n)
            segment[:n] *= fade
            segment[b - a - n:] *= fade[::-1]
            mix[a:b] += segment
    noise_rms = _REF_RMS * 10 ** (-rng.uniform(*cfg.snr_db) / 20)
    mix += noise_rms * rng.standard_normal(len(mix))
    peak = np.max(np.abs(mix))
    if peak > _PEAK:
        mix *= _PEAK / peak
    return np.round(mix * 32767).astype(np.int16)


def _tone_second(cls: SyntheticClass, f0: int, rng: np.random.Generator) -> np.ndarray:
    """One second of a unit-RMS harmonic tone with random phases (harmonics above 7.2 kHz
    dropped). ``f0`` is a whole number of Hz, so the second repeats seamlessly."""
    phases = rng.uniform(0, 2 * np.pi, len(cls.harmonics))
    order = np.arange(1, len(cls.harmonics) + 1)
    keep = order * f0 < 0.45 * SAMPLE_RATE
    t = np.arange(SAMPLE_RATE) / SAMPLE_RATE
    partials = np.sin(2 * np.pi * f0 * order[keep, None] * t + phases[keep, None])
    wave = np.asarray(cls.harmonics)[keep] @ partials
    return wave / np.sqrt(np.mean(wave ** 2))
