"""Write the synthetic audio-visual segmentation data set in the AVSBench layouts.

Examples::

    python tools/dataset_converters/make_synthetic_avs.py --out-dir data/synthetic_avs \\
        --layout both --preset easy
    python tools/dataset_converters/make_synthetic_avs.py --out-dir data/syn_hard \\
        --preset hard --num-train 600 --set p_switch_inside=0.9 --set snr_db=0,10

Knobs and presets: :class:`mmseg_avs.datasets.synthetic.SyntheticAVSConfig`.
"""
import argparse
import ast
import json
from typing import Any, Dict, List, Optional, Sequence

from mmseg_avs.datasets.synthetic import LAYOUTS, PRESETS, generate_synthetic_avs


def parse_knob(text: str) -> Dict[str, Any]:
    """Parse one ``KEY=VALUE`` knob setting.

    Args:
        text (str): E.g. ``p_switch=0.4`` or ``snr_db=0,10`` (a pair).

    Returns:
        dict: ``{KEY: value}``, the value read as a Python literal when it is one.
    """
    key, sep, value = text.partition('=')
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f'expected KEY=VALUE, got {text!r}')
    try:
        parsed = ast.literal_eval(value.strip())
    except (ValueError, SyntaxError):
        parsed = value.strip()
    return {key.strip(): parsed}


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Command-line arguments.

    Args:
        argv (Sequence[str], optional): Arguments; defaults to ``sys.argv[1:]``.

    Returns:
        argparse.Namespace: The parsed arguments.
    """
    parser = argparse.ArgumentParser(
        description='Generate the synthetic AVS data set (AVSBench MS3 / Semantic layouts).')
    parser.add_argument('--out-dir', required=True, help='data root to write')
    parser.add_argument('--layout', choices=LAYOUTS, default='ms3',
                        help="'both' writes OUT_DIR/ms3 and OUT_DIR/avss")
    parser.add_argument('--preset', choices=sorted(PRESETS), default='easy')
    parser.add_argument('--image-size', type=int, default=96, help='frame side, pixels')
    parser.add_argument('--seed', type=int, default=0)
    for split in ('train', 'val', 'test'):
        parser.add_argument(f'--num-{split}', type=int, default=None,
                            help=f'{split} clips (default: the layout default)')
    parser.add_argument('--set', dest='knobs', type=parse_knob, action='append', default=[],
                        metavar='KEY=VALUE',
                        help='override a knob of SyntheticAVSConfig (repeatable)')
    parser.add_argument('--no-progress', action='store_true', help='hide the progress bar')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> Dict[str, Any]:
    """Generate the data set and print its summary.

    Args:
        argv (list[str], optional): Arguments; defaults to ``sys.argv[1:]``.

    Returns:
        dict: The summary returned by ``generate_synthetic_avs``.
    """
    args = parse_args(argv)
    num_clips = {split: getattr(args, f'num_{split}') for split in ('train', 'val', 'test')
                 if getattr(args, f'num_{split}') is not None}
    overrides: Dict[str, Any] = {}
    for knob in args.knobs:
        overrides.update(knob)
    summary = generate_synthetic_avs(
        args.out_dir, layout=args.layout, preset=args.preset, num_clips=num_clips,
        image_size=args.image_size, seed=args.seed, progress=not args.no_progress,
        **overrides)
    print(json.dumps(summary, indent=2))
    return summary


if __name__ == '__main__':
    main()
