"""Where does a binary model put its foreground score: on the sounding object, on a silent one?

    python tools/analysis/score_by_region.py CONFIG CHECKPOINT [CHECKPOINT ...] --out DIR
        [--tag TAG] [--cfg-options ...]

The per-region measures (mean score, share above 0.5, the AUCs against silent objects and
background, empty frames) are defined in :mod:`mmseg_avs.analysis.score_by_region`. Writes
``score_by_region.json`` and ``score_by_region.md`` (one row per checkpoint: collapsed and
healthy seeds differ too much for a mean) to ``--out``.
"""
from typing import Dict, List, Optional

from mmseg_avs.analysis.checkpoint_loop import (analyse_checkpoints, parse_checkpoint_args,
                                                write_report)
from mmseg_avs.analysis.score_by_region import analyse, markdown


def main(argv: Optional[List[str]] = None) -> List[Dict[str, float]]:
    args = parse_checkpoint_args(__doc__.split('\n')[0], None,
                                 'only frames with this case tag (default: all)', argv)
    per_checkpoint = analyse_checkpoints(args, analyse)
    write_report(args, 'score_by_region', markdown(per_checkpoint, args.checkpoints, args.tag),
                 per_checkpoint=per_checkpoint)
    return per_checkpoint


if __name__ == '__main__':
    main()
