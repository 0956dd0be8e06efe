"""The class catalogue: each class's look (shape, colour) and sound (pitch, timbre)."""
from dataclasses import dataclass
from typing import List, Tuple

import numpy as np

from .knobs import SyntheticAVSConfig, seeded_rng
from .looks import COLOURS, SHAPES


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
    rng = seeded_rng(seed, 0)
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
