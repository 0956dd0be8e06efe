"""Count the parameters of audio-visual segmentors, per part, as a markdown table.

    python tools/analysis/count_params.py CONFIG [CONFIG ...] [--match NAME [NAME ...]]

Each model is built from its config with every pretrained weight file switched off (the audio
encoder's ``pretrained`` and any ``init_cfg`` of type ``Pretrained`` set to None), so no
weight file is needed and the counts are those of the architecture. Frozen means
``requires_grad=False`` after the build, e.g. the published VGGish / HTS-AT weights.

Parts: the visual backbone (``backbone.visual``), the audio encoder (``audio_encoder``), the
audio-visual fusion / AMA blocks (``backbone.fusions``), the decode head (``decode_head``)
and anything else (e.g. the contrastive loss's learnable scale). Each cell gives the part's
parameters in millions, with the frozen share in parentheses where there is one.
``--match NAME`` adds a column with the parameters whose name contains NAME, across the parts
(e.g. ``audio_proj``: every stage's audio projection; ``temporal``: the UE head's temporal
layers).
"""
import argparse
import os.path as osp
from typing import List, Optional

from mmseg_avs.analysis.parameter_count import build_model, count_parts, markdown_table


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Parameters per part of segmentors')
    parser.add_argument('configs', nargs='+', help='config files')
    parser.add_argument('--match', nargs='+', default=[], metavar='NAME',
                        help='also count the parameters whose name contains NAME')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> str:
    args = parse_args(argv)
    rows = [(osp.splitext(osp.basename(path))[0], count_parts(build_model(path), args.match))
            for path in args.configs]
    table = markdown_table(rows, args.match)
    print(table)
    return table


if __name__ == '__main__':
    main()
