"""Where the source checkout is: the analysis code reads the repository's ``configs/``."""
import os.path as osp

# mmseg_avs/analysis/repository.py -> the checkout's root (the analysis runs from a checkout,
# an editable install included: its configs are not part of the installed package)
REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
