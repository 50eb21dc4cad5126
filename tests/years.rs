//! Several years: three audits in a row (2022, 2023, 2024) of two firms on two 15-mu parcels
//! in one park, the third given both earlier audits. Every expected figure is worked by hand
//! from the inputs below, in the comments beside it.

mod common;

use std::path::{Path, PathBuf};

use common::{enterprise, example, projected, square};
use land_efficiency::{
    Audit, AuditReport, Config, Inputs, PreviousAudit, Reason, Source, WriteOptions, write_all,
};

/// 100 m squares in EPSG:4549: planar areas of exactly 10 000 m² = 15 mu.
fn parcels() -> String {
    projected(&[
        square("P1", 500_000.0, 3_300_000.0, 100.0, ""),
        square("P2", 500_200.0, 3_300_000.0, 100.0, ""),
    ])
}

fn parks() -> String {
    let k = r#"{"type":"Feature","properties":{"park_id":"K1","name":"东区"},"geometry":{"type":"Polygon","coordinates":[[[499900,3299900],[500400,3299900],[500400,3300200],[499900,3300200],[499900,3299900]]]}}"#;
    projected(&[k.to_string()])
}

/// E1's and E2's tax and output (万元) that year.
fn firms(e1: [f64; 2], e2: [f64; 2]) -> String {
    let scale = r#","above_scale":true"#;
    projected(&[
        enterprise("E1", 500_050.0, 3_300_050.0, e1[0], 1000.0, e1[1], scale),
        enterprise("E2", 500_250.0, 3_300_050.0, e2[0], 1000.0, e2[1], scale),
    ])
}

/// Score = tax per mu / 10 × 100; A ≥ 90, B ≥ 60, C ≥ 30, D below; D two years running makes
/// the firm's parcel low.
fn config(year: u16) -> Config {
    Config::from_toml(&format!(
        r#"
[report]
year = {year}
[evaluation]
classes = "score"
thresholds = [90.0, 60.0, 30.0]
d_years_low_efficiency = 2
[evaluation.above_scale]
indicators = [{{ indicator = "tax_per_mu", weight = 100, benchmark = 10.0 }}]
"#
    ))
    .unwrap()
}

fn inputs(e1: [f64; 2], e2: [f64; 2]) -> Inputs {
    Inputs {
        parcels: Source::geojson("parcels.geojson", parcels()),
        enterprises: Some(Source::geojson("enterprises.geojson", firms(e1, e2))),
        parks: Some(Source::geojson("parks.geojson", parks())),
    }
}

/// E1: tax 30, 15, 42 → 2, 1, 2.8 万元/亩 (D, D, D); output 300, 450, 600 → 20, 30, 40.
/// E2: tax 150, 165, 180 → 10, 11, 12 (A each year); output 1500 each year → 100.
const E1: [[f64; 2]; 3] = [[30.0, 300.0], [15.0, 450.0], [42.0, 600.0]];
const E2: [[f64; 2]; 3] = [[150.0, 1500.0], [165.0, 1500.0], [180.0, 1500.0]];

fn write(report: &AuditReport, dir: &Path) -> PathBuf {
    write_all(report, dir, &WriteOptions::default()).unwrap();
    dir.to_path_buf()
}

/// The 2022 and 2023 audits written into `root/2022` and `root/2023`.
fn two_years(root: &Path) -> [PathBuf; 2] {
    let y22 = Audit::new(config(2022)).run(&inputs(E1[0], E2[0])).unwrap();
    let d22 = write(&y22, &root.join("2022"));
    let y23 = Audit::new(config(2023))
        .previous(Some(PreviousAudit::from_dir(&d22).unwrap()))
        .run(&inputs(E1[1], E2[1]))
        .unwrap();
    let d23 = write(&y23, &root.join("2023"));
    [d22, d23]
}

fn close(a: Option<f64>, b: f64, what: &str) {
    let a = a.unwrap_or_else(|| panic!("{what}: none"));
    assert!((a - b).abs() < 1e-9, "{what}: {a} vs {b}");
}

#[test]
fn three_audits_give_growth_averages_and_d_years() {
    let root = tempfile::tempdir().unwrap();
    let [d22, d23] = two_years(root.path());
    // Given newest first: the audits' years (from their summary.json) put them in order.
    let audits = vec![
        PreviousAudit::from_dir(&d23).unwrap(),
        PreviousAudit::from_dir(&d22).unwrap(),
    ];
    assert_eq!((audits[0].year, audits[1].year), (Some(2023), Some(2022)));
    let report = Audit::new(config(2024))
        .previous_audits(audits)
        .unwrap()
        .run(&inputs(E1[2], E2[2]))
        .unwrap();

    let e1 = report.enterprise_by_id("E1").unwrap();
    assert_eq!(e1.consecutive_d_years(), Some(3), "D in 2022, 2023, 2024");
    let t = e1.trend().unwrap();
    close(t.tax_per_mu_growth, 2.8 / 1.0 - 1.0, "E1 tax growth");
    close(
        t.output_per_mu_growth,
        40.0 / 30.0 - 1.0,
        "E1 output growth",
    );
    close(t.tax_per_mu_3y, (2.0 + 1.0 + 2.8) / 3.0, "E1 tax 3y");
    close(
        t.output_per_mu_3y,
        (20.0 + 30.0 + 40.0) / 3.0,
        "E1 output 3y",
    );
    let e2 = report.enterprise_by_id("E2").unwrap();
    assert_eq!(e2.consecutive_d_years(), Some(0), "A every year");
    close(
        e2.trend().unwrap().tax_per_mu_growth,
        12.0 / 11.0 - 1.0,
        "E2",
    );
    close(e2.trend().unwrap().tax_per_mu_3y, 11.0, "E2 3y");

    // P1 carries E1 alone: the same figures; still low for D two years running.
    let p1 = report.parcel_by_id("P1").unwrap();
    close(
        p1.trend().unwrap().tax_per_mu_3y,
        (2.0 + 1.0 + 2.8) / 3.0,
        "P1",
    );
    assert!(p1.reasons().contains(Reason::RepeatedClassD));

    // The park: (E1 + E2) tax over 30 mu: 180/30 = 6, 180/30 = 6, 222/30 = 7.4.
    let k = &report.parks()[0];
    let t = k.trend.unwrap();
    close(t.tax_per_mu_growth, 7.4 / 6.0 - 1.0, "park growth");
    close(t.tax_per_mu_3y, (6.0 + 6.0 + 7.4) / 3.0, "park 3y");
    // Output (300 + 1500)/30 = 60, (450 + 1500)/30 = 65, (600 + 1500)/30 = 70.
    close(t.output_per_mu_3y, 65.0, "park output 3y");
    // Every parcel is in the park: the zone's figures are the park's.
    let z = report.summary().zone.trend.unwrap();
    close(z.tax_per_mu_3y, (6.0 + 6.0 + 7.4) / 3.0, "zone 3y");
    close(
        z.output_per_mu_growth,
        70.0 / 65.0 - 1.0,
        "zone output growth",
    );
}

#[test]
fn two_audits_give_growth_but_no_three_year_average() {
    let root = tempfile::tempdir().unwrap();
    let [d22, _] = two_years(root.path());
    let report = Audit::new(config(2023))
        .previous(Some(PreviousAudit::from_dir(&d22).unwrap()))
        .run(&inputs(E1[1], E2[1]))
        .unwrap();
    let t = report.enterprise_by_id("E1").unwrap().trend().unwrap();
    close(t.tax_per_mu_growth, 1.0 / 2.0 - 1.0, "E1 halved");
    assert_eq!(t.tax_per_mu_3y, None, "two years are not three");
    assert_eq!(
        report.enterprise_by_id("E1").unwrap().consecutive_d_years(),
        Some(2)
    );
}

#[test]
fn a_gap_in_the_years_gives_no_three_year_average() {
    let root = tempfile::tempdir().unwrap();
    let [d22, d23] = two_years(root.path());
    let audits = vec![
        PreviousAudit::from_dir(&d22).unwrap(),
        PreviousAudit::from_dir(&d23).unwrap(),
    ];
    // Audited as 2025: 2022 and 2023 are not the two years before it.
    let report = Audit::new(config(2025))
        .previous_audits(audits)
        .unwrap()
        .run(&inputs(E1[2], E2[2]))
        .unwrap();
    let t = report.enterprise_by_id("E1").unwrap().trend().unwrap();
    assert_eq!(t.tax_per_mu_3y, None);
    close(
        t.tax_per_mu_growth,
        2.8 / 1.0 - 1.0,
        "growth since the latest audit",
    );
}

#[test]
fn two_audits_of_one_year_are_refused() {
    let root = tempfile::tempdir().unwrap();
    let [d22, _] = two_years(root.path());
    let twice = vec![
        PreviousAudit::from_dir(&d22).unwrap(),
        PreviousAudit::from_dir(&d22).unwrap(),
    ];
    let err = Audit::new(config(2024))
        .previous_audits(twice)
        .err()
        .unwrap();
    assert!(
        err.to_string().contains("two previous audits of 2022"),
        "{err}"
    );
}

#[test]
fn the_example_takes_a_folder_of_audits() {
    let root = tempfile::tempdir().unwrap();
    let audits = root.path().join("audits");
    two_years(&audits);
    let dir = root.path();
    std::fs::write(dir.join("parcels.geojson"), parcels()).unwrap();
    std::fs::write(dir.join("parks.geojson"), parks()).unwrap();
    std::fs::write(dir.join("enterprises.geojson"), firms(E1[2], E2[2])).unwrap();
    let toml = r#"[report]
year = 2024
[evaluation]
classes = "score"
thresholds = [90.0, 60.0, 30.0]
[evaluation.above_scale]
indicators = [{ indicator = "tax_per_mu", weight = 100, benchmark = 10.0 }]
"#;
    std::fs::write(dir.join("config.toml"), toml).unwrap();
    let out = example("audit")
        .current_dir(dir)
        .args([
            "--parcels",
            "parcels.geojson",
            "--enterprises",
            "enterprises.geojson",
        ])
        .args(["--parks", "parks.geojson", "--config", "config.toml"])
        .args(["--previous", "audits", "--out", "out"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = std::fs::read_to_string(dir.join("out/enterprises.csv")).unwrap();
    let mut rows = csv::Reader::from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
    let header = rows.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let e1 = rows
        .records()
        .map(Result::unwrap)
        .find(|r| &r[0] == "E1")
        .unwrap();
    assert_eq!(&e1[col("consecutive_d_years")], "3");
    assert_eq!(&e1[col("class_history")], "D;D;D");
    let avg: f64 = e1[col("tax_per_mu_3y")].parse().unwrap();
    assert!((avg - (2.0 + 1.0 + 2.8) / 3.0).abs() < 1e-9);
    // The park's tax per mu went from 6 to 7.4: +23.3%, in the report and on stdout.
    let html = std::fs::read_to_string(dir.join("out/report.html")).unwrap();
    assert!(html.contains("亩均税收较上年") && html.contains("+23.3%"));
    // The zone's row of the roll-up table carries its growth too (one park: the same).
    let zone = &html[html.find("<td>开发区合计</td>").unwrap()..];
    let zone = &zone[..zone.find("</tr>").unwrap()];
    assert!(zone.contains("<td>+23.3%</td>"), "{zone}");
    // E1, the one D firm, has been D three years running.
    let d = &html[html.find("class=\"d-firms").unwrap()..];
    let d = &d[..d.find("</table>").unwrap()];
    assert!(d.contains("连续D类年数") && d.contains("<td>3</td>"), "{d}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("zone: tax/mu 7.40 (+23.3% on the last audit)"),
        "{stdout}"
    );
}
