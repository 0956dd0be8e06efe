"""tools/test.py --report: an HTML page with the metrics and every clip, worst J&F first,
screenshotted by tools/analysis/screenshot_report.sh when Chromium is installed; and the
clip pictures of AVSVisualizationHook(style='clip') drawn in the same run."""
import glob
import os
import os.path as osp
import re
import shutil
import subprocess
import sys

import mmcv
import pytest

from mmseg_avs.datasets.synthetic import generate_synthetic_avs
from mmseg_avs.visualization import write_html_report
from tests.test_apis.media import RAVS_CONFIG, REPO, save_untrained_checkpoint
from tests.test_tools.test_train_test_tools import cfg_options

CHROMIUM = next((shutil.which(b) for b in ('chromium', 'chromium-browser', 'google-chrome')
                 if shutil.which(b)), None)
ROW = re.compile(r'<tr class="\w*"><td class="num">(\d+)</td><td>([^<]+)</td>'
                 r'<td class="num">([^<]+)</td>')


def test_clips_sorted_worst_first_and_missing_scores_last(tmp_path):
    clips = [dict(clip_id=name, pictures={}, num_frames=5, **{'J&F': score, 'J': 0., 'F': 0.})
             for name, score in [('a', 80.0), ('b', float('nan')), ('c', 20.5), ('d', 55.0)]]
    page = write_html_report(str(tmp_path), clips, {'J&F': 51.0, 'J&F@silent': 70.0}, 'r')
    text = open(page).read()
    assert [m[1] for m in ROW.findall(text)] == ['c', 'd', 'a', 'b']
    assert '<th>silent</th>' in text  # the case tags' metrics get their own rows


def test_report_and_clip_pictures_of_a_test_run(tmp_path):
    root = str(tmp_path / 'ms3')
    generate_synthetic_avs(root, layout='ms3', preset='easy', image_size=32, seed=0,
                           num_clips={'train': 1, 'val': 1, 'test': 3}, progress=False)
    checkpoint = save_untrained_checkpoint(str(tmp_path / 'ravs.pth'))
    report, show = str(tmp_path / 'report'), str(tmp_path / 'show')
    test_args = ['--show-dir', show, '--cfg-options', *cfg_options(root, 2, 2),
                 'default_hooks.visualization.style=clip']
    env = dict(os.environ, PYTHON=sys.executable, REPORT_DIR=report)
    if CHROMIUM:  # the screenshot script runs tools/test.py --report, then the browser
        shot = str(tmp_path / 'shot.png')
        cmd = ['bash', 'tools/analysis/screenshot_report.sh', RAVS_CONFIG, checkpoint, shot]
    else:
        cmd = [sys.executable, 'tools/test.py', RAVS_CONFIG, checkpoint, '--report', report]
    res = subprocess.run(cmd + test_args, cwd=REPO, env=env, capture_output=True, text=True,
                         timeout=600)
    assert res.returncode == 0, (res.stdout + res.stderr)[-3000:]

    text = open(osp.join(report, 'index.html')).read()
    rows = ROW.findall(text)
    assert sorted(r[1] for r in rows) == [f'syn_test_0000{i}' for i in range(3)]
    scores = [float(r[2]) for r in rows]
    assert scores == sorted(scores) and all(0 <= s <= 100 for s in scores)
    for kind in ('frame', 'ground truth', 'prediction', 'uncertainty'):
        assert f'<th>{kind}</th>' in text
    for src in re.findall(r'<img src="([^"]+)"', text):
        picture = mmcv.imread(osp.join(report, src))
        assert picture.shape[0] == 48 and picture.shape[1] == 5 * 48  # 5 square frames
    assert '<th>all frames</th>' in text and '<th>J&amp;F</th>' in text
    if CHROMIUM:
        assert mmcv.imread(shot).shape[:2] == (1000, 1600)

    # style='clip': one picture per clip, rows frame / truth / prediction / uncertainty /
    # AMA groups (128 px each, under an 18 px title strip)
    pictures = glob.glob(osp.join(show, '**', '*.png'), recursive=True)
    assert sorted(osp.basename(p).rsplit('_', 1)[0] for p in pictures) == [
        f'test_syn_test_0000{i}' for i in range(3)]
    assert all(mmcv.imread(p).shape[0] == 18 + 5 * 128 for p in pictures)


def test_report_needs_an_avs_metric():
    from mmseg_avs.engine.hooks import AVSReportHook

    class Runner:
        test_evaluator = type('E', (), {'metrics': []})()

    with pytest.raises(ValueError, match='AVSMetric'):
        AVSReportHook(out_dir='unused').before_test_epoch(Runner())
