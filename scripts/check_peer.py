#!/usr/bin/env python3
"""Compares an audit's summary.json with the peer oracle (expected_10k.json in the peer folder
given as $SHARED; the CI lays it beside the checkout).

    python3 scripts/check_peer.py SUMMARY_JSON EXPECTED_JSON [RESULT_KEY]

RESULT_KEY is one of the oracle's results: geodesic_from_4326 (default), planar_from_4549_file,
planar_4549_from_4326. Totals, areas and park ratios must agree to 1e-9 relative; counts (low,
idle, joined enterprises, parcels outside parks, parcels per park) exactly. Standard library only.
Exits 1 on the first disagreement, printing every figure compared.
"""
import json
import sys


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    summary = json.load(open(sys.argv[1], encoding="utf-8"))
    oracle = json.load(open(sys.argv[2], encoding="utf-8"))
    key = sys.argv[3] if len(sys.argv) > 3 else "geodesic_from_4326"
    want = oracle["results"][key]
    tol = 1e-9
    failures = []

    def rel(a, b):
        return abs(a - b) / max(abs(a), abs(b), 1e-300)

    def close(name, got, exp):
        ok = rel(got, exp) <= tol
        print(f"{'ok ' if ok else 'BAD'} {name:<40} {got!r:>24} vs {exp!r:>24}  rel {rel(got, exp):.2e}")
        if not ok:
            failures.append(name)

    def same(name, got, exp):
        ok = got == exp
        print(f"{'ok ' if ok else 'BAD'} {name:<40} {got!r:>24} vs {exp!r:>24}")
        if not ok:
            failures.append(name)

    close("total_area_mu", summary["total_area_mu"], want["total_area_mu"])
    close("low_efficiency_area_mu", summary["low_efficiency_area_mu"], want["low_area_mu"])
    same("low_efficiency_count", summary["low_efficiency_count"], want["n_low"])
    same("idle_count", summary["idle_count"], oracle["n_idle"])
    same("enterprises joined", summary["enterprises"]["joined"], oracle["n_enterprises_joined"])
    same("enterprises read", summary["enterprises"]["read"], oracle["dataset"]["n_enterprises"])
    same("parcels evaluated", summary["parcels"]["evaluated"], oracle["dataset"]["n_parcels"])
    same("parcels outside parks", summary["outside_parks_count"], oracle["n_parcels_outside_parks"])
    parks = {p["park_id"]: p for p in summary["parks"]}
    for pid, exp in want["parks"].items():
        got = parks.get(pid)
        if got is None:
            print(f"BAD park {pid} missing")
            failures.append(pid)
            continue
        same(f"park {pid} parcel_count", got["parcel_count"], exp["n_parcels"])
        same(f"park {pid} low_efficiency_count", got["low_efficiency_count"], exp["n_low"])
        close(f"park {pid} area_mu", got["area_mu"], exp["total_area_mu"])
        close(f"park {pid} low_efficiency_ratio", got["low_efficiency_ratio"], exp["low_ratio"])
        same(f"park {pid} over_cap", got["over_cap"], exp["flagged"])
    if failures:
        print(f"{len(failures)} figure(s) disagree with {key}: {', '.join(failures)}")
        return 1
    print(f"all figures agree with the oracle's {key}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
