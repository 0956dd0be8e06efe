"""A visual backbone run stage by stage with audio-visual fusion between stages."""
import copy
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmseg.registry import MODELS
from torch import Tensor

from ...utils.pretrained import check_state_dict, read_state_dict
from .stagewise import build_stage_runner


@MODELS.register_module()
class AudioVisualBackbone(BaseModule):
    """Wrap a 4-stage visual backbone and fuse audio tokens into chosen stages' outputs.

    Stage ``l``'s features ``f_v_l`` (``[N, D_l, H_l, W_l]``) are flattened to tokens, fused
    with the audio tokens by the ``fusion`` module (e.g. :class:`AudioVisualCrossAttention`,
    the paper's Table 3 Baseline), and the fused map is the next stage's input and the
    stage's output (through the family's output norm where it has one, e.g. Swin's
    ``norm{l}``, which the next stage does not see).

    Args:
        visual (dict): Config of the visual backbone (any family with a stage adapter in
            :mod:`mmseg_avs.models.backbones.stagewise`: ``MixVisionTransformer``, ``ResNet``,
            ``SwinTransformer``, ``mmpretrain.ConvNeXt``).
        audio_channels (int): Channels of the audio tokens.
        fusion (dict, optional): Config of the per-stage fusion module, e.g.
            :class:`AudioVisualCrossAttention` (Baseline) or
            :class:`SoundGuidedSemanticMerging` (AMA); ``channels`` and ``audio_channels``
            are filled in per stage. A list given for one of ``PER_STAGE_KEYS``
            (``num_heads``, ``num_groups``) has one entry per fused stage, in the order of
            ``fusion_stages``. None disables fusion (a visual-only model).
        fusion_stages (Sequence[int]): Stages (0-based) whose output is fused.
        gt_token_filter (bool): The GTF ablation (Table 3, row 2): in training, tokens
            outside the ground-truth sounding mask are zeroed before the audio-visual
            attention and receive no audio. A token is inside if any of its pixels is
            sounding; frames without ground truth (all ignore) keep every token.
            Defaults to False.
        init_cfg (dict, optional): Initialisation config.
    """

    PER_STAGE_KEYS = ('num_heads', 'num_groups')

    def __init__(self,
                 visual: dict,
                 audio_channels: int,
                 fusion: Optional[dict] = dict(type='AudioVisualCrossAttention', num_heads=1),
                 fusion_stages: Sequence[int] = (0, 1, 2, 3),
                 gt_token_filter: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.gt_token_filter = gt_token_filter
        self.visual = MODELS.build(visual)
        self.stages = build_stage_runner(self.visual)
        channels = self.stages.channels
        bad = [s for s in fusion_stages if not 0 <= s < len(channels)]
        if bad:
            raise ValueError(f'fusion_stages {list(fusion_stages)}: stages {bad} do not exist; '
                             f'the visual backbone has {len(channels)} stages')
        self.fusion_stages = tuple(fusion_stages) if fusion is not None else ()
        for key in self.PER_STAGE_KEYS:
            value = (fusion or {}).get(key)
            if isinstance(value, (list, tuple)) and len(value) != len(self.fusion_stages):
                raise ValueError(f'fusion.{key}={list(value)} has {len(value)} entries but '
                                 f'fusion_stages={list(self.fusion_stages)} fuses '
                                 f'{len(self.fusion_stages)} stages')
        self.fusions = nn.ModuleDict()
        for position, stage in enumerate(self.fusion_stages):
            cfg = copy.deepcopy(fusion)
            for key in self.PER_STAGE_KEYS:
                if isinstance(cfg.get(key), (list, tuple)):
                    cfg[key] = cfg[key][position]
            cfg.update(channels=channels[stage], audio_channels=audio_channels)
            self.fusions[str(stage)] = MODELS.build(cfg)

    def init_weights(self) -> None:
        """Check a ``Pretrained`` visual weight file strictly, then initialise.

        MMEngine's ``Pretrained`` initialisation (and MMSeg's Swin) load non-strictly and
        only warn about missing or unexpected keys, which would train from a random backbone
        after a wrong or unconverted file; here that is an error naming the file.
        """
        init_cfg = self.visual.init_cfg
        if isinstance(init_cfg, dict) and init_cfg.get('type') == 'Pretrained':
            path, owner = init_cfg['checkpoint'], type(self.visual).__name__
            where = (f'{owner} expects ImageNet weights converted to its key names; see '
                     'README "Pretrained weights" and tools/model_converters/')
            state = read_state_dict(path, where)
            prefix = init_cfg.get('prefix')
            if prefix:  # MMEngine's meaning: take the keys under the prefix, strip it
                state = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
            expected = {k: v.shape for k, v in self.visual.state_dict().items()}
            # Swin rebuilds its index buffers and resizes its position tables; torchvision's
            # ResNet files carry the ImageNet classifier
            check_state_dict(state, expected, path, owner, where,
                             missing_ok=('relative_position_index', ),
                             unexpected_ok=('fc.', ),
                             shape_ok=('relative_position_bias_table', 'absolute_pos_embed'))
        super().init_weights()

    @property
    def channels(self) -> List[int]:
        """Output channels of each stage."""
        return self.stages.channels

    def forward(self, imgs: Tensor, audio_tokens: Tensor,
                gt_seg: Optional[Tensor] = None) -> List[Tensor]:
        """Args: imgs ``[N, 3, H, W]``; audio_tokens ``[N, K, C_a]`` (one set per image);
        gt_seg ``[N, H, W]`` ground truth (255 = ignore), used only by ``gt_token_filter``
        in training.

        Returns:
            list[Tensor]: The output of each stage for the decoder, ``[N, D_l, H_l, W_l]``.
        """
        filter_tokens = self.gt_token_filter and self.training and gt_seg is not None
        outs, x = [], imgs
        for stage in range(len(self.stages.channels)):
            x = self.stages.run_stage(stage, x)
            if stage in self.fusion_stages:
                n, c, h, w = x.shape
                mask = self._gt_token_mask(gt_seg, (h, w)) if filter_tokens else None
                tokens = self.fusions[str(stage)](x.flatten(2).transpose(1, 2), audio_tokens,
                                                  token_mask=mask)
                x = tokens.transpose(1, 2).reshape(n, c, h, w)
            outs.append(self.stages.stage_output(stage, x))
        return outs

    @staticmethod
    def _gt_token_mask(gt_seg: Tensor, size: Tuple[int, int]) -> Tensor:
        """``[N, h*w]`` bool: tokens with a sounding pixel; all True for unannotated frames."""
        sounding = ((gt_seg > 0) & (gt_seg != 255)).float()[:, None]
        inside = F.adaptive_max_pool2d(sounding, size).flatten(1) > 0
        annotated = (gt_seg != 255).flatten(1).any(1, keepdim=True)
        return inside | ~annotated

    def alignment_features(self, audio_embedding: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        """Inputs of the contrastive alignment, from the last fused stage's latest forward.

        That stage must be an AMA block (:class:`SoundGuidedSemanticMerging`).

        Args:
            audio_embedding (Tensor): ``[N, C_a]``, one audio vector per image.

        Returns:
            tuple[Tensor]: group features ``[N, P, D]``, which groups have tokens ``[N, P]``
            and the audio projected to the stage's channels (f_a_l) ``[N, D]``.
        """
        if not self.fusion_stages:
            raise RuntimeError('contrastive alignment needs an AMA fusion stage')
        block = self.fusions[str(self.fusion_stages[-1])]
        if getattr(block, 'last_groups', None) is None:
            raise RuntimeError(f'the last fused stage ({type(block).__name__}) keeps no group '
                               'features: use SoundGuidedSemanticMerging there, and call '
                               'forward first')
        counts = torch.zeros_like(block.last_groups[..., 0]).scatter_add(
            1, block.last_labels, torch.ones_like(block.last_scores))
        return block.last_groups, counts > 0, block.cross_attn.audio_proj(audio_embedding)
