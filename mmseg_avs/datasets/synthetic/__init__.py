"""Synthetic audio-visual segmentation data, written in the AVSBench layouts.

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
It uses numpy, PIL and soundfile, and no MMSeg registry.

Modules, each importing only those before it: ``looks`` (shapes, colours), ``knobs``
(:class:`SyntheticAVSConfig`, presets), ``classes`` (the class catalogue), ``render`` (frames),
``audio`` (sound), ``scene`` (:func:`make_clip`), ``objects`` (the per-object record written
beside the data) and ``writers`` (the layouts).
"""
from .audio import SAMPLE_RATE
from .classes import SyntheticClass, build_classes
from .knobs import PRESETS, SyntheticAVSConfig
from .looks import COLOURS, MAX_CLASSES, SHAPES
from .objects import OBJECTS_DIR, ClipObjects, clip_objects_path
from .scene import SyntheticClip, make_clip
from .writers import (AVSS_FRAMES, DEFAULT_NUM_CLIPS, GENERATOR_VERSION, LAYOUTS, MS3_FRAMES,
                      SPLITS, generate_synthetic_avs, object_mask_path)

__all__ = [
    'AVSS_FRAMES', 'COLOURS', 'ClipObjects', 'DEFAULT_NUM_CLIPS', 'GENERATOR_VERSION', 'LAYOUTS',
    'MAX_CLASSES', 'MS3_FRAMES', 'OBJECTS_DIR', 'PRESETS', 'SAMPLE_RATE', 'SHAPES', 'SPLITS',
    'SyntheticAVSConfig', 'SyntheticClass', 'SyntheticClip', 'build_classes', 'clip_objects_path',
    'generate_synthetic_avs', 'make_clip', 'object_mask_path'
]
