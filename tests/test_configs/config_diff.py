"""Which keys of two resolved configs differ."""
import re
from typing import Any, Dict, Set

from mmengine.config import Config


def flatten(value: Any, prefix: str = '') -> Dict[str, Any]:
    """``{'a.b.0.c': leaf}`` for nested dicts, lists and tuples."""
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, (list, tuple)):
        items = enumerate(value)
    else:
        return {prefix[:-1]: value}
    out = {}
    for key, item in items:
        out.update(flatten(item, f'{prefix}{key}.'))
    return out


def differences(a: Config, b: Config, keep_indices: bool = False) -> Set[str]:
    """Flattened keys whose values differ (or exist in one config only); without
    ``keep_indices``, list positions are dropped (``fusion_stages.3`` -> ``fusion_stages``)."""
    flat_a, flat_b = flatten(a.to_dict()), flatten(b.to_dict())
    keys = {k for k in set(flat_a) | set(flat_b)
            if flat_a.get(k, KeyError) != flat_b.get(k, KeyError)}
    return keys if keep_indices else {re.sub(r'(\.\d+)+$', '', k) for k in keys}
