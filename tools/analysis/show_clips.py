"""Write one picture per test clip: frames, ground truth, prediction, and what the model has
of uncertainty (UE head, as the paper's Fig. 6) and AMA groups (as Fig. 5).

    python tools/analysis/show_clips.py CONFIG CHECKPOINT --out-dir DIR [--num-clips 4]
        [--tag state_transition]

Uncertainty runs blue (low) to red (high). Groups of the last AMA stage are blue for
positives (audio response A > 0), red for negatives, shaded by |A|. ``--tag`` keeps the clips
with at least one frame of that case tag (frames carrying it are starred).
"""
import argparse
import os
import os.path as osp
from typing import List

import mmcv
import torch
from mmengine.runner import Runner, load_checkpoint

from mmseg_avs.apis import add_run_arguments, load_run_config, parse_run_arguments
from mmseg_avs.visualization import (ama_group_pictures, clip_panel_rows, draw_clip_grid,
                                     read_clip_frames)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--out-dir', required=True)
    parser.add_argument('--num-clips', type=int, default=4)
    parser.add_argument('--tag', help='only clips with a frame of this case tag')
    add_run_arguments(parser)
    return parse_run_arguments(parser, argv)


def main(argv=None) -> List[str]:
    args = parse_args(argv)
    cfg = load_run_config(args.config, args.cfg_options,
                          args.work_dir or osp.join(args.out_dir, 'run_logs'))
    runner = Runner.from_cfg(cfg)
    model = runner.model.eval()
    load_checkpoint(model, args.checkpoint, map_location='cpu', strict=True)
    palette = runner.test_dataloader.dataset.metainfo['palette']
    os.makedirs(args.out_dir, exist_ok=True)
    written = []
    for batch in runner.test_dataloader:
        with torch.no_grad():
            data = model.data_preprocessor(batch, False)
            preds = model.predict(data['inputs'], data['data_samples'], data['audio'])
        frames = read_clip_frames(preds)
        groups = ama_group_pictures(model, data['inputs'], data['audio'], frames)
        num_frames = data['audio'].shape[1]
        for b in range(len(preds) // num_frames):
            clip = slice(b * num_frames, (b + 1) * num_frames)
            samples = preds[clip]
            tagged = [args.tag in s.metainfo.get('case_tags', []) for s in samples]
            if args.tag and not any(tagged):
                continue
            rows, titles = clip_panel_rows(frames[clip], samples, palette,
                                           None if groups is None else groups[clip])
            grid = draw_clip_grid(frames[clip], rows, titles,
                                  [f"t={s.frame_idx}{' *' if t else ''}"
                                   for s, t in zip(samples, tagged)])
            path = osp.join(args.out_dir, f'{samples[0].clip_id}.png')
            mmcv.imwrite(grid[..., ::-1], path)
            written.append(path)
            if len(written) >= args.num_clips:
                return written
    return written


if __name__ == '__main__':
    main()
