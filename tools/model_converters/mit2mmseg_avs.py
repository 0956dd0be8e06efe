"""Convert official MiT (SegFormer) / PVT-v2 ImageNet weights to MMSeg's MixVisionTransformer.

    python tools/model_converters/mit2mmseg_avs.py pretrained/mit_b5.pth \\
        [pretrained/mit_b5_mmseg.pth] [--arch mit_b5]

SegFormer's ``mit_b*.pth`` (NVlabs/SegFormer) and PVT-v2's ``pvt_v2_b*.pth`` (whai362/PVT) use
one naming (NVlabs/SegFormer ``mmseg/models/backbones/mix_transformer.py``, whai362/PVT
``classification/pvt_v2.py``); MMSeg's ``MixVisionTransformer`` holds the same tensors under
other names (MMSeg's own ``tools/model_converters/mit2mmseg.py`` maps them the same way):

================================================  ==========================================
official key (stage i = 1..4, block j)            MMSeg key (stage s = i - 1)
================================================  ==========================================
``patch_embed{i}.proj.*``                         ``layers.{s}.0.projection.*``
``patch_embed{i}.norm.*``                         ``layers.{s}.0.norm.*``
``block{i}.{j}.norm1.*`` / ``norm2.*``            ``layers.{s}.1.{j}.norm1.*`` / ``norm2.*``
``block{i}.{j}.attn.q.*`` + ``attn.kv.*``         ``layers.{s}.1.{j}.attn.attn.in_proj_*``
                                                  (rows: q, then kv = [k; v])
``block{i}.{j}.attn.proj.*``                      ``layers.{s}.1.{j}.attn.attn.out_proj.*``
``block{i}.{j}.attn.sr.*`` / ``attn.norm.*``      ``layers.{s}.1.{j}.attn.sr.*`` / ``attn.norm.*``
``block{i}.{j}.mlp.fc1.*``                        ``layers.{s}.1.{j}.ffn.layers.0.*`` (1x1 conv)
``block{i}.{j}.mlp.dwconv.dwconv.*``              ``layers.{s}.1.{j}.ffn.layers.1.*``
``block{i}.{j}.mlp.fc2.*``                        ``layers.{s}.1.{j}.ffn.layers.4.*`` (1x1 conv)
``norm{i}.*``                                     ``layers.{s}.2.*``
``head.*`` (ImageNet classifier)                  dropped
================================================  ==========================================

The fc1/fc2 Linear weights ``[out, in]`` become 1x1 conv weights ``[out, in, 1, 1]``. Any other
key is an error, and the result must match the state dict of MMSeg's MixVisionTransformer of
``--arch`` key for key and shape for shape, so a file of another model or size fails here with
a list of what differs, never later with silently random weights. The output holds
``state_dict`` and ``meta`` (source file and arch), ready for
``init_cfg=dict(type='Pretrained', checkpoint=...)``.
"""
import argparse
import os
import os.path as osp
import re
from collections import OrderedDict
from typing import Dict, List, Optional, Tuple

import numpy as np
import torch
from torch import Tensor

# MixVisionTransformer arguments of each published size. PVT-v2: only B5 has one MLP ratio in
# every stage (B0-B4 use [8, 8, 4, 4]); MMSeg's class takes a single mlp_ratio.
_COMMON = dict(in_channels=3, num_stages=4, num_heads=[1, 2, 5, 8], patch_sizes=[7, 3, 3, 3],
               sr_ratios=[8, 4, 2, 1], mlp_ratio=4, qkv_bias=True)
ARCHS: Dict[str, dict] = {
    'mit_b0': dict(_COMMON, embed_dims=32, num_layers=[2, 2, 2, 2]),
    'mit_b5': dict(_COMMON, embed_dims=64, num_layers=[3, 6, 40, 3]),
    'pvt_v2_b5': dict(_COMMON, embed_dims=64, num_layers=[3, 6, 40, 3]),
}
SOURCES = {
    'mit_b0': "SegFormer's ImageNet-1k mit_b0.pth (links in the README of "
              'https://github.com/NVlabs/SegFormer)',
    'mit_b5': "SegFormer's ImageNet-1k mit_b5.pth (links in the README of "
              'https://github.com/NVlabs/SegFormer)',
    'pvt_v2_b5': "PVT-v2's ImageNet-1k pvt_v2_b5.pth "
                 '(https://github.com/whai362/PVT/releases/download/v2/pvt_v2_b5.pth)',
}
DROPPED_PREFIXES = ('head.', )
STRIPPED_PREFIXES = ('module.', 'backbone.')  # DataParallel / a detector's backbone

_BLOCK = re.compile(r'^block(\d)\.(\d+)\.(.+)$')
_BLOCK_RENAMES = {
    'norm1': 'norm1', 'norm2': 'norm2', 'attn.proj': 'attn.attn.out_proj',
    'attn.sr': 'attn.sr', 'attn.norm': 'attn.norm', 'mlp.fc1': 'ffn.layers.0',
    'mlp.dwconv.dwconv': 'ffn.layers.1', 'mlp.fc2': 'ffn.layers.4'}
_LINEAR_WEIGHT = re.compile(r'\.mlp\.fc[12]\.weight$')  # Linear [out, in] -> 1x1 conv
_QKV = re.compile(r'^attn\.(q|kv)\.(weight|bias)$')


class ConversionError(ValueError):
    """The file is not an official MiT / PVT-v2 checkpoint of the expected size."""


def load_official_state_dict(path: str) -> Dict[str, Tensor]:
    """Read the tensors of an official checkpoint (a plain state dict, or one under
    ``state_dict`` / ``model``), with ``module.`` / ``backbone.`` prefixes stripped."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'checkpoint not found: {path}')
    ckpt = torch.load(path, map_location='cpu', weights_only=True)
    for key in ('state_dict', 'model'):
        if isinstance(ckpt, dict) and isinstance(ckpt.get(key), dict):
            ckpt = ckpt[key]
            break
    if not isinstance(ckpt, dict):
        raise ConversionError(f'{path} holds {type(ckpt).__name__}, not a state dict')
    state = OrderedDict()
    for key, value in ckpt.items():
        for prefix in STRIPPED_PREFIXES:
            if key.startswith(prefix):
                key = key[len(prefix):]
        if isinstance(value, np.ndarray):
            value = torch.from_numpy(value)
        if not isinstance(value, Tensor):
            raise ConversionError(f'{path}: {key} holds {type(value).__name__}, not a tensor')
        state[key] = value
    return state


def convert(state: Dict[str, Tensor]) -> 'OrderedDict[str, Tensor]':
    """Map official MiT / PVT-v2 keys to MMSeg's MixVisionTransformer keys (table above).

    Raises:
        ConversionError: On keys outside the official naming (listed), or a block whose
            q / kv tensors are incomplete.
    """
    out: 'OrderedDict[str, Tensor]' = OrderedDict()
    qkv: Dict[Tuple[str, str], Dict[str, Tensor]] = {}
    unknown: List[str] = []
    for key, value in state.items():
        if key.startswith(DROPPED_PREFIXES):
            continue
        new_key = _rename(key)
        if new_key is None:
            match = _BLOCK.match(key)
            part = match and _QKV.match(match.group(3))
            if part:
                block = (int(match.group(1)), int(match.group(2)))
                qkv.setdefault((block, part.group(2)), {})[part.group(1)] = value
            else:
                unknown.append(key)
            continue
        if _LINEAR_WEIGHT.search(key):
            value = value.reshape(*value.shape, 1, 1)
        out[new_key] = value
    if unknown:
        hint = (' (the file is already in MMSeg layout: use it directly)'
                if all(k.startswith('layers.') for k in unknown) else '')
        raise ConversionError(f'{len(unknown)} key(s) outside the official MiT / PVT-v2 '
                              f'naming{hint}: {_shorten(unknown)}')
    for ((stage, block), kind), parts in sorted(qkv.items()):
        if set(parts) != {'q', 'kv'}:
            raise ConversionError(f'block{stage}.{block}: attn.q.{kind} and attn.kv.{kind} must '
                                  f'both be present, found only attn.{"".join(parts)}.{kind}')
        name = 'in_proj_weight' if kind == 'weight' else 'in_proj_bias'
        # nn.MultiheadAttention's packed projection: rows [q; k; v], and kv is already [k; v]
        out[f'layers.{stage - 1}.1.{block}.attn.attn.{name}'] = torch.cat(
            [parts['q'], parts['kv']], dim=0)
    return out


def _rename(key: str) -> Optional[str]:
    """The MMSeg name of ``key``, or None for q / kv (merged later) and unknown keys."""
    match = re.match(r'^patch_embed(\d)\.(proj|norm)\.(weight|bias)$', key)
    if match:
        layer = 'projection' if match.group(2) == 'proj' else 'norm'
        return f'layers.{int(match.group(1)) - 1}.0.{layer}.{match.group(3)}'
    match = re.match(r'^norm(\d)\.(weight|bias)$', key)
    if match:
        return f'layers.{int(match.group(1)) - 1}.2.{match.group(2)}'
    match = _BLOCK.match(key)
    if match:
        module, _, param = match.group(3).rpartition('.')
        if module in _BLOCK_RENAMES and param in ('weight', 'bias'):
            return (f'layers.{int(match.group(1)) - 1}.1.{match.group(2)}.'
                    f'{_BLOCK_RENAMES[module]}.{param}')
    return None


def build_mmseg_mit(arch: str):
    """MMSeg's MixVisionTransformer of a published size (CPU, random weights)."""
    from mmseg.models.backbones import MixVisionTransformer
    if arch not in ARCHS:
        raise ValueError(f'unknown arch {arch!r}; one of {sorted(ARCHS)}')
    return MixVisionTransformer(**ARCHS[arch])


def check_against(converted: Dict[str, Tensor], model: torch.nn.Module, what: str) -> None:
    """Raise :class:`ConversionError` unless ``converted`` has exactly ``model``'s keys and
    shapes (missing, unexpected and mismatched keys are listed)."""
    expected = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    missing = sorted(set(expected) - set(converted))
    unexpected = sorted(set(converted) - set(expected))
    mismatched = [f'{k}: file {list(converted[k].shape)}, model {list(expected[k])}'
                  for k in expected if k in converted and tuple(converted[k].shape) != expected[k]]
    problems = [f'{label} ({len(items)}): {_shorten(items)}'
                for label, items in (('missing keys', missing), ('unexpected keys', unexpected),
                                     ('shape mismatches', mismatched)) if items]
    if problems:
        raise ConversionError(f'the converted weights do not fit {what}: ' + '; '.join(problems))


def ordered_like(converted: Dict[str, Tensor], model: torch.nn.Module
                 ) -> 'OrderedDict[str, Tensor]':
    """``converted`` in the order of ``model``'s state dict (after :func:`check_against`)."""
    return OrderedDict((key, converted[key]) for key in model.state_dict())


def _shorten(items: List[str], limit: int = 8) -> str:
    text = ', '.join(items[:limit])
    return text + (f', ... ({len(items) - limit} more)' if len(items) > limit else '')


def parse_args(argv: Optional[List[str]] = None, default_arch: str = 'mit_b5'
               ) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Convert official MiT (SegFormer) / PVT-v2 ImageNet weights to MMSeg '
        'MixVisionTransformer keys')
    parser.add_argument('src', help='official checkpoint, e.g. pretrained/mit_b5.pth')
    parser.add_argument('dst', nargs='?',
                        help='output file (default: pretrained/<arch>_mmseg.pth)')
    parser.add_argument('--arch', default=default_arch, choices=sorted(ARCHS),
                        help=f'model size the weights must fit (default: {default_arch})')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None, default_arch: str = 'mit_b5') -> str:
    """Convert, check against the arch's MixVisionTransformer, save; returns the output path."""
    args = parse_args(argv, default_arch)
    dst = args.dst or osp.join('pretrained', f'{args.arch}_mmseg.pth')
    where = f'{args.src} is not {SOURCES[args.arch]}'
    model = build_mmseg_mit(args.arch)
    try:
        converted = convert(load_official_state_dict(args.src))
        check_against(converted, model, f"MMSeg's MixVisionTransformer as {args.arch}")
    except ConversionError as err:
        raise ConversionError(f'{where}: {err}') from None
    converted = ordered_like(converted, model)
    os.makedirs(osp.dirname(osp.abspath(dst)), exist_ok=True)
    meta = dict(source=osp.basename(args.src), arch=args.arch,
                converter='tools/model_converters/mit2mmseg_avs.py')
    torch.save(dict(state_dict=converted, meta=meta), dst)
    print(f'{args.src} ({args.arch}): {len(converted)} tensors -> {dst}')
    return dst


if __name__ == '__main__':
    main()
