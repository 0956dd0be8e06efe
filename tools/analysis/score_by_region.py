"""Where does a binary model put its foreground score: on the sounding object, on a silent one?

    python tools/analysis/score_by_region.py CONFIG CHECKPOINT [CHECKPOINT ...] --out DIR
        [--tag TAG] [--cfg-options ...]

For every test frame (or only those with the case tag ``--tag``) the pixels are split into
*sounding* (the ground-truth mask), *silent object* (a visible object outside the mask) and
*background*, and the model's foreground score (what the 'avsbench' protocol thresholds:
sigmoid of a 1-channel logit, softmax[1] of two) is summarised per checkpoint:

- ``mean@region``: mean over frames of the region's mean score;
- ``above_half@region``: mean over frames of the region's share of pixels scoring > 0.5, the
  share the prediction keeps (``pred_sem_seg`` thresholds at 0.5);
- ``auc_silent`` / ``auc_background``: mean over frames of the probability that a sounding
  pixel outscores a silent-object / background pixel (ties count one half);
- ``empty``: the share of frames in which no pixel scores > 0.5.

A model that ranks the sounding pixels first (AUCs near 1) but keeps them under 0.5 predicts
empty masks although it has located the object: its J and F at 0.5 say nothing about its
ranking. Needs the MS3 layout's ``object_masks`` folder (written by the synthetic generator
next to ``gt_masks``). Writes ``score_by_region.json`` and ``score_by_region.md`` (one row per
checkpoint: collapsed and healthy seeds differ too much for a mean) to ``--out``.
"""
import os.path as osp
import sys
from collections import defaultdict
from typing import Dict, List, Optional

import mmcv
import numpy as np
import torch

from mmseg_avs.datasets.synthetic import object_mask_path
from mmseg_avs.evaluation.avs_metric import foreground_scores

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from checkpoint_analysis import (analyse_checkpoints, parse_checkpoint_args,  # noqa: E402
                                 write_report)
from group_separation import pairwise_auc  # noqa: E402

COLUMNS = ('frames', 'empty', 'mean@sounding', 'mean@silent', 'mean@background',
           'above_half@sounding', 'above_half@silent', 'above_half@background', 'auc_silent',
           'auc_background')


def frame_measures(scores: np.ndarray, sounding: np.ndarray,
                   silent: np.ndarray) -> Dict[str, float]:
    """The measures of one frame from its ``[H, W]`` scores and bool masks (NaN for a region
    without pixels)."""
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


def analyse(model: torch.nn.Module, dataloader, tag: Optional[str] = None) -> Dict[str, float]:
    """Mean of each frame measure over the test frames (those with ``tag`` if given)."""
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


def main(argv=None) -> List[Dict[str, float]]:
    args = parse_checkpoint_args(__doc__.split('\n')[0], None,
                                 'only frames with this case tag (default: all)', argv)
    per_checkpoint = analyse_checkpoints(args, analyse)
    write_report(args, 'score_by_region', markdown(per_checkpoint, args.checkpoints, args.tag),
                 per_checkpoint=per_checkpoint)
    return per_checkpoint


if __name__ == '__main__':
    main()
