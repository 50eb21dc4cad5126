#!/usr/bin/env bash
# The report's pictures and timings (issue 21): screenshots of the fixture zone, a 10k zone
# with [evaluation], and a large zone (1M parcels by default) zoomed into one park, with each
# page's size and its load and first-draw times in headless Chromium.
#
#   bash scripts/screenshots.sh OUT [PARCELS]      # SHARED=../shared by default
#
# Writes OUT/fixture.png, OUT/10k-evaluation.png, OUT/large.png, OUT/large-park.png and
# OUT/large-parcel.png, and prints
# per page: the HTML's size (and report_files/'s), "ready" (ms from navigation until the
# page's script had run: the map drawn, the card of a link filled) and, for a large audit,
# "drawn" (ms until the tiles the link needed were loaded and drawn). Times are Chromium's
# own clock in real time (not the virtual time of the screenshots); on a shared machine they
# vary, so compare pages measured in one run. Generating 1M parcels takes a few minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath -m "${1:?usage: screenshots.sh OUT [PARCELS]}")
big=${2:-1000000}
SHARED=${SHARED:-../shared}
mkdir -p "$out"
cargo build --quiet --release --example audit
audit="${CARGO_TARGET_DIR:-target}/release/examples/audit"
data="$out/data"
[ -f "$data/10k/parcels.geojson" ] || python3 "$SHARED/peer/gen.py" --n 10000 --seed 1 --out "$data/10k" >/dev/null
[ -f "$data/big/parcels.geojson" ] || python3 "$SHARED/peer/gen.py" --n "$big" --seed 1 --out "$data/big" >/dev/null
cat >"$out/evaluation.toml" <<'TOML'
[report]
title = "示范开发区"
year = 2024

[evaluation]
pooled = true
classes = "percentile"
bands = [0.2, 0.6, 0.9]

[evaluation.all]
indicators = [
  { indicator = "tax_per_mu", weight = 50, benchmark = 20.0 },
  { indicator = "output_per_mu", weight = 50, benchmark = 400.0 },
]
TOML
"$audit" --quiet --out "$out/fixture" || true
layers() { echo --parcels "$1/parcels.geojson" --enterprises "$1/enterprises.geojson" --parks "$1/parks.geojson"; }
# shellcheck disable=SC2046
"$audit" --quiet $(layers "$data/10k") --config "$out/evaluation.toml" --out "$out/10k" || true
# shellcheck disable=SC2046
"$audit" --quiet $(layers "$data/big") --out "$out/big" || true
# A low-efficiency parcel from the middle of the file, and the fourth park.
parcel=$(python3 -c 'import csv,sys; r=[p["parcel_id"] for p in csv.DictReader(open(sys.argv[1],encoding="utf-8-sig")) if p["low_efficiency"]=="true"]; print(r[len(r)//2])' "$out/big/parcels.csv")
park=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["features"][3]["properties"]["park_id"])' "$data/big/parks.geojson")

shot() { bash scripts/screenshot.sh "$1" "$2" 1200 "$3" | sed 's/^/  /'; }
shot "$out/fixture/report.html#parcel=P01-07" "$out/fixture.png" 1500
shot "$out/10k/report.html" "$out/10k-evaluation.png" 2400
shot "$out/big/report.html" "$out/large.png" 1400
shot "$out/big/report.html#park=$park" "$out/large-park.png" 1400
shot "$out/big/report.html#parcel=$parcel" "$out/large-parcel.png" 1100

# Real-time figures: Chromium runs the page for 20 s and the page's attributes are read.
timing() {
  local profile
  profile=$(mktemp -d)
  chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --user-data-dir="$profile" --window-size=1200,1400 \
    --timeout=20000 --dump-dom "file://$1" 2>/dev/null |
    python3 -c 'import re,sys; s=sys.stdin.read(); r=re.search(r"data-ready-ms=\"(\d+)\"",s); d=re.search(r"data-drawn-ms=\"(\d+)\"",s); print("ready", r.group(1) if r else "?", "ms", ("drawn " + d.group(1) + " ms") if d else "", "·", s[:s.find("</svg>")].count("class=\"parcel "), "parcels drawn")'
  rm -rf "$profile"
}
size() { du -sh "$1" | cut -f1; }
printf 'fixture   report.html %s · ' "$(size "$out/fixture/report.html")"; timing "$out/fixture/report.html"
printf '10k       report.html %s · ' "$(size "$out/10k/report.html")"; timing "$out/10k/report.html"
printf 'large     report.html %s + report_files/ %s · ' "$(size "$out/big/report.html")" "$(size "$out/big/report_files")"; timing "$out/big/report.html"
printf 'large #park=%s · ' "$park"; timing "$out/big/report.html#park=$park"
printf 'large #parcel=%s · ' "$parcel"; timing "$out/big/report.html#parcel=$parcel"
