"""tools/segment_video.py: every output on the real AVSBench clips, one-line errors on bad
input, and a round trip (a synthetic clip encoded to MP4 gives the masks of the dataset
pipeline)."""
import json
import os
import os.path as osp
import subprocess
import sys

import av
import mmcv
import numpy as np
import pytest
import soundfile as sf
import torch
from mmengine.dataset import pseudo_collate
from mmseg.registry import DATASETS
from PIL import Image

from mmseg_avs.apis import AVSInferencer
from mmseg_avs.datasets.synthetic import generate_synthetic_avs
from tests.reference_data import reference_files
from tests.test_apis.media import REPO, encode_video, save_untrained_checkpoint
from tests.tool_loader import load_tool

DEMO = osp.join(REPO, 'tools/segment_video.py')


def load_demo():
    """tools/segment_video.py as a module: one process runs many videos without re-importing
    torch."""
    return load_tool('tools/segment_video.py')


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory):
    return save_untrained_checkpoint(str(tmp_path_factory.mktemp('model') / 'ravs.pth'))


def tone(seconds: float, sample_rate: int = 16000) -> np.ndarray:
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    return (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)


def test_bad_input_gives_a_one_line_error(checkpoint, tmp_path, capsys):
    frame = np.full((32, 32, 3), 90, np.uint8)
    no_audio = encode_video(str(tmp_path / 'mute.mp4'), [frame] * 2, fps=4, repeat=4)
    short = encode_video(str(tmp_path / 'short.mp4'), [frame], fps=8, wave=tone(0.5),
                         repeat=4)
    not_video = tmp_path / 'notes.mp4'
    not_video.write_text('not a video\n')
    demo = load_demo()
    for path, message in [(no_audio, 'has no audio track'), (str(not_video), 'not a video'),
                          (short, 'shorter than one second')]:
        code = demo.main([path, '--checkpoint', checkpoint, '--out-dir',
                          str(tmp_path / 'out')])
        err = capsys.readouterr().err
        errors = [line for line in err.splitlines() if line.startswith('error:')]
        assert code == 1 and len(errors) == 1 and message in errors[0], err
        assert 'Traceback' not in err


def test_sound_that_mp4_cannot_hold_is_reencoded(checkpoint, tmp_path):
    """PCM sound (e.g. from a .mkv) is not MP4 material: the overlay gets it as AAC."""
    video = encode_video(str(tmp_path / 'clip.mkv'), [np.zeros((32, 48, 3), np.uint8)] * 2,
                         fps=4, wave=tone(2), repeat=4, audio_codec='pcm_s16le')
    out = str(tmp_path / 'out')
    assert load_demo().main([video, '--checkpoint', checkpoint, '--out-dir', out]) == 0
    with av.open(osp.join(out, 'overlay.mp4')) as overlay:
        assert overlay.streams.audio[0].codec_context.name == 'aac'
        assert abs(overlay.duration / 1e6 - 2) < 0.1
        assert sum(1 for _ in overlay.decode(video=0)) == 8


def test_missing_demo_model_exits_with_a_hint(tmp_path):
    """Without --checkpoint the demo looks for the `make demo` model (relative to the working
    directory); none here: exit status 1 and one line that says what to do."""
    video = encode_video(str(tmp_path / 'clip.mp4'), [np.zeros((32, 32, 3), np.uint8)] * 2,
                         fps=4, wave=tone(2), repeat=4)
    res = subprocess.run([sys.executable, DEMO, video, '--out-dir', str(tmp_path / 'out')],
                         cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert res.returncode == 1
    assert 'Traceback' not in res.stderr
    errors = [line for line in res.stderr.splitlines() if line.startswith('error:')]
    assert len(errors) == 1 and 'make demo' in errors[0] and '--checkpoint' in errors[0]


@pytest.mark.slow
def test_demo_on_every_real_clip(checkpoint, tmp_path):
    clips = [str(path) for path in reference_files('avsbench_clips/*.mp4')]
    demo = load_demo()
    for video in clips:
        out = str(tmp_path / osp.basename(video))
        assert demo.main([video, '--checkpoint', checkpoint, '--out-dir', out]) == 0
        summary = json.load(open(osp.join(out, 'summary.json')))
        with av.open(video) as src:
            width, height = src.streams.video[0].width, src.streams.video[0].height
            src_frames = sum(1 for _ in src.decode(video=0))
            src_duration = src.duration / 1e6
            fps = float(src.streams.video[0].average_rate)
        assert (summary['width'], summary['height']) == (width, height)
        assert summary['num_seconds'] == 5 and len(summary['seconds']) == 5
        for second in summary['seconds']:
            mask = Image.open(osp.join(out, second['mask']))
            assert mask.mode == 'P' and mask.size == (width, height)
            # the untrained RAVS config has the UE head: uncertainty maps too
            assert Image.open(osp.join(out, second['uncertainty'])).size == (width, height)
        assert set(summary['timings']) >= {'inference_s', 'total_s'}
        with av.open(osp.join(out, 'overlay.mp4')) as overlay:
            assert overlay.streams.audio, 'the overlay lost the sound track'
            assert sum(1 for _ in overlay.decode(video=0)) == src_frames
            assert abs(overlay.duration / 1e6 - src_duration) <= 1 / fps + 1e-3


def train_tiny_model(work_dir: str, data_root: str, iters: int) -> str:
    """The tiny Baseline trained briefly on 48x48 synthetic clips (masks worth comparing: an
    untrained model's masks flip under the slightest change of its input, and at 32x32 a
    brief training predicts nothing). One thread: the tests may share the machine."""
    config = osp.join(REPO, 'configs/synthetic/baseline_mit-tiny_synthetic-ms3.py')
    opts = [f'train_cfg.max_iters={iters}', f'train_cfg.val_interval={iters}',
            f'default_hooks.checkpoint.interval={iters}', 'param_scheduler=None',
            "train_dataloader.dataset.pipeline.3.scale='(48,48)'",
            "test_dataloader.dataset.pipeline.1.scale='(48,48)'",
            "val_dataloader.dataset.pipeline.1.scale='(48,48)'"]
    for split in ('train', 'val', 'test'):
        opts += [f'{split}_dataloader.dataset.data_root={data_root}',
                 f'{split}_dataloader.num_workers=0',
                 f'{split}_dataloader.persistent_workers=False']
    res = subprocess.run([sys.executable, 'tools/train.py', config, '--work-dir', work_dir,
                          '--cfg-options', *opts], cwd=REPO, capture_output=True, text=True,
                         timeout=900, env=dict(os.environ, OMP_NUM_THREADS='1'))
    assert res.returncode == 0, res.stderr[-3000:]
    return osp.join(work_dir, f'iter_{iters}.pth')


@pytest.mark.slow
def test_round_trip_through_an_mp4_gives_the_dataset_masks(tmp_path):
    """Synthetic test clips, encoded to H.264 (4:4:4, crf 4) + AAC (256 kb/s), go through the
    demo; its masks agree with the dataset pipeline's predictions of the same model (J > 0.9
    every second), and these are not trivial (some foreground, not all)."""
    root = str(tmp_path / 'ms3')
    generate_synthetic_avs(root, layout='ms3', preset='easy', image_size=48, seed=0,
                           num_clips={'train': 16, 'val': 1, 'test': 2}, progress=False)
    checkpoint = train_tiny_model(str(tmp_path / 'work'), root, iters=80)
    inferencer = AVSInferencer(None, checkpoint)
    dataset = DATASETS.build(dict(inferencer.cfg.test_dataloader.dataset, data_root=root))
    demo = load_demo()
    foreground = []
    for index in range(len(dataset)):
        with torch.no_grad():  # as tools/test.py predicts: the dataset pipeline, collated
            expected = inferencer.model.test_step(pseudo_collate([dataset[index]]))
        info = dataset.get_data_info(index)
        frames = [mmcv.imread(p, channel_order='rgb') for p in info['img_paths']]
        wave, rate = sf.read(info['audio_path'], dtype='float32')
        video = encode_video(str(tmp_path / f'{index}.mp4'), frames, fps=8, wave=wave,
                             sample_rate=rate, repeat=8, crf=4, pix_fmt='yuv444p')
        out = str(tmp_path / f'out{index}')
        assert demo.main([video, '--checkpoint', checkpoint, '--out-dir', out]) == 0
        summary = json.load(open(osp.join(out, 'summary.json')))
        for sample, second in zip(expected, summary['seconds']):
            ours = np.asarray(Image.open(osp.join(out, second['mask']))) > 0
            theirs = sample.pred_sem_seg.data[0].numpy() > 0
            union = (ours | theirs).sum()
            j = (ours & theirs).sum() / union if union else 1.0  # both empty: agree
            assert j > 0.9, (info['clip_id'], second['second'], j)
            foreground.append(theirs.mean())
    assert max(foreground) > 0 and min(foreground) < 1, 'trivial masks: train longer'
