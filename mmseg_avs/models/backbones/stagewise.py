"""Run a 4-stage visual backbone one stage at a time.

Audio-visual fusion happens between stages, so the backbone's own ``forward`` (all stages at
once) cannot be used. Each adapter here exposes the stages of one backbone family with the
module's own parameters, so pretrained checkpoints load into the wrapped backbone unchanged:

- ``run_stage(i, x)``: NCHW in (the image for stage 0, else the features of stage ``i - 1``,
  fused or not), NCHW out: the stage's features, which the fusion acts on and the next stage
  receives.
- ``stage_output(i, feats)``: what the decoder gets from those features. Families that
  normalise only the copy handed to the decoder (Swin, ConvNeXt: ``norm{i}``) apply that
  norm here; for the others it is the identity.
- ``embed(i, x)`` and ``run_blocks(i, tokens)`` (families with ``splits_stages``, the MiT
  family): the two halves of ``run_stage``, the stage's patch embedding and then its blocks,
  so that a fusion can act between them (DDESeg fuses the audio there).

Without fusion, ``stage_output(i, ...)`` of the chained stages equals the ``i``-th output of
the backbone's own ``forward``.
"""
from abc import ABC, abstractmethod
from typing import Dict, List, Type

import torch.nn as nn
from mmseg.models.utils import nchw_to_nlc, nlc_to_nchw
from torch import Tensor


class StageRunner(ABC):
    """Stage-by-stage view of a backbone.

    Args:
        backbone (nn.Module): The wrapped backbone (owned by the caller).
    """

    # whether the family has ``embed`` and ``run_blocks`` (a stage splits into the two)
    splits_stages = False

    def __init__(self, backbone: nn.Module) -> None:
        self.backbone = backbone

    @property
    @abstractmethod
    def channels(self) -> List[int]:
        """Output channels of each stage."""

    @abstractmethod
    def run_stage(self, index: int, x: Tensor) -> Tensor:
        """Run stage ``index`` on ``x`` (NCHW) and return its NCHW features."""

    def stage_output(self, index: int, feats: Tensor) -> Tensor:
        """The decoder's copy of stage ``index``'s features ``feats`` (NCHW)."""
        return feats

    def _require_all_outputs(self, out_indices) -> None:
        """The output norms ``norm{i}`` exist only for the backbone's ``out_indices``."""
        missing = sorted(set(range(len(self.channels))) - set(out_indices))
        if missing:
            raise ValueError(f'{type(self.backbone).__name__} must output every stage to run '
                             f'stage by stage: set out_indices={tuple(range(len(self.channels)))}'
                             f' (stages {missing} have no output norm)')


class MiTStageRunner(StageRunner):
    """MMSeg's ``MixVisionTransformer`` (MiT / SegFormer; PVT-v2 shares the layout).

    Each MiT stage is an overlapping patch embedding, its blocks and its own norm, whose
    output also feeds the next stage; ``embed`` is the patch embedding, ``run_blocks`` the
    blocks and the norm.
    """

    splits_stages = True

    @property
    def channels(self) -> List[int]:
        bb = self.backbone
        return [bb.embed_dims * h for h in bb.num_heads]

    def run_stage(self, index: int, x: Tensor) -> Tensor:
        return self.run_blocks(index, self.embed(index, x))

    def embed(self, index: int, x: Tensor) -> Tensor:
        """The first half of stage ``index`` (its patch embedding), NCHW in and out."""
        tokens, hw_shape = self.backbone.layers[index][0](x)
        return nlc_to_nchw(tokens, hw_shape)

    def run_blocks(self, index: int, tokens: Tensor) -> Tensor:
        """The second half of stage ``index`` (its blocks and norm) on ``embed``'s output."""
        _, blocks, norm = self.backbone.layers[index]
        hw_shape = tuple(tokens.shape[2:])
        x = nchw_to_nlc(tokens)
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


class SwinStageRunner(StageRunner):
    """MMSeg's ``SwinTransformer``.

    An MMSeg Swin stage ends with the patch merging that feeds the *next* stage, and its
    ``norm{i}`` normalises only the decoder's copy. Here a stage's features are its blocks'
    output, so the fusion acts at the stage's own resolution, and the patch merging opens the
    next stage (stage 0 opens with the patch embedding, absolute position embedding and
    dropout, as in ``SwinTransformer.forward``).
    """

    def __init__(self, backbone: nn.Module) -> None:
        super().__init__(backbone)
        self._require_all_outputs(backbone.out_indices)

    @property
    def channels(self) -> List[int]:
        return list(self.backbone.num_features)

    def run_stage(self, index: int, x: Tensor) -> Tensor:
        bb = self.backbone
        if index == 0:
            x, hw_shape = bb.patch_embed(x)
            if bb.use_abs_pos_embed:
                x = x + bb.absolute_pos_embed
            x = bb.drop_after_pos(x)
        else:
            x, hw_shape = bb.stages[index - 1].downsample(nchw_to_nlc(x), tuple(x.shape[2:]))
        for block in bb.stages[index].blocks:
            x = block(x, hw_shape)
        return nlc_to_nchw(x, hw_shape)

    def stage_output(self, index: int, feats: Tensor) -> Tensor:
        norm = getattr(self.backbone, f'norm{index}')
        return nlc_to_nchw(norm(nchw_to_nlc(feats)), feats.shape[2:])


class ConvNeXtStageRunner(StageRunner):
    """MMPretrain's ``ConvNeXt`` (``type='mmpretrain.ConvNeXt'``).

    Stage ``i`` is ``downsample_layers[i]`` (the stem for stage 0) then ``stages[i]``; the
    channels-first ``norm{i}`` normalises only the decoder's copy. Needs
    ``out_indices=(0, 1, 2, 3)`` and ``gap_before_final_norm=False`` (dense outputs).
    """

    def __init__(self, backbone: nn.Module) -> None:
        super().__init__(backbone)
        self._require_all_outputs(backbone.out_indices)
        if backbone.gap_before_final_norm:
            raise ValueError('ConvNeXt pools its outputs with gap_before_final_norm=True; set '
                             'it to False for dense (segmentation) features')

    @property
    def channels(self) -> List[int]:
        return list(self.backbone.channels)

    def run_stage(self, index: int, x: Tensor) -> Tensor:
        bb = self.backbone
        return bb.stages[index](bb.downsample_layers[index](x))

    def stage_output(self, index: int, feats: Tensor) -> Tensor:
        return getattr(self.backbone, f'norm{index}')(feats)


# Keyed by the import path of each family's class, matched along the backbone's MRO (so
# subclasses match too): a family whose package cannot be imported here costs nothing
# (``mmpretrain.models`` needs torchvision), and same-named classes of other scopes
# (``mmpretrain.ResNet``, ``mmpretrain.SwinTransformer``) do not match by mistake.
STAGE_RUNNERS: Dict[str, Type[StageRunner]] = {
    'mmseg.models.backbones.mit.MixVisionTransformer': MiTStageRunner,
    'mmseg.models.backbones.resnet.ResNet': ResNetStageRunner,
    'mmseg.models.backbones.swin.SwinTransformer': SwinStageRunner,
    'mmpretrain.models.backbones.convnext.ConvNeXt': ConvNeXtStageRunner,
}


def build_stage_runner(backbone: nn.Module) -> StageRunner:
    """Pick the adapter of ``backbone``'s family (subclasses included)."""
    for cls in type(backbone).__mro__:
        runner = STAGE_RUNNERS.get(f'{cls.__module__}.{cls.__qualname__}')
        if runner is not None:
            return runner(backbone)
    known = ', '.join(STAGE_RUNNERS)
    raise TypeError(f'no stage-by-stage adapter for {type(backbone).__name__}; '
                    f'supported families: {known}')
