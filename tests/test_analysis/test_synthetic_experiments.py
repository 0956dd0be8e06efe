"""mmseg_avs.analysis.synthetic_experiments: the ``--cfg-options`` of a synthetic benchmark
run."""
import argparse
import os.path as osp

import pytest
from mmengine.config import Config, DictAction

from mmseg_avs.analysis.synthetic_experiments import data_options

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def test_the_learning_rate_schedule_ends_with_the_run():
    """A shorter or longer run than the config's 800 iterations still decays to eta_min."""
    schedule = Config.fromfile(osp.join(REPO, 'configs/_base_/schedules/schedule_synthetic.py'))
    assert schedule.param_scheduler[1]['type'] == 'PolyLR'  # the entry the option overrides
    config = osp.join(REPO, 'configs/synthetic/ravs_mit-tiny_synthetic-ms3.py')
    assert 'param_scheduler.1.end=400' in data_options(config, 'root', 64, 400)
    assert 'param_scheduler=None' in data_options(config, 'root', 32, 4)


@pytest.mark.parametrize('name', ['ravs', 'ravs-silence'])
def test_the_frame_size_option_resizes_in_every_split(name):
    """The resize step's place in the pipeline depends on the config (ClipRandomSilence comes
    before it in the silent-clip config): the option must land on ClipResize all the same."""
    path = osp.join(REPO, f'configs/synthetic/{name}_mit-tiny_synthetic-ms3.py')
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    options = parser.parse_args(
        ['--cfg-options', *data_options(path, 'root', 64, 400)]).cfg_options
    cfg = Config.fromfile(path)
    cfg.merge_from_dict(options)
    for split in ('train', 'val', 'test'):
        steps = cfg[f'{split}_dataloader'].dataset.pipeline
        assert [step.get('scale') for step in steps if step['type'] == 'ClipResize'] == [(64, 64)]
        assert not any('scale' in step for step in steps if step['type'] != 'ClipResize')
