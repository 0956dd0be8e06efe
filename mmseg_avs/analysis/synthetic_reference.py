"""What a score of the synthetic benchmark means: the reference predictors
(:mod:`.reference_predictors`) scored on a test split, and the audio-only probe
(:mod:`.audio_probe`) of the binary set."""
import json
import os
import os.path as osp
from typing import List

from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS

from .audio_probe import run_audio_probe
from .reference_predictors import REFERENCE_PREDICTORS, score_reference
from .repository import REPO


def reference_results(out_dir: str, dataset: str) -> List[dict]:
    """The reference predictors on a test split, as result entries of the study
    ``reference``. Cached in ``out_dir``.

    Args:
        out_dir (str): The benchmark's folder, with the data set in ``data/<dataset>``; the
            cache is ``runs/<dataset>/reference.json``.
        dataset (str): ``'ms3'`` (binary) or ``'avss'`` (semantic).

    Returns:
        list[dict]: One entry per predictor, as the runs' (no seed).
    """
    cache = osp.join(out_dir, 'runs', dataset, 'reference.json')
    if not osp.isfile(cache):
        init_default_scope('mmseg')  # the pipeline's transforms are in MMSeg's registry
        cfg = Config.fromfile(osp.join(REPO, 'configs', '_base_', 'datasets',
                                       f'synthetic_{dataset}.py'))
        test_set = DATASETS.build(dict(cfg.test_dataloader.dataset,
                                       data_root=osp.join(out_dir, 'data', dataset)))
        entries = [dict(study='reference', dataset=dataset, name=f'{name} (no model)',
                        config='', options=[], seed=None,
                        metrics=score_reference(test_set, predict))
                   for name, predict in REFERENCE_PREDICTORS.items()]
        os.makedirs(osp.dirname(cache), exist_ok=True)
        with open(cache, 'w') as f:
            json.dump(entries, f)
    with open(cache) as f:
        return json.load(f)


def probe_results(out_dir: str, steps: int = 1500) -> dict:
    """The audio-only probe of the binary set (the Baseline config's audio encoder and
    front-end), cached in ``runs/ms3/audio_probe.json``.

    Args:
        out_dir (str): The benchmark's folder, with the data set in ``data/ms3``.
        steps (int): The probe's training steps. Default: 1500.

    Returns:
        dict: What :func:`~.audio_probe.run_audio_probe` returns, and ``steps``.
    """
    cache = osp.join(out_dir, 'runs', 'ms3', 'audio_probe.json')
    if not osp.isfile(cache):
        config = osp.join(REPO, 'configs', 'synthetic', 'baseline_mit-tiny_synthetic-ms3.py')
        result = dict(run_audio_probe(osp.join(out_dir, 'data', 'ms3'), config, steps=steps),
                      steps=steps)
        os.makedirs(osp.dirname(cache), exist_ok=True)
        with open(cache, 'w') as f:
            json.dump(result, f)
    with open(cache) as f:
        return json.load(f)
