"""The reference rows of the synthetic benchmark: the trivial predictors
(:mod:`.trivial_predictors`) scored on its binary test split, what a score means."""
import json
import os
import os.path as osp
from typing import List

from mmengine.config import Config
from mmengine.registry import init_default_scope

from ..datasets import AVSBenchMS3Dataset
from .repository import REPO
from .trivial_predictors import TRIVIAL_PREDICTORS, score_trivial


def reference_results(out_dir: str) -> List[dict]:
    """The trivial predictors (every visible object; nothing) on the binary test split, as
    result entries of the study ``reference``. Cached in ``out_dir``.

    Args:
        out_dir (str): The benchmark's folder, with the data set in ``data/ms3``; the cache is
            ``runs/ms3/reference.json``.

    Returns:
        list[dict]: One entry per predictor, as the runs' (no seed).
    """
    cache = osp.join(out_dir, 'runs', 'ms3', 'reference.json')
    if not osp.isfile(cache):
        init_default_scope('mmseg')  # the pipeline's transforms are in MMSeg's registry
        pipeline = Config.fromfile(
            osp.join(REPO, 'configs', '_base_', 'datasets', 'synthetic_ms3.py')).test_pipeline
        dataset = AVSBenchMS3Dataset(osp.join(out_dir, 'data', 'ms3'), split='test',
                                     pipeline=pipeline)
        entries = [dict(study='reference', dataset='ms3', name=f'{name} (no model)',
                        config='', options=[], seed=None,
                        metrics=score_trivial(dataset, predict))
                   for name, predict in TRIVIAL_PREDICTORS.items()]
        os.makedirs(osp.dirname(cache), exist_ok=True)
        with open(cache, 'w') as f:
            json.dump(entries, f)
    with open(cache) as f:
        return json.load(f)
