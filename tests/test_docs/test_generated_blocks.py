"""Generated blocks live in the docs, not in the README: the synthetic benchmark's results in
docs/results/synthetic_benchmark.md (written by ``run_synthetic_benchmark.py --doc``), the
config tables in configs/<family>/README.md (``make_metafiles.py``)."""
import os.path as osp
import re

import pytest

from mmseg_avs.analysis.synthetic_report import update_markdown_block

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
RESULTS = 'docs/results/synthetic_benchmark.md'


def read(path: str) -> str:
    with open(osp.join(REPO, path), encoding='utf-8') as f:
        return f.read()


def test_the_benchmark_blocks_are_on_the_results_page_and_say_how_they_were_made():
    text = read(RESULTS)
    for block in ('synthetic-benchmark', 'synthetic-benchmark-1600', 'synthetic-benchmark-full'):
        start, end = f'<!-- {block}:start -->', f'<!-- {block}:end -->'
        assert text.count(start) == 1 and text.count(end) == 1
        body = text.split(start, 1)[1].split(end, 1)[0]
        # the command that rewrites this block, quoted at its top
        made_by = re.match(
            r'\n_Made by `(python tools/analysis/run_synthetic_benchmark\.py [^`]*)`', body)
        assert made_by, block
        assert f'--doc {RESULTS}' in made_by.group(1) and '--readme' not in made_by.group(1)
        if block != 'synthetic-benchmark':  # the default block name
            assert f'--doc-block {block}' in made_by.group(1)
    # the superseded note stays at the top of the moved results
    assert text.split('\n## ', 1)[0].count('**Superseded (2026-12-07).**') == 1


def test_the_readme_holds_no_generated_block():
    assert not re.search(r'<!-- [\w-]+:(start|end) -->', read('README.md'))
    assert '--readme' not in read('README.md')


def test_update_markdown_block_rewrites_only_its_block(tmp_path):
    doc = tmp_path / 'page.md'
    doc.write_text('intro\n<!-- a:start -->\nold a\n<!-- a:end -->\nmiddle\n'
                   '<!-- b:start -->\nold b\n<!-- b:end -->\noutro\n')
    update_markdown_block(str(doc), '| new |', 'python make.py --doc page.md --doc-block b', 'b')
    assert doc.read_text() == (
        'intro\n<!-- a:start -->\nold a\n<!-- a:end -->\nmiddle\n'
        '<!-- b:start -->\n_Made by `python make.py --doc page.md --doc-block b`._\n\n'
        '| new |\n<!-- b:end -->\noutro\n')
    with pytest.raises(ValueError, match='has no <!-- c:start -->'):
        update_markdown_block(str(doc), '| new |', 'cmd', 'c')
