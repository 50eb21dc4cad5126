//! The bundled fixture zone against figures computed without the crate
//! (`fixtures/zone/expected.py`: geographiclib areas, shapely planar areas, GeoPandas joins).

mod common;

use common::{fixtures, rel};
use land_efficiency::{Audit, Config, Inputs, Source};
use serde_json::Value;

fn expected(method: &str) -> Value {
    let text = std::fs::read_to_string(fixtures().join("zone/expected.json")).unwrap();
    let all: Value = serde_json::from_str(&text).unwrap();
    all[method].clone()
}

fn audit(suffix: &str) -> land_efficiency::AuditReport {
    let zone = fixtures().join("zone");
    let config = Config::from_path(zone.join("thresholds.toml")).unwrap();
    Audit::new(config)
        .run(&Inputs {
            parcels: Source::path(zone.join(format!("parcels{suffix}.geojson"))),
            enterprises: Some(Source::path(
                zone.join(format!("enterprises{suffix}.geojson")),
            )),
            parks: Some(Source::path(zone.join(format!("parks{suffix}.geojson")))),
        })
        .unwrap()
}

fn check(report: &land_efficiency::AuditReport, e: &Value, method: &str) {
    let s = &report.summary;
    assert_eq!(s.parcels.read, e["parcels_read"].as_u64().unwrap() as usize);
    assert_eq!(s.parcels.evaluated, s.parcels.read);
    assert_eq!(
        s.enterprises.read,
        e["enterprises_read"].as_u64().unwrap() as usize
    );
    assert_eq!(
        s.enterprises.joined,
        e["enterprises_joined"].as_u64().unwrap() as usize
    );
    assert!(rel(s.total_area_mu, e["total_area_mu"].as_f64().unwrap()) < 1e-9);
    assert!(
        rel(
            s.low_efficiency_area_mu,
            e["low_efficiency_area_mu"].as_f64().unwrap()
        ) < 1e-9
    );
    assert_eq!(
        s.low_efficiency_count as u64,
        e["low_efficiency_count"].as_u64().unwrap()
    );
    assert_eq!(s.idle_count as u64, e["idle_count"].as_u64().unwrap());
    assert_eq!(
        s.outside_parks_count as u64,
        e["outside_parks_count"].as_u64().unwrap()
    );
    for p in report.parcels() {
        let x = &e["parcels"][&p.parcel_id()];
        assert!(
            rel(p.area_m2(), x["area_m2"].as_f64().unwrap()) < 1e-9,
            "{} area",
            p.parcel_id()
        );
        assert_eq!(p.area_method().as_str(), method);
        assert_eq!(
            p.enterprise_count() as u64,
            x["enterprise_count"].as_u64().unwrap(),
            "{}",
            p.parcel_id()
        );
        assert_eq!(
            p.low_efficiency(),
            x["low_efficiency"].as_bool().unwrap(),
            "{}",
            p.parcel_id()
        );
        let reasons: Vec<&str> = p.reasons().iter().map(|r| r.as_str()).collect();
        let want: Vec<&str> = x["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(reasons, want, "{}", p.parcel_id());
        assert_eq!(p.park_id(), x["park_id"].as_str(), "{}", p.parcel_id());
        assert!(
            rel(p.area_mu(), x["area_mu"].as_f64().unwrap()) < 1e-9,
            "{} area_mu",
            p.parcel_id()
        );
        assert_eq!(
            p.idle(),
            x["idle"].as_bool().unwrap(),
            "{} idle",
            p.parcel_id()
        );
        // `rel` is 0 for two zeros: an idle parcel's 0.0 is compared like any other figure.
        for (name, got) in [
            ("tax_per_mu", p.tax_per_mu()),
            ("investment_per_mu", p.investment_per_mu()),
            ("output_per_mu", p.output_per_mu()),
        ] {
            let want = x[name].as_f64().unwrap();
            assert!(
                rel(got, want) < 1e-9,
                "{} {name}: {got} vs {want}",
                p.parcel_id()
            );
        }
        match (p.plot_ratio(), x["plot_ratio"].as_f64()) {
            (Some(a), Some(b)) => assert!(rel(a, b) < 1e-9),
            (a, b) => assert_eq!(a, b, "{}", p.parcel_id()),
        }
    }
    // Every parcel of the expected list was visited above.
    assert_eq!(
        report.parcel_count(),
        e["parcels"].as_object().unwrap().len()
    );
    let parks = e["parks"].as_array().unwrap();
    assert_eq!(report.parks.len(), parks.len());
    for (k, x) in report.parks.iter().zip(parks) {
        assert_eq!(k.park_id, x["park_id"].as_str().unwrap());
        assert_eq!(k.parcel_count as u64, x["parcel_count"].as_u64().unwrap());
        assert_eq!(
            k.low_efficiency_count as u64,
            x["low_efficiency_count"].as_u64().unwrap(),
            "{}",
            k.park_id
        );
        for (name, got) in [
            ("area_mu", k.area_mu),
            ("low_efficiency_area_mu", k.low_efficiency_area_mu),
        ] {
            let want = x[name].as_f64().unwrap();
            assert!(
                rel(got, want) < 1e-9,
                "{} {name}: {got} vs {want}",
                k.park_id
            );
        }
        match (k.low_efficiency_ratio, x["low_efficiency_ratio"].as_f64()) {
            (Some(a), Some(b)) => assert!(rel(a, b) < 1e-9, "{}: {a} vs {b}", k.park_id),
            (a, b) => assert_eq!(a, b),
        }
        assert_eq!(
            k.over_cap,
            x["over_cap"].as_bool().unwrap(),
            "{}",
            k.park_id
        );
    }
}

#[test]
fn lonlat_zone_matches_geographiclib_and_geopandas() {
    check(&audit(""), &expected("geodesic"), "geodesic");
}

#[test]
fn projected_zone_matches_shapely_planar_areas() {
    let report = audit("_4549");
    check(&report, &expected("planar_4549"), "planar");
    // P01-01 is exactly 15 mu in the plane with exactly 225 万元 of tax: 15 万元/亩 is not low.
    let p = report
        .parcels()
        .find(|p| p.parcel_id() == "P01-01")
        .unwrap();
    assert_eq!(p.area_mu(), 15.0);
    assert_eq!(p.tax_per_mu(), 15.0);
    assert!(!p.low_efficiency());
}

#[test]
fn geodesic_and_planar_runs_classify_alike() {
    let a = audit("");
    let b = audit("_4549");
    assert_eq!(a.parcel_count(), b.parcel_count());
    for (x, y) in a.parcels().zip(b.parcels()) {
        assert_eq!(x.parcel_id(), y.parcel_id());
        assert_eq!(x.reasons(), y.reasons(), "{}", x.parcel_id());
        // The two are 60 km from the central meridian: planar exceeds ellipsoidal by ~9e-5.
        assert!(rel(x.area_m2(), y.area_m2()) < 2e-4);
    }
}

#[test]
fn every_record_is_accounted_for() {
    let r = audit("");
    let s = &r.summary;
    assert_eq!(s.parcels.read, s.parcels.evaluated + s.parcels.rejected);
    assert_eq!(
        s.enterprises.read,
        s.enterprises.joined + s.enterprises.unmatched + s.enterprises.rejected
    );
    assert!(s.enterprises.ambiguous <= s.enterprises.unmatched);
    assert_eq!(
        s.park_features.read,
        s.park_features.evaluated + s.park_features.rejected
    );
}
