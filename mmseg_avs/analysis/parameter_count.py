"""Parameters of audio-visual segmentors per part, counted on the architecture alone.

Each model is built from its config with every pretrained weight file switched off (the audio
encoder's ``pretrained`` and any ``init_cfg`` of type ``Pretrained`` set to None), so no
weight file is needed. Frozen means ``requires_grad=False`` after the build, e.g. the
published VGGish / HTS-AT weights. The command line is ``tools/analysis/count_params.py``.
"""
from collections import OrderedDict
from typing import Any, Dict, Sequence, Tuple

import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmseg.registry import MODELS

PARTS = OrderedDict([
    ('visual backbone', 'backbone.visual.'),
    ('audio encoder', 'audio_encoder.'),
    ('fusion / AMA', 'backbone.fusions.'),
    ('decode head', 'decode_head.'),
])
OTHER = 'other'


def disable_pretrained(cfg: Any) -> Any:
    """Set every ``pretrained`` path and every ``init_cfg`` of type ``Pretrained`` in a
    (nested) config to None, in place, and return it.

    Args:
        cfg: A config dict, list or tuple (anything else is left alone).

    Returns:
        The same ``cfg``.
    """
    if isinstance(cfg, dict):
        for key, value in cfg.items():
            if key == 'pretrained' and isinstance(value, str):
                cfg[key] = None
            elif key == 'init_cfg' and _loads_a_file(value):
                cfg[key] = None
            else:
                disable_pretrained(value)
    elif isinstance(cfg, (list, tuple)):
        for item in cfg:
            disable_pretrained(item)
    return cfg


def _loads_a_file(init_cfg) -> bool:
    items = init_cfg if isinstance(init_cfg, (list, tuple)) else [init_cfg]
    return any(isinstance(item, dict) and item.get('type') == 'Pretrained' for item in items)


def build_model(config: str) -> torch.nn.Module:
    """The config's model, built without pretrained weights, on the CPU.

    Args:
        config (str): The config file (its ``custom_imports`` are imported).

    Returns:
        torch.nn.Module: The segmentor.
    """
    cfg = Config.fromfile(config)  # imports the config's custom_imports (mmseg_avs)
    with DefaultScope.overwrite_default_scope(cfg.get('default_scope', 'mmseg')):
        return MODELS.build(disable_pretrained(cfg.model))


def count_parts(model: torch.nn.Module,
                matches: Sequence[str] = ()) -> Dict[str, Tuple[int, int]]:
    """``{part: (parameters, frozen parameters)}`` for :data:`PARTS`, ``'other'``,
    ``'total'`` and each of ``matches``.

    Args:
        model (torch.nn.Module): The segmentor.
        matches (Sequence[str]): Also count, under each of these strings, the parameters
            whose name contains it (e.g. ``'audio_proj'``: the audio projections of every
            stage), across the parts.

    Returns:
        dict[str, tuple[int, int]]: The counts per part and per match.
    """
    counts = {name: [0, 0] for name in list(PARTS) + [OTHER, 'total'] + list(matches)}
    for name, param in model.named_parameters():
        part = next((p for p, prefix in PARTS.items() if name.startswith(prefix)), OTHER)
        for key in [part, 'total'] + [m for m in matches if m in name]:
            counts[key][0] += param.numel()
            counts[key][1] += 0 if param.requires_grad else param.numel()
    return {name: (total, frozen) for name, (total, frozen) in counts.items()}


def _millions(count: int) -> str:
    return f'{count / 1e6:.2f}M'


def _cell(total: int, frozen: int) -> str:
    if total == 0:
        return '-'
    if frozen == 0:
        return _millions(total)
    if frozen == total:
        return f'{_millions(total)} (frozen)'
    return f'{_millions(total)} ({_millions(frozen)} frozen)'


def markdown_table(rows: Sequence[Tuple[str, Dict[str, Tuple[int, int]]]],
                   matches: Sequence[str] = ()) -> str:
    """One row per model: each part, the total, the trainable and frozen totals, then the
    parameters of each of ``matches`` (see :func:`count_parts`).

    Args:
        rows (Sequence[tuple[str, dict]]): Per model, its label and :func:`count_parts`.
        matches (Sequence[str]): The matches counted by :func:`count_parts`, a column each.

    Returns:
        str: The markdown table; a cell gives the part's parameters in millions, with the
        frozen share in parentheses where there is one.
    """
    header = (['config'] + list(PARTS) + [OTHER, 'total', 'trainable', 'frozen']
              + [f'`*{m}*`' for m in matches])
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    for label, counts in rows:
        total, frozen = counts['total']
        cells = [label] + [_cell(*counts[p]) for p in list(PARTS) + [OTHER]]
        cells += [_millions(total), _millions(total - frozen), _millions(frozen)]
        cells += [_cell(*counts[m]) for m in matches]
        lines.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)
