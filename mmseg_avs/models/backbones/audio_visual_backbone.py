"""A visual backbone run stage by stage with audio-visual fusion between stages."""
import copy
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmseg.registry import MODELS
from torch import Tensor

from ...utils.pretrained import check_state_dict, read_state_dict
from ..ama import AMAGroups
from .stagewise import build_stage_runner


class AudioVisualFeatures(NamedTuple):
    """What :class:`AudioVisualBackbone` returns.

    Attributes:
        feats (list[Tensor]): The output of each stage for the decoder,
            ``[N, D_l, H_l, W_l]``.
        ama (dict[int, AMAGroups]): The groups of each AMA stage (0-based stage index).
    """
    feats: List[Tensor]
    ama: Dict[int, AMAGroups]


@MODELS.register_module()
class AudioVisualBackbone(BaseModule):
    """Wrap a 4-stage visual backbone and fuse audio tokens into chosen stages' outputs.

    Stage ``l``'s features ``f_v_l`` (``[N, D_l, H_l, W_l]``) are flattened to tokens, fused
    with the audio tokens by the stage's fusion module, and the fused map is the next stage's
    input and the stage's output (through the family's output norm where it has one, e.g.
    Swin's ``norm{l}``, which the next stage does not see). With
    ``fusion_position='before'`` the fusion acts on the stage's patch embedding instead and
    the stage's blocks run on the fused tokens (DDESeg's frame). A stage in ``ama_stages``
    is fused by an AMA block (:class:`SoundGuidedSemanticMerging`, RAVS §3.2); every other stage in
    ``fusion_stages`` by the plain ``fusion`` module (:class:`AudioVisualCrossAttention`, the
    paper's Table 3 Baseline). So adding AMA to the Baseline (``ama`` and ``ama_stages``)
    changes only the stages AMA takes and keeps the Baseline's fusion everywhere else.

    Args:
        visual (dict): Config of the visual backbone (any family with a stage adapter in
            :mod:`mmseg_avs.models.backbones.stagewise`: ``MixVisionTransformer``, ``ResNet``,
            ``SwinTransformer``, ``mmpretrain.ConvNeXt``).
        audio_channels (int): Channels of the audio tokens.
        fusion (dict, optional): Config of the plain per-stage fusion module, e.g.
            :class:`AudioVisualCrossAttention`; ``channels`` and ``audio_channels`` are
            filled in per stage. A list given for one of ``PER_STAGE_KEYS`` (``num_heads``,
            ``num_groups``) has one entry per stage of ``fusion_stages``, in that order
            (the entries of stages that AMA takes are not used). None disables it.
        fusion_stages (Sequence[int]): Stages (0-based) fused by ``fusion``, unless AMA
            takes them.
        ama (dict, optional): Config of the AMA block, e.g.
            :class:`SoundGuidedSemanticMerging`, whose forward returns the tokens and its
            :class:`AMAGroups` and whose ``project_audio`` gives the contrastive loss's audio
            side; per-stage lists as for ``fusion``, one entry per stage of ``ama_stages``.
            Defaults to None (no AMA).
        ama_stages (Sequence[int]): Stages (0-based) fused by ``ama`` in place of
            ``fusion``. The deepest one's groups feed the contrastive alignment
            (:meth:`alignment_features`). Defaults to ().
        fusion_position (str): Where a stage's fusion acts: ``'after'`` the stage's blocks
            (on its features; the paper's figure) or ``'before'`` them (on its patch
            embedding, as DDESeg's backbone does; needs a family whose stages split, the MiT
            family). Defaults to ``'after'``.
        gt_token_filter (bool): The GTF ablation (Table 3, row 2): in training, tokens
            outside the ground-truth sounding mask are zeroed before the audio-visual
            attention and receive no audio. A token is inside if any of its pixels is
            sounding; frames without ground truth (all ignore) keep every token.
            Defaults to False.
        init_cfg (dict, optional): Initialisation config.
    """

    PER_STAGE_KEYS = ('num_heads', 'num_groups')
    FUSION_POSITIONS = ('after', 'before')

    def __init__(self,
                 visual: dict,
                 audio_channels: int,
                 fusion: Optional[dict] = dict(type='AudioVisualCrossAttention', num_heads=1),
                 fusion_stages: Sequence[int] = (0, 1, 2, 3),
                 ama: Optional[dict] = None,
                 ama_stages: Sequence[int] = (),
                 fusion_position: str = 'after',
                 gt_token_filter: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if fusion_position not in self.FUSION_POSITIONS:
            raise ValueError(f'fusion_position must be one of {self.FUSION_POSITIONS}, '
                             f'got {fusion_position!r}')
        self.gt_token_filter = gt_token_filter
        self.fusion_position = fusion_position
        self.visual = MODELS.build(visual)
        self.stages = build_stage_runner(self.visual)
        if fusion_position == 'before' and not self.stages.splits_stages:
            raise ValueError(f"fusion_position='before' needs a backbone whose stages split "
                             f'into patch embedding and blocks (the MiT family), got '
                             f'{type(self.visual).__name__}')
        channels = self.stages.channels
        plain_stages = tuple(fusion_stages) if fusion is not None else ()
        self.ama_stages = tuple(ama_stages) if ama is not None else ()
        if ama_stages and ama is None:
            raise ValueError(f'ama_stages={list(ama_stages)} needs an `ama` block config')
        bad = [s for s in plain_stages + self.ama_stages if not 0 <= s < len(channels)]
        if bad:
            raise ValueError(f'fusion_stages {list(plain_stages)} / ama_stages '
                             f'{list(self.ama_stages)}: stages {bad} do not exist; '
                             f'the visual backbone has {len(channels)} stages')
        self.fusion_stages = tuple(sorted(set(plain_stages) | set(self.ama_stages)))
        stage_cfgs = dict(zip(plain_stages,
                              self._per_stage_configs('fusion', fusion, plain_stages)))
        # AMA takes its stages from the plain fusion
        stage_cfgs.update(zip(self.ama_stages,
                              self._per_stage_configs('ama', ama, self.ama_stages)))
        self.fusions = nn.ModuleDict()
        for stage, cfg in sorted(stage_cfgs.items()):
            cfg.update(channels=channels[stage], audio_channels=audio_channels)
            self.fusions[str(stage)] = MODELS.build(cfg)

    @classmethod
    def _per_stage_configs(cls, name: str, cfg: Optional[dict],
                           stages: Tuple[int, ...]) -> List[dict]:
        """One config per stage, the ``PER_STAGE_KEYS`` lists resolved to that stage's entry."""
        for key in cls.PER_STAGE_KEYS:
            value = (cfg or {}).get(key)
            if isinstance(value, (list, tuple)) and len(value) != len(stages):
                raise ValueError(f'{name}.{key}={list(value)} has {len(value)} entries but '
                                 f'{name}_stages={list(stages)} fuses {len(stages)} stages')
        configs = []
        for position in range(len(stages)):
            stage_cfg = copy.deepcopy(cfg)
            for key in cls.PER_STAGE_KEYS:
                if isinstance(stage_cfg.get(key), (list, tuple)):
                    stage_cfg[key] = stage_cfg[key][position]
            configs.append(stage_cfg)
        return configs

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
                     'docs/configs.md ("Pretrained weights") and tools/model_converters/')
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
                gt_seg: Optional[Tensor] = None) -> AudioVisualFeatures:
        """Args: imgs ``[N, 3, H, W]``; audio_tokens ``[N, K, C_a]`` (one set per image);
        gt_seg ``[N, H, W]`` ground truth (255 = ignore), used only by ``gt_token_filter``
        in training.

        Returns:
            AudioVisualFeatures: each stage's output for the decoder and each AMA stage's
            groups.
        """
        filter_tokens = self.gt_token_filter and self.training and gt_seg is not None
        before = self.fusion_position == 'before'
        outs, ama, x = [], {}, imgs
        for stage in range(len(self.stages.channels)):
            x = self.stages.embed(stage, x) if before else self.stages.run_stage(stage, x)
            if stage in self.fusion_stages:
                n, c, h, w = x.shape
                mask = self._gt_token_mask(gt_seg, (h, w)) if filter_tokens else None
                tokens = self.fusions[str(stage)](x.flatten(2).transpose(1, 2), audio_tokens,
                                                  token_mask=mask)
                if stage in self.ama_stages:
                    tokens, ama[stage] = tokens
                x = tokens.transpose(1, 2).reshape(n, c, h, w)
            if before:
                x = self.stages.run_blocks(stage, x)
            outs.append(self.stages.stage_output(stage, x))
        return AudioVisualFeatures(outs, ama)

    @staticmethod
    def _gt_token_mask(gt_seg: Tensor, size: Tuple[int, int]) -> Tensor:
        """``[N, h*w]`` bool: tokens with a sounding pixel; all True for unannotated frames."""
        sounding = ((gt_seg > 0) & (gt_seg != 255)).float()[:, None]
        inside = F.adaptive_max_pool2d(sounding, size).flatten(1) > 0
        annotated = (gt_seg != 255).flatten(1).any(1, keepdim=True)
        return inside | ~annotated

    def alignment_features(self, ama: Dict[int, AMAGroups],
                           audio_embedding: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        """Inputs of the contrastive alignment: the deepest AMA stage's groups.

        Args:
            ama (dict[int, AMAGroups]): The AMA groups of a forward
                (:attr:`AudioVisualFeatures.ama`).
            audio_embedding (Tensor): ``[N, C_a]``, one audio vector per image.

        Returns:
            tuple[Tensor]: group features ``[N, P, D]``, which groups have tokens ``[N, P]``
            and the audio projected to the stage's channels (f_a_l) ``[N, D]``.
        """
        if not self.ama_stages:
            raise RuntimeError('contrastive alignment needs an AMA stage (`ama_stages`)')
        stage = max(self.ama_stages)
        groups = ama[stage]
        audio = self.fusions[str(stage)].project_audio(audio_embedding)
        return groups.groups, groups.valid, audio
