"""Checks that the parts of a run config agree, run by the tools before anything trains."""
import os.path as osp
from typing import Dict, Iterator, List, Tuple

from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmseg.registry import DATASETS

from ..datasets import BaseAVSDataset
from ..datasets.transforms import LoadAVSAudio

SPLIT_LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
EVALUATORS = ('val_evaluator', 'test_evaluator')


class ConfigError(ValueError):
    """Parts of a config disagree; the message names the keys."""


def check_config(cfg: Config) -> None:
    """Check that the data sets, the model and the metrics of a run config agree.

    - ``num_classes``: the classes of every data set (its ``metainfo``, e.g. from an AVSS
      ``label2idx.json``), ``model.decode_head.num_classes`` (and any auxiliary head's), and
      the ``num_classes`` of every metric of ``val_evaluator``/``test_evaluator`` must be one
      number.
    - Clip length T: every audio loader of a clip data set's pipeline (:class:`LoadAVSAudio`
      and its subclasses) must produce ``num_segments`` = the number of frames of that data
      set's clips, as its metadata gives them.

    The data sets are built without loading their files (``lazy_init``) and only their
    metadata is read; a data set whose metadata file is missing is skipped here (building it
    for the run raises its own error). Per-stage lists of the fusion/AMA blocks longer than
    the fused stages are caught by :class:`AudioVisualBackbone` when the runner builds the
    model, also before training starts.

    Args:
        cfg (Config): The run config.

    Raises:
        ConfigError: Listing every disagreement, each with its config keys.
    """
    problems: List[str] = []
    classes: Dict[str, int] = {}
    for key, dataset_cfg in _leaf_datasets(cfg):
        # the pipeline's transforms are looked up in the config's scope, as the runner does
        with DefaultScope.overwrite_default_scope(cfg.get('default_scope', 'mmseg')):
            dataset = DATASETS.build(dict(dataset_cfg, lazy_init=True))
        if not osp.isfile(dataset.ann_file):
            continue
        classes[f'{key} ({type(dataset).__name__} classes)'] = len(dataset.metainfo['classes'])
        if isinstance(dataset, BaseAVSDataset):  # clips; MMSeg's image data sets have no T
            problems += _clip_length_problems(key, dataset)
    for key, value in _num_classes_settings(cfg):
        classes[key] = value
    if len(set(classes.values())) > 1:
        listed = ', '.join(f'{key} = {value}' for key, value in classes.items())
        problems.append(f'num_classes disagrees: {listed}')
    if problems:
        raise ConfigError('config check failed:\n  ' + '\n  '.join(problems))


def _leaf_datasets(cfg: Config) -> Iterator[Tuple[str, dict]]:
    """``(key, config)`` of each split's data set, inside dataset wrappers."""
    for loader in SPLIT_LOADERS:
        dataset_cfg, key = (cfg.get(loader) or {}).get('dataset'), f'{loader}.dataset'
        while isinstance(dataset_cfg, dict) and isinstance(dataset_cfg.get('dataset'), dict):
            dataset_cfg, key = dataset_cfg['dataset'], f'{key}.dataset'
        if isinstance(dataset_cfg, dict):
            yield key, dataset_cfg


def _clip_length_problems(key: str, dataset: BaseAVSDataset) -> List[str]:
    """Audio loaders whose ``num_segments`` differs from the frames of the data set's clips."""
    lengths = sorted({info['num_frames'] for info in dataset.load_data_list()})
    problems = []
    for index, transform in enumerate(dataset.pipeline.transforms):
        if isinstance(transform, LoadAVSAudio) and lengths and lengths != [transform.num_segments]:
            problems.append(
                f'{key}.pipeline.{index}.num_segments={transform.num_segments}, but the clips '
                f'of {key} ({type(dataset).__name__}, {dataset.ann_file}) have '
                f'{" or ".join(map(str, lengths))} frames')
    return problems


def _num_classes_settings(cfg: Config) -> Iterator[Tuple[str, int]]:
    """``(key, num_classes)`` of the model's heads and of the metrics."""
    model = cfg.get('model') or {}
    for head in ('decode_head', 'auxiliary_head'):
        for key, head_cfg in _items(model.get(head), f'model.{head}'):
            if 'num_classes' in head_cfg:
                yield f'{key}.num_classes', head_cfg['num_classes']
    for evaluator in EVALUATORS:
        evaluator_cfg = cfg.get(evaluator)
        if isinstance(evaluator_cfg, dict) and 'metrics' in evaluator_cfg:
            evaluator_cfg, evaluator = evaluator_cfg['metrics'], f'{evaluator}.metrics'
        for key, metric in _items(evaluator_cfg, evaluator):
            if 'num_classes' in metric:
                yield f'{key}.num_classes', metric['num_classes']


def _items(value, key: str) -> Iterator[Tuple[str, dict]]:
    """A config dict, or each dict of a list of them, with its key."""
    if isinstance(value, dict):
        yield key, value
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            if isinstance(item, dict):
                yield f'{key}.{i}', item
