"""Train an audio-visual segmentor with MMEngine's runner.

    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]] [--amp]
                                 [--cfg-options key=value ...] [--launcher pytorch]
"""
import argparse
import os.path as osp

from mmengine.config import Config
from mmengine.runner import Runner

from mmseg_avs.apis import (add_run_arguments, check_config, init_cpu_distributed,
                            load_run_config, parse_run_arguments)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train an audio-visual segmentor')
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--resume', nargs='?', const='auto', default=None,
        help='resume from CKPT, or from the latest checkpoint in the work dir if no path')
    parser.add_argument('--amp', action='store_true', help='automatic mixed precision')
    add_run_arguments(parser)
    return parse_run_arguments(parser, argv)


def build_config(args: argparse.Namespace) -> Config:
    cfg = load_run_config(args.config, args.cfg_options, args.work_dir, args.launcher)
    if args.amp:
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if args.resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif args.resume is not None:
        if not osp.isfile(args.resume):
            raise FileNotFoundError(f'--resume: checkpoint not found: {args.resume}')
        cfg.resume, cfg.load_from = True, args.resume
    return cfg


def main(argv=None) -> None:
    args = parse_args(argv)
    init_cpu_distributed(args.launcher)
    cfg = build_config(args)
    check_config(cfg)  # before anything is built: disagreeing settings fail here
    runner = Runner.from_cfg(cfg)
    runner.train()


if __name__ == '__main__':
    main()
