"""Segment the sounding objects of a video (or of frames and a waveform) with a trained model."""
import copy
import os.path as osp
import time
import warnings
from typing import Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmcv.transforms import BaseTransform, Compose
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope
from mmengine.runner.checkpoint import _load_checkpoint, _load_checkpoint_to_model
from mmseg.registry import DATASETS, MODELS, TRANSFORMS

from ..datasets.transforms.loading_audio import LoadAVSAudio
from ..signal.video_io import read_audio_track, read_video_seconds
from ..signal.waveform import resample_wave
from ..utils.progress import Progress


def latest_checkpoint(work_dir: str) -> str:
    """The newest checkpoint of an MMEngine work dir, named by its ``last_checkpoint`` file
    (every MMEngine checkpoint embeds its run config).

    Args:
        work_dir (str): The work dir of a training run.

    Returns:
        str: The checkpoint path.

    Raises:
        FileNotFoundError: If the work dir holds no checkpoint.
    """
    pointer = osp.join(work_dir, 'last_checkpoint')
    named = open(pointer).read().strip() if osp.isfile(pointer) else ''
    # MMEngine writes an absolute path: look next to the pointer too (a moved checkout)
    for checkpoint in (named, osp.join(work_dir, osp.basename(named))):
        if named and osp.isfile(checkpoint):
            return checkpoint
    raise FileNotFoundError(f'no checkpoint in {work_dir} (no last_checkpoint file naming one)')


class LoadAVSClipFromArrays(BaseTransform):
    """Take a clip's frames from memory, as :class:`LoadAVSClipFrames` reads them from files.

    Required keys: ``frames`` (the real frames, RGB uint8 ``[H, W, 3]``) and ``num_frames``
    (T). Added keys: ``imgs`` (T BGR frames, black ones for the padded slots after the
    real frames), ``is_padded``, ``img_shape`` and ``ori_shape``.
    """

    def transform(self, results: dict) -> dict:
        frames = results['frames']
        num_pad = results['num_frames'] - len(frames)
        imgs = [np.ascontiguousarray(frame[..., ::-1]) for frame in frames]  # cv2 reads BGR
        results['imgs'] = imgs + [np.zeros_like(imgs[0])] * num_pad
        results['is_padded'] = [False] * len(frames) + [True] * num_pad
        results['img_shape'] = results['ori_shape'] = imgs[0].shape[:2]
        return results


class LoadAVSAudioFromArray(LoadAVSAudio):
    """:class:`LoadAVSAudio` on the waveform in ``results['waveform']`` (mono, at
    ``sample_rate``, covering the clip's real seconds) instead of a wav file."""

    def _read_clip(self, results: dict, num_real: int) -> np.ndarray:
        return results['waveform']


class AVSInferencer:
    """Run an audio-visual segmentor on a video, one prediction per second.

    In the spirit of MMSeg's ``MMSegInferencer``: build the model from a config and a
    checkpoint, turn raw input into the config's test pipeline, predict, and return plain
    arrays. A video is read as AVSBench's preprocessing reads it (the frame near the end of
    each second, the sound track resampled for the model's audio front-end, see
    :mod:`mmseg_avs.signal.video_io`). The seconds are cut into clips of the model's T
    (``num_segments`` of the test pipeline's ``LoadAVSAudio``); the last clip is filled with
    padded slots (black frames, silent audio, ``is_padded``), which are dropped from the
    results.

    Unlike MMEngine's ``BaseInferencer``, which batches independent inputs, a video is one
    input whose clips share a sound track, and the weights load strictly: a config that does
    not match the checkpoint is an error, not a model left partly at random init.

    Args:
        config (str | Config, optional): The model's config. Defaults to the config the
            checkpoint embeds (MMEngine stores the run config in every checkpoint).
        checkpoint (str): The checkpoint file.
        device (str): ``'cpu'`` or ``'cuda[:i]'``. Defaults to ``'cpu'``.

    Example:
        >>> inferencer = AVSInferencer('configs/synthetic/ravs_mit-tiny_synthetic-ms3.py',
        ...                            'work_dirs/demo/iter_800.pth')
        >>> seconds = inferencer('clip.mp4')['predictions']
        >>> seconds[0]['mask'].shape, seconds[0]['scores'].shape    # ([H, W], [C, H, W])
    """

    def __init__(self, config: Optional[Union[str, Config]] = None, checkpoint: str = None,
                 device: str = 'cpu') -> None:
        if checkpoint is None:
            raise ValueError('AVSInferencer needs a checkpoint')
        if not osp.isfile(checkpoint):
            raise FileNotFoundError(f'checkpoint not found: {checkpoint}')
        if isinstance(config, str) and not osp.isfile(config):
            raise FileNotFoundError(f'config not found: {config}')
        ckpt = _load_checkpoint(checkpoint, map_location='cpu')
        meta = ckpt.get('meta', {})
        if config is None:
            if 'cfg' not in meta:
                raise ValueError(f'{checkpoint} embeds no config: pass the config')
            config = Config.fromstring(meta['cfg'], '.py')
        cfg = Config.fromfile(config) if isinstance(config, str) else copy.deepcopy(config)
        init_default_scope(cfg.get('default_scope', 'mmseg'))
        self.cfg = cfg
        self.model = MODELS.build(cfg.model)
        _load_checkpoint_to_model(self.model, ckpt, strict=True)
        self.model.to(device).eval()
        self.dataset_meta = meta.get('dataset_meta') or self._config_metainfo(cfg)
        self.pipeline, audio = self._build_pipeline(cfg)
        self.num_frames, self.sample_rate = audio.num_segments, audio.sample_rate

    @staticmethod
    def _config_metainfo(cfg: Config) -> dict:
        """Class names and palette of the config's test set class, for a checkpoint saved
        without them (e.g. a bare state dict)."""
        return dict(DATASETS.get(cfg.test_dataloader.dataset.type).METAINFO)

    @staticmethod
    def _build_pipeline(cfg: Config) -> Tuple[Compose, LoadAVSAudio]:
        """The test pipeline with the file loaders swapped for in-memory ones."""
        steps = cfg.test_dataloader.dataset.get('pipeline') or cfg.get('test_pipeline')
        transforms, audio = [], None
        for step in copy.deepcopy(list(steps or [])):
            kind = step.pop('type')
            if kind == 'LoadAVSClipFrames':
                transforms.append(LoadAVSClipFromArrays())
            elif kind == 'LoadAVSAudio':
                step.pop('perturb', None)  # a robustness test setting, not the model's input
                step.update(source='wav', resample=False)
                audio = LoadAVSAudioFromArray(**step)
                transforms.append(audio)
            elif kind != 'LoadAVSClipAnnotations':  # inference has no ground truth
                transforms.append(TRANSFORMS.build(dict(step, type=kind)))
        if audio is None:
            raise ValueError('the config\'s test pipeline has no LoadAVSAudio: the inferencer '
                             'needs an audio-visual clip model of one-second segments')
        if audio.segment_seconds != 1:
            raise ValueError(f'the model pairs each frame with {audio.segment_seconds} s of '
                             'audio; video inference supports one-second segments')
        return Compose(transforms), audio

    def read_video(self, path: str) -> Tuple[List[np.ndarray], np.ndarray, dict]:
        """A video's frames (one per second) and its sound track at the model's sample rate.

        The sound track is read first, so a video without one fails before it is decoded.

        Args:
            path (str): The video file.

        Returns:
            tuple: ``(frames, waveform, info)``; ``info`` holds ``fps`` and ``duration``.

        Raises:
            VideoFileError: If the file is missing, not a video, has no audio track or
                lasts less than one second.
        """
        waveform = read_audio_track(path, self.sample_rate)
        frames, fps, duration = read_video_seconds(path)
        return frames, waveform, dict(fps=fps, duration=duration)

    def predict(self, frames: Sequence[np.ndarray], waveform: np.ndarray, sample_rate: int,
                batch_size: int = 1, progress: bool = False) -> Iterator[dict]:
        """Predict second by second (a generator, so long videos need not fit in memory).

        Args:
            frames (Sequence[np.ndarray]): One RGB uint8 ``[H, W, 3]`` frame per second.
            waveform (np.ndarray): The sound, mono ``[N]`` or ``[N, channels]`` (averaged).
            sample_rate (int): The waveform's sample rate (resampled to the model's).
            batch_size (int): Clips per forward pass. Defaults to 1.
            progress (bool): Show a progress bar over clips. Defaults to False.

        Yields:
            dict: Per second: ``second``; ``mask`` (uint8 ``[H, W]`` class indices);
            ``scores`` (float32 ``[C, H, W]`` class probabilities); ``uncertainty``
            (float32 ``[H, W]`` in [0, 1]) if the model has the UE head.
        """
        if not frames:
            raise ValueError('no frames to segment')
        if len({frame.shape for frame in frames}) != 1 or frames[0].ndim != 3:
            raise ValueError('frames must be RGB [H, W, 3] arrays of one size, got '
                             f'{sorted({frame.shape for frame in frames})}')
        wave = np.asarray(waveform, np.float32)
        wave = resample_wave(wave.mean(axis=1) if wave.ndim == 2 else wave, int(sample_rate),
                             self.sample_rate)
        seconds, rate = len(frames), self.sample_rate
        if len(wave) < (seconds - LoadAVSAudio.LENGTH_TOLERANCE_S) * rate:
            warnings.warn(f'the sound lasts {len(wave) / rate:.2f} s for {seconds} frames; '
                          'its end is taken as silent')
        wave = np.pad(wave, (0, max(0, seconds * rate - len(wave))))
        starts = list(range(0, seconds, self.num_frames))
        bar = Progress(len(starts), 'clips') if progress else None
        for first in range(0, len(starts), batch_size):
            clips = [self.pipeline(dict(
                frames=list(frames[s:s + self.num_frames]), num_frames=self.num_frames,
                num_real_frames=min(self.num_frames, seconds - s), clip_id=f'second_{s}',
                waveform=wave[s * rate:(s + self.num_frames) * rate]))
                for s in starts[first:first + batch_size]]
            with torch.no_grad():
                samples = self.model.test_step(pseudo_collate(clips))
            for index, sample in enumerate(samples):
                if sample.is_padded:
                    continue
                yield self._second(starts[first + index // self.num_frames]
                                   + index % self.num_frames, sample)
                if bar is not None and index % self.num_frames == 0:
                    bar.update()
        if bar is not None:
            bar.close()

    @staticmethod
    def _second(second: int, sample) -> dict:
        logits = sample.seg_logits.data.float()
        scores = (torch.cat([1 - logits.sigmoid(), logits.sigmoid()]) if logits.shape[0] == 1
                  else logits.softmax(dim=0))
        result = dict(second=second, mask=sample.pred_sem_seg.data[0].cpu().numpy().astype(
            np.uint8), scores=scores.cpu().numpy())
        if 'uncertainty' in sample:
            result['uncertainty'] = sample.uncertainty.data[0].float().cpu().numpy()
        return result

    def __call__(self, video: Optional[str] = None, *,
                 frames: Optional[Sequence[np.ndarray]] = None,
                 waveform: Optional[np.ndarray] = None, sample_rate: Optional[int] = None,
                 batch_size: int = 1, progress: bool = False) -> dict:
        """Segment a video file, or frames (one per second) with their waveform.

        Args:
            video (str, optional): A video file with a sound track.
            frames (Sequence[np.ndarray], optional): RGB uint8 ``[H, W, 3]``, one per second.
            waveform (np.ndarray, optional): Mono ``[N]`` (or ``[N, channels]``) sound of
                the frames.
            sample_rate (int, optional): The waveform's sample rate.
            batch_size (int): Clips per forward pass. Defaults to 1.
            progress (bool): Show a progress bar. Defaults to False.

        Returns:
            dict: ``predictions`` (one dict per second, see :meth:`predict`), ``timings``
            (``read_s``, ``inference_s``) and, for a video, ``video`` (``fps``,
            ``duration``).
        """
        if (video is None) == (frames is None):
            raise ValueError('pass either a video path or frames (with waveform and '
                             'sample_rate)')
        start = time.perf_counter()
        info = None
        if video is not None:
            frames, waveform, info = self.read_video(video)
            sample_rate = self.sample_rate
        elif waveform is None or sample_rate is None:
            raise ValueError('frames need their waveform and sample_rate')
        read = time.perf_counter()
        predictions = list(self.predict(frames, waveform, sample_rate, batch_size, progress))
        timings = dict(read_s=read - start, inference_s=time.perf_counter() - read)
        return dict(predictions=predictions, timings=timings, video=info)
