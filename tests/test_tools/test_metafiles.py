"""model-index.yml, the metafiles and the README's config table are generated from the
configs and are up to date."""
import os.path as osp
import sys

import yaml

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(REPO, 'tools', 'analysis'))

import make_metafiles  # noqa: E402


def test_metafiles_and_readme_table_are_up_to_date():
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
