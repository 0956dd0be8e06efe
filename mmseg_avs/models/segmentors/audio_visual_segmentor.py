"""Clip-aware encoder-decoder segmentor with an audio branch."""
from typing import List, Optional, Tuple

import torch
from mmseg.models.segmentors.base import BaseSegmentor
from mmseg.registry import MODELS
from mmseg.utils import ConfigType, OptConfigType, OptMultiConfig, OptSampleList, SampleList
from torch import Tensor

from ..backbones import AudioVisualFeatures
from .uncertainty_output import batch_metas, predict_with_uncertainty


@MODELS.register_module()
class AudioVisualSegmentor(BaseSegmentor):
    """Audio encoder + audio-visual backbone + decode head, on batches of clips.

    Inputs come from :class:`AVSDataPreprocessor`: ``inputs`` ``[B*T, 3, H, W]`` (frame ``t``
    of clip ``b`` at ``b*T + t``), ``audio`` ``[B, T, ...]`` (front-end output per second)
    and B*T per-frame data samples. The audio encoder turns each second into tokens
    ``[B*T, K, C_a]``; the backbone fuses them into the visual stages; the decode head
    predicts per frame (temporal heads regroup frames with ``num_frames`` = T from the
    metainfo; a head that does so declares ``clip_aware = True`` and takes the frames'
    metainfo in ``forward``). Predictions are per-frame :class:`SegDataSample` s, so MMSeg's
    metrics and visualizer also work on them; with a head that has
    ``predict_with_uncertainty`` (e.g. :class:`UncertaintyHead`) each also carries
    ``uncertainty`` (``PixelData`` ``[1, H, W]`` in [0, 1] at the original size).

    Args:
        backbone (dict): Audio-visual backbone config, e.g. ``AudioVisualBackbone``.
        audio_encoder (dict): Audio encoder config; its forward returns
            ``(tokens [N, K, C_a], embedding [N, C_a])``.
        decode_head (dict): Decode head config (any MMSeg decode head).
        contrastive_loss (dict, optional): Audio-guided contrastive alignment of the last AMA
            stage's groups (``AudioGuidedContrastiveLoss``, eqs. 8-9); needs an AMA block
            as the backbone's last fused stage. Defaults to None (off).
        freeze_audio_encoder (bool): Keep the audio encoder frozen and in eval mode (the
            paper's practice for pretrained VGGish / HTS-AT). Defaults to False.
        train_cfg (dict, optional): Training config.
        test_cfg (dict, optional): Testing config.
        data_preprocessor (dict, optional): Defaults to ``AVSDataPreprocessor``.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 backbone: ConfigType,
                 audio_encoder: ConfigType,
                 decode_head: ConfigType,
                 contrastive_loss: OptConfigType = None,
                 freeze_audio_encoder: bool = False,
                 train_cfg: OptConfigType = None,
                 test_cfg: OptConfigType = None,
                 data_preprocessor: OptConfigType = None,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.audio_encoder = MODELS.build(audio_encoder)
        self.backbone = MODELS.build(backbone)
        self.decode_head = MODELS.build(decode_head)
        self.contrastive_loss = (MODELS.build(contrastive_loss)
                                 if contrastive_loss is not None else None)
        self.align_corners = self.decode_head.align_corners
        self.num_classes = self.decode_head.num_classes
        self.out_channels = self.decode_head.out_channels
        self.freeze_audio_encoder = freeze_audio_encoder
        if freeze_audio_encoder:
            self.audio_encoder.requires_grad_(False)
        self.train_cfg = train_cfg
        self.test_cfg = test_cfg

    def train(self, mode: bool = True) -> 'AudioVisualSegmentor':
        super().train(mode)
        if self.freeze_audio_encoder:
            self.audio_encoder.eval()  # frozen batch-norm statistics stay as loaded
        return self

    def forward(self,
                inputs: Tensor,
                data_samples: OptSampleList = None,
                mode: str = 'tensor',
                audio: Optional[Tensor] = None):
        """Dispatch like MMSeg's segmentors; ``audio`` is ``[B, T, ...]``."""
        if audio is None:
            raise ValueError('AudioVisualSegmentor needs `audio` ([B, T, ...]); use '
                             'AVSDataPreprocessor and a pipeline with LoadAVSAudio')
        if mode == 'loss':
            return self.loss(inputs, data_samples, audio)
        if mode == 'predict':
            return self.predict(inputs, data_samples, audio)
        if mode == 'tensor':
            return self._forward(inputs, data_samples, audio)
        raise RuntimeError(f'Invalid mode "{mode}". Only supports loss, predict and tensor mode')

    def encode_audio(self, audio: Tensor) -> Tuple[Tensor, Tensor]:
        """``[B, T, ...]`` -> audio tokens ``[B*T, K, C_a]`` and embeddings ``[B*T, C_a]``."""
        return self._encode_seconds(audio.flatten(0, 1))

    def _encode_seconds(self, seconds: Tensor) -> Tuple[Tensor, Tensor]:
        """``[N, ...]`` one-second inputs -> tokens ``[N, K, C_a]`` and embeddings ``[N, C_a]``."""
        if self.freeze_audio_encoder:
            with torch.no_grad():
                return self.audio_encoder(seconds)
        return self.audio_encoder(seconds)

    def extract_feat(self, inputs: Tensor, audio: Tensor) -> List[Tensor]:
        """Multi-scale audio-visual features ``[B*T, D_l, H_l, W_l]`` per stage."""
        return self._extract(inputs, audio)[0].feats

    def _extract(self, inputs: Tensor, audio: Tensor, gt_seg: Optional[Tensor] = None,
                 frames: Optional[Tensor] = None) -> Tuple[AudioVisualFeatures, Tensor]:
        """Backbone outputs and audio embeddings of the frames ``frames`` (indices into the
        B*T frames; all by default)."""
        num_clips, num_frames = audio.shape[:2]
        if inputs.shape[0] != num_clips * num_frames:
            raise ValueError(f'{inputs.shape[0]} frames for audio of {num_clips} clips x '
                             f'{num_frames} seconds')
        seconds = audio.flatten(0, 1)
        if frames is not None:
            inputs, seconds = inputs[frames], seconds[frames]
        audio_tokens, audio_embedding = self._encode_seconds(seconds)
        return self.backbone(inputs, audio_tokens, gt_seg), audio_embedding

    def encode_decode(self, inputs: Tensor, batch_img_metas: List[dict],
                      audio: Optional[Tensor] = None) -> Tensor:
        """Segmentation logits at the input size, ``[B*T, C, H, W]``."""
        feats = self.extract_feat(inputs, audio)
        return self.decode_head.predict(feats, batch_img_metas, self.test_cfg)

    def loss(self, inputs: Tensor, data_samples: SampleList, audio: Tensor) -> dict:
        """Losses of the real frames. Padded slots (black frame, silent audio, e.g. the 5 empty
        slots of an AVSS v1 clip) are left out before the encoders, so they reach no loss,
        no contrastive selection and no batch statistic: their content changes nothing."""
        real = [not s.metainfo.get('is_padded', False) for s in data_samples]
        frames = None
        if not all(real):
            frames = torch.tensor(real, device=inputs.device).nonzero()[:, 0]
            data_samples = [s for s, keep in zip(data_samples, real) if keep]
        gt_seg = torch.stack([s.gt_sem_seg.data[0] for s in data_samples])  # GTF ablation
        features, audio_embedding = self._extract(inputs, audio, gt_seg, frames)
        losses = self.decode_head.loss(features.feats, data_samples, self.train_cfg)
        losses = {f'decode.{k}': v for k, v in losses.items()}
        if self.contrastive_loss is not None:
            groups, group_valid, audio_feat = self.backbone.alignment_features(
                features.ama, audio_embedding)
            losses.update(self.contrastive_loss(groups, audio_feat, group_valid))
        return losses

    def predict(self, inputs: Tensor, data_samples: OptSampleList = None,
                audio: Optional[Tensor] = None) -> SampleList:
        if hasattr(self.decode_head, 'predict_with_uncertainty'):
            return predict_with_uncertainty(self, self.extract_feat(inputs, audio), inputs,
                                            data_samples)
        seg_logits = self.encode_decode(inputs, batch_metas(inputs, data_samples), audio)
        return self.postprocess_result(seg_logits, data_samples)

    def postprocess_result(self, seg_logits: Tensor,
                           data_samples: OptSampleList = None) -> SampleList:
        """MMSeg's un-padding and resizing; one-channel (sigmoid) logits ``l`` stay logits.

        MMSeg stores sigmoid scores under ``seg_logits`` for one-channel heads, while
        AVSMetric and the visualizers expect logits, and a logit recovered from a float32
        score is clipped and rounded. Here ``l`` goes through MMSeg's routine as the pair
        ``(0, l)`` (resizing is linear, so its first channel stays 0): ``seg_logits`` is the
        resized ``l`` itself and ``pred_sem_seg`` is ``l > logit(threshold)``, for the
        threshold 0.5 exactly the two-channel head's argmax of ``(0, l)``.
        """
        if seg_logits.shape[1] != 1:
            return super().postprocess_result(seg_logits, data_samples)
        pairs = torch.cat([torch.zeros_like(seg_logits), seg_logits], dim=1)
        samples = super().postprocess_result(pairs, data_samples)
        threshold = torch.logit(torch.tensor(self.decode_head.threshold, dtype=torch.float64))
        for sample in samples:
            logits = sample.seg_logits.data[1:]
            sample.seg_logits.data = logits
            sample.pred_sem_seg.data = (logits > threshold.item()).long()
        return samples

    def _forward(self, inputs: Tensor, data_samples: OptSampleList = None,
                 audio: Optional[Tensor] = None):
        feats = self.extract_feat(inputs, audio)
        if getattr(self.decode_head, 'clip_aware', False):
            return self.decode_head.forward(feats, batch_metas(inputs, data_samples))
        return self.decode_head.forward(feats)
