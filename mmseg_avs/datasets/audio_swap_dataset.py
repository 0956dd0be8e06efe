"""A dataset wrapper that gives every clip the audio of another clip."""
from typing import Any, Union

from mmengine.dataset import BaseDataset
from mmseg.registry import DATASETS

AUDIO_KEYS = ('audio_path', 'audio_paths', 'audio_pkl_path')


@DATASETS.register_module()
class AudioSwapDataset:
    """Clip ``i`` with the audio of clip ``(i + n // 2) mod n``: misleading, real audio.

    Robustness check in the spirit of AVSBench-Robust (``tools/test.py --audio-perturb
    shuffle``): the model hears a real sound that belongs to another video. The pairing is
    fixed, and no clip keeps its own audio.

    Args:
        dataset (BaseDataset | dict): The dataset (or its config) whose audio is swapped.
    """

    def __init__(self, dataset: Union[BaseDataset, dict]) -> None:
        self.dataset = DATASETS.build(dataset) if isinstance(dataset, dict) else dataset
        if len(self.dataset) < 2:
            raise ValueError(f'swapping audio needs at least 2 clips, got {len(self.dataset)}')

    @property
    def metainfo(self) -> dict:
        return self.dataset.metainfo

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, idx: int) -> Any:
        info = self.dataset.get_data_info(idx)
        donor = self.dataset.get_data_info((idx + len(self) // 2) % len(self))
        for key in AUDIO_KEYS:
            if key in info:
                info[key] = donor[key]
        return self.dataset.pipeline(info)
