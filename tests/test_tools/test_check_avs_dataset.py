"""tools/dataset_converters/check_avs_dataset.py: a clean root passes (exit 0); each planted
fault fails (exit 1) with a message that names the file and the kind of problem."""
import os
import pickle
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch
from PIL import Image

from mmseg_avs.datasets.synthetic import generate_synthetic_avs
from tests.layout_fixtures import write_avss, write_ms3, write_s4, write_vpo
from tests.tool_loader import load_tool


@pytest.fixture(scope='module')
def tool():
    return load_tool('tools/dataset_converters/check_avs_dataset.py')


def run(tool, capsys, *argv):
    code = tool.main([str(a) for a in argv])
    return code, capsys.readouterr().out


@pytest.mark.parametrize('layouts,writer', [
    (['s4'], write_s4), (['ms3'], write_ms3), (['avss'], write_avss),
    (['vpo-ss', 'vpo-ms', 'vpo-msmi'], write_vpo)])
def test_clean_roots_pass(tool, capsys, tmp_path, layouts, writer):
    root = writer(str(tmp_path))
    for layout in layouts:
        code, out = run(tool, capsys, layout, root)
        assert code == 0, out
        assert 'no problems' in out


def test_synthetic_root_passes(tool, capsys, tmp_path):
    root = str(tmp_path / 'ms3')
    generate_synthetic_avs(root, layout='ms3', preset='easy', image_size=32, seed=0,
                           num_clips={'train': 2, 'val': 1, 'test': 1})
    code, out = run(tool, capsys, 'ms3', root)
    assert code == 0 and '4 clip(s) checked, no problems' in out


def _wav(path, data, sr=16000):
    sf.write(path, np.asarray(data, np.int16), sr, subtype='PCM_16')


MS3_WAV = 'ms3_data/audio_wav/train/ms3train000.wav'
MS3_FRAME = 'ms3_data/visual_frames/ms3train001/ms3train001.mp4_2.png'
MS3_MASK = 'ms3_data/gt_masks/val/ms3val000/ms3val000_3.png'
AVSS_MASK = 'v2/v2val_0_10000/labels_rgb/4.png'
VPO_MASK = 'VPO/VPO-MS/mask/000000000201.png'
NOISE = (1000 * np.random.default_rng(0).standard_normal(80000)).astype(np.int16)

# (layout, writer, fault planted at path, expected problem kind, expected text)
FAULTS = [
    ('s4', write_s4, 's4_data/visual_frames/val/dog_barking/valclip0/valclip0_4.png',
     lambda p: os.remove(p), 'missing file', ''),
    ('s4', write_s4, 's4_meta_data.csv', lambda p: os.remove(p), 'metadata',
     'metadata file not found'),
    ('s4', write_s4, 's4_meta_data.csv',  # two columns: no row[2] category
     lambda p: open(p, 'w').write('name,split\nx,train\n'), 'metadata',
     'a column the loader reads is missing'),
    ('s4', write_s4, 's4_meta_data.csv',  # no test rows
     lambda p: Path(p).write_text(Path(p).read_text().replace(',test', ',val')), 'metadata',
     '(test split): no clips'),
    ('ms3', write_ms3, MS3_FRAME, lambda p: open(p, 'wb').write(b'not a png'),
     'unreadable file', 'cannot decode image'),
    ('ms3', write_ms3, MS3_FRAME,
     lambda p: Image.fromarray(np.zeros((24, 30, 3), np.uint8)).save(p), 'image size',
     'frames of one clip differ in size'),
    ('ms3', write_ms3, MS3_MASK,
     lambda p: Image.fromarray(np.zeros((20, 32), np.uint8)).save(p), 'image size',
     'its frame is 24x32'),
    ('ms3', write_ms3, MS3_MASK,
     lambda p: Image.fromarray(np.full((24, 32), 7, np.uint8)).save(p), 'mask values',
     'holds values [7]'),
    ('ms3', write_ms3, MS3_WAV, lambda p: _wav(p, NOISE, 22050), 'audio',
     'sample rate 22050 Hz'),
    ('ms3', write_ms3, MS3_WAV, lambda p: _wav(p, NOISE[:4 * 16000]), 'audio',
     'lasts 4.000 s, expected 5 s'),
    ('ms3', write_ms3, MS3_WAV, lambda p: _wav(p, np.zeros(80000)), 'audio', 'is silent'),
    ('ms3', write_ms3, MS3_WAV, lambda p: open(p, 'wb').write(b'RIFF junk'),
     'unreadable file', 'cannot read audio file'),
    ('avss', write_avss, AVSS_MASK,
     lambda p: Image.fromarray(np.full((24, 32, 3), 7, np.uint8)).save(p), 'mask values',
     'not in the 4-class palette'),
    ('avss', write_avss, 'v1s/v1stest_0_5000/frames/5.jpg',  # a 6th frame in a 5-frame clip
     lambda p: Image.fromarray(np.zeros((24, 32, 3), np.uint8)).save(p), 'frame count',
     'holds 6 .jpg frames, expected 5; not in the layout: 5.jpg'),
    ('vpo-ms', write_vpo, 'vggsound_bench/VGGSound/audios/vgg_cat.wav',
     lambda p: os.remove(p), 'missing file', ''),
    ('vpo-ms', write_vpo, VPO_MASK,
     lambda p: Image.fromarray(np.full((24, 32), 1, np.uint8)).save(p), 'mask values',
     'not in the label map'),
]


@pytest.mark.parametrize('layout,writer,rel,plant,kind,text', FAULTS,
                         ids=[f'{f[0]}-{f[4]}-{f[5] or "path"}' for f in FAULTS])
def test_each_fault_is_reported(tool, capsys, tmp_path, layout, writer, rel, plant, kind,
                                text):
    root = writer(str(tmp_path))
    path = os.path.join(root, rel)
    plant(path)
    code, out = run(tool, capsys, layout, root)
    assert code == 1
    section = out.split(f'\n{kind} (', 1)
    assert len(section) == 2, out
    lines = [line for line in section[1].splitlines()[1:] if line.startswith('  ')]
    named = os.path.dirname(path) if kind == 'frame count' else path  # metadata: the csv
    assert any(named in line and text in line for line in lines), out


def test_image_size_and_logmel_options(tool, capsys, tmp_path):
    root = write_ms3(str(tmp_path))
    code, out = run(tool, capsys, 'ms3', root, '--img-size', 24, 32, '--splits', 'train')
    assert code == 0 and '2 clip(s) checked' in out
    code, out = run(tool, capsys, 'ms3', root, '--img-size', 224, 224, '--splits', 'train')
    assert code == 1 and 'is 24x32, expected 224x224' in out
    # log-mels: all missing, then one of the wrong shape
    code, out = run(tool, capsys, 'ms3', root, '--check-logmel', '--splits', 'test')
    pkl = f'{root}/ms3_data/audio_log_mel/test/ms3test000.pkl'
    assert code == 1 and pkl in out
    for name in ('ms3test000', 'ms3test001'):
        os.makedirs(os.path.dirname(pkl), exist_ok=True)
        with open(f'{root}/ms3_data/audio_log_mel/test/{name}.pkl', 'wb') as f:
            pickle.dump(torch.zeros(5 if name.endswith('1') else 4, 1, 96, 64), f)
    code, out = run(tool, capsys, 'ms3', root, '--check-logmel', '--splits', 'test')
    assert code == 1 and f'log-mel (1):\n  ms3test000: log-mel file {pkl} has shape' in out
