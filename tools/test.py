"""Evaluate a trained audio-visual segmentor.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--show-dir DIR] [--out FILE]
                                           [--cfg-options key=value ...] [--launcher pytorch]
"""
import argparse
import os.path as osp

from mmengine.config import Config
from mmengine.fileio import dump
from mmengine.runner import Runner

from mmseg_avs.utils import (add_run_arguments, init_cpu_distributed, load_run_config,
                             parse_run_arguments)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test an audio-visual segmentor')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--show-dir', help='write overlays of predictions into this dir')
    parser.add_argument('--show', action='store_true', help='show predictions in a window')
    parser.add_argument('--wait-time', type=float, default=2, help='seconds per shown image')
    parser.add_argument('--out', help='dump the metrics to this json file')
    add_run_arguments(parser)
    return parse_run_arguments(parser, argv)


def build_config(args: argparse.Namespace) -> Config:
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'checkpoint not found: {args.checkpoint}')
    cfg = load_run_config(args.config, args.cfg_options, args.work_dir, args.launcher)
    cfg.load_from = args.checkpoint
    if args.show or args.show_dir:
        vis_hook = cfg.default_hooks.get('visualization')
        if vis_hook is None:
            raise KeyError('--show/--show-dir need default_hooks.visualization in the config')
        vis_hook.update(draw=True, show=args.show, wait_time=args.wait_time)
        if args.show_dir:
            cfg.visualizer.vis_backends = [dict(type='LocalVisBackend')]
            cfg.visualizer.save_dir = args.show_dir
    return cfg


def main(argv=None) -> dict:
    args = parse_args(argv)
    init_cpu_distributed(args.launcher)
    runner = Runner.from_cfg(build_config(args))
    metrics = runner.test()
    if args.out:
        dump(metrics, args.out, indent=2)
    return metrics


if __name__ == '__main__':
    main()
