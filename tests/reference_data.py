"""Reference data of the tests: real AVSBench clips and the published audio encoders' outputs.

These files are not part of the repository. Tests find them under the folder named by the
environment variable ``MMSEG_AVS_REFERENCE_DATA`` (default: ``<repo root>/../shared/data``,
where CI lays its copy), which holds ``avsbench_clips/`` and ``htsat/`` (each with a README
on how its files were made). A test whose file is absent skips, naming the path it looked
for and where the public data comes from; ``.ci/run`` fails instead when the folder is
missing, so CI never skips them. Call ``reference_file`` / ``reference_files`` in a test or
fixture, not at import time, so that collection works without the data.
"""
import os
from pathlib import Path
from typing import List, NoReturn

import pytest

ENV = 'MMSEG_AVS_REFERENCE_DATA'
DEFAULT = Path(__file__).resolve().parents[1].parent / 'shared' / 'data'

AVSBENCH = ('clips of the public AVSBench release '
            '(OpenNLPLab/AVSBench, https://github.com/OpenNLPLab/AVSBench)')
VGGISH = ('the published VGGish model and log-mel front-end (harritaylor/torchvggish, '
          'as AVSBench uses them) run on an AVSBench clip')
HTSAT = ('the published HTS-AT model, AudioSet configuration '
         '(RetroCirce/HTS-Audio-Transformer), run on an AVSBench clip')


def reference_root() -> Path:
    """The reference data folder: ``$MMSEG_AVS_REFERENCE_DATA`` or the default."""
    return Path(os.environ.get(ENV) or DEFAULT)


def _skip(name: str) -> NoReturn:
    folder, _, file = name.partition('/')
    source = HTSAT if folder == 'htsat' else VGGISH if 'vggish' in file else AVSBENCH
    pytest.skip(f'reference data missing: {reference_root() / name} '
                f'(set {ENV}; default {DEFAULT}); source: {source}')


def reference_file(name: str) -> Path:
    """The path of ``name`` (e.g. ``'htsat/htsat_logmel.npy'``) in the reference data; skips
    the calling test (or fixture) when the file is absent."""
    path = reference_root() / name
    if not path.is_file():
        _skip(name)
    return path


def reference_files(pattern: str) -> List[Path]:
    """The files matching ``pattern`` (e.g. ``'avsbench_clips/*.mp4'``), sorted; skips the
    calling test when none does."""
    paths = sorted(reference_root().glob(pattern))
    if not paths:
        _skip(pattern)
    return paths
