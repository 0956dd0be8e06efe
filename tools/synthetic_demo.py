"""The main job (`make demo`): synthetic data -> train -> evaluate -> pictures.

1. writes the synthetic binary data set (AVSBench-MS3 layout, 'easy' preset) unless present;
2. trains the tiny RAVS model (AMA, contrastive alignment, UE head) on the CPU with
   MMEngine's runner;
3. evaluates it on the test split (J, F, J&F under the 'dataset' protocol, per case tag),
   next to two trivial predictors scored by the same metric: "every object" (segments every
   visible object, sounding or not) and "nothing" (empty masks);
4. writes pictures (frame / ground truth / prediction per clip) to ``WORK_DIR/pictures``.

    python tools/synthetic_demo.py [--config CFG] [--data-root DIR] [--work-dir DIR]
"""
import argparse
import json
import os
import os.path as osp
import time
from typing import Dict, List

import mmcv
import torch
from mmengine.runner import Runner

from mmseg_avs.analysis.reference_predictors import REFERENCE_PREDICTORS, score_reference
from mmseg_avs.datasets.case_tags import CASE_TAGS
from mmseg_avs.datasets.synthetic import generate_synthetic_avs
from mmseg_avs.apis import load_run_config
from mmseg_avs.visualization import draw_clip_grid, overlay_mask

DEFAULT_CONFIG = 'configs/synthetic/ravs_mit-tiny_synthetic-ms3.py'


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--config', default=DEFAULT_CONFIG)
    parser.add_argument('--data-root', default='data/synthetic/ms3')
    # tools/segment_video.py takes its default model from here
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument('--num-pictures', type=int, default=6)
    return parser.parse_args(argv)


def print_table(rows: Dict[str, dict]) -> None:
    """J, F, J&F overall, and J&F / false-positive rate per case tag, one row per predictor."""
    tags = [t for t in CASE_TAGS if any(f'J&F@{t}' in m for m in rows.values())]
    head = f"{'predictor':<14}{'J':>6}{'F':>6}{'J&F':>6}{'FPR':>6}" + ''.join(
        f'{t[:15]:>17}' for t in tags)
    print(head + '\n' + f"{'':<38}" + ''.join(f"{'J&F   FPR':>17}" for _ in tags))
    print('-' * len(head))

    def cell(value: float) -> str:
        return '    -' if value != value else f'{value:5.1f}'  # NaN: no such frame

    for name, m in rows.items():
        cells = ''.join(f"{cell(m[f'J&F@{t}']):>11} {cell(m[f'FPR@{t}'])}" for t in tags)
        print(f"{name:<14}{m['J']:>6.1f}{m['F']:>6.1f}{m['J&F']:>6.1f}{cell(m['FPR_empty']):>6}"
              f'{cells}')
    print('FPR: share of the frames with empty truth (nothing audible on screen) that have any '
          'predicted pixel.\nOn such frames J cannot exceed 50 under the dataset protocol (the '
          'sounding class has no pixel there), so read FPR.')


def write_pictures(runner: Runner, out_dir: str, num_clips: int) -> List[str]:
    """Frame / ground truth / prediction grids for the first test clips."""
    os.makedirs(out_dir, exist_ok=True)
    model, loader = runner.model, runner.test_dataloader
    palette = [[0, 0, 0], [255, 40, 40]]
    written = []
    model.eval()
    for batch in loader:
        with torch.no_grad():
            preds = model.test_step(batch)
        T = batch['inputs'][0].shape[0]
        for b in range(len(batch['inputs'])):
            clip = preds[b * T:(b + 1) * T]
            frames = [mmcv.imread(s.img_path, channel_order='rgb') for s in clip]
            gts = [overlay_mask(f, s.gt_sem_seg.data[0].numpy(), palette)
                   for f, s in zip(frames, clip)]
            prs = [overlay_mask(f, s.pred_sem_seg.data[0].numpy(), palette)
                   for f, s in zip(frames, clip)]
            titles = [f"t={s.frame_idx} {' '.join(s.case_tags)}"[:22] for s in clip]
            grid = draw_clip_grid(frames, [gts, prs], ['frame', 'ground truth', 'prediction'],
                                  titles)
            path = osp.join(out_dir, f'{clip[0].clip_id}.png')
            mmcv.imwrite(grid[..., ::-1], path)
            written.append(path)
            if len(written) >= num_clips:
                return written
    return written


def main(argv=None) -> dict:
    args = parse_args(argv)
    start = time.time()
    if not osp.isfile(osp.join(args.data_root, 'ms3_meta_data.csv')):
        print(f'writing the synthetic data set to {args.data_root} ...')
        generate_synthetic_avs(args.data_root, layout='ms3', preset='easy', seed=0)
    cfg = load_run_config(args.config, work_dir=args.work_dir, cfg_options={
        'train_dataloader.dataset.data_root': args.data_root,
        'val_dataloader.dataset.data_root': args.data_root,
        'test_dataloader.dataset.data_root': args.data_root})
    runner = Runner.from_cfg(cfg)
    runner.train()
    trained = time.time()
    metrics = {'model': runner.test()}
    test_set = runner.test_dataloader.dataset
    for name in ('every object', 'nothing'):
        metrics[name] = score_reference(test_set, REFERENCE_PREDICTORS[name])
    print(f'\nTest split of {args.data_root} ({len(test_set)} clips), dataset protocol:')
    print_table(metrics)
    pictures = write_pictures(runner, osp.join(args.work_dir, 'pictures'), args.num_pictures)
    print(f'\npictures: {osp.dirname(pictures[0])} ({len(pictures)} clips)')
    with open(osp.join(args.work_dir, 'demo_metrics.json'), 'w') as f:
        json.dump(metrics, f, indent=2)
    print(f'training took {trained - start:.0f} s, all {time.time() - start:.0f} s')
    return metrics


if __name__ == '__main__':
    main()
