#!/usr/bin/env bash
# GeoParquet in and out, side by side (issue 22): the crate's audit example (the `parquet`
# feature, `--format parquet`), DuckDB-spatial and SedonaDB, each reading the same GeoParquet
# and writing GeoParquet, geodesic/ellipsoidal areas. Prints engine, wall seconds and peak RSS
# (MiB) of each run, from /usr/bin/time -v; the logs hold each engine's stage timings.
#
#   bash scripts/bench_parquet.sh [N]             # default N=1000000 parcels
#   REPEATS=2 DATA=/tmp/bench1m bash scripts/bench_parquet.sh
#
# Needs the peer folder as $SHARED (default ../shared) and
#   pip install sedonadb pyarrow pyogrio pyproj shapely
#   pip install duckdb==1.5.5 duckdb-extensions==1.5.5 duckdb-extension-spatial==1.5.5
# The data (gen.py --seed 1, then to_parquet.py, ~3 min at 1M) go to $DATA (default
# target/bench-parquet/data-nN) and are kept for another run; outputs and logs go beside.
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${SHARED:-../shared}
N=${1:-1000000}
WORK=${WORK:-target/bench-parquet}
DATA=${DATA:-$WORK/data-n$N}
REPEATS=${REPEATS:-2}
PEER=$(cd "$SHARED/peer" && pwd)
mkdir -p "$WORK"
cargo build --release --features parquet --example audit >/dev/null 2>&1
AUDIT="${CARGO_TARGET_DIR:-target}/release/examples/audit"
if [ ! -f "$DATA/parks.parquet" ]; then
  python3 "$PEER/gen.py" --n "$N" --seed 1 --out "$DATA" >/dev/null
  python3 "$PEER/to_parquet.py" --data "$DATA" >/dev/null
fi

measure() { # name log command...
  local name=$1 log=$2
  shift 2
  /usr/bin/time -v "$@" >"$log" 2>&1 || { echo "$name failed, see $log" >&2; return 1; }
  local wall rss
  wall=$(grep 'Elapsed (wall clock)' "$log" | awk '{print $NF}')
  rss=$(grep 'Maximum resident' "$log" | awk '{print $NF}')
  wall=$(echo "$wall" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
  echo "$name $wall $((rss / 1024))"
}

cat "$DATA"/*.parquet >/dev/null # every engine starts with the inputs in the page cache
for rep in $(seq "$REPEATS"); do
  rm -rf "$WORK"/out-*
  sync
  measure crate "$WORK/crate-$rep.log" "$AUDIT" --parcels "$DATA/parcels.parquet" \
    --enterprises "$DATA/enterprises.parquet" --parks "$DATA/parks.parquet" \
    --format parquet --out "$WORK/out-crate"
  measure duckdb "$WORK/duckdb-$rep.log" python3 "$PEER/reference_duckdb.py" --data "$DATA" \
    --area geodesic --input parquet --format parquet --out "$WORK/out-duckdb"
  measure sedonadb "$WORK/sedonadb-$rep.log" python3 "$PEER/reference_sedonadb.py" --data "$DATA" \
    --area ellipsoidal --input parquet --format parquet --out "$WORK/out-sedonadb"
done
