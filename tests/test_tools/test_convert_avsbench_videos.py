"""video_io and tools/dataset_converters/convert_avsbench_videos.py on real AVSBench clips:
frames chosen by AVSBench's rule (checked against PyAV timestamps decoded here), 224 x 224
frames, 16-kHz wavs equal to the reference wav, log-mel caches, and clear errors. The clips come
from the reference data (``tests/reference_data.py``)."""
import os
import pickle
from fractions import Fraction

import av
import cv2
import numpy as np
import pytest
import soundfile as sf

from mmseg_avs.datasets import AVSBenchMS3Dataset
from mmseg_avs.datasets.layout_check import check_layout
from mmseg_avs.datasets.transforms import LoadAVSAudio
from mmseg_avs.signal.video_io import VideoFileError, read_audio_track, read_video_seconds
from tests.reference_data import reference_file
from tests.tool_loader import load_tool

# 25 fps 480x360 (its sound track is real_clip_16k.wav), and 7.288 fps mono audio
CLIP_25 = 'avsbench_clips/single_GrqTKuk8x4.mp4'
CLIP_7 = 'avsbench_clips/single_p04SYXuBSQ.mp4'
CLIP_WAV = 'avsbench_clips/real_clip_16k.wav'


@pytest.fixture(scope='module')
def tool():
    return load_tool('tools/dataset_converters/convert_avsbench_videos.py')


def decode_with_times(path):
    """Every frame (RGB) and its presentation time in seconds, decoded here with PyAV."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = [(float(f.pts * f.time_base), f.to_ndarray(format='rgb24'))
                  for f in container.decode(stream)]
        return frames, Fraction(stream.average_rate)


def make_video(path, seconds, audio=False, fps=10):
    """A small mpeg4 video (grey ramp frames), with a 440-Hz tone when ``audio``."""
    with av.open(str(path), 'w') as out:
        video = out.add_stream('mpeg4', rate=fps)
        video.width, video.height, video.pix_fmt = 64, 48, 'yuv420p'
        sound = out.add_stream('aac', rate=16000) if audio else None
        for i in range(int(seconds * fps)):
            img = np.full((48, 64, 3), 10 * i % 256, np.uint8)
            out.mux(video.encode(av.VideoFrame.from_ndarray(img, format='rgb24')))
        if sound is not None:
            t = np.arange(int(seconds * 16000)) / 16000
            tone = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)[None]
            frame = av.AudioFrame.from_ndarray(tone, format='fltp', layout='mono')
            frame.sample_rate = 16000
            out.mux(sound.encode(frame))
            out.mux(sound.encode(None))
        out.mux(video.encode(None))
    return str(path)


@pytest.mark.parametrize('name', [CLIP_25, CLIP_7], ids=['25fps', '7.288fps'])
def test_frames_follow_the_avsbench_rule(name):
    clip = reference_file(name)
    frames, fps, duration = read_video_seconds(str(clip), 5)
    decoded, rate = decode_with_times(clip)
    assert fps == pytest.approx(float(rate)) and len(frames) == 5
    assert duration == pytest.approx(len(decoded) / float(rate))
    whole = round(float(rate))  # AVSBench rounds the frame rate
    for second, frame in enumerate(frames):
        index = min(int(second * whole + 15 / 16 * whole), len(decoded) - 1)
        time, expected = decoded[index]
        np.testing.assert_array_equal(frame, expected)
        assert second <= time < second + 1  # a frame of that second...
        if float(rate) == whole:              # ...near its end (15/16) at integer rates
            assert time >= second + 15 / 16 - 1 / whole
    assert read_video_seconds(str(clip))[0][4].shape == frames[4].shape  # default: 5 s


def test_audio_track_matches_the_reference_wav():
    wave = read_audio_track(str(reference_file(CLIP_25)), 16000)
    ref, sr = sf.read(str(reference_file(CLIP_WAV)), dtype='int16')
    assert sr == 16000 and wave.dtype == np.float32 and wave.shape == ref.shape
    np.testing.assert_allclose(wave, ref / 32768.0, atol=1.5 / 32768)


def test_converter_writes_the_ms3_layout(tool, tmp_path, capsys):
    clips = reference_file(CLIP_25), reference_file(CLIP_7)
    ref, _ = sf.read(str(reference_file(CLIP_WAV)), dtype='int16')
    root = tmp_path / 'Multi-sources'
    code = tool.main(['ms3', str(root), '--videos', *map(str, clips),
                      '--split', 'test', '--logmel-cache'])
    assert code == 0, capsys.readouterr().out
    for clip in clips:
        name = clip.stem
        decoded, rate = decode_with_times(clip)
        whole = round(float(rate))
        for k in range(1, 6):
            png = root / 'ms3_data' / 'visual_frames' / name / f'{name}.mp4_{k}.png'
            img = cv2.imread(str(png))[..., ::-1]
            index = min(int((k - 1) * whole + 15 / 16 * whole), len(decoded) - 1)
            assert img.shape == (224, 224, 3)
            np.testing.assert_array_equal(img, cv2.resize(decoded[index][1], (224, 224)))
        assert len(os.listdir(root / 'ms3_data' / 'visual_frames' / name)) == 5
        wav = root / 'ms3_data' / 'audio_wav' / 'test' / f'{name}.wav'
        info = sf.info(str(wav))
        assert (info.samplerate, info.channels, info.subtype) == (16000, 1, 'PCM_16')
        assert info.frames == pytest.approx(16000 * 5.0155, abs=160)  # 5.0 s + codec tail
        with open(root / 'ms3_data' / 'audio_log_mel' / 'test' / f'{name}.pkl', 'rb') as f:
            logmel = pickle.load(f)
        expected = LoadAVSAudio()(dict(audio_path=str(wav)))['audio']
        assert tuple(logmel.shape) == (5, 1, 96, 64)
        np.testing.assert_array_equal(logmel.numpy(), expected)
    ours, _ = sf.read(str(root / 'ms3_data/audio_wav/test/single_GrqTKuk8x4.wav'), dtype='int16')
    assert np.abs(ours.astype(int) - ref).max() <= 1
    # the loader reads the result; the checker finds nothing wrong but the ground-truth
    # masks, which are annotations, not part of a video
    item = AVSBenchMS3Dataset(str(root), split='test', check_files=False, pipeline=[
        dict(type='LoadAVSClipFrames'), dict(type='LoadAVSAudio', source='pkl')])[0]
    assert len(item['imgs']) == 5 and item['audio'].shape == (5, 1, 96, 64)
    report = check_layout(str(root), 'ms3', splits=['test'], img_size=(224, 224),
                          check_logmel=True, progress=False)
    assert list(report.problems) == ['missing file'], report.format()
    missing = report.problems['missing file']
    assert len(missing) == 10 and all('/ms3_data/gt_masks/test/' in m for m in missing)


def test_converter_s4_csv_mode_and_failures(tool, tmp_path, capsys):
    videos = tmp_path / 'raw_videos'
    (videos / 'test' / 'dog_barking').mkdir(parents=True)
    os.symlink(reference_file(CLIP_7), videos / 'test' / 'dog_barking' / 'clipA.mp4')
    (videos / 'clipB.mp4').write_text('not a video')
    csv = tmp_path / 'meta.csv'
    csv.write_text('name,start_time,category,split\nclipA,0,dog_barking,test\n'
                   'clipB,0,cat_meowing,test\nclipC,0,cat_meowing,train\n')
    root = tmp_path / 'Single-source'
    code = tool.main(['s4', str(root), '--csv', str(csv), '--video-dir', str(videos)])
    out = capsys.readouterr().out
    assert code == 1
    assert '1 clip(s) converted, 0 kept, 2 failed' in out
    assert f'clipB: {videos}/clipB.mp4 is not a video file' in out
    assert f'clipC: no video for clip clipC: looked for {videos}/clipC.mp4' in out
    frames = root / 's4_data' / 'visual_frames' / 'test' / 'dog_barking' / 'clipA'
    assert sorted(os.listdir(frames)) == [f'clipA_{k}.png' for k in range(1, 6)]
    assert (root / 's4_data/audio_wav/test/dog_barking/clipA.wav').is_file()
    # a second run keeps what exists
    code = tool.main(['s4', str(root), '--csv', str(csv), '--video-dir', str(videos)])
    assert '0 clip(s) converted, 1 kept, 2 failed' in capsys.readouterr().out


def test_clear_errors(tmp_path):
    silent = make_video(tmp_path / 'no_audio.mp4', 1.5)
    with pytest.raises(VideoFileError, match=f'{silent} has no audio track'):
        read_audio_track(silent)
    with pytest.raises(VideoFileError, match=f'{silent} lasts 1.500 s .*shorter than the clip '
                       r'length \(5 s\)'):
        read_video_seconds(silent, 5)
    frames, fps, duration = read_video_seconds(silent)
    assert len(frames) == 1 and fps == 10 and duration == 1.5
    short = make_video(tmp_path / 'short.mp4', 0.5, audio=True)
    with pytest.raises(VideoFileError, match=f'{short} lasts 0.500 s.*shorter than one second'):
        read_video_seconds(short)
    with pytest.raises(VideoFileError, match='audio track of .*short.mp4 lasts 0.[0-9]+ s, '
                       'shorter than one second'):
        read_audio_track(short)
    wav = tmp_path / 'sound.wav'
    sf.write(str(wav), np.zeros(16000, np.int16), 16000)
    with pytest.raises(VideoFileError, match=f'{wav} has no video stream'):
        read_video_seconds(str(wav))
    text = tmp_path / 'text.mp4'
    text.write_text('hello')
    with pytest.raises(VideoFileError, match=f'{text} is not a video file'):
        read_video_seconds(str(text))
    with pytest.raises(VideoFileError, match='video file not found'):
        read_audio_track(str(tmp_path / 'missing.mp4'))
