//! The audit's semantics on hand-checkable inputs (docs/semantics.md): in EPSG:4549 metres, a
//! 100 m × 100 m parcel is exactly 15 mu.

mod common;

use common::{collection, enterprise, projected, run, square};
use land_efficiency::Reason;
use land_efficiency::{Audit, Config, Inputs, Source};

/// A healthy enterprise for a 15 mu parcel at (x, y): 20/200/300 万元/亩 and plot ratio 1.5.
fn healthy(id: &str, x: f64, y: f64) -> String {
    enterprise(
        id,
        x + 50.0,
        y + 50.0,
        300.0,
        3000.0,
        4500.0,
        r#","floor_area":15000"#,
    )
}

/// A rectangular parcel feature in EPSG:4549 metres.
fn rectangle(id: &str, x: f64, y: f64, width: f64, height: f64) -> String {
    format!(
        r#"{{"type":"Feature","properties":{{"parcel_id":"{id}"}},"geometry":{{"type":"Polygon","coordinates":[[[{x},{y}],[{x1},{y}],[{x1},{y1}],[{x},{y1}],[{x},{y}]]]}}}}"#,
        x1 = x + width,
        y1 = y + height
    )
}

/// Equality at a threshold must survive the conversion to mu: 21 000 m² is 31.5 mu, where
/// 472.5 万元 is exactly 15 万元/亩 (dividing by a rounded mu gave 14.999999999999998, low).
#[test]
fn threshold_equality_is_not_low_on_a_parcel_of_an_odd_number_of_mu() {
    let parcels = projected(&[rectangle("P", 500_000.0, 3_300_000.0, 150.0, 140.0)]);
    let ents = projected(&[enterprise(
        "E",
        500_050.0,
        3_300_050.0,
        472.5,
        3780.0,
        6300.0,
        r#","floor_area":21000"#,
    )]);
    let r = run(Config::default(), parcels, Some(ents), None);
    let p = &r.parcel(0);
    assert_eq!(p.area_mu(), 31.5);
    assert_eq!(
        (
            p.tax_per_mu(),
            p.investment_per_mu(),
            p.output_per_mu(),
            p.plot_ratio()
        ),
        (15.0, 120.0, 200.0, Some(1.0))
    );
    assert!(!p.low_efficiency(), "{:?}", p.reasons().to_vec());
}

/// Figures equal to a minimum but for binary rounding are not low either: a parcel recorded
/// as 25 mu (25.000000000000004 mu after m² and back) with 375 万元 of tax, and a tax per mu of
/// 9.6 against a commitment of 12 with a shortfall of 0.8 (0.8 × 12 = 9.600000000000001).
#[test]
fn figures_equal_to_a_minimum_but_for_rounding_are_not_low() {
    let parcels = projected(&[
        rectangle("R25", 500_000.0, 3_300_000.0, 100.0, 100.0).replace(
            r#""parcel_id":"R25""#,
            r#""parcel_id":"R25","land_area":25"#,
        ),
        rectangle("C", 500_200.0, 3_300_000.0, 100.0, 100.0).replace(
            r#""parcel_id":"C""#,
            r#""parcel_id":"C","land_area":15,"contract_tax_per_mu":12"#,
        ),
    ]);
    let ents = projected(&[
        enterprise(
            "E1",
            500_050.0,
            3_300_050.0,
            375.0,
            3000.0,
            5000.0,
            r#","floor_area":16667"#,
        ),
        enterprise(
            "E2",
            500_250.0,
            3_300_050.0,
            144.0,
            1800.0,
            3000.0,
            r#","floor_area":10000"#,
        ),
    ]);
    let mut config = Config::from_toml(
        "[fields]\nland_area = \"land_area\"\n[area]\nmethod = \"recorded\"\nrecorded_unit = \"mu\"\n\
         [low_efficiency]\nmin_tax_per_mu = 9.6\ncontract_shortfall = 0.8",
    )
    .unwrap();
    config.low_efficiency.min_investment_per_mu = 120.0;
    let r = run(config, parcels, Some(ents), None);
    let r25 = r.parcel(0);
    assert!(
        r25.tax_per_mu() < 15.0 && r25.tax_per_mu() > 15.0 - 1e-12,
        "{}",
        r25.tax_per_mu()
    );
    assert!(
        !r25.reasons().contains(Reason::Investment) && !r25.reasons().contains(Reason::Output),
        "{:?}",
        r25.reasons().to_vec()
    );
    let c = r.parcel(1);
    assert_eq!(c.tax_per_mu(), 9.6);
    assert!(!c.low_efficiency(), "{:?}", c.reasons().to_vec());
}

/// A park exactly at its cap is not over it: 3 low parcels of 10, all 1600 m², is a ratio of
/// 0.3 (summing their mu gave 0.30000000000000004, over the cap of 0.30).
#[test]
fn a_park_exactly_at_the_cap_is_not_over_it() {
    let parcels: Vec<String> = (0..10)
        .map(|i| {
            rectangle(
                &format!("P{i}"),
                500_000.0 + 100.0 * f64::from(i),
                3_300_000.0,
                40.0,
                40.0,
            )
        })
        .collect();
    // Parcels 3..10 healthy: 1600 m² is 2.4 mu; 20/200/300 万元/亩 and plot ratio 1.5.
    let ents: Vec<String> = (3..10)
        .map(|i| {
            enterprise(
                &format!("E{i}"),
                500_020.0 + 100.0 * f64::from(i),
                3_300_020.0,
                48.0,
                480.0,
                720.0,
                r#","floor_area":2400"#,
            )
        })
        .collect();
    let park = r#"{"type":"Feature","properties":{"park_id":"K"},"geometry":{"type":"Polygon","coordinates":[[[499990,3299990],[501000,3299990],[501000,3300100],[499990,3300100],[499990,3299990]]]}}"#.to_string();
    let r = run(
        Config::default(),
        projected(&parcels),
        Some(projected(&ents)),
        Some(projected(&[park])),
    );
    let k = &r.summary.parks[0];
    assert_eq!((k.parcel_count, k.low_efficiency_count), (10, 3));
    assert_eq!(k.low_efficiency_ratio, Some(0.3));
    assert!(!k.over_cap);
    assert_eq!(r.summary.low_efficiency_ratio, Some(0.3));
}

#[test]
fn threshold_equality_is_not_low() {
    let parcels = projected(&[
        square("EQ", 500_000.0, 3_300_000.0, 100.0, ""),
        square("BELOW", 500_200.0, 3_300_000.0, 100.0, ""),
    ]);
    let ents = projected(&[
        // Exactly 15 万元/亩 of tax, 120 of investment, 200 of output, plot ratio 1.0.
        enterprise(
            "E1",
            500_050.0,
            3_300_050.0,
            225.0,
            1800.0,
            3000.0,
            r#","floor_area":10000"#,
        ),
        enterprise(
            "E2",
            500_250.0,
            3_300_050.0,
            224.99,
            1799.99,
            2999.99,
            r#","floor_area":9999.9"#,
        ),
    ]);
    let r = run(Config::default(), parcels, Some(ents), None);
    let eq = &r.parcel(0);
    assert_eq!(
        (
            eq.tax_per_mu(),
            eq.investment_per_mu(),
            eq.output_per_mu(),
            eq.plot_ratio()
        ),
        (15.0, 120.0, 200.0, Some(1.0))
    );
    assert!(!eq.low_efficiency(), "{:?}", eq.reasons());
    let below = &r.parcel(1);
    assert_eq!(
        below.reasons().to_vec(),
        vec![
            Reason::Investment,
            Reason::Tax,
            Reason::Output,
            Reason::PlotRatio
        ]
    );
}

#[test]
fn an_idle_parcel_is_low_and_counts_in_its_park() {
    let parcels = projected(&[
        square("BUSY", 500_000.0, 3_300_000.0, 100.0, ""),
        square("IDLE", 500_200.0, 3_300_000.0, 100.0, ""),
    ]);
    let ents = projected(&[healthy("E1", 500_000.0, 3_300_000.0)]);
    let park = projected(&[r#"{"type":"Feature","properties":{"park_id":"K1","name":"园区"},"geometry":{"type":"Polygon","coordinates":[[[499900,3299900],[500400,3299900],[500400,3300200],[499900,3300200],[499900,3299900]]]}}"#.to_string()]);
    let r = run(
        Config::default(),
        parcels.clone(),
        Some(ents.clone()),
        Some(park.clone()),
    );
    let idle = &r.parcel(1);
    assert!(idle.idle() && idle.low_efficiency());
    assert!(idle.reasons().contains(Reason::Idle));
    assert_eq!(idle.plot_ratio(), None); // no floor area known: not a reason
    assert!(!idle.reasons().contains(Reason::PlotRatio));
    // Idle parcels count in numerator and denominator: 15 of 30 mu.
    assert_eq!(r.parks[0].low_efficiency_ratio, Some(0.5));
    assert!(r.parks[0].over_cap);
    assert_eq!(r.summary.idle_count, 1);

    let mut config = Config::default();
    config.low_efficiency.idle_is_low_efficiency = false;
    let r = run(config, parcels, Some(ents), Some(park));
    assert!(!r.parcel(1).reasons().contains(Reason::Idle));
}

#[test]
fn two_enterprises_on_one_parcel_are_summed() {
    let parcels = projected(&[square("P", 500_000.0, 3_300_000.0, 100.0, "")]);
    let ents = projected(&[
        enterprise(
            "A",
            500_020.0,
            3_300_020.0,
            100.0,
            1000.0,
            2000.0,
            r#","floor_area":6000"#,
        ),
        enterprise(
            "B",
            500_080.0,
            3_300_080.0,
            50.0,
            500.0,
            1000.0,
            r#","floor_area":4000"#,
        ),
    ]);
    let r = run(Config::default(), parcels, Some(ents), None);
    let p = &r.parcel(0);
    assert_eq!(p.enterprise_count(), 2);
    assert_eq!(
        (p.tax(), p.investment(), p.output()),
        (150.0, 1500.0, 3000.0)
    );
    assert_eq!(
        (p.tax_per_mu(), p.investment_per_mu(), p.output_per_mu()),
        (10.0, 100.0, 200.0)
    );
    assert_eq!(p.plot_ratio(), Some(1.0));
    assert_eq!(p.reasons().to_vec(), vec![Reason::Investment, Reason::Tax]);
    assert_eq!(p.tenants().len(), 2);
    for e in r.enterprises() {
        assert_eq!(e.parcel_id(), Some("P"));
    }
}

#[test]
fn a_parcel_in_no_park_counts_only_overall() {
    let parcels = projected(&[
        square("IN", 500_000.0, 3_300_000.0, 100.0, ""),
        square("OUT", 501_000.0, 3_300_000.0, 100.0, ""),
    ]);
    let ents = projected(&[healthy("E1", 500_000.0, 3_300_000.0)]);
    let park = projected(&[r#"{"type":"Feature","properties":{"park_id":"K1"},"geometry":{"type":"Polygon","coordinates":[[[499900,3299900],[500200,3299900],[500200,3300200],[499900,3300200],[499900,3299900]]]}}"#.to_string()]);
    let r = run(Config::default(), parcels, Some(ents), Some(park));
    assert_eq!(r.parcel(1).park_id(), None);
    assert_eq!(r.parks[0].parcel_count, 1);
    assert_eq!(r.parks[0].area_mu, 15.0);
    assert_eq!(r.parks[0].low_efficiency_ratio, Some(0.0));
    assert_eq!(r.summary.outside_parks_count, 1);
    assert_eq!(r.summary.total_area_mu, 30.0);
    assert_eq!(r.summary.low_efficiency_ratio, Some(0.5)); // OUT is idle
}

#[test]
fn key_joins_and_unmatched_enterprises_are_reported() {
    let parcels = projected(&[
        square("P1", 500_000.0, 3_300_000.0, 100.0, ""),
        square("P2", 500_200.0, 3_300_000.0, 100.0, ""),
    ]);
    let ents = projected(&[
        // By key, although its point lies in P1.
        enterprise("K", 500_050.0, 3_300_050.0, 300.0, 3000.0, 4500.0, r#","parcel_id":"P2""#),
        r#"{"type":"Feature","properties":{"enterprise_id":"NOGEOM","tax":1,"investment":1,"output":1,"parcel_id":"P1"},"geometry":null}"#.to_string(),
        enterprise("FAR", 600_000.0, 3_300_050.0, 1.0, 1.0, 1.0, ""),
        enterprise("NOKEY", 500_050.0, 3_300_050.0, 1.0, 1.0, 1.0, r#","parcel_id":"P9""#),
    ]);
    let r = run(Config::default(), parcels, Some(ents), None);
    assert_eq!(r.parcel(1).enterprise_count(), 1);
    assert_eq!(r.parcel(0).enterprise_count(), 1);
    let s = &r.summary.enterprises;
    assert_eq!(
        (s.read, s.joined, s.unmatched, s.ambiguous, s.rejected),
        (4, 2, 2, 0, 0)
    );
    let unmatched: Vec<_> = r
        .rejected
        .iter()
        .filter(|x| x.code == "unmatched")
        .collect();
    assert_eq!(unmatched.len(), 2);
    assert_eq!(unmatched[0].id.as_deref(), Some("FAR"));
    assert!(unmatched[0].reason.contains("lies in no parcel"));
    assert!(unmatched[1].reason.contains("\"P9\""));
    // The property column says what the join went by: the point, or the key.
    let by: Vec<_> = unmatched.iter().map(|x| x.property.as_deref()).collect();
    assert_eq!(by, [Some("geometry"), Some("parcel_id")]);
}

#[test]
fn enterprises_from_csv_with_bom_and_chinese() {
    let parcels = projected(&[square("P1", 500_000.0, 3_300_000.0, 100.0, "")]);
    let csv = "\u{feff}enterprise_id,name,tax,investment,output,floor_area,parcel_id\n91320594MA0000001X,苏州华海精密机械有限公司,300,3000,4500,15000,P1\n";
    let report = land_efficiency::Audit::new(Config::default())
        .run(&land_efficiency::Inputs {
            parcels: land_efficiency::Source::geojson("parcels.geojson", parcels),
            enterprises: Some(land_efficiency::Source::csv("qy.csv", csv)),
            parks: None,
        })
        .unwrap();
    assert_eq!(
        report.enterprise(0).enterprise().name.as_deref(),
        Some("苏州华海精密机械有限公司")
    );
    assert_eq!(report.parcel(0).tax_per_mu(), 20.0);
}

#[test]
fn outputs_keep_input_properties_and_the_contract_names() {
    let parcels = projected(&[square(
        "P1",
        500_000.0,
        3_300_000.0,
        100.0,
        r#","ZL":"苏州","floor_area":20000"#,
    )]);
    let ents = projected(&[healthy("E1", 500_000.0, 3_300_000.0)]);
    let r = run(Config::default(), parcels, Some(ents), None);
    let dir = tempfile::tempdir().unwrap();
    land_efficiency::write_all(&r, dir.path(), &Default::default()).unwrap();
    let text = std::fs::read_to_string(dir.path().join("parcels.geojson")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let props = &v["features"][0]["properties"];
    assert_eq!(props["ZL"], "苏州");
    // The parcel's own floor area wins over its enterprises' sum, and is not written twice.
    assert_eq!(props["floor_area"], 20000.0);
    assert_eq!(text.matches("\"floor_area\"").count(), 1);
    for key in [
        "parcel_id",
        "park_id",
        "area_m2",
        "area_mu",
        "area_method",
        "enterprise_count",
        "tax",
        "investment",
        "output",
        "floor_area",
        "tax_per_mu",
        "investment_per_mu",
        "output_per_mu",
        "plot_ratio",
        "idle",
        "low_efficiency",
        "reasons",
        "fill",
        "stroke",
        "fill-opacity",
    ] {
        assert!(props.get(key).is_some(), "missing {key}");
    }
    // RFC 7946: lon/lat, exterior ring counter-clockwise.
    let ring = v["features"][0]["geometry"]["coordinates"][0]
        .as_array()
        .unwrap();
    let pts: Vec<(f64, f64)> = ring
        .iter()
        .map(|p| (p[0].as_f64().unwrap(), p[1].as_f64().unwrap()))
        .collect();
    let signed: f64 = pts
        .windows(2)
        .map(|w| w[0].0 * w[1].1 - w[1].0 * w[0].1)
        .sum();
    assert!(signed > 0.0);
    assert!(
        (pts[0].0 - 120.0).abs() < 0.01 && (pts[0].1 - 29.8).abs() < 0.1,
        "{:?}",
        pts[0]
    );
    let bytes = std::fs::read(dir.path().join("parcels.csv")).unwrap();
    assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]));
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("summary.json")).unwrap())
            .unwrap();
    for key in [
        "parcels",
        "enterprises",
        "total_area_mu",
        "low_efficiency_area_mu",
        "low_efficiency_count",
        "low_efficiency_ratio",
        "parks",
    ] {
        assert!(summary.get(key).is_some(), "summary lacks {key}");
    }
}

/// A hole touching the exterior at two points cuts the parcel's interior in two. geo's
/// `Validation` (the spec's test) accepts it, GEOS and QGIS call it invalid: the parcel is
/// evaluated with the area of both pieces, and a warning names the rings and the points. One
/// touch leaves the interior whole: no warning.
#[test]
fn a_hole_touching_the_exterior_twice_is_evaluated_with_a_warning() {
    let with_hole = |id: &str, x: f64, hole_top: f64| {
        format!(
            r#"{{"type":"Feature","properties":{{"parcel_id":"{id}"}},"geometry":{{"type":"Polygon","coordinates":[[[{x},3300000],[{x1},3300000],[{x1},3300100],[{x},3300100],[{x},3300000]],[[{hx},3300000],[{hl},3300050],[{hx},{hole_top}],[{hr},3300050],[{hx},3300000]]]}}}}"#,
            x1 = x + 100.0,
            hx = x + 50.0,
            hl = x + 40.0,
            hr = x + 60.0,
        )
    };
    // A diamond 20 m wide from the bottom edge to the top edge: 1000 m², both pieces 4500 m².
    let cut = with_hole("CUT", 500_000.0, 3_300_100.0);
    // The same diamond stopping 10 m short of the top: 900 m².
    let once = with_hole("ONCE", 500_200.0, 3_300_090.0);
    // A MultiPolygon whose second polygon is the cut one.
    let multi = format!(
        r#"{{"type":"Feature","properties":{{"parcel_id":"MULTI"}},"geometry":{{"type":"MultiPolygon","coordinates":[[[[500400,3300000],[500410,3300000],[500410,3300010],[500400,3300010],[500400,3300000]]],{}]}}}}"#,
        with_hole("X", 500_500.0, 3_300_100.0)
            .split(r#""coordinates":"#)
            .nth(1)
            .unwrap()
            .trim_end_matches("}}")
    );
    // The same shape as a park is warned of too.
    let park = with_hole("PARK", 500_000.0, 3_300_100.0).replace("parcel_id", "park_id");
    // A second "CUT", rejected as a duplicate id: its note goes with it.
    let again = cut.clone();
    let r = run(
        Config::default(),
        projected(&[cut, once, multi, again]),
        None,
        Some(projected(&[park])),
    );
    assert_eq!(r.parcel_count(), 3, "{:?}", r.rejected);
    assert_eq!(
        r.rejected
            .iter()
            .map(|x| (x.index, x.code))
            .collect::<Vec<_>>(),
        [(3, "duplicate_id")]
    );
    assert_eq!(r.parcel(0).area_m2(), 9000.0);
    assert_eq!(r.parcel(1).area_m2(), 9100.0);
    assert_eq!(r.parcel(2).area_m2(), 100.0 + 9000.0);
    let ids: Vec<&str> = r.warnings.iter().filter_map(|w| w.id.as_deref()).collect();
    assert_eq!(ids, ["CUT", "MULTI", "PARK"], "{:?}", r.warnings);
    assert_eq!(r.warnings[0].index, 0);
    let m = &r.warnings[0].message;
    assert!(
        m.starts_with("the exterior ring and interior ring at index 0 touch in a loop at 2 points, (500050, 3300000) and (500050, 3300100)")
            && m.contains("Interior is disconnected"),
        "{m}"
    );
    assert!(
        r.warnings[1].message.starts_with(
            "polygon at index 1: the exterior ring and interior ring at index 0 touch"
        ),
        "{}",
        r.warnings[1].message
    );
}

/// An empty string is an absent value, as an empty CSV cell is (shapefile exports write `""`
/// for an empty text field): an enterprise with `"parcel_id": ""` joins by its point, a parcel
/// with `"parcel_id": ""` takes its GeoJSON `id`, `"status": ""` is the default, and a blank
/// `floor_area` is none.
#[test]
fn empty_strings_are_absent_values() {
    let parcels = projected(&[
        square(
            "P1",
            500_000.0,
            3_300_000.0,
            100.0,
            r#","status":"","floor_area":"\u3000""#,
        ),
        r#"{"type":"Feature","id":"G2","properties":{"parcel_id":"","industry":" "},"geometry":{"type":"Polygon","coordinates":[[[500200,3300000],[500300,3300000],[500300,3300100],[500200,3300100],[500200,3300000]]]}}"#.to_string(),
        // Text is trimmed, as CSV cells are: E3's key "P3" names it.
        square("P3 ", 500_400.0, 3_300_000.0, 100.0, ""),
    ]);
    let ents = projected(&[
        enterprise(
            "E1",
            500_050.0,
            3_300_050.0,
            300.0,
            3000.0,
            4500.0,
            r#","parcel_id":"""#,
        ),
        enterprise(
            "E2",
            500_250.0,
            3_300_050.0,
            300.0,
            3000.0,
            4500.0,
            r#","parcel_id":"  ","floor_area":"""#,
        ),
        enterprise(
            "E3",
            500_450.0,
            3_300_050.0,
            300.0,
            3000.0,
            4500.0,
            r#","parcel_id":"P3""#,
        ),
    ]);
    let r = run(Config::default(), parcels, Some(ents), None);
    assert!(r.rejected.is_empty(), "{:?}", r.rejected);
    assert_eq!(r.parcel_count(), 3);
    assert_eq!(r.parcel(1).parcel_id(), "G2");
    assert_eq!(r.parcel(1).industry(), None);
    assert_eq!(r.parcel(2).parcel_id(), "P3");
    assert_eq!(r.parcel(2).enterprise_count(), 1);
    // A blank number is absent too: no floor area, so no plot ratio, not a rejection.
    assert_eq!(r.parcel(0).plot_ratio(), None);
    assert_eq!(r.summary.enterprises.joined, 3);
    assert_eq!(
        (
            r.parcel(0).enterprise_count(),
            r.parcel(1).enterprise_count()
        ),
        (1, 1)
    );
}

/// Every input property is kept in parcels.geojson (docs/outputs.md); one named as a property the
/// audit writes is kept as `input_<name>`: `class`, `change` and `previous_low_efficiency`
/// are the audit's only with an evaluation or a previous audit, so without them the input's
/// stay as they are; `title` and `tax` are always the audit's. The `parcel_id` it read is not
/// kept twice; a name whose `input_` form the input has already is kept as `input_<name>_2`.
#[test]
fn input_properties_are_kept_unless_the_audit_writes_that_name() {
    let parcels = projected(&[square(
        "P1",
        500_000.0,
        3_300_000.0,
        100.0,
        r#","class":"工业","change":"x","previous_low_efficiency":1,"title":"T","land_use":"M1","tax":50,"fill":"red","input_fill":"blue""#,
    )]);
    let r = run(Config::default(), parcels, None, None);
    let mut out = Vec::new();
    land_efficiency::write_parcels_geojson(&r, &mut out, Default::default()).unwrap();
    let fc: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let props = &fc["features"][0]["properties"];
    assert_eq!(props["class"], "工业", "{props}");
    assert_eq!(props["change"], "x");
    assert_eq!(props["previous_low_efficiency"], 1);
    assert_eq!(props["land_use"], "M1");
    assert!(
        props["title"].as_str().unwrap().starts_with("P1: "),
        "{props}"
    );
    assert_eq!(props["input_title"], "T", "{props}");
    assert_eq!(
        (props["tax"].as_f64(), &props["input_tax"]),
        (Some(0.0), &50.into())
    );
    assert_eq!(props["input_fill"], "blue");
    assert_eq!(props["input_fill_2"], "red", "{props}");
    assert!(props.get("input_parcel_id").is_none(), "{props}");
    // Each name once: the JSON text has no duplicate keys.
    let text = String::from_utf8(out).unwrap();
    for key in ["title", "class", "input_fill", "fill", "parcel_id"] {
        assert_eq!(text.matches(&format!("\"{key}\"")).count(), 1, "{key}");
    }
    // The fields the audit read are its own names' sources: with `parcel_id` and
    // `floor_area` read from ZDDM and JZMJ, an input `parcel_id` and `floor_area` are other
    // data, kept renamed; with the default names they are what the audit wrote, kept once.
    let feature = r#","ZDDM":"Z1","JZMJ":15000,"floor_area":5"#;
    let parcels = projected(&[square("OTHER", 500_000.0, 3_300_000.0, 100.0, feature)]);
    let mut config = Config::default();
    config.fields.parcel_id = "ZDDM".into();
    config.fields.floor_area = "JZMJ".into();
    let r = run(config, parcels.clone(), None, None);
    let mut out = Vec::new();
    land_efficiency::write_parcels_geojson(&r, &mut out, Default::default()).unwrap();
    let fc: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let props = &fc["features"][0]["properties"];
    assert_eq!(
        (
            &props["parcel_id"],
            &props["input_parcel_id"],
            &props["ZDDM"]
        ),
        (&"Z1".into(), &"OTHER".into(), &"Z1".into()),
        "{props}"
    );
    assert_eq!(
        (&props["floor_area"], &props["input_floor_area"]),
        (&15000.0.into(), &5.into()),
        "{props}"
    );
    let r = run(Config::default(), parcels, None, None);
    let mut out = Vec::new();
    land_efficiency::write_parcels_geojson(&r, &mut out, Default::default()).unwrap();
    let fc: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let props = &fc["features"][0]["properties"];
    assert_eq!(props["floor_area"], 5.0, "{props}");
    assert!(props.get("input_floor_area").is_none(), "{props}");
    // With an evaluation, `class` is the audit's on every parcel: a parcel with no graded
    // tenant has none, rather than the input's.
    let config =
        Config::from_path(common::fixtures().join("policy/evaluation.toml")).expect("config");
    let parcels = projected(&[square(
        "P1",
        500_000.0,
        3_300_000.0,
        100.0,
        r#","class":"工业""#,
    )]);
    let r = run(config, parcels, None, None);
    let mut out = Vec::new();
    land_efficiency::write_parcels_geojson(&r, &mut out, Default::default()).unwrap();
    let fc: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert!(
        fc["features"][0]["properties"].get("class").is_none(),
        "{fc}"
    );
}

/// A ring across the antimeridian is rejected, not measured the wrong way round (the area of
/// the rest of the globe); the same box just west of 180° has pyproj's (Karney's) area.
#[test]
fn a_parcel_across_the_antimeridian_is_rejected_not_measured_round_the_globe() {
    let box_at = |id: &str, west: f64, east: f64| {
        format!(
            r#"{{"type":"Feature","properties":{{"parcel_id":"{id}"}},"geometry":{{"type":"Polygon","coordinates":[[[{west},10],[{east},10],[{east},10.002],[{west},10.002],[{west},10]]]}}}}"#
        )
    };
    let r = run(
        Config::default(),
        collection(&[
            box_at("ACROSS", 179.998, -179.998),
            box_at("WEST", 179.994, 179.998),
        ]),
        None,
        None,
    );
    assert_eq!(r.parcel_count(), 1, "{:?}", r.rejected);
    let across = &r.rejected[0];
    assert_eq!((across.index, across.code), (0, "crosses_antimeridian"));
    assert_eq!(across.property.as_deref(), Some("geometry"));
    assert!(
        across
            .reason
            .contains("[179.998, 10.0] and [-179.998, 10.0]"),
        "{}",
        across.reason
    );
    // pyproj.Geod(ellps="WGS84").polygon_area_perimeter: 97015.42941898108 m².
    let west = r.parcel(0);
    assert_eq!(west.parcel_id(), "WEST");
    assert!(
        (west.area_m2() - 97_015.429_419).abs() < 1e-3,
        "{}",
        west.area_m2()
    );
}

/// The first of two records with one id, rejected once the CRS is known (out of range), does
/// not take the second down with it: the good copy is evaluated, as it is when the first
/// fails while parsing. Only a second good copy is a duplicate.
#[test]
fn a_duplicate_of_a_rejected_record_is_kept() {
    let r = run(
        Config::default(),
        collection(&[
            square("P1", 120.0, 95.0, 0.001, ""),
            square("P1", 120.0, 30.0, 0.001, ""),
            square("P2", 120.002, 30.0, 0.001, ""),
            square("P2", 120.004, 30.0, 0.001, ""),
        ]),
        None,
        None,
    );
    let codes: Vec<(usize, &str)> = r.rejected.iter().map(|x| (x.index, x.code)).collect();
    assert_eq!(codes, [(0, "coordinate_out_of_range"), (3, "duplicate_id")]);
    let kept: Vec<(usize, &str)> = r.parcels().map(|p| (p.index(), p.parcel_id())).collect();
    assert_eq!(kept, [(1, "P1"), (2, "P2")]);
}

/// Output coordinates are the input's, digit for digit, for lon/lat input: nothing is rounded
/// (rounding to 1 cm made valid polygons self-intersect).
#[test]
fn lonlat_coordinates_come_out_as_they_went_in() {
    let ring = "[[120.123456789,30.5],[120.12346,30.500000001],[120.12346,30.5000123456789],[120.123456789,30.5]]";
    let feature = format!(
        r#"{{"type":"Feature","properties":{{"parcel_id":"P1"}},"geometry":{{"type":"Polygon","coordinates":[{ring}]}}}}"#
    );
    let r = run(Config::default(), collection(&[feature]), None, None);
    assert_eq!(r.parcel_count(), 1, "{:?}", r.rejected);
    let dir = tempfile::tempdir().unwrap();
    land_efficiency::write_all(&r, dir.path(), &Default::default()).unwrap();
    let text = std::fs::read_to_string(dir.path().join("parcels.geojson")).unwrap();
    assert!(
        text.contains(&format!(r#""coordinates":[{ring}]"#)),
        "{text}"
    );
}

/// Tables a service fills with `push` are checked as the readers check records: before, a
/// tax of -50 and an investment of NaN gave per-mu figures of -3.05 and NaN, a second "E1"
/// was counted too, and a park with an infinite corner took in every parcel.
#[test]
fn tables_pushed_in_code_are_checked_as_read_ones_are() {
    use land_efficiency::CrsSource;
    use land_efficiency::Loaded;
    use land_efficiency::StageTimes;
    use land_efficiency::geo::{MultiPolygon, Point, polygon};
    use land_efficiency::{Audit, Enterprise, Enterprises, Error, Parcel, Parcels, Park, Parks};

    let parcel = |id: &str, geometry: MultiPolygon| Parcel {
        index: 0,
        id: id.into(),
        geometry,
        multi: false,
        planar_area_m2: None,
        industry: None,
        land_use: None,
        status: land_efficiency::Status::default(),
        floor_area_m2: None,
        recorded_area_m2: None,
        commitments: land_efficiency::Commitments::default(),
        land: land_efficiency::LandFacts::default(),
        properties: None,
        feature_id: None,
    };

    fn loaded<T>(records: T, read: usize) -> Loaded<T> {
        Loaded {
            file: "<service>".into(),
            records,
            rejected: Vec::new(),
            warnings: Vec::new(),
            read,
            crs: land_efficiency::Crs::LonLat,
            crs_source: CrsSource::Explicit,
            bbox: None,
            text: None,
            suspicions: Vec::new(),
        }
    }
    let square = |x: f64| {
        MultiPolygon(vec![polygon![
            (x: x, y: 30.0), (x: x + 0.001, y: 30.0), (x: x + 0.001, y: 30.001), (x: x, y: 30.001), (x: x, y: 30.0)
        ]])
    };
    let parcels = || {
        let mut t = Parcels::default();
        t.push(&parcel("A", square(120.0)));
        t
    };
    let firm = |id: &str, tax: f64| Enterprise {
        id: id.into(),
        tax,
        investment: 10.0,
        output: 10.0,
        location: Some(Point::new(120.0005, 30.0005)),
        ..Enterprise::default()
    };
    let assess = |parcels: Parcels, enterprises: Vec<Enterprise>, parks: Option<Parks>| {
        let mut t = Enterprises::new();
        let n = enterprises.len();
        for e in &enterprises {
            t.push(e);
        }
        let m = parcels.len();
        Audit::new(Config::default()).assess(
            loaded(parcels, m),
            Some(loaded(t, n)),
            parks.map(|p| {
                let k = p.len();
                loaded(p, k)
            }),
            &mut StageTimes::default(),
        )
    };
    // Good rows pass.
    let r = assess(parcels(), vec![firm("E1", 50.0)], None).unwrap();
    assert_eq!(r.summary.enterprises.joined, 1);
    // A negative tax, a NaN, a figure past MAX_FIGURE, a repeated id.
    let e = assess(parcels(), vec![firm("E1", -50.0)], None).unwrap_err();
    assert!(
        matches!(e, Error::NegativeValue { ref property, .. } if property == "tax"),
        "{e}"
    );
    let mut nan = firm("E1", 1.0);
    nan.investment = f64::NAN;
    let e = assess(parcels(), vec![nan], None).unwrap_err();
    assert!(
        matches!(e, Error::NotANumber { ref property, .. } if property == "investment"),
        "{e}"
    );
    let e = assess(parcels(), vec![firm("E1", 1e308)], None).unwrap_err();
    assert_eq!(e.code(), "invalid_value", "{e}");
    let e = assess(parcels(), vec![firm("E1", 1.0), firm("E1", 2.0)], None).unwrap_err();
    assert!(
        matches!(e, Error::DuplicateId { first_index: 0, .. }),
        "{e}"
    );
    // A green-space ratio written as a percentage (20 for 20%).
    let mut green = Parcels::default();
    let mut p = parcel("A", square(120.0));
    p.land.green_ratio = Some(20.0);
    green.push(&p);
    let e = assess(green, vec![], None).unwrap_err();
    assert!(
        matches!(e, Error::InvalidValue { ref property, .. } if property == "green_ratio"),
        "{e}"
    );
    // Two parcels with one id.
    let mut twice = parcels();
    let mut second = parcel("A", square(120.01));
    second.index = 1;
    twice.push(&second);
    assert_eq!(
        assess(twice, vec![], None).unwrap_err().code(),
        "duplicate_id"
    );
    // A park with an infinite corner.
    let mut parks = Parks::default();
    let mut shape = square(119.0);
    shape.0[0].exterior_mut(|ring| ring.0[1].x = f64::INFINITY);
    parks.push(&Park {
        index: 0,
        id: "K1".into(),
        name: None,
        geometry: shape,
        multi: false,
    });
    let e = assess(parcels(), vec![], Some(parks)).unwrap_err();
    assert_eq!(e.code(), "coordinate_out_of_range", "{e}");
    // A clockwise exterior (the readers orient rings; a pushed row was taken as it came, and
    // Karney's area of a clockwise ring is the rest of the ellipsoid).
    let ccw = assess(parcels(), vec![], None).unwrap();
    let mut cw = Parcels::default();
    let mut shape = square(120.0);
    shape.0[0].exterior_mut(|ring| ring.0.reverse());
    cw.push(&parcel("A", shape));
    let cw = assess(cw, vec![], None).unwrap();
    let area = |r: &land_efficiency::AuditReport| r.parcel_by_id("A").unwrap().area_m2();
    approx::assert_relative_eq!(area(&cw), area(&ccw), max_relative = 1e-12);
    assert!(
        area(&ccw) > 10_000.0 && area(&ccw) < 11_000.0,
        "{}",
        area(&ccw)
    );
    // Coordinates past lon/lat (the tables hold WGS84), and a bow-tie.
    let one = |shape| {
        let mut t = Parcels::default();
        t.push(&parcel("A", shape));
        assess(t, vec![], None).map(|_| ()).unwrap_err()
    };
    let mut far = square(120.0);
    far.0[0].exterior_mut(|ring| ring.0[2].x = 500.0);
    let e = one(far);
    assert_eq!(e.code(), "coordinate_out_of_range", "{e}");
    let bow = MultiPolygon(vec![polygon![
        (x: 120.0, y: 30.0), (x: 120.001, y: 30.001), (x: 120.001, y: 30.0), (x: 120.0, y: 30.001), (x: 120.0, y: 30.0)
    ]]);
    let e = one(bow);
    assert_eq!(e.code(), "invalid_geometry", "{e}");
    // Named as the readers name a record: the table, the row's index and id.
    let ctx = e.feature().expect("names the record");
    assert_eq!((ctx.index, ctx.id.as_deref()), (0, Some("A")));
    assert!(e.to_string().contains("<service>"), "{e}");
    // A square across the antimeridian: the reader rejects it; pushed, it was measured as the
    // rest of the globe (5.1e14 m²).
    let across = MultiPolygon(vec![polygon![
        (x: 179.9995, y: 30.0), (x: -179.9995, y: 30.0), (x: -179.9995, y: 30.001), (x: 179.9995, y: 30.001), (x: 179.9995, y: 30.0)
    ]]);
    assert_eq!(one(across).code(), "crosses_antimeridian");
    // A hand-built layer whose `read` is not its records and rejected ones: the summary's
    // read = evaluated + rejected would fail with no error.
    let e = Audit::new(Config::default())
        .assess(loaded(parcels(), 5), None, None, &mut StageTimes::default())
        .unwrap_err();
    assert_eq!(e.code(), "usage", "{e}");
    assert!(
        e.to_string()
            .contains("read is 5 but 1 records and 0 rejected"),
        "{e}"
    );
    // A firm past lon/lat.
    let mut far = firm("E1", 1.0);
    far.location = Some(Point::new(120.0005, 95.0));
    let e = assess(parcels(), vec![far], None).unwrap_err();
    assert_eq!(e.code(), "coordinate_out_of_range", "{e}");
}

/// A number written as a string (as shapefile exports write numeric text fields) is the number
/// it holds, for parcels and enterprises alike; a string holding no plain number is still
/// rejected, naming the property.
#[test]
fn a_number_written_as_a_string_is_that_number() {
    let parcels = projected(&[
        square("N", 500_000.0, 3_300_000.0, 100.0, r#","floor_area":15000"#),
        square(
            "S",
            500_200.0,
            3_300_000.0,
            100.0,
            r#","floor_area":" 15000 ""#,
        ),
        square(
            "X",
            500_400.0,
            3_300_000.0,
            100.0,
            r#","floor_area":"1.5万""#,
        ),
    ]);
    let on = |id: &str, x: f64, tax: &str| {
        format!(
            r#"{{"type":"Feature","properties":{{"enterprise_id":"{id}","tax":{tax},"investment":"3000","output":4500}},"geometry":{{"type":"Point","coordinates":[{x},3300050]}}}}"#
        )
    };
    let ents = projected(&[
        on("EN", 500_050.0, "300"),
        on("ES", 500_250.0, r#""300.0""#),
        on("EX", 500_250.0, r#""约300""#),
    ]);
    let r = run(Config::default(), parcels.clone(), Some(ents.clone()), None);
    let (n, s) = (r.parcel(0), r.parcel(1));
    assert_eq!(s.parcel_id(), "S");
    assert_eq!(n.plot_ratio(), Some(1.5));
    assert_eq!(s.plot_ratio(), n.plot_ratio());
    assert_eq!((n.tax(), n.investment()), (300.0, 3000.0));
    // ES joined as EN did; EX is rejected, and leaves S unjudged rather than misjudged.
    assert_eq!(s.enterprise_count(), 1);
    assert_eq!((s.tax(), s.investment()), (300.0, 3000.0));
    let rejected: Vec<(&str, Option<&str>)> = r
        .rejected
        .iter()
        .map(|x| (x.code, x.property.as_deref()))
        .collect();
    assert_eq!(
        rejected,
        [
            ("not_a_number", Some("floor_area")),
            ("not_a_number", Some("tax"))
        ]
    );
    assert!(r.rejected.iter().any(|x| x.reason.contains("1.5万")));
    // Each names its feature and id, and, stopping a strict run, its file.
    let at: Vec<(usize, Option<&str>)> = (r.rejected.iter())
        .map(|x| (x.index, x.id.as_deref()))
        .collect();
    assert_eq!(at, [(2, Some("X")), (2, Some("EX"))]);
    let e = Audit::new(Config::default())
        .strict(true)
        .run(&Inputs {
            parcels: Source::geojson("zd.geojson", parcels),
            enterprises: None,
            parks: None,
        })
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("zd.geojson: feature 2 (id \"X\"): property \"floor_area\""),
        "{e}"
    );
}

/// A firm whose point is on a rejected parcel lies in no parcel of the index; its reason says
/// that parcels were rejected and it may stand on one, so the analyst mends the parcel rather
/// than the firm's geocode.
#[test]
fn a_firm_on_a_rejected_parcel_is_told_it_may_stand_on_it() {
    let parcels = projected(&[
        square("OK", 500_000.0, 3_300_000.0, 100.0, ""),
        square("BAD", 500_200.0, 3_300_000.0, 100.0, r#","floor_area":-1"#),
    ]);
    let ents = projected(&[healthy("E", 500_200.0, 3_300_000.0)]);
    let r = run(Config::default(), parcels, Some(ents), None);
    let e = r
        .rejected
        .iter()
        .find(|x| x.id.as_deref() == Some("E"))
        .unwrap();
    assert_eq!(e.code, "unmatched");
    assert!(
        e.reason.ends_with(
            "lies in no parcel evaluated; 1 parcel was rejected (rejected.csv), and it may \
             stand on it"
        ),
        "{}",
        e.reason
    );
}

/// A ring that crosses itself is rejected with where it crosses, in the file's coordinates:
/// geo says only "exterior ring has a self-intersection", and a ring of hundreds of vertices
/// cannot be mended from that.
#[test]
fn a_ring_that_crosses_itself_is_rejected_with_where() {
    let bow = r#"{"type":"Feature","properties":{"parcel_id":"BOW"},"geometry":{"type":"Polygon","coordinates":[[[500000,3300000],[500010,3300010],[500010,3300000],[500000,3300010],[500000,3300000]]]}}"#;
    let hole = r#"{"type":"Feature","properties":{"parcel_id":"HOLE"},"geometry":{"type":"Polygon","coordinates":[[[500100,3300000],[500200,3300000],[500200,3300100],[500100,3300100],[500100,3300000]],[[500120,3300020],[500140,3300040],[500140,3300020],[500120,3300040],[500120,3300020]]]}}"#;
    let r = run(
        Config::default(),
        projected(&[bow.to_string(), hole.to_string()]),
        None,
        None,
    );
    let reasons: Vec<(&str, &str)> = r
        .rejected
        .iter()
        .map(|x| (x.code, x.reason.as_str()))
        .collect();
    assert_eq!(
        reasons,
        [
            (
                "invalid_geometry",
                "invalid geometry: polygon at index 0 is invalid: exterior ring has a \
                 self-intersection, at (500005, 3300005)"
            ),
            (
                "invalid_geometry",
                "invalid geometry: polygon at index 0 is invalid: interior ring at index 0 \
                 has a self-intersection, at (500130, 3300030)"
            ),
        ]
    );
}

/// A GIS writes an integer code kept in a real-number field as `12.0`: as an id or an industry
/// code it is `12`, the key another layer or a CSV gives, and a rule for industry "26" applies
/// to `2614.0`. Other numbers keep every digit as written.
#[test]
fn a_code_written_as_a_real_number_is_its_integer() {
    let parcels = projected(&[
        square("_", 500_000.0, 3_300_000.0, 100.0, r#","industry":2614.0"#)
            .replace(r#""parcel_id":"_""#, r#""parcel_id":12.0"#),
        square("_", 500_200.0, 3_300_000.0, 100.0, "")
            .replace(r#""parcel_id":"_""#, r#""parcel_id":3301050010010000001"#),
    ]);
    let ents =
        projected(&[
            enterprise("E1", 0.0, 0.0, 300.0, 3000.0, 4500.0, r#","parcel_id":12"#).replace(
                r#""geometry":{"type":"Point","coordinates":[0,0]}"#,
                r#""geometry":null"#,
            ),
        ]);
    let config = Config::from_toml(
        "[[low_efficiency.rule]]\nname = \"electronics\"\nindustry = \"26\"\nmin_tax_per_mu = 1000\n",
    )
    .unwrap();
    let r = run(config, parcels, Some(ents), None);
    let p = r.parcel(0);
    assert_eq!(p.parcel_id(), "12");
    assert_eq!(p.enterprise_count(), 1, "{:?}", r.rejected);
    assert_eq!(p.rules().to_vec(), ["electronics"]);
    assert_eq!(p.reasons().to_vec(), vec![Reason::Tax]);
    assert_eq!(r.parcel(1).parcel_id(), "3301050010010000001");
}

/// Two rules as specific as each other that both match a parcel and set one minimum to
/// different values: the later in the file is applied, which no reader of the config would
/// guess, so a warning says so, with how many parcels it decides; rules agreeing on the value
/// are no tie.
#[test]
fn rules_tied_on_a_minimum_are_warned_of() {
    let parcels = projected(&[
        square(
            "P0",
            500_000.0,
            3_300_000.0,
            100.0,
            r#","industry":"2614","land_use":"M1""#,
        ),
        square(
            "P1",
            500_200.0,
            3_300_000.0,
            100.0,
            r#","industry":"2620","land_use":"M1""#,
        ),
        square("P2", 500_400.0, 3_300_000.0, 100.0, r#","land_use":"M1""#),
    ]);
    let config = Config::from_toml(
        "[[low_efficiency.rule]]\nname = \"chem\"\nindustry = \"26\"\nmin_plot_ratio = 0.6\n\
         min_tax_per_mu = 10\n\
         [[low_efficiency.rule]]\nname = \"M1\"\nland_use = \"M1\"\nmin_plot_ratio = 1.2\n\
         min_tax_per_mu = 10\n",
    )
    .unwrap();
    let r = run(config, parcels, None, None);
    assert_eq!(r.parcel(0).thresholds().min_plot_ratio, 1.2);
    let ties: Vec<&str> = (r.warnings.iter())
        .filter(|w| w.index == usize::MAX)
        .map(|w| w.message.as_str())
        .collect();
    assert_eq!(
        ties,
        [
            "[[low_efficiency.rule]] #1 (\"chem\") and #2 (\"M1\") are as specific as each other \
             and both set min_plot_ratio for 2 parcels (the first: P0): the later in the file, \
             #2, is applied; make one more specific, or give both the same value"
        ]
    );
}
