"""Packaging for mmseg_avs, the RAVS audio-visual segmentation plugin for MMSegmentation."""
import os.path as osp

from setuptools import find_packages, setup


def read_requirements(name: str) -> list:
    """Read one file under ``requirements/`` (comments and blank lines dropped)."""
    with open(osp.join(osp.dirname(__file__), 'requirements', name)) as f:
        return [ln.strip() for ln in f if ln.strip() and not ln.startswith('#')]


def read_version() -> str:
    with open(osp.join(osp.dirname(__file__), 'mmseg_avs', 'version.py')) as f:
        scope = {}
        exec(f.read(), scope)
    return scope['__version__']


setup(
    name='mmseg_avs',
    version=read_version(),
    description='RAVS audio-visual segmentation as an MMSegmentation plugin',
    long_description=open('README.md').read() if osp.exists('README.md') else '',
    long_description_content_type='text/markdown',
    packages=find_packages(exclude=('tests', 'tests.*', 'configs', 'tools')),
    python_requires='>=3.8',
    # torch is not listed: a bare `torch` requirement pulls a multi-GB CUDA build.
    # Install the torch build for your machine first (see docs/get_started.md).
    install_requires=read_requirements('runtime.txt'),
    extras_require={'tests': read_requirements('tests.txt')},
    license='Apache License 2.0',
    zip_safe=False,
)
