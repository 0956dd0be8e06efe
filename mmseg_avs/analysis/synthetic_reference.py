"""The reference rows of the synthetic benchmark: the reference predictors
(:mod:`.reference_predictors`) scored on a test split, what a score means."""
import json
import os
import os.path as osp
from typing import List

from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS

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
