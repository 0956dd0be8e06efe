"""Trivial predictors on a binary test set, scored with the same metric as the models.

They bound what a score means: ``every object`` segments every visible object, sounding or not
(what a model that ignores which object is heard would aim for), ``nothing`` predicts empty
masks. ``every object`` needs the synthetic generator's ``object_masks``.
"""
from typing import Callable, Dict

import mmcv
import numpy as np
import torch
from mmengine.dataset import BaseDataset

from ..datasets.synthetic import object_mask_path
from ..evaluation.avs_metric import AVSMetric

Predictor = Callable[[dict, int], np.ndarray]  # (clip data info, frame index) -> 0/1 mask


def every_object_mask(info: dict, t: int) -> np.ndarray:
    """Every visible object of frame ``t``, sounding or not.

    Args:
        info (dict): The clip's data info (``seg_map_paths``, next to ``object_masks``).
        t (int): The frame index.

    Returns:
        np.ndarray: The 0/1 mask.
    """
    path = object_mask_path(info['seg_map_paths'][t])
    return (mmcv.imread(path, flag='unchanged') != 0).astype(np.uint8)


def empty_mask(info: dict, t: int) -> np.ndarray:
    """No foreground at all.

    Args:
        info (dict): The clip's data info (``img_paths``: the frame gives the size).
        t (int): The frame index.

    Returns:
        np.ndarray: An all-zero mask.
    """
    return np.zeros(mmcv.imread(info['img_paths'][t]).shape[:2], np.uint8)


TRIVIAL_PREDICTORS: Dict[str, Predictor] = {'every object': every_object_mask,
                                            'nothing': empty_mask}


def score_trivial(dataset: BaseDataset, predict: Predictor) -> dict:
    """The test metrics (``'dataset'`` protocol, binary) of a mask rule on every frame.

    Args:
        dataset (BaseDataset): A binary AVS test set (e.g. the MS3 layout), built with its
            test pipeline (the ground truth is read through it).
        predict (Predictor): The rule: clip data info and frame index to a 0/1 mask.

    Returns:
        dict: What :class:`AVSMetric` computes.
    """
    metric = AVSMetric(protocol='dataset', num_classes=2)
    metric.dataset_meta = dataset.metainfo
    for idx in range(len(dataset)):
        clip = dataset[idx]
        frames = []
        for t, sample in enumerate(clip['data_samples']):
            pred = torch.from_numpy(predict(dataset.get_data_info(idx), t)).long()[None]
            logits = torch.stack([1.0 - pred[0], pred[0]]).float()
            frames.append(dict(sample.metainfo, gt_sem_seg=dict(data=sample.gt_sem_seg.data),
                               pred_sem_seg=dict(data=pred), seg_logits=dict(data=logits)))
        metric.process({}, frames)
    return metric.compute_metrics(metric.results)
