#!/usr/bin/env bash
# The browser test of report.html (issue 21): headless Chromium opens the fixture zone's
# report at its deep links and checks the cards the page's script fills.
#
#   bash scripts/check_browser.sh
#
# - #parcel=ID of a low-efficiency parcel: the card holds its id and each of its reasons in
#   Chinese words (written out below, independently of the page's own table), and no English
#   word;
# - #park=ID: the card names the park and links every parcel of the park (from parcels.csv);
# - #firm=ID: the card holds the firm's id and name and links its parcel;
# - the same parcel in the --lang en report: its reasons in English words.
#
# Installs Debian's chromium with apt-get when it is missing. Exits non-zero on any failure.
# Nothing here needs the network but that install: the report is self-contained.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1; then
  apt-get update >/dev/null && apt-get install -y chromium >/dev/null
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo build --quiet --example audit
audit="${CARGO_TARGET_DIR:-target}/debug/examples/audit"
"$audit" --quiet --out "$work/zh" >/dev/null
"$audit" --quiet --lang en --out "$work/en" >/dev/null
# The same zone as a large audit's page: the map a grid until zoomed in, the parcels and
# firms in report_files/ beside it, loaded by the page as scripts.
{ cat fixtures/zone/thresholds.toml; printf '\n[report]\nmax_parcels_drawn = 10\n'; } >"$work/tiled.toml"
"$audit" --quiet --parcels fixtures/zone/parcels.geojson --enterprises fixtures/zone/enterprises.geojson \
  --parks fixtures/zone/parks.geojson --config "$work/tiled.toml" --out "$work/tiled" >/dev/null
python3 - "$work" <<'PY'
import csv, html, os, re, subprocess, sys, tempfile, time
work = sys.argv[1]

ZH = {"investment": "亩均投资低于最低值", "tax": "亩均税收低于最低值", "output": "亩均产出低于最低值",
      "plot_ratio": "容积率低于最低值", "idle": "无企业或零产出", "contract_investment": "投资未达供地合同约定",
      "contract_tax": "税收未达供地合同约定", "contract_output": "产出未达供地合同约定",
      "contract_plot_ratio": "容积率未达供地合同约定"}
EN = {"investment": "investment per mu below the minimum", "tax": "tax per mu below the minimum",
      "output": "output per mu below the minimum", "plot_ratio": "plot ratio below the minimum",
      "idle": "no firm, or zero output", "contract_investment": "investment short of the land contract",
      "contract_tax": "tax short of the land contract", "contract_output": "output short of the land contract",
      "contract_plot_ratio": "plot ratio short of the land contract"}
failures = []

def check(ok, what):
    print(("ok    " if ok else "FAIL  ") + what)
    if not ok:
        failures.append(what)

def table(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))

def card(page, fragment):
    """The card's HTML and text after Chromium ran the page at `page#fragment`."""
    with tempfile.TemporaryDirectory() as profile:
        t = time.monotonic()
        out = subprocess.run(
            ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--user-data-dir=" + profile, "--virtual-time-budget=5000", "--dump-dom",
             "file://" + page + "#" + fragment],
            capture_output=True, text=True, timeout=120).stdout
        wall = time.monotonic() - t
    m = re.search(r'<aside id="card"[^>]*>(.*?)</aside>', out, re.S)
    ready = re.search(r'data-ready-ms="(\d+)"', out)
    inner = m.group(1) if m else ""
    text = html.unescape(re.sub(r"<[^>]+>", " ", inner))
    print(f"      {fragment}: ready {ready.group(1) if ready else '?'} ms, chromium {wall:.1f} s")
    return inner, text, bool(ready)

parcels = table(f"{work}/zh/parcels.csv")
low = [p for p in parcels if p["low_efficiency"] == "true" and p["reasons"]]
check(len(low) > 0, "the fixture has low-efficiency parcels")
# The one with the most reasons, so that every reason it has is looked for.
p = max(low, key=lambda p: len(p["reasons"].split(";")))
reasons = p["reasons"].split(";")
page = f"{work}/zh/report.html"

inner, text, ready = card(page, "parcel=" + p["parcel_id"])
check(ready, "zh: the script ran")
check(p["parcel_id"] in text, f"zh #parcel={p['parcel_id']}: the card holds its id")
for r in reasons:
    check(ZH[r] in text, f"zh #parcel={p['parcel_id']}: reason {r} as {ZH[r]}")
english = [w for w in re.findall(r"[A-Za-z]{3,}", text) if w not in p["parcel_id"]]
check(not english, f"zh #parcel=: no English word in the card ({english[:5]})")

park = p["park_id"] or "K3"
inner, text, _ = card(page, "park=" + park)
mine = sorted(q["parcel_id"] for q in parcels if q["park_id"] == park)
linked = sorted(set(re.findall(r'href="#parcel=([^"]+)"', inner)))
check(f"园区 {park}" in text, f"zh #park={park}: the card names the park")
check(linked == mine, f"zh #park={park}: links its {len(mine)} parcels ({len(linked)} linked)")

firms = table(f"{work}/zh/enterprises.csv")
f = next(e for e in firms if e["parcel_id"] and e["name"])
inner, text, _ = card(page, "firm=" + f["enterprise_id"])
check(f["enterprise_id"] in text and f["name"] in text, f"zh #firm={f['enterprise_id']}: id and name")
check(f'href="#parcel={f["parcel_id"]}"' in inner, f"zh #firm=: links its parcel {f['parcel_id']}")

inner, text, _ = card(page, "parcel=NO-SUCH-PARCEL")
check("未找到" in text and "NO-SUCH-PARCEL" in text, "zh #parcel= of no parcel: says so")

inner, text, ready = card(f"{work}/en/report.html", "parcel=" + p["parcel_id"])
check(ready and p["parcel_id"] in text, f"en #parcel={p['parcel_id']}: the card holds its id")
for r in reasons:
    check(EN[r] in text, f"en #parcel=: reason {r} as '{EN[r]}'")

# The large audit's page: the same cards, from the files beside it.
tiled = f"{work}/tiled/report.html"
check(os.path.isdir(f"{work}/tiled/report_files"), "tiled: report_files/ written beside the page")
inner, text, ready = card(tiled, "parcel=" + p["parcel_id"])
check(ready and p["parcel_id"] in text, f"tiled #parcel={p['parcel_id']}: the card holds its id")
for r in reasons:
    check(ZH[r] in text, f"tiled #parcel=: reason {r} as {ZH[r]}")
inner, text, _ = card(tiled, "firm=" + f["enterprise_id"])
check(f["enterprise_id"] in text and f["name"] in text, f"tiled #firm={f['enterprise_id']}: id and name")
inner, text, _ = card(tiled, "park=" + park)
linked = sorted(set(re.findall(r'href="#parcel=([^"]+)"', inner)))
check(linked == mine, f"tiled #park={park}: links its {len(mine)} parcels once zoomed in ({len(linked)} linked)")
inner, text, _ = card(tiled, "parcel=NO-SUCH-PARCEL")
check("未找到" in text, "tiled #parcel= of no parcel: says so")
sys.exit(1 if failures else 0)
PY
