"""Synthetic audio-visual segmentation data, written in the AVSBench layouts (DESIGN.md §4).

Each of K classes has a look (a shape in a colour) and a sound (a harmonic tone with its own
fundamental and harmonic amplitudes). A clip shows 1-3 objects that move a little between
frames; each object is sounding or silent in each second (a two-state Markov chain). Frame
``t`` is the last moment of second ``t``: its mask holds the objects sounding at the END of
the second, while second ``t``'s audio holds everything audible at any moment of it, so a
sound that stops inside second ``t`` is heard in its audio but absent from its mask.

Sounding objects usually carry a visual "activity" cue (a bright halo, as lips move when
someone speaks), which also shows on some silent objects, so the audio is needed. The paper's
hard cases are tagged per frame (:mod:`mmseg_avs.datasets.case_tags`): ``same_class_pair``
(two visible objects of one class, exactly one sounding), ``state_transition`` (an object's
state differs from the previous second), ``silent`` (nothing audible) and ``offscreen`` (a
class heard but not visible).

Layouts: ``'ms3'`` (AVSBench-Objects MS3, binary masks), ``'avss'`` (AVSBench-Semantic, index
and VOC-palette masks, ``v2`` 10-frame clips plus 5-frame ``v1m``/``v1s`` clips) or ``'both'``.
Only numpy, PIL, soundfile and tqdm are used, so the generator imports without MMSeg.
"""
import csv
import dataclasses
import io
import json
import math
import os
import os.path as osp
import shutil
import textwrap
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import soundfile as sf
from PIL import Image
from tqdm import tqdm

from .avss_classes import voc_palette
from .case_tags import CASE_TAGS, encode_case_tags

GENERATOR_VERSION = '1.0'
SAMPLE_RATE = 16000
SPLITS = ('train', 'val', 'test')
LAYOUTS = ('ms3', 'avss', 'both')
DEFAULT_NUM_CLIPS = {
    'ms3': {'train': 240, 'val': 40, 'test': 60},
    'avss': {'train': 160, 'val': 30, 'test': 40},
}
MS3_FRAMES = 5
AVSS_FRAMES = {'v1s': 5, 'v1m': 5, 'v2': 10}

SHAPES = ('circle', 'square', 'triangle', 'diamond', 'hexagon', 'cross')
COLOURS = (('red', (230, 40, 40)), ('green', (40, 200, 60)), ('blue', (50, 90, 235)),
           ('yellow', (235, 210, 40)), ('magenta', (210, 50, 210)), ('cyan', (40, 210, 210)),
           ('orange', (245, 140, 30)), ('purple', (130, 60, 200)))
MAX_CLASSES = len(SHAPES) * len(COLOURS)
# Regular polygons: (sides, angle of the first edge normal, inradius / object radius).
_POLYGONS = {'square': (4, 0.0, 0.8), 'diamond': (4, math.pi / 4, 0.85),
             'triangle': (3, math.pi / 2, 0.55), 'hexagon': (6, 0.0, 0.9)}
_REF_RMS = 0.1          # RMS of one source at 0 dB gain; the SNR is relative to it
_RAMP_S = 0.01          # fade in/out of each sound, inside its heard interval (no clicks)
# A shape of radius r grown by p pixels lies within _REACH * r + 2 * p of its centre (the
# worst case is a triangle's corner, 1.1 r + 2 p: offset polygons keep sharp corners).
_REACH = 1.25
_PEAK = 0.9             # clips louder than this are scaled down (never up)
_MAX_F0 = 2000.0        # keeps several harmonics of every class below the Nyquist frequency
_SWITCH_WINDOW = (0.15, 0.85)  # where inside a second a switch may fall (fraction)

_EASY: Dict[str, Any] = {}  # the dataclass defaults are the easy preset
_HARD: Dict[str, Any] = dict(
    pitch_spacing=1.0, timbre_similarity=0.8, pitch_jitter=0.25, clutter=3,
    background_noise=8.0, cue_contrast=0.35, cue_width=0.15, p_cue_missing=0.3,
    p_cue_silent=0.5, p_same_class_pair=0.5, p_switch=0.35, p_switch_inside=0.7,
    p_offscreen=0.3, snr_db=(0.0, 15.0))
PRESETS: Dict[str, Dict[str, Any]] = {'easy': _EASY, 'hard': _HARD}


@dataclass
class SyntheticAVSConfig:
    """Every knob of the synthetic data. The defaults are the ``'easy'`` preset.

    ``'easy'`` learns in minutes on a CPU with a tiny model: strong cues, well separated
    pitches, few cues on silent objects, switches on second boundaries. ``'hard'`` (see
    ``PRESETS``) has weak and unreliable cues, switches inside seconds, close pitches and
    timbres, more same-class pairs, clutter, off-screen sounds and a lower SNR.

    Args:
        num_classes (int): K, the number of object classes (at most 48).
        pitch_spacing (float): Semitones between the fundamentals of consecutive classes
            (class k has ``base_pitch * 2 ** (k * pitch_spacing / 12)``). Easy 4, hard 1.
        base_pitch (float): Fundamental of class 0, Hz.
        num_harmonics (int): Harmonics per tone (those above 7.2 kHz are dropped).
        timbre_similarity (float): 0 = each class has its own random harmonic amplitudes,
            1 = all classes share one ``1/h`` profile. Easy 0, hard 0.8.
        pitch_jitter (float): Per-clip random detuning of each source, +- semitones.
            Easy 0, hard 0.25.
        source_gain_db (tuple[float, float]): Range of each source's loudness, dB.
        snr_db (tuple[float, float]): Range of the background-noise SNR, dB, relative to a
            source at 0 dB gain. Easy (20, 40), hard (0, 15).
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
            random moment in 15-85% of it) rather than on its start boundary. Easy 0, hard 0.7.
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
                                       + self.pitch_jitter) / 12)
        check(self.base_pitch > 0 and self.pitch_spacing >= 0 and top <= _MAX_F0,
              f'the highest fundamental is {top:.0f} Hz; keep it <= {_MAX_F0:.0f} Hz '
              '(lower base_pitch, pitch_spacing or num_classes)')
        check(self.num_harmonics >= 1, 'num_harmonics must be >= 1')
        check(0.0 <= self.timbre_similarity <= 1.0, 'timbre_similarity must lie in [0, 1]')
        check(self.pitch_jitter >= 0, 'pitch_jitter must be >= 0')
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


@dataclass(frozen=True)
class SyntheticClass:
    """One class: its look and its sound.

    Args:
        name (str): ``'{colour}-{shape}'``.
        shape (str): One of ``SHAPES``.
        colour (tuple[int, int, int]): RGB body colour.
        f0 (float): Fundamental frequency, a whole number of Hz (so a tone repeats every
            second and its spectrum peaks exactly on an FFT bin of a one-second window).
        harmonics (tuple[float, ...]): Amplitude of harmonics 1, 2, ...; the first is 1 and
            the largest, so the fundamental dominates the spectrum.
    """
    name: str
    shape: str
    colour: Tuple[int, int, int]
    f0: float
    harmonics: Tuple[float, ...]


def build_classes(cfg: SyntheticAVSConfig, seed: int) -> List[SyntheticClass]:
    """The K classes: looks fixed by class index, timbres drawn from the seed.

    Args:
        cfg (SyntheticAVSConfig): The knobs.
        seed (int): Data-set seed.

    Returns:
        list[SyntheticClass]: Class ``k`` is semantic index ``k + 1`` (0 = background).
    """
    rng = _rng(seed, 0)
    shared = 1.0 / np.arange(1, cfg.num_harmonics + 1)
    classes = []
    for k in range(cfg.num_classes):
        # k -> (k mod 6, (7 * (k // 6) + k mod 6) mod 8) is one-to-one for k < 48.
        shape = SHAPES[k % len(SHAPES)]
        colour_name, colour = COLOURS[(k + k // len(SHAPES)) % len(COLOURS)]
        own = rng.uniform(0.05, 0.9, cfg.num_harmonics)
        amps = cfg.timbre_similarity * shared + (1 - cfg.timbre_similarity) * own
        amps[0] = 1.0
        classes.append(SyntheticClass(
            name=f'{colour_name}-{shape}', shape=shape, colour=colour,
            f0=float(round(cfg.base_pitch * 2 ** (k * cfg.pitch_spacing / 12))),
            harmonics=tuple(float(a) for a in amps)))
    return classes


@dataclass
class SyntheticClip:
    """One generated clip, before it is written in a layout.

    Args:
        frames (np.ndarray): uint8 ``[T, H, W, 3]`` RGB frames.
        instances (np.ndarray): int16 ``[T, H, W]``: index of the object owning each visible
            pixel, -1 elsewhere (background, clutter, halos).
        object_classes (list[int]): Class index (0-based) of each on-screen object.
        sounding (np.ndarray): bool ``[T, N]``: object sounding at frame ``t`` (the end of
            second ``t``); this is what the masks show.
        audible (np.ndarray): bool ``[T, N]``: object heard at some moment of second ``t``.
        cue (np.ndarray): bool ``[T, N]``: object drawn with the activity halo.
        offscreen_class (int | None): Class of the off-screen source, if any.
        offscreen_audible (np.ndarray): bool ``[T]``: off-screen source heard in second ``t``.
        audio (np.ndarray): int16 ``[T * 16000]`` mono waveform.
        tags (list[list[str]]): Case tags of each frame.
    """
    frames: np.ndarray
    instances: np.ndarray
    object_classes: List[int]
    sounding: np.ndarray
    audible: np.ndarray
    cue: np.ndarray
    offscreen_class: Optional[int]
    offscreen_audible: np.ndarray
    audio: np.ndarray
    tags: List[List[str]]

    def semantic_masks(self) -> np.ndarray:
        """uint8 ``[T, H, W]``: class index + 1 on sounding objects' visible pixels, else 0."""
        T, n = self.sounding.shape
        lut = np.zeros((T, n + 1), np.uint8)  # column 0: background (instance -1)
        for i, c in enumerate(self.object_classes):
            lut[:, i + 1] = np.where(self.sounding[:, i], c + 1, 0)
        return lut[np.arange(T)[:, None, None], self.instances + 1]

    def audible_class_ids(self) -> List[int]:
        """Sorted classes heard at any moment of the clip, on or off screen."""
        ids = {c for i, c in enumerate(self.object_classes) if self.audible[:, i].any()}
        if self.offscreen_class is not None and self.offscreen_audible.any():
            ids.add(self.offscreen_class)
        return sorted(ids)


def make_clip(cfg: SyntheticAVSConfig, classes: Sequence[SyntheticClass],
              rng: np.random.Generator, num_frames: int, image_size: int,
              single_source: bool = False) -> SyntheticClip:
    """Generate one clip.

    Args:
        cfg (SyntheticAVSConfig): The knobs.
        classes (Sequence[SyntheticClass]): From :func:`build_classes`.
        rng (np.random.Generator): The clip's own generator (all randomness comes from it).
        num_frames (int): T, frames and seconds.
        image_size (int): Side of the square frames, pixels.
        single_source (bool): One object sounds in every second, the others never; no
            off-screen or silent clip (the AVSS ``v1s`` subset).

    Returns:
        SyntheticClip: Frames, instance maps, states, audio and tags.
    """
    T = num_frames
    object_classes, pair = _choose_objects(cfg, rng)
    n = len(object_classes)
    silent_clip = not single_source and rng.random() < cfg.p_silent_clip
    sounding, switch_at = _object_states(cfg, rng, n, T, pair, single_source, silent_clip)
    offscreen_class, off_states, off_switch = None, np.zeros(T, bool), np.zeros(T)
    hidden = sorted(set(range(cfg.num_classes)) - set(object_classes))
    if not (single_source or silent_clip) and hidden and rng.random() < cfg.p_offscreen:
        offscreen_class = int(rng.choice(hidden))
        off_states, off_switch = _markov_chain(cfg, rng, T, True)
    heard = [_heard_intervals(sounding[:, i], switch_at[:, i]) for i in range(n)]
    off_heard = _heard_intervals(off_states, off_switch)
    audible = np.stack([_audible_seconds(h, T) for h in heard], 1)
    offscreen_audible = _audible_seconds(off_heard, T)

    cue = np.where(sounding, rng.random((T, n)) >= cfg.p_cue_missing,
                   rng.random((T, n)) < cfg.p_cue_silent)
    frames, instances = _render(cfg, classes, rng, object_classes, cue, image_size)

    sources = [(classes[c], h) for c, h in zip(object_classes, heard)]
    if offscreen_class is not None:
        sources.append((classes[offscreen_class], off_heard))
    audio = _synthesise(cfg, rng, sources, T)
    clip = SyntheticClip(frames, instances, object_classes, sounding, audible, cue,
                         offscreen_class, offscreen_audible, audio, tags=[])
    clip.tags = _case_tags(clip)
    return clip


# --- scene ----------------------------------------------------------------------------------
def _rng(seed: int, *keys: int) -> np.random.Generator:
    """An independent generator for (seed, keys): same keys, same stream, on any machine."""
    return np.random.default_rng(np.random.SeedSequence([seed, *keys]))


def _choose_objects(cfg: SyntheticAVSConfig,
                    rng: np.random.Generator) -> Tuple[List[int], bool]:
    """Classes of the on-screen objects; objects 0 and 1 share a class when ``pair``."""
    n = int(rng.integers(cfg.min_objects, cfg.max_objects + 1))
    pair = cfg.max_objects >= 2 and rng.random() < cfg.p_same_class_pair
    if pair:
        n = max(n, 2)
    # Apart from the pair, classes are distinct, so same-class objects only come from pairs.
    distinct = rng.permutation(cfg.num_classes)[:n - 1 if pair else n].tolist()
    if pair:
        distinct.insert(1, distinct[0])
    return [int(c) for c in distinct], pair


def _markov_chain(cfg: SyntheticAVSConfig, rng: np.random.Generator, T: int,
                  start: Optional[bool] = None) -> Tuple[np.ndarray, np.ndarray]:
    """States at frame times, and where inside each second a flip happens (0 = boundary)."""
    first = rng.random() < cfg.p_sounding if start is None else start
    flips = rng.random(T - 1) < cfg.p_switch
    states = np.concatenate([[first], first ^ (np.cumsum(flips) % 2 == 1)]).astype(bool)
    inside = rng.random(T) < cfg.p_switch_inside
    where = rng.uniform(*_SWITCH_WINDOW, T)
    switch_at = np.zeros(T)
    changed = np.concatenate([[False], states[1:] != states[:-1]])
    switch_at[changed & inside] = where[changed & inside]
    return states, switch_at


def _object_states(cfg: SyntheticAVSConfig, rng: np.random.Generator, n: int, T: int,
                   pair: bool, single_source: bool,
                   silent_clip: bool) -> Tuple[np.ndarray, np.ndarray]:
    """``[T, N]`` sounding states at frame times and ``[T, N]`` switch moments."""
    sounding, switch_at = np.zeros((T, n), bool), np.zeros((T, n))
    if silent_clip:
        return sounding, switch_at
    if single_source:
        sounding[:, 0] = True
        return sounding, switch_at
    for i in range(n):
        sounding[:, i], switch_at[:, i] = _markov_chain(cfg, rng, T)
    if pair:
        # Exactly one of the pair sounds; a flip hands the sound over at the same moment.
        sounding[:, 1], switch_at[:, 1] = ~sounding[:, 0], switch_at[:, 0]
    return sounding, switch_at


def _heard_intervals(states: np.ndarray, switch_at: np.ndarray) -> List[Tuple[int, int]]:
    """Sample intervals ``[start, stop)`` in which a source sounds: second ``t`` keeps the
    previous state until ``switch_at[t]`` (0 = from the start of the second)."""
    intervals, start = [], 0 if states[0] else None
    for t in range(1, len(states)):
        if states[t] != states[t - 1]:
            cut = t * SAMPLE_RATE + int(round(switch_at[t] * SAMPLE_RATE))
            if states[t]:
                start = cut
            else:
                intervals.append((start, cut))
    if states[-1]:
        intervals.append((start, len(states) * SAMPLE_RATE))
    return intervals


def _audible_seconds(intervals: Sequence[Tuple[int, int]], T: int) -> np.ndarray:
    """bool ``[T]``: the source sounds at some moment of second ``t``."""
    starts = np.arange(T) * SAMPLE_RATE
    audible = np.zeros(T, bool)
    for a, b in intervals:
        audible |= (starts < b) & (starts + SAMPLE_RATE > a)
    return audible


def _shape_mask(shape: str, dx: np.ndarray, dy: np.ndarray, radius: float,
                pad: float) -> np.ndarray:
    """Pixels of a shape of ``radius`` grown by ``pad`` pixels (offset curves for halos)."""
    if shape == 'circle':
        return np.hypot(dx, dy) <= radius + pad
    if shape == 'cross':
        half, arm = 0.38 * radius + pad, radius + pad
        ax, ay = np.abs(dx), np.abs(dy)
        return ((ax <= half) & (ay <= arm)) | ((ax <= arm) & (ay <= half))
    sides, rotation, inradius = _POLYGONS[shape]
    angles = rotation + 2 * np.pi * np.arange(sides) / sides
    reach = np.max(dx[..., None] * np.cos(angles) + dy[..., None] * np.sin(angles), axis=-1)
    return reach <= inradius * radius + pad


def _trajectories(cfg: SyntheticAVSConfig, rng: np.random.Generator, radii: np.ndarray,
                  pads: np.ndarray, T: int, size: int) -> np.ndarray:
    """``[T, N, 2]`` centres (x, y): straight slow paths, kept apart where possible."""
    paths: List[np.ndarray] = []
    for r, pad in zip(radii, pads):
        margin = r + pad + 1
        best, best_gap = None, -np.inf
        for _ in range(50):  # rejection sampling; if nothing fits, the least overlapping path
            start = rng.uniform(margin, size - margin, 2)
            step = rng.normal(size=2)
            step *= cfg.motion * size * rng.uniform(0.3, 1.0) / (np.linalg.norm(step) + 1e-9)
            path = np.clip(start + step * np.arange(T)[:, None], margin, size - margin)
            # clearance to every placed object over all frames (>= 0: bodies and halos apart)
            gap = min((np.min(np.linalg.norm(path - p, axis=1)) - (r + rp + pad + pp)
                       for p, rp, pp in zip(paths, radii, pads)), default=np.inf)
            if gap > best_gap:
                best, best_gap = path, gap
            if gap >= 0:
                break
        paths.append(best)
    return np.stack(paths, 1)


def _render(cfg: SyntheticAVSConfig, classes: Sequence[SyntheticClass],
            rng: np.random.Generator, object_classes: List[int], cue: np.ndarray,
            size: int) -> Tuple[np.ndarray, np.ndarray]:
    """Frames ``[T, H, W, 3]`` uint8 and instance maps ``[T, H, W]`` int16."""
    T, n = cue.shape
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64) + 0.5
    background = _background(rng, xx, yy, size)
    distractors = _clutter(cfg, rng, xx, yy, size)
    radii = rng.uniform(*cfg.object_size, n) * size
    pads = np.maximum(1.0, cfg.cue_width * radii)
    centres = _trajectories(cfg, rng, radii, pads, T, size)

    frames = np.empty((T, size, size, 3), np.uint8)
    instances = np.full((T, size, size), -1, np.int16)
    for t in range(T):
        image = background.copy()
        for mask, grey in distractors:
            image[mask] = grey
        for i, c in enumerate(object_classes):
            # Work on the object's bounding window only (views: writes reach the frame).
            win = _window(centres[t, i], _REACH * radii[i] + 2 * pads[i], size)
            view, owner = image[win], instances[t][win]
            dx, dy = xx[win] - centres[t, i, 0], yy[win] - centres[t, i, 1]
            body = _shape_mask(classes[c].shape, dx, dy, radii[i], 0.0)
            if cue[t, i]:
                halo = _shape_mask(classes[c].shape, dx, dy, radii[i], pads[i]) & ~body
                view[halo] += cfg.cue_contrast * (255.0 - view[halo])
                owner[halo] = -1
            view[body] = classes[c].colour
            owner[body] = i
        image += cfg.background_noise * rng.standard_normal(image.shape, np.float32)
        frames[t] = np.clip(np.round(image), 0, 255).astype(np.uint8)
    return frames, instances


def _window(centre: np.ndarray, reach: float, size: int) -> Tuple[slice, slice]:
    """Rows and columns within ``reach`` pixels of ``centre`` (x, y), clipped to the frame."""
    x, y = centre
    return (slice(max(0, int(y - reach)), min(size, int(y + reach) + 2)),
            slice(max(0, int(x - reach)), min(size, int(x + reach) + 2)))


def _background(rng: np.random.Generator, xx: np.ndarray, yy: np.ndarray,
                size: int) -> np.ndarray:
    """A dark two-colour linear gradient (float ``[H, W, 3]``), so white halos stand out."""
    low, high = rng.uniform(15, 80, (2, 3))
    angle = rng.uniform(0, 2 * np.pi)
    ramp = (np.cos(angle) * xx + np.sin(angle) * yy) / size
    ramp = (ramp - ramp.min()) / (np.ptp(ramp) + 1e-9)
    return (low + (high - low) * ramp[..., None]).astype(np.float32)


def _clutter(cfg: SyntheticAVSConfig, rng: np.random.Generator, xx: np.ndarray,
             yy: np.ndarray, size: int) -> List[Tuple[np.ndarray, np.ndarray]]:
    """Static grey distractor shapes: (mask, RGB) pairs drawn behind the objects."""
    items = []
    for _ in range(int(rng.integers(0, cfg.clutter + 1))):
        shape = SHAPES[int(rng.integers(len(SHAPES)))]
        radius = rng.uniform(*cfg.object_size) * size * 0.8
        cx, cy = rng.uniform(0, size, 2)
        grey = rng.uniform(90, 170) + rng.uniform(-15, 15, 3)
        items.append((_shape_mask(shape, xx - cx, yy - cy, radius, 0.0), grey))
    return items


# --- sound ----------------------------------------------------------------------------------
def _synthesise(cfg: SyntheticAVSConfig, rng: np.random.Generator,
                sources: Sequence[Tuple[SyntheticClass, List[Tuple[int, int]]]],
                T: int) -> np.ndarray:
    """Mix the sources (each heard in its sample intervals) and background noise; int16
    ``[T * 16000]``. Nothing but noise outside the intervals, so silent seconds stay silent."""
    mix = np.zeros(T * SAMPLE_RATE)
    ramp = int(_RAMP_S * SAMPLE_RATE)
    for cls, intervals in sources:
        detune = rng.uniform(-cfg.pitch_jitter, cfg.pitch_jitter)
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


# --- tags -----------------------------------------------------------------------------------
def _case_tags(clip: SyntheticClip) -> List[List[str]]:
    """Per-frame tags, computed from the rendered frames (occlusion included)."""
    T, n = clip.sounding.shape
    classes = np.asarray(clip.object_classes)
    tags: List[List[str]] = []
    for t in range(T):
        frame_tags = []
        visible = np.array([(clip.instances[t] == i).any() for i in range(n)], bool)
        for c in np.unique(classes):
            group = visible & (classes == c)
            if group.sum() >= 2 and clip.sounding[t, group].sum() == 1:
                frame_tags.append('same_class_pair')
                break
        if t > 0 and (clip.sounding[t] != clip.sounding[t - 1]).any():
            frame_tags.append('state_transition')
        if not (clip.audible[t].any() or clip.offscreen_audible[t]):
            frame_tags.append('silent')
        if clip.offscreen_audible[t]:
            frame_tags.append('offscreen')
        tags.append(frame_tags)
    return tags


# --- writing --------------------------------------------------------------------------------
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
        progress (bool): Show a tqdm progress bar over clips.
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
    os.makedirs(root, exist_ok=True)
    layout_code = LAYOUTS.index(layout)
    summary: Dict[str, Any] = dict(layout=layout, classes=[c.name for c in classes],
                                   clips=dict(counts), frames={}, tags={})
    if layout == 'avss':
        summary['subsets'] = {}
    rows: List[List[str]] = []
    bar = tqdm(total=sum(counts.values()), desc=f'synthetic {layout}', unit='clip',
               disable=not progress)
    uid_index = 0  # AVSS clip folders carry no split, so indices run across splits
    for split_code, split in enumerate(SPLITS):
        n = counts[split]
        tag_count = dict.fromkeys(CASE_TAGS, 0)
        frames = 0
        if layout == 'avss':
            subsets = _avss_subsets(cfg, n, _rng(run['seed'], 2, split_code))
            summary['subsets'][split] = {s: subsets.count(s) for s in AVSS_FRAMES}
        for index in range(n):
            rng = _rng(run['seed'], 1, layout_code, split_code, index)
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
            bar.update(1)
        summary['frames'][split] = frames
        summary['tags'][split] = tag_count
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
    owned = ['ms3_data'] if layout == 'ms3' else list(AVSS_FRAMES)
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
    info = dict(generator='mmseg_avs.datasets.synthetic_avs', version=GENERATOR_VERSION,
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

Written by `mmseg_avs.datasets.synthetic_avs` (version {version}), preset `{preset}`,
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
""",
    'avss': """AVSBench-Semantic layout (class index k + 1 for class k, 0 = background;
colours from the VOC palette; v1s training clips have a mask for frame 0 only):

    metadata.csv, label2idx.json
    {label}/{uid}/frames/{0..T-1}.jpg          T = 10 for v2, 5 for v1m / v1s
    {label}/{uid}/labels_rgb/{i}.png
    {label}/{uid}/labels_semantic/{i}.png
    {label}/{uid}/audio.wav
""",
    'both': """Two data roots: `ms3/` (AVSBench-Objects MS3 layout, binary masks) and `avss/`
(AVSBench-Semantic layout, semantic masks); each has its own README and config.
""",
}
