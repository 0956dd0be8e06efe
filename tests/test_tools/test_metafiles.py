"""model-index.yml, the metafiles and each config family's table (in configs/<family>/README.md)
are generated from the configs and are up to date."""
import os.path as osp
import re

import pytest
import yaml

from tests.tool_loader import load_tool

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
make_metafiles = load_tool('tools/analysis/make_metafiles.py')
START, END = make_metafiles.TABLE_START, make_metafiles.TABLE_END


def test_metafiles_and_family_tables_are_up_to_date():
    assert make_metafiles.main(['--check']) == 0


def test_model_index_lists_every_config_once():
    with open(osp.join(REPO, 'model-index.yml')) as f:
        imports = yaml.safe_load(f)['Import']
    configs = []
    for path in imports:
        with open(osp.join(REPO, path)) as f:
            configs += [m['Config'] for m in yaml.safe_load(f)['Models']]
    assert len(configs) == len(set(configs))
    assert all(osp.isfile(osp.join(REPO, c)) for c in configs)
    assert 'configs/ravs/ravs_mitb5_avss.py' in configs


def test_each_family_readme_links_each_of_its_configs_and_nothing_else():
    files = make_metafiles.metafiles()
    for family in make_metafiles.FAMILIES:
        readme = osp.join(REPO, make_metafiles.family_readme(family))
        with open(readme) as f:
            table = f.read().split(START, 1)[1].split(END, 1)[0]
        links = re.findall(r'\]\(([^)]+\.py)\)', table)
        expected = [m['Config'] for m in files[f'configs/{family}/metafile.yaml']['Models']]
        # links are relative to the family's README and point at that family's configs only
        assert [osp.normpath(osp.join(f'configs/{family}', p)) for p in links] == expected
        assert all(osp.isfile(osp.join(osp.dirname(readme), p)) for p in links)
    # the paper's numbers only where the paper has a row
    ravs = make_metafiles.config_table(files['configs/ravs/metafile.yaml'], 'ravs')
    assert '| paper J&F |' in ravs and '| 74.2 |' in ravs
    assert 'paper J&F' not in make_metafiles.config_table(
        files['configs/mixing/metafile.yaml'], 'mixing')


def test_render_replaces_only_the_block_and_needs_the_markers():
    files = make_metafiles.metafiles()
    readmes = {make_metafiles.family_readme(f): f'# {f}\nintro\n{START}\nstale\n{END}\noutro\n'
               for f in make_metafiles.FAMILIES}
    texts = make_metafiles.render(files, readmes)
    text = texts['configs/synthetic/README.md']
    assert text.startswith('# synthetic\nintro\n') and text.endswith(f'{END}\noutro\n')
    assert 'stale' not in text
    assert '[`ravs_mit-tiny_synthetic-ms3`](ravs_mit-tiny_synthetic-ms3.py)' in text
    # the top README is no longer written
    assert 'README.md' not in texts
    readmes['configs/mixing/README.md'] = '# mixing without a table block\n'
    with pytest.raises(ValueError, match='configs/mixing/README.md has no'):
        make_metafiles.render(files, readmes)
