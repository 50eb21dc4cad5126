#!/usr/bin/env bash
# Opens a report.html in headless Chromium and saves a full-page screenshot (PNG), printing
# how long loading and rendering took.
#
#   bash scripts/screenshot.sh audit-out/report.html[#park=K3] [out.png] [width] [height]
#
# A link (#parcel=, #park=, #firm=) is followed before the picture is taken: the map zoomed
# there, its card open, a large audit's tiles loaded (Chromium's virtual time runs the page
# for up to 20 s first).
#
# Needs Debian's chromium (apt-get install -y chromium); nothing else, and no network: the
# report is self-contained, and Chromium is started with its background networking off.
set -euo pipefail
page=${1%%#*}
fragment=${1#"$page"}
report=$(realpath "$page")
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
  --virtual-time-budget=20000 --screenshot="$out" "file://$report$fragment" >/dev/null 2>&1
end=$(date +%s.%N)
echo "screenshot $out ($(stat -c %s "$out") bytes) of $(stat -c %s "$report") bytes of HTML in $(echo "$end - $start" | bc) s"
