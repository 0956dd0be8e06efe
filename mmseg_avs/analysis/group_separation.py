"""Do the AMA groups separate a sounding object from a silent object of the same class?

For every test frame with a case tag (``same_class_pair``: two objects of one class on screen,
only one of them heard), each visual token of each AMA stage is labelled *sounding* (at least
half its area in the ground-truth mask), *silent object* (at least half in a visible object
that is not in the mask) or neither. Per stage:

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
``gt_masks``). The command line is ``tools/analysis/group_separation.py``.
"""
from collections import defaultdict
from typing import Dict, Iterable, List, Tuple

import mmcv
import numpy as np
import torch
import torch.nn.functional as F

from ..datasets.synthetic import object_mask_path
from .rank_auc import pairwise_auc

SOUNDING, SILENT = 1, 2


def token_roles(sounding: np.ndarray, silent: np.ndarray, grid: Tuple[int, int]) -> np.ndarray:
    """``[h*w]`` role per token (0 neither, 1 sounding, 2 silent object) from two ``[H, W]``
    bool masks: the role whose mask covers at least half of the token's area.

    Args:
        sounding (np.ndarray): ``[H, W]`` bool mask of the sounding object.
        silent (np.ndarray): ``[H, W]`` bool mask of the silent object.
        grid (tuple[int, int]): The token grid ``(h, w)``.

    Returns:
        np.ndarray: ``[h*w]`` int64 roles.
    """
    masks = torch.from_numpy(np.stack([sounding, silent]).astype(np.float32))[None]
    share = F.adaptive_avg_pool2d(masks, grid)[0].flatten(1).numpy()  # [2, h*w]
    roles = np.zeros(share.shape[1], np.int64)
    roles[share[0] >= 0.5] = SOUNDING
    roles[share[1] >= 0.5] = SILENT
    return roles


def pair_purity(labels: np.ndarray, roles: np.ndarray) -> float:
    """Σ_g max(S_g, Q_g) / Σ_g (S_g + Q_g) over groups g, with S_g and Q_g the group's sounding
    and silent-object tokens; NaN without tokens of either object.

    Args:
        labels (np.ndarray): ``[N]`` group index per token.
        roles (np.ndarray): ``[N]`` role per token (:func:`token_roles`).

    Returns:
        float: The purity in [0.5, 1], or NaN.
    """
    sounding = np.bincount(labels[roles == SOUNDING], minlength=labels.max() + 1)
    silent = np.bincount(labels[roles == SILENT], minlength=labels.max() + 1)
    total = (sounding + silent).sum()
    return float(np.maximum(sounding, silent).sum() / total) if total else float('nan')


def chance_purity(labels: np.ndarray, roles: np.ndarray, rng: np.random.Generator,
                  draws: int = 50) -> float:
    """Mean :func:`pair_purity` with the group labels permuted over the tokens.

    Args:
        labels (np.ndarray): ``[N]`` group index per token.
        roles (np.ndarray): ``[N]`` role per token.
        rng (np.random.Generator): The permutations' generator.
        draws (int): Permutations averaged. Defaults to 50.

    Returns:
        float: The mean purity of the shuffled labels.
    """
    return float(np.mean([pair_purity(rng.permutation(labels), roles) for _ in range(draws)]))


def analyse(model: torch.nn.Module, dataloader: Iterable, tag: str,
            seed: int = 0) -> Dict[str, dict]:
    """Per AMA stage, the mean purity, chance purity and AUCs over the tagged frames.

    Args:
        model (torch.nn.Module): A segmentor with AMA stages, in eval mode.
        dataloader (Iterable): The test batches.
        tag (str): Only frames with this case tag count.
        seed (int): Seed of the chance purity's permutations. Defaults to 0.

    Returns:
        dict: ``{'stage <n>': {measure: mean, 'frames': count}}``.
    """
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
    """Per stage and measure, the mean and sample std over the checkpoints (e.g. seeds).

    Args:
        per_checkpoint (list[dict]): What :func:`analyse` returns, per checkpoint.

    Returns:
        dict: ``{stage: {'frames': count, measure: {'mean': ..., 'std': ...}}}``.
    """
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
    """The summary as a markdown table, one row per stage.

    Args:
        summary (dict): What :func:`summarise` returns.
        tag (str): The frames' case tag.
        num_checkpoints (int): Checkpoints summarised (more than one: ± sample std).

    Returns:
        str: The paragraph and table.
    """
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
