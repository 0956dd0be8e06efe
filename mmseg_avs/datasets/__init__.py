from .audio_swap_dataset import AudioSwapDataset
from .avsbench_ms3 import AVSBenchMS3Dataset
from .avsbench_s4 import AVSBenchS4Dataset
from .avsbench_semantic import AVSBenchSemanticDataset
from .base_avs_dataset import BaseAVSDataset
from .transforms import *  # noqa: F401,F403
from .vpo import VPODataset

__all__ = ['AudioSwapDataset', 'BaseAVSDataset', 'AVSBenchS4Dataset', 'AVSBenchMS3Dataset',
           'AVSBenchSemanticDataset', 'VPODataset']
