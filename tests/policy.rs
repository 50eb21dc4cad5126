//! The evaluation as policy writes it (docs/config.md, docs/semantics.md, docs/year-on-year.md):
//! rules by industry and status, contracts, A/B/C/D, year on year. `fixtures/policy` is in
//! EPSG:4549 on the central meridian: every parcel is exactly 100 m × 100 m = 15 mu in the plane.

mod common;

use std::path::PathBuf;

use common::fixtures;
use land_efficiency::Change;
use land_efficiency::Reason;
use land_efficiency::{Audit, AuditReport, Config, Enterprise, Inputs, PreviousAudit, Source};
use land_efficiency::{Candidate, Class, Indicator, LandShare, grade, land_shares};

fn policy(name: &str) -> PathBuf {
    fixtures().join("policy").join(name)
}

fn profile(name: &str) -> Config {
    Config::from_path(fixtures().join("profiles").join(name)).unwrap()
}

fn run(config: Config, previous: Option<PreviousAudit>) -> AuditReport {
    Audit::new(config)
        .previous(previous)
        .run(&Inputs {
            parcels: Source::path(policy("parcels.geojson")),
            enterprises: Some(Source::path(policy("enterprises.geojson"))),
            parks: None,
        })
        .unwrap()
}

fn parcel<'a>(r: &'a AuditReport, id: &str) -> land_efficiency::ParcelResult<'a> {
    r.parcel_by_id(id).unwrap()
}

#[test]
fn a_parcel_is_low_only_because_it_is_new() {
    let r = run(profile("new-280-existing-120.toml"), None);
    let (n1, x1) = (parcel(&r, "N1"), parcel(&r, "X1"));
    // Same figures: 200 万元/亩 of investment. Existing firms need 120, new projects 280.
    assert_eq!(
        (n1.investment_per_mu(), x1.investment_per_mu()),
        (200.0, 200.0)
    );
    assert_eq!(n1.reasons().to_vec(), vec![Reason::Investment]);
    assert_eq!(n1.rules(), ["new projects: 280 万元/亩"]);
    assert_eq!(n1.thresholds().min_investment_per_mu, 280.0);
    assert!(!x1.low_efficiency());
    assert!(x1.rules().is_empty());
}

#[test]
fn a_contract_commitment_alone_makes_a_parcel_low() {
    let r = run(Config::default(), None);
    // C1 committed 500 万元/亩; 200 < 0.5 × 500. Every minimum is met.
    assert_eq!(
        parcel(&r, "C1").reasons().to_vec(),
        vec![Reason::ContractInvestment]
    );
    // C2 committed 30 万元/亩 of tax; 20 ≥ 0.5 × 30: not missed.
    assert!(!parcel(&r, "C2").low_efficiency());
    // Stricter shortfall: 20 < 0.75 × 30.
    let mut config = Config::default();
    config.low_efficiency.contract_shortfall = 0.75;
    assert_eq!(
        parcel(&run(config, None), "C2").reasons().to_vec(),
        vec![Reason::ContractTax]
    );
}

#[test]
fn the_national_2008_profile_sets_plot_ratio_floors_by_industry() {
    let config = profile("national-2008-plot-ratio.toml");
    let rules = &config.low_efficiency.rules;
    assert_eq!(rules.len(), 30);
    let floor = |code: &str| {
        rules
            .iter()
            .find(|r| r.industry.as_deref() == Some(code))
            .and_then(|r| r.min_plot_ratio)
    };
    // Values of Table 2 of 《工业项目建设用地控制指标》 (国土资发〔2004〕23号, 2008 revision).
    assert_eq!(floor("25"), Some(0.5));
    assert_eq!(floor("26"), Some(0.6));
    assert_eq!(floor("17"), Some(0.8));
    assert_eq!(floor("40"), Some(1.0));
    assert_eq!(floor("38"), None); // no division 38 in GB/T 4754-2002's table
    let r = run(config, None);
    let r26 = parcel(&r, "R26");
    assert_eq!(r26.plot_ratio(), Some(0.7));
    assert!(!r26.low_efficiency(), "{:?}", r26.reasons());
    assert_eq!(r26.thresholds().min_plot_ratio, 0.6);
    assert!(r26.rules()[0].contains("26"), "{:?}", r26.rules());
    assert_eq!(
        parcel(&run(Config::default(), None), "R26")
            .reasons()
            .to_vec(),
        vec![Reason::PlotRatio]
    );
}

fn evaluation_config() -> Config {
    Config::from_path(policy("evaluation.toml")).unwrap()
}

fn classes(r: &AuditReport) -> Vec<(String, Option<Class>, Option<usize>)> {
    r.enterprises()
        .filter(|e| e.id().starts_with("ET"))
        .map(|e| {
            let g = e.evaluation().unwrap();
            (e.id().to_string(), g.class, g.rank)
        })
        .collect()
}

#[test]
fn percentile_bands_with_ties_follow_the_documented_rule() {
    let r = run(evaluation_config(), None);
    // All 13 enterprises are above scale; the five others all score 200 (20 万元/亩).
    let scores: Vec<f64> = r
        .enterprises()
        .filter(|e| e.id().starts_with("ET"))
        .map(|e| e.evaluation().unwrap().score.unwrap())
        .collect();
    assert_eq!(
        scores,
        vec![150.0, 120.0, 120.0, 100.0, 100.0, 100.0, 80.0, 60.0]
    );
    // 13 graded: the five at 200 share rank 1 (r/n = 1/13); then 150 is rank 6 (6/13 = 0.46: B),
    // 120 ×2 rank 7 (0.54: B), 100 ×3 rank 9 (0.69: B), 80 rank 12 (0.92: C), 60 rank 13 (D).
    let got = classes(&r);
    let want = [
        ("ET1", Class::B, 6),
        ("ET2", Class::B, 7),
        ("ET3", Class::B, 7),
        ("ET4", Class::B, 9),
        ("ET5", Class::B, 9),
        ("ET6", Class::B, 9),
        ("ET7", Class::C, 12),
        ("ET8", Class::D, 13),
    ];
    for ((id, class, rank), (wid, wclass, wrank)) in got.iter().zip(want) {
        assert_eq!(
            (id.as_str(), *class, *rank),
            (wid, Some(wclass), Some(wrank))
        );
    }
    let top = r.enterprise_by_id("EN1").unwrap().evaluation().unwrap();
    assert_eq!(
        (top.class, top.rank, top.group_size),
        (Some(Class::A), Some(1), 13)
    );
}

#[test]
fn ties_across_a_band_edge_lift_every_tied_enterprise() {
    // Only the eight T enterprises: ranks 1, 2, 2, 4, 4, 4, 7, 8 of 8. The two at 120 sit at
    // r/n = 0.25, inside A; so A holds three (37.5%), not two.
    let e: Vec<Enterprise> = [15.0, 12.0, 12.0, 10.0, 10.0, 10.0, 8.0, 6.0]
        .iter()
        .enumerate()
        .map(|(i, t)| Enterprise {
            id: format!("E{i}"),
            tax: t * 15.0,
            above_scale: Some(true),
            ..Enterprise::default()
        })
        .collect();
    let candidates: Vec<Candidate> = e
        .iter()
        .map(|e| Candidate {
            enterprise: e,
            land_m2: Some(10_000.0),
        })
        .collect();
    let config = evaluation_config().evaluation.unwrap();
    let g = grade(&candidates, &config).unwrap();
    let got: Vec<(Option<Class>, Option<usize>)> = g.iter().map(|g| (g.class, g.rank)).collect();
    use Class::*;
    assert_eq!(
        got,
        vec![
            (Some(A), Some(1)),
            (Some(A), Some(2)),
            (Some(A), Some(2)),
            (Some(B), Some(4)),
            (Some(B), Some(4)),
            (Some(B), Some(4)),
            (Some(C), Some(7)),
            (Some(D), Some(8))
        ]
    );
    // Score thresholds instead: A ≥ 120, B ≥ 100, C ≥ 80.
    let mut by_score = config.clone();
    by_score.classes = land_efficiency::ClassMethod::Score;
    by_score.thresholds = vec![120.0, 100.0, 80.0];
    let got: Vec<Option<Class>> = grade(&candidates, &by_score)
        .unwrap()
        .iter()
        .map(|g| g.class)
        .collect();
    assert_eq!(
        got,
        vec![
            Some(A),
            Some(A),
            Some(A),
            Some(B),
            Some(B),
            Some(B),
            Some(C),
            Some(D)
        ]
    );
}

/// Huangyan's (黄岩, Taizhou) 亩均效益 evaluation for 2022 (published 2023-09-25), the 规上 formula
/// written out by hand:
/// 亩均税收/24.097×30 + 亩均增加值/136.16×20 + 单位能耗增加值/2.694×20 + 单位排放增加值/4929.81×10
/// + 全员劳动生产率/18.14×10 + R&D占比/0.0302×10; 规下: 亩均税收/11.5932×50 + 单位用电税收/0.2352×50.
#[test]
fn huangyan_2022_reproduced_figure_for_figure() {
    let config = profile("zhejiang-huangyan-2022.toml").evaluation.unwrap();
    // A 规上 firm on 15 mu (10 000 m²).
    let h1 = Enterprise {
        id: "H1".into(),
        above_scale: Some(true),
        tax: 433.746,              // 28.9164 万元/亩
        value_added: Some(1021.2), // 68.08 万元/亩
        energy_tce: Some(379.064),
        emissions_t: Some(0.103_574),
        employees: Some(70.0),
        rd_spend: Some(453.0),
        output: 10_000.0,
        ..Enterprise::default()
    };
    // Another 规上 firm with no emission data: it gets the average 规上 score of that indicator.
    let h2 = Enterprise {
        id: "H2".into(),
        emissions_t: None,
        tax: 200.0,
        ..h1.clone()
    };
    // A 规下 firm on 15 mu.
    let l1 = Enterprise {
        id: "L1".into(),
        above_scale: Some(false),
        tax: 86.949,                      // 5.7966 万元/亩
        electricity_10k_kwh: Some(300.0), // 0.28983 万元/万kWh
        output: 1000.0,
        ..Enterprise::default()
    };
    let candidates: Vec<Candidate> = [&h1, &h2, &l1]
        .iter()
        .map(|e| Candidate {
            enterprise: e,
            land_m2: Some(10_000.0),
        })
        .collect();
    let g = grade(&candidates, &config).unwrap();

    let h1_expected = [
        (Indicator::TaxPerMu, (433.746f64 / 15.0) / 24.097 * 30.0),
        (Indicator::ValueAddedPerMu, (1021.2 / 15.0) / 136.16 * 20.0),
        (
            Indicator::ValueAddedPerEnergy,
            (1021.2 / 379.064) / 2.694 * 20.0,
        ),
        (
            Indicator::ValueAddedPerEmission,
            (1021.2 / 0.103_574) / 4929.81 * 10.0,
        ),
        (
            Indicator::LabourProductivity,
            (1021.2 / 70.0) / 18.14 * 10.0,
        ),
        (Indicator::RdIntensity, (453.0 / 10_000.0) / 0.0302 * 10.0),
    ];
    // The same figures as round numbers: 36.000, 10.000, 20.000, 20.000, 8.042, 15.000.
    let rounded: Vec<f64> = h1_expected
        .iter()
        .map(|(_, v)| (v * 1000.0).round() / 1000.0)
        .collect();
    assert_eq!(rounded, vec![36.0, 10.0, 20.0, 20.0, 8.042, 15.0]);
    for ((ind, want), got) in h1_expected.iter().zip(&g[0].indicators) {
        assert_eq!(got.indicator, *ind);
        assert!(
            (got.score - want).abs() < 1e-9,
            "{ind:?}: {} vs {want}",
            got.score
        );
        assert!(!got.imputed);
    }
    let h1_total: f64 = h1_expected.iter().map(|(_, v)| v).sum();
    assert!((g[0].score.unwrap() - h1_total).abs() < 1e-9);
    assert!((h1_total - 109.042).abs() < 1e-3);

    // H2's emission points are the group's average over those with data: H1's 20.000.
    let h2_emission = &g[1].indicators[3];
    assert!(h2_emission.imputed && h2_emission.value.is_none());
    assert!((h2_emission.score - h1_expected[3].1).abs() < 1e-12);
    assert!((g[1].indicators[0].score - (200.0 / 15.0) / 24.097 * 30.0).abs() < 1e-9);

    // 规下: 5.7966/11.5932×50 + 0.28983/0.2352×50 = 25 + 61.614.
    let l1_expected = (86.949 / 15.0) / 11.5932 * 50.0 + (86.949 / 300.0) / 0.2352 * 50.0;
    assert!((g[2].score.unwrap() - l1_expected).abs() < 1e-9);
    assert_eq!(g[2].group.as_str(), "below_scale");
    // Below 5 亩 of land: listed, not graded.
    let small = [Candidate {
        enterprise: &h1,
        land_m2: Some(3000.0),
    }];
    let s = &grade(&small, &config).unwrap()[0];
    assert_eq!(s.class, None);
    assert!(
        s.not_graded
            .as_deref()
            .unwrap()
            .contains("below the minimum")
    );
}

/// The audit of in-memory parcels (GeoJSON) and enterprises (CSV) with the evaluation fixture.
fn evaluate_csv(parcels: &str, enterprises: &str) -> AuditReport {
    Audit::new(evaluation_config())
        .run(&Inputs {
            parcels: Source::geojson("p", parcels),
            enterprises: Some(Source::csv("e.csv", enterprises)),
            parks: None,
        })
        .unwrap()
}

/// Four identical firms on four parcels whose areas differ in the tenth significant digit
/// (what different places do to the last bits of a geodesic area) share one rank and class; a
/// firm a millionth better than its twin still ranks above it.
#[test]
fn scores_equal_but_for_rounding_share_a_rank() {
    let parcels = |widths: &[f64]| {
        let features: Vec<String> = widths
            .iter()
            .enumerate()
            .map(|(k, w)| {
                let x = 500_000.0 + 200.0 * k as f64;
                format!(
                    r#"{{"type":"Feature","properties":{{"parcel_id":"P{k}"}},"geometry":{{"type":"Polygon","coordinates":[[[{x},3300000],[{x1},3300000],[{x1},3300100],[{x},3300100],[{x},3300000]]]}}}}"#,
                    x1 = x + w
                )
            })
            .collect();
        format!(
            r#"{{"type":"FeatureCollection","crs":{{"type":"name","properties":{{"name":"EPSG:4549"}}}},"features":[{}]}}"#,
            features.join(",")
        )
    };
    let ents = "enterprise_id,tax,investment,output,floor_area,above_scale,parcel_id\n\
                E0,150,1,1,6000,true,P0\nE1,150,1,1,6000,true,P1\n\
                E2,150,1,1,6000,true,P2\nE3,150,1,1,6000,true,P3\n";
    let ranks = |r: &AuditReport| -> Vec<(Option<usize>, Option<Class>)> {
        r.enterprises()
            .map(|e| {
                let g = e.evaluation().unwrap();
                (g.rank, g.class)
            })
            .collect()
    };
    let near = evaluate_csv(&parcels(&[100.0, 100.0 + 1e-8, 100.0 - 1e-8, 100.0]), ents);
    let scores: Vec<f64> = near
        .enterprises()
        .map(|e| e.evaluation().unwrap().score.unwrap())
        .collect();
    assert!(
        scores[1] != scores[0] && scores[2] != scores[0],
        "{scores:?}"
    );
    assert_eq!(ranks(&near), vec![(Some(1), Some(Class::A)); 4]);
    let apart = evaluate_csv(&parcels(&[100.0, 100.0 + 1e-4, 100.0, 100.0]), ents);
    let r = ranks(&apart);
    assert_eq!((r[0].0, r[1].0), (Some(1), Some(4)), "{r:?}");
}

#[test]
fn tenants_share_land_by_floor_area_and_exempt_firms_are_listed_not_graded() {
    assert_eq!(
        land_shares(&[Some(6000.0), Some(2000.0)], LandShare::FloorArea),
        vec![0.75, 0.25]
    );
    assert_eq!(
        land_shares(&[Some(6000.0), Some(2000.0)], LandShare::Equal),
        vec![0.5, 0.5]
    );
    let parcels = r#"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:4549"}},"features":[
      {"type":"Feature","properties":{"parcel_id":"P"},"geometry":{"type":"Polygon","coordinates":[[[500000,3300000],[500100,3300000],[500100,3300100],[500000,3300100],[500000,3300000]]]}}]}"#;
    let ents = "enterprise_id,tax,investment,output,floor_area,above_scale,exempt,parcel_id\n\
                A,150,1,1,6000,true,false,P\nB,150,1,1,2000,true,false,P\nW,150,1,1,2000,true,是,P\n";
    let r = evaluate_csv(parcels, ents);
    let land: Vec<Option<f64>> = r.enterprises().map(|e| e.land_m2()).collect();
    assert_eq!(land, vec![Some(6000.0), Some(2000.0), Some(2000.0)]);
    // A: 150 万元 on 9 mu = 16.67/mu → 166.7; B: 150 on 3 mu = 50/mu → 500.
    let a = r.enterprise(0).evaluation().unwrap();
    assert!((a.score.unwrap() - 150.0 / 9.0 * 10.0).abs() < 1e-9);
    let w = r.enterprise(2).evaluation().unwrap();
    assert_eq!(
        (w.class, w.not_graded.as_deref()),
        (None, Some("exempt (免评)"))
    );
    // The parcel's class is its main tenant's: A (6000 m²).
    assert_eq!(
        r.parcel(0).class(),
        r.enterprise(0).evaluation().unwrap().class
    );
}

/// A tenant with no floor area on a parcel shared by floor area holds no land: its per-mu
/// figures are undefined, so it is not graded. (It was given the group's mean, ranking a firm
/// with no tax above one that paid some.)
#[test]
fn a_tenant_with_no_floor_area_holds_no_land_and_is_not_graded() {
    let parcels = r#"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:4549"}},"features":[
      {"type":"Feature","properties":{"parcel_id":"P"},"geometry":{"type":"Polygon","coordinates":[[[500000,3300000],[500100,3300000],[500100,3300100],[500000,3300100],[500000,3300000]]]}},
      {"type":"Feature","properties":{"parcel_id":"Q"},"geometry":{"type":"Polygon","coordinates":[[[500200,3300000],[500300,3300000],[500300,3300100],[500200,3300100],[500200,3300000]]]}}]}"#;
    let ents = "enterprise_id,tax,investment,output,floor_area,above_scale,parcel_id\n\
                A,300,1,1,10000,true,P\nB,0,1,1,0,true,P\nC,150,1,1,10000,true,Q\n";
    let r = evaluate_csv(parcels, ents);
    let b = r.enterprise(1).evaluation().unwrap();
    assert_eq!(r.enterprise(1).land_m2(), Some(0.0));
    assert_eq!(
        (b.class, b.score, b.not_graded.as_deref()),
        (
            None,
            None,
            Some("no land: its share of the parcel is 0 (no floor area)")
        )
    );
    // A (20 万元/亩 → 200) and C (10 → 100) are ranked between themselves.
    let (a, c) = (
        r.enterprise(0).evaluation().unwrap(),
        r.enterprise(2).evaluation().unwrap(),
    );
    assert_eq!((a.rank, c.rank), (Some(1), Some(2)));
}

#[test]
fn year_on_year_changes_class_history_and_two_years_of_d() {
    let previous = PreviousAudit::from_dir(policy("previous")).unwrap();
    let mut config = evaluation_config();
    config.low_efficiency = profile("new-280-existing-120.toml").low_efficiency;
    let r = run(config, Some(previous));
    assert_eq!(parcel(&r, "N1").change(), Some(Change::BecameLow));
    assert_eq!(parcel(&r, "X1").change(), Some(Change::Recovered));
    assert_eq!(parcel(&r, "C1").change(), Some(Change::StillLow));
    assert_eq!(parcel(&r, "C2").change(), Some(Change::StillOk));
    assert_eq!(parcel(&r, "R26").change(), Some(Change::New));
    // ET8 was C then D and is D again: two years of D make T8 low with its own reason.
    let history = |id: &str| {
        let h = r.enterprise_by_id(id).unwrap().class_history();
        h.iter()
            .map(|c| c.map_or("-", Class::as_str))
            .collect::<Vec<_>>()
            .join(";")
    };
    assert_eq!(history("ET8"), "C;D;D");
    assert_eq!(history("ET7"), "D;C"); // D last year, C now: no
    assert_eq!(history("ET1"), "B;B");
    assert!(parcel(&r, "T8").reasons().contains(Reason::RepeatedClassD));
    assert!(!parcel(&r, "T7").reasons().contains(Reason::RepeatedClassD));
    let changes = r.summary.changes.as_ref().unwrap();
    assert_eq!((changes["became_low"], changes["recovered"]), (1, 1));
    // Last year's parcels missing from this audit are counted, not lost.
    assert_eq!((changes["gone"], changes["gone_low"]), (2, 1));
    // Which previous audit it was: its files as given, and how much of this audit it covers.
    let previous = r.summary.previous.as_ref().unwrap();
    let given = policy("previous");
    assert_eq!(
        previous.files,
        [
            given.join("parcels.csv").display().to_string(),
            given.join("enterprises.csv").display().to_string()
        ]
    );
    assert_eq!((previous.parcels, previous.matched), (7, 5));
    // report.html shows it with the changes, in either language.
    for (lang, words) in [
        (
            land_efficiency::Lang::Zh,
            [
                "与上年比较",
                "上年审计: ",
                "新转为低效</td><td>1<",
                "其中上年为低效</td><td>1<",
            ],
        ),
        (
            land_efficiency::Lang::En,
            [
                "Year on year",
                "Previous audit: ",
                "Became low-efficiency</td><td>1<",
                "of them low-efficiency last year</td><td>1<",
            ],
        ),
    ] {
        let options = land_efficiency::ReportOptions {
            lang,
            ..Default::default()
        };
        let mut html = Vec::new();
        land_efficiency::write_report_html(&r, &mut html, &options).unwrap();
        let html = String::from_utf8(html).unwrap();
        for w in words {
            assert!(html.contains(w), "{w}");
        }
        assert!(html.contains(&format!("{}/parcels.csv", given.display())));
        assert!(html.contains(": 5 / 13</p>"), "parcels found there");
    }
    // The files carry it.
    let dir = tempfile::tempdir().unwrap();
    land_efficiency::write_all(&r, dir.path(), &Default::default()).unwrap();
    let csv = std::fs::read_to_string(dir.path().join("enterprises.csv")).unwrap();
    assert!(
        csv.lines()
            .any(|l| l.starts_with("ET8,") && l.contains(",D,C;D;D,")),
        "{csv}"
    );
    // And it can be read back as next year's previous audit.
    let again = PreviousAudit::from_dir(dir.path()).unwrap();
    assert_eq!(
        again.enterprises["ET8"],
        vec![Some(Class::C), Some(Class::D), Some(Class::D)]
    );
    assert!(again.parcels["N1"]);
}

#[test]
fn a_config_built_in_code_is_validated_as_a_toml_one_is() {
    let inputs = Inputs {
        parcels: Source::path(policy("parcels.geojson")),
        enterprises: Some(Source::path(policy("enterprises.geojson"))),
        parks: None,
    };
    let message = |config: Config| match Audit::new(config).run(&inputs) {
        Err(e @ land_efficiency::Error::Config { .. }) => e.to_string(),
        other => panic!("expected a config error, got {other:?}"),
    };
    // Score classes with no thresholds: grading indexed the missing thresholds.
    let mut config = evaluation_config();
    let evaluation = config.evaluation.as_mut().unwrap();
    evaluation.classes = land_efficiency::ClassMethod::Score;
    evaluation.thresholds.clear();
    assert!(message(config).contains("evaluation.thresholds"));
    // Percentile bands that are not three.
    let mut config = evaluation_config();
    config.evaluation.as_mut().unwrap().bands = vec![0.25];
    assert!(message(config.clone()).contains("evaluation.bands"));
    // `grade` on its own refuses it too, rather than index a missing band.
    let e = Enterprise {
        id: "E1".into(),
        ..Enterprise::default()
    };
    let candidate = Candidate {
        enterprise: &e,
        land_m2: Some(10_000.0),
    };
    match grade(&[candidate], config.evaluation.as_ref().unwrap()) {
        Err(land_efficiency::Error::Config { path, message }) => {
            assert_eq!(path, std::path::Path::new("<config>"));
            assert!(message.contains("evaluation.bands"), "{message}");
        }
        other => panic!("expected the config error on its bands, got {other:?}"),
    }
    // A NaN minimum would never be missed, a cap of 30 (per cent) never exceeded.
    let mut config = Config::default();
    config.low_efficiency.min_tax_per_mu = f64::NAN;
    assert!(message(config).contains("min_tax_per_mu"));
    let mut config = Config::default();
    config.park.max_low_efficiency_ratio = 30.0;
    assert!(message(config).contains("max_low_efficiency_ratio"));
    // A CRS name this build cannot use is the config's error, as from TOML.
    let mut config = Config::default();
    config.crs.input = Some("EPSG:999999".into());
    assert!(message(config).contains("crs.input"));
}

/// The audit with `previous`, its error if it fails.
fn try_run(config: Config, previous: PreviousAudit) -> Result<AuditReport, land_efficiency::Error> {
    Audit::new(config).previous(Some(previous)).run(&Inputs {
        parcels: Source::path(policy("parcels.geojson")),
        enterprises: Some(Source::path(policy("enterprises.geojson"))),
        parks: None,
    })
}

/// A previous folder holding `parcels.csv` (and `enterprises.csv` when given), read back.
fn previous_folder(parcels: &str, enterprises: Option<&str>) -> (tempfile::TempDir, PreviousAudit) {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("audit-2023");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("parcels.csv"), parcels).unwrap();
    if let Some(e) = enterprises {
        std::fs::write(folder.join("enterprises.csv"), e).unwrap();
    }
    let previous = PreviousAudit::from_dir(&folder).unwrap();
    (dir, previous)
}

/// A previous audit that shares no parcel id with this one (another zone's, or its ids
/// stripped of leading zeros by Excel) would call every parcel new and every old one gone: it
/// is refused, naming the folder and ids from both sides. One that covers under half of this
/// audit's parcels is a warning with the count, first in warnings.csv.
#[test]
fn a_previous_audit_of_other_parcels_is_refused_and_a_thin_one_warned() {
    let (_dir, previous) = previous_folder(
        "parcel_id,low_efficiency\n10,false\n9,true\n100,true\n",
        None,
    );
    let e = match try_run(Config::default(), previous) {
        Err(e @ land_efficiency::Error::Csv { .. }) => e.to_string(),
        other => panic!("expected a CSV error, got {:?}", other.map(|_| ())),
    };
    assert!(
        e.contains("audit-2023 shares no parcel id with this one"),
        "{e}"
    );
    assert!(
        e.contains(r#"3 parcels there (e.g. "9", "10"), 13 here (e.g. "C1", "C2")"#),
        "{e}"
    );
    assert!(e.contains("leading zeros"), "{e}");

    // The policy fixture's previous audit has 5 of these 13 parcels.
    let previous = PreviousAudit::from_dir(policy("previous")).unwrap();
    let r = try_run(Config::default(), previous).unwrap();
    let w = &r.warnings[0];
    assert_eq!((w.index, w.id.as_deref()), (usize::MAX, None));
    assert!(
        w.message
            .starts_with("only 5 of this audit's 13 parcels are in the previous audit ")
            && w.message.contains("(7 parcels there)"),
        "{}",
        w.message
    );
    let dir = tempfile::tempdir().unwrap();
    land_efficiency::write_all(&r, dir.path(), &Default::default()).unwrap();
    let csv = std::fs::read_to_string(dir.path().join("warnings.csv")).unwrap();
    assert!(
        csv.lines()
            .nth(1)
            .unwrap()
            .starts_with("parcels,,,\"only 5 of"),
        "{csv}"
    );

    // Every parcel there: no warning.
    let all = "N1,X1,C1,C2,R26,T1,T2,T3,T4,T5,T6,T7,T8"
        .split(',')
        .map(|id| format!("{id},false,false\n"))
        .collect::<String>();
    let table = format!("parcel_id,low_efficiency,tenants_incomplete\n{all}");
    let (_dir, previous) = previous_folder(&table, None);
    let r = try_run(Config::default(), previous).unwrap();
    assert!(
        r.warnings.iter().all(|w| w.index != usize::MAX),
        "{:?}",
        r.warnings
    );
    // Without its tenants_incomplete column (renamed, or an older audit's), a parcel not
    // judged then would pass for one judged: said once, about the run.
    let (_dir, previous) =
        previous_folder(&table.replace(",tenants_incomplete", ",租户不全"), None);
    let r = try_run(Config::default(), previous).unwrap();
    let notes: Vec<&str> = (r.warnings.iter())
        .filter(|w| w.index == usize::MAX)
        .map(|w| w.message.as_str())
        .collect();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].contains("parcels.csv has no tenants_incomplete column"),
        "{notes:?}"
    );
}

/// A previous audit whose graded firms share no id with those this audit grades (another
/// zone's, or an enterprises.csv Excel saved with its ids' leading zeros dropped) would
/// restart every class history and leave "D two years running" silently off: refused, naming
/// ids from both sides and the likely cause.
#[test]
fn a_previous_audit_of_other_firms_is_refused() {
    let parcels = std::fs::read_to_string(policy("previous/parcels.csv")).unwrap();
    let (_dir, previous) = previous_folder(
        &parcels,
        Some("enterprise_id,class,class_history\n8,D,C;D\n7,D,D\n"),
    );
    let e = match try_run(evaluation_config(), previous) {
        Err(e @ land_efficiency::Error::Csv { .. }) => e.to_string(),
        other => panic!("expected a CSV error, got {:?}", other.map(|_| ())),
    };
    assert!(
        e.contains(r#"audit-2023 graded 2 firms (e.g. "7", "8"), none of the"#),
        "{e}"
    );
    assert!(e.contains("9.13301E+17"), "{e}");
    // The fixture's own previous audit graded 3 of them: a warning, not an error.
    let previous = PreviousAudit::from_dir(policy("previous")).unwrap();
    let r = try_run(evaluation_config(), previous).unwrap();
    assert!(
        r.warnings
            .iter()
            .any(|w| w.index == usize::MAX && w.message.starts_with("only 3 of the ")),
        "{:?}",
        r.warnings
    );
}

/// `d_years_low_efficiency = 2` takes last year's classes from the previous audit: one with no
/// enterprises.csv, or with one an audit without [evaluation] wrote (class columns empty),
/// would leave the rule silently off, so it is refused saying why and what to do.
#[test]
fn two_years_of_d_needs_the_previous_classes() {
    let parcels = std::fs::read_to_string(policy("previous/parcels.csv")).unwrap();
    let refused = |previous: PreviousAudit| match try_run(evaluation_config(), previous) {
        Err(e @ land_efficiency::Error::Csv { .. }) => e.to_string(),
        other => panic!("expected a CSV error, got {:?}", other.map(|_| ())),
    };
    let (_dir, previous) = previous_folder(&parcels, None);
    let e = refused(previous.clone());
    assert!(
        e.contains(
            "enterprises.csv: [evaluation] d_years_low_efficiency = 2 needs last year's classes"
        ),
        "{e}"
    );
    assert!(
        e.contains("audit-2023, but it has no enterprises.csv"),
        "{e}"
    );
    assert!(e.contains("set d_years_low_efficiency = 0"), "{e}");
    // Without the rule, the same folder is fine.
    let mut config = evaluation_config();
    config.evaluation.as_mut().unwrap().d_years_low_efficiency = 0;
    assert!(try_run(config, previous).is_ok());
    // An enterprises.csv with its class columns empty, or without them.
    for table in [
        "enterprise_id,class,class_history\nET8,,\nET7,,\n",
        "enterprise_id,name\nET8,x\n",
    ] {
        let (_dir, previous) = previous_folder(&parcels, Some(table));
        let e = refused(previous);
        assert!(
            e.contains("its enterprises.csv gives no enterprise a class"),
            "{e}"
        );
    }
}

/// A rule that would match every parcel, change nothing, or repeat another rule's criteria is
/// refused with its place in the file. Before, `[[low_efficiency.rule]]` with only a minimum
/// (or `industry = ""`) made every parcel of this fixture low, each listing the rule.
#[test]
fn rules_that_match_everything_set_nothing_or_repeat_are_refused() {
    for (toml, message) in [
        (
            "[[low_efficiency.rule]]\nindustry = \"34\"\nmin_tax_per_mu = 10\n\
             [[low_efficiency.rule]]\nname = \"everything\"\nmin_tax_per_mu = 1000",
            "[[low_efficiency.rule]] #2 (\"everything\"): a rule needs at least one of industry, status, park, land_use",
        ),
        (
            "[[low_efficiency.rule]]\nindustry = \"\"\nmin_tax_per_mu = 1000",
            "[[low_efficiency.rule]] #1: industry is empty",
        ),
        (
            "[[low_efficiency.rule]]\nindustry = \"34\"\nname = \"no-op\"",
            "[[low_efficiency.rule]] #1 (\"no-op\"): the rule sets nothing",
        ),
        (
            "[[low_efficiency.rule]]\nindustry = \"34\"\nmin_tax_per_mu = 10\n\
             [[low_efficiency.rule]]\nindustry = \"34\"\nmin_tax_per_mu = 1000",
            "[[low_efficiency.rule]] #2 has the same criteria (industry = \"34\") as \
             [[low_efficiency.rule]] #1: they set min_tax_per_mu 10 and 1000",
        ),
    ] {
        match Config::from_toml(toml) {
            Err(land_efficiency::Error::Config { path, message: e }) => {
                assert_eq!(path, std::path::Path::new("<config>"));
                assert!(e.contains(message), "{e}");
            }
            other => panic!("expected a config error, got {other:?}"),
        }
    }
    // Built in code, the audit refuses it too, rather than mark every parcel low.
    let mut config = Config::default();
    config.low_efficiency.rules.push(land_efficiency::Rule {
        min_tax_per_mu: Some(1000.0),
        ..Default::default()
    });
    let result = Audit::new(config).run(&Inputs {
        parcels: Source::path(policy("parcels.geojson")),
        enterprises: Some(Source::path(policy("enterprises.geojson"))),
        parks: None,
    });
    match result {
        Err(land_efficiency::Error::Config { path, message }) => {
            assert_eq!(path, std::path::Path::new("<config>"));
            assert!(
                message.starts_with("[[low_efficiency.rule]] #1: a rule needs at least one of"),
                "{message}"
            );
        }
        other => panic!("expected a config error, got {:?}", other.map(|_| ())),
    }
}

/// Every shipped profile loads (and so passes validation): a check added to rules must not
/// refuse a profile users start from.
#[test]
fn every_profile_loads() {
    let mut names: Vec<String> = std::fs::read_dir(fixtures().join("profiles"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    names.sort();
    assert_eq!(names.len(), 10, "{names:?}");
    for name in &names {
        profile(name);
    }
}

/// A rule naming a park no park has (a typo, `K9` for `K09`) matched nothing, silently. Only
/// the audit reads the parks, so it is a warning there, about the parks layer as a whole.
#[test]
fn a_rule_naming_an_unknown_park_is_a_warning() {
    let zone = fixtures().join("zone");
    let config = Config::from_toml(
        "[[low_efficiency.rule]]\npark = \"K2\"\nmin_tax_per_mu = 20\n\
         [[low_efficiency.rule]]\nname = \"park nine\"\npark = \"K9\"\nmin_tax_per_mu = 20",
    )
    .unwrap();
    let run = |parks: bool| {
        Audit::new(config.clone())
            .run(&Inputs {
                parcels: Source::path(zone.join("parcels.geojson")),
                enterprises: Some(Source::path(zone.join("enterprises.geojson"))),
                parks: parks.then(|| Source::path(zone.join("parks.geojson"))),
            })
            .unwrap()
    };
    let r = run(true);
    let notes: Vec<&land_efficiency::Warning> = r
        .warnings
        .iter()
        .filter(|w| w.index == land_efficiency::Warning::NO_RECORD)
        .collect();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0].layer, land_efficiency::Layer::Parks);
    assert_eq!(
        notes[0].message,
        "[[low_efficiency.rule]] #2 (\"park nine\") names park \"K9\", but no park read from the \
         parks file has that id: the rule matches no parcel"
    );
    assert_eq!(r.summary.warning_count, r.warnings.len());
    // No rule naming K9 applied; the K2 rule did.
    assert!(
        r.parcels()
            .all(|p| !p.rules().iter().any(|n| n == "park nine"))
    );
    assert!(r.parcels().any(|p| p.rules() == ["rule 1"]));
    // The row has no index, in the CSV (empty) as in JSON (null).
    let dir = tempfile::tempdir().unwrap();
    land_efficiency::write_all(&r, dir.path(), &Default::default()).unwrap();
    let csv = std::fs::read_to_string(dir.path().join("warnings.csv")).unwrap();
    assert!(
        csv.lines()
            .any(|l| l.starts_with("parks,,,") && l.contains("\"K9\"")),
        "{csv}"
    );
    let json = serde_json::to_value(notes[0]).unwrap();
    assert_eq!(json["index"], serde_json::Value::Null);
    // With no parks file, every park rule matches nothing: both are named.
    let r = run(false);
    let messages: Vec<&str> = r.warnings.iter().map(|w| w.message.as_str()).collect();
    assert!(
        messages.contains(
            &"[[low_efficiency.rule]] #1 names park \"K2\", but no parks file was given: the rule matches no parcel"
        ),
        "{messages:?}"
    );
    assert_eq!(
        messages.iter().filter(|m| m.contains("names park")).count(),
        2
    );
}

/// An indicator no enterprise of a group has (here: no electricity column, so no 规下 firm has
/// 单位电耗税收) scores 0 for every one of them, by the documented rule; each firm loses that
/// weight. The audit now says so in its warnings, once per group and indicator, and only
/// where no one has it (one 规上 firm without emissions is imputed the mean, not warned of).
#[test]
fn an_indicator_no_enterprise_of_a_group_has_is_a_warning() {
    let features: Vec<String> = (0..4)
        .map(|k| {
            let x = 500_000 + 200 * k;
            format!(
                r#"{{"type":"Feature","properties":{{"parcel_id":"P{k}"}},"geometry":{{"type":"Polygon","coordinates":[[[{x},3300000],[{x1},3300000],[{x1},3300100],[{x},3300100],[{x},3300000]]]}}}}"#,
                x1 = x + 100
            )
        })
        .collect();
    let parcels = format!(
        r#"{{"type":"FeatureCollection","crs":{{"type":"name","properties":{{"name":"EPSG:4549"}}}},"features":[{}]}}"#,
        features.join(",")
    );
    let ents = "enterprise_id,tax,investment,output,floor_area,above_scale,value_added,energy,emissions,employees,rd_spend,parcel_id\n\
                A1,450,1,10000,6000,true,1000,400,1,70,300,P0\n\
                A2,300,1,10000,6000,true,1000,400,0,70,300,P1\n\
                B1,150,1,1000,6000,false,,,,,,P2\n\
                B2,100,1,1000,6000,false,,,,,,P3\n";
    let r = Audit::new(profile("zhejiang-huangyan-2022.toml"))
        .run(&Inputs {
            parcels: Source::geojson("p", parcels),
            enterprises: Some(Source::csv("e.csv", ents)),
            parks: None,
        })
        .unwrap();
    let messages: Vec<&str> = r
        .warnings
        .iter()
        .filter(|w| w.layer == land_efficiency::Layer::Enterprises)
        .map(|w| w.message.as_str())
        .collect();
    assert_eq!(
        messages,
        [
            // The profile's D-two-years rule, with no previous audit (a first year): it waits,
            // and says so.
            "[evaluation] d_years_low_efficiency = 2 but no previous audit was given \
             (--previous): no parcel is low for a tenant graded D 2 years running this time",
            "evaluation group below_scale: no graded enterprise has tax_per_electricity (data \
             missing, or a denominator of 0), so every one of the 2 scored 0 on it and lost its \
             weight of 50"
        ]
    );
    assert!(
        r.warnings
            .iter()
            .all(|w| w.index == land_efficiency::Warning::NO_RECORD)
    );
    // The scoring itself is unchanged: B1 has only its tax per mu, 10/mu → 50 × 10/11.5932.
    let b1 = r.enterprise_by_id("B1").unwrap();
    let g = b1.evaluation().unwrap();
    assert!(
        (g.score.unwrap() - 50.0 * 10.0 / 11.5932).abs() < 1e-9,
        "{g:?}"
    );
    let electricity = g
        .indicators
        .iter()
        .find(|s| s.indicator == Indicator::TaxPerElectricity)
        .unwrap();
    assert_eq!((electricity.score, electricity.imputed), (0.0, true));
}

/// A 100 m parcel in EPSG:4549 at easting `x`, and a firm at (x, y) with `extra` properties.
fn plot(id: &str, x: f64, extra: &str) -> String {
    common::square(id, x, 3_300_000.0, 100.0, extra)
}

fn firm(id: &str, x: f64, output: f64, extra: &str) -> String {
    common::enterprise(id, x, 3_300_050.0, 10.0, 100.0, output, extra)
}

fn run_projected(config: Config, parcels: &[String], firms: &[String]) -> AuditReport {
    common::run(
        config,
        common::projected(parcels),
        Some(common::projected(firms)),
        None,
    )
}

/// Real cadastral layers carry no industry; the tax bureau's table does, per firm. A rule by
/// industry now sees, for a parcel with none of its own, its main tenant's: the largest floor
/// area when every tenant has one, else the largest output, else the first in the file. Its
/// `rules` say whose industry it was. A parcel's own industry wins; a main tenant without one,
/// or tenants that leave a firm out (one on the edge the parcel shares), give none.
#[test]
fn rules_by_industry_see_the_main_tenant_s_industry() {
    let config = Config::from_toml(
        "[[low_efficiency.rule]]\nname = \"electronics\"\nindustry = \"26\"\nmin_plot_ratio = 0.6",
    )
    .unwrap();
    let at = |k: u32| 500_000.0 + 200.0 * f64::from(k);
    let parcels = [
        plot("P1", at(0), ""),
        plot("P2", at(1), ""),
        plot("P3", at(2), ""),
        plot("P4", at(3), ""),
        plot("P5", at(4), r#","industry":"3311""#),
        plot("P6", at(5), ""),
        plot("P7", at(6), ""),
        plot("P8", at(6) + 100.0, ""),
    ];
    let firms = [
        firm("E1", at(0) + 50.0, 10.0, r#","industry":"C2614""#),
        // Floor areas all given: the larger floor, whatever the output.
        firm(
            "E2a",
            at(1) + 30.0,
            900.0,
            r#","industry":"3311","floor_area":500"#,
        ),
        firm(
            "E2b",
            at(1) + 60.0,
            10.0,
            r#","industry":"2614","floor_area":800"#,
        ),
        // One without a floor area: the larger output.
        firm(
            "E3a",
            at(2) + 30.0,
            100.0,
            r#","industry":"2614","floor_area":900"#,
        ),
        firm("E3b", at(2) + 60.0, 300.0, r#","industry":"3311""#),
        // A tie: the first in the file.
        firm("E4a", at(3) + 30.0, 50.0, r#","industry":"2614""#),
        firm("E4b", at(3) + 60.0, 50.0, r#","industry":"3311""#),
        firm("E5", at(4) + 50.0, 10.0, r#","industry":"2614""#),
        firm("E6a", at(5) + 30.0, 500.0, ""),
        firm("E6b", at(5) + 60.0, 10.0, r#","industry":"2614""#),
        firm("E7", at(6) + 50.0, 10.0, r#","industry":"2614""#),
        firm("E78", at(6) + 100.0, 10.0, r#","industry":"2614""#),
    ];
    let r = run_projected(config, &parcels, &firms);
    let seen: Vec<(&str, Option<&str>, f64, Vec<String>)> = r
        .parcels()
        .map(|p| {
            let t = p.thresholds().min_plot_ratio;
            (
                p.parcel_id(),
                p.industry_tenant(),
                t,
                p.rule_texts().to_vec(),
            )
        })
        .collect();
    let electronics =
        |id: &str, code: &str| vec![format!("electronics (industry {code} of main tenant {id})")];
    assert_eq!(
        seen,
        [
            ("P1", Some("E1"), 0.6, electronics("E1", "C2614")),
            ("P2", Some("E2b"), 0.6, electronics("E2b", "2614")),
            ("P3", Some("E3b"), 1.0, vec![]),
            ("P4", Some("E4a"), 0.6, electronics("E4a", "2614")),
            ("P5", None, 1.0, vec![]),
            ("P6", None, 1.0, vec![]),
            ("P7", None, 1.0, vec![]),
            ("P8", None, 1.0, vec![]),
        ]
    );
    assert!(r.parcel_by_id("P7").unwrap().tenants_incomplete());
    assert_eq!(r.parcel_by_id("P1").unwrap().rules(), ["electronics"]);
    // parcels.csv, parcels.geojson and the serde form say whose industry it was.
    let dir = tempfile::tempdir().unwrap();
    land_efficiency::write_all(&r, dir.path(), &Default::default()).unwrap();
    let csv = std::fs::read_to_string(dir.path().join("parcels.csv")).unwrap();
    let p1 = csv.lines().find(|l| l.starts_with("P1,")).unwrap();
    assert!(
        p1.contains(",electronics (industry C2614 of main tenant E1),"),
        "{p1}"
    );
    let geojson = std::fs::read_to_string(dir.path().join("parcels.geojson")).unwrap();
    assert!(
        geojson.contains(r#""rules":["electronics (industry 2614 of main tenant E2b)"]"#),
        "{geojson}"
    );
    let json = serde_json::to_value(r.parcel_by_id("P4").unwrap()).unwrap();
    assert_eq!(
        json["rules"],
        serde_json::json!(["electronics (industry 2614 of main tenant E4a)"])
    );
}

/// A rule that matches no evaluated parcel sets no threshold: one warning each, naming the
/// rule and its criteria, and which of them no parcel met. A rule naming an unknown park keeps
/// its own warning, not a second.
#[test]
fn a_rule_that_matches_no_parcel_is_a_warning() {
    let config = Config::from_toml(
        r#"
[[low_efficiency.rule]]
industry = "26"
min_plot_ratio = 0.6
[[low_efficiency.rule]]
name = "chemicals"
industry = "39"
min_plot_ratio = 0.9
[[low_efficiency.rule]]
industry = "33"
min_plot_ratio = 0.7
[[low_efficiency.rule]]
land_use = "M2"
min_tax_per_mu = 10
[[low_efficiency.rule]]
industry = "26"
status = "new"
min_tax_per_mu = 30
[[low_efficiency.rule]]
status = "new"
land_use = "M1"
min_tax_per_mu = 20
[[low_efficiency.rule]]
park = "K1"
min_tax_per_mu = 25
"#,
    )
    .unwrap();
    let parcels = [
        plot("A", 500_000.0, r#","industry":"26","land_use":"M1""#),
        plot("B", 500_200.0, r#","land_use":"M1","status":"new""#),
    ];
    let firms = [firm("EB", 500_250.0, 10.0, r#","industry":"3311""#)];
    let r = run_projected(config, &parcels, &firms);
    let notes: Vec<&str> = (r.warnings.iter())
        .filter(|w| w.index == land_efficiency::Warning::NO_RECORD)
        .map(|w| w.message.as_str())
        .collect();
    let end = ". It sets no threshold; correct its criteria, or remove it";
    assert_eq!(
        notes,
        [
            format!(
                "[[low_efficiency.rule]] #2 (\"chemicals\") (industry = \"39\") matches no \
                 evaluated parcel: no parcel's industry (its own, or else its main tenant's) \
                 falls under \"39\"{end}"
            ),
            format!(
                "[[low_efficiency.rule]] #4 (land_use = \"M2\") matches no evaluated parcel: \
                 no parcel's land use starts with \"M2\"{end}"
            ),
            format!(
                "[[low_efficiency.rule]] #5 (industry = \"26\", status = \"new\") matches no \
                 evaluated parcel: no parcel meets all of them together{end}"
            ),
            "[[low_efficiency.rule]] #7 names park \"K1\", but no parks file was given: the \
             rule matches no parcel"
                .to_string(),
        ]
    );
    // B's industry is its tenant's: rule 3 matched it.
    assert_eq!(r.parcel_by_id("B").unwrap().rules(), ["rule 3", "rule 6"]);
    let dir = tempfile::tempdir().unwrap();
    land_efficiency::write_all(&r, dir.path(), &Default::default()).unwrap();
    let csv = std::fs::read_to_string(dir.path().join("warnings.csv")).unwrap();
    assert!(
        csv.lines()
            .any(|l| l.starts_with("parcels,,,") && l.contains("#4 (land_use")),
        "{csv}"
    );
    // No parcel and no firm with an industry: the warning says where codes are read from.
    let config =
        Config::from_toml("[[low_efficiency.rule]]\nindustry = \"26\"\nmin_plot_ratio = 0.6")
            .unwrap();
    let r = run_projected(config, &parcels[1..], &firms[..0]);
    let notes: Vec<&str> = r.warnings.iter().map(|w| w.message.as_str()).collect();
    assert_eq!(
        notes,
        [format!(
            "[[low_efficiency.rule]] #1 (industry = \"26\") matches no evaluated parcel: no \
             parcel has an industry, of its own or from its main tenant (are the codes under \
             another name? see [fields] industry and [fields.enterprises] industry){end}"
        )]
    );
}
