#!/usr/bin/env bash
# Evaluate a checkpoint with an HTML report (tools/test.py --report) and screenshot the page
# in headless Chromium.
#
#   tools/analysis/screenshot_report.sh CONFIG CHECKPOINT OUT_PNG [tools/test.py args ...]
#
# The report goes to ${REPORT_DIR:-work_dirs/report}; the window is ${WIDTH:-1600} x
# ${HEIGHT:-1000} pixels. The browser is ${CHROMIUM}, or the first of chromium,
# chromium-browser, google-chrome found (Debian: apt-get install chromium).
# docs/report_screenshot.png was made with the tiny RAVS config trained briefly on the
# synthetic set (see docs/segment_videos.md, "Evaluation report").
set -euo pipefail
if [ $# -lt 3 ]; then
  sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
CONFIG=$1
CHECKPOINT=$2
OUT_PNG=$3
shift 3
PYTHON=${PYTHON:-python}
REPORT_DIR=${REPORT_DIR:-work_dirs/report}
BROWSER=${CHROMIUM:-$(command -v chromium chromium-browser google-chrome | head -n 1 || true)}
if [ -z "$BROWSER" ]; then
  echo "error: no Chromium found; install it (apt-get install chromium) or set CHROMIUM" >&2
  exit 1
fi

"$PYTHON" tools/test.py "$CONFIG" "$CHECKPOINT" --report "$REPORT_DIR" \
  --work-dir "$REPORT_DIR/run" "$@"
mkdir -p "$(dirname "$OUT_PNG")"
# --no-sandbox: Chromium refuses to start as root otherwise (containers, CI);
# the virtual time budget lets the lazily loaded pictures arrive before the shot
"$BROWSER" --headless --no-sandbox --disable-gpu --hide-scrollbars \
  --window-size="${WIDTH:-1600},${HEIGHT:-1000}" --virtual-time-budget=5000 \
  --screenshot="$(realpath -m "$OUT_PNG")" "file://$(realpath "$REPORT_DIR")/index.html"
echo "screenshot: $OUT_PNG"
