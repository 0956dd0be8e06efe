"""Reference predictors on a synthetic test set, scored with the same metric as the models.

Each picks, in every frame, a set of on-screen objects from what the generator recorded
(:class:`~mmseg_avs.datasets.synthetic.ClipObjects`) and segments them: no model, so they
bound what a score means. ``every object`` is what a model ignoring the audio would aim for;
``nothing`` predicts empty masks; ``cue only`` takes the objects showing the activity halo
(a proxy for the best vision alone can do); ``class heard`` takes the objects whose class is
heard at some moment of the second (perfect hearing of classes, no idea which twin),
``class heard, twins by halo`` breaks ties between same-class objects by the halo, and
``instance heard`` takes the objects themselves heard during the second. A model above
``class heard`` on same-class-pair frames has matched the sound to an instance; above
``instance heard`` on state-transition frames it has used *when* in the second a sound
stopped (the mask shows the end of the second).
"""
from typing import Callable, Dict

import numpy as np
import torch
from mmengine.dataset import BaseDataset

from ..datasets.synthetic import ClipObjects, clip_objects_path
from ..evaluation.avs_metric import AVSMetric

Predictor = Callable[[ClipObjects, int], np.ndarray]  # (record, frame) -> bool [N] objects


def every_object(objects: ClipObjects, t: int) -> np.ndarray:
    """Every object, sounding or not."""
    return np.ones(len(objects.object_classes), bool)


def nothing(objects: ClipObjects, t: int) -> np.ndarray:
    """No object."""
    return np.zeros(len(objects.object_classes), bool)


def cue_only(objects: ClipObjects, t: int) -> np.ndarray:
    """The objects drawn with the activity halo in frame ``t``."""
    return objects.cue[t].copy()


def class_heard(objects: ClipObjects, t: int) -> np.ndarray:
    """The objects whose class is heard at some moment of second ``t``."""
    return objects.heard_classes(t)


def class_heard_twins_by_halo(objects: ClipObjects, t: int) -> np.ndarray:
    """``class heard``, but of several visible objects of one heard class, those showing the
    halo (all of them if none does)."""
    keep = objects.heard_classes(t)
    visible = np.array([(objects.instances[t] == i).any()
                        for i in range(len(objects.object_classes))])
    for c in np.unique(objects.object_classes[keep & visible]):
        same = keep & visible & (objects.object_classes == c)
        if same.sum() > 1 and (same & objects.cue[t]).any():
            keep &= ~same | objects.cue[t]
    return keep


def instance_heard(objects: ClipObjects, t: int) -> np.ndarray:
    """The objects heard at some moment of second ``t`` (not the state at its end)."""
    return objects.audible[t].copy()


REFERENCE_PREDICTORS: Dict[str, Predictor] = {
    'every object': every_object,
    'nothing': nothing,
    'cue only': cue_only,
    'class heard': class_heard,
    'class heard, twins by halo': class_heard_twins_by_halo,
    'instance heard': instance_heard,
}


def score_reference(dataset: BaseDataset, predict: Predictor) -> dict:
    """The test metrics (``'dataset'`` protocol) of a predictor on every frame.

    Args:
        dataset (BaseDataset): A synthetic test set (MS3 layout: binary masks; AVSS layout:
            class ``k`` as label ``k + 1``), built with its test pipeline (the ground truth
            is read through it), with the generator's object records under its data root.
        predict (Predictor): Which objects to segment in a frame.

    Returns:
        dict: What :class:`AVSMetric` computes.
    """
    num_classes = len(dataset.metainfo['classes'])
    metric = AVSMetric(protocol='dataset', num_classes=num_classes)
    metric.dataset_meta = dataset.metainfo
    for idx in range(len(dataset)):
        clip = dataset[idx]
        objects = ClipObjects.load(clip_objects_path(dataset.data_root,
                                                     dataset.get_data_info(idx)['clip_id']))
        # label of each object's pixels: 1 (binary) or its class + 1; -1 (background) -> 0
        labels = (np.ones_like(objects.object_classes) if num_classes == 2
                  else objects.object_classes + 1)
        frames = []
        for t, sample in enumerate(clip['data_samples']):
            shape = sample.gt_sem_seg.data.shape[-2:]
            if t < len(objects.instances):  # slots past the clip are padding: nothing
                lut = np.concatenate([[0], np.where(predict(objects, t), labels, 0)])
                pred = torch.from_numpy(lut[objects.instances[t] + 1]).long()[None]
            else:
                pred = torch.zeros((1, *shape), dtype=torch.long)
            logits = torch.nn.functional.one_hot(pred[0], num_classes).permute(2, 0, 1).float()
            frames.append(dict(sample.metainfo, gt_sem_seg=dict(data=sample.gt_sem_seg.data),
                               pred_sem_seg=dict(data=pred), seg_logits=dict(data=logits)))
        metric.process({}, frames)
    return metric.compute_metrics(metric.results)
