"""tools/model_converters/{mit2mmseg_avs,pvtv2_to_mmseg_avs}.py on synthetic checkpoints.

The official state dicts are written here from the published key names and shapes of
SegFormer's MiT and PVT-v2 (NVlabs/SegFormer ``mix_transformer.py``, whai362/PVT
``pvt_v2.py``), independently of the
converter: per stage i (1-4) with C channels, ``patch_embed{i}.{proj,norm}``, per block j
``block{i}.{j}.{norm1, attn.q, attn.kv, attn.proj, attn.sr, attn.norm, norm2, mlp.fc1,
mlp.dwconv.dwconv, mlp.fc2}`` (no ``attn.sr``/``attn.norm`` where the reduction ratio is 1),
``norm{i}``, and the ImageNet classifier ``head``.
"""
import os.path as osp
from collections import OrderedDict
from typing import Dict, List, Sequence

import pytest
import torch
import torch.nn.functional as F
from mmseg.models.backbones import MixVisionTransformer

from tests.tool_loader import load_tool

HEADS = (1, 2, 5, 8)
SR_RATIOS = (8, 4, 2, 1)
PATCH = ((7, 4), (3, 2), (3, 2), (3, 2))  # (kernel, stride) of each stage's patch embedding
EPS = 1e-6  # MMSeg's LayerNorm eps in MixVisionTransformer; the reference below uses it too


def _load_tool(name):
    return load_tool(f'tools/model_converters/{name}.py')


mit2mmseg = _load_tool('mit2mmseg_avs')
pvtv2_to_mmseg = _load_tool('pvtv2_to_mmseg_avs')


def official_shapes(embed_dims: int, depths: Sequence[int], mlp_ratio: int = 4,
                    num_classes: int = 1000) -> 'OrderedDict[str, tuple]':
    """Key -> shape of an official MiT / PVT-v2 ImageNet checkpoint."""
    shapes, prev = OrderedDict(), 3
    for i, (depth, heads, sr, (k, _)) in enumerate(zip(depths, HEADS, SR_RATIOS, PATCH), 1):
        c, h = embed_dims * heads, embed_dims * heads * mlp_ratio
        shapes[f'patch_embed{i}.proj.weight'] = (c, prev, k, k)
        shapes[f'patch_embed{i}.proj.bias'] = (c, )
        shapes[f'patch_embed{i}.norm.weight'] = shapes[f'patch_embed{i}.norm.bias'] = (c, )
        for j in range(depth):
            p = f'block{i}.{j}.'
            blocks = [('norm1', (c, ), (c, )), ('attn.q', (c, c), (c, )),
                      ('attn.kv', (2 * c, c), (2 * c, )), ('attn.proj', (c, c), (c, ))]
            if sr > 1:
                blocks += [('attn.sr', (c, c, sr, sr), (c, )), ('attn.norm', (c, ), (c, ))]
            blocks += [('norm2', (c, ), (c, )), ('mlp.fc1', (h, c), (h, )),
                       ('mlp.dwconv.dwconv', (h, 1, 3, 3), (h, )), ('mlp.fc2', (c, h), (c, ))]
            for name, weight, bias in blocks:
                shapes[f'{p}{name}.weight'], shapes[f'{p}{name}.bias'] = weight, bias
        shapes[f'norm{i}.weight'] = shapes[f'norm{i}.bias'] = (c, )
        prev = c
    shapes['head.weight'], shapes['head.bias'] = (num_classes, prev), (num_classes, )
    return shapes


def random_state(shapes: Dict[str, tuple], seed: int = 0) -> 'OrderedDict[str, torch.Tensor]':
    gen = torch.Generator().manual_seed(seed)
    return OrderedDict((k, torch.randn(s, generator=gen) * 0.2) for k, s in shapes.items())


def storage_free_state(shapes: Dict[str, tuple]) -> 'OrderedDict[str, torch.Tensor]':
    """Full-size tensors without the memory (one shared zero, expanded)."""
    zero = torch.zeros(())
    return OrderedDict((k, zero.expand(s)) for k, s in shapes.items())


def small_mit(depths: Sequence[int] = (1, 2, 1, 1), embed_dims: int = 8):
    return MixVisionTransformer(embed_dims=embed_dims, num_layers=list(depths),
                                num_heads=list(HEADS), sr_ratios=list(SR_RATIOS),
                                drop_path_rate=0.0).eval()


@pytest.fixture(scope='module')
def mmseg_b5():
    """MMSeg's MixVisionTransformer at B5 size, built once (MiT-B5 = PVT-v2-B5)."""
    return mit2mmseg.build_mmseg_mit('mit_b5')


def test_b5_conversion_matches_mmseg_keys_and_shapes_exactly(mmseg_b5):
    official = official_shapes(64, (3, 6, 40, 3))
    assert len(official) == 4 * 6 + 49 * 20 + 3 * 16 + 2  # 49 blocks with spatial reduction
    converted = mit2mmseg.convert(storage_free_state(official))
    expected = {k: tuple(v.shape) for k, v in mmseg_b5.state_dict().items()}
    assert {k: tuple(v.shape) for k, v in converted.items()} == expected
    for arch in ('mit_b5', 'pvt_v2_b5'):  # the same MMSeg module for both
        assert mit2mmseg.ARCHS[arch] == mit2mmseg.ARCHS['mit_b5']


def test_values_land_in_their_mmseg_places():
    official = random_state(official_shapes(8, (1, 2, 1, 1)))
    converted = mit2mmseg.convert(official)
    model = small_mit()
    mit2mmseg.check_against(converted, model, 'the small MiT')
    model.load_state_dict(converted, strict=True)
    state = model.state_dict()
    c = 16  # stage 2: 8 x 2 channels
    in_proj = state['layers.1.1.1.attn.attn.in_proj_weight']
    kv = official['block2.1.attn.kv.weight']
    assert torch.equal(in_proj[:c], official['block2.1.attn.q.weight'])
    assert torch.equal(in_proj[c:2 * c], kv[:c])          # k
    assert torch.equal(in_proj[2 * c:], kv[c:])           # v
    assert torch.equal(state['layers.1.1.1.attn.attn.in_proj_bias'],
                       torch.cat([official['block2.1.attn.q.bias'],
                                  official['block2.1.attn.kv.bias']]))
    assert torch.equal(state['layers.1.1.1.attn.attn.out_proj.weight'],
                       official['block2.1.attn.proj.weight'])
    assert torch.equal(state['layers.0.0.projection.weight'],
                       official['patch_embed1.proj.weight'])
    assert torch.equal(state['layers.3.0.norm.bias'], official['patch_embed4.norm.bias'])
    assert torch.equal(state['layers.2.1.0.ffn.layers.0.weight'][..., 0, 0],
                       official['block3.0.mlp.fc1.weight'])
    assert torch.equal(state['layers.2.1.0.ffn.layers.1.weight'],
                       official['block3.0.mlp.dwconv.dwconv.weight'])
    assert torch.equal(state['layers.2.1.0.ffn.layers.4.weight'][..., 0, 0],
                       official['block3.0.mlp.fc2.weight'])
    assert torch.equal(state['layers.0.1.0.attn.sr.weight'], official['block1.0.attn.sr.weight'])
    assert torch.equal(state['layers.0.1.0.attn.norm.weight'],
                       official['block1.0.attn.norm.weight'])
    assert torch.equal(state['layers.2.2.weight'], official['norm3.weight'])
    assert 'layers.3.1.0.attn.sr.weight' not in state  # reduction ratio 1 in stage 4


def _official_forward(sd, x: torch.Tensor, depths: Sequence[int]) -> List[torch.Tensor]:
    """The MiT / PVT-v2 forward pass written from the published architecture, on the official
    keys: overlapping patch embedding, pre-norm blocks of spatial-reduction attention and a
    MLP with a 3x3 depth-wise conv, a norm closing each stage."""
    outs = []
    for i, (depth, heads, sr, (k, s)) in enumerate(zip(depths, HEADS, SR_RATIOS, PATCH), 1):
        x = F.conv2d(x, sd[f'patch_embed{i}.proj.weight'], sd[f'patch_embed{i}.proj.bias'],
                     stride=s, padding=k // 2)
        n, c, h, w = x.shape
        t = _ln(x.flatten(2).transpose(1, 2), sd, f'patch_embed{i}.norm')
        for j in range(depth):
            p = f'block{i}.{j}.'
            t = t + _attention(_ln(t, sd, p + 'norm1'), sd, p, heads, sr, h, w)
            t = t + _mlp(_ln(t, sd, p + 'norm2'), sd, p, h, w)
        t = _ln(t, sd, f'norm{i}')
        x = t.transpose(1, 2).reshape(n, c, h, w)
        outs.append(x)
    return outs


def _ln(t, sd, name):
    return F.layer_norm(t, t.shape[-1:], sd[f'{name}.weight'], sd[f'{name}.bias'], EPS)


def _linear(t, sd, name):
    return F.linear(t, sd[f'{name}.weight'], sd[f'{name}.bias'])


def _attention(t, sd, p, heads, sr, h, w):
    n, length, c = t.shape
    q = _linear(t, sd, p + 'attn.q').reshape(n, length, heads, c // heads).transpose(1, 2)
    y = t
    if sr > 1:
        y = t.transpose(1, 2).reshape(n, c, h, w)
        y = F.conv2d(y, sd[p + 'attn.sr.weight'], sd[p + 'attn.sr.bias'], stride=sr)
        y = _ln(y.flatten(2).transpose(1, 2), sd, p + 'attn.norm')
    kv = _linear(y, sd, p + 'attn.kv').reshape(n, -1, 2, heads, c // heads)
    k, v = kv.permute(2, 0, 3, 1, 4)
    attn = (q @ k.transpose(-2, -1) * (c // heads)**-0.5).softmax(dim=-1)
    return _linear((attn @ v).transpose(1, 2).reshape(n, length, c), sd, p + 'attn.proj')


def _mlp(t, sd, p, h, w):
    n, _, _ = t.shape
    hidden = _linear(t, sd, p + 'mlp.fc1')
    x = hidden.transpose(1, 2).reshape(n, -1, h, w)
    x = F.conv2d(x, sd[p + 'mlp.dwconv.dwconv.weight'], sd[p + 'mlp.dwconv.dwconv.bias'],
                 padding=1, groups=x.shape[1])
    return _linear(F.gelu(x.flatten(2).transpose(1, 2)), sd, p + 'mlp.fc2')


def test_converted_mmseg_model_computes_the_official_forward_pass():
    depths = (1, 2, 1, 1)
    official = random_state(official_shapes(8, depths), seed=1)
    model = small_mit(depths)
    model.load_state_dict(mit2mmseg.convert(official), strict=True)
    x = torch.randn(2, 3, 64, 64, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        ours, reference = model(x), _official_forward(official, x, depths)
    for stage, (a, b) in enumerate(zip(ours, reference)):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5, msg=f'stage {stage + 1}')


def test_foreign_keys_are_an_error_that_lists_them():
    official = random_state(official_shapes(8, (1, 1, 1, 1)))
    official['pos_embed1'] = torch.zeros(1, 3136, 8)  # PVT v1
    with pytest.raises(mit2mmseg.ConversionError, match=r'1 key\(s\).*pos_embed1'):
        mit2mmseg.convert(official)
    already = {k: v for k, v in small_mit((1, 1, 1, 1)).state_dict().items()}
    with pytest.raises(mit2mmseg.ConversionError, match='already in MMSeg layout'):
        mit2mmseg.convert(already)
    del official['pos_embed1'], official['block2.0.attn.kv.bias']
    with pytest.raises(mit2mmseg.ConversionError, match=r'block2\.0: attn\.q\.bias and'):
        mit2mmseg.convert(official)


def test_cli_converts_and_the_output_loads_strictly(tmp_path):
    """MiT-B0 size (a published file, small enough for a test), wrapped in 'state_dict' with
    a 'module.' prefix as some copies are."""
    official = random_state(official_shapes(32, (2, 2, 2, 2)))
    src, dst = tmp_path / 'mit_b0.pth', tmp_path / 'out' / 'mit_b0_mmseg.pth'
    torch.save({'state_dict': {f'module.{k}': v for k, v in official.items()}}, src)
    assert mit2mmseg.main([str(src), str(dst), '--arch', 'mit_b0']) == str(dst)
    saved = torch.load(dst, map_location='cpu', weights_only=True)
    assert saved['meta'] == dict(source='mit_b0.pth', arch='mit_b0',
                                 converter='tools/model_converters/mit2mmseg_avs.py')
    model = mit2mmseg.build_mmseg_mit('mit_b0')
    assert list(saved['state_dict']) == list(model.state_dict())  # the model's order
    model.load_state_dict(saved['state_dict'], strict=True)
    assert torch.equal(model.layers[1][1][0].attn.attn.in_proj_weight[:64],
                       official['block2.0.attn.q.weight'])


def test_cli_refuses_a_file_of_another_size_naming_the_expected_source(
        tmp_path, monkeypatch, mmseg_b5):
    for module in (mit2mmseg, pvtv2_to_mmseg.mit2mmseg_avs):  # build B5 once
        monkeypatch.setattr(module, 'build_mmseg_mit', lambda arch: mmseg_b5)
    src = tmp_path / 'mit_b0.pth'
    torch.save(random_state(official_shapes(32, (2, 2, 2, 2))), src)
    with pytest.raises(mit2mmseg.ConversionError) as info:
        mit2mmseg.main([str(src), str(tmp_path / 'out.pth')])  # default: mit_b5
    msg = str(info.value)
    assert f"{src} is not SegFormer's ImageNet-1k mit_b5.pth" in msg
    assert 'missing keys (788)' in msg and 'shape mismatches' in msg
    assert not (tmp_path / 'out.pth').exists()
    # the PVT-v2 converter defaults to PVT-v2-B5 and names PVT-v2's file
    with pytest.raises(pvtv2_to_mmseg.mit2mmseg_avs.ConversionError,
                       match=r'pvt_v2_b5\.pth.*shape mismatches'):
        pvtv2_to_mmseg.main([str(src), str(tmp_path / 'out.pth')])
    with pytest.raises(FileNotFoundError, match='absent.pth'):
        pvtv2_to_mmseg.main([str(tmp_path / 'absent.pth')])


def test_pvtv2_cli_writes_the_file_the_configs_load(tmp_path, monkeypatch, mmseg_b5):
    """A full-size PVT-v2-B5 checkpoint (storage-free zeros) through the PVT-v2 wrapper with
    its default output name, which configs/_base_/models/ravs_pvtv2b5.py points to."""
    src = tmp_path / 'pvt_v2_b5.pth'
    torch.save(storage_free_state(official_shapes(64, (3, 6, 40, 3))), src)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(pvtv2_to_mmseg.mit2mmseg_avs, 'build_mmseg_mit',
                        lambda arch: mmseg_b5)  # built once
    dst = pvtv2_to_mmseg.main([str(src)])
    assert dst == osp.join('pretrained', 'pvt_v2_b5_mmseg.pth')
    saved = torch.load(tmp_path / dst, map_location='cpu', weights_only=True)
    assert saved['meta']['arch'] == 'pvt_v2_b5'
    assert [(k, tuple(v.shape)) for k, v in saved['state_dict'].items()] == [
        (k, tuple(v.shape)) for k, v in mmseg_b5.state_dict().items()]
