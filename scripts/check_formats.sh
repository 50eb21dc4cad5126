#!/usr/bin/env bash
# Every format, same summary, on the 10k peer set (issue 22): the generated zone (EPSG:4549) is
# written by GeoPandas/pyogrio (GDAL) into Shapefile in GBK with and without .cpg, zipped
# Shapefile, GeoPackage, and its lon/lat enterprises into an .xlsx with a title row
# (fixtures/zone/make_formats.py); each audits to the GeoJSON's summary.json byte for byte,
# apart from each layer's "file" and, by one per Shapefile layer (its encoding note) and one for
# the spreadsheet (its title row), "warning_count" (tests/formats.rs does the same on the
# fixture zone).
#
#   scripts/check_formats.sh [AUDIT_BINARY]     # default target/debug/examples/audit
#   GDAL_AUDIT=BINARY scripts/check_formats.sh  # also a File Geodatabase (gdal feature)
#   PARQUET_AUDIT=BINARY scripts/check_formats.sh  # also GeoParquet (parquet feature; pyarrow)
#
# Needs python3 with geopandas, pyogrio and openpyxl (pip install geopandas pyogrio openpyxl),
# and the peer generator in ${SHARED:-../shared}/peer. Exits 1 on the first difference.
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${SHARED:-../shared}
AUDIT=${1:-${CARGO_TARGET_DIR:-target}/debug/examples/audit}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

python3 "$SHARED/peer/gen.py" --n 10000 --seed 1 --out "$WORK/geojson" --projected >/dev/null
python3 fixtures/zone/make_formats.py --src "$WORK/geojson" --out "$WORK/formats" 2>/dev/null

# The dBASE field names are cut at 10 bytes: enterprise_id is "enterprise" in the Shapefiles.
printf '[fields.enterprises]\nenterprise_id = "enterprise"\n' >"$WORK/shp.toml"
: >"$WORK/none.toml"

# audit NAME CONFIG PARCELS ENTERPRISES PARKS: the summary with each "file" made <input> and
# warning_count less the warnings expected ($ADDED).
audit() {
  local name=$1 config=$2
  "$AUDIT" --quiet --config "$config" --parcels "$3" --enterprises "$4" --parks "$5" \
    --out "$WORK/out-$name" >"$WORK/$name.log" 2>&1 || {
    echo "FAIL $name: the audit stopped"; cat "$WORK/$name.log"; exit 1
  }
  python3 - "$WORK/out-$name/summary.json" "${ADDED:-0}" >"$WORK/$name.json" <<'EOF'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
text, files = re.subn(r'"file": "(?:[^"\\]|\\.)*"', '"file": "<input>"', text)
assert files == 3, files
def less(m):
    n = int(m.group(1)) - int(sys.argv[2])
    assert n >= 0, m.group(0)
    return f'"warning_count": {n}'
sys.stdout.write(re.sub(r'"warning_count": (\d+)', less, text, count=1))
EOF
}

# same NAME BASELINE: the summary of NAME is the baseline's, byte for byte; else every
# difference must be a sum of areas off in its last bits (relative 1e-14). A Shapefile stores
# an exterior ring clockwise (GeoJSON counter-clockwise), so a parcel's shoelace sum runs in
# the other order and can differ in its last bit; a few sums of areas by reason then do too
# (seen at 10k: 3 sums, 1 ulp each). Any other difference fails.
same() {
  if cmp -s "$WORK/$2.json" "$WORK/$1.json"; then
    echo "ok   $1: summary.json as the GeoJSON's ($2), byte for byte"
    return
  fi
  if python3 - "$WORK/$2.json" "$WORK/$1.json" <<'EOF'
import json, sys
a, b = (json.load(open(p, encoding="utf-8")) for p in sys.argv[1:3])
ulps = []
def walk(x, y, path):
    if isinstance(x, dict) and isinstance(y, dict) and x.keys() == y.keys():
        for k in x:
            walk(x[k], y[k], f"{path}.{k}")
    elif isinstance(x, list) and isinstance(y, list) and len(x) == len(y):
        for i, (u, v) in enumerate(zip(x, y)):
            walk(u, v, f"{path}[{i}]")
    elif x != y:
        area = path.endswith("area_mu") or path.endswith("area_m2")
        floats = isinstance(x, float) and isinstance(y, float)
        if area and floats and abs(x - y) <= 1e-14 * abs(x):
            ulps.append(f"{path}: {x!r} vs {y!r}")
        else:
            sys.exit(f"  {path}: {x!r} vs {y!r}")
walk(a, b, "")
print(f"  {len(ulps)} area sum(s) differ in their last bits only: " + "; ".join(ulps[:3]))
EOF
  then
    echo "ok   $1: summary.json as the GeoJSON's ($2) but for area sums' last bits"
  else
    echo "FAIL $1: summary.json differs from the GeoJSON's ($2):"
    diff "$WORK/$2.json" "$WORK/$1.json" | head -20
    exit 1
  fi
}

G=$WORK/geojson F=$WORK/formats
start=$(date +%s)
audit geojson "$WORK/none.toml" "$G/parcels_4549.geojson" "$G/enterprises_4549.geojson" "$G/parks_4549.geojson"
grep -q '"read": 10000,' "$WORK/geojson.json" || { echo "FAIL: the GeoJSON audit did not read 10000 parcels"; exit 1; }
for shp in shp_cpg shp_nocpg; do
  ADDED=3 audit "$shp" "$WORK/shp.toml" "$F/$shp/parcels.shp" "$F/$shp/enterprises.shp" "$F/$shp/parks.shp"
  same "$shp" geojson
done
ADDED=3 audit zip "$WORK/shp.toml" "$F/zip/parcels.zip" "$F/zip/enterprises.zip" "$F/zip/parks.zip"
same zip geojson
audit gpkg "$WORK/none.toml" "$F/zone.gpkg|layername=parcels" "$F/zone.gpkg|layername=enterprises" \
  "$F/zone.gpkg|layername=parks"
same gpkg geojson
# The spreadsheet holds the lon/lat enterprises: held to the GeoJSON audit of those.
audit lonlat "$WORK/none.toml" "$G/parcels_4549.geojson" "$G/enterprises.geojson" "$G/parks_4549.geojson"
ADDED=1 audit xlsx "$WORK/none.toml" "$G/parcels_4549.geojson" "$F/enterprises.xlsx" "$G/parks_4549.geojson"
same xlsx lonlat
# FileGDB, with an audit binary built with the gdal feature (GDAL_AUDIT=path; needs Debian's
# gdal-bin for ogr2ogr): the EPSG:4549 layers in one geodatabase, on a 1e-9 grid from 0 as
# tests/gdal.rs writes it (GDAL's default grid moves coordinates by up to its resolution).
if [ -n "${GDAL_AUDIT:-}" ]; then
  gdb="$WORK/zone.gdb"
  for layer in parcels enterprises parks; do
    args=("$gdb" "$G/${layer}_4549.geojson" -nln "$layer" -lco XORIGIN=0 -lco YORIGIN=0 -lco XYSCALE=1e9)
    [ "$layer" = parcels ] || args=(-update "${args[@]}")
    [ "$layer" = enterprises ] || args+=(-nlt MULTIPOLYGON)
    ogr2ogr -f OpenFileGDB "${args[@]}"
  done
  AUDIT=$GDAL_AUDIT audit gdb "$WORK/none.toml" "$gdb|layername=parcels" "$gdb|layername=enterprises" \
    "$gdb|layername=parks"
  # Its CRS is declared (EPSG:4549), as the GeoJSON's "crs" member declares it: nothing added.
  same gdb geojson
fi
# GeoParquet written by GeoPandas (WKB, the CRS as PROJJSON), with an audit binary built with
# the parquet feature (PARQUET_AUDIT=path). WKB's coordinates are read exactly, the GeoJSON's
# text by serde_json (which can be an ulp off): sums of areas may differ in their last bits.
if [ -n "${PARQUET_AUDIT:-}" ]; then
  for layer in parcels enterprises parks; do
    python3 -c 'import sys, geopandas as g; g.read_file(sys.argv[1]).to_parquet(sys.argv[2])' \
      "$G/${layer}_4549.geojson" "$WORK/$layer.parquet"
  done
  AUDIT=$PARQUET_AUDIT audit parquet "$WORK/none.toml" "$WORK/parcels.parquet" \
    "$WORK/enterprises.parquet" "$WORK/parks.parquet"
  same parquet geojson
fi
echo "every format audits to the GeoJSON's summary ($(($(date +%s) - start)) s of audits)"
