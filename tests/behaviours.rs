//! Documented behaviours no other check ran (issue 23), each on inputs whose figures can be
//! checked by hand: in EPSG:4549 metres a 100 m × 100 m parcel is exactly 15 mu, and on the
//! central meridian (easting 500 000) the plane's scale is 1, so geodesic and planar areas
//! agree to a part in 10⁹.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{collection, enterprise, projected, run};
use land_efficiency::{AreaSource, Config, JoinKind, Layer, Reason, Status};
use land_efficiency::{Audit, AuditReport, Inputs, Source, WriteOptions, write_all};

/// A 100 m × 100 m (15 mu) parcel in EPSG:4549 with its south-west corner at (x, 3 300 000),
/// with `extra` properties after its id (`,"k":v`).
fn plot(id: &str, x: f64, extra: &str) -> String {
    common::square(id, x, 3_300_000.0, 100.0, extra)
}

/// One enterprise in the middle of `plot(_, x, _)`, with its sums in 万元 and floor area m².
fn tenant(id: &str, x: f64, tax: f64, investment: f64, output: f64, floor: f64) -> String {
    enterprise(
        id,
        x + 50.0,
        3_300_050.0,
        tax,
        investment,
        output,
        &format!(r#","floor_area":{floor}"#),
    )
}

/// The rows of a CSV the audit wrote (UTF-8 with a BOM), each as column → value.
fn table(path: &Path) -> Vec<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            assert_eq!(r.len(), headers.len(), "{text}");
            (headers.iter().map(str::to_string))
                .zip(r.iter().map(str::to_string))
                .collect()
        })
        .collect()
}

/// The header of a CSV the audit wrote.
fn header(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let first = text.lines().next().unwrap().trim_start_matches('\u{feff}');
    first.split(',').map(str::to_string).collect()
}

/// Writes the report's outputs into a new temporary folder.
fn written(r: &AuditReport) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_all(r, dir.path(), &WriteOptions::default()).unwrap();
    dir
}

/// The relative difference, asserted below `tol`.
fn close(got: f64, want: f64, tol: f64, what: &str) {
    assert!(
        common::rel(got, want) < tol,
        "{what}: got {got}, expected {want} (relative difference {:e})",
        common::rel(got, want)
    );
}

/// The `contract_output` and `contract_plot_ratio` reasons: a commitment is missed when the
/// actual figure is below `contract_shortfall` × the commitment; exactly at it is not missed.
/// Every parcel is 15 mu with 20/200/400 万元/亩 and plot ratio 1.5, above every minimum, so
/// the commitments are the only reasons.
#[test]
fn output_and_plot_ratio_commitments_missed_by_more_than_the_shortfall_are_reasons() {
    // (id, contract properties); tenants pay 300/3000/6000 万元 on 15 000 m² of floor.
    let cases = [
        ("CO", r#","contract_output_per_mu":1000"#), // 400 < 0.5 × 1000
        ("CO_EQ", r#","contract_output_per_mu":800"#), // 400 = 0.5 × 800
        ("CP", r#","contract_plot_ratio":4"#),       // 1.5 < 0.5 × 4
        ("CP_EQ", r#","contract_plot_ratio":3"#),    // 1.5 = 0.5 × 3
        (
            "BOTH",
            r#","contract_output_per_mu":1000,"contract_plot_ratio":4"#,
        ),
        ("NONE", ""),
    ];
    let x = |i: usize| 500_000.0 + 200.0 * i as f64;
    let parcels: Vec<String> = (cases.iter().enumerate())
        .map(|(i, (id, extra))| plot(id, x(i), extra))
        .collect();
    let ents: Vec<String> = (0..cases.len())
        .map(|i| tenant(&format!("E{i}"), x(i), 300.0, 3000.0, 6000.0, 15000.0))
        .collect();
    let r = run(
        Config::default(),
        projected(&parcels),
        Some(projected(&ents)),
        None,
    );
    assert_eq!(r.parcel_count(), cases.len());
    for p in r.parcels() {
        assert_eq!(
            (
                p.area_mu(),
                p.tax_per_mu(),
                p.investment_per_mu(),
                p.output_per_mu(),
                p.plot_ratio()
            ),
            (15.0, 20.0, 200.0, 400.0, Some(1.5)),
            "{}",
            p.parcel_id()
        );
    }
    let reasons = |id: &str| r.parcel_by_id(id).unwrap().reasons().to_vec();
    assert_eq!(reasons("CO"), [Reason::ContractOutput]);
    assert_eq!(reasons("CO_EQ"), []);
    assert_eq!(reasons("CP"), [Reason::ContractPlotRatio]);
    assert_eq!(reasons("CP_EQ"), []);
    assert_eq!(
        reasons("BOTH"),
        [Reason::ContractOutput, Reason::ContractPlotRatio]
    );
    assert_eq!(reasons("NONE"), []);
    assert_eq!(r.summary.low_efficiency_count, 3);
    assert_eq!(
        r.summary.low_efficiency_by_reason.get("contract_output"),
        Some(&2)
    );
    assert_eq!(
        r.summary
            .low_efficiency_by_reason
            .get("contract_plot_ratio"),
        Some(&2)
    );
    // As parcels.csv writes them.
    let dir = written(&r);
    let rows = table(&dir.path().join("parcels.csv"));
    let written: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|row| {
            (
                row["parcel_id"].as_str(),
                row["low_efficiency"].as_str(),
                row["reasons"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        written,
        [
            ("CO", "true", "contract_output"),
            ("CO_EQ", "false", ""),
            ("CP", "true", "contract_plot_ratio"),
            ("CP_EQ", "false", ""),
            ("BOTH", "true", "contract_output;contract_plot_ratio"),
            ("NONE", "false", ""),
        ]
    );

    // With a shortfall of 0.4, CO's 400 is exactly 0.4 × 1000: not missed. CP's 1.5 is still
    // below 0.4 × 4 = 1.6; CP_EQ's commitment of 3 now asks only 1.2.
    let config = Config::from_toml("[low_efficiency]\ncontract_shortfall = 0.4").unwrap();
    let r = run(config, projected(&parcels), Some(projected(&ents)), None);
    let reasons = |id: &str| r.parcel_by_id(id).unwrap().reasons().to_vec();
    assert_eq!(reasons("CO"), []);
    assert_eq!(reasons("CP"), [Reason::ContractPlotRatio]);
    assert_eq!(reasons("CP_EQ"), []);
    assert_eq!(reasons("BOTH"), [Reason::ContractPlotRatio]);
    assert_eq!(
        r.parcel_by_id("CO")
            .unwrap()
            .thresholds()
            .contract_shortfall,
        0.4
    );
}

/// Two parks that overlap: a parcel whose interior point lies in both is counted in the
/// first (in the parks file's order), once, with a warning naming both parks and the parcel.
#[test]
fn a_parcel_in_two_overlapping_parks_is_counted_once_with_a_warning() {
    // P is inside K1 and K2; Q inside K2 only.
    let park = |id: &str, name: &str, x0: f64, x1: f64| {
        format!(
            r#"{{"type":"Feature","properties":{{"park_id":"{id}","name":"{name}"}},"geometry":{{"type":"Polygon","coordinates":[[[{x0},3299900],[{x1},3299900],[{x1},3300200],[{x0},3300200],[{x0},3299900]]]}}}}"#
        )
    };
    let k1 = park("K1", "东区", 499_900.0, 500_150.0);
    let k2 = park("K2", "西区", 499_950.0, 500_400.0);
    let parcels = projected(&[plot("Q", 500_250.0, ""), plot("P", 500_000.0, "")]);
    let ents = projected(&[
        tenant("EQ", 500_250.0, 300.0, 3000.0, 4500.0, 15000.0),
        tenant("EP", 500_000.0, 300.0, 3000.0, 4500.0, 15000.0),
    ]);
    for (parks, first, second) in [
        (vec![k1.clone(), k2.clone()], "K1", "K2"),
        (vec![k2.clone(), k1.clone()], "K2", "K1"),
    ] {
        let r = run(
            Config::default(),
            parcels.clone(),
            Some(ents.clone()),
            Some(projected(&parks)),
        );
        let message = format!(
            "the parcel's interior point lies in 2 parks ({first}, {second}); it is counted in {first}"
        );
        assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
        let w = &r.warnings[0];
        assert_eq!(
            (w.layer, w.index, w.id.as_deref(), w.message.as_str()),
            (Layer::Parcels, 1, Some("P"), message.as_str())
        );
        assert_eq!(r.summary.warning_count, 1);
        assert_eq!(r.parcel_by_id("P").unwrap().park_id(), Some(first));
        assert_eq!(r.parcel_by_id("Q").unwrap().park_id(), Some("K2"));
        let count = |id: &str| {
            let k = r.parks.iter().find(|k| k.park_id == id).unwrap();
            (k.parcel_count, k.area_mu)
        };
        // P once, in the first park; Q in K2 whatever the order.
        let k2_count = if first == "K2" { 2 } else { 1 };
        assert_eq!(count("K1"), (2 - k2_count, 15.0 * (2 - k2_count) as f64));
        assert_eq!(count("K2"), (k2_count, 15.0 * k2_count as f64));
        assert_eq!(r.summary.outside_parks_count, 0);
        assert_eq!(r.summary.total_area_mu, 30.0);
        let dir = written(&r);
        let rows = table(&dir.path().join("warnings.csv"));
        assert_eq!(rows.len(), 1);
        let row: Vec<&str> = ["layer", "index", "id", "warning"]
            .iter()
            .map(|c| rows[0][*c].as_str())
            .collect();
        assert_eq!(row, ["parcels", "1", "P", message.as_str()]);
    }
}

/// `[fields] status_new = ["新增", "new"]`: a parcel whose status (here under `XMZT`) is 新增,
/// or `new` in any case and spacing, gets the `status = "new"` rule's threshold; 存量 and no
/// status are existing. The list is the config's: with `status_new = ["新建"]`, 新增 matches
/// neither list and is rejected.
#[test]
fn status_new_mapped_in_the_config_selects_the_new_projects_rule() {
    let config = |status_new: &str| {
        Config::from_toml(&format!(
            "[fields]\nstatus = \"XMZT\"\nstatus_new = {status_new}\n\
             [[low_efficiency.rule]]\nname = \"新增项目\"\nstatus = \"new\"\nmin_investment_per_mu = 280\n"
        ))
        .unwrap()
    };
    let cases = [
        ("N1", r#","XMZT":"新增""#),
        ("N2", r#","XMZT":" NEW ""#),
        ("X1", r#","XMZT":"存量""#),
        ("X2", ""),
    ];
    let x = |i: usize| 500_000.0 + 200.0 * i as f64;
    let parcels: Vec<String> = (cases.iter().enumerate())
        .map(|(i, (id, extra))| plot(id, x(i), extra))
        .collect();
    // 200 万元/亩 of investment (between 120 and 280); every other figure healthy.
    let ents: Vec<String> = (0..cases.len())
        .map(|i| tenant(&format!("E{i}"), x(i), 300.0, 3000.0, 4500.0, 15000.0))
        .collect();
    let r = run(
        config(r#"["新增", "new"]"#),
        projected(&parcels),
        Some(projected(&ents)),
        None,
    );
    assert_eq!(r.parcel_count(), 4, "{:?}", r.rejected);
    for id in ["N1", "N2"] {
        let p = r.parcel_by_id(id).unwrap();
        assert_eq!(p.status(), Status::New, "{id}");
        assert_eq!(p.investment_per_mu(), 200.0);
        assert_eq!(p.thresholds().min_investment_per_mu, 280.0, "{id}");
        assert_eq!(p.rules(), ["新增项目"], "{id}");
        assert_eq!(p.reasons().to_vec(), [Reason::Investment], "{id}");
    }
    for id in ["X1", "X2"] {
        let p = r.parcel_by_id(id).unwrap();
        assert_eq!(p.status(), Status::Existing, "{id}");
        assert_eq!(p.thresholds().min_investment_per_mu, 120.0, "{id}");
        assert!(p.rules().is_empty(), "{id}");
        assert!(!p.low_efficiency(), "{id}: {:?}", p.reasons().to_vec());
    }
    let rows = table(&written(&r).path().join("parcels.csv"));
    let csv: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|row| {
            (
                row["status"].as_str(),
                row["min_investment_per_mu"].as_str(),
                row["rules"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        csv,
        [
            ("new", "280", "新增项目"),
            ("new", "280", "新增项目"),
            ("existing", "120", ""),
            ("existing", "120", "")
        ]
    );

    // A list without 新增: N1 is neither new nor existing.
    let r = run(
        config(r#"["新建"]"#),
        projected(&parcels),
        Some(projected(&ents)),
        None,
    );
    let rejected: Vec<_> = r
        .rejected
        .iter()
        .filter(|x| x.layer == Layer::Parcels)
        .collect();
    let codes: Vec<_> = rejected
        .iter()
        .map(|x| (x.id.as_deref(), x.code, x.property.as_deref()))
        .collect();
    assert_eq!(
        codes,
        [
            (Some("N1"), "invalid_value", Some("XMZT")),
            (Some("N2"), "invalid_value", Some("XMZT"))
        ]
    );
    assert!(
        rejected[0].reason.contains("新增"),
        "{}",
        rejected[0].reason
    );
}

/// `[area] method = "recorded"` with `recorded_unit` `m2` and `ha`: the parcels' areas are the
/// recorded ones converted to m² (10 200 m² = 1.02 ha = 15.3 mu; 12 000 m² = 1.2 ha = 18 mu),
/// whatever their 100 m squares measure, and the per-mu figures divide by them. The 18 mu one
/// is 20% off its 10 000 m² and gets a warning.
#[test]
fn recorded_areas_in_m2_and_ha_are_the_parcels_areas() {
    for (unit, small, large) in [("m2", "10200", "12000"), ("ha", "1.02", "1.2")] {
        let parcels = projected(&[
            plot("R1", 500_000.0, &format!(r#","ZDMJ":{small}"#)),
            plot("R2", 500_200.0, &format!(r#","ZDMJ":{large}"#)),
        ]);
        // 306 万元 of tax on 15.3 mu is 20 万元/亩; 360 on 18 mu too.
        let ents = projected(&[
            tenant("E1", 500_000.0, 306.0, 3060.0, 6120.0, 15300.0),
            tenant("E2", 500_200.0, 360.0, 3600.0, 7200.0, 18000.0),
        ]);
        let config = Config::from_toml(&format!(
            "[fields]\nland_area = \"ZDMJ\"\n[area]\nmethod = \"recorded\"\nrecorded_unit = \"{unit}\"\n"
        ))
        .unwrap();
        let r = run(config, parcels, Some(ents), None);
        assert_eq!(r.parcel_count(), 2, "{unit}: {:?}", r.rejected);
        for (id, m2, mu) in [("R1", 10_200.0, 15.3), ("R2", 12_000.0, 18.0)] {
            let p = r.parcel_by_id(id).unwrap();
            assert_eq!(p.area_method(), AreaSource::Recorded, "{unit}");
            close(p.area_m2(), m2, 1e-15, &format!("{unit} {id} area_m2"));
            close(p.area_mu(), mu, 1e-15, &format!("{unit} {id} area_mu"));
            close(
                p.tax_per_mu(),
                20.0,
                1e-15,
                &format!("{unit} {id} tax per mu"),
            );
            close(
                p.plot_ratio().unwrap(),
                1.5,
                1e-15,
                &format!("{unit} {id} plot ratio"),
            );
            assert!(
                !p.low_efficiency(),
                "{unit} {id}: {:?}",
                p.reasons().to_vec()
            );
        }
        close(r.summary.total_area_mu, 33.3, 1e-15, "total area");
        assert_eq!(r.summary.area_methods.get("recorded"), Some(&2));
        // Only R2 is off its measured area by more than 5%.
        let w: Vec<_> = r
            .warnings
            .iter()
            .map(|w| (w.id.as_deref(), w.message.as_str()))
            .collect();
        assert_eq!(
            w,
            [(
                Some("R2"),
                "recorded area 12000.00 m² differs from the planar area 10000.00 m² by 20.00% (tolerance 5.00%)"
            )],
            "{unit}"
        );
        let dir = written(&r);
        let rows = table(&dir.path().join("parcels.csv"));
        let csv: Vec<(&str, &str, &str)> = rows
            .iter()
            .map(|row| {
                (
                    row["area_m2"].as_str(),
                    row["area_mu"].as_str(),
                    row["area_method"].as_str(),
                )
            })
            .collect();
        assert_eq!(
            csv,
            [("10200", "15.3", "recorded"), ("12000", "18", "recorded")],
            "{unit}"
        );
    }
}

/// Reads `overlaps.csv`: (parcel_a, parcel_b, overlap_m2) rows, `stack_size` empty on each.
fn overlaps_csv(dir: &Path) -> Vec<(String, String, f64)> {
    stacked_overlaps_csv(dir)
        .into_iter()
        .map(|(a, b, area, stack)| {
            assert_eq!(stack, "", "{a} {b}: a pair, not a stack");
            (a, b, area)
        })
        .collect()
}

/// Reads `overlaps.csv`: (parcel_a, parcel_b, overlap_m2, stack_size) rows.
fn stacked_overlaps_csv(dir: &Path) -> Vec<(String, String, f64, String)> {
    let path = dir.join("overlaps.csv");
    assert_eq!(
        header(&path),
        ["parcel_a", "parcel_b", "overlap_m2", "stack_size"]
    );
    table(&path)
        .into_iter()
        .map(|row| {
            (
                row["parcel_a"].clone(),
                row["parcel_b"].clone(),
                row["overlap_m2"].parse().unwrap(),
                row["stack_size"].clone(),
            )
        })
        .collect()
}

/// Parcels of the very same geometry, three or more, are a stack in `overlaps.csv`: one row
/// per copy against the first, `stack_size` their number, the whole parcel's area; not every
/// pair (3,000 copies wrote 140 MB of pairs). A parcel overlapping the stack is listed against
/// its first only; two copies are still a pair. `overlap_count` counts the rows.
#[test]
fn stacked_copies_are_listed_once_each_against_the_first() {
    let square = |id: &str, x: f64| {
        format!(
            r#"{{"type":"Feature","properties":{{"parcel_id":"{id}"}},"geometry":{{"type":"Polygon","coordinates":[[[{x},30],[{x1},30],[{x1},30.001],[{x},30.001],[{x},30]]]}}}}"#,
            x1 = x + 0.001
        )
    };
    let mut features: Vec<String> = (0..50)
        .map(|k| square(&format!("S{k:02}"), 120.0))
        .collect();
    features.push(square("half", 120.0005));
    features.push(square("P1", 120.01));
    features.push(square("P2", 120.01));
    let r = run(Config::default(), collection(&features), None, None);
    let rows = stacked_overlaps_csv(written(&r).path());
    assert_eq!(r.summary.overlap_count, rows.len());
    assert_eq!(rows.len(), 49 + 1 + 1, "{rows:?}");
    // geographiclib 2.1: the 0.001° square from 30°N.
    let whole = 10695.687027990818;
    for (k, (a, b, area, stack)) in rows[..49].iter().enumerate() {
        assert_eq!(
            (a.as_str(), b.as_str()),
            ("S00", format!("S{:02}", k + 1).as_str())
        );
        assert_eq!(stack, "50");
        close(
            *area,
            whole,
            1e-9,
            "a stacked copy overlaps by the whole parcel",
        );
    }
    let (a, b, area, stack) = &rows[49];
    assert_eq!(
        (a.as_str(), b.as_str(), stack.as_str()),
        ("S00", "half", "")
    );
    close(*area, whole / 2.0, 1e-6, "half the square");
    let (a, b, _, stack) = &rows[50];
    assert_eq!((a.as_str(), b.as_str(), stack.as_str()), ("P1", "P2", ""));
}

/// `overlaps.csv` lists each pair of parcels whose interiors overlap, earlier feature first,
/// with the overlap's geodesic area in m²; parcels that only share an edge are not listed.
/// In EPSG:4549 on the central meridian, two 100 m squares 50 m apart overlap by 50 m × 100 m
/// = 5000 m² (the plane's scale there is 1). 60 km east the overlap is still geodesic, as
/// docs/outputs.md says: 4999.55 m² on the ellipsoid, not the planar 5000.
#[test]
fn overlaps_csv_holds_the_pairs_and_their_overlap_area() {
    // Projected, on the central meridian and 60 km east of it; C touches B along an edge.
    let parcels = projected(&[
        plot("A", 500_000.0, ""),
        plot("B", 500_050.0, ""),
        plot("C", 500_150.0, ""),
        plot("D", 560_000.0, ""),
        plot("E", 560_050.0, ""),
    ]);
    let r = run(Config::default(), parcels, None, None);
    assert_eq!(r.summary.overlap_count, 2);
    let rows = overlaps_csv(written(&r).path());
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!((rows[0].0.as_str(), rows[0].1.as_str()), ("A", "B"));
    close(
        rows[0].2,
        5000.0,
        1e-6,
        "A∩B on the central meridian, by hand",
    );
    // The squares are cut in lon/lat, where B's corners lie a few 10⁻⁵ m off A's edges (the
    // grid lines curve, the lon/lat chords do not): 4999.9972 m². The same pipeline done
    // apart (pyproj 3.7 to EPSG:4326, shapely 2.2's intersection, geographiclib 2.1's
    // Polygon area) gives these figures to 1e-9.
    close(
        rows[0].2,
        4999.99719299667,
        1e-9,
        "A∩B, shapely and geographiclib",
    );
    assert_eq!((rows[1].0.as_str(), rows[1].1.as_str()), ("D", "E"));
    close(rows[1].2, 4999.552131140139, 1e-9, "D∩E 60 km east");
    assert!((rows[1].2 - 5000.0).abs() > 0.4, "not the planar overlap");
    // The parcels themselves are planar: exactly 15 mu each.
    assert!(r.parcels().all(|p| p.area_mu() == 15.0));

    // Lon/lat: A and B overlap by a strip 0.001° wide; F is a duplicate of E.
    let rectangle = |id: &str, x: f64, width: f64, height: f64| {
        format!(
            r#"{{"type":"Feature","properties":{{"parcel_id":"{id}"}},"geometry":{{"type":"Polygon","coordinates":[[[{x},30],[{x1},30],[{x1},{y1}],[{x},{y1}],[{x},30]]]}}}}"#,
            x1 = x + width,
            y1 = 30.0 + height
        )
    };
    let parcels = collection(&[
        rectangle("B", 120.001, 0.002, 0.001),
        rectangle("A", 120.0, 0.002, 0.001),
        rectangle("C", 120.003, 0.001, 0.001),
        rectangle("E", 120.01, 0.0005, 0.0005),
        rectangle("F", 120.01, 0.0005, 0.0005),
    ]);
    let r = run(Config::default(), parcels, None, None);
    let rows = overlaps_csv(written(&r).path());
    let pairs: Vec<(&str, &str)> = rows
        .iter()
        .map(|(a, b, _)| (a.as_str(), b.as_str()))
        .collect();
    assert_eq!(pairs, [("B", "A"), ("E", "F")]);
    // geographiclib 2.1: the 0.001° × 0.001° rectangle from 30°N, and the 0.0005° square.
    // geo's boolean operations snap the corners to a grid of about 1e-12° here: 1e-8.
    close(rows[0].2, 10695.687027990818, 1e-8, "A∩B lon/lat");
    close(
        rows[1].2,
        2673.9283576011658,
        1e-8,
        "E∩F lon/lat (duplicates)",
    );
    close(
        rows[1].2,
        r.parcel_by_id("E").unwrap().area_m2(),
        1e-8,
        "a duplicate overlaps by its whole area",
    );
}

/// `[fields.enterprises] parcel_id = "ZDDM"`: the enterprises CSV's ZDDM column is the key
/// they are joined by, before their location, and a `parcel_id` column is then an ordinary
/// column. A key naming no parcel is unmatched, naming the column.
#[test]
fn enterprises_joined_by_a_mapped_key_column() {
    let config = Config::from_toml(
        "[fields]\nparcel_id = \"ZDDM\"\n\
         [fields.enterprises]\nenterprise_id = \"TYSHXYDM\"\ntax = \"SS\"\ninvestment = \"GDZCTZ\"\n\
         output = \"ZCZ\"\nparcel_id = \"ZDDM\"\nfloor_area = \"JZMJ\"\n\
         [crs]\nenterprises = \"EPSG:4549\"\n",
    )
    .unwrap();
    let parcels = projected(&[
        plot("P1", 500_000.0, "").replace("\"parcel_id\"", "\"ZDDM\""),
        plot("P2", 500_200.0, "").replace("\"parcel_id\"", "\"ZDDM\""),
    ]);
    // E1's point is in P1 and its parcel_id column says P1, but its ZDDM is P2. E2 has no key:
    // joined by its point, in P1. E3's key names no parcel.
    let csv = "TYSHXYDM,name,SS,GDZCTZ,ZCZ,JZMJ,ZDDM,parcel_id,lon,lat\n\
               E1,甲,300,3000,4500,15000,P2,P1,500050,3300050\n\
               E2,乙,150,1500,2250,7500,,,500050,3300050\n\
               E3,丙,1,1,1,1,P9,P1,500050,3300050\n";
    let r = Audit::new(config)
        .run(&Inputs {
            parcels: Source::geojson("zd.geojson", parcels),
            enterprises: Some(Source::csv("qy.csv", csv)),
            parks: None,
        })
        .unwrap();
    let join = |id: &str| {
        let e = r.enterprise_by_id(id).unwrap();
        (e.join(), e.parcel_id())
    };
    assert_eq!(join("E1"), (JoinKind::ByKey, Some("P2")));
    assert_eq!(join("E2"), (JoinKind::ByLocation, Some("P1")));
    assert_eq!(join("E3").0, JoinKind::Unmatched);
    let (p1, p2) = (r.parcel_by_id("P1").unwrap(), r.parcel_by_id("P2").unwrap());
    assert_eq!((p1.enterprise_count(), p1.tax_per_mu()), (1, 10.0));
    assert_eq!((p2.enterprise_count(), p2.tax_per_mu()), (1, 20.0));
    let s = &r.summary.enterprises;
    assert_eq!((s.read, s.joined, s.unmatched), (3, 2, 1));
    let unmatched: Vec<_> = r
        .rejected
        .iter()
        .filter(|x| x.code == "unmatched")
        .collect();
    assert_eq!(unmatched.len(), 1, "{:?}", r.rejected);
    assert_eq!(
        (unmatched[0].id.as_deref(), unmatched[0].property.as_deref()),
        (Some("E3"), Some("ZDDM"))
    );
    assert!(
        unmatched[0].reason.contains("\"P9\""),
        "{}",
        unmatched[0].reason
    );
    // enterprises.csv says how each was joined.
    let rows = table(&written(&r).path().join("enterprises.csv"));
    let csv: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|row| {
            (
                row["enterprise_id"].as_str(),
                row["join"].as_str(),
                row["parcel_id"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        csv,
        [
            ("E1", "by_key", "P2"),
            ("E2", "by_location", "P1"),
            ("E3", "unmatched", "")
        ]
    );
}

/// An enterprises CSV given as a named pipe (`mkfifo qy.csv; iconv … > qy.csv &`): read once,
/// as CSV by its name, its rows joined and its names written out.
#[cfg(unix)]
#[test]
fn an_enterprises_csv_is_read_through_a_named_pipe() {
    use land_efficiency::write_all_with_text;
    let dir = tempfile::tempdir().unwrap();
    let parcels = dir.path().join("zd.geojson");
    std::fs::write(
        &parcels,
        projected(&[plot("P1", 500_000.0, ""), plot("P2", 500_200.0, "")]),
    )
    .unwrap();
    let fifo = dir.path().join("qy.csv");
    let csv = "\u{feff}enterprise_id,name,tax,investment,output,floor_area,parcel_id\n\
               E1,苏州华海精密机械有限公司,300,3000,4500,15000,P1\n\
               E2,\"昆山\"\"一号\"\"厂\",150,1500,2250,7500,P2\n"
        .to_string();
    let writer = common::fifo_with(&fifo, csv);
    let (report, texts) = {
        let (parcels, fifo) = (parcels.clone(), fifo.clone());
        common::within(120, "the audit of a CSV pipe (opened twice?)", move || {
            Audit::new(Config::default())
                .run_leaving_text(&Inputs {
                    parcels: Source::path(parcels),
                    enterprises: Some(Source::path(fifo)),
                    parks: None,
                })
                .unwrap()
        })
    };
    writer
        .join()
        .unwrap()
        .expect("the writer's text was all taken by the audit");
    let s = &report.summary.enterprises;
    assert_eq!((s.read, s.joined, s.rejected), (2, 2, 0));
    let (p1, p2) = (report.parcel(0), report.parcel(1));
    assert_eq!((p1.tax_per_mu(), p1.plot_ratio()), (20.0, Some(1.5)));
    assert_eq!((p2.tax_per_mu(), p2.plot_ratio()), (10.0, Some(0.75)));
    assert_eq!(
        report
            .summary
            .crs
            .enterprises
            .as_ref()
            .map(|c| c.file.as_str()),
        Some(fifo.display().to_string().as_str())
    );
    let out = dir.path().join("out");
    write_all_with_text(&report, &texts, &out, &WriteOptions::default()).unwrap();
    let rows = table(&out.join("enterprises.csv"));
    let names: Vec<(&str, &str)> = rows
        .iter()
        .map(|row| (row["enterprise_id"].as_str(), row["name"].as_str()))
        .collect();
    assert_eq!(
        names,
        [("E1", "苏州华海精密机械有限公司"), ("E2", "昆山\"一号\"厂")]
    );
}
