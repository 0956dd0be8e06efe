from .avsbench_ms3 import AVSBenchMS3Dataset
from .avsbench_s4 import AVSBenchS4Dataset
from .avsbench_semantic import AVSBenchSemanticDataset
from .base_avs_dataset import BaseAVSDataset
from .transforms import *  # noqa: F401,F403

__all__ = ['BaseAVSDataset', 'AVSBenchS4Dataset', 'AVSBenchMS3Dataset',
           'AVSBenchSemanticDataset']
