"""A static HTML page of one evaluation: overall metrics and every clip, worst first."""
import datetime
import html
import math
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence

import cv2
import mmcv
import numpy as np

STYLE = """
body { font-family: sans-serif; margin: 24px; color: #222; }
h1 { font-size: 22px; margin-bottom: 4px; }
.info { color: #555; font-size: 13px; margin-bottom: 16px; }
table { border-collapse: collapse; margin-bottom: 24px; }
th, td { border: 1px solid #ccc; padding: 4px 8px; font-size: 13px; text-align: left; }
th { background: #f0f0f0; position: sticky; top: 0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.pics { padding: 2px; }
td.pics img { display: block; image-rendering: pixelated; margin: 1px 0; }
.bad { background: #fde0dc; } .mid { background: #fff4d6; } .good { background: #e3f4e1; }
.metrics td { min-width: 70px; }
"""


def write_strip(pictures: Sequence[np.ndarray], path: str, height: int = 48) -> None:
    """Write RGB pictures side by side, each resized to ``height`` keeping its aspect ratio.

    Args:
        pictures (Sequence[np.ndarray]): ``[H, W, 3]`` uint8 RGB pictures.
        path (str): The PNG to write.
        height (int): Height of the strip in pixels.
    """
    cells = [cv2.resize(p, (max(1, round(p.shape[1] * height / p.shape[0])), height),
                        interpolation=cv2.INTER_AREA) for p in pictures]
    mmcv.imwrite(np.hstack(cells)[..., ::-1], path)


def _number(value: Optional[float], digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return '&ndash;'
    return f'{value:.{digits}f}' if isinstance(value, float) else str(value)


def _shade(score: Optional[float]) -> str:
    """A row colour by J&F: red below 50, amber below 80, green above."""
    if score is None or math.isnan(score):
        return ''
    return 'bad' if score < 50 else 'mid' if score < 80 else 'good'


def write_html_report(out_dir: str, clips: List[dict], metrics: Dict[str, float],
                      title: str, info: Optional[Dict[str, str]] = None) -> str:
    """Write ``out_dir/index.html``: the overall metrics, then a table of the clips sorted
    worst J&F first (clips without a J&F last) with their picture strips.

    Args:
        out_dir (str): The report folder; picture paths of ``clips`` are relative to it.
        clips (list[dict]): One dict per clip: ``clip_id``, ``J``, ``F``, ``J&F`` (percent),
            ``num_frames``, optional ``tags`` (list of case tags), optional
            ``uncertainty`` (mean), and ``pictures``, a dict of row title -> strip path.
        metrics (dict[str, float]): The evaluation's overall metrics.
        title (str): The page title.
        info (dict[str, str], optional): Extra lines under the title (config, checkpoint).

    Returns:
        str: The path of the page.
    """
    def sort_key(clip: dict) -> tuple:
        score = clip.get('J&F')
        missing = score is None or math.isnan(score)
        return (missing, 0.0 if missing else score, clip['clip_id'])

    clips = sorted(clips, key=sort_key)
    rows_kinds = list(dict.fromkeys(k for clip in clips for k in clip['pictures']))
    has_uncertainty = any('uncertainty' in clip for clip in clips)
    esc = html.escape
    lines = ['<!DOCTYPE html>', '<html><head><meta charset="utf-8">',
             f'<title>{esc(title)}</title>', f'<style>{STYLE}</style></head><body>',
             f'<h1>{esc(title)}</h1>', '<div class="info">']
    stamp = datetime.datetime.now().strftime('%Y-%m-%d %H:%M')
    for key, value in list((info or {}).items()) + [('written', stamp), ('clips', len(clips))]:
        lines.append(f'<b>{esc(str(key))}</b>: {esc(str(value))}<br>')
    # one row for all frames, one per case tag (the metric's ``name@tag`` entries); AVSMetric
    # calls the false-positive rate of all frames FPR_empty and that of a tag's frames FPR@tag
    groups: Dict[str, Dict[str, float]] = {}
    for key, value in metrics.items():
        name, _, tag = key.partition('@')
        name = 'FPR' if name == 'FPR_empty' else name
        groups.setdefault(tag or 'all frames', {})[name] = value
    columns = list(dict.fromkeys(name for group in groups.values() for name in group))
    lines.append('</div><h2>Overall</h2><table class="metrics"><tr><th></th>')
    lines += [f'<th>{esc(name)}</th>' for name in columns] + ['</tr>']
    for tag, group in groups.items():
        lines.append(f'<tr><th>{esc(tag)}</th>' + ''.join(
            f'<td class="num">{_number(group.get(name), 2)}</td>' for name in columns) + '</tr>')
    lines.append('</table>')
    lines.append('<h2>Clips, worst J&amp;F first</h2><table><tr><th>#</th><th>clip</th>'
                 '<th>J&amp;F</th><th>J</th><th>F</th><th>frames</th><th>case tags</th>'
                 + ('<th>uncertainty</th>' if has_uncertainty else '')
                 + ''.join(f'<th>{esc(k)}</th>' for k in rows_kinds) + '</tr>')
    for rank, clip in enumerate(clips, 1):
        cells = [f'<td class="num">{rank}</td>', f'<td>{esc(str(clip["clip_id"]))}</td>']
        cells += [f'<td class="num">{_number(clip.get(k))}</td>' for k in ('J&F', 'J', 'F')]
        cells.append(f'<td class="num">{clip.get("num_frames", "")}</td>')
        cells.append(f'<td>{esc(", ".join(clip.get("tags", [])))}</td>')
        if has_uncertainty:
            cells.append(f'<td class="num">{_number(clip.get("uncertainty"), 3)}</td>')
        for kind in rows_kinds:
            path = clip['pictures'].get(kind)
            cells.append(f'<td class="pics"><img src="{esc(path)}" alt="{esc(kind)}" '
                         f'loading="lazy"></td>' if path else '<td></td>')
        lines.append(f'<tr class="{_shade(clip.get("J&F"))}">{"".join(cells)}</tr>')
    lines.append('</table></body></html>')
    os.makedirs(out_dir, exist_ok=True)
    page = osp.join(out_dir, 'index.html')
    with open(page, 'w', encoding='utf-8') as f:
        f.write('\n'.join(lines))
    return page
