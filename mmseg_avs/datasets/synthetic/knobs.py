"""Knobs of the synthetic generator (SyntheticAVSConfig, presets) and its seeded random streams."""
import dataclasses
from dataclasses import dataclass
from typing import Any, Dict, Tuple

import numpy as np

from .looks import MAX_CLASSES

_MAX_F0 = 2000.0        # keeps several harmonics of every class below the Nyquist frequency

_EASY: Dict[str, Any] = {}  # the dataclass defaults are the easy preset
# Hard for vision, hearable for the audio encoder: the audio-only probe of the synthetic
# benchmark (mmseg_avs.analysis.audio_probe) names the exact set of classes heard in >= 95 %
# of test seconds and the heard twin's size in >= 90 % (docs/results/synthetic_benchmark.md).
_HARD: Dict[str, Any] = dict(
    timbre_similarity=0.2, size_pitch=2.5, twin_size_gap=0.3, clutter=3,
    background_noise=8.0, cue_contrast=0.35, cue_width=0.15, p_cue_missing=0.3,
    p_cue_silent=0.5, p_same_class_pair=0.5, p_switch=0.35, p_switch_inside=0.5,
    switch_window=(0.4, 0.6), p_offscreen=0.3, snr_db=(15.0, 30.0))
PRESETS: Dict[str, Dict[str, Any]] = {'easy': _EASY, 'hard': _HARD}


@dataclass
class SyntheticAVSConfig:
    """Every knob of the synthetic data. The defaults are the ``'easy'`` preset.

    ``'easy'`` learns in minutes on a CPU with a tiny model: strong cues, well separated
    pitches, few cues on silent objects, switches on second boundaries. ``'hard'`` (see
    ``PRESETS``) has weak and unreliable cues (vision alone cannot tell the sounding object),
    switches inside seconds, more same-class pairs whose twins differ in size and so in
    pitch, closer timbres, clutter, off-screen sounds and a lower SNR; its sounds stay
    hearable by the configs' audio encoder (the audio-only probe).

    Args:
        num_classes (int): K, the number of object classes (at most 48).
        pitch_spacing (float): Semitones between the fundamentals of consecutive classes
            (class k has ``base_pitch * 2 ** (k * pitch_spacing / 12)``). Easy and hard 4.
        base_pitch (float): Fundamental of class 0, Hz.
        num_harmonics (int): Harmonics per tone (those above 7.2 kHz are dropped).
        timbre_similarity (float): 0 = each class has its own random harmonic amplitudes,
            1 = all classes share one ``1/h`` profile. Easy 0, hard 0.2.
        pitch_jitter (float): Per-clip random detuning of each source, +- semitones.
            Easy and hard 0 (a detuning tied to nothing visible cannot tell twins apart).
        size_pitch (float): Semitones of pitch across the range of object sizes: an object's
            fundamental is its class's, shifted by ``size_pitch * (0.5 - u)`` where ``u`` in
            [0, 1] is its size's place in ``object_size`` (larger, lower, as with animals and
            instruments), so twins can be told apart by ear. An off-screen source has a random
            ``u``. Easy 0 (size does not sound), hard 2.5.
        twin_size_gap (float): Twins (a same-class pair) are one small and one large object:
            their ``u`` are drawn from ``[0, (1 - gap) / 2]`` and ``[(1 + gap) / 2, 1]``, so
            they always differ by a visible margin (and, with ``size_pitch``, by ear). 0 =
            sizes drawn independently. Easy 0, hard 0.3.
        source_gain_db (tuple[float, float]): Range of each source's loudness, dB.
        snr_db (tuple[float, float]): Range of the background-noise SNR, dB, relative to a
            source at 0 dB gain. Easy (20, 40), hard (15, 30).
        min_objects (int): Fewest on-screen objects per clip.
        max_objects (int): Most on-screen objects per clip (at most ``num_classes``).
        object_size (tuple[float, float]): Range of an object's radius, as a fraction of the
            image side.
        motion (float): Largest displacement of an object per second, fraction of the side.
        clutter (int): Up to this many grey distractor shapes per clip (never sounding).
            Easy 0, hard 3.
        background_noise (float): Std of per-pixel Gaussian noise, in 0-255 units.
            Easy 3, hard 8.
        cue_contrast (float): Opacity of the white activity halo (0 = invisible, 1 = white).
            Easy 1, hard 0.35.
        cue_width (float): Halo width as a fraction of the object radius (at least 1 px).
            Easy 0.35, hard 0.15.
        p_cue_missing (float): Probability that a sounding object shows no halo in a frame.
            Easy 0, hard 0.3.
        p_cue_silent (float): Probability that a silent object shows a halo in a frame.
            Easy 0.2, hard 0.5.
        p_same_class_pair (float): Probability that a clip has two objects of one class, of
            which exactly one sounds in each second (case 1). Easy 0.3, hard 0.5.
        p_sounding (float): Probability that an object sounds in the first second.
        p_switch (float): Per-second probability that an object's state flips (case 2).
            Easy 0.25, hard 0.35.
        p_switch_inside (float): Probability that a flip happens inside the second (at a
            random moment in ``switch_window``) rather than on its start boundary. Easy 0,
            hard 0.5.
        switch_window (tuple[float, float]): Where inside a second a flip may fall, as
            fractions of the second. Easy (0.15, 0.85), hard (0.4, 0.6): a front-end's
            one-second windows need not align with the seconds (VGGish's examples are 0.96 s
            apart), so a flip near an edge may be heard in the wrong second.
        p_silent_clip (float): Probability that a whole clip is silent.
        p_offscreen (float): Probability that a clip has an off-screen source: a class not
            on screen, heard per its own Markov chain. Easy 0.15, hard 0.3.
        avss_v1m_fraction (float): Share of 5-frame multi-source ``v1m`` clips in each AVSS
            split (rounded up).
        avss_v1s_fraction (float): Share of 5-frame single-source ``v1s`` clips in each AVSS
            split (rounded up): one object sounds throughout, no off-screen sound.
        jpeg_quality (int): Quality of the AVSS JPEG frames (PIL, 4:4:4).
    """
    num_classes: int = 6
    pitch_spacing: float = 4.0
    base_pitch: float = 220.0
    num_harmonics: int = 6
    timbre_similarity: float = 0.0
    pitch_jitter: float = 0.0
    size_pitch: float = 0.0
    twin_size_gap: float = 0.0
    source_gain_db: Tuple[float, float] = (-6.0, 0.0)
    snr_db: Tuple[float, float] = (20.0, 40.0)
    min_objects: int = 1
    max_objects: int = 3
    object_size: Tuple[float, float] = (0.11, 0.17)
    motion: float = 0.04
    clutter: int = 0
    background_noise: float = 3.0
    cue_contrast: float = 1.0
    cue_width: float = 0.35
    p_cue_missing: float = 0.0
    p_cue_silent: float = 0.2
    p_same_class_pair: float = 0.3
    p_sounding: float = 0.6
    p_switch: float = 0.25
    p_switch_inside: float = 0.0
    switch_window: Tuple[float, float] = (0.15, 0.85)
    p_silent_clip: float = 0.05
    p_offscreen: float = 0.15
    avss_v1m_fraction: float = 0.25
    avss_v1s_fraction: float = 0.1
    jpeg_quality: int = 95

    def __post_init__(self) -> None:
        self._coerce_types()
        self._validate()

    @classmethod
    def from_preset(cls, preset: str = 'easy', **overrides: Any) -> 'SyntheticAVSConfig':
        """Build the config of a preset, then set individual knobs.

        Args:
            preset (str): ``'easy'`` or ``'hard'``.
            **overrides: Knob values replacing the preset's.

        Returns:
            SyntheticAVSConfig: The config.
        """
        if preset not in PRESETS:
            raise ValueError(f'unknown preset {preset!r}; choose from {sorted(PRESETS)}')
        known = [f.name for f in dataclasses.fields(cls)]
        unknown = sorted(set(overrides) - set(known))
        if unknown:
            raise ValueError(f'unknown synthetic AVS knob(s) {unknown}; known knobs: {known}')
        return cls(**{**PRESETS[preset], **overrides})

    def to_dict(self) -> Dict[str, Any]:
        """The knob values as a JSON-friendly dict (tuples become lists)."""
        return {k: list(v) if isinstance(v, tuple) else v
                for k, v in dataclasses.asdict(self).items()}

    def _coerce_types(self) -> None:
        # Values may come from JSON or the command line: lists for pairs, ints for floats.
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            try:
                setattr(self, f.name, _coerce(value, f.default))
            except (TypeError, ValueError):
                kind = ('a pair (low, high) of numbers' if isinstance(f.default, tuple) else
                        'an integer' if isinstance(f.default, int) else 'a number')
                raise ValueError(f'knob {f.name} must be {kind}, got {value!r}') from None

    def _validate(self) -> None:
        def check(ok: bool, message: str) -> None:
            if not ok:
                raise ValueError(f'invalid synthetic AVS config: {message}')

        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name.startswith('p_') or f.name.endswith('_fraction'):
                check(0.0 <= value <= 1.0, f'{f.name}={value} must lie in [0, 1]')
            if isinstance(value, tuple):
                check(value[0] <= value[1], f'{f.name}={value} must be (low, high)')
        check(1 <= self.num_classes <= MAX_CLASSES,
              f'num_classes={self.num_classes} must lie in [1, {MAX_CLASSES}]')
        check(1 <= self.min_objects <= self.max_objects <= self.num_classes,
              'need 1 <= min_objects <= max_objects <= num_classes, got '
              f'{self.min_objects}, {self.max_objects}, {self.num_classes}')
        top = self.base_pitch * 2 ** (((self.num_classes - 1) * self.pitch_spacing
                                       + self.pitch_jitter + self.size_pitch / 2) / 12)
        check(self.base_pitch > 0 and self.pitch_spacing >= 0 and top <= _MAX_F0,
              f'the highest fundamental is {top:.0f} Hz; keep it <= {_MAX_F0:.0f} Hz '
              '(lower base_pitch, pitch_spacing or num_classes)')
        check(self.num_harmonics >= 1, 'num_harmonics must be >= 1')
        check(0.0 <= self.timbre_similarity <= 1.0, 'timbre_similarity must lie in [0, 1]')
        check(0.0 < self.switch_window[0] and self.switch_window[1] < 1.0,
              f'switch_window={self.switch_window} must lie inside (0, 1)')
        check(self.pitch_jitter >= 0 and self.size_pitch >= 0,
              'pitch_jitter and size_pitch must be >= 0')
        check(0.0 <= self.twin_size_gap < 1.0, 'twin_size_gap must lie in [0, 1)')
        check(0.0 < self.object_size[0] and self.object_size[1] <= 0.3,
              f'object_size={self.object_size} must lie in (0, 0.3]')
        check(self.motion >= 0 and self.clutter >= 0 and self.background_noise >= 0,
              'motion, clutter and background_noise must be >= 0')
        check(0.0 <= self.cue_contrast <= 1.0, 'cue_contrast must lie in [0, 1]')
        check(self.cue_width >= 0, 'cue_width must be >= 0')
        check(self.avss_v1m_fraction + self.avss_v1s_fraction <= 1.0,
              'avss_v1m_fraction + avss_v1s_fraction must be <= 1')
        check(1 <= self.jpeg_quality <= 100, 'jpeg_quality must lie in [1, 100]')


def _coerce(value: Any, default: Any) -> Any:
    """``value`` converted to the type of ``default``; TypeError/ValueError if it does not fit."""
    if isinstance(value, (bool, str)) and not isinstance(default, str):
        raise TypeError(value)
    if isinstance(default, tuple):
        low, high = value
        return _coerce(low, 0.0), _coerce(high, 0.0)
    if isinstance(default, int):
        if float(value) != int(value):
            raise ValueError(value)
        return int(value)
    return float(value)


def seeded_rng(seed: int, *keys: int) -> np.random.Generator:
    """An independent generator for (seed, keys): same keys, same stream, on any machine."""
    return np.random.default_rng(np.random.SeedSequence([seed, *keys]))
