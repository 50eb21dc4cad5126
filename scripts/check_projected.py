#!/usr/bin/env python3
"""Checks the audit of projected inputs against the lon/lat run (issue: projected coordinates).

    python3 scripts/check_projected.py DATA_DIR AUDIT_BINARY WORK_DIR

DATA_DIR holds gen.py --projected output (parcels/enterprises/parks .geojson and *_4549.geojson).
Runs the audit on: the lon/lat files; the EPSG:4549 files (planar, the default for projected
input); the EPSG:4549 files with --area geodesic; a zone-prefixed copy in EPSG:4528 (eastings
+ 40 000 000 m). Checks:
  - 4549 and 4528 planar totals equal the oracle's 326 952.4283 mu figure to 1e-9 relative
    (expected_10k.json, planar_from_4549_file), with the same low-efficiency set as lon/lat;
  - 4549 with --area geodesic agrees with the lon/lat geodesic total to 1e-7 relative;
  - every output coordinate of the projected runs is within 1e-7 degrees of the lon/lat run's.
Standard library only.
"""
import csv
import json
import os
import subprocess
import sys

PLANAR_ORACLE = 326952.4283242463  # expected_10k.json results.planar_from_4549_file.total_area_mu


def run(audit, data, suffix, out, *extra):
    args = [audit, "--quiet", "--out", out]
    for layer in ("parcels", "enterprises", "parks"):
        args += [f"--{layer}", os.path.join(data, f"{layer}{suffix}.geojson")]
    subprocess.run(args + list(extra), check=True)
    summary = json.load(open(os.path.join(out, "summary.json"), encoding="utf-8"))
    with open(os.path.join(out, "parcels.csv"), encoding="utf-8-sig") as f:
        low = {r["parcel_id"] for r in csv.DictReader(f) if r["low_efficiency"] == "true"}
    return summary, low


def coords(path):
    out = []

    def walk(c):
        if isinstance(c[0], (int, float)):
            out.append((c[0], c[1]))
        else:
            for x in c:
                walk(x)
    for f in json.load(open(path, encoding="utf-8"))["features"]:
        walk(f["geometry"]["coordinates"])
    return out


def zone_prefixed(src, dst):
    """EPSG:4549 → EPSG:4528: same plane, easting prefixed with zone 40."""
    d = json.load(open(src, encoding="utf-8"))
    d["crs"]["properties"]["name"] = "urn:ogc:def:crs:EPSG::4528"

    def shift(c):
        if isinstance(c[0], (int, float)):
            return [round(c[0] + 40_000_000, 3), c[1]]
        return [shift(x) for x in c]
    for f in d["features"]:
        f["geometry"]["coordinates"] = shift(f["geometry"]["coordinates"])
    json.dump(d, open(dst, "w", encoding="utf-8"), ensure_ascii=False)


def main():
    data, audit, work = sys.argv[1:4]
    failures = []

    def check(name, ok, detail):
        print(f"{'ok ' if ok else 'BAD'} {name}: {detail}")
        if not ok:
            failures.append(name)

    ll, ll_low = run(audit, data, "", os.path.join(work, "pj-4326"))
    p49, p49_low = run(audit, data, "_4549", os.path.join(work, "pj-4549"))
    g49, g49_low = run(audit, data, "_4549", os.path.join(work, "pj-4549-geodesic"), "--area", "geodesic")
    z = os.path.join(work, "n10k-4528")
    os.makedirs(z, exist_ok=True)
    for layer in ("parcels", "enterprises", "parks"):
        zone_prefixed(os.path.join(data, f"{layer}_4549.geojson"), os.path.join(z, f"{layer}_4528.geojson"))
    p28, p28_low = run(audit, z, "_4528", os.path.join(work, "pj-4528"))

    for name, s, low in (("EPSG:4549 planar", p49, p49_low), ("EPSG:4528 planar", p28, p28_low)):
        r = abs(s["total_area_mu"] - PLANAR_ORACLE) / PLANAR_ORACLE
        check(f"{name} total", r <= 1e-9, f"{s['total_area_mu']!r} mu vs {PLANAR_ORACLE!r}, rel {r:.2e}")
        check(f"{name} low set", low == ll_low, f"{len(low)} low parcels, {len(low ^ ll_low)} differ from lon/lat")
        check(f"{name} area method", s["area_methods"] == {"planar": s["parcels"]["evaluated"]}, str(s["area_methods"]))
    r = abs(g49["total_area_mu"] - ll["total_area_mu"]) / ll["total_area_mu"]
    check("EPSG:4549 --area geodesic total", r <= 1e-7,
          f"{g49['total_area_mu']!r} vs lon/lat {ll['total_area_mu']!r}, rel {r:.2e}")
    check("EPSG:4549 --area geodesic low set", g49_low == ll_low, f"{len(g49_low ^ ll_low)} differ")
    ref = coords(os.path.join(work, "pj-4326", "parcels.geojson"))
    for name in ("pj-4549", "pj-4528"):
        got = coords(os.path.join(work, name, "parcels.geojson"))
        worst = max(max(abs(a[0] - b[0]), abs(a[1] - b[1])) for a, b in zip(got, ref)) if len(got) == len(ref) else 1.0
        check(f"{name} output coordinates", len(got) == len(ref) and worst <= 1.0000001e-7,
              f"{len(got)} coordinates, max difference {worst:.3e} degrees")
    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    print("projected runs agree with the lon/lat run and the oracle")
    return 0


if __name__ == "__main__":
    sys.exit(main())
