"""Every relative link and image in the documentation points at a file or folder that exists:
README.md, docs/**/*.md and configs/**/README.md. Web links (http, https, mailto) are not
followed; a pure ``#anchor`` link is not checked, and for ``path#anchor`` the path is. Anchors
into this documentation's own markdown files must name one of their headings (GitHub's rule
for heading ids)."""
import glob
import os.path as osp
import re
from typing import Iterator, List, Tuple
from urllib.parse import unquote

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

FENCE = re.compile(r'^ {0,3}(```|~~~).*?^ {0,3}\1[^\n]*$', re.M | re.S)
INLINE_CODE = re.compile(r'(`+)(?:(?!\1).)+?\1', re.S)
# [text](target) and ![alt](target); the text may hold brackets one level deep
INLINE_LINK = re.compile(r'!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]'
                         r'\(\s*(<[^>]*>|[^\s)]+)(?:\s+"[^"]*")?\s*\)')
REFERENCE_DEF = re.compile(r'^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)', re.M)
HTML_ATTR = re.compile(r'<(?:img|a|source)\b[^>]*?\b(?:src|href)\s*=\s*"([^"]+)"', re.I)
WEB = ('http://', 'https://', 'mailto:', 'ftp://')


def doc_files() -> List[str]:
    files = [osp.join(REPO, 'README.md')]
    files += glob.glob(osp.join(REPO, 'docs', '**', '*.md'), recursive=True)
    files += glob.glob(osp.join(REPO, 'configs', '**', 'README.md'), recursive=True)
    return sorted(set(f for f in files if osp.isfile(f)))


def _blank(match: re.Match) -> str:
    return re.sub(r'[^\n]', ' ', match.group(0))


def _without_code(text: str) -> str:
    """The text with fenced code blocks and inline code spans blanked: same length, same
    lines, so that positions in it are positions in ``text``."""
    return INLINE_CODE.sub(lambda m: 'x' * len(m.group(0)), FENCE.sub(_blank, text))


def links(text: str) -> Iterator[Tuple[int, str]]:
    """(line number, target) of every link and image in markdown ``text``."""
    prose = _without_code(text)
    for pattern in (INLINE_LINK, REFERENCE_DEF, HTML_ATTR):
        for m in pattern.finditer(prose):
            # targets sit outside code spans, so take them from the original text
            target = text[m.start(1):m.end(1)].strip('<>')
            yield prose.count('\n', 0, m.start()) + 1, target


def heading_ids(path: str) -> set:
    """The ids GitHub gives the headings of a markdown file."""
    with open(path, encoding='utf-8') as f:
        text = FENCE.sub('', f.read())
    ids, seen = set(), {}
    for m in re.finditer(r'^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$', text, re.M):
        title = re.sub(r'!?\[([^\]]*)\]\([^)]*\)', r'\1', m.group(1))  # links: their text
        slug = re.sub(r'[^\w\- ]', '', title.lower()).replace(' ', '-')
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        ids.add(slug if n == 0 else f'{slug}-{n}')
    return ids


def broken_links(path: str, root: str = REPO) -> List[str]:
    """'file:line: target (why)' for each relative link of ``path`` that does not resolve
    inside the checkout ``root``."""
    with open(path, encoding='utf-8') as f:
        text = f.read()
    out = []
    for line, target in links(text):
        if target.lower().startswith(WEB) or target.startswith('#') or not target:
            continue
        file_part, _, anchor = target.partition('#')
        file_part = unquote(file_part.split('?', 1)[0])
        where = osp.normpath(osp.join(osp.dirname(path), file_part))
        name = f'{osp.relpath(path, root)}:{line}: {target}'
        if osp.isabs(file_part):
            out.append(f'{name} (absolute path)')
        elif not osp.exists(where):
            out.append(f'{name} (no such file or folder)')
        elif not where.startswith(root + osp.sep) and where != root:
            out.append(f'{name} (outside the repository)')
        elif anchor and where.endswith('.md') and anchor not in heading_ids(where):
            out.append(f'{name} (no heading with this id)')
    return out


def test_the_documentation_is_there():
    names = [osp.relpath(f, REPO) for f in doc_files()]
    for name in ('README.md', 'docs/get_started.md', 'docs/results/synthetic_benchmark.md',
                 'configs/ravs/README.md', 'configs/synthetic/README.md',
                 'configs/mixing/README.md'):
        assert name in names


@pytest.mark.parametrize('path', doc_files(), ids=lambda p: osp.relpath(p, REPO))
def test_relative_links_resolve(path):
    assert broken_links(path) == []


def test_a_broken_link_is_found(tmp_path):
    (tmp_path / 'there.md').write_text('# A title\n\n## `code` and more (x, y)\n')
    page = tmp_path / 'page.md'
    page.write_text('[ok](there.md) ![img](there.md) [web](https://example.org/missing)\n'
                    '[anchor](#nowhere) [ok anchor](there.md#code-and-more-x-y)\n'
                    '`[in code](missing0.md)`\n```\n[in a fence](missing1.md)\n```\n'
                    '[gone](missing2.md) ![gone picture](img/missing3.png "title")\n'
                    '[bad anchor](there.md#nope) [`code` text](missing4.md#a)\n'
                    '[ref]: missing5.md\n<img src="missing6.png" width="10">\n')
    found = broken_links(str(page), root=str(tmp_path))
    assert [f.split(': ', 1)[1] for f in found] == [
        'missing2.md (no such file or folder)',
        'img/missing3.png (no such file or folder)',
        'there.md#nope (no heading with this id)',
        'missing4.md#a (no such file or folder)',
        'missing5.md (no such file or folder)',
        'missing6.png (no such file or folder)',
    ]
    assert found[0].startswith('page.md:7: ')
