"""Rendering of the frames: shape masks, background, clutter, object paths and halos."""
import math
from typing import List, Sequence, Tuple

import numpy as np

from .classes import SyntheticClass
from .knobs import SyntheticAVSConfig
from .looks import SHAPES

# Regular polygons: (sides, angle of the first edge normal, inradius / object radius).
_POLYGONS = {'square': (4, 0.0, 0.8), 'diamond': (4, math.pi / 4, 0.85),
             'triangle': (3, math.pi / 2, 0.55), 'hexagon': (6, 0.0, 0.9)}
# A shape of radius r grown by p pixels lies within _REACH * r + 2 * p of its centre (the
# worst case is a triangle's corner, 1.1 r + 2 p: offset polygons keep sharp corners).
_REACH = 1.25


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


def render_frames(cfg: SyntheticAVSConfig, classes: Sequence[SyntheticClass],
                  rng: np.random.Generator, object_classes: List[int], cue: np.ndarray,
                  size: int, twins: bool) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Frames ``[T, H, W, 3]`` uint8, instance maps ``[T, H, W]`` int16 and each object's
    size place ``[N]`` in [0, 1] (0 = smallest of ``object_size``; objects 0 and 1 are the
    twins when ``twins``)."""
    T, n = cue.shape
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64) + 0.5
    background = _background(rng, xx, yy, size)
    distractors = _clutter(cfg, rng, xx, yy, size)
    places = size_places(cfg, rng, n, twins)
    low, high = cfg.object_size
    radii = (low + (high - low) * places) * size
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
    return frames, instances, places


def size_places(cfg: SyntheticAVSConfig, rng: np.random.Generator, n: int,
                twins: bool = False) -> np.ndarray:
    """``[n]`` places of object sizes in the ``object_size`` range, uniform in [0, 1]; with
    ``twins`` and a ``twin_size_gap``, objects 0 and 1 are one small and one large."""
    places = rng.random(n)
    if twins and cfg.twin_size_gap > 0:
        half = (1 - cfg.twin_size_gap) / 2
        small, large = rng.uniform(0, half), rng.uniform(1 - half, 1)
        places[:2] = (small, large) if rng.random() < 0.5 else (large, small)
    return places


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
