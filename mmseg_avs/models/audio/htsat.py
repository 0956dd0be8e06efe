"""HTS-AT (Chen et al., ICASSP 2022), AudioSet configuration, checkpoint-compatible."""
import itertools
import math
from typing import Dict, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn.bricks import DropPath
from mmseg.registry import MODELS
from torch import Tensor

from ...signal.logmel import (HTSAT_FMAX, HTSAT_FMIN, HTSAT_MELS, HTSAT_NFFT,
                              HTSAT_SAMPLE_RATE, slaney_mel_matrix)
from .published_audio_encoder import PublishedAudioEncoder

# AudioSet configuration of the published model.
SPEC_SIZE = 256                         # the log-mel is folded into a 256 x 256 "image"
FREQ_RATIO = SPEC_SIZE // HTSAT_MELS    # 4 time chunks stacked along frequency
TARGET_FRAMES = SPEC_SIZE * FREQ_RATIO  # 1024 frames (10.24 s at hop 320)
PATCH_SIZE = 4
EMBED_DIM = 96
DEPTHS = (2, 2, 6, 2)
NUM_HEADS = (4, 8, 16, 32)
WINDOW_SIZE = 8
NUM_CLASSES = 527
NUM_FEATURES = EMBED_DIM * 2**(len(DEPTHS) - 1)  # 768
MASK_VALUE = -100.0             # logit added across shifted-window regions


def _window_partition(x: Tensor, window: int) -> Tensor:
    """``[B, H, W, C]`` -> ``[B * nW, window * window, C]``, windows row-major per map."""
    b, h, w, c = x.shape
    x = x.view(b, h // window, window, w // window, window, c).transpose(2, 3)
    return x.reshape(-1, window * window, c)


def _window_merge(windows: Tensor, window: int, h: int, w: int) -> Tensor:
    """Inverse of :func:`_window_partition`: ``[B * nW, window², C]`` -> ``[B, H, W, C]``."""
    c = windows.shape[-1]
    x = windows.view(-1, h // window, w // window, window, window, c).transpose(2, 3)
    return x.reshape(-1, h, w, c)


def _relative_position_index(window: int) -> Tensor:
    """``[N, N]`` (N = window²) index into the ``(2w-1)²`` relative-position bias table."""
    grid = torch.meshgrid(torch.arange(window), torch.arange(window), indexing='ij')
    coords = torch.stack(grid).flatten(1)                                # [2, N]
    rel = coords[:, :, None] - coords[:, None, :] + (window - 1)         # [2, N, N] >= 0
    return rel[0] * (2 * window - 1) + rel[1]


def _shift_attention_mask(resolution: int, window: int, shift: int) -> Tensor:
    """``[nW, N, N]``: 0 inside a region of the cyclically shifted map, -100 across.

    After the roll, a window at the border holds pixels that were not neighbours; the mask
    stops them from attending to each other.
    """
    region = torch.zeros(1, resolution, resolution, 1)
    bounds = (slice(0, -window), slice(-window, -shift), slice(-shift, None))
    for label, (rows, cols) in enumerate(itertools.product(bounds, bounds)):
        region[:, rows, cols] = label
    labels = _window_partition(region, window).squeeze(-1)              # [nW, N]
    differs = labels[:, None, :] != labels[:, :, None]
    return torch.zeros(differs.shape).masked_fill(differs, MASK_VALUE)


def _tensor_holder(**tensors: Tensor) -> nn.Module:
    """A module holding persistent buffers, to reproduce a checkpoint's key names."""
    holder = nn.Module()
    for name, tensor in tensors.items():
        holder.register_buffer(name, tensor)
    return holder


def _stft_basis() -> Tuple[Tensor, Tensor]:
    """torchlibrosa's STFT conv weights ``[513, 1, 1024]``: DFT basis x periodic Hann."""
    n = torch.arange(HTSAT_NFFT, dtype=torch.float64)
    k = torch.arange(HTSAT_NFFT // 2 + 1, dtype=torch.float64)
    # n*k mod n_fft keeps the angle small, so float64 cos/sin stay exact to ~1e-16.
    angle = 2 * math.pi * torch.remainder(k[:, None] * n, HTSAT_NFFT) / HTSAT_NFFT
    window = torch.hann_window(HTSAT_NFFT, periodic=True, dtype=torch.float64)
    real, imag = torch.cos(angle) * window, -torch.sin(angle) * window
    return real.float()[:, None], imag.float()[:, None]


class _WindowAttention(nn.Module):
    """Multi-head self-attention inside windows, with a relative-position bias.

    Args:
        dim (int): Channels.
        window (int): Window side.
        num_heads (int): Heads.
    """

    def __init__(self, dim: int, window: int, num_heads: int) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.scale = (dim // num_heads)**-0.5
        self.relative_position_bias_table = nn.Parameter(
            torch.zeros((2 * window - 1)**2, num_heads))
        self.register_buffer('relative_position_index', _relative_position_index(window))
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: Tensor, mask: Optional[Tensor] = None) -> Tensor:
        """x ``[B * nW, N, C]``; mask ``[nW, N, N]`` or None -> ``[B * nW, N, C]``."""
        b, n, c = x.shape
        h = self.num_heads
        q, k, v = self.qkv(x).view(b, n, 3, h, c // h).permute(2, 0, 3, 1, 4)  # [B*nW, h, N, d]
        attn = (q * self.scale) @ k.transpose(-2, -1)                          # [B*nW, h, N, N]
        bias = self.relative_position_bias_table[self.relative_position_index.view(-1)]
        attn = attn + bias.view(n, n, h).permute(2, 0, 1)
        if mask is not None:
            nw = mask.shape[0]
            attn = (attn.view(b // nw, nw, h, n, n) + mask[None, :, None]).view(b, h, n, n)
        x = (attn.softmax(dim=-1) @ v).transpose(1, 2).reshape(b, n, c)
        return self.proj(x)


class _SwinBlock(nn.Module):
    """Pre-norm (shifted) window attention and MLP, both residual.

    Args:
        dim (int): Channels.
        resolution (int): Side of the square token map.
        num_heads (int): Heads.
        window (int): Window side; a map no larger than it is one window, unshifted.
        shift (int): Cyclic shift (0 or window // 2).
        drop_path (float): Stochastic-depth rate (training only).
    """

    def __init__(self, dim: int, resolution: int, num_heads: int, window: int, shift: int,
                 drop_path: float) -> None:
        super().__init__()
        if resolution <= window:  # HTS-AT's last stage: 8x8 tokens, one window, no shift
            window, shift = resolution, 0
        self.resolution, self.window, self.shift = resolution, window, shift
        # Persistent: the published checkpoint stores it and loads strictly.
        self.register_buffer(
            'attn_mask', _shift_attention_mask(resolution, window, shift) if shift else None)
        self.norm1 = nn.LayerNorm(dim)
        self.attn = _WindowAttention(dim, window, num_heads)
        self.drop_path = DropPath(drop_path) if drop_path > 0 else nn.Identity()
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = nn.ModuleDict(dict(fc1=nn.Linear(dim, 4 * dim), fc2=nn.Linear(4 * dim, dim)))

    def forward(self, x: Tensor) -> Tensor:
        """``[B, L, C]`` -> ``[B, L, C]``, L = resolution²."""
        b, length, c = x.shape
        r, s = self.resolution, self.shift
        y = self.norm1(x).view(b, r, r, c)
        if s:
            y = torch.roll(y, (-s, -s), dims=(1, 2))
        y = self.attn(_window_partition(y, self.window), self.attn_mask)
        y = _window_merge(y, self.window, r, r)
        if s:
            y = torch.roll(y, (s, s), dims=(1, 2))
        x = x + self.drop_path(y.reshape(b, length, c))
        return x + self.drop_path(self.mlp.fc2(F.gelu(self.mlp.fc1(self.norm2(x)))))


class _PatchMerging(nn.Module):
    """2x2 neighbourhoods -> one token: ``[B, R², C]`` -> ``[B, (R/2)², 2C]``.

    Args:
        dim (int): Input channels.
        resolution (int): Side of the input token map.
    """

    def __init__(self, dim: int, resolution: int) -> None:
        super().__init__()
        self.resolution = resolution
        self.reduction = nn.Linear(4 * dim, 2 * dim, bias=False)
        self.norm = nn.LayerNorm(4 * dim)

    def forward(self, x: Tensor) -> Tensor:
        b, _, c = x.shape
        x = x.view(b, self.resolution, self.resolution, c)
        # Swin's channel order: (row, col) offsets (0,0), (1,0), (0,1), (1,1).
        x = torch.cat([x[:, 0::2, 0::2], x[:, 1::2, 0::2], x[:, 0::2, 1::2], x[:, 1::2, 1::2]],
                      dim=-1)
        return self.reduction(self.norm(x.view(b, -1, 4 * c)))


class _SwinStage(nn.Module):
    """Blocks alternating shift 0 and window // 2, then an optional patch merging.

    Args:
        dim (int): Channels.
        resolution (int): Side of the token map.
        num_heads (int): Heads.
        drop_paths (Sequence[float]): Stochastic-depth rate of each block.
        downsample (bool): End with :class:`_PatchMerging`.
    """

    def __init__(self, dim: int, resolution: int, num_heads: int, drop_paths: Sequence[float],
                 downsample: bool) -> None:
        super().__init__()
        self.blocks = nn.ModuleList([
            _SwinBlock(dim, resolution, num_heads, WINDOW_SIZE, (i % 2) * WINDOW_SIZE // 2, rate)
            for i, rate in enumerate(drop_paths)
        ])
        self.downsample = _PatchMerging(dim, resolution) if downsample else None

    def forward(self, x: Tensor) -> Tensor:
        for block in self.blocks:
            x = block(x)
        return x if self.downsample is None else self.downsample(x)


@MODELS.register_module()
class HTSAT(PublishedAudioEncoder):
    """HTS-AT: log-mel ``[N, 1, T, 64]`` -> audio tokens ``[N, 64, 768]`` and a 768-d
    embedding.

    The published HTS-AT (RetroCirce/HTS-Audio-Transformer, AudioSet configuration) under
    its own key names, so its Lightning checkpoint loads as is (``sed_model.`` stripped):

    1. ``bn0`` normalises each mel bin; the input is the dB log-mel *before* ``bn0``, as
       ``LoadAVSAudio(frontend='htsat')`` computes it (32 kHz, power STFT 1024/320, 64
       Slaney mel bands 50-14000 Hz; 101 frames per second, 1001 for 10 s).
    2. T < 1024 frames are resized to 1024 (bicubic, ``align_corners=True``), optionally
       after tiling (``short_input='repeat'``); the 1024 x 64 map is cut into 4 chunks of
       256 frames stacked along frequency: a 256 x 256 image.
    3. Patch embedding (4x4) and 4 Swin stages (window 8; 64, 32, 16, 8 tokens a side; 96 to
       768 channels), then LayerNorm.

    The checkpoint's front-end tensors (``spectrogram_extractor.stft.conv_{real,imag}``,
    ``logmel_extractor.melW``) are kept as buffers only so that it loads strictly: the
    log-mel comes from the data pipeline, and loading checks that the file's front-end
    is that one. ``head`` is in the checkpoint too but, as in the published token-semantic
    forward pass, unused.

    Outputs for the segmentor: the 64 final tokens (8 x 8 map, row-major; rows are
    4 chunks x 2 frequency bins, columns time within a chunk) give the cross-attention
    several audio keys per second; the embedding is their mean, which is the published
    ``latent_output``. :meth:`clipwise_output` gives the AudioSet tagging output.

    Training mode (``frozen=False``) applies stochastic depth as published, but not
    SpecAugment or mixup (data augmentation of the published training script).

    Args:
        pretrained (str, optional): Path of ``HTSAT_AudioSet_Saved_*.ckpt`` (or its state
            dict), read by ``init_weights()`` (when training starts; see
            :class:`PublishedAudioEncoder`). None builds an untrained network. Either way the
            network is built initialised as published. Defaults to None.
        frozen (bool): Fix the weights and keep eval mode. Defaults to True.
        short_input (str): How an input shorter than 1024 frames reaches 1024:
            ``'interpolate'`` (the published default forward: stretch in time) or
            ``'repeat'`` (the published ``infer_mode``: tile it ``1024 // T`` times, then
            stretch the rest). Defaults to ``'interpolate'``.
        drop_path_rate (float): Stochastic depth, rising linearly over the 12 blocks.
            Defaults to 0.1.
        init_cfg (dict, optional): Initialisation config.
    """

    CHECKPOINT_NAME = 'HTSAT_AudioSet_Saved_{1..6}.ckpt (AudioSet configuration)'
    CHECKPOINT_SOURCE = ('the checkpoint folder linked from the README of '
                         'https://github.com/RetroCirce/HTS-Audio-Transformer')
    CHECKPOINT_PREFIX = 'sed_model.'
    FRONTEND_KEYS = ('spectrogram_extractor.stft.conv_real.weight',
                     'spectrogram_extractor.stft.conv_imag.weight', 'logmel_extractor.melW')
    SHORT_INPUT_MODES = ('interpolate', 'repeat')

    def __init__(self,
                 pretrained: Optional[str] = None,
                 frozen: bool = True,
                 short_input: str = 'interpolate',
                 drop_path_rate: float = 0.1,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(pretrained=pretrained, frozen=frozen, init_cfg=init_cfg)
        if short_input not in self.SHORT_INPUT_MODES:
            raise ValueError(f'short_input must be one of {self.SHORT_INPUT_MODES}, '
                             f'got {short_input!r}')
        self.short_input = short_input
        real, imag = _stft_basis()
        self.spectrogram_extractor = nn.Module()
        self.spectrogram_extractor.stft = nn.Module()
        self.spectrogram_extractor.stft.conv_real = _tensor_holder(weight=real)
        self.spectrogram_extractor.stft.conv_imag = _tensor_holder(weight=imag)
        mel = slaney_mel_matrix(HTSAT_SAMPLE_RATE, HTSAT_NFFT, HTSAT_MELS, HTSAT_FMIN, HTSAT_FMAX)
        self.logmel_extractor = _tensor_holder(melW=torch.from_numpy(mel).float())
        self.bn0 = nn.BatchNorm2d(HTSAT_MELS)
        self.patch_embed = nn.ModuleDict(dict(
            proj=nn.Conv2d(1, EMBED_DIM, PATCH_SIZE, PATCH_SIZE), norm=nn.LayerNorm(EMBED_DIM)))
        rates = torch.linspace(0, drop_path_rate, sum(DEPTHS)).tolist()
        self.layers = nn.ModuleList()
        for i, (depth, heads) in enumerate(zip(DEPTHS, NUM_HEADS)):
            first = sum(DEPTHS[:i])
            self.layers.append(
                _SwinStage(EMBED_DIM * 2**i, SPEC_SIZE // PATCH_SIZE // 2**i, heads,
                           rates[first:first + depth], downsample=i < len(DEPTHS) - 1))
        self.norm = nn.LayerNorm(NUM_FEATURES)
        # Token-semantic head: kernel spans the 2 frequency bins, 3 time steps.
        self.tscam_conv = nn.Conv2d(NUM_FEATURES, NUM_CLASSES, (2, 3), padding=(0, 1))
        self.head = nn.Linear(NUM_CLASSES, NUM_CLASSES)
        self.out_channels = NUM_FEATURES
        # with a ``pretrained`` path too: only init_weights() reads the file
        self._init_untrained()
        self._freeze()

    def _init_untrained(self) -> None:
        """The published initialisation: N(0, 0.02) for linear layers and relative-position
        tables (published as a normal truncated at +-2, i.e. 100 std: the same), zero
        biases."""
        for module in self.modules():
            if isinstance(module, nn.Linear):
                nn.init.normal_(module.weight, std=0.02)
                if module.bias is not None:
                    nn.init.zeros_(module.bias)
            elif isinstance(module, _WindowAttention):
                nn.init.normal_(module.relative_position_bias_table, std=0.02)

    def forward(self, logmel: Tensor) -> Tuple[Tensor, Tensor]:
        """Args: logmel ``[N, 1, T, 64]`` dB, T <= 1024 (101 per second).

        Returns:
            tuple[Tensor, Tensor]: tokens ``[N, 64, 768]`` and embedding ``[N, 768]``.
        """
        x = self.patch_embed.proj(self._to_image(logmel))                     # [N, 96, 64, 64]
        x = self.patch_embed.norm(x.flatten(2).transpose(1, 2))               # [N, 4096, 96]
        for layer in self.layers:
            x = layer(x)
        tokens = self.norm(x)                                                 # [N, 64, 768]
        return tokens, tokens.mean(dim=1)

    def clipwise_output(self, tokens: Tensor) -> Tensor:
        """AudioSet tagging from :meth:`forward`'s tokens (the token-semantic head).

        Args:
            tokens (Tensor): ``[N, 64, 768]``.

        Returns:
            Tensor: ``[N, 527]`` class probabilities (sigmoid of the time-averaged logits).
        """
        n, _, c = tokens.shape
        side = int(math.isqrt(tokens.shape[1]))
        bins = side // FREQ_RATIO                       # 2 frequency bins per time chunk
        fmap = tokens.transpose(1, 2).reshape(n, c, FREQ_RATIO, bins, side)
        # -> [N, C, 2, 32]: frequency bin x time (chunk * 8 + column).
        fmap = fmap.transpose(2, 3).reshape(n, c, bins, FREQ_RATIO * side)
        return self.tscam_conv(fmap).flatten(2).mean(dim=-1).sigmoid()

    def _to_image(self, logmel: Tensor) -> Tensor:
        """bn0, resize to 1024 frames and fold: ``[N, 1, T, 64]`` -> ``[N, 1, 256, 256]``."""
        n, channels, frames, mels = logmel.shape
        if channels != 1 or mels != HTSAT_MELS or not 0 < frames <= TARGET_FRAMES:
            raise ValueError(f'HTSAT expects a log-mel [N, 1, T <= {TARGET_FRAMES}, '
                             f'{HTSAT_MELS}], got {list(logmel.shape)}')
        x = self.bn0(logmel.transpose(1, 3)).transpose(1, 3)   # per mel bin
        if self.short_input == 'repeat':
            x = x.repeat(1, 1, TARGET_FRAMES // frames, 1)
        if x.shape[2] < TARGET_FRAMES:
            x = F.interpolate(x, (TARGET_FRAMES, HTSAT_MELS), mode='bicubic', align_corners=True)
        # Row = chunk * 64 + mel bin, column = frame within the 256-frame chunk.
        x = x.view(n, 1, FREQ_RATIO, TARGET_FRAMES // FREQ_RATIO, HTSAT_MELS)
        return x.transpose(3, 4).reshape(n, 1, SPEC_SIZE, SPEC_SIZE)

    def _check_state_dict(self, state: Dict[str, Tensor], path: str, where: str) -> None:
        """Also check that the file's front-end is the log-mel our input pipeline computes."""
        super()._check_state_dict(state, path, where)
        own = self.state_dict()
        differ = [k for k in self.FRONTEND_KEYS
                  if not torch.allclose(state[k].float(), own[k], rtol=0, atol=1e-6)]
        if differ:
            raise ValueError(
                f'pretrained checkpoint {path} has another audio front-end than the AudioSet '
                f"log-mel HTSAT takes as input (LoadAVSAudio(frontend='htsat'): 32 kHz, "
                f'n_fft 1024, hop 320, 64 Slaney mel bands 50-14000 Hz); differing tensors: '
                f'{", ".join(differ)}. {where}.')
