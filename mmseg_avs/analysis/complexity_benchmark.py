"""Parameters and FLOPs per part (visual backbone, audio encoder, fusion / AMA blocks, decode
head) of the benchmark's models, FLOPs from ``mmengine.analysis.FlopAnalyzer``."""
import math
from typing import List

import torch
from mmengine.analysis import FlopAnalyzer
from mmengine.analysis.jit_handles import get_shape

from .benchmark_models import build_model, make_batch


def sdpa_flop(inputs: List, outputs: List) -> int:
    """``scaled_dot_product_attention`` as its two matrix products (multiply-adds): the
    analyzer's handle for ``aten::scaled_dot_product_attention``.

    Args:
        inputs (list): The traced op's inputs (query, key, value, ...).
        outputs (list): The traced op's outputs (unused).

    Returns:
        int: The multiply-adds.
    """
    query, key, value = (get_shape(v) for v in inputs[:3])
    return math.prod(query[:-1]) * key[-2] * (query[-1] + value[-1])


def measure_complexity(model_name: str, backbone: str, frames: int, size: int,
                       device: str, seed: int) -> dict:
    """Parameters (millions) and FLOPs (G) per part of one model on one clip, in
    ``mode='tensor'`` (network output, no resizing to the original size).

    Args:
        model_name (str): A key of ``MODEL_CONFIGS``.
        backbone (str): A key of ``BACKBONES``.
        frames (int): Frames of the clip.
        size (int): Square frame side.
        device (str): Where the model runs.
        seed (int): Seed of the random clip.

    Returns:
        dict: The case, ``params_m`` and ``gflops`` per part, and the ops the analyzer did not
        count.
    """
    model = build_model(model_name, backbone).to(device).eval()
    inputs, _, samples, audio = make_batch(1, frames, size, device, seed)

    class TensorForward(torch.nn.Module):
        """``model(inputs, samples, mode='tensor', audio=audio)`` with tensor-only inputs, as
        the tracer needs."""

        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, inputs, audio):
            return self.model(inputs, samples, mode='tensor', audio=audio)

    parts = {
        'visual backbone': 'backbone.visual',
        'audio encoder': 'audio_encoder',
        'fusion / AMA': 'backbone.fusions',
        'decode head': 'decode_head',
    }
    total_params = sum(p.numel() for p in model.parameters())
    params = {part: sum(p.numel() for p in model.get_submodule(name).parameters()) / 1e6
              for part, name in parts.items()}
    params['other'] = total_params / 1e6 - sum(params.values())
    params['total'] = total_params / 1e6
    params['trainable'] = sum(p.numel() for p in model.parameters() if p.requires_grad) / 1e6

    analyzer = FlopAnalyzer(TensorForward(), (inputs, audio))
    analyzer.set_op_handle('aten::scaled_dot_product_attention', sdpa_flop)
    analyzer.unsupported_ops_warnings(False)
    analyzer.uncalled_modules_warnings(False)
    analyzer.tracer_warnings('none')
    # traced with grad enabled: under no_grad nn.MultiheadAttention takes its fused fast path
    # (aten::_native_multi_head_attention), which the analyzer cannot count
    by_module = analyzer.by_module()
    gflops = {part: by_module.get(f'model.{name}', 0) / 1e9 for part, name in parts.items()}
    gflops['total'] = analyzer.total() / 1e9
    gflops['other'] = gflops['total'] - sum(v for k, v in gflops.items() if k != 'total')
    return dict(model=model_name, backbone=backbone, frames=frames, size=size,
                params_m=params, gflops=gflops,
                uncounted_ops=dict(sorted(analyzer.unsupported_ops().items())))
