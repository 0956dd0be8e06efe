"""Per-frame case tags: the hard cases of the RAVS paper, stored as extra metadata columns.

Each tag is one CSV column holding a string of ``T`` characters, ``'1'`` where the frame has the
case and ``'0'`` where it does not (e.g. ``state_transition = "01100"``). Real AVSBench metadata
has no such columns; then frames carry no tags.
"""
from typing import Dict, List, Mapping, Sequence

CASE_TAGS = (
    'same_class_pair',   # case 1: two objects of one class on screen, only one sounding
    'state_transition',  # case 2: an object's sounding state differs from the previous second
    'silent',            # nothing audible at all
    'offscreen',         # a sound whose source is not visible (nothing to segment for it)
)


def encode_case_tags(per_frame: Sequence[Sequence[str]]) -> Dict[str, str]:
    """Turn ``[{tags of frame 0}, {tags of frame 1}, ...]`` into one column string per tag."""
    for tags in per_frame:
        unknown = set(tags) - set(CASE_TAGS)
        if unknown:
            raise ValueError(f'unknown case tags {sorted(unknown)}; known: {CASE_TAGS}')
    return {tag: ''.join('1' if tag in tags else '0' for tags in per_frame) for tag in CASE_TAGS}


def decode_case_tags(row: Mapping[str, str], num_frames: int, where: str) -> List[List[str]]:
    """Read the tag columns of one metadata row back into per-frame tag lists.

    Args:
        row (Mapping[str, str]): The metadata row (column name -> value).
        num_frames (int): Frames of the clip; every present tag column must have this length.
        where (str): File and row, used in error messages.

    Returns:
        list[list[str]]: ``num_frames`` lists of tag names (empty when no tag columns exist).
    """
    tags: List[List[str]] = [[] for _ in range(num_frames)]
    for tag in CASE_TAGS:
        if tag not in row:
            continue
        value = str(row[tag]).strip()
        if len(value) != num_frames or set(value) - {'0', '1'}:
            raise ValueError(f'{where}: column {tag!r} must be {num_frames} characters of 0/1, '
                             f'got {value!r}')
        for t, flag in enumerate(value):
            if flag == '1':
                tags[t].append(tag)
    return tags
