"""Class names and colour palette of AVSBench-Semantic (AVSS).

The official AVSS loader builds a PASCAL-VOC style bit-interleaved colour map for palette
positions 0..70 and maps each RGB mask pixel to its palette position, so the class index equals
the palette position, with 0 = background (black).
"""
from typing import List, Tuple

import numpy as np

# label2idx.json order (values 1..71) minus one: background first, then the 70 names sorted.
AVSS_CLASSES: Tuple[str, ...] = (
    'background', 'accordion', 'airplane', 'axe', 'baby', 'bassoon', 'bell', 'bird', 'boat',
    'boy', 'bus', 'car', 'cat', 'cello', 'clarinet', 'clipper', 'clock', 'dog', 'donkey', 'drum',
    'duck', 'elephant', 'emergency-car', 'erhu', 'flute', 'frying-food', 'girl', 'goose',
    'guitar', 'gun', 'guzheng', 'hair-dryer', 'handpan', 'harmonica', 'harp', 'helicopter',
    'hen', 'horse', 'keyboard', 'leopard', 'lion', 'man', 'marimba', 'missile-rocket',
    'motorcycle', 'mower', 'parrot', 'piano', 'pig', 'pipa', 'saw', 'saxophone', 'sheep',
    'sitar', 'sorna', 'squirrel', 'tabla', 'tank', 'tiger', 'tractor', 'train', 'trombone',
    'truck', 'trumpet', 'tuba', 'ukulele', 'utv', 'vacuum-cleaner', 'violin', 'wolf', 'woman')


def voc_palette(num_colors: int) -> List[List[int]]:
    """Bit-interleaved PASCAL-VOC colour map, the one AVSS masks are drawn with.

    For palette position ``j`` and its ``i``-th 3-bit group, bit 0 goes to R, bit 1 to G and
    bit 2 to B, each at bit ``7 - i``. E.g. 0 -> (0, 0, 0), 1 -> (128, 0, 0), 8 -> (64, 0, 0).

    Args:
        num_colors (int): How many palette entries to build.

    Returns:
        list[list[int]]: ``num_colors`` RGB triples.
    """
    palette = []
    for j in range(num_colors):
        r = g = b = 0
        code, i = j, 0
        while code:
            r |= (code & 1) << (7 - i)
            g |= ((code >> 1) & 1) << (7 - i)
            b |= ((code >> 2) & 1) << (7 - i)
            code >>= 3
            i += 1
        palette.append([r, g, b])
    return palette


def rgb_mask_to_index(rgb: np.ndarray, palette: np.ndarray) -> np.ndarray:
    """Map an ``[H, W, 3]`` RGB mask to palette indices.

    Args:
        rgb (np.ndarray): uint8 ``[H, W, 3]`` colour mask in RGB order.
        palette (np.ndarray): ``[C, 3]`` palette in RGB order.

    Returns:
        np.ndarray: uint8 ``[H, W]`` indices; pixels whose colour is not in the palette get 255
        so that the caller can report them (the official loader silently maps them to 0).
    """
    code = (rgb[..., 0].astype(np.int64) << 16) | (rgb[..., 1].astype(np.int64) << 8) | rgb[..., 2]
    pal = np.asarray(palette, dtype=np.int64)
    pal_code = (pal[:, 0] << 16) | (pal[:, 1] << 8) | pal[:, 2]
    order = np.argsort(pal_code)
    pos = np.searchsorted(pal_code[order], code)
    pos = np.clip(pos, 0, len(pal_code) - 1)
    found = pal_code[order][pos] == code
    index = np.where(found, order[pos], 255)
    return index.astype(np.uint8)
