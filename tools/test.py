"""Evaluate a trained audio-visual segmentor.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--show-dir DIR] [--out FILE]
                                           [--report DIR] [--audio-perturb silence|noise|shuffle]
                                           [--cfg-options key=value ...] [--launcher pytorch]

``--audio-perturb`` evaluates with misleading audio: every clip's sound replaced by silence,
by white noise of the same loudness, or by the sound of another test clip.
``--report DIR`` writes ``DIR/index.html``: the metrics and every clip, worst J&F first, with
pictures of its frames, ground truth, prediction and uncertainty (``AVSReportHook``).

The checkpoint holds every weight: the config's pretrained files (visual ``init_cfg``, the
audio encoder's ``pretrained``) are read by ``init_weights()`` when training starts, never
here, so they need not be on disk.
"""
import argparse
import os.path as osp

from mmengine.config import Config
from mmengine.dist import is_main_process
from mmengine.fileio import dump
from mmengine.runner import Runner

from mmseg_avs.apis import (add_run_arguments, check_config, init_cpu_distributed,
                            load_run_config, parse_run_arguments)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test an audio-visual segmentor')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--show-dir', help='write overlays of predictions into this dir')
    parser.add_argument('--show', action='store_true', help='show predictions in a window')
    parser.add_argument('--wait-time', type=float, default=2, help='seconds per shown image')
    parser.add_argument('--out', help='dump the metrics to this json file')
    parser.add_argument('--report', metavar='DIR',
                        help='write an HTML report (clips sorted worst J&F first) into DIR')
    parser.add_argument('--audio-perturb', choices=['silence', 'noise', 'shuffle'],
                        help='replace the audio of every test clip')
    add_run_arguments(parser)
    return parse_run_arguments(parser, argv)


def build_config(args: argparse.Namespace) -> Config:
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'checkpoint not found: {args.checkpoint}')
    cfg = load_run_config(args.config, args.cfg_options, args.work_dir, args.launcher)
    cfg.load_from = args.checkpoint
    if args.audio_perturb:
        perturb_test_audio(cfg, args.audio_perturb)
    if args.report:
        info = dict(config=args.config, checkpoint=args.checkpoint)
        if args.audio_perturb:
            info['audio'] = f'perturbed: {args.audio_perturb}'
        cfg.custom_hooks = list(cfg.get('custom_hooks') or []) + [dict(
            type='AVSReportHook', out_dir=args.report,
            title=f'{osp.splitext(osp.basename(args.config))[0]}: test report', info=info)]
    if args.show or args.show_dir:
        vis_hook = cfg.default_hooks.get('visualization')
        if vis_hook is None:
            raise KeyError('--show/--show-dir need default_hooks.visualization in the config')
        vis_hook.update(draw=True, show=args.show, wait_time=args.wait_time)
        if args.show_dir:
            cfg.visualizer.vis_backends = [dict(type='LocalVisBackend')]
            cfg.visualizer.save_dir = args.show_dir
    return cfg


def perturb_test_audio(cfg: Config, mode: str) -> None:
    """Swap the test clips' audio (``'shuffle'``) or replace the waveform in LoadAVSAudio."""
    loader = cfg.test_dataloader
    if mode == 'shuffle':
        loader.dataset = dict(type='AudioSwapDataset', dataset=loader.dataset)
        return
    steps = [t for t in loader.dataset.pipeline if t['type'] == 'LoadAVSAudio']
    if not steps:
        raise KeyError('--audio-perturb needs LoadAVSAudio in test_dataloader.dataset.pipeline')
    for step in steps:
        step['perturb'] = mode


def main(argv=None) -> dict:
    args = parse_args(argv)
    init_cpu_distributed(args.launcher)
    cfg = build_config(args)
    check_config(cfg)  # before anything is built: disagreeing settings fail here
    runner = Runner.from_cfg(cfg)
    # strict: weights missing from the checkpoint would be evaluated at their random init
    runner.load_checkpoint(cfg.load_from, strict=True)
    metrics = runner.test()
    if args.out and is_main_process():  # every rank holds the metrics; one writes them
        dump(metrics, args.out, indent=2)
    return metrics


if __name__ == '__main__':
    main()
