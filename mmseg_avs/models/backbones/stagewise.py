"""Run a 4-stage visual backbone one stage at a time.

Audio-visual fusion happens between stages, so the backbone's own ``forward`` (all stages at
once) cannot be used. Each adapter here exposes the stages of one backbone family as
``run_stage(i, x)``: NCHW in (the image for stage 0), NCHW out, with the module's own
parameters, so pretrained checkpoints load into the wrapped backbone unchanged.
"""
from abc import ABC, abstractmethod
from typing import Dict, List, Type

import torch.nn as nn
from mmseg.models.backbones import MixVisionTransformer, ResNet
from mmseg.models.utils import nlc_to_nchw
from torch import Tensor


class StageRunner(ABC):
    """Stage-by-stage view of a backbone.

    Args:
        backbone (nn.Module): The wrapped backbone (owned by the caller).
    """

    def __init__(self, backbone: nn.Module) -> None:
        self.backbone = backbone

    @property
    @abstractmethod
    def channels(self) -> List[int]:
        """Output channels of each stage."""

    @abstractmethod
    def run_stage(self, index: int, x: Tensor) -> Tensor:
        """Run stage ``index`` on ``x`` (NCHW) and return its NCHW output."""


class MiTStageRunner(StageRunner):
    """MMSeg's ``MixVisionTransformer`` (MiT / SegFormer; PVT-v2 shares the layout)."""

    @property
    def channels(self) -> List[int]:
        bb = self.backbone
        return [bb.embed_dims * h for h in bb.num_heads]

    def run_stage(self, index: int, x: Tensor) -> Tensor:
        patch_embed, blocks, norm = self.backbone.layers[index]
        x, hw_shape = patch_embed(x)
        for block in blocks:
            x = block(x, hw_shape)
        return nlc_to_nchw(norm(x), hw_shape)


class ResNetStageRunner(StageRunner):
    """MMSeg's ``ResNet`` family (ResNet, ResNetV1c, ResNetV1d); stage 0 includes the stem."""

    @property
    def channels(self) -> List[int]:
        bb = self.backbone
        return [bb.base_channels * 2**i * bb.block.expansion for i in range(len(bb.res_layers))]

    def run_stage(self, index: int, x: Tensor) -> Tensor:
        bb = self.backbone
        if index == 0:
            x = bb.stem(x) if bb.deep_stem else bb.relu(bb.norm1(bb.conv1(x)))
            x = bb.maxpool(x)
        return getattr(bb, bb.res_layers[index])(x)


STAGE_RUNNERS: Dict[Type[nn.Module], Type[StageRunner]] = {
    MixVisionTransformer: MiTStageRunner,
    ResNet: ResNetStageRunner,
}


def build_stage_runner(backbone: nn.Module) -> StageRunner:
    """Pick the adapter of ``backbone``'s family (subclasses included)."""
    for family, runner in STAGE_RUNNERS.items():
        if isinstance(backbone, family):
            return runner(backbone)
    known = ', '.join(f.__name__ for f in STAGE_RUNNERS)
    raise TypeError(f'no stage-by-stage adapter for {type(backbone).__name__}; '
                    f'supported families: {known}')
