"""Scene simulation: the objects of a clip, their sounding states, audio and case tags."""
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import numpy as np

from .audio import SAMPLE_RATE, synthesise_audio
from .classes import SyntheticClass
from .knobs import SyntheticAVSConfig
from .render import render_frames, size_places


@dataclass
class SyntheticClip:
    """One generated clip, before it is written in a layout.

    Args:
        frames (np.ndarray): uint8 ``[T, H, W, 3]`` RGB frames.
        instances (np.ndarray): int16 ``[T, H, W]``: index of the object owning each visible
            pixel, -1 elsewhere (background, clutter, halos).
        object_classes (list[int]): Class index (0-based) of each on-screen object.
        object_sizes (np.ndarray): float ``[N]``: each object's size place in [0, 1] (0 = the
            smallest radius of ``object_size``, 1 = the largest).
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
    object_sizes: np.ndarray
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
    frames, instances, sizes = render_frames(cfg, classes, rng, object_classes, cue,
                                             image_size, twins=pair)

    sources = [(classes[c], _size_shift(cfg, u), h)
               for c, u, h in zip(object_classes, sizes, heard)]
    if offscreen_class is not None:  # an unseen object of some size
        unseen = size_places(cfg, rng, 1)[0] if cfg.size_pitch else 0.5
        sources.append((classes[offscreen_class], _size_shift(cfg, unseen), off_heard))
    audio = synthesise_audio(cfg, rng, sources, T)
    clip = SyntheticClip(frames, instances, object_classes, sizes, sounding, audible, cue,
                         offscreen_class, offscreen_audible, audio, tags=[])
    clip.tags = _case_tags(clip)
    return clip


def _size_shift(cfg: SyntheticAVSConfig, place: float) -> float:
    """Pitch shift (semitones) of an object at ``place`` in the size range: larger, lower."""
    return cfg.size_pitch * (0.5 - place)


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
    where = rng.uniform(*cfg.switch_window, T)
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
