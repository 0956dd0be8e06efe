"""RAVS mask decoder with temporal modelling and Dirichlet uncertainty (paper §3.3)."""
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from mmseg.utils import ConfigType, SampleList
from torch import Tensor

from ..layers.temporal_self_attention import TemporalSelfAttention
from .dirichlet_fusion import (FUSION_MODES, dirichlet_alpha, dirichlet_variance,
                               fuse_uncertainty, fused_logits, scale_per_frame)


def clip_structure(batch_img_metas: Optional[Sequence[dict]], num_images: int,
                   device: torch.device) -> Tuple[int, Optional[Tensor]]:
    """Clip length T and the ``[B, T]`` padding mask from the frames' metainfo.

    Frames are clip-major (:class:`AVSDataPreprocessor`). Without ``num_frames`` in the
    metainfo (plain image segmentation) every image is its own clip of one frame.
    """
    if not batch_img_metas or 'num_frames' not in batch_img_metas[0]:
        return 1, None
    num_frames = int(batch_img_metas[0]['num_frames'])
    lengths = {int(m['num_frames']) for m in batch_img_metas}
    if lengths != {num_frames} or num_images % num_frames:
        raise ValueError(f'{num_images} frames cannot be split into clips of num_frames '
                         f'{sorted(lengths)}')
    padded = torch.tensor([bool(m.get('is_padded', False)) for m in batch_img_metas],
                          device=device).view(-1, num_frames)
    return num_frames, padded


@MODELS.register_module()
class UncertaintyHead(BaseDecodeHead):
    """Multi-scale fusion, temporal self-attention, class logits and Dirichlet uncertainty.

    Per frame, the stage features are projected to ``channels``, upsampled to the finest
    level and fused (SegFormer's MLP decoder) into ``f_f``; each position then attends over
    the T frames of its clip (padding slots masked out). Two 1x1 convolutions give the class
    logits ``m`` and the evidence logits ``u``; ``alpha = softplus(u) + evidence_offset``,
    ``delta`` is eq. 10 per class, ``delta_hat`` its per-frame linear scaling to [0, 1], and
    eq. 11 fuses ``sigma(m)`` (softmax over the classes) with ``delta_hat``.

    Predictions are the fused scores, as logits (see :func:`fused_logits`): binary tasks
    threshold the sounding score at 0.5, semantic tasks take the argmax.
    :meth:`predict_with_uncertainty` also returns ``delta_hat`` of the predicted class per
    pixel, which :class:`AudioVisualSegmentor` stores as each sample's ``uncertainty``.

    Losses: ``fusion='attenuate'`` applies ``loss_decode`` to the fused scores, so the
    Dirichlet head learns through ``delta_hat``; ``fusion='paper'`` applies ``loss_decode`` to
    ``m`` (its fused scores reach ``1 / eps`` and are no probabilities) and ``loss_evidential``
    to ``alpha``.

    Args:
        fusion (str): ``'attenuate'`` (``sigma(m) (1 - delta_hat)``) or ``'paper'``
            (``sigma(m) / (delta_hat + eps)``, eq. 11 as printed). Defaults to
            ``'attenuate'``.
        evidence_offset (float): Added to ``softplus(u)``: 0 as in the paper, 1 for the
            evidential-learning convention. Defaults to 0.
        fusion_eps (float): The eq. 11 epsilon. Defaults to 1e-6.
        temporal_layers (int): Temporal self-attention layers (0 disables). Defaults to 1.
        temporal_heads (int): Heads of each temporal layer. Defaults to 8.
        loss_evidential (dict): Loss on ``alpha`` in ``'paper'`` mode.
            Defaults to ``EvidentialLoss``.
        **kwargs: :class:`BaseDecodeHead` arguments (``in_channels`` a list, one per stage;
            ``num_classes`` >= 2: binary tasks use two classes, since eq. 10 is identically 0
            for a one-channel Dirichlet).
    """

    def __init__(self,
                 fusion: str = 'attenuate',
                 evidence_offset: float = 0.0,
                 fusion_eps: float = 1e-6,
                 temporal_layers: int = 1,
                 temporal_heads: int = 8,
                 loss_evidential: ConfigType = dict(type='EvidentialLoss'),
                 **kwargs) -> None:
        super().__init__(input_transform='multiple_select', **kwargs)
        if fusion not in FUSION_MODES:
            raise ValueError(f'fusion must be one of {FUSION_MODES}, got {fusion!r}')
        if self.out_channels < 2:
            raise ValueError('UncertaintyHead needs one channel per class (binary tasks: 2, '
                             f'background and sounding), got out_channels={self.out_channels}')
        self.fusion, self.evidence_offset, self.fusion_eps = fusion, evidence_offset, fusion_eps
        self.level_convs = nn.ModuleList(
            ConvModule(c, self.channels, 1, norm_cfg=self.norm_cfg, act_cfg=self.act_cfg)
            for c in self.in_channels)
        self.fusion_conv = ConvModule(self.channels * len(self.in_channels), self.channels, 1,
                                      norm_cfg=self.norm_cfg)
        self.temporal = nn.ModuleList(
            TemporalSelfAttention(self.channels, temporal_heads) for _ in range(temporal_layers))
        self.conv_evidence = nn.Conv2d(self.channels, self.out_channels, kernel_size=1)
        self.loss_evidential = MODELS.build(loss_evidential)

    def forward(self, inputs: List[Tensor],
                batch_img_metas: Optional[Sequence[dict]] = None) -> Dict[str, Tensor]:
        """Stage features ``[B*T, C_l, H_l, W_l]`` -> ``m`` and ``u``, ``[B*T, K, H_0, W_0]``."""
        inputs = self._transform_inputs(inputs)
        size = inputs[0].shape[2:]
        levels = [resize(conv(x), size=size, mode='bilinear', align_corners=self.align_corners)
                  for conv, x in zip(self.level_convs, inputs)]
        feat = self.fusion_conv(torch.cat(levels, dim=1))                 # f_f [B*T, C, H, W]
        num_frames, padded = clip_structure(batch_img_metas, feat.shape[0], feat.device)
        for layer in self.temporal:
            feat = layer(feat, num_frames, padded)
        return dict(seg_logits=self.cls_seg(feat), evidence_logits=self.conv_evidence(feat))

    def fuse(self, outputs: Dict[str, Tensor]) -> Tuple[Tensor, Tensor]:
        """Fused-score logits ``[N, K, H, W]`` and per-frame scaled uncertainty ``delta_hat``."""
        alpha = dirichlet_alpha(outputs['evidence_logits'], self.evidence_offset)
        scaled_delta = scale_per_frame(dirichlet_variance(alpha))
        probs = outputs['seg_logits'].float().softmax(dim=1)
        fused = fuse_uncertainty(probs, scaled_delta, self.fusion, self.fusion_eps)
        return fused_logits(fused, self.fusion_eps), scaled_delta

    def loss(self, inputs: List[Tensor], batch_data_samples: SampleList,
             train_cfg: ConfigType) -> dict:
        outputs = self.forward(inputs, [s.metainfo for s in batch_data_samples])
        if self.fusion == 'attenuate':
            return self.loss_by_feat(self.fuse(outputs)[0], batch_data_samples)
        losses = self.loss_by_feat(outputs['seg_logits'], batch_data_samples)
        labels = self._stack_batch_gt(batch_data_samples).squeeze(1)
        evidence = resize(outputs['evidence_logits'], size=labels.shape[-2:], mode='bilinear',
                          align_corners=self.align_corners)
        losses[self.loss_evidential.loss_name] = self.loss_evidential(
            dirichlet_alpha(evidence, self.evidence_offset), labels)
        return losses

    def predict(self, inputs: List[Tensor], batch_img_metas: List[dict],
                test_cfg: ConfigType) -> Tensor:
        return self.predict_with_uncertainty(inputs, batch_img_metas, test_cfg)[0]

    def predict_with_uncertainty(self, inputs: List[Tensor], batch_img_metas: List[dict],
                                 test_cfg: ConfigType) -> Tuple[Tensor, Tensor]:
        """Fused logits ``[N, K, H, W]`` and uncertainty of the predicted class ``[N, 1, H, W]``,
        both at the input size."""
        logits, scaled_delta = self.fuse(self.forward(inputs, batch_img_metas))
        uncertainty = scaled_delta.gather(1, logits.argmax(dim=1, keepdim=True))
        return (self.predict_by_feat(logits, batch_img_metas),
                self.predict_by_feat(uncertainty, batch_img_metas))
