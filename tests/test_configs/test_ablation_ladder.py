"""Each ablation rung differs from the one it is compared with in the component it names only.

Table 3 adds one component at a time to the Baseline (Baseline -> +GTF, Baseline -> +SGSM ->
+SGSM+CST -> +AMA+UE), Table 4 changes the group numbers of the full model, and the UE study
swaps the decode head. A rung that also changed anything else (e.g. dropped the Baseline's
audio fusion at a stage AMA does not take) would credit that change to the component.
"""
import argparse
import os.path as osp
from typing import Sequence

import pytest
from mmengine.config import Config, DictAction
from mmseg.registry import MODELS

import mmseg_avs  # noqa: F401  (registers components)
from mmseg_avs.analysis.synthetic_experiments import experiments

from ..tool_loader import REPO
from .config_diff import differences

RAVS = osp.join(REPO, 'configs', 'ravs')
SYNTHETIC = osp.join(REPO, 'configs', 'synthetic')
GTF = ('model.backbone.gt_token_filter', )
AMA = ('model.backbone.ama', 'model.backbone.ama_stages')
CST = ('model.contrastive_loss', )
HEAD = ('model.decode_head', )
GROUPS = ('model.backbone.ama.num_groups', )


def resolved(path: str, options: Sequence[str] = ()) -> Config:
    """The config at ``path`` with ``--cfg-options`` applied as tools/train.py applies them."""
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    cfg = Config.fromfile(path)
    if options:
        cfg.merge_from_dict(parser.parse_args(['--cfg-options', *options]).cfg_options)
    return cfg


def assert_one_component(lower: Config, upper: Config, component: Sequence[str], rung: str):
    """``upper`` differs from ``lower``, and only in keys under ``component``'s prefixes."""
    changed = differences(lower, upper)
    assert changed, f'{rung}: no difference to the rung below'
    outside = sorted(k for k in changed
                     if not any(k == p or k.startswith(p + '.') for p in component))
    assert not outside, f'{rung} also changes {outside}'


@pytest.mark.parametrize('data', ['ms3', 'avss'])
def test_paper_ablation_ladder(data):
    def load(name):
        return Config.fromfile(osp.join(RAVS, name.format(data)))

    baseline = load('ablations/baseline_mitb5-htsat_{}.py')
    sgsm = load('ablations/sgsm_mitb5-htsat_{}.py')
    sgsm_cst = load('ablations/sgsm-cst_mitb5-htsat_{}.py')
    full = load('ravs_mitb5-htsat_{}.py')
    assert_one_component(baseline, load('ablations/gtf_mitb5-htsat_{}.py'), GTF, '+GTF')
    assert_one_component(baseline, sgsm, AMA, '+SGSM')
    assert_one_component(sgsm, sgsm_cst, CST, '+SGSM+CST')
    assert_one_component(sgsm_cst, full, HEAD, '+AMA+UE')
    for groups in ('28-14-5', '10-7-5', '5-5-5'):
        row = load(f'ablations/ravs-groups-{groups}_mitb5-htsat_{{}}.py')
        assert_one_component(full, row, GROUPS, f'groups {groups}')
    # the Baseline's fusion stays at the stage AMA does not take
    assert full.model.backbone.fusion_stages == baseline.model.backbone.fusion_stages
    assert full.model.backbone.ama_stages == (0, 1, 2)


@pytest.mark.parametrize('data', ['ms3', 'avss'])
def test_synthetic_benchmark_ladder(data):
    """The rungs exactly as the synthetic benchmark trains them (configs + cfg-options)."""
    rungs = {run.name: resolved(osp.join(SYNTHETIC, run.config.format(f'synthetic-{data}')),
                                run.options)
             for run in experiments(['ladder', 'ue', 'groups']) if run.dataset == data}
    ladder = [('Baseline', '+SGSM', AMA), ('+SGSM', '+SGSM+CST', CST),
              ('+SGSM+CST', '+AMA+UE (RAVS)', HEAD), ('Baseline', 'UE attenuate', HEAD),
              ('UE attenuate', 'UE paper', HEAD),
              ('UE attenuate', 'UE attenuate, no temporal', HEAD),
              ('UE attenuate', 'UE attenuate, no evidential loss', HEAD),
              ('UE attenuate', 'UE no fusion', HEAD), ('UE attenuate', 'UE all three off', HEAD),
              ('Baseline', '+GTF', GTF)]
    if data == 'ms3':
        ladder += [('+AMA+UE (RAVS)', f'RAVS groups {g}', GROUPS)
                   for g in ('[28,14,5]', '[10,7,5]', '[5,5,5]')]
    for lower, upper, component in ladder:
        assert_one_component(rungs[lower], rungs[upper], component, upper)
    for cfg in rungs.values():   # every rung builds: its options are complete (raises if not)
        MODELS.build(cfg.model)
