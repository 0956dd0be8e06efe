"""Helpers of the inferencer and demo tests: small videos and untrained checkpoints."""
import os.path as osp
from fractions import Fraction
from typing import Optional, Sequence

import av
import numpy as np
from mmengine.config import Config
from mmengine.runner.checkpoint import save_checkpoint
from mmseg.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
RAVS_CONFIG = osp.join(REPO, 'configs/synthetic/ravs_mit-tiny_synthetic-ms3.py')


def save_untrained_checkpoint(path: str, config: str = RAVS_CONFIG, seed: int = 0) -> str:
    """The config's model at its random init, saved as MMEngine does (config embedded)."""
    import torch
    torch.manual_seed(seed)
    cfg = Config.fromfile(config)
    model = MODELS.build(cfg.model)
    save_checkpoint(dict(state_dict=model.state_dict(), meta=dict(cfg=cfg.pretty_text)), path)
    return path


def encode_video(path: str, frames: Sequence[np.ndarray], fps: int,
                 wave: Optional[np.ndarray] = None, sample_rate: int = 16000,
                 repeat: int = 1, crf: int = 18, pix_fmt: str = 'yuv420p',
                 audio_codec: str = 'aac') -> str:
    """Write RGB frames (each shown ``repeat`` times) as H.264 (``yuv444p`` keeps the
    colours at full resolution), with a mono sound track of ``wave`` (float in [-1, 1]) if
    given, in ``audio_codec`` (AAC at 256 kb/s by default)."""
    with av.open(path, 'w') as out:
        video = out.add_stream('libx264', rate=fps, options={'crf': str(crf)})
        video.height, video.width = frames[0].shape[:2]
        video.pix_fmt = pix_fmt
        audio = None
        if wave is not None:
            audio = out.add_stream(audio_codec, rate=sample_rate, layout='mono')
            audio.bit_rate = 256000
        index = 0
        for frame in frames:
            for _ in range(repeat):
                picture = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format='rgb24')
                picture.pts = index
                out.mux(video.encode(picture))
                index += 1
        out.mux(video.encode(None))
        if audio is not None:
            samples = av.AudioFrame.from_ndarray(wave.astype(np.float32)[None], format='flt',
                                                 layout='mono')
            # with a pts the encoder stamps its priming samples before 0 and the decoder
            # drops them, as for files written by the ffmpeg tool
            samples.sample_rate, samples.pts = sample_rate, 0
            samples.time_base = Fraction(1, sample_rate)
            out.mux(audio.encode(samples))
            out.mux(audio.encode(None))
    return path
