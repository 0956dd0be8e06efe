"""check_config: settings that disagree between the data, the model and the metrics fail
before anything is built or trained, with the config keys named; and every shipped config
keeps the reliability hooks of default_runtime.py."""
import copy
import glob
import os.path as osp

import pytest
from mmengine.config import Config

from mmseg_avs.datasets.synthetic import generate_synthetic_avs
from mmseg_avs.apis import ConfigError, check_config
from mmseg_avs.apis.config_checks import SPLIT_LOADERS
from tests.layout_fixtures import write_avss
from tests.tool_loader import load_tool

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(p for p in glob.glob(osp.join(REPO, 'configs', '**', '*.py'), recursive=True)
                 if '_base_' not in p)
SYNTHETIC_CONFIGS = [p for p in CONFIGS if 'synthetic' in osp.basename(p)]
MS3 = osp.join(REPO, 'configs/synthetic/baseline_mit-tiny_synthetic-ms3.py')
AVSS = osp.join(REPO, 'configs/synthetic/baseline_mit-tiny_synthetic-avss.py')
SGSM = osp.join(REPO, 'configs/synthetic/sgsm_mit-tiny_synthetic-ms3.py')


@pytest.fixture(scope='module')
def roots(tmp_path_factory):
    """Tiny synthetic data sets in both layouts (the AVSS one with 7 classes)."""
    base = tmp_path_factory.mktemp('config_checks')
    generate_synthetic_avs(str(base), layout='both', preset='easy', image_size=16, seed=0,
                           num_clips={'train': 3, 'val': 3, 'test': 3})
    return dict(AVSBenchMS3Dataset=str(base / 'ms3'), AVSBenchSemanticDataset=str(base / 'avss'))


def leaf_dataset(loader_cfg):
    dataset = loader_cfg['dataset']
    while isinstance(dataset.get('dataset'), dict):
        dataset = dataset['dataset']
    return dataset


def load(path, roots):
    """The config with every data set pointed at ``roots`` (a dict by type, or one folder)."""
    cfg = Config.fromfile(path)
    for loader in SPLIT_LOADERS:
        if cfg.get(loader):
            dataset = leaf_dataset(cfg[loader])
            dataset['data_root'] = (roots.get(dataset['type'], '/nonexistent')
                                    if isinstance(roots, dict) else roots)
    return cfg


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: osp.relpath(p, REPO))
def test_shipped_configs_agree_without_their_data(path, tmp_path):
    """Model against metrics (the data sets are skipped: their files are absent)."""
    check_config(load(path, str(tmp_path / 'absent')))


@pytest.mark.parametrize('path', SYNTHETIC_CONFIGS, ids=lambda p: osp.relpath(p, REPO))
def test_synthetic_configs_agree_with_their_data(path, roots):
    check_config(load(path, roots))


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: osp.relpath(p, REPO))
def test_shipped_configs_keep_the_reliability_hooks(path):
    """default_runtime.py's hooks survive in every config that trains."""
    cfg = Config.fromfile(path)
    if cfg.get('train_cfg'):
        hooks = {hook['type'] for hook in cfg.get('custom_hooks', [])}
        assert {'NonFiniteLossHook', 'RNGStateHook'} <= hooks


def test_head_metric_and_data_classes_disagree(roots):
    cfg = load(MS3, roots)
    cfg.model.decode_head.num_classes = 3
    with pytest.raises(ConfigError) as err:
        check_config(cfg)
    message = str(err.value)
    assert 'num_classes disagrees' in message
    assert 'model.decode_head.num_classes = 3' in message
    assert 'val_evaluator.num_classes = 2' in message
    assert 'train_dataloader.dataset (AVSBenchMS3Dataset classes) = 2' in message


def test_classes_from_the_data_set_files_count(tmp_path):
    """AVSS classes come from label2idx.json: the config's 7 classes against 4 on disk."""
    cfg = load(AVSS, write_avss(str(tmp_path)))
    with pytest.raises(ConfigError, match=r'\(AVSBenchSemanticDataset classes\) = 4.*'
                                          r'model\.decode_head\.num_classes = 7'):
        check_config(cfg)


def test_metric_lists_and_dataset_wrappers_are_searched(roots):
    cfg = load(MS3, roots)
    cfg.test_dataloader.dataset = dict(type='AudioSwapDataset',
                                       dataset=copy.deepcopy(cfg.test_dataloader.dataset))
    cfg.test_evaluator = [dict(type='AVSMetric', num_classes=2),
                          dict(type='AVSMetric', protocol='avss', num_classes=5)]
    with pytest.raises(ConfigError) as err:
        check_config(cfg)
    assert 'test_evaluator.1.num_classes = 5' in str(err.value)
    assert 'test_dataloader.dataset.dataset (AVSBenchMS3Dataset classes) = 2' in str(err.value)


@pytest.mark.parametrize('path,split,segments,frames', [
    (MS3, 'train', 10, '5'),  # 10 seconds of audio for 5-frame clips
    (AVSS, 'val', 5, '10'),  # AVSS clips have 10 slots
])
def test_clip_length_the_data_cannot_provide(roots, path, split, segments, frames):
    cfg = load(path, roots)
    pipeline = cfg[f'{split}_dataloader'].dataset.pipeline
    index = next(i for i, t in enumerate(pipeline) if t['type'] == 'LoadAVSAudio')
    pipeline[index]['num_segments'] = segments
    with pytest.raises(ConfigError) as err:
        check_config(cfg)
    assert (f'{split}_dataloader.dataset.pipeline.{index}.num_segments={segments}, but the '
            f'clips of {split}_dataloader.dataset') in str(err.value)
    assert f'have {frames} frames' in str(err.value)


def test_ama_groups_longer_than_the_ama_stages_fail_before_training(roots, tmp_path):
    """The backbone checks its per-stage lists when the runner builds it, before training
    (check_config does not repeat that check)."""
    train = load_tool('tools/train.py')
    with pytest.raises(ValueError, match=r'ama\.num_groups=\[14, 7, 5, 3\] has 4 entries '
                                         r'but ama_stages=\[0, 1, 2\] fuses 3 stages'):
        train.main([SGSM, '--work-dir', str(tmp_path / 'work'), '--cfg-options',
                    'model.backbone.ama.num_groups=[14,7,5,3]',
                    *[f'{s}_dataloader.dataset.data_root={roots["AVSBenchMS3Dataset"]}'
                      for s in ('train', 'val', 'test')]])
    assert not glob.glob(str(tmp_path / 'work' / '*.pth'))
