"""Predictions that carry the UE head's uncertainty map, for any MMSeg segmentor."""
from typing import List

from mmengine.structures import PixelData
from mmseg.models.segmentors.base import BaseSegmentor
from mmseg.structures import SegDataSample
from mmseg.utils import OptSampleList, SampleList
from torch import Tensor


def batch_metas(inputs: Tensor, data_samples: OptSampleList) -> List[dict]:
    """The samples' metainfo, or MMSeg's default metainfo of an unannotated batch."""
    if data_samples is not None:
        return [s.metainfo for s in data_samples]
    shape = inputs.shape[2:]
    return [dict(ori_shape=shape, img_shape=shape, pad_shape=shape,
                 padding_size=[0, 0, 0, 0])] * inputs.shape[0]


def predict_with_uncertainty(segmentor: BaseSegmentor, feats: List[Tensor],
                             inputs: Tensor, data_samples: OptSampleList) -> SampleList:
    """Predict with an :class:`UncertaintyHead` and store each frame's ``uncertainty``
    (``PixelData`` ``[1, H, W]`` in [0, 1]) next to ``seg_logits`` and ``pred_sem_seg``.

    Args:
        segmentor (BaseSegmentor): Its ``decode_head`` is an ``UncertaintyHead``.
        feats (list[Tensor]): The backbone (and neck) features of ``inputs``.
        inputs (Tensor): ``[N, 3, H, W]`` network inputs.
        data_samples (list[SegDataSample], optional): The samples to fill.

    Returns:
        list[SegDataSample]: The predictions, at the original image size.
    """
    metas = batch_metas(inputs, data_samples)
    seg_logits, uncertainty = segmentor.decode_head.predict_with_uncertainty(
        feats, metas, segmentor.test_cfg)
    samples = segmentor.postprocess_result(seg_logits, data_samples)
    # Un-pad and resize the map exactly like the logits, with MMSeg's own routine; two
    # identical channels keep it on the argmax path, which stores the values unchanged.
    carriers = (None if data_samples is None else
                [SegDataSample(metainfo=s.metainfo) for s in data_samples])
    carriers = BaseSegmentor.postprocess_result(segmentor, uncertainty.repeat(1, 2, 1, 1),
                                                carriers)
    for sample, carrier in zip(samples, carriers):
        sample.uncertainty = PixelData(data=carrier.seg_logits.data[:1])
    return samples
