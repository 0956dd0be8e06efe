"""The runs of the synthetic benchmark (``tools/analysis/run_synthetic_benchmark.py``): the
ablations of the paper as experiments, the settings of its modes and the ``--cfg-options`` of
a run, and the checks that keep cached runs and data sets from answering another question."""
import json
import os
import os.path as osp
from typing import List, NamedTuple, Sequence

from mmengine.config import Config

PERTURBATIONS = ('silence', 'noise', 'shuffle')  # the binary set's tests with replaced audio
MODES = {
    # image side, clips per split (train, val, test), training iterations, seeds, steps of
    # the audio-only probe
    'quick': dict(image_size=32, num_clips=dict(train=4, val=2, test=4), iters=4, seeds=[0],
                  probe_steps=10),
    'full': dict(image_size=96, num_clips=None, iters=800, seeds=[0, 1, 2], probe_steps=1500),
    # what a 2-core CPU does in about an hour: one seed, smaller frames, half the schedule
    'cpu': dict(image_size=64, num_clips=None, iters=400, seeds=[0], probe_steps=1500),
}


# The UE head's parts, each switched off by --cfg-options: the attention across the frames,
# the fusion of delta_hat (predictions and L_seg on sigma(m)), the evidential loss on alpha
# (the head's default loss weighted 0: the configs leave the loss to the head's signature).
# All three off is the SegFormer head's computation plus an evidence branch that reaches
# neither the loss nor the prediction.
NO_TEMPORAL = ['model.decode_head.temporal_layers=0']
NO_FUSION = ['model.decode_head.fusion=none']
NO_EVIDENTIAL_LOSS = ['model.decode_head.loss_evidential.type=EvidentialLoss',
                      'model.decode_head.loss_evidential.loss_weight=0']


class Experiment(NamedTuple):
    """One model of one study, trained on one of the two data sets."""
    study: str
    dataset: str            # 'ms3' (binary) or 'avss' (semantic)
    name: str
    config: str             # under configs/synthetic/, '{}' is the dataset
    options: Sequence[str] = ()


def experiments(studies: Sequence[str]) -> List[Experiment]:
    """The experiments of the studies, per data set.

    Args:
        studies (Sequence[str]): Any of ``ladder`` (paper Table 3), ``ue`` (the UE head
            without AMA, and with one of its parts off), ``floor`` (the Baseline trained and
            tested with its audio zeroed: what vision alone learns), ``groups`` (paper Table
            4, binary set) and ``robust`` (RAVS trained with silent clips).

    Returns:
        list[Experiment]: The experiments, the binary set's first.
    """
    runs = []
    for dataset in ('ms3', 'avss'):
        if {'ladder', 'ue', 'floor'} & set(studies):
            runs.append(Experiment('ladder', dataset, 'Baseline', 'baseline_mit-tiny_{}.py'))
        if 'ladder' in studies:
            runs += [
                Experiment('ladder', dataset, '+GTF', 'baseline_mit-tiny_{}.py',
                           ['model.backbone.gt_token_filter=True']),
                Experiment('ladder', dataset, '+SGSM', 'sgsm_mit-tiny_{}.py'),
                Experiment('ladder', dataset, '+SGSM+CST', 'sgsm-cst_mit-tiny_{}.py'),
            ]
        if studies:
            runs.append(Experiment('ladder', dataset, '+AMA+UE (RAVS)', 'ravs_mit-tiny_{}.py'))
        if 'ue' in studies:
            runs += [Experiment('ue', dataset, 'UE attenuate', 'ue_mit-tiny_{}.py'),
                     Experiment('ue', dataset, 'UE paper', 'ue-paper_mit-tiny_{}.py'),
                     # controls: one part of the head off each, then all three
                     Experiment('ue', dataset, 'UE attenuate, no temporal',
                                'ue_mit-tiny_{}.py', NO_TEMPORAL),
                     Experiment('ue', dataset, 'UE attenuate, no evidential loss',
                                'ue_mit-tiny_{}.py', NO_EVIDENTIAL_LOSS),
                     Experiment('ue', dataset, 'UE no fusion', 'ue_mit-tiny_{}.py', NO_FUSION),
                     Experiment('ue', dataset, 'UE all three off', 'ue_mit-tiny_{}.py',
                                NO_TEMPORAL + NO_FUSION + NO_EVIDENTIAL_LOSS)]
        if 'floor' in studies:
            runs.append(Experiment('floor', dataset, 'Visual only (audio zeroed)',
                                   'baseline-visual-only_mit-tiny_{}.py'))
        if 'robust' in studies:  # not in the paper: silence teaches "no sound, no mask"
            runs.append(Experiment('robust', dataset, 'RAVS + silent-clip training',
                                   'ravs-silence_mit-tiny_{}.py'))
    if 'groups' in studies:
        runs += [Experiment('groups', 'ms3', f'RAVS groups {g}', 'ravs_mit-tiny_{}.py',
                            [f'model.backbone.ama.num_groups={g}'])
                 for g in ('[28,14,5]', '[10,7,5]', '[5,5,5]')]
    return runs


def data_options(config: str, data_root: str, image_size: int, iters: int) -> List[str]:
    """The ``--cfg-options`` of a run: its data, frame size and schedule.

    Args:
        config (str): The run's config file.
        data_root (str): The generated data set.
        image_size (int): The frame side (the configs' is 96).
        iters (int): Training iterations; the schedule's decay ends with them.

    Returns:
        list[str]: ``key=value`` options.
    """
    opts = [f'train_cfg.max_iters={iters}', f'train_cfg.val_interval={iters + 1}',
            f'default_hooks.checkpoint.interval={iters}', 'default_hooks.logger.interval=50']
    splits = ('train', 'val', 'test')
    for split in splits:
        opts.append(f'{split}_dataloader.dataset.data_root={data_root}')
    if image_size != 96:
        cfg = Config.fromfile(config)
        for split in splits:
            pipeline = cfg[f'{split}_dataloader']['dataset']['pipeline']
            index = [step['type'] for step in pipeline].index('ClipResize')
            opts.append(f'{split}_dataloader.dataset.pipeline.{index}.scale='
                        f"'({image_size},{image_size})'")
    if iters < 100:   # the schedule's warm-up would outlast the run
        opts.append('param_scheduler=None')
    else:  # the polynomial decay (schedule_synthetic.py) ends with the run, whatever its length
        opts.append(f'param_scheduler.1.end={iters}')
    return opts


def check_run_options(work: str, opts: List[str]) -> None:
    """Record a run's ``--cfg-options`` in its folder, and refuse to reuse (or complete) a run
    made with other ones: its cached numbers would answer another question.

    Args:
        work (str): The run's folder (made here if missing).
        opts (list[str]): The run's options.

    Raises:
        ValueError: The folder holds a run made with other (or unrecorded) options.
    """
    record = osp.join(work, 'cfg_options.json')
    if osp.isfile(record):
        with open(record) as f:
            made = json.load(f)
        if made != opts:
            raise ValueError(f'{work} was made with other options '
                             f'({sorted(set(made) ^ set(opts))}): use another --out-dir')
    elif osp.isdir(work):
        raise ValueError(f'{work} records no options (made by an older version of this '
                         'script): use another --out-dir')
    else:
        os.makedirs(work)
        with open(record, 'w') as f:
            json.dump(opts, f, indent=1)


def check_synthetic_data(root: str, preset: str, image_size: int) -> None:
    """Refuse to reuse a data set generated with another preset or frame size: the runs cached
    under the same output folder would silently mix two benchmarks.

    Args:
        root (str): The generated data set (with its ``synthetic_config.json``).
        preset (str): The preset asked for.
        image_size (int): The frame side asked for.

    Raises:
        ValueError: The data set was made otherwise.
    """
    with open(osp.join(root, 'synthetic_config.json')) as f:
        made = json.load(f)
    if (made['preset'], made['image_size']) != (preset, image_size):
        raise ValueError(f"{root} holds preset {made['preset']!r} at {made['image_size']} px, "
                         f'not {preset!r} at {image_size} px: use another --out-dir')
