"""An untrained model saved as a checkpoint, and a tiny synthetic MS3 test split for it: what
the tests of the per-checkpoint analysis tools run on."""
from typing import List, Tuple

import torch

from mmseg_avs.datasets.synthetic import generate_synthetic_avs


def random_checkpoint_on_synthetic_ms3(tmp_path, config: str,
                                       test_clips: int) -> Tuple[str, List[str]]:
    """The checkpoint path of ``config``'s model with seed-0 random weights, and the
    ``--cfg-options`` that point its test split at ``test_clips`` generated clips (hard
    preset, 64x64, with object masks)."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmseg.registry import MODELS
    root = str(tmp_path / 'ms3')
    generate_synthetic_avs(root, layout='ms3', preset='hard', image_size=64, seed=0,
                           num_clips={'train': 1, 'val': 1, 'test': test_clips})
    options = [f'test_dataloader.dataset.data_root={root}', 'test_dataloader.num_workers=0',
               'test_dataloader.persistent_workers=False',
               "test_dataloader.dataset.pipeline.1.scale='(64,64)'"]
    init_default_scope('mmseg')
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(config).model)
    checkpoint = str(tmp_path / 'random.pth')
    torch.save(dict(state_dict=model.state_dict()), checkpoint)
    return checkpoint, options
