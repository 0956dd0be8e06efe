"""J, F_beta and J&F of audio-visual segmentation under three public evaluation protocols."""
from collections import defaultdict
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmseg.registry import METRICS

PROTOCOLS = ('dataset', 'avsbench', 'avss')
NUM_THRESHOLDS = 255  # AVSBench's Eval_Fmeasure(pr_num=255)
AVSBENCH_EPS = 1e-7  # mask_iou
AVSBENCH_PR_EPS = 1e-20  # _eval_pr
AVSS_EPS = 2.220446049250313e-16  # np.spacing(1) in calc_color_miou_fscore
# AVSBench's F thresholds: float32 linspace(0, 1 - 1e-10, 255), the last one exactly 1.0
_THRESHOLDS = torch.linspace(0, 1 - 1e-10, NUM_THRESHOLDS).numpy()
# for _threshold_histogram: its guess scale, the fraction of a scaled score above which the
# guess may be one short, and threshold g + 1 at code g of either half
_GUESS_SCALE = np.float32((NUM_THRESHOLDS - 1) * (1 - 1e-5))
_NEAR_FRACTION = np.float32(0.997)
_NEXT_THRESHOLD = np.tile(np.append(_THRESHOLDS[1:], np.float32(np.inf)), 2)

Frame = Tuple[str, dict]  # (clip_id, per-frame record)


@METRICS.register_module()
class AVSMetric(BaseMetric):
    """J (IoU), F_beta and J&F for audio-visual segmentation, in percent.

    ``process`` receives per-frame samples (``SegDataSample.to_dict()``) carrying ``pred_sem_seg``,
    ``seg_logits``, ``gt_sem_seg`` and the metainfo ``clip_id``, ``frame_idx``, optional
    ``is_padded`` (default False) and optional ``case_tags``. It keeps only small per-frame
    statistics (per-class pixel counts, or AVSBench's 2 x 255 threshold histogram), never masks.

    One result is appended per clip found in a batch: a dataset item is a clip, so the number of
    results equals the dataset length that MMEngine's ``evaluate(size)`` truncates to, and the
    sampler's padding duplicates are dropped there. ``compute_metrics`` merges records by
    ``clip_id`` (a clip whose frames were split across batches or ranks is merged back, a frame
    seen twice counts once) and sorts them by ``(clip_id, frame_idx)``, so the numbers do not
    depend on arrival order or on the number of processes.

    Protocols (each as its public reference code computes it: OpenNLPLab/AVSBench
    ``avs_scripts/avs_s4/utils/utility.py`` (``mask_iou``, ``Eval_Fmeasure``) and
    ``avs_scripts/avss/utils/compute_color_metrics.py`` (``calc_color_miou_fscore``);
    cyh-0/CAVP ``utils/eval_utils.py``):

    - ``'dataset'`` (CAVP's per-dataset convention): from ``pred_sem_seg``; intersection and union
      per class accumulated over the split, ignore pixels dropped; J = mean IoU over all classes
      (background included, absent classes count 0); F_beta per class from TP/FP/FN, nan-mean
      over classes. Padded frames are skipped.
    - ``'avsbench'`` (TPAVI binary, ``num_classes == 2``): from ``seg_logits`` (1 channel: sigmoid;
      2 channels: sigmoid(l1 - l0), the reference code's softmax[1] written as the 1-channel case;
      it differs from ``torch.softmax`` only by float32 rounding, which can move a score lying
      on a threshold to the other side). Per-frame IoU of score > 0.5 (empty truth: fraction of
      pixels predicted background), averaged per clip, then over clips. F from 255 thresholds,
      empty-truth frames skipped, maximum of each clip's mean curve (0 for a clip without a
      non-empty frame), averaged over clips. The official code has no ignore label, so
      ``ignore_index`` pixels count as background. Padded frames are skipped (the official
      S4/MS3 clips have none).
    - ``'avss'`` (AVSBench-Semantic official): from ``pred_sem_seg``; per frame and class IoU and
      F_beta, summed per class over frames and divided by the number of frames where the class is
      in the prediction or the truth, then averaged over all classes (a class never seen counts 0).
      Padded frames are evaluated with an all-background truth, as the official code does.

    Besides ``J``, ``F``, ``J&F``, ``FPR_empty``, ``empty_pred`` (the percentage of all evaluated
    real frames whose prediction has no foreground pixel) and ``num_frames`` it reports, for every
    case tag found, ``J@tag``, ``F@tag``, ``J&F@tag``, ``FPR@tag`` and ``num_frames@tag`` computed
    with the same protocol on the tagged frames. FPR is the percentage of frames with no
    foreground in the truth that have a foreground pixel in the prediction (NaN when there is no
    such frame). J, F and ``num_frames`` count the frames the protocol evaluates, with the
    protocol's ignore handling; FPR and ``empty_pred`` count real frames only (a padded slot
    is no frame whose mask could be empty or not). For a model with an uncertainty map (UE
    head: samples carry ``uncertainty``) it also reports ``uncertainty`` and
    ``uncertainty@tag``, the mean over real frames of each frame's mean scaled uncertainty (in
    [0, 1]).

    A label that is neither a class nor (in the truth) ``ignore_index``, and a NaN or infinite
    logit, are errors naming the clip and frame: the counts would drop such a label and the
    thresholds misplace such a score without a word.

    Args:
        protocol (str): ``'dataset'``, ``'avsbench'`` or ``'avss'``. Defaults to ``'dataset'``.
        num_classes (int): Number of classes, background (index 0) included; 2 for binary tasks.
        beta2 (float): beta squared of F_beta. Defaults to 0.3.
        ignore_index (int): Label of unannotated pixels. Defaults to 255.
        collect_device (str): Device used to collect results across ranks, ``'cpu'`` or
            ``'gpu'``. Defaults to ``'cpu'``.
        prefix (str, optional): Prefix added to the metric names. Defaults to None.
        **kwargs: Passed to :class:`mmengine.evaluator.BaseMetric` (e.g. ``collect_dir``).
    """

    def __init__(self,
                 protocol: str = 'dataset',
                 *,
                 num_classes: int,
                 beta2: float = 0.3,
                 ignore_index: int = 255,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None,
                 **kwargs) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix, **kwargs)
        if protocol not in PROTOCOLS:
            raise ValueError(f'protocol must be one of {PROTOCOLS}, got {protocol!r}')
        if protocol == 'avsbench' and num_classes != 2:
            raise ValueError(f"protocol 'avsbench' is binary: num_classes must be 2, "
                             f'got {num_classes}')
        if num_classes < 2:
            raise ValueError(f'num_classes counts the background too: >= 2, got {num_classes}')
        self.protocol = protocol
        self.num_classes = num_classes
        self.beta2 = beta2
        self.ignore_index = ignore_index

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Turn each frame into a small record and store one result per clip of the batch.

        Args:
            data_batch (dict): The batch from the dataloader (unused).
            data_samples (Sequence[dict]): Per-frame outputs of the model as dicts.
        """
        clips: Dict[str, List[dict]] = {}
        for sample in data_samples:
            frames = clips.setdefault(str(sample['clip_id']), [])
            is_padded = bool(sample.get('is_padded', False))
            if is_padded and self.protocol != 'avss':
                continue
            frames.append(self._frame_record(sample, is_padded))
        self.results.extend(
            dict(clip_id=clip_id, frames=frames) for clip_id, frames in clips.items())

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """Compute the metrics over all frames, then over the frames of each case tag.

        Args:
            results (list): The per-clip results of :meth:`process`, from all ranks.

        Returns:
            dict[str, float]: ``J``, ``F``, ``J&F``, ``FPR_empty``, ``empty_pred``,
            ``num_frames`` and the ``...@tag`` entries; J, F, FPR and empty_pred in percent.
        """
        frames = _merge_frames(results)
        j, f, fpr = self._summarise(frames)
        metrics = {'J': j, 'F': f, 'J&F': (j + f) / 2, 'FPR_empty': fpr, 'num_frames': len(frames)}
        # share of frames predicted empty, whatever the truth: what a model given silence should
        # do on every frame
        real = [record for _, record in frames if not record['is_padded']]
        metrics['empty_pred'] = 100.0 * float(
            np.mean([not record['pred_fg'] for record in real])) if real else float('nan')
        metrics.update(_mean_uncertainty(frames, 'uncertainty'))
        for tag in sorted({tag for _, record in frames for tag in record['tags']}):
            subset = [frame for frame in frames if tag in frame[1]['tags']]
            j, f, fpr = self._summarise(subset)
            metrics.update({
                f'J@{tag}': j,
                f'F@{tag}': f,
                f'J&F@{tag}': (j + f) / 2,
                f'FPR@{tag}': fpr,
                f'num_frames@{tag}': len(subset),
            })
            metrics.update(_mean_uncertainty(subset, f'uncertainty@{tag}'))
        return metrics

    def _frame_record(self, sample: dict, is_padded: bool) -> dict:
        gt = sample['gt_sem_seg']['data'].squeeze(0).long()
        where = f"clip {sample['clip_id']} frame {sample['frame_idx']}"
        _check_labels(gt, 'gt_sem_seg', self.num_classes, self.ignore_index, where)
        record = dict(frame_idx=int(sample['frame_idx']), is_padded=is_padded,
                      tags=tuple(sample.get('case_tags') or ()))
        if 'uncertainty' in sample and not is_padded:
            record['uncertainty'] = float(sample['uncertainty']['data'].float().mean())
        if self.protocol == 'avsbench':
            scores = foreground_scores(sample['seg_logits']['data'], where)
            record.update(_binary_frame_stats(scores, gt.cpu().numpy()))
            return record
        pred = sample['pred_sem_seg']['data'].squeeze(0).long()
        _check_labels(pred, 'pred_sem_seg', self.num_classes, None, where)
        if is_padded:
            # official AVSS evaluates the zero-padded slots against an all-background truth
            gt = torch.zeros_like(gt)
        counts = _class_counts(pred, gt, self.num_classes, self.ignore_index)
        record.update(
            counts=counts,
            gt_fg=bool(counts[2, 1:].sum() > 0),
            pred_fg=bool(counts[1, 1:].sum() > 0))
        return record

    def _summarise(self, frames: List[Frame]) -> Tuple[float, float, float]:
        """J, F (percent) under the protocol, and the FPR on empty-truth frames (percent)."""
        if self.protocol == 'avsbench':
            j, f = _avsbench_scores(frames, self.beta2)
        else:
            counts = np.zeros((len(frames), 3, self.num_classes))
            for i, (_, record) in enumerate(frames):
                counts[i] = record['counts']
            scores = _dataset_scores if self.protocol == 'dataset' else _avss_scores
            j, f = scores(counts, self.beta2)
        empty = [record['pred_fg'] for _, record in frames
                 if not record['gt_fg'] and not record['is_padded']]
        fpr = 100.0 * float(np.mean(empty)) if empty else float('nan')
        return 100.0 * j, 100.0 * f, fpr


def _merge_frames(results: list) -> List[Frame]:
    """Group the records by clip, keep one record per frame, sort by (clip_id, frame_idx)."""
    clips: Dict[str, Dict[int, dict]] = defaultdict(dict)
    for result in results:
        frames = clips[result['clip_id']]
        for record in result['frames']:
            # a frame seen twice (e.g. a sampler's padding duplicate) counts once
            frames.setdefault(record['frame_idx'], record)
    return [(clip_id, clips[clip_id][idx]) for clip_id in sorted(clips)
            for idx in sorted(clips[clip_id])]


def _mean_uncertainty(frames: List[Frame], key: str) -> Dict[str, float]:
    """Mean over frames of the UE head's mean per-frame uncertainty, if the model has one."""
    values = [record['uncertainty'] for _, record in frames if 'uncertainty' in record]
    return {key: float(np.mean(values))} if values else {}


def _check_labels(labels: torch.Tensor, key: str, num_classes: int,
                  ignore_index: Optional[int], where: str) -> None:
    """Raise if a label is neither a class nor ``ignore_index``: the counts would drop it."""
    low, high = (int(bound) for bound in torch.aminmax(labels))  # ints: tensor comparisons cost
    if low >= 0 and high < num_classes:  # the common case, in one pass
        return
    bad = (labels < 0) | (labels >= num_classes)
    if ignore_index is not None:
        bad &= labels != ignore_index
    if bool(bad.any()):
        allowed = f'classes 0..{num_classes - 1}' + (
            f' or ignore_index {ignore_index}' if ignore_index is not None else '')
        raise ValueError(f'{where}: {key} holds {torch.unique(labels[bad])[:5].tolist()}, '
                         f'not {allowed}')


def _histogram(labels: torch.Tensor, num_classes: int) -> torch.Tensor:
    labels = labels[(labels >= 0) & (labels < num_classes)]
    return torch.bincount(labels, minlength=num_classes)


def _class_counts(pred: torch.Tensor, gt: torch.Tensor, num_classes: int,
                  ignore_index: int) -> np.ndarray:
    """Per-class [intersection, predicted area, truth area] over the non-ignored pixels."""
    valid = gt != ignore_index
    pred, gt = pred[valid], gt[valid]
    counts = torch.stack([
        _histogram(gt[pred == gt], num_classes),
        _histogram(pred, num_classes),
        _histogram(gt, num_classes),
    ])
    return counts.cpu().numpy().astype(np.int64)


def foreground_scores(logits: torch.Tensor, where: str) -> np.ndarray:
    """AVSBench's score per pixel: sigmoid of the 1-channel logit, softmax[1] of 2 channels.

    Args:
        logits (torch.Tensor): ``[C, H, W]`` logits, C = 1 or 2.
        where (str): The clip and frame, for the error messages.

    Returns:
        np.ndarray: ``[H, W]`` float32 scores in [0, 1].
    """
    if logits.shape[0] not in (1, 2):
        raise ValueError(f"{where}: protocol 'avsbench' needs 1 or 2 logit channels, "
                         f'got {logits.shape[0]}')
    logits = logits.float().cpu().numpy()
    # softmax(logits)[1] == sigmoid(l1 - l0): the published 1-channel sigmoid on the
    # foreground-minus-background logit, a quarter of the cost of a softmax over dim 0
    fg_logit = logits[0] if logits.shape[0] == 1 else logits[1] - logits[0]
    # a non-finite logit makes fg_logit non-finite; huge finite logits may too (their sigmoid
    # is then 0 or 1, as their softmax), so only then are the logits themselves looked at
    if not np.isfinite(fg_logit).all() and not np.isfinite(logits).all():
        raise ValueError(f'{where}: non-finite seg_logits (NaN or inf)')
    return torch.sigmoid(torch.from_numpy(fg_logit)).numpy()


def _binary_frame_stats(scores: np.ndarray, gt: np.ndarray) -> dict:
    """AVSBench's per-frame statistics: IoU counts at 0.5 and the score histogram for F.

    The pixel work is in NumPy: on a CPU its comparisons and gathers on one frame are several
    times faster than PyTorch's, and this runs once per frame of every evaluation.

    Args:
        scores (np.ndarray): ``[H, W]`` float32 scores from :func:`foreground_scores`.
        gt (np.ndarray): ``[H, W]`` labels, 0, 1 or the ignore index.
    """
    # the official binary code has no ignore label: ignored pixels count as background (the
    # labels were checked to be 0, 1 or ignore_index)
    target = gt == 1
    pred = scores > 0.5
    gt_area = int(np.count_nonzero(target))
    pred_area = int(np.count_nonzero(pred))
    return dict(
        inter=int(np.count_nonzero(pred & target)),
        pred_area=pred_area,
        gt_area=gt_area,
        num_pixels=target.size,
        # F is skipped on an empty truth; the curves are computed for all frames at once
        threshold_hist=_threshold_histogram(scores, target) if gt_area else None,
        gt_fg=gt_area > 0,
        pred_fg=pred_area > 0)


def _threshold_histogram(scores: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Pixels counted by the index of the last AVSBench threshold <= their score, exactly.

    A pixel is foreground at threshold t when score >= t, so a pixel of index i (0..254) is
    foreground at thresholds 0..i. The float32 thresholds are k/254 within a relative 6e-8, so
    the guess g = ``floor(score * 254 * (1 - 1e-5))`` is the index or one below it, never above
    it and never two below (the 1e-5 margin dwarfs both that error and float32 rounding). It is one
    below only for a score >= threshold g + 1, whose scaled score is then at least
    (g + 1)(1 - 1.01e-5) > g + 1 - 0.0026: only pixels whose scaled score has a fraction
    >= 0.997 (a few percent, and every score of exactly 1) are compared with the float32
    threshold. The result equals ``torch.bucketize(scores, thresholds, right=True) - 1``.

    Args:
        scores (np.ndarray): float32 scores in [0, 1].
        target (np.ndarray): Boolean truth of the same shape.

    Returns:
        np.ndarray: ``[2, 255]`` int32 counts, (background, truth) x index.
    """
    scaled = scores.reshape(-1) * _GUESS_SCALE
    guess = np.floor(scaled)
    code = guess.astype(np.int16)  # at most 253
    code += target.reshape(-1).view(np.uint8) * np.int16(NUM_THRESHOLDS)  # truth: upper half
    scaled -= guess  # the fraction, exactly
    near = np.flatnonzero(scaled >= _NEAR_FRACTION)
    code[near] += _NEXT_THRESHOLD.take(code[near]) <= scores.reshape(-1)[near]
    hist = np.bincount(code, minlength=2 * NUM_THRESHOLDS)
    return hist.reshape(2, NUM_THRESHOLDS).astype(np.int32)


def _f_curves(hists: np.ndarray, gt_area: np.ndarray, beta2: float) -> np.ndarray:
    """AVSBench's F_beta at each of the 255 thresholds, per frame, from the frames' histograms.

    Args:
        hists (np.ndarray): ``[N, 2, 255]`` outputs of :func:`_threshold_histogram`.
        gt_area (np.ndarray): ``[N]`` truth pixels per frame.
        beta2 (float): beta squared of F_beta.

    Returns:
        np.ndarray: ``[N, 255]`` F_beta curves.
    """
    # pixels foreground at threshold k = pixels whose index is >= k
    above = np.cumsum(hists[..., ::-1], -1)[..., ::-1].astype(np.float64)
    pred_area, tp = above.sum(1), above[:, 1]
    precision = tp / (pred_area + AVSBENCH_PR_EPS)
    recall = tp / (gt_area[:, None] + AVSBENCH_PR_EPS)
    denominator = beta2 * precision + recall
    # 0 where precision and recall are both 0 (the reference's 0/0 = NaN, set to 0)
    return np.divide((1 + beta2) * precision * recall, denominator,
                     out=np.zeros_like(denominator), where=denominator > 0)


def _dataset_scores(counts: np.ndarray, beta2: float) -> Tuple[float, float]:
    """CAVP: IoU and F_beta per class from counts accumulated over all frames."""
    inter, pred_area, gt_area = counts.sum(axis=0)
    union = pred_area + gt_area - inter
    j = np.mean(inter / (union + np.spacing(1)))
    tp, fp, fn = inter, pred_area - inter, gt_area - inter
    with np.errstate(invalid='ignore'):
        f_per_class = (1 + beta2) * tp / ((1 + beta2) * tp + beta2 * fn + fp)
    f = np.nanmean(f_per_class) if not np.isnan(f_per_class).all() else float('nan')
    return float(j), float(f)


def _avss_scores(counts: np.ndarray, beta2: float) -> Tuple[float, float]:
    """AVSBench-Semantic: per-frame IoU and F per class, class means over frames, mean over C."""
    inter, pred_area, gt_area = counts[:, 0], counts[:, 1], counts[:, 2]
    union = pred_area + gt_area - inter
    iou = inter / (union + AVSS_EPS)
    with np.errstate(invalid='ignore', divide='ignore'):
        precision = inter / pred_area
        recall = inter / gt_area
        f = (1 + beta2) * precision * recall / (beta2 * precision + recall)
    f = np.nan_to_num(f, nan=0.0)
    seen = (union > 0).sum(axis=0)
    # a class never seen gives 0/0: counted as 0 but still in the mean over all classes
    with np.errstate(invalid='ignore'):
        j_per_class = np.nan_to_num(iou.sum(axis=0) / seen, nan=0.0)
        f_per_class = np.nan_to_num(f.sum(axis=0) / seen, nan=0.0)
    return float(j_per_class.mean()), float(f_per_class.mean())


def _avsbench_scores(frames: List[Frame], beta2: float) -> Tuple[float, float]:
    """TPAVI: per-frame J and per-clip best-threshold F, both averaged per clip then over clips."""
    if not frames:
        return float('nan'), float('nan')
    clip_ids, clip_index = np.unique([clip_id for clip_id, _ in frames], return_inverse=True)
    num_clips = len(clip_ids)
    inter, pred_area, gt_area, num_pixels = np.array(
        [[r['inter'], r['pred_area'], r['gt_area'], r['num_pixels']] for _, r in frames],
        dtype=np.float64).T
    # an empty truth scores the fraction of pixels predicted background
    iou = np.where(gt_area > 0,
                   inter / (pred_area + gt_area - inter + AVSBENCH_EPS),
                   (num_pixels - pred_area) / (num_pixels + AVSBENCH_EPS))
    clip_j = np.bincount(clip_index, weights=iou, minlength=num_clips) / np.bincount(
        clip_index, minlength=num_clips)

    has_curve = gt_area > 0  # F skips empty-truth frames
    curve_sum = np.zeros((num_clips, NUM_THRESHOLDS))
    if has_curve.any():
        hists = np.stack([r['threshold_hist'] for _, r in frames if r['gt_area']])
        np.add.at(curve_sum, clip_index[has_curve], _f_curves(hists, gt_area[has_curve], beta2))
    num_curves = np.bincount(clip_index[has_curve], minlength=num_clips)
    # a clip without a non-empty frame scores 0, as the official batch function returns
    clip_f = np.where(num_curves > 0, curve_sum.max(axis=1) / np.maximum(num_curves, 1), 0.0)
    return float(clip_j.mean()), float(clip_f.mean())
