"""The per-object record of a generated clip, written beside the data (outside the published
layouts; no loader or model reads it): who is where, of which class and size, sounding at
the frame, heard during the second, and showing the halo. The benchmark's reference
predictors and the audio-only probe read it (:mod:`mmseg_avs.analysis`)."""
import os.path as osp
from dataclasses import dataclass
from typing import Optional

import numpy as np

from .scene import SyntheticClip

OBJECTS_DIR = 'synthetic_objects'


@dataclass
class ClipObjects:
    """What the generator knows of each on-screen object of a clip (N objects, T frames).

    Args:
        instances (np.ndarray): int16 ``[T, H, W]``: the object owning each visible pixel,
            -1 elsewhere.
        object_classes (np.ndarray): int ``[N]``: class index (0-based; semantic label + 1).
        object_sizes (np.ndarray): float ``[N]``: size place in [0, 1] (1 = largest).
        sounding (np.ndarray): bool ``[T, N]``: sounding at frame ``t`` (what the masks show).
        audible (np.ndarray): bool ``[T, N]``: heard at some moment of second ``t``.
        cue (np.ndarray): bool ``[T, N]``: drawn with the activity halo in frame ``t``.
        offscreen_class (int | None): Class of the off-screen source, if any.
        offscreen_audible (np.ndarray): bool ``[T]``: the off-screen source heard in second t.
    """
    instances: np.ndarray
    object_classes: np.ndarray
    object_sizes: np.ndarray
    sounding: np.ndarray
    audible: np.ndarray
    cue: np.ndarray
    offscreen_class: Optional[int]
    offscreen_audible: np.ndarray

    @classmethod
    def of_clip(cls, clip: SyntheticClip) -> 'ClipObjects':
        """The record of a generated clip."""
        return cls(clip.instances, np.asarray(clip.object_classes), clip.object_sizes,
                   clip.sounding, clip.audible, clip.cue, clip.offscreen_class,
                   clip.offscreen_audible)

    def heard_class_ids(self, t: int) -> np.ndarray:
        """Sorted classes heard at some moment of second ``t``, on screen or off."""
        heard = set(self.object_classes[self.audible[t]].tolist())
        if self.offscreen_class is not None and self.offscreen_audible[t]:
            heard.add(self.offscreen_class)
        return np.array(sorted(heard), int)

    def heard_classes(self, t: int) -> np.ndarray:
        """bool ``[N]``: the object's class is heard at some moment of second ``t`` (from any
        object of that class)."""
        return np.isin(self.object_classes, self.heard_class_ids(t))

    def save(self, path: str) -> None:
        """Write the record as a compressed ``.npz`` (``offscreen_class`` -1 for none)."""
        fields = dict(vars(self), offscreen_class=-1 if self.offscreen_class is None
                      else self.offscreen_class)
        with open(path, 'wb') as f:
            np.savez_compressed(f, **fields)

    @classmethod
    def load(cls, path: str) -> 'ClipObjects':
        """Read a record written by :meth:`save`.

        Raises:
            FileNotFoundError: No record (only the synthetic generator writes them).
        """
        if not osp.isfile(path):
            raise FileNotFoundError(f'{path}: no object record (the synthetic generator '
                                    f'writes them under {OBJECTS_DIR}/ beside the data)')
        with np.load(path) as data:
            fields = {k: data[k] for k in data.files}
        off = int(fields['offscreen_class'])
        return cls(**dict(fields, offscreen_class=None if off < 0 else off))


def clip_objects_path(data_root: str, clip_id: str) -> str:
    """Where the record of clip ``clip_id`` (the data info's ``clip_id``) lies."""
    return osp.join(data_root, OBJECTS_DIR, f'{clip_id}.npz')
