"""VGGish (Hershey et al. 2017) in the torchvggish layout, as AVSBench uses it."""
from typing import Optional, Tuple

import torch.nn as nn
from mmseg.registry import MODELS
from torch import Tensor

from .published_audio_encoder import PublishedAudioEncoder

# Conv widths; 'M' is a 2x2 max-pool. Sequential indices give the published keys
# features.{0,3,6,8,11,13}.
_FEATURE_LAYERS = (64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M')


@MODELS.register_module()
class VGGish(PublishedAudioEncoder):
    """VGGish: log-mel examples ``[N, 1, 96, 64]`` -> audio tokens and a 128-d embedding.

    The network and its state dict are torchvggish's (the published ``vggish-10086976.pth``
    loads as is): a VGG conv stack (3x3 convs + ReLU, four 2x2 max-pools) gives a
    ``[N, 512, 6, 4]`` map (6 time x 4 frequency positions); flattened in TensorFlow's
    (time, frequency, channel) order it goes through three fully connected layers, each
    followed by ReLU, to the embedding ``[N, 128]``. As in AVSBench: final ReLU kept, no PCA
    post-processing; one input example is 0.96 s, i.e. one per second of the clip. A
    segment of S seconds (``LoadAVSAudio(segment_seconds=S)``, e.g. VPO) arrives as S
    examples joined in time, ``[N, 1, 96 * S, 64]``: its tokens are those of all S examples
    and its embedding the mean of their embeddings.

    Tokens for the segmentor's cross-attention: one 128-d embedding per second would be the
    only key of a softmax attention, which then gives every visual token the same audio
    vector. So the tokens are the 24 positions of the last conv map (``[N, 24, 512]``,
    time-major), which keep where in time and frequency the sound is. The segmentor's
    contrastive alignment projects the embedding with the same per-stage layer (f_a_l) as
    the tokens, so with that loss tokens and embedding need one width: ``token_channels=128``
    adds a trainable linear projection ``token_proj`` (512 -> 128). It is not part of the
    published file, stays trainable when ``frozen``, and then the segmentor must keep
    ``freeze_audio_encoder=False`` (which would freeze it too); ``frozen`` alone keeps the
    published weights fixed and runs them without building a graph.

    Args:
        pretrained (str, optional): Path of ``vggish-10086976.pth``, read by
            ``init_weights()`` (when training starts; see :class:`PublishedAudioEncoder`).
            None builds an untrained network (PyTorch's default initialisation). Defaults
            to None.
        frozen (bool): Fix the published weights and keep eval mode. Defaults to True.
        token_channels (int, optional): Project the tokens to this width (128 to match the
            embedding); None keeps the 512 conv channels. Defaults to None.
        init_cfg (dict, optional): Initialisation config.
    """

    CHECKPOINT_NAME = 'vggish-10086976.pth (torchvggish layout)'
    CHECKPOINT_SOURCE = ('https://github.com/harritaylor/torchvggish/releases/download/v0.1/'
                         'vggish-10086976.pth')
    ADDED_PREFIXES = ('token_proj.', )
    EXAMPLE_SHAPE = (96, 64)  # one 0.96 s example: 96 frames x 64 mel bands
    EMBED_CHANNELS = 128

    def __init__(self,
                 pretrained: Optional[str] = None,
                 frozen: bool = True,
                 token_channels: Optional[int] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(pretrained=pretrained, frozen=frozen, init_cfg=init_cfg)
        layers, prev = [], 1
        for spec in _FEATURE_LAYERS:
            if spec == 'M':
                layers.append(nn.MaxPool2d(2, 2))
            else:
                layers += [nn.Conv2d(prev, spec, 3, padding=1), nn.ReLU(inplace=True)]
                prev = spec
        self.features = nn.Sequential(*layers)
        self.embeddings = nn.Sequential(
            nn.Linear(512 * 6 * 4, 4096), nn.ReLU(inplace=True),
            nn.Linear(4096, 4096), nn.ReLU(inplace=True),
            nn.Linear(4096, self.EMBED_CHANNELS), nn.ReLU(inplace=True))
        self.token_proj = (nn.Linear(prev, token_channels)
                           if token_channels is not None else None)
        self.out_channels = token_channels or prev  # width of the tokens
        self._freeze()

    def forward(self, logmel: Tensor) -> Tuple[Tensor, Tensor]:
        """Args: logmel ``[N, 1, 96 * S, 64]``, S consecutive examples of AVSBench's VGGish
        front-end per item (S = 1 for one-second segments, 3 for VPO's 3-s segments).

        Returns:
            tuple[Tensor, Tensor]: tokens ``[N, 24 * S, C_t]`` (the conv positions of all S
            examples) and embedding ``[N, 128]`` (the mean of the S published embeddings).
        """
        frames, mels = self.EXAMPLE_SHAPE
        shape = tuple(logmel.shape)
        if len(shape) != 4 or shape[1:4:2] != (1, mels) or shape[2] % frames or not shape[2]:
            raise ValueError(f'VGGish expects log-mel examples [N, 1, 96 * S, 64], '
                             f'got {list(shape)}')
        n, num = shape[0], shape[2] // frames
        examples = logmel.reshape(n * num, 1, frames, mels)           # [N*S, 1, 96, 64]
        fmap = self.features(examples).permute(0, 2, 3, 1)           # [N*S, 6, 4, 512] TF order
        embedding = self.embeddings(fmap.flatten(1))                 # [N*S, 128]
        tokens = fmap.reshape(n, -1, fmap.shape[-1])                 # [N, 24*S, 512]
        if self.token_proj is not None:
            tokens = self.token_proj(tokens)                         # [N, 24*S, C_t]
        return tokens, embedding.view(n, num, -1).mean(dim=1)
