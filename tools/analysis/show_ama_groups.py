"""Write pictures of the last AMA stage's groups (as the paper's Fig. 5) for test clips.

    python tools/analysis/show_ama_groups.py CONFIG CHECKPOINT --out-dir DIR [--num-clips 4]

Each picture is one clip: the frames, the ground truth, the prediction and the groups, blue
for positives (audio response A > 0), red for negatives, shaded by |A|.
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

from mmseg_avs.utils import add_run_arguments, load_run_config, parse_run_arguments
from mmseg_avs.visualization import draw_ama_groups, draw_clip_grid, overlay_mask


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--out-dir', required=True)
    parser.add_argument('--num-clips', type=int, default=4)
    add_run_arguments(parser)
    return parse_run_arguments(parser, argv)


def main(argv=None) -> List[str]:
    args = parse_args(argv)
    cfg = load_run_config(args.config, args.cfg_options,
                          args.work_dir or osp.join(args.out_dir, 'run_logs'))
    runner = Runner.from_cfg(cfg)
    model = runner.model.eval()
    load_checkpoint(model, args.checkpoint, map_location='cpu', strict=True)
    palette = [[0, 0, 0], [255, 40, 40]]
    os.makedirs(args.out_dir, exist_ok=True)
    written = []
    for batch in runner.test_dataloader:
        with torch.no_grad():
            data = model.data_preprocessor(batch, False)
            tokens, embedding = model.encode_audio(data['audio'])
            feats = model.backbone(data['inputs'], tokens)
            groups, valid, audio_vec = model.backbone.alignment_features(embedding)
            response = torch.einsum('nd,npd->np', F.normalize(audio_vec, dim=-1),
                                    F.normalize(groups, dim=-1))
            preds = model.predict(data['inputs'], data['data_samples'], data['audio'])
        last = model.backbone.fusion_stages[-1]
        h, w = feats[last].shape[-2:]
        labels = model.backbone.fusions[str(last)].last_labels.view(-1, h, w).numpy()
        num_frames = data['audio'].shape[1]
        for b in range(data['audio'].shape[0]):
            idx = range(b * num_frames, (b + 1) * num_frames)
            samples = [preds[i] for i in idx]
            frames = [np.zeros((*s.ori_shape, 3), np.uint8) if s.is_padded
                      else mmcv.imread(s.img_path, channel_order='rgb') for s in samples]
            rows = [[overlay_mask(f, s.gt_sem_seg.data[0].numpy(), palette)
                     for f, s in zip(frames, samples)],
                    [overlay_mask(f, s.pred_sem_seg.data[0].numpy(), palette)
                     for f, s in zip(frames, samples)],
                    [draw_ama_groups(f, labels[i], response[i].masked_fill(~valid[i], 0).numpy())
                     for f, i in zip(frames, idx)]]
            grid = draw_clip_grid(frames, rows, ['frame', 'ground truth', 'prediction',
                                                 'AMA groups'],
                                  [f't={s.frame_idx}' for s in samples])
            path = osp.join(args.out_dir, f'{samples[0].clip_id}_groups.png')
            mmcv.imwrite(grid[..., ::-1], path)
            written.append(path)
            if len(written) >= args.num_clips:
                return written
    return written


if __name__ == '__main__':
    main()
