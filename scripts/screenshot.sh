#!/usr/bin/env bash
# Opens a report.html in headless Chromium and saves a full-page screenshot (PNG), printing
# how long loading and rendering took.
#
#   bash scripts/screenshot.sh audit-out/report.html [out.png] [width] [height]
#
# Needs Debian's chromium (apt-get install -y chromium); nothing else, and no network: the
# report is self-contained, and Chromium is started with its background networking off.
set -euo pipefail
report=$(realpath "$1")
out=${2:-${report%.html}.png}
width=${3:-1200}
height=${4:-2600}
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ]; then
  echo "no chromium: apt-get install -y chromium" >&2
  exit 2
fi
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
start=$(date +%s.%N)
"$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$profile" --hide-scrollbars --window-size="$width,$height" \
  --screenshot="$out" "file://$report" >/dev/null 2>&1
end=$(date +%s.%N)
echo "screenshot $out ($(stat -c %s "$out") bytes) of $(stat -c %s "$report") bytes of HTML in $(echo "$end - $start" | bc) s"
