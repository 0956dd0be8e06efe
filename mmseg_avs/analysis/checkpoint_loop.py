"""What the per-checkpoint analyses (:mod:`.group_separation`, :mod:`.score_by_region`) share:
their command line, the loop that evaluates each checkpoint on the test split and the report
files."""
import argparse
import json
import os
import os.path as osp
from typing import Callable, List, Optional, Sequence

from mmengine.runner import Runner, load_checkpoint

from ..apis import add_run_arguments, load_run_config, parse_run_arguments


def parse_checkpoint_args(description: str, tag_default: Optional[str], tag_help: str,
                          argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """``CONFIG CHECKPOINT [CHECKPOINT ...] --out DIR [--tag TAG]`` plus the run arguments.

    Args:
        description (str): The command line's description.
        tag_default (str, optional): The default of ``--tag``.
        tag_help (str): The help text of ``--tag``.
        argv (Sequence[str], optional): The arguments; None reads ``sys.argv``.

    Returns:
        argparse.Namespace: The parsed arguments.
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('config')
    parser.add_argument('checkpoints', nargs='+', help='one or more (e.g. one per seed)')
    parser.add_argument('--out', required=True, help='folder for the JSON and markdown')
    parser.add_argument('--tag', default=tag_default, help=tag_help)
    add_run_arguments(parser)
    return parse_run_arguments(parser, argv)


def analyse_checkpoints(args: argparse.Namespace, analyse: Callable) -> List:
    """``analyse(model, test_dataloader, args.tag)`` for each checkpoint, loaded strictly into
    one model built from the config (eval mode).

    Args:
        args (argparse.Namespace): What :func:`parse_checkpoint_args` returns.
        analyse (Callable): ``(model, dataloader, tag) -> result`` for one checkpoint.

    Returns:
        list: One result per checkpoint, in order.
    """
    cfg = load_run_config(args.config, args.cfg_options,
                          args.work_dir or osp.join(args.out, 'run_logs'))
    runner = Runner.from_cfg(cfg)
    model = runner.model.eval()
    results = []
    for checkpoint in args.checkpoints:
        load_checkpoint(model, checkpoint, map_location='cpu', strict=True)
        results.append(analyse(model, runner.test_dataloader, args.tag))
    return results


def write_report(args: argparse.Namespace, name: str, text: str, **results) -> None:
    """``{name}.json`` (the config, checkpoints, tag and ``results``) and ``{name}.md``
    (``text``, also printed) in ``args.out``.

    Args:
        args (argparse.Namespace): What :func:`parse_checkpoint_args` returns.
        name (str): The files' name without extension.
        text (str): The markdown report.
        **results: Further JSON entries.
    """
    os.makedirs(args.out, exist_ok=True)
    with open(osp.join(args.out, f'{name}.json'), 'w') as f:
        json.dump(dict(config=args.config, checkpoints=args.checkpoints, tag=args.tag,
                       **results), f, indent=1)
    with open(osp.join(args.out, f'{name}.md'), 'w') as f:
        f.write(text)
    print(text)
