"""Write the MIM metafiles of the config families and each family's config table from them.

    python tools/analysis/make_metafiles.py            # rewrite metafiles + family tables
    python tools/analysis/make_metafiles.py --check    # exit 1 if any is out of date

``model-index.yml`` imports ``configs/<family>/metafile.yaml`` (the OpenMMLab / MIM
convention, so ``mim search`` and MMSeg's inferencer can find the configs). Each model entry
is read from its config: data set, classes, visual and audio encoders, fusion, decode head,
and the paper row its header names. No trained weights are published, so entries have no
``Weights`` and their ``Results`` are the paper's numbers (``Paper: true``), not ours. Each
family's table is made from its metafile and written into ``configs/<family>/README.md``,
between ``<!-- config-table:start -->`` and ``<!-- config-table:end -->`` (the README and its
markers must exist; the text around them is kept).
"""
import argparse
import glob
import os.path as osp
import re
import sys
from typing import Dict, List

import yaml
from mmengine.config import Config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
FAMILIES = {
    'ravs': ('RAVS', 'The paper\'s configs: Tables 1-2 rows and the Tables 3-4 ablations.'),
    'synthetic': ('RAVS-synthetic', 'Tiny CPU configs on the generated data set.'),
    'mixing': ('mixing', 'Our components inside other MMSeg configs.'),
}
PAPER = dict(Title='Robust Audio-Visual Segmentation via Audio-Guided Visual Convergent '
                   'Alignment')
TABLE_START, TABLE_END = '<!-- config-table:start -->', '<!-- config-table:end -->'
PAPER_ROW = re.compile(r'J&F / J / F_beta = ([\d.]+) / ([\d.]+) / ([\d.]+)')


def model_entry(path: str, collection: str) -> dict:
    cfg = Config.fromfile(path)
    model = cfg.model
    backbone = model.get('backbone', {})
    visual = backbone.get('visual', backbone)
    fusion = backbone.get('fusion') or {}
    ama = backbone.get('ama') or {}
    dataset = cfg.get('test_dataloader', {}).get('dataset', {})
    metadata = {
        'Training Data': dataset.get('type', dataset.get('dataset', {}).get('type')),
        'Classes': model.decode_head.num_classes,
        'Visual Encoder': visual.get('type'),
        'Audio Encoder': model.get('audio_encoder', {}).get('type'),
        'Fusion': fusion.get('type'),
        'AMA': ama.get('type'),
        'AMA Stages': [s + 1 for s in backbone['ama_stages']] if ama else None,
        'AMA Groups': ama.get('num_groups'),
        'Decode Head': model.decode_head.type,
        'UE Fusion': model.decode_head.get('fusion'),
        'Contrastive Loss Weight': (model.get('contrastive_loss') or {}).get('loss_weight'),
    }
    entry = {'Name': osp.splitext(osp.basename(path))[0], 'In Collection': collection,
             'Config': osp.relpath(path, REPO),
             'Metadata': {k: v for k, v in metadata.items() if v is not None}}
    with open(path) as f:
        paper = PAPER_ROW.search(f.read())
    if paper:
        jf, j, f = (float(v) for v in paper.groups())
        entry['Results'] = [{'Task': 'Audio-Visual Segmentation',
                             'Dataset': metadata['Training Data'], 'Paper': True,
                             'Metrics': {'J&F': jf, 'J': j, 'F': f}}]
    return entry


def metafiles() -> Dict[str, dict]:
    out = {}
    for family, (collection, description) in FAMILIES.items():
        pattern = osp.join(REPO, 'configs', family, '**', '*.py')
        paths = sorted(glob.glob(pattern, recursive=True))
        out[f'configs/{family}/metafile.yaml'] = {
            'Collections': [{'Name': collection, 'Metadata': {'Description': description},
                             'Paper': PAPER}],
            'Models': [model_entry(p, collection) for p in paths],
        }
    return out


def family_readme(family: str) -> str:
    """Where a family's config table lives, relative to the repository."""
    return f'configs/{family}/README.md'


def config_table(meta: dict, family: str) -> str:
    """The markdown table of one family's metafile; links are relative to its README. The
    "paper J&F" column is left out for a family with no paper row."""
    models = meta['Models']
    has_paper = any('Results' in m for m in models)
    header = '| config | data set | visual | audio | fusion; AMA (groups, stages) | head |'
    lines = [header + (' paper J&F |' if has_paper else ''),
             '|---' * (7 if has_paper else 6) + '|']
    for m in models:
        md = m['Metadata']
        fusion = md.get('Fusion', '–') + (
            f"; {md['AMA']} ({md['AMA Groups']}, stages {md['AMA Stages']})"
            if 'AMA' in md else '')
        head = md['Decode Head'] + (f" ({md['UE Fusion']})" if 'UE Fusion' in md else '')
        link = osp.relpath(m['Config'], f'configs/{family}').replace(osp.sep, '/')
        line = (f"| [`{m['Name']}`]({link}) | {md['Training Data']} | "
                f"{md['Visual Encoder']} | {md.get('Audio Encoder', '–')} | {fusion} | {head} |")
        if has_paper:
            line += f" {m['Results'][0]['Metrics']['J&F'] if 'Results' in m else '–'} |"
        lines.append(line)
    return '\n'.join(lines)


def replace_table(text: str, table: str, path: str) -> str:
    """``text`` with what stands between the config-table markers replaced by ``table``.

    Raises:
        ValueError: ``text`` (the file ``path``) has no such block.
    """
    if TABLE_START not in text or TABLE_END not in text:
        raise ValueError(f'{path} has no {TABLE_START} ... {TABLE_END} block')
    head, rest = text.split(TABLE_START, 1)
    return f'{head}{TABLE_START}\n{table}\n{TABLE_END}' + rest.split(TABLE_END, 1)[1]


def render(files: Dict[str, dict], readmes: Dict[str, str]) -> Dict[str, str]:
    """The text every generated file should have.

    Args:
        files: The metafiles, by path (:func:`metafiles`).
        readmes: The current text of each family's README, by path (:func:`family_readme`).
    """
    texts = {path: yaml.safe_dump(meta, sort_keys=False, width=100)
             for path, meta in files.items()}
    texts['model-index.yml'] = yaml.safe_dump({'Import': list(files)}, sort_keys=False)
    for family in FAMILIES:
        path = family_readme(family)
        table = config_table(files[f'configs/{family}/metafile.yaml'], family)
        texts[path] = replace_table(readmes[path], table, path)
    return texts


def read_readmes() -> Dict[str, str]:
    out = {}
    for family in FAMILIES:
        path = family_readme(family)
        if not osp.isfile(osp.join(REPO, path)):
            raise FileNotFoundError(f'{path} is missing: write it with a {TABLE_START} ... '
                                    f'{TABLE_END} block for the table')
        with open(osp.join(REPO, path)) as f:
            out[path] = f.read()
    return out


def main(argv: List[str] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--check', action='store_true', help='only report stale files')
    args = parser.parse_args(argv)
    texts = render(metafiles(), read_readmes())
    stale = []
    for path, text in texts.items():
        full = osp.join(REPO, path)
        current = open(full).read() if osp.isfile(full) else None
        if current != text:
            stale.append(path)
            if not args.check:
                with open(full, 'w') as f:
                    f.write(text)
    if args.check and stale:
        print('out of date (run tools/analysis/make_metafiles.py): ' + ', '.join(stale))
        return 1
    print(('wrote ' if stale else 'up to date: ') + ', '.join(stale or texts))
    return 0


if __name__ == '__main__':
    sys.exit(main())
