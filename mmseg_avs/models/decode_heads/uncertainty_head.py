"""RAVS mask decoder with temporal modelling and Dirichlet uncertainty (paper §3.3)."""
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from mmseg.utils import ConfigType, SampleList
from torch import Tensor

from ..layers.dirichlet import dirichlet_alpha, dirichlet_variance
from ..layers.temporal_self_attention import TemporalSelfAttention
from .dirichlet_fusion import FUSION_MODES, fuse_uncertainty, fused_logits, scale_per_frame


class ClipLayout(NamedTuple):
    """Where a batch's images sit in its clips.

    Attributes:
        num_frames (int): T, the slots of each clip.
        slots (Tensor): ``[N]`` slot of each image in the clip-major ``[B*T]`` grid.
        padded (Tensor): ``[B, T]`` bool, True for slots that hold no real frame (padding,
            or a padded frame left out of the batch).
    """
    num_frames: int
    slots: Tensor
    padded: Tensor


def clip_layout(batch_img_metas: Optional[Sequence[dict]], num_images: int,
                device: torch.device) -> ClipLayout:
    """The clips of a batch of frames, from their metainfo.

    Frames come clip-major (:class:`AVSDataPreprocessor`), possibly without their padded slots
    (the segmentor leaves those out in training): a clip starts where ``clip_id`` changes or
    ``frame_idx`` does not increase, and each frame sits at its ``frame_idx``. Without
    ``frame_idx`` every slot must be present.

    Raises:
        ValueError: If ``num_frames`` is missing or differs between frames, or the frames
            cannot fill clips of that length.
    """
    if not batch_img_metas or any('num_frames' not in m for m in batch_img_metas):
        # without it every image would silently be a clip of one frame
        raise ValueError("temporal attention across the frames of a clip needs the clip length "
                         "'num_frames' in every frame's metainfo, which is missing; image "
                         'segmentation uses temporal_layers=0')
    lengths = {int(m['num_frames']) for m in batch_img_metas}
    num_frames = lengths.pop()
    if lengths or len(batch_img_metas) != num_images:
        raise ValueError(f'{num_images} frames cannot be split into clips of num_frames '
                         f'{sorted(lengths | {num_frames})}')
    if all('frame_idx' in m for m in batch_img_metas):
        slots, clip = [], -1
        for i, meta in enumerate(batch_img_metas):
            previous = batch_img_metas[i - 1] if i else None
            if (previous is None or meta.get('clip_id') != previous.get('clip_id')
                    or meta['frame_idx'] <= previous['frame_idx']):
                clip += 1
            slots.append(clip * num_frames + int(meta['frame_idx']))
        num_clips = clip + 1
    elif num_images % num_frames == 0:
        slots, num_clips = list(range(num_images)), num_images // num_frames
    else:
        raise ValueError(f'{num_images} frames cannot be split into clips of num_frames '
                         f'{num_frames}')
    slots = torch.tensor(slots, device=device)
    padded = torch.ones(num_clips * num_frames, dtype=torch.bool, device=device)
    padded[slots] = torch.tensor([bool(m.get('is_padded', False)) for m in batch_img_metas],
                                 device=device)
    return ClipLayout(num_frames, slots, padded.view(num_clips, num_frames))


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

    Binary tasks have two forms, the same model up to the parametrisation of the class
    scores: two softmax channels (background, sounding; the default) or ``out_channels=1``,
    one sounding logit ``m`` through a sigmoid (eq. 11's "sigmoid for binary segmentation";
    DDESeg's binary head). The evidence branch keeps two channels in both: the Dirichlet of a
    binary task is over its two classes (a Beta distribution), and with one channel eq. 10
    would be identically 0. For a two-class Dirichlet ``delta`` is the same for both
    classes, so the one-channel head fuses ``sigmoid(m)`` with the sounding ``delta_hat``
    exactly as the two-channel head fuses ``softmax([0, m])[1]``, and returns the logit of
    the fused score, whose sigmoid thresholded at 0.5 is the two-channel argmax.

    Losses: ``fusion='attenuate'`` applies ``loss_decode`` to the fused scores (so ``m`` and,
    through ``delta_hat``, ``alpha`` learn from it); ``fusion='paper'`` applies it to ``m``
    (its fused scores reach ``1 / eps`` and are no probabilities), as does ``'none'``
    (predictions ``sigma(m)``; set at test time on a head trained with another mode, it shows
    the class scores before the fusion). Every mode applies
    ``loss_evidential`` to ``alpha``: its own signal, which fits ``alpha`` to the labels as a
    Dirichlet instead of leaving it to act as a second foreground gate through ``delta_hat``
    alone. The head passes ``evidence_offset`` to that loss, whose KL term pulls the
    non-target evidence ``alpha - evidence_offset`` to 0.

    Args:
        fusion (str): ``'attenuate'`` (``sigma(m) (1 - delta_hat)``), ``'paper'``
            (``sigma(m) / (delta_hat + eps)``, eq. 11 as printed) or ``'none'``
            (``sigma(m)``: the uncertainty is reported, not fused). Defaults to
            ``'attenuate'``.
        evidence_offset (float): Added to the evidence ``softplus(u)``: 0 as in the paper, 1
            for the evidential-learning convention (Sensoy et al. 2018). Defaults to 0.
        fusion_eps (float): The eq. 11 epsilon. Defaults to 1e-6.
        temporal_layers (int): Temporal self-attention layers; they need ``num_frames`` in
            the metainfo. 0 disables them, as image segmentation must. Defaults to 1.
        temporal_heads (int): Heads of each temporal layer. Defaults to 8.
        loss_evidential (dict): Loss on ``alpha`` in every mode, called with ``alpha``, the
            labels and ``evidence_offset``; its ``loss_weight`` sets its weight.
            Defaults to ``EvidentialLoss``.
        threshold (float, optional): With ``out_channels=1``, the sounding score above
            which a pixel is predicted sounding. Defaults to 0.5 there (AVSBench's rule,
            and the two-channel argmax; MMSeg's generic default would be 0.3).
        **kwargs: :class:`BaseDecodeHead` arguments (``in_channels`` a list, one per stage;
            ``num_classes`` >= 2, background included; ``out_channels=1`` for one sigmoid
            channel on a binary task, ``num_classes=2``).
    """

    # forward() takes the frames' metainfo: the temporal layers regroup the frames into clips
    clip_aware = True

    def __init__(self,
                 fusion: str = 'attenuate',
                 evidence_offset: float = 0.0,
                 fusion_eps: float = 1e-6,
                 temporal_layers: int = 1,
                 temporal_heads: int = 8,
                 loss_evidential: ConfigType = dict(type='EvidentialLoss'),
                 threshold: Optional[float] = None,
                 **kwargs) -> None:
        if threshold is None and kwargs.get('out_channels') == 1:
            threshold = 0.5
        super().__init__(input_transform='multiple_select', threshold=threshold, **kwargs)
        if fusion not in FUSION_MODES:
            raise ValueError(f'fusion must be one of {FUSION_MODES}, got {fusion!r}')
        if self.out_channels == 1 and self.num_classes != 2:
            raise ValueError('one output channel (sigmoid) is for binary tasks, num_classes=2; '
                             f'got num_classes={self.num_classes}')
        self.fusion, self.evidence_offset, self.fusion_eps = fusion, evidence_offset, fusion_eps
        self.level_convs = nn.ModuleList(
            ConvModule(c, self.channels, 1, norm_cfg=self.norm_cfg, act_cfg=self.act_cfg)
            for c in self.in_channels)
        self.fusion_conv = ConvModule(self.channels * len(self.in_channels), self.channels, 1,
                                      norm_cfg=self.norm_cfg)
        self.temporal = nn.ModuleList(
            TemporalSelfAttention(self.channels, temporal_heads) for _ in range(temporal_layers))
        # one Dirichlet parameter per class, whatever the class logits' channels
        self.conv_evidence = nn.Conv2d(self.channels, self.num_classes, kernel_size=1)
        self.loss_evidential = MODELS.build(loss_evidential)

    def forward(self, inputs: List[Tensor],
                batch_img_metas: Optional[Sequence[dict]] = None) -> Dict[str, Tensor]:
        """Stage features ``[B*T, C_l, H_l, W_l]`` -> ``m`` and ``u``, ``[B*T, K, H_0, W_0]``."""
        inputs = self._transform_inputs(inputs)
        size = inputs[0].shape[2:]
        levels = [resize(conv(x), size=size, mode='bilinear', align_corners=self.align_corners)
                  for conv, x in zip(self.level_convs, inputs)]
        feat = self.fusion_conv(torch.cat(levels, dim=1))                 # f_f [B*T, C, H, W]
        if self.temporal:
            feat = self.attend_over_time(feat, batch_img_metas)
        return dict(seg_logits=self.cls_seg(feat), evidence_logits=self.conv_evidence(feat))

    def attend_over_time(self, feat: Tensor,
                         batch_img_metas: Optional[Sequence[dict]]) -> Tensor:
        """Run the temporal layers on ``feat`` ``[N, C, H, W]``, the frames of whole clips or
        the real frames of clips whose padded slots were left out (see :func:`clip_layout`):
        the frames are placed in their clip's slots, empty slots masked out."""
        layout = clip_layout(batch_img_metas, feat.shape[0], feat.device)
        grid = feat.new_zeros(layout.padded.numel(), *feat.shape[1:])   # [B*T, C, H, W]
        grid[layout.slots] = feat
        for layer in self.temporal:
            grid = layer(grid, layout.num_frames, layout.padded)
        return grid[layout.slots]

    def fuse(self, outputs: Dict[str, Tensor]) -> Tuple[Tensor, Tensor]:
        """Fused-score logits ``[N, C_out, H, W]`` and per-frame scaled uncertainty
        ``delta_hat`` ``[N, K, H, W]`` (one channel per class)."""
        alpha = dirichlet_alpha(outputs['evidence_logits'], self.evidence_offset)
        scaled_delta = scale_per_frame(dirichlet_variance(alpha))
        seg_logits = outputs['seg_logits'].float()
        if self.out_channels == 1:  # the sounding score and the sounding class's delta_hat
            probs, delta = seg_logits.sigmoid(), scaled_delta[:, 1:]
        else:
            probs, delta = seg_logits.softmax(dim=1), scaled_delta
        fused = fuse_uncertainty(probs, delta, self.fusion, self.fusion_eps)
        return fused_logits(fused, self.fusion_eps), scaled_delta

    def loss(self, inputs: List[Tensor], batch_data_samples: SampleList,
             train_cfg: ConfigType) -> dict:
        outputs = self.forward(inputs, [s.metainfo for s in batch_data_samples])
        seg_logits = (self.fuse(outputs)[0] if self.fusion == 'attenuate' else
                      outputs['seg_logits'])
        losses = self.loss_by_feat(seg_logits, batch_data_samples)
        labels = self._stack_batch_gt(batch_data_samples).squeeze(1)     # [N, H, W]
        evidence = resize(outputs['evidence_logits'], size=labels.shape[-2:], mode='bilinear',
                          align_corners=self.align_corners)
        losses[self.loss_evidential.loss_name] = self.loss_evidential(
            dirichlet_alpha(evidence, self.evidence_offset), labels, self.evidence_offset)
        return losses

    def predict(self, inputs: List[Tensor], batch_img_metas: List[dict],
                test_cfg: ConfigType) -> Tensor:
        return self.predict_with_uncertainty(inputs, batch_img_metas, test_cfg)[0]

    def predict_with_uncertainty(self, inputs: List[Tensor], batch_img_metas: List[dict],
                                 test_cfg: ConfigType) -> Tuple[Tensor, Tensor]:
        """Fused logits ``[N, K, H, W]`` and uncertainty of the predicted class ``[N, 1, H, W]``,
        both at the input size."""
        logits, scaled_delta = self.fuse(self.forward(inputs, batch_img_metas))
        if self.out_channels == 1:  # both classes of a binary Dirichlet have the same delta
            uncertainty = scaled_delta[:, 1:]
        else:
            uncertainty = scaled_delta.gather(1, logits.argmax(dim=1, keepdim=True))
        return (self.predict_by_feat(logits, batch_img_metas),
                self.predict_by_feat(uncertainty, batch_img_metas))
