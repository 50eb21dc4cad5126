#!/usr/bin/env python3
"""Compares an audit's summary.json with the peer oracles: GeoPandas' figures in expected_10k.json
(in the peer folder given as $SHARED; the CI lays it beside the checkout) and, with --duckdb, the
summary that the peer folder's reference_duckdb.py wrote for the same data (DuckDB + spatial, a
second engine: expected_10k.json carries GeoPandas' figures only).

    python3 scripts/check_peer.py SUMMARY_JSON EXPECTED_JSON [RESULT_KEY] [--duckdb DUCKDB_SUMMARY_JSON]

RESULT_KEY is one of the oracle's results: geodesic_from_4326 (default), planar_from_4549_file,
planar_4549_from_4326. The DuckDB summary must be of the same area method and input (its
`area_method` and `data` are checked): `reference_duckdb.py --area geodesic` on the lon/lat files
for geodesic_from_4326, `--suffix _4549 --area planar` for planar_from_4549_file.

Against each oracle: totals, areas and park ratios must agree to 1e-9 relative; counts exactly
(low, low by reason, idle, joined enterprises, parcels outside parks, parcels and low parcels per
park, the set of parks, each park's flag). Standard library only. Exits 1 when any figure
disagrees, after printing every figure compared.
"""
import json
import os
import sys

TOL = 1e-9
# The crate's reasons on gen.py's data (no contracts, no grades): the oracles' four, plus `idle`.
CRATE_REASONS = ["idle", "investment", "output", "plot_ratio", "tax"]


def from_geopandas(oracle, key):
    """expected_10k.json's result `key`, with the data set's shared counts beside it."""
    want = oracle["results"][key]
    return {
        "total_area_mu": want["total_area_mu"], "low_area_mu": want["low_area_mu"], "n_low": want["n_low"],
        "n_low_by_reason": want["n_low_by_reason"], "n_idle": oracle["n_idle"],
        "n_enterprises_joined": oracle["n_enterprises_joined"],
        "n_enterprises": oracle["dataset"]["n_enterprises"], "n_parcels": oracle["dataset"]["n_parcels"],
        "n_parcels_outside_parks": oracle["n_parcels_outside_parks"], "parks": want["parks"],
    }


def from_duckdb(duck, key, oracle):
    """reference_duckdb.py's summary, after checking that it was run like the result `key`."""
    method = oracle["results"][key]["area_method"]
    projected = key == "planar_from_4549_file"
    if key == "planar_4549_from_4326":
        raise SystemExit("reference_duckdb.py has no run matching planar_4549_from_4326 to compare with")
    if duck["area_method"] != method or duck["data"].endswith("_4549") != projected:
        raise SystemExit(f"the DuckDB summary ({duck['area_method']} on {duck['data']}) is not a run for {key}: "
                         f"expected --area {method}{' --suffix _4549' if projected else ''}")
    out = {k: duck[k] for k in ("total_area_mu", "low_area_mu", "n_low", "n_low_by_reason", "n_idle",
                                "n_enterprises_joined", "n_enterprises", "n_parcels", "n_parcels_outside_parks")}
    out["parks"] = {p["park_id"]: p for p in duck["parks"]}
    return out


def compare(summary, want, label, failures):
    """Prints every figure of `summary` against the oracle `want`; appends each disagreement."""
    print(f"-- against {label}")

    def rel(a, b):
        return abs(a - b) / max(abs(a), abs(b), 1e-300)

    def close(name, got, exp):
        r = rel(got, exp) if got is not None and exp is not None else float("inf")
        ok = r <= TOL
        print(f"{'ok ' if ok else 'BAD'} {name:<40} {got!r:>24} vs {exp!r:>24}  rel {r:.2e}")
        if not ok:
            failures.append(f"{label}: {name}")

    def same(name, got, exp):
        ok = got == exp
        print(f"{'ok ' if ok else 'BAD'} {name:<40} {got!r:>24} vs {exp!r:>24}")
        if not ok:
            failures.append(f"{label}: {name}")

    close("total_area_mu", summary["total_area_mu"], want["total_area_mu"])
    close("low_efficiency_area_mu", summary["low_efficiency_area_mu"], want["low_area_mu"])
    same("low_efficiency_count", summary["low_efficiency_count"], want["n_low"])
    same("idle_count", summary["idle_count"], want["n_idle"])
    same("enterprises joined", summary["enterprises"]["joined"], want["n_enterprises_joined"])
    same("enterprises read", summary["enterprises"]["read"], want["n_enterprises"])
    same("parcels evaluated", summary["parcels"]["evaluated"], want["n_parcels"])
    same("parcels outside parks", summary["outside_parks_count"], want["n_parcels_outside_parks"])

    # Low-efficiency parcels by reason (a parcel counts once per reason, in both). The oracles give
    # an idle parcel (no tenant) figures of 0, so it is low on all four metrics; the crate gives it
    # 0 for the three sums but a plot ratio of null (no tenant, so no floor area: docs/semantics.md)
    # and the reason `idle` instead. So the oracles' plot_ratio count is the crate's plot_ratio
    # plus its idle ones, and `idle` counts every idle parcel. That holds here because every idle
    # parcel is tenant-less (idle_count equals the oracles' n_idle, which counts parcels with no
    # enterprise) and gen.py gives parcels no floor_area of their own.
    by_reason = summary["low_efficiency_by_reason"]
    exp_reasons = want["n_low_by_reason"]
    same("reasons present", sorted(by_reason), CRATE_REASONS)
    for reason in ("investment", "tax", "output"):
        same(f"low by reason {reason}", by_reason.get(reason), exp_reasons[reason])
    same("low by reason plot_ratio (+ idle)", by_reason.get("plot_ratio", 0) + by_reason.get("idle", 0),
         exp_reasons["plot_ratio"])
    same("low by reason idle", by_reason.get("idle"), want["n_idle"])

    parks = {p["park_id"]: p for p in summary["parks"]}
    same("parks", sorted(parks), sorted(want["parks"]))
    for pid, exp in sorted(want["parks"].items()):
        got = parks.get(pid)
        if got is None:
            continue  # reported by "parks" above
        same(f"park {pid} parcel_count", got["parcel_count"], exp["n_parcels"])
        same(f"park {pid} low_efficiency_count", got["low_efficiency_count"], exp["n_low"])
        close(f"park {pid} area_mu", got["area_mu"], exp["total_area_mu"])
        close(f"park {pid} low_efficiency_area_mu", got["low_efficiency_area_mu"], exp["low_area_mu"])
        close(f"park {pid} low_efficiency_ratio", got["low_efficiency_ratio"], exp["low_ratio"])
        same(f"park {pid} over_cap", got["over_cap"], exp["flagged"])


def main():
    args = sys.argv[1:]
    duckdb_path = None
    if "--duckdb" in args:
        i = args.index("--duckdb")
        if i + 1 >= len(args):
            print(__doc__)
            return 2
        duckdb_path = args[i + 1]
        del args[i:i + 2]
    if len(args) < 2:
        print(__doc__)
        return 2
    summary = json.load(open(args[0], encoding="utf-8"))
    oracle = json.load(open(args[1], encoding="utf-8"))
    key = args[2] if len(args) > 2 else "geodesic_from_4326"
    failures = []
    oracles = [("GeoPandas (expected_10k.json " + key + ")", from_geopandas(oracle, key))]
    if duckdb_path:
        duck = json.load(open(duckdb_path, encoding="utf-8"))
        oracles.append((f"{duck.get('engine', 'duckdb')} ({os.path.basename(duckdb_path)})",
                        from_duckdb(duck, key, oracle)))
    for label, want in oracles:
        compare(summary, want, label, failures)
    if failures:
        for label, _ in oracles:
            names = [f[len(label) + 2:] for f in failures if f.startswith(label + ": ")]
            if names:
                print(f"{len(names)} figure(s) disagree with {label}: {', '.join(names)}")
        return 1
    print(f"all figures agree with the oracle's {key}: {', '.join(label for label, _ in oracles)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
