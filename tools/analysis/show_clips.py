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
import numpy as np
import torch
import torch.nn.functional as F
from mmengine.runner import Runner, load_checkpoint

from mmseg_avs.models.ama import SoundGuidedSemanticMerging
from mmseg_avs.utils import add_run_arguments, load_run_config, parse_run_arguments
from mmseg_avs.visualization import (draw_ama_groups, draw_clip_grid, draw_uncertainty,
                                     overlay_mask)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--out-dir', required=True)
    parser.add_argument('--num-clips', type=int, default=4)
    parser.add_argument('--tag', help='only clips with a frame of this case tag')
    add_run_arguments(parser)
    return parse_run_arguments(parser, argv)


def group_rows(model, data: dict, frames: List[np.ndarray], num_frames: int) -> list:
    """The AMA group picture of every frame of the batch (per clip), as in Fig. 5."""
    tokens, embedding = model.encode_audio(data['audio'])
    feats = model.backbone(data['inputs'], tokens)
    groups, valid, audio_vec = model.backbone.alignment_features(embedding)
    response = torch.einsum('nd,npd->np', F.normalize(audio_vec, dim=-1),
                            F.normalize(groups, dim=-1)).masked_fill(~valid, 0)
    last = model.backbone.fusion_stages[-1]
    h, w = feats[last].shape[-2:]
    labels = model.backbone.fusions[str(last)].last_labels.view(-1, h, w).numpy()
    pictures = [draw_ama_groups(f, labels[i], response[i].numpy()) for i, f in enumerate(frames)]
    return [pictures[i:i + num_frames] for i in range(0, len(pictures), num_frames)]


def main(argv=None) -> List[str]:
    args = parse_args(argv)
    cfg = load_run_config(args.config, args.cfg_options,
                          args.work_dir or osp.join(args.out_dir, 'run_logs'))
    runner = Runner.from_cfg(cfg)
    model = runner.model.eval()
    load_checkpoint(model, args.checkpoint, map_location='cpu', strict=True)
    has_groups = bool(model.backbone.fusion_stages) and isinstance(
        model.backbone.fusions[str(model.backbone.fusion_stages[-1])],
        SoundGuidedSemanticMerging)
    palette = runner.test_dataloader.dataset.metainfo['palette']
    os.makedirs(args.out_dir, exist_ok=True)
    written = []
    for batch in runner.test_dataloader:
        with torch.no_grad():
            data = model.data_preprocessor(batch, False)
            preds = model.predict(data['inputs'], data['data_samples'], data['audio'])
            frames = [np.zeros((*s.ori_shape, 3), np.uint8) if s.is_padded
                      else mmcv.imread(s.img_path, channel_order='rgb') for s in preds]
            num_frames = data['audio'].shape[1]
            groups = group_rows(model, data, frames, num_frames) if has_groups else None
        for b in range(len(preds) // num_frames):
            samples = preds[b * num_frames:(b + 1) * num_frames]
            clip_frames = frames[b * num_frames:(b + 1) * num_frames]
            tagged = [args.tag in s.metainfo.get('case_tags', []) for s in samples]
            if args.tag and not any(tagged):
                continue
            rows = [[overlay_mask(f, s.gt_sem_seg.data[0].numpy(), palette)
                     for f, s in zip(clip_frames, samples)],
                    [overlay_mask(f, s.pred_sem_seg.data[0].numpy(), palette)
                     for f, s in zip(clip_frames, samples)]]
            titles = ['frame', 'ground truth', 'prediction']
            if 'uncertainty' in samples[0]:
                rows.append([draw_uncertainty(f, s.uncertainty.data[0].numpy())
                             for f, s in zip(clip_frames, samples)])
                titles.append('uncertainty')
            if groups is not None:
                rows.append(groups[b])
                titles.append('AMA groups')
            grid = draw_clip_grid(clip_frames, rows, titles,
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
