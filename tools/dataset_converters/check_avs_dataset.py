"""Check that a data root follows its published layout (AVSBench S4/MS3/AVSS or VPO).

Lists every missing or malformed file, grouped by kind, and exits with status 1 if there is
any problem, 0 on a clean root. Examples::

    python tools/dataset_converters/check_avs_dataset.py s4 data/avsbench_data/Single-source \\
        --img-size 224 224 --check-logmel
    python tools/dataset_converters/check_avs_dataset.py vpo-ms data/audio_visual

The checks: :func:`mmseg_avs.datasets.layout_check.check_layout`.
"""
import argparse
import sys
from typing import Optional, Sequence

from mmseg_avs.datasets.layout_check import LAYOUTS, check_layout


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Command-line arguments.

    Args:
        argv (Sequence[str], optional): Arguments; defaults to ``sys.argv[1:]``.

    Returns:
        argparse.Namespace: The parsed arguments.
    """
    parser = argparse.ArgumentParser(description='Check an AVS data root against its layout.')
    parser.add_argument('layout', choices=list(LAYOUTS))
    parser.add_argument('data_root', help='the folder given to the dataset as data_root '
                        '(Single-source, Multi-sources, avs_released, or the one holding VPO/)')
    parser.add_argument('--splits', nargs='+', help='splits to check (default: all)')
    parser.add_argument('--img-size', nargs=2, type=int, metavar=('H', 'W'),
                        help='expected frame size, e.g. 224 224 for published S4/MS3')
    parser.add_argument('--check-logmel', action='store_true',
                        help='also check the S4/MS3 audio_log_mel/*.pkl files')
    parser.add_argument('--max-lines', type=int, default=50,
                        help='problems shown per kind (default: 50)')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the check and print the report.

    Args:
        argv (Sequence[str], optional): Arguments; defaults to ``sys.argv[1:]``.

    Returns:
        int: 0 for a clean root, 1 if any problem was found.
    """
    args = parse_args(argv)
    report = check_layout(args.data_root, args.layout, splits=args.splits,
                          img_size=args.img_size, check_logmel=args.check_logmel)
    print(report.format(max_per_kind=args.max_lines))
    return 0 if report.ok else 1


if __name__ == '__main__':
    sys.exit(main())
