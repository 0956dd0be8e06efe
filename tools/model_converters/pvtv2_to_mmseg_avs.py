"""Convert PVT-v2's official ImageNet weights to MMSeg's MixVisionTransformer.

    python tools/model_converters/pvtv2_to_mmseg_avs.py pretrained/pvt_v2_b5.pth \\
        [pretrained/pvt_v2_b5_mmseg.pth]

``pvt_v2_b5.pth`` (https://github.com/whai362/PVT/releases/download/v2/pvt_v2_b5.pth) is
MiT-B5's architecture under SegFormer's key names (embed dims [64, 128, 320, 512], heads
[1, 2, 5, 8], MLP ratio 4 in every stage, depths [3, 6, 40, 3], spatial reduction
[8, 4, 2, 1]; whai362/PVT ``classification/pvt_v2.py``), so this is ``mit2mmseg_avs.py`` with
``--arch pvt_v2_b5`` by default; see there for the key mapping and the checks.
"""
import importlib.util
import os.path as osp
from typing import List, Optional

_spec = importlib.util.spec_from_file_location(
    'mit2mmseg_avs', osp.join(osp.dirname(osp.abspath(__file__)), 'mit2mmseg_avs.py'))
mit2mmseg_avs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mit2mmseg_avs)


def main(argv: Optional[List[str]] = None) -> str:
    """Convert, check and save; returns the output path."""
    return mit2mmseg_avs.main(argv, default_arch='pvt_v2_b5')


if __name__ == '__main__':
    main()
