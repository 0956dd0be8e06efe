"""A truncated, corrupted or NaN checkpoint fails with an error naming the file, before any
weight reaches the model: for load_from, for --resume and for tools/test.py CKPT."""
import io
import os
import os.path as osp
import struct
import subprocess
import sys
import zipfile

import pytest
import torch
import torch.nn as nn
from mmengine.runner import load_checkpoint

from mmseg_avs.datasets.synthetic import generate_synthetic_avs
from mmseg_avs.utils import CheckpointError
from mmseg_avs.utils.checkpoint_loading import verify_checkpoint_file
from tests.tool_loader import load_tool

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs/synthetic/baseline_mit-tiny_synthetic-ms3.py')


def small_model(seed):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.Linear(8, 64))


@pytest.fixture
def checkpoint(tmp_path):
    """An MMEngine-style checkpoint of ``small_model(0)``, and its bytes."""
    path = str(tmp_path / 'iter_10.pth')
    torch.save(dict(meta=dict(iter=10), state_dict=small_model(0).state_dict(),
                    optimizer=dict(state={}, param_groups=[])), path)
    with open(path, 'rb') as f:
        return path, f.read()


def flip_tensor_bytes(data, member='data/7'):
    """16 bytes inverted in the middle of a tensor's stored bytes (by default the linear
    layer's weight), where torch.load itself notices nothing."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = next(i for i in archive.infolist() if i.filename.endswith(member))
    # a local header is 30 bytes, then the name and the extra field, then the data
    name_len, extra_len = struct.unpack('<HH', data[info.header_offset + 26:
                                                    info.header_offset + 30])
    start = info.header_offset + 30 + name_len + extra_len + info.file_size // 2
    damaged = bytearray(data)
    damaged[start:start + 16] = bytes(b ^ 0xFF for b in damaged[start:start + 16])
    return bytes(damaged)


DAMAGES = {
    'truncated_half': lambda data: data[:len(data) // 2],
    'truncated_tail': lambda data: data[:-10],
    'empty': lambda data: b'',
    'not_a_checkpoint': lambda data: b'hello, I am a text file\n' * 10,
    'flipped_conv_bytes': lambda data: flip_tensor_bytes(data, 'data/0'),
    'flipped_linear_bytes': flip_tensor_bytes,
}


@pytest.mark.parametrize('damage', DAMAGES)
def test_damaged_checkpoint_names_the_file_and_leaves_the_model_alone(checkpoint, damage):
    path, data = checkpoint
    with open(path, 'wb') as f:
        f.write(DAMAGES[damage](data))
    model = small_model(1)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    with pytest.raises(CheckpointError, match=path):
        load_checkpoint(model, path, map_location='cpu')
    for key, value in model.state_dict().items():
        assert torch.equal(value, before[key]), key


def test_torch_load_alone_misses_flipped_tensor_bytes(checkpoint):
    """Why the CRC-32 check exists: torch.load reads the damaged file without complaint."""
    path, data = checkpoint
    with open(path, 'wb') as f:
        f.write(flip_tensor_bytes(data))
    loaded = torch.load(path, map_location='cpu', weights_only=True)['state_dict']
    intact = small_model(0).state_dict()
    assert any(not torch.equal(loaded[k], intact[k]) for k in intact)
    with pytest.raises(CheckpointError, match='CRC-32'):
        verify_checkpoint_file(path)


def test_intact_checkpoint_loads(checkpoint):
    path, _ = checkpoint
    model = small_model(1)
    load_checkpoint(model, path, map_location='cpu', strict=True)
    for key, value in small_model(0).state_dict().items():
        assert torch.equal(model.state_dict()[key], value), key


def test_nan_weights_are_refused(tmp_path):
    state = small_model(0).state_dict()
    state['2.weight'][1, 2] = float('nan')
    path = str(tmp_path / 'nan.pth')
    torch.save(dict(state_dict=state), path)
    with pytest.raises(CheckpointError, match=rf"{path} holds non-finite weights.*'2.weight'"):
        load_checkpoint(small_model(1), path)


def test_missing_checkpoint_names_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=str(tmp_path / 'nope.pth')):
        load_checkpoint(small_model(1), str(tmp_path / 'nope.pth'))


def tool_main(name):
    return load_tool(f'tools/{name}.py').main


def test_tools_test_refuses_a_truncated_checkpoint(checkpoint, tmp_path):
    path, data = checkpoint
    with open(path, 'wb') as f:
        f.write(data[:len(data) // 2])
    with pytest.raises(CheckpointError, match=f'{path} is truncated or corrupted'):
        tool_main('test')([CONFIG, path, '--work-dir', str(tmp_path / 'work')])


def test_tools_test_refuses_a_checkpoint_that_misses_weights(tmp_path):
    """Evaluating a model part of which kept its random initialisation is an error."""
    path = str(tmp_path / 'other_model.pth')
    torch.save(dict(state_dict=small_model(0).state_dict()), path)
    with pytest.raises(RuntimeError, match='missing keys in source state_dict: .*backbone'):
        tool_main('test')([CONFIG, path, '--work-dir', str(tmp_path / 'work')])


def test_tools_train_resume_refuses_a_corrupted_checkpoint(checkpoint, tmp_path):
    path, data = checkpoint
    with open(path, 'wb') as f:
        f.write(flip_tensor_bytes(data))
    root = str(tmp_path / 'ms3')  # the runner builds the data loaders before resuming
    generate_synthetic_avs(root, layout='ms3', preset='easy', image_size=32, seed=0,
                           num_clips={'train': 1, 'val': 1, 'test': 1})
    roots = [f'{split}_dataloader.dataset.data_root={root}' for split in ('train', 'val', 'test')]
    with pytest.raises(CheckpointError, match=f'{path} is corrupted'):
        tool_main('train')([CONFIG, '--resume', path, '--work-dir', str(tmp_path / 'work'),
                            '--cfg-options', *roots])


@pytest.mark.parametrize('switch,patched', [(None, True), ('1', True), ('0', False)])
def test_mmengine_patches_follow_the_environment_switch(switch, patched):
    """``import mmseg_avs`` patches MMEngine unless MMSEG_AVS_PATCH_MMENGINE=0 (checked in a
    fresh interpreter: the patches are process-wide)."""
    env = {k: v for k, v in os.environ.items() if k != 'MMSEG_AVS_PATCH_MMENGINE'}
    if switch is not None:
        env['MMSEG_AVS_PATCH_MMENGINE'] = switch
    probe = ('import mmseg_avs\n'
             'from mmengine.logging.history_buffer import HistoryBuffer\n'
             'from mmengine.runner.checkpoint import CheckpointLoader\n'
             'from mmseg_avs.utils import checkpoint_loading as ours\n'
             "print(CheckpointLoader._schemes[''] is ours.load_from_checked_local,\n"
             '      HistoryBuffer.__getstate__ is ours._history_buffer_getstate)\n')
    run = subprocess.run([sys.executable, '-c', probe], env=env, capture_output=True,
                         text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == [str(patched), str(patched)]
