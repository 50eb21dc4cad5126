#!/usr/bin/env python3
"""Checks that an audit's FlatGeobuf and GeoParquet outputs, read back by other tools, hold the
same parcels with the same figures as its parcels.geojson.

    python3 scripts/check_outputs.py OUT_DIR

OUT_DIR is an audit's output folder written with `--format geojson,fgb,parquet`. The GeoJSON is
read with Python's json module (no GIS library between the file and the figures); then
  - parcels.fgb with GDAL (pyogrio.read_dataframe) and with DuckDB (spatial's ST_Read),
  - parcels.parquet with GeoPandas (pyarrow and shapely; the GDAL of pyogrio's wheels has no
    Parquet driver) and with DuckDB (read_parquet),
and every property of every parcel must equal the GeoJSON's: numbers exactly (the same f64),
texts, yes/no, lists (a list in GeoParquet, JSON text in FlatGeobuf), nulls; every geometry
must have the same coordinates, in order. The `geo` metadata of parcels.parquet must be
GeoParquet 1.1.0 with the geometry types and bbox of the data and the CRS as PROJJSON
(OGC:CRS84). The same for parks.*. Exits 1 naming the first differences found.

Needs: pip install pyogrio geopandas pyarrow duckdb==1.5.5 duckdb-extensions==1.5.5
duckdb-extension-spatial==1.5.5
"""
import json
import math
import pathlib
import sys

import duckdb
import geopandas
import numpy as np
import pyarrow.parquet as pq
import pyogrio
import shapely

FAILURES = []


def fail(message):
    FAILURES.append(message)
    if len(FAILURES) <= 20:
        print("FAIL", message)


def geojson_features(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)["features"]


def same(expected, got, list_as_json):
    """Whether a value read back equals the GeoJSON's."""
    if isinstance(got, float) and math.isnan(got):
        got = None
    if hasattr(got, "tolist"):
        got = got.tolist()
    if got is not None and hasattr(got, "item") and not isinstance(got, (list, str)):
        got = got.item()
    if expected is None:
        return got is None
    if isinstance(expected, list):
        if list_as_json and isinstance(got, str):
            got = json.loads(got)
        return list(got or []) == expected
    if isinstance(expected, dict):
        # An object (a park's parcels by reason) is JSON text in both formats.
        return isinstance(got, str) and json.loads(got) == expected
    if isinstance(expected, bool):
        return got is not None and bool(got) == expected
    if isinstance(expected, (int, float)):
        return got is not None and float(got) == float(expected)
    return got == expected


def coordinates(geometry):
    return shapely.get_coordinates(geometry)


def compare(name, expected, rows, geometries, key, list_as_json):
    """`rows`: a list of dicts read back; `geometries`: shapely geometries, same order."""
    if len(rows) != len(expected):
        fail(f"{name}: {len(rows)} features, the GeoJSON has {len(expected)}")
        return
    by_key = {r[key]: (r, g) for r, g in zip(rows, geometries)}
    checked, failures = 0, len(FAILURES)
    for feature in expected:
        props = feature["properties"]
        found = by_key.get(props[key])
        if found is None:
            fail(f"{name}: {key} {props[key]} missing")
            continue
        row, geometry = found
        for k, v in props.items():
            if k not in row:
                fail(f"{name}: no column {k}")
                return
            if not same(v, row[k], list_as_json):
                fail(f"{name}: {key} {props[key]}: {k} is {row[k]!r}, the GeoJSON says {v!r}")
            checked += 1
        want = coordinates(shapely.geometry.shape(feature["geometry"]))
        if not np.array_equal(coordinates(geometry), want):
            fail(f"{name}: {key} {props[key]}: the coordinates differ")
    if len(FAILURES) == failures:
        print(f"ok   {name}: {len(expected)} features, {checked} values equal the GeoJSON's")


def read_duckdb(con, sql):
    cur = con.execute(sql)
    cols = [d[0] for d in cur.description]
    rows = [dict(zip(cols, r)) for r in cur.fetchall()]
    geometries = shapely.from_wkb([r.pop("__wkb") for r in rows])
    return rows, geometries


def check_geo_metadata(path, features):
    geo = json.loads(pq.read_metadata(path).metadata[b"geo"])
    col = geo["columns"][geo["primary_column"]]
    if geo["version"] != "1.1.0" or col["encoding"] != "WKB":
        fail(f"{path.name}: geo metadata {geo['version']} {col['encoding']}")
    types = sorted({f["geometry"]["type"] for f in features})
    if sorted(col["geometry_types"]) != types:
        fail(f"{path.name}: geometry_types {col['geometry_types']}, the data {types}")
    bounds = shapely.total_bounds([shapely.geometry.shape(f["geometry"]) for f in features])
    if not np.array_equal(np.array(col["bbox"]), bounds):
        fail(f"{path.name}: bbox {col['bbox']}, the data {bounds.tolist()}")
    crs_id = (col.get("crs") or {}).get("id", {})
    if crs_id != {"authority": "OGC", "code": "CRS84"}:
        fail(f"{path.name}: crs id {crs_id}")
    if FAILURES:
        return
    print(f"ok   {path.name}: geo metadata 1.1.0, {types}, bbox, OGC:CRS84")


def main():
    out = pathlib.Path(sys.argv[1])
    con = duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    import duckdb_extension_spatial
    ext = pathlib.Path(duckdb_extension_spatial.__file__).parent / "extensions" / f"v{duckdb.__version__}" / "spatial.duckdb_extension"
    con.execute(f"LOAD '{ext}'")
    for layer, key in [("parcels", "parcel_id"), ("parks", "park_id")]:
        expected = geojson_features(out / f"{layer}.geojson")
        fgb, parquet = out / f"{layer}.fgb", out / f"{layer}.parquet"
        df = pyogrio.read_dataframe(fgb)
        compare(f"{fgb.name} by GDAL", expected, df.drop(columns="geometry").to_dict("records"),
                list(df.geometry), key, True)
        rows, geoms = read_duckdb(con, f"SELECT * EXCLUDE geom, ST_AsWKB(geom) AS __wkb FROM ST_Read('{fgb}')")
        compare(f"{fgb.name} by DuckDB", expected, rows, geoms, key, True)
        gdf = geopandas.read_parquet(parquet)
        compare(f"{parquet.name} by GeoPandas", expected, gdf.drop(columns="geometry").to_dict("records"),
                list(gdf.geometry), key, False)
        rows, geoms = read_duckdb(
            con, f"SELECT * EXCLUDE geometry, ST_AsWKB(geometry) AS __wkb FROM read_parquet('{parquet}')")
        compare(f"{parquet.name} by DuckDB", expected, rows, geoms, key, False)
        check_geo_metadata(parquet, expected)
    if FAILURES:
        print(f"{len(FAILURES)} differences")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
