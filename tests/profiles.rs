//! Worked examples of three published methods in `fixtures/profiles/`: Jingde's min–max,
//! Huai'an's benchmarks of last year's mean, Huangyan's published divisors. No source read
//! publishes a worked example with a firm's figures (the Jingde 解读 gives the formula, the
//! Huai'an 解读 the weights and the benchmark rule, Huangyan the formula and its divisors), so
//! the firms' figures below are CONSTRUCTED, not published: each test applies the document's
//! stated formula to them by hand, in the comments, and checks the crate against that. Every parcel is a 100 m square in EPSG:4549: exactly 15 mu.

mod common;

use common::{enterprise, fixtures, projected, square};
use land_efficiency::{
    Audit, AuditReport, Config, Error, Inputs, PreviousAudit, Source, WriteOptions, write_all,
};

fn profile(name: &str) -> Config {
    Config::from_path(fixtures().join("profiles").join(name)).unwrap()
}

/// One parcel per firm, the firm at its centre, with these extra properties.
fn inputs(firms: &[(&str, f64, f64, String)]) -> Inputs {
    let parcels: Vec<String> = (0..firms.len())
        .map(|k| {
            let x = 500_000.0 + 200.0 * k as f64;
            square(&format!("P{k}"), x, 3_300_000.0, 100.0, "")
        })
        .collect();
    let points: Vec<String> = (firms.iter().enumerate())
        .map(|(k, (id, tax, output, extra))| {
            let x = 500_050.0 + 200.0 * k as f64;
            enterprise(id, x, 3_300_050.0, *tax, 1000.0, *output, extra)
        })
        .collect();
    Inputs {
        parcels: Source::geojson("parcels.geojson", projected(&parcels)),
        enterprises: Some(Source::geojson("enterprises.geojson", projected(&points))),
        parks: None,
    }
}

fn score(r: &AuditReport, id: &str) -> f64 {
    let e = r.enterprise_by_id(id).unwrap();
    e.evaluation().unwrap().score.unwrap()
}

/// Jingde: 单项指标得分 = 权重 × [20 + 80 × (本值 − 最小值)/(最大值 − 最小值)] / 100, six
/// indicators of weight 100 each (the profile's stand-in: the source gives no weights).
///
/// Constructed figures (per mu on 15 mu): tax per mu 2, 5, 10 (shares of the range 0, 3/8, 1);
/// every other indicator at the bottom, the middle and the top of its range (0, 1/2, 1):
/// revenue per mu 100, 200, 300; labour productivity 10, 20, 30 万元/人; revenue per tonne
/// emitted and per tce 100, 200, 300; R&D intensity 1%, 2%, 3%.
/// E1: 6 × 100 × 0.2 = 120. E2: 100 × (0.2 + 0.8 × 3/8) + 5 × 100 × (0.2 + 0.8 / 2) = 50 + 300
/// = 350. E3: 6 × 100 = 600.
#[test]
fn jingde_scores_each_indicator_from_its_floor_of_20_percent_up() {
    let firm = |k: f64| {
        format!(
            r#","above_scale":true,"value_added":{va},"employees":10,"emissions":15,"energy":15,"rd_spend":{rd}"#,
            va = 100.0 * k,
            rd = 15.0 * k * k
        )
    };
    let r = Audit::new(profile("jingde-2022-min-max.toml"))
        .run(&inputs(&[
            ("E1", 30.0, 1500.0, firm(1.0)),
            ("E2", 75.0, 3000.0, firm(2.0)),
            ("E3", 150.0, 4500.0, firm(3.0)),
        ]))
        .unwrap();
    for (id, want) in [("E1", 120.0), ("E2", 350.0), ("E3", 600.0)] {
        assert!(
            (score(&r, id) - want).abs() < 1e-9,
            "{id}: {}",
            score(&r, id)
        );
    }
    // The lowest value of an indicator still earns a fifth of its weight, not nothing.
    let e1 = r.enterprise_by_id("E1").unwrap();
    let tax = &e1.evaluation().unwrap().indicators[0];
    assert_eq!(
        (tax.score, tax.benchmark),
        (20.0, 10.0),
        "the maximum is recorded"
    );
}

fn huaian_firm(unit: &str, electricity: f64) -> String {
    format!(r#","above_scale":true,"unit":"{unit}","electricity":{electricity}"#)
}

/// Huai'an: score = Σ 指标值 / 基准值 × 权重, 基准值 = last year's mean × 2 (the profile's
/// reading of "2 倍左右").
///
/// Constructed figures. 2023 (graded with the same indicators, benchmarks the group's mean):
/// tax per mu 2, 4, 6, 8 (mean 5), revenue per mu 100 each (mean 100), tax per 万kWh 3, 6, 9,
/// 12 (mean 7.5). So the 2024 benchmarks are 10, 200 and 15.
/// 2024: E1 at every benchmark (tax 150 → 10/mu, revenue 3000 → 200/mu, 150/10 = 15/万kWh)
/// scores the weights' sum, 45 + 35 + 20 = 100; E2 at half of each (5, 100, 7.5) scores 50.
#[test]
fn huaian_benchmarks_are_last_years_means_times_two() {
    let root = tempfile::tempdir().unwrap();
    let mut first = profile("huaian-2024-previous-mean.toml");
    let e = first.evaluation.as_mut().unwrap();
    e.year = Some(2023);
    for ind in &mut e.all.as_mut().unwrap().indicators {
        ind.benchmark = land_efficiency::Benchmark::Mean;
    }
    let u = "清江浦区";
    let y23 = Audit::new(first)
        .run(&inputs(&[
            ("E1", 30.0, 1500.0, huaian_firm(u, 10.0)),
            ("E2", 60.0, 1500.0, huaian_firm(u, 10.0)),
            ("E3", 90.0, 1500.0, huaian_firm(u, 10.0)),
            ("E4", 120.0, 1500.0, huaian_firm(u, 10.0)),
        ]))
        .unwrap();
    let d23 = root.path().join("2023");
    write_all(&y23, &d23, &WriteOptions::default()).unwrap();

    let this_year = inputs(&[
        ("E1", 150.0, 3000.0, huaian_firm(u, 10.0)),
        ("E2", 75.0, 1500.0, huaian_firm(u, 10.0)),
    ]);
    let r = Audit::new(profile("huaian-2024-previous-mean.toml"))
        .previous(Some(PreviousAudit::from_dir(&d23).unwrap()))
        .run(&this_year)
        .unwrap();
    assert!(
        (score(&r, "E1") - 100.0).abs() < 1e-9,
        "{}",
        score(&r, "E1")
    );
    assert!((score(&r, "E2") - 50.0).abs() < 1e-9, "{}", score(&r, "E2"));
    let benchmarks: Vec<f64> = (r.enterprise_by_id("E1").unwrap().evaluation().unwrap())
        .indicators
        .iter()
        .map(|s| s.benchmark)
        .collect();
    assert_eq!(benchmarks, [10.0, 200.0, 15.0]);

    // Without last year's audit there is no benchmark: refused, naming the indicator.
    let err = Audit::new(profile("huaian-2024-previous-mean.toml"))
        .run(&this_year)
        .unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
    assert!(err.to_string().contains("tax_per_mu"), "{err}");
}

/// Huangyan 2022 (the published divisors): 规上 score = 亩均税收/24.097×30 +
/// 亩均增加值/136.16×20 + 单位能耗增加值/2.694×20 + 单位排放增加值/4929.81×10 +
/// 全员劳动生产率/18.14×10 + R&D占比/0.0302×10. The notice gives the formula and divisors, not a firm's figures: the
/// firms are CONSTRUCTED. E1 sits at every divisor on 15 mu (tax 24.097 × 15, value added
/// 136.16 × 15, energy = value added / 2.694, ...), so it scores 30 + 20 + 20 + 10 + 10 + 10 =
/// 100; E2 is E1 with half the tax, 100 − 15 = 85.
#[test]
fn huangyan_scores_a_firm_at_every_divisor_100() {
    let va: f64 = 136.16 * 15.0;
    let output = 10_000.0;
    let firm = format!(
        r#","above_scale":true,"value_added":{va},"energy":{},"emissions":{},"employees":{},"rd_spend":{}"#,
        va / 2.694,
        va / 4929.81,
        va / 18.14,
        0.0302 * output
    );
    let tax = 24.097 * 15.0;
    let r = Audit::new(profile("zhejiang-huangyan-2022.toml"))
        .run(&inputs(&[
            ("E1", tax, output, firm.clone()),
            ("E2", tax / 2.0, output, firm),
        ]))
        .unwrap();
    assert!(
        (score(&r, "E1") - 100.0).abs() < 1e-9,
        "{}",
        score(&r, "E1")
    );
    assert!((score(&r, "E2") - 85.0).abs() < 1e-9, "{}", score(&r, "E2"));
}
