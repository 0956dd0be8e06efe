"""Our components inside other MMSeg configs (configs/mixing/): each builds, trains one step
and evaluates on generated data."""
import argparse
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config, DictAction
from mmengine.runner import Runner
from PIL import Image

from mmseg_avs.datasets.synthetic import generate_synthetic_avs

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
pytestmark = pytest.mark.slow


@pytest.fixture(scope='module')
def ms3_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('mixing') / 'ms3')
    generate_synthetic_avs(root, layout='ms3', preset='easy', image_size=32, seed=0,
                           num_clips={'train': 2, 'val': 2, 'test': 2})
    return root


def one_step_config(config, work_dir, data_root=None, options=()):
    cfg = Config.fromfile(osp.join(REPO, config))
    overrides = {'train_cfg.max_iters': 1, 'train_cfg.val_interval': 1,
                 'default_hooks.checkpoint.interval': 1, 'param_scheduler': None,
                 'experiment_name': osp.basename(work_dir)}
    for split in ('train', 'val', 'test'):
        loader = f'{split}_dataloader'
        overrides.update({f'{loader}.batch_size': 2, f'{loader}.num_workers': 0,
                          f'{loader}.persistent_workers': False})
        if data_root:
            overrides[f'{loader}.dataset.data_root'] = data_root
    cfg.merge_from_dict(overrides)
    if options:   # parsed exactly as `--cfg-options` is
        parser = argparse.ArgumentParser()
        parser.add_argument('--cfg-options', nargs='+', action=DictAction)
        cfg.merge_from_dict(parser.parse_args(['--cfg-options', *options]).cfg_options)
    cfg.work_dir = str(work_dir)
    return cfg


def train_one_step(cfg):
    runner = Runner.from_cfg(cfg)
    runner.train()
    return runner, runner.val_loop.run()


def test_uncertainty_head_in_an_image_segmentation_model(tmp_path):
    root = tmp_path / 'image_seg'
    rng = np.random.default_rng(0)
    for split in ('train', 'val'):
        (root / 'img_dir' / split).mkdir(parents=True)
        (root / 'ann_dir' / split).mkdir(parents=True)
        for i in range(2):
            Image.fromarray(rng.integers(0, 255, (40, 48, 3), np.uint8)).save(
                root / 'img_dir' / split / f'{i}.png')
            Image.fromarray(rng.integers(0, 3, (40, 48), np.uint8)).save(
                root / 'ann_dir' / split / f'{i}.png')
    cfg = one_step_config('configs/mixing/uncertainty-head_mit-tiny_image-seg.py',
                          tmp_path / 'work', str(root))
    runner, metrics = train_one_step(cfg)
    assert 'mIoU' in metrics
    batch = next(iter(runner.val_dataloader))
    model = runner.model.eval()
    with torch.no_grad():
        (pred, _) = model.val_step(batch)
    assert pred.uncertainty.data.shape == (1, 40, 48) == pred.pred_sem_seg.data.shape
    assert 0 <= pred.uncertainty.data.min() and pred.uncertainty.data.max() <= 1


def test_avs_metric_next_to_iou_metric(ms3_root, tmp_path):
    cfg = one_step_config('configs/mixing/avs-metric-and-iou-metric_synthetic-ms3.py',
                          tmp_path / 'work', ms3_root)
    _, metrics = train_one_step(cfg)
    assert {'J', 'F', 'J&F', 'mIoU', 'mFscore'} <= set(metrics)
    # both see the same predictions: on two classes mIoU is the mean of the two IoUs, which
    # is what the 'dataset' protocol's J is
    assert metrics['J'] == pytest.approx(metrics['mIoU'], abs=0.01)


def test_contrastive_loss_added_by_cfg_options_alone(ms3_root, tmp_path):
    """The tiny Baseline config becomes Baseline + SGSM + CST from the command line."""
    options = ['model.backbone.ama.type=SoundGuidedSemanticMerging',
               'model.backbone.ama.num_groups=[14,7,5]',
               'model.backbone.ama_stages=[0,1,2]',
               'model.contrastive_loss.type=AudioGuidedContrastiveLoss',
               'model.contrastive_loss.loss_weight=0.1']
    cfg = one_step_config('configs/synthetic/baseline_mit-tiny_synthetic-ms3.py',
                          tmp_path / 'work', ms3_root, options)
    runner, _ = train_one_step(cfg)
    logged = runner.message_hub.log_scalars
    assert 'train/loss_cst' in logged and 'train/cst_valid_frac' in logged
    assert type(runner.model.backbone.fusions['2']).__name__ == 'SoundGuidedSemanticMerging'
    assert type(runner.model.backbone.fusions['3']).__name__ == 'AudioVisualCrossAttention'


def test_stock_uper_head_in_the_audio_visual_segmentor(ms3_root, tmp_path):
    cfg = one_step_config('configs/mixing/uper-head_sgsm_mit-tiny_synthetic-ms3.py',
                          tmp_path / 'work', ms3_root)
    runner, metrics = train_one_step(cfg)
    assert type(runner.model.decode_head).__name__ == 'UPerHead'
    assert 0 <= metrics['J&F'] <= 100


def test_ama_around_an_mmpretrain_backbone(ms3_root, tmp_path, mmpretrain_models):
    cfg = one_step_config('configs/mixing/convnext-ama_synthetic-ms3.py', tmp_path / 'work',
                          ms3_root)
    runner, metrics = train_one_step(cfg)
    assert type(runner.model.backbone.visual).__name__ == 'ConvNeXt'
    assert 'train/loss_cst' in runner.message_hub.log_scalars
    assert 0 <= metrics['J&F'] <= 100
