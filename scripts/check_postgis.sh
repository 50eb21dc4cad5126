#!/usr/bin/env bash
# The PostGIS example against a real PostgreSQL/PostGIS (issue 19).
#
#   bash scripts/check_postgis.sh            # SHARED=../shared by default; PORT=54329
#
# - installs Debian's postgresql and postgresql-postgis with apt-get when they are missing;
# - starts a throwaway cluster (initdb into a temporary folder, as the postgres user, on
#   port $PORT with its unix socket in that folder and no TCP listener) and stops it and
#   removes the folder on exit, whatever happens;
# - loads the peer set's three layers (gen.py --n 10000 --seed 1 --projected) in EPSG:4549,
#   runs examples/postgis.rs, and checks that audit_summary equals the file audit of the same
#   files (examples/audit.rs, summary.json, names and timings aside) and that audit_parcels
#   holds every parcel of parcels.csv with the same figures, and its geometry the area
#   PostGIS measures in EPSG:4549;
# - in a copy of the database, adds a firm with a negative tax, a parcel with no geometry, a
#   self-intersecting one, a curved one and a firm whose point is a triangle: each ends in
#   audit_rejected with its id, every other row is audited; then, the bad rows removed, a
#   second run replaces the tables, not appends.
# Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${SHARED:-../shared}
PORT=${PORT:-54329}
started=$(date +%s)

# The bin folder of the newest PostgreSQL that has PostGIS installed, if any: its extension's
# control file (a package of SQL scripts) and its library (another package) both there.
pg_with_postgis() {
  local lib version
  for lib in $(ls -d /usr/lib/postgresql/*/lib/postgis-3.so 2>/dev/null | sort -rV); do
    version=${lib#/usr/lib/postgresql/}
    version=${version%%/*}
    if [ -f "/usr/share/postgresql/$version/extension/postgis.control" ] \
      && [ -x "/usr/lib/postgresql/$version/bin/initdb" ]; then
      echo "/usr/lib/postgresql/$version/bin"
      return 0
    fi
  done
  return 1
}
if ! PG=$(pg_with_postgis); then
  if [ "$(id -u)" != 0 ]; then
    echo "error: PostgreSQL with PostGIS is not installed: apt-get install postgresql postgresql-postgis (as root)" >&2
    exit 1
  fi
  apt-get update >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    postgresql postgresql-postgis >/dev/null
  PG=$(pg_with_postgis)
fi

# PostgreSQL refuses to run as root: as root, the server runs as the postgres user the
# package made, in folders it owns.
work=$(mktemp -d /tmp/check_postgis.XXXXXX)
chmod 755 "$work"
mkdir -p "$work/pgdata" "$work/socket"
if [ "$(id -u)" = 0 ]; then
  chown postgres:postgres "$work/pgdata" "$work/socket"
  as_postgres() { runuser -u postgres -- "$@"; }
else
  as_postgres() { "$@"; }
fi
cleanup() {
  if [ -f "$work/pgdata/postmaster.pid" ]; then
    as_postgres "$PG/pg_ctl" -D "$work/pgdata" -m immediate stop >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

as_postgres "$PG/initdb" -D "$work/pgdata" -U postgres --auth=trust --encoding=UTF8 \
  --locale=C.UTF-8 --no-sync >/dev/null
as_postgres "$PG/pg_ctl" -D "$work/pgdata" -l "$work/socket/server.log" -w \
  -o "-p $PORT -k $work/socket -c listen_addresses='' -c fsync=off" start >/dev/null
export PGHOST="$work/socket" PGPORT="$PORT" PGUSER=postgres PGDATABASE=postgres PGCLIENTENCODING=UTF8
psql() { command psql -X -q -v ON_ERROR_STOP=1 "$@"; }
psql -d postgres -c "CREATE DATABASE zone"
psql -d zone -c "CREATE EXTENSION postgis"

# The three layers, as a loader would put them: one typed column per property, the geometry
# with its SRID.
data="$work/n10k"
python3 "$SHARED/peer/gen.py" --n 10000 --seed 1 --out "$data" --projected >/dev/null
python3 - "$data" >"$work/load.sql" <<'PY'
import json, sys
data = sys.argv[1]

def text(v):
    if v is None:
        return r"\N"
    s = json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else str(v)
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")

for layer in ("parcels", "enterprises", "parks"):
    with open(f"{data}/{layer}_4549.geojson", encoding="utf-8") as f:
        features = json.load(f)["features"]
    names = []
    for feature in features:
        names += [k for k in feature["properties"] if k not in names]
    def sql_type(name):
        values = [f["properties"].get(name) for f in features]
        numbers = all(isinstance(v, (int, float)) for v in values if v is not None)
        return "double precision" if numbers else "text"
    columns = ", ".join(f'"{n}" {sql_type(n)}' for n in names)
    print(f"CREATE TABLE {layer}_load (ord serial, {columns}, geojson text);")
    print(f"COPY {layer}_load ({', '.join(chr(34) + n + chr(34) for n in names)}, geojson) FROM STDIN;")
    for feature in features:
        cells = [text(feature["properties"].get(n)) for n in names]
        cells.append(text(json.dumps(feature["geometry"])))
        print("\t".join(cells))
    print("\\.")
    print(f"CREATE TABLE {layer} AS SELECT {', '.join(chr(34) + n + chr(34) for n in names)}, "
          f"ST_SetSRID(ST_GeomFromGeoJSON(geojson), 4549) AS geom FROM {layer}_load ORDER BY ord;")
    print(f"DROP TABLE {layer}_load;")
PY
psql -d zone -f "$work/load.sql"

cargo build --quiet --example audit --example postgis
bin="${CARGO_TARGET_DIR:-target}/debug/examples"
"$bin/audit" --quiet --parcels "$data/parcels_4549.geojson" \
  --enterprises "$data/enterprises_4549.geojson" --parks "$data/parks_4549.geojson" \
  --out "$work/files"
db="host=$work/socket port=$PORT user=postgres dbname=zone"
t=$(date +%s.%N)
"$bin/postgis" --db "$db"
echo "postgis example, 10k parcels: $(python3 -c "import time; print(f'{time.time() - $t:.2f}')") s"

# Compares the database's tables with the file audit; the bad rows' rejections when asked.
check() {
  python3 - "$work/files" "$1" "${2:-}" <<'PY'
import csv, json, math, subprocess, sys
files, dbname, bad = sys.argv[1], sys.argv[2], sys.argv[3] == "bad"
failures = []

def query(sql):
    out = subprocess.run(["psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-d", dbname, "-c", sql],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out) if out.strip() else None

def same(a, b, where):
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            same(a.get(k), b.get(k), f"{where}.{k}")
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, f"{where}[{i}]")
    elif a != b:  # figures too, exactly: both are the audit's doubles, written in full
        failures.append(f"{where}: file {a!r} database {b!r}")

# The summary: every figure exactly, the names of the inputs (files here, tables there) aside.
with open(f"{files}/summary.json", encoding="utf-8") as f:
    expected = json.load(f)
got = query("SELECT json_agg(summary) FROM audit_summary")
if got is None or len(got) != 1:
    failures.append(f"audit_summary: {0 if got is None else len(got)} rows, one expected")
    got = [{}]
got = got[0]
for s in (expected, got):
    s.pop("crs", None)
if bad:
    # Three more records read and rejected; the rest as in the file audit.
    for layer, n in (("parcels", 3), ("enterprises", 2)):
        expected[layer]["read"] += n
        expected[layer]["rejected"] += n
same(expected, got, "summary")
if not bad:
    print(f"audit_summary equals the file audit's summary.json "
          f"({expected['parcels']['evaluated']} parcels, {expected['low_efficiency_count']} low)")

# Every parcel of parcels.csv, each column's value the same (figures exactly).
with open(f"{files}/parcels.csv", encoding="utf-8-sig", newline="") as f:
    rows = list(csv.DictReader(f))
table = {r["parcel_id"]: r for r in query("SELECT json_agg(to_jsonb(t) - 'geom') FROM audit_parcels t")}
if set(table) != {r["parcel_id"] for r in rows} or len(table) != len(rows):
    failures.append(f"audit_parcels: {len(table)} parcels, parcels.csv {len(rows)}")
def cell(v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return ";".join(v)
    return v
compared = 0
for r in rows:
    t = table.get(r["parcel_id"], {})
    for column, text in r.items():
        v = cell(t.get(column))
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            ok = text != "" and float(text) == v
        else:
            ok = text == v
        compared += 1
        if not ok and len(failures) < 20:
            failures.append(f"audit_parcels {r['parcel_id']} {column}: csv {text!r} database {v!r}")
# The geometry written back: in WGS84, each parcel's area as PostGIS measures it in EPSG:4549
# (its own PROJ) within a millionth of the audit's planar area_m2.
geo = query("SELECT json_agg(json_build_array(parcel_id, ST_SRID(geom), "
            "ST_Area(ST_Transform(geom, 4549)), area_m2)) FROM audit_parcels")
for pid, srid, area, area_m2 in geo:
    if srid != 4326 or not math.isclose(area, area_m2, rel_tol=1e-6):
        failures.append(f"audit_parcels {pid}: SRID {srid}, PostGIS area {area} m², audit {area_m2}")
        break
# ... and vertex for vertex the geometry of the file audit's parcels.geojson.
with open(f"{files}/parcels.geojson", encoding="utf-8") as f:
    shapes = [(x["properties"]["parcel_id"], json.dumps(x["geometry"])) for x in json.load(f)["features"]]
script = ("CREATE TEMP TABLE file_shape (parcel_id text, g text);\nCOPY file_shape FROM STDIN;\n"
          + "".join(f"{pid}\t{g}\n" for pid, g in shapes) + "\\.\n"
          "SELECT json_build_array(count(f.parcel_id), count(*) FILTER (WHERE "
          "ST_OrderingEquals(a.geom, ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(f.g), 4326))))) "
          "FROM audit_parcels a LEFT JOIN file_shape f USING (parcel_id);\n")
out = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", dbname], input=script,
                     check=True, capture_output=True, text=True).stdout
matched, equal = json.loads(out)
if not (matched == equal == len(shapes)):
    failures.append(f"audit_parcels: {equal} geometries equal to parcels.geojson's of {len(shapes)} "
                    f"({matched} parcels matched)")
if not bad:
    print(f"audit_parcels holds the {len(rows)} parcels of parcels.csv: {compared} values equal; "
          "geometries those of parcels.geojson, with the audit's area in EPSG:4549")

rejected = query("SELECT json_agg(json_build_array(layer, id, code)) FROM audit_rejected") or []
with open(f"{files}/rejected.csv", encoding="utf-8-sig", newline="") as f:
    base = len(list(csv.DictReader(f)))
if bad:
    for layer, rid in (("parcels", "BAD_NO_GEOMETRY"), ("parcels", "BAD_BOWTIE"),
                       ("parcels", "BAD_CURVE"), ("enterprises", "BAD_NEGATIVE_TAX"),
                       ("enterprises", "BAD_TRIANGLE")):
        hit = [r for r in rejected if r[0] == layer and r[1] == rid]
        if hit:
            print(f"audit_rejected: {layer} {rid} ({hit[0][2]})")
        else:
            failures.append(f"audit_rejected has no {layer} {rid}: {rejected}")
    if len(rejected) != base + 5:
        failures.append(f"audit_rejected: {len(rejected)} rows, {base + 5} expected")
elif len(rejected) != base:
    failures.append(f"audit_rejected: {len(rejected)} rows, rejected.csv {base}")
for counted in ("audit_enterprises", "audit_parks"):
    n = query(f"SELECT to_json(count(*)) FROM {counted}")
    want = expected["enterprises"]["read"] - expected["enterprises"]["rejected"] if counted == "audit_enterprises" \
        else expected["park_features"]["evaluated"]
    if n != want:
        failures.append(f"{counted}: {n} rows, {want} expected")
if failures:
    print("FAILED:\n  " + "\n  ".join(failures), file=sys.stderr)
    sys.exit(1)
PY
}
check zone

# Bad rows in a copy of the database: each rejected with its id, the others audited.
psql -d postgres -c "CREATE DATABASE zone_bad TEMPLATE zone"
psql -d zone_bad <<'SQL'
INSERT INTO parcels (parcel_id, land_use, industry, geom) VALUES
  ('BAD_NO_GEOMETRY', 'M1', '13', NULL),
  ('BAD_BOWTIE', 'M1', '13', ST_GeomFromText(
    'POLYGON((400000 3300000, 400100 3300100, 400100 3300000, 400000 3300100, 400000 3300000))', 4549)),
  -- Not a simple feature: the wkb crate would read it as a LineString.
  ('BAD_CURVE', 'M1', '13', ST_GeomFromText('CURVEPOLYGON(CIRCULARSTRING(400000 3300000, '
    '400100 3300100, 400200 3300000, 400100 3299900, 400000 3300000))', 4549));
INSERT INTO enterprises (enterprise_id, name, tax, investment, output, floor_area, geom) VALUES
  ('BAD_NEGATIVE_TAX', 'bad', -50, 100, 100, 100, ST_SetSRID(ST_MakePoint(390000, 3290000), 4549)),
  -- Read as a Point by the wkb crate, it would be a firm somewhere.
  ('BAD_TRIANGLE', 'bad', 1, 1, 1, 1, ST_GeomFromText(
    'TRIANGLE((390000 3290000, 390100 3290000, 390000 3290100, 390000 3290000))', 4549));
SQL
"$bin/postgis" --quiet --db "${db/dbname=zone/dbname=zone_bad}"
check zone_bad bad

# A second run replaces the tables: the bad rows gone, the tables are the file audit's again.
psql -d zone_bad -c "DELETE FROM parcels WHERE parcel_id LIKE 'BAD%'; DELETE FROM enterprises WHERE enterprise_id LIKE 'BAD%'"
"$bin/postgis" --quiet --db "${db/dbname=zone/dbname=zone_bad}"
check zone_bad
echo "a second run replaced the tables"
echo "check_postgis passed in $(( $(date +%s) - started )) s"
