"""Write the MIM metafiles of the config families and the README's config table from them.

    python tools/analysis/make_metafiles.py            # rewrite metafiles + README table
    python tools/analysis/make_metafiles.py --check    # exit 1 if either is out of date

``model-index.yml`` imports ``configs/<family>/metafile.yaml`` (the OpenMMLab / MIM
convention, so ``mim search`` and MMSeg's inferencer can find the configs). Each model entry
is read from its config: data set, classes, visual and audio encoders, fusion, decode head,
and the paper row its header names. No trained weights are published, so entries have no
``Weights`` and their ``Results`` are the paper's numbers (``Paper: true``), not ours. The
README table between ``<!-- config-table:start -->`` and ``<!-- config-table:end -->`` is
made from the metafiles.
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


def config_table(files: Dict[str, dict]) -> str:
    lines = ['| config | data set | visual | audio | fusion; AMA (groups, stages) | head '
             '| paper J&F |',
             '|---|---|---|---|---|---|---|']
    for meta in files.values():
        for m in meta['Models']:
            md = m['Metadata']
            fusion = md.get('Fusion', '–') + (
                f"; {md['AMA']} ({md['AMA Groups']}, stages {md['AMA Stages']})"
                if 'AMA' in md else '')
            paper = m['Results'][0]['Metrics']['J&F'] if 'Results' in m else '–'
            head = md['Decode Head'] + (f" ({md['UE Fusion']})" if 'UE Fusion' in md else '')
            lines.append(f"| [`{m['Name']}`]({m['Config']}) | {md['Training Data']} | "
                         f"{md['Visual Encoder']} | {md.get('Audio Encoder', '–')} | {fusion} "
                         f'| {head} | {paper} |')
    return '\n'.join(lines)


def render(files: Dict[str, dict], readme_text: str) -> Dict[str, str]:
    """The text every generated file should have."""
    texts = {path: yaml.safe_dump(meta, sort_keys=False, width=100)
             for path, meta in files.items()}
    texts['model-index.yml'] = yaml.safe_dump({'Import': list(files)}, sort_keys=False)
    if TABLE_START not in readme_text or TABLE_END not in readme_text:
        raise ValueError(f'README.md has no {TABLE_START} ... {TABLE_END} block')
    head, rest = readme_text.split(TABLE_START, 1)
    texts['README.md'] = (head + f'{TABLE_START}\n{config_table(files)}\n{TABLE_END}'
                          + rest.split(TABLE_END, 1)[1])
    return texts


def main(argv: List[str] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--check', action='store_true', help='only report stale files')
    args = parser.parse_args(argv)
    with open(osp.join(REPO, 'README.md')) as f:
        texts = render(metafiles(), f.read())
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
