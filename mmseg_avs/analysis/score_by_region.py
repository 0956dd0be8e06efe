"""Where does a binary model put its foreground score: on the sounding object, on a silent one?

For every test frame (or only those with a case tag) the pixels are split into *sounding* (the
ground-truth mask), *silent object* (a visible object outside the mask) and *background*, and
the model's foreground score (what the 'avsbench' protocol thresholds: sigmoid of a 1-channel
logit, softmax[1] of two) is summarised:

- ``mean@region``: mean over frames of the region's mean score;
- ``above_half@region``: mean over frames of the region's share of pixels scoring > 0.5, the
  share the prediction keeps (``pred_sem_seg`` thresholds at 0.5);
- ``auc_silent`` / ``auc_background``: mean over frames of the probability that a sounding
  pixel outscores a silent-object / background pixel (ties count one half);
- ``empty``: the share of frames in which no pixel scores > 0.5.

Needs the MS3 layout's ``object_masks`` folder (written by the synthetic generator next to
``gt_masks``). The command line is ``tools/analysis/score_by_region.py``.
"""
from collections import defaultdict
from typing import Dict, Iterable, List, Optional

import mmcv
import numpy as np
import torch

from ..datasets.synthetic import object_mask_path
from ..evaluation.avs_metric import foreground_scores
from .rank_auc import pairwise_auc

COLUMNS = ('frames', 'empty', 'mean@sounding', 'mean@silent', 'mean@background',
           'above_half@sounding', 'above_half@silent', 'above_half@background', 'auc_silent',
           'auc_background')


def frame_measures(scores: np.ndarray, sounding: np.ndarray,
                   silent: np.ndarray) -> Dict[str, float]:
    """The measures of one frame (NaN for a region without pixels).

    Args:
        scores (np.ndarray): ``[H, W]`` foreground scores.
        sounding (np.ndarray): ``[H, W]`` bool ground-truth mask.
        silent (np.ndarray): ``[H, W]`` bool mask of the visible objects (the sounding one may
            be among them).

    Returns:
        dict: Each of :data:`COLUMNS` but ``frames``.
    """
    masks = dict(sounding=sounding, silent=silent & ~sounding, background=~(sounding | silent))
    measures = dict(empty=float(not (scores > 0.5).any()))
    for region, mask in masks.items():
        values = scores[mask]
        measures[f'mean@{region}'] = float(values.mean()) if values.size else float('nan')
        measures[f'above_half@{region}'] = (float((values > 0.5).mean()) if values.size
                                            else float('nan'))
    measures['auc_silent'] = pairwise_auc(scores[masks['sounding']], scores[masks['silent']])
    measures['auc_background'] = pairwise_auc(scores[masks['sounding']],
                                              scores[masks['background']])
    return measures


def analyse(model: torch.nn.Module, dataloader: Iterable,
            tag: Optional[str] = None) -> Dict[str, float]:
    """Mean of each frame measure over the test frames (those with ``tag`` if given).

    Args:
        model (torch.nn.Module): A binary segmentor in eval mode.
        dataloader (Iterable): The test batches.
        tag (str, optional): Only frames with this case tag count; None: every frame.

    Returns:
        dict: Each of :data:`COLUMNS`.
    """
    values: Dict[str, List[float]] = defaultdict(list)
    for batch in dataloader:
        with torch.no_grad():
            outputs = model.test_step(batch)
        for sample in outputs:
            if tag is not None and tag not in sample.metainfo.get('case_tags', []):
                continue
            path = sample.metainfo['seg_map_path']
            scores = foreground_scores(sample.seg_logits.data, path)
            sounding = mmcv.imread(path, 'unchanged') > 0
            silent = mmcv.imread(object_mask_path(path), 'unchanged') > 0
            if scores.shape != sounding.shape:
                raise ValueError(f'{path}: scores {scores.shape} vs mask {sounding.shape}')
            for name, value in frame_measures(scores, sounding, silent).items():
                values[name].append(value)
    if not values:
        raise ValueError(f'no test frame with the case tag {tag!r}')
    summary = {name: float(np.nanmean(v)) if np.isfinite(v).any() else float('nan')
               for name, v in values.items()}
    summary['frames'] = len(values['empty'])
    return summary


def markdown(per_checkpoint: List[Dict[str, float]], checkpoints: List[str],
             tag: Optional[str]) -> str:
    """One table row per checkpoint (collapsed and healthy seeds differ too much for a mean).

    Args:
        per_checkpoint (list[dict]): What :func:`analyse` returns, per checkpoint.
        checkpoints (list[str]): The checkpoints' paths, the rows' labels.
        tag (str, optional): The frames' case tag; None: every frame.

    Returns:
        str: The paragraph and table.
    """
    frames = f'`{tag}` frames' if tag else 'all test frames'
    lines = [f'Foreground score by region on {frames}, one row per checkpoint (means over '
             'frames; empty and above-half in %):', '',
             '| checkpoint | ' + ' | '.join(COLUMNS) + ' |',
             '| --- ' * (len(COLUMNS) + 1) + '|']
    for checkpoint, r in zip(checkpoints, per_checkpoint):
        cells = []
        for name in COLUMNS:
            value = r[name]
            if name == 'frames':
                cells.append(str(value))
            elif name == 'empty' or name.startswith('above_half'):
                cells.append(f'{100 * value:.1f}')
            else:
                cells.append(f'{value:.3f}')
        lines.append(f'| {checkpoint} | ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines) + '\n'
