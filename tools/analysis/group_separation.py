"""Do the AMA groups separate a sounding object from a silent object of the same class?

    python tools/analysis/group_separation.py CONFIG CHECKPOINT [CHECKPOINT ...] --out DIR
        [--tag same_class_pair] [--cfg-options ...]

For every test frame with the case tag (default ``same_class_pair``: two objects of one class on
screen, only one of them heard), each visual token of each AMA stage is labelled *sounding* (at
least half its area in the ground-truth mask), *silent object* (at least half in a visible object
that is not in the mask) or neither. Per stage it reports:

- ``purity``: over the groups holding tokens of either object, sum of max(sounding, silent) /
  sum of (sounding + silent). 1: no group mixes the two objects; 0.5: every group mixes them
  evenly. ``chance`` is the same with the group labels shuffled over the tokens, so the gap
  says whether grouping separates the pair better than group sizes alone would.
- ``auc_relevance``: the probability that a sounding token's audio-conditioned relevance S
  (the score AMA merges with) exceeds a silent-object token's (ties count one half); 0.5 means
  the audio does not tell the two objects apart.
- ``auc_response`` (last AMA stage only): the same for the audio response A of the token's
  group (cosine between the group feature and the projected audio, as the contrastive loss
  scores it).

Needs the MS3 layout's ``object_masks`` folder (written by the synthetic generator next to
``gt_masks``). With several checkpoints (seeds) the table is the mean ± sample std over them.
Writes ``group_separation.json`` and ``group_separation.md`` to ``--out``; the
pictures of the groups are ``tools/analysis/show_clips.py --tag same_class_pair``.
"""
import os.path as osp
import sys
from collections import defaultdict
from typing import Dict, List

import mmcv
import numpy as np
import torch
import torch.nn.functional as F

from mmseg_avs.datasets.synthetic import object_mask_path

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from checkpoint_analysis import (analyse_checkpoints, parse_checkpoint_args,  # noqa: E402
                                 write_report)

SOUNDING, SILENT = 1, 2


def token_roles(sounding: np.ndarray, silent: np.ndarray, grid: tuple) -> np.ndarray:
    """``[h*w]`` role per token (0 neither, 1 sounding, 2 silent object) from two ``[H, W]``
    bool masks: the role whose mask covers at least half of the token's area."""
    masks = torch.from_numpy(np.stack([sounding, silent]).astype(np.float32))[None]
    share = F.adaptive_avg_pool2d(masks, grid)[0].flatten(1).numpy()  # [2, h*w]
    roles = np.zeros(share.shape[1], np.int64)
    roles[share[0] >= 0.5] = SOUNDING
    roles[share[1] >= 0.5] = SILENT
    return roles


def pair_purity(labels: np.ndarray, roles: np.ndarray) -> float:
    """Σ_g max(S_g, Q_g) / Σ_g (S_g + Q_g) over groups g, with S_g and Q_g the group's sounding
    and silent-object tokens; NaN without tokens of either object."""
    sounding = np.bincount(labels[roles == SOUNDING], minlength=labels.max() + 1)
    silent = np.bincount(labels[roles == SILENT], minlength=labels.max() + 1)
    total = (sounding + silent).sum()
    return float(np.maximum(sounding, silent).sum() / total) if total else float('nan')


def chance_purity(labels: np.ndarray, roles: np.ndarray, rng: np.random.Generator,
                  draws: int = 50) -> float:
    """Mean :func:`pair_purity` with the group labels permuted over the tokens."""
    return float(np.mean([pair_purity(rng.permutation(labels), roles) for _ in range(draws)]))


def pairwise_auc(positive: np.ndarray, negative: np.ndarray) -> float:
    """P(a positive score > a negative score) + P(equal) / 2; NaN if either side is empty.

    Counted by ranks (``searchsorted`` in the sorted negatives), so whole masks of pixels fit.
    """
    if not positive.size or not negative.size:
        return float('nan')
    negative = np.sort(negative.ravel())
    below = np.searchsorted(negative, positive.ravel(), side='left')
    not_above = np.searchsorted(negative, positive.ravel(), side='right')
    return float((below.sum() + 0.5 * (not_above - below).sum()) / (positive.size * negative.size))


def analyse(model: torch.nn.Module, dataloader, tag: str, seed: int = 0) -> Dict[str, dict]:
    """Per AMA stage, the mean purity, chance purity and AUCs over the tagged frames."""
    backbone = model.backbone
    stages = sorted(backbone.ama_stages)
    if not stages:
        raise ValueError('the model has no AMA stage (no groups to analyse)')
    rng = np.random.default_rng(seed)
    values: Dict[str, Dict[str, List[float]]] = defaultdict(lambda: defaultdict(list))
    for batch in dataloader:
        with torch.no_grad():
            data = model.data_preprocessor(batch, False)
            tokens, embedding = model.encode_audio(data['audio'])
            features = backbone(data['inputs'], tokens)
            groups, valid, audio_vec = backbone.alignment_features(features.ama, embedding)
            response = torch.einsum('nd,npd->np', F.normalize(audio_vec, dim=-1),
                                    F.normalize(groups, dim=-1)).masked_fill(~valid, 0)
        for i, sample in enumerate(data['data_samples']):
            if tag not in sample.metainfo.get('case_tags', []):
                continue
            path = sample.metainfo['seg_map_path']
            sounding = mmcv.imread(path, 'unchanged') > 0
            silent = (mmcv.imread(object_mask_path(path), 'unchanged') > 0) & ~sounding
            for stage in stages:
                roles = token_roles(sounding, silent, tuple(features.feats[stage].shape[-2:]))
                labels = features.ama[stage].labels[i].cpu().numpy()
                scores = features.ama[stage].scores[i].cpu().numpy()
                entry = values[f'stage {stage + 1}']
                entry['purity'].append(pair_purity(labels, roles))
                entry['chance'].append(chance_purity(labels, roles, rng))
                entry['auc_relevance'].append(
                    pairwise_auc(scores[roles == SOUNDING], scores[roles == SILENT]))
                if stage == stages[-1]:
                    token_response = response[i].cpu().numpy()[labels]
                    entry['auc_response'].append(pairwise_auc(
                        token_response[roles == SOUNDING], token_response[roles == SILENT]))
    return {stage: dict({name: float(np.nanmean(v)) if np.isfinite(v).any() else float('nan')
                         for name, v in entry.items()},
                        frames=int(np.isfinite(entry['purity']).sum()))
            for stage, entry in values.items()}


def summarise(per_checkpoint: List[Dict[str, dict]]) -> Dict[str, dict]:
    """Per stage and measure, the mean and sample std over the checkpoints (e.g. seeds)."""
    summary = {}
    for stage in per_checkpoint[0]:
        runs = [r[stage] for r in per_checkpoint]
        summary[stage] = {'frames': runs[0]['frames']}
        for name in runs[0]:
            if name == 'frames':
                continue
            v = np.array([r[name] for r in runs], dtype=float)
            summary[stage][name] = dict(mean=float(v.mean()),
                                        std=float(v.std(ddof=1)) if v.size > 1 else 0.0)
    return summary


def markdown(summary: Dict[str, dict], tag: str, num_checkpoints: int) -> str:
    spread = f', mean ± sample std over {num_checkpoints} checkpoints' if num_checkpoints > 1 \
        else ''
    lines = [f'AMA groups on `{tag}` frames (tokens at least half inside the sounding or the '
             f'silent object){spread}:', '',
             '| stage | frames | purity | chance purity | AUC relevance S | AUC group response A |',
             '| --- | --- | --- | --- | --- | --- |']
    for stage, r in summary.items():
        cells = []
        for k in ('purity', 'chance', 'auc_relevance', 'auc_response'):
            if k not in r or not np.isfinite(r[k]['mean']):
                cells.append('–')
            else:
                cells.append(f"{r[k]['mean']:.3f}"
                             + (f" ± {r[k]['std']:.3f}" if num_checkpoints > 1 else ''))
        lines.append(f"| {stage} | {r['frames']} | " + ' | '.join(cells) + ' |')
    return '\n'.join(lines) + '\n'


def main(argv=None) -> Dict[str, dict]:
    args = parse_checkpoint_args(__doc__.split('\n')[0], 'same_class_pair',
                                 'case tag of the frames', argv)
    per_checkpoint = analyse_checkpoints(args, analyse)
    summary = summarise(per_checkpoint)
    write_report(args, 'group_separation', markdown(summary, args.tag, len(args.checkpoints)),
                 per_checkpoint=per_checkpoint, summary=summary)
    return summary


if __name__ == '__main__':
    main()
