"""MMSeg's EncoderDecoder whose predictions also carry the UE head's uncertainty map."""
from mmseg.models.segmentors import EncoderDecoder
from mmseg.registry import MODELS
from mmseg.utils import OptSampleList, SampleList
from torch import Tensor

from .uncertainty_output import predict_with_uncertainty


@MODELS.register_module()
class UncertaintyEncoderDecoder(EncoderDecoder):
    """``EncoderDecoder`` + :class:`UncertaintyHead` for plain image segmentation (T = 1).

    The stock ``EncoderDecoder`` already trains and predicts with an ``UncertaintyHead``,
    but its ``predict`` has no place for a second output; this one stores each image's
    Dirichlet uncertainty map as ``uncertainty`` next to the prediction. Whole-image
    inference only (``test_cfg.mode='whole'``).
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        if not hasattr(self.decode_head, 'predict_with_uncertainty'):
            raise TypeError('UncertaintyEncoderDecoder needs a decode head that predicts '
                            'uncertainty (`predict_with_uncertainty`, e.g. UncertaintyHead), '
                            f'got {type(self.decode_head).__name__}')
        if self.test_cfg.get('mode', 'whole') != 'whole':
            raise ValueError("UncertaintyEncoderDecoder predicts whole images: set "
                             "test_cfg.mode='whole'")

    def predict(self, inputs: Tensor, data_samples: OptSampleList = None) -> SampleList:
        return predict_with_uncertainty(self, self.extract_feat(inputs), inputs, data_samples)
