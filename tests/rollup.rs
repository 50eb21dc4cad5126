//! Park and zone roll-ups (园区、开发区汇总) against sums worked out without the crate: each
//! parcel's geodesic area (geographiclib), tenants (GeoPandas `sjoin`) and park (its
//! representative point in a park) as `fixtures/zone/expected.py` computed them into
//! `expected.json`, summed here park by park.

mod common;

use std::collections::BTreeMap;

use common::{fixtures, rel};
use land_efficiency::{Audit, AuditReport, Config, Inputs, Source, WriteOptions, write_all};
use serde_json::Value;

fn audit() -> AuditReport {
    let zone = fixtures().join("zone");
    let config = Config::from_path(zone.join("thresholds.toml")).unwrap();
    Audit::new(config)
        .run(&Inputs {
            parcels: Source::path(zone.join("parcels.geojson")),
            enterprises: Some(Source::path(zone.join("enterprises.geojson"))),
            parks: Some(Source::path(zone.join("parks.geojson"))),
        })
        .unwrap()
}

/// A roll-up summed from the oracle's parcels: area (mu), tax, investment and output (万元,
/// back from its per-mu figures), floor area and the land under it (m²), parcels by reason.
#[derive(Default, Debug)]
struct Sums {
    mu: f64,
    money: [f64; 3],
    floor: f64,
    floor_land: f64,
    reasons: BTreeMap<String, (usize, f64)>,
}

impl Sums {
    fn per_mu(&self, k: usize) -> f64 {
        self.money[k] / self.mu
    }
}

fn oracle() -> (BTreeMap<String, Sums>, Sums) {
    let text = std::fs::read_to_string(fixtures().join("zone/expected.json")).unwrap();
    let all: Value = serde_json::from_str(&text).unwrap();
    let mut parks: BTreeMap<String, Sums> = BTreeMap::new();
    let mut zone = Sums::default();
    for p in all["geodesic"]["parcels"].as_object().unwrap().values() {
        let park = p["park_id"].as_str().map(str::to_string);
        let mut targets = vec![&mut zone];
        let mut park_sums = park.map(|k| parks.entry(k).or_default());
        if let Some(s) = park_sums.as_mut() {
            targets.push(s);
        }
        for s in targets {
            let mu = p["area_mu"].as_f64().unwrap();
            s.mu += mu;
            for (k, name) in ["tax_per_mu", "investment_per_mu", "output_per_mu"]
                .iter()
                .enumerate()
            {
                s.money[k] += p[name].as_f64().unwrap() * mu;
            }
            if let Some(pr) = p["plot_ratio"].as_f64() {
                s.floor += pr * p["area_m2"].as_f64().unwrap();
                s.floor_land += p["area_m2"].as_f64().unwrap();
            }
            for r in p["reasons"].as_array().unwrap() {
                let e = s.reasons.entry(r.as_str().unwrap().into()).or_default();
                e.0 += 1;
                e.1 += mu;
            }
        }
    }
    (parks, zone)
}

fn check(r: &land_efficiency::Rollup, s: &Sums, what: &str) {
    assert!(rel(r.judged_area_mu, s.mu) < 1e-9, "{what}: area");
    let got = [r.tax_per_mu, r.investment_per_mu, r.output_per_mu];
    for (k, g) in got.iter().enumerate() {
        let g = g.unwrap_or_else(|| panic!("{what}: figure {k} missing"));
        assert!(rel(g, s.per_mu(k)) < 1e-9, "{what}: {g} vs {}", s.per_mu(k));
    }
    let pr = r.plot_ratio.expect("plot ratio");
    assert!(rel(pr, s.floor / s.floor_land) < 1e-9, "{what}: plot ratio");
    let by: BTreeMap<String, (usize, f64)> = (r.by_reason.iter())
        .map(|t| (t.reason.as_str().to_string(), (t.count, t.area_mu)))
        .collect();
    assert_eq!(
        by.keys().collect::<Vec<_>>(),
        s.reasons.keys().collect::<Vec<_>>(),
        "{what}"
    );
    for (reason, (n, mu)) in &s.reasons {
        assert_eq!(by[reason].0, *n, "{what}: {reason}");
        assert!(rel(by[reason].1, *mu) < 1e-9, "{what}: {reason} area");
    }
}

#[test]
fn parks_and_zone_add_up_to_the_oracles_parcels() {
    let report = audit();
    let (parks, zone) = oracle();
    assert_eq!(parks.len(), 3, "K1..K3 hold parcels, K4 none");
    for k in report.parks() {
        match parks.get(&k.park_id) {
            Some(s) => check(&k.rollup, s, &k.park_id),
            None => {
                assert_eq!(k.parcel_count, 0);
                assert_eq!((k.rollup.tax_per_mu, k.rank_tax_per_mu), (None, None));
            }
        }
    }
    // The zone counts the parcels outside every park too.
    check(&report.summary().zone.rollup, &zone, "zone");
    assert!(zone.mu > parks.values().map(|s| s.mu).sum::<f64>());
}

#[test]
fn parks_are_ranked_by_tax_per_mu() {
    let report = audit();
    let (parks, _) = oracle();
    let mut order: Vec<(&String, f64)> = parks.iter().map(|(k, s)| (k, s.per_mu(0))).collect();
    order.sort_by(|a, b| b.1.total_cmp(&a.1));
    for (rank, (id, _)) in order.iter().enumerate() {
        let k = report.parks().iter().find(|k| &k.park_id == *id).unwrap();
        assert_eq!(k.rank_tax_per_mu, Some(rank + 1), "{id}");
    }
}

#[test]
fn parks_csv_and_summary_carry_the_rollups() {
    let report = audit();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    write_all(&report, &out, &WriteOptions::default()).unwrap();
    let bytes = std::fs::read(out.join("parks.csv")).unwrap();
    assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "a BOM for Excel");
    let mut rows = csv::Reader::from_reader(&bytes[3..]);
    let header = rows.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (parks, _) = oracle();
    let mut seen = 0;
    for row in rows.records() {
        let row = row.unwrap();
        let Some(s) = parks.get(&row[col("park_id")]) else {
            assert_eq!(&row[col("tax_per_mu")], "");
            continue;
        };
        let tax: f64 = row[col("tax_per_mu")].parse().unwrap();
        assert!(rel(tax, s.per_mu(0)) < 1e-9);
        let idle = s.reasons.get("idle").map_or(0, |r| r.0);
        assert_eq!(row[col("count_idle")].parse::<usize>().unwrap(), idle);
        seen += 1;
    }
    assert_eq!(seen, 3);
    let summary: Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    let zone = &summary["zone"];
    assert!(zone["tax_per_mu"].is_f64());
    assert!(zone["low_efficiency_by_reason"].is_null());
    assert!(zone["by_reason"]["tax"]["count"].as_u64().unwrap() > 0);
    let missing: Vec<&str> = (zone["not_computed"].as_array().unwrap().iter())
        .map(|n| n["indicator"].as_str().unwrap())
        .collect();
    assert!(missing.contains(&"land_supply_rate"), "{missing:?}");
    assert!(
        !missing.contains(&"building_density"),
        "computed: {missing:?}"
    );
    let geo: Value =
        serde_json::from_slice(&std::fs::read(out.join("parks.geojson")).unwrap()).unwrap();
    let props = &geo["features"][0]["properties"];
    assert!(props["tax_per_mu"].is_f64() && props["rank_tax_per_mu"].is_u64());
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("园区亩均效益汇总") && html.contains("开发区合计"));
}

/// A parcel whose tenants are not all known (a firm on it rejected: negative tax) is left out
/// of its park's money and area alike; an idle parcel counts with zero money and an unknown
/// floor area. Two 15-mu parcels with tenants and one idle, in EPSG:4549: the park's tax per
/// mu is (30 + 60) / (15 + 15 + 15) = 2 over the judged 45 mu, not over 60.
#[test]
fn unjudged_parcels_are_left_out_and_idle_ones_count_as_land() {
    use common::{enterprise, projected, run, square};
    let parcels = projected(&[
        square("P1", 500_000.0, 3_300_000.0, 100.0, ""),
        square("P2", 500_200.0, 3_300_000.0, 100.0, ""),
        square("P3", 500_400.0, 3_300_000.0, 100.0, ""),
        square("P4", 500_600.0, 3_300_000.0, 100.0, ""),
    ]);
    let floor = r#","floor_area":15000"#;
    let firms = projected(&[
        enterprise("E1", 500_050.0, 3_300_050.0, 30.0, 100.0, 300.0, floor),
        enterprise("E2", 500_250.0, 3_300_050.0, 60.0, 200.0, 600.0, floor),
        enterprise("E3", 500_450.0, 3_300_050.0, -5.0, 100.0, 100.0, floor),
    ]);
    let park = r#"{"type":"Feature","properties":{"park_id":"K1"},"geometry":{"type":"Polygon","coordinates":[[[499900,3299900],[500800,3299900],[500800,3300200],[499900,3300200],[499900,3299900]]]}}"#;
    let r = run(
        Config::default(),
        parcels,
        Some(firms),
        Some(projected(&[park.to_string()])),
    );
    let k = &r.parks()[0].rollup;
    assert_eq!(k.judged_area_mu, 45.0, "P3 (E3 rejected) is out");
    assert_eq!(k.tax_per_mu, Some(90.0 / 45.0));
    assert_eq!(k.investment_per_mu, Some(300.0 / 45.0));
    // Floor areas: P1 and P2 (15 000 m² each over 10 000 m²); P4 idle, unknown.
    assert_eq!((k.plot_ratio, k.floor_unknown_count), (Some(1.5), 1));
    assert_eq!(r.parks()[0].unjudged_count, 1);
}

/// 工业用地建筑密度 over the land whose footprint is known: P1 gives its own footprint
/// (3 000 m²), P2 its recorded density (0.5 of 10 000 m²), P3's tenant its footprint
/// (2 000 m²); P4 is idle with none (left out), and P5's tenant is rejected (unjudged, left
/// out with its money). (3 000 + 5 000 + 2 000) / (3 × 10 000) = 1/3.
#[test]
fn building_density_sums_the_known_footprints_over_their_land() {
    use common::{enterprise, projected, run, square};
    let parcels = projected(&[
        square(
            "P1",
            500_000.0,
            3_300_000.0,
            100.0,
            r#","footprint_area":3000"#,
        ),
        square(
            "P2",
            500_200.0,
            3_300_000.0,
            100.0,
            r#","building_density":0.5"#,
        ),
        square("P3", 500_400.0, 3_300_000.0, 100.0, ""),
        square("P4", 500_600.0, 3_300_000.0, 100.0, ""),
        square("P5", 500_800.0, 3_300_000.0, 100.0, ""),
    ]);
    let firms = projected(&[
        enterprise("E1", 500_050.0, 3_300_050.0, 30.0, 100.0, 300.0, ""),
        enterprise("E2", 500_250.0, 3_300_050.0, 30.0, 100.0, 300.0, ""),
        enterprise(
            "E3",
            500_450.0,
            3_300_050.0,
            30.0,
            100.0,
            300.0,
            r#","footprint_area":2000"#,
        ),
        enterprise(
            "E5",
            500_850.0,
            3_300_050.0,
            -5.0,
            100.0,
            300.0,
            r#","footprint_area":9000"#,
        ),
    ]);
    let park = r#"{"type":"Feature","properties":{"park_id":"K1"},"geometry":{"type":"Polygon","coordinates":[[[499900,3299900],[501000,3299900],[501000,3300200],[499900,3300200],[499900,3299900]]]}}"#;
    let r = run(
        Config::default(),
        parcels,
        Some(firms),
        Some(projected(&[park.to_string()])),
    );
    let k = &r.parks()[0].rollup;
    assert_eq!(k.footprint_m2, 10_000.0);
    assert_eq!(k.footprint_known_area_mu, 45.0);
    assert_eq!(k.footprint_unknown_count, 1, "P4; P5 unjudged is out");
    assert!((k.building_density.unwrap() - 1.0 / 3.0).abs() < 1e-12);
    assert_eq!(r.summary().zone.rollup.building_density, k.building_density);
}
