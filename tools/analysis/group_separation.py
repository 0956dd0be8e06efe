"""Do the AMA groups separate a sounding object from a silent object of the same class?

    python tools/analysis/group_separation.py CONFIG CHECKPOINT [CHECKPOINT ...] --out DIR
        [--tag same_class_pair] [--cfg-options ...]

What it measures per AMA stage (group purity against chance, the AUCs of the relevance and
of the audio response) is defined in :mod:`mmseg_avs.analysis.group_separation`. With
several checkpoints (seeds) the table is the mean ± sample std over them. Writes
``group_separation.json`` and ``group_separation.md`` to ``--out``; the pictures of the
groups are ``tools/analysis/show_clips.py --tag same_class_pair``.
"""
from typing import Dict, List, Optional

from mmseg_avs.analysis.checkpoint_loop import (analyse_checkpoints, parse_checkpoint_args,
                                                write_report)
from mmseg_avs.analysis.group_separation import analyse, markdown, summarise


def main(argv: Optional[List[str]] = None) -> Dict[str, dict]:
    args = parse_checkpoint_args(__doc__.split('\n')[0], 'same_class_pair',
                                 'case tag of the frames', argv)
    per_checkpoint = analyse_checkpoints(args, analyse)
    summary = summarise(per_checkpoint)
    write_report(args, 'group_separation', markdown(summary, args.tag, len(args.checkpoints)),
                 per_checkpoint=per_checkpoint, summary=summary)
    return summary


if __name__ == '__main__':
    main()
