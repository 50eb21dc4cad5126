//! The enterprise evaluation as official methods write it (issue 20): bonus and penalty items
//! with caps, forced classes, ranking units, the 规上 scope rule and quota rounding. Each
//! scenario's classes are worked out here from its inputs: parcels of exactly 100 m × 100 m
//! (15 mu, planar in EPSG:4549), one firm each, scored on one indicator, tax per mu against a
//! benchmark of 10 with a weight of 100, so a firm paying `t` 万元 scores `t / 15 × 10`.

mod common;

use std::path::Path;

use common::{enterprise, projected, run, square};
use land_efficiency::{Action, AuditReport, Class, Config, EnterpriseResult, Layer};

/// One firm per parcel, firm `k` paying `taxes[k]` with the extra properties `extra[k]`;
/// parcels `side` metres square (100 for 15 mu).
fn zone(taxes: &[f64], extra: &[&str], side: f64) -> (String, String) {
    let parcels: Vec<String> = (0..taxes.len())
        .map(|k| {
            square(
                &format!("P{k}"),
                500_000.0 + 200.0 * k as f64,
                3_300_000.0,
                side,
                "",
            )
        })
        .collect();
    let firms: Vec<String> = (taxes.iter().enumerate())
        .map(|(k, &tax)| {
            let x = 500_000.0 + 200.0 * k as f64 + side / 2.0;
            let extra = extra.get(k).copied().unwrap_or("");
            enterprise(
                &format!("E{k}"),
                x,
                3_300_000.0 + side / 2.0,
                tax,
                1.0,
                1.0,
                extra,
            )
        })
        .collect();
    (projected(&parcels), projected(&firms))
}

/// An `[evaluation]` scoring tax per mu against 10 with a weight of 100, pooled, with `more`
/// keys added to the section.
fn config(more: &str) -> Config {
    Config::from_toml(&format!(
        "[area]\nmethod = \"planar\"\n[evaluation]\npooled = true\n{more}\n\
         [evaluation.all]\nindicators = [{{ indicator = \"tax_per_mu\", weight = 100, benchmark = 10 }}]\n"
    ))
    .unwrap()
}

fn audit(config: Config, taxes: &[f64], extra: &[&str], side: f64) -> AuditReport {
    let (parcels, firms) = zone(taxes, extra, side);
    run(config, parcels, Some(firms), None)
}

fn firm<'a>(r: &'a AuditReport, id: &str) -> EnterpriseResult<'a> {
    r.enterprises().find(|e| e.id() == id).unwrap()
}

fn class(r: &AuditReport, id: &str) -> Option<Class> {
    firm(r, id).evaluation().and_then(|g| g.class)
}

/// Writes an adjustments table and returns the `adjustments = ...` line naming it.
fn table(dir: &Path, text: &str) -> String {
    let path = dir.join("adjustments.csv");
    std::fs::write(&path, text).unwrap();
    format!("adjustments = {:?}", path.display().to_string())
}

/// The score a firm paying `tax` 万元 on 15 mu earns: tax per mu / 10 × 100.
fn points(tax: f64) -> f64 {
    tax / 15.0 / 10.0 * 100.0
}

#[test]
fn bonus_and_penalty_are_capped_before_classing() {
    let dir = tempfile::tempdir().unwrap();
    let adjustments = table(
        dir.path(),
        "enterprise_id,item,points,action,note\n\
         E1,环保处罚,-8,,\n\
         E1,安全隐患,-9,,2024-03\n\
         E3,高新技术企业,15,,\n\
         E3,专精特新,10,,\n\
         E9,不存在的企业,5,,\n\
         E2,坏分数,abc,,\n\
         E2,两者,5,veto,\n",
    );
    let c = config(&format!(
        "classes = \"score\"\nthresholds = [95, 85, 75]\nmax_bonus = 10\nmax_penalty = 12\n{adjustments}"
    ));
    let taxes = [150.0, 135.0, 120.0, 105.0];
    let r = audit(c, &taxes, &[], 100.0);
    // Before adjustments: 100, 90, 80, 70.
    let e1 = points(135.0) - (8.0_f64 + 9.0).min(12.0); // 78: C (uncapped 73 would be D)
    let e3 = points(105.0) + (15.0_f64 + 10.0).min(10.0); // 80: C (uncapped 95 would be A)
    let g1 = firm(&r, "E1").evaluation().unwrap();
    assert!((g1.score.unwrap() - e1).abs() < 1e-9, "{:?}", g1.score);
    assert_eq!((g1.bonus, g1.penalty), (0.0, 12.0));
    assert!((g1.base_score.unwrap() - points(135.0)).abs() < 1e-9);
    assert_eq!(g1.adjustments.len(), 2);
    let g3 = firm(&r, "E3").evaluation().unwrap();
    assert!((g3.score.unwrap() - e3).abs() < 1e-9);
    assert_eq!((g3.bonus, g3.penalty), (10.0, 0.0));
    let classes: Vec<Option<Class>> = ["E0", "E1", "E2", "E3"]
        .iter()
        .map(|id| class(&r, id))
        .collect();
    // E0 100 ≥ 95: A; E1 78, E2 80 (its rows rejected), E3 80: C.
    assert_eq!(
        classes,
        [
            Some(Class::A),
            Some(Class::C),
            Some(Class::C),
            Some(Class::C)
        ]
    );
    // E2's rows are rejected with their line and column; E9 is warned of with its line.
    let rejected: Vec<(usize, Option<&str>, &str)> = (r.rejected.iter())
        .filter(|x| x.layer == Layer::Adjustments)
        .map(|x| (x.index, x.property.as_deref(), x.reason.as_str()))
        .collect();
    assert_eq!(rejected.len(), 2, "{rejected:?}");
    assert_eq!(rejected[0].1, Some("points"));
    assert!(rejected[0].2.starts_with("line 7:"), "{}", rejected[0].2);
    assert_eq!(rejected[1].1, Some("action"));
    assert!(rejected[1].2.starts_with("line 8:"), "{}", rejected[1].2);
    let warned: Vec<&str> = (r.warnings.iter())
        .filter(|w| w.layer == Layer::Adjustments)
        .map(|w| w.message.as_str())
        .collect();
    assert_eq!(warned.len(), 1, "{warned:?}");
    assert!(
        warned[0].contains("line 6: enterprise \"E9\""),
        "{}",
        warned[0]
    );
}

#[test]
fn forced_classes_take_their_firms_out_of_the_ranking() {
    let dir = tempfile::tempdir().unwrap();
    let adjustments = table(
        dir.path(),
        "enterprise_id,item,action\n\
         E0,安全生产事故,一票否决\n\
         E7,上市企业,straight_a\n\
         E2,公用事业,managed_as_b\n\
         E5,投产不满2年,暂缓\n\
         E6,污水处理,exempt\n",
    );
    let c = config(&format!("bands = [0.25, 0.70, 0.95]\n{adjustments}"));
    // Scores 100, 90, ..., 30: E0 the best, vetoed; E7 the worst, straight to A.
    let taxes = [150.0, 135.0, 120.0, 105.0, 90.0, 75.0, 60.0, 45.0];
    let r = audit(c, &taxes, &[], 100.0);
    assert_eq!(class(&r, "E0"), Some(Class::D));
    assert_eq!(class(&r, "E7"), Some(Class::A));
    assert_eq!(class(&r, "E2"), Some(Class::B));
    // Deferred and exempt: not graded, the reason given.
    for (id, action) in [("E5", Action::Deferred), ("E6", Action::Exempt)] {
        let g = firm(&r, id).evaluation().unwrap();
        assert_eq!(g.class, None);
        assert_eq!(g.forced.as_ref().unwrap().action, action);
        assert!(g.not_graded.as_deref().unwrap().contains(action.as_str()));
    }
    assert!(
        (firm(&r, "E5").evaluation().unwrap().not_graded.as_deref())
            .unwrap()
            .ends_with("投产不满2年")
    );
    // Ranked: E1, E3, E4 (n = 3). Quotas floor(0.75) = 0 A, floor(2.1) = 2 B, floor(2.85)
    // = 2 C: E1 and E3 are B, E4 is D.
    assert_eq!(class(&r, "E1"), Some(Class::B));
    assert_eq!(class(&r, "E3"), Some(Class::B));
    assert_eq!(class(&r, "E4"), Some(Class::D));
    let g0 = firm(&r, "E0").evaluation().unwrap();
    assert_eq!((g0.rank, g0.group_size), (None, 3));
    assert_eq!(g0.forced.as_ref().unwrap().reason, "安全生产事故");
    // The vetoed firm is scored all the same: its score is listed.
    assert!((g0.score.unwrap() - 100.0).abs() < 1e-9);
}

#[test]
fn firms_are_ranked_within_their_county() {
    let c = config("group_by = \"unit\"\nbands = [0.25, 0.50, 0.75]");
    let unit = |u: &str| format!(r#","unit":"{u}""#);
    let (a, b) = (unit("甲县"), unit("乙县"));
    let extra = [&a, &a, &a, &a, &b, &b].map(String::as_str);
    let r = audit(c, &[150.0, 120.0, 90.0, 60.0, 30.0, 15.0], &extra, 100.0);
    // 甲县, 4 firms: quotas 1, 2, 3: A, B, C, D. 乙县, 2 firms: quotas 0, 1, 1: its best is
    // B, its other D. Pooled over six, both of 乙县's would be D.
    let classes: Vec<Option<Class>> = (0..6).map(|k| class(&r, &format!("E{k}"))).collect();
    use Class::*;
    assert_eq!(
        classes,
        [Some(A), Some(B), Some(C), Some(D), Some(B), Some(D)]
    );
    let g4 = firm(&r, "E4").evaluation().unwrap();
    assert_eq!(g4.unit.as_deref(), Some("乙县"));
    assert_eq!((g4.rank, g4.group_size), (Some(1), 2));
}

#[test]
fn the_scope_rule_keeps_a_small_above_scale_firm() {
    // 50 m × 50 m = 3.75 mu, under a 5 mu minimum. E0 is 规上, E1 规下.
    let extra = [r#","above_scale":true"#, r#","above_scale":false"#];
    let graded = |scope: &str| {
        let c = config(&format!("min_land_mu = 5\n{scope}"));
        let r = audit(c, &[30.0, 30.0], &extra, 50.0);
        ["E0", "E1"].map(|id| firm(&r, id).evaluation().unwrap().score.is_some())
    };
    assert_eq!(graded("scope = \"above_scale_or_min_land\""), [true, false]);
    // Today's behaviour, the default: the minimum leaves out both.
    assert_eq!(graded(""), [false, false]);
}

#[test]
fn quotas_are_rounded_as_configured() {
    // Ten firms, scores 100, 90, ..., 10; bands 25%, 64%, 95% of 10 are 2.5, 6.4 and 9.5.
    let taxes: Vec<f64> = (0..10).map(|k| 150.0 - 15.0 * k as f64).collect();
    let counts = |rounding: &str| {
        let c = config(&format!(
            "bands = [0.25, 0.64, 0.95]\nquota_rounding = \"{rounding}\""
        ));
        let r = audit(c, &taxes, &[], 100.0);
        // summary.json states the quotas and their rounding.
        let q = &r.summary.quotas.as_ref().unwrap()[0];
        assert_eq!((q.ranked, q.rounding.as_str()), (10, rounding));
        let mut n = [0; 4];
        for k in 0..10 {
            let c = class(&r, &format!("E{k}")).unwrap();
            n[[Class::A, Class::B, Class::C, Class::D]
                .iter()
                .position(|x| *x == c)
                .unwrap()] += 1;
        }
        assert_eq!(q.cumulative, [n[0], n[0] + n[1], n[0] + n[1] + n[2]]);
        n
    };
    // floor: 2, 6, 9 → A 2, B 4, C 3, D 1.
    assert_eq!(counts("floor"), [2, 4, 3, 1]);
    // ceil: 3, 7, 10 → A 3, B 4, C 3, D 0.
    assert_eq!(counts("ceil"), [3, 4, 3, 0]);
    // round (half up): 3, 6, 10 → A 3, B 3, C 4, D 0.
    assert_eq!(counts("round"), [3, 3, 4, 0]);
}

#[test]
fn firms_are_ranked_within_their_park() {
    // Park K1 holds the parcels of E0 and E1; E2 and E3 are outside any park.
    let park = r#"{"type":"Feature","properties":{"park_id":"K1"},"geometry":{"type":"Polygon","coordinates":[[[499990,3299990],[500310,3299990],[500310,3300110],[499990,3300110],[499990,3299990]]]}}"#;
    let (parcels, firms) = zone(&[150.0, 120.0, 90.0, 60.0], &[], 100.0);
    let c = config("group_by = \"park\"\nbands = [0.5, 0.5, 0.5]");
    let r = run(
        c,
        parcels,
        Some(firms),
        Some(projected(&[park.to_string()])),
    );
    // Two units of two: in each the better is A (quota 1), the other D.
    let classes: Vec<Option<Class>> = (0..4).map(|k| class(&r, &format!("E{k}"))).collect();
    use Class::*;
    assert_eq!(classes, [Some(A), Some(D), Some(A), Some(D)]);
    assert_eq!(
        firm(&r, "E1").evaluation().unwrap().unit.as_deref(),
        Some("K1")
    );
    assert_eq!(firm(&r, "E2").evaluation().unwrap().unit, None);
}

#[test]
fn the_outputs_carry_adjustments_and_forced_classes() {
    let dir = tempfile::tempdir().unwrap();
    let adjustments = table(
        dir.path(),
        "enterprise_id,item,points,action,note\n\
         E0,安全生产事故,,一票否决,\n\
         E1,环保处罚,-8,,\n\
         E1,高新技术企业,5,,\n",
    );
    let r = audit(config(&adjustments), &[150.0, 120.0, 90.0], &[], 100.0);
    let out = dir.path().join("out");
    land_efficiency::write_all(&r, &out, &Default::default()).unwrap();
    let mut csv = ::csv::Reader::from_path(out.join("enterprises.csv")).unwrap();
    let header = csv.headers().unwrap().clone();
    let rows: Vec<::csv::StringRecord> = csv.records().map(Result::unwrap).collect();
    let cell = |row: usize, name: &str| {
        let at = header.iter().position(|h| h == name).unwrap();
        rows[row][at].to_string()
    };
    assert_eq!(
        [
            cell(0, "class"),
            cell(0, "forced"),
            cell(0, "forced_reason")
        ],
        ["D", "veto", "安全生产事故"]
    );
    assert_eq!(
        [cell(1, "bonus"), cell(1, "penalty"), cell(1, "adjustments")],
        ["5", "8", "环保处罚 -8; 高新技术企业 +5"]
    );
    // Its score is its points, 80, less 3.
    assert_eq!(cell(1, "base_score").parse::<f64>().unwrap(), points(120.0));
    assert_eq!(
        cell(1, "score").parse::<f64>().unwrap(),
        points(120.0) - 8.0 + 5.0
    );
    let geojson: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("parcels.geojson")).unwrap()).unwrap();
    let p0 = &geojson["features"][0]["properties"];
    assert_eq!(p0["parcel_id"], "P0");
    assert_eq!(
        (&p0["class_forced"], &p0["class_reason"]),
        (&"veto".into(), &"安全生产事故".into())
    );
    assert_eq!(
        geojson["features"][1]["properties"]["class_adjustment"],
        -3.0
    );
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("一票否决（直接评为D类）"));
    assert!(html.contains("强制定级"));
}

fn profile(name: &str) -> Config {
    let mut c = Config::from_path(common::fixtures().join("profiles").join(name)).unwrap();
    c.area.method = land_efficiency::AreaMethod::Planar;
    c
}

/// The gu456 method (fixtures/profiles/gu456-weighted-points.toml): the source publishes
/// weights and shares but no figures, so the example is worked from its rules: 规下 firms are
/// ranked by tax per mu (weight 100), against the mean here (the profile's stated choice).
#[test]
fn the_gu456_profile_adds_bonus_points_and_manages_utilities_as_b() {
    let mut c = profile("gu456-weighted-points.toml");
    let e = c.evaluation.as_mut().unwrap();
    let above = &e.above_scale.as_ref().unwrap().indicators;
    let weights: Vec<(&str, f64)> = (above.iter())
        .map(|i| (i.indicator.as_str(), i.weight))
        .collect();
    assert_eq!(
        weights,
        [
            ("tax_per_mu", 45.0),
            ("output_per_mu", 20.0), // 亩均销售收入, written revenue_per_mu
            ("value_added_per_energy", 15.0),
            ("rd_intensity", 15.0),
            ("labour_productivity", 5.0),
        ]
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jiajian.csv");
    std::fs::write(
        &path,
        "enterprise_id,item,points,action\nE0,自来水公司,,按B类管理\nE3,专精特新,40,\n",
    )
    .unwrap();
    e.adjustments = Some(path);
    let below = r#","above_scale":false"#;
    let r = audit(c, &[150.0, 120.0, 90.0, 60.0], &[below; 4], 100.0);
    // Tax per mu 10, 8, 6, 4; the mean over the four scored (E0 included) is 7.
    let score = |tax_per_mu: f64| 100.0 * tax_per_mu / 7.0;
    let g = |id: &str| firm(&r, id).evaluation().unwrap().clone();
    assert!((g("E3").score.unwrap() - (score(4.0) + 40.0)).abs() < 1e-9);
    // Ranked: E1 114.3, E3 97.1, E2 85.7 (n = 3): quotas 0, 2, 2: B, B, D. E0 is B, unranked.
    use Class::*;
    let classes = ["E0", "E1", "E2", "E3"].map(|id| g(id).class);
    assert_eq!(classes, [Some(B), Some(B), Some(D), Some(B)]);
    assert_eq!(
        (g("E3").rank, g("E2").rank, g("E0").rank),
        (Some(2), Some(3), None)
    );
}

/// Hefei's scope (fixtures/profiles/hefei-2023-scope.toml): 规上 firms whatever their land,
/// 规下 firms on ≥ 5 亩, pooled; 暂缓评价 firms listed and left out.
#[test]
fn the_hefei_profile_keeps_small_above_scale_firms_and_defers_new_ones() {
    let mut c = profile("hefei-2023-scope.toml");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("zanhuan.csv");
    std::fs::write(
        &path,
        "enterprise_id,item,action\nE2,注册不满3年,deferred\n",
    )
    .unwrap();
    c.evaluation.as_mut().unwrap().adjustments = Some(path);
    // 60 m squares: 3600 m² = 5.4 mu, so E1 (规下) is in scope, being on ≥ 5 mu, and E0
    // (规上) whatever its land.
    let extra = [
        r#","above_scale":true"#,
        r#","above_scale":false"#,
        r#","above_scale":false"#,
    ];
    let r = audit(c.clone(), &[30.0, 30.0, 30.0], &extra, 60.0);
    let g = |r: &AuditReport, id: &str| firm(r, id).evaluation().unwrap().clone();
    assert!(g(&r, "E0").score.is_some() && g(&r, "E1").score.is_some());
    assert!(
        g(&r, "E2")
            .not_graded
            .as_deref()
            .unwrap()
            .starts_with("deferred (暂缓评价)")
    );
    // On 50 m squares (3.75 mu) the 规下 firm is out, the 规上 one still in.
    let r = audit(c, &[30.0, 30.0, 30.0], &extra, 50.0);
    assert!(g(&r, "E0").score.is_some());
    assert!(
        g(&r, "E1")
            .not_graded
            .as_deref()
            .unwrap()
            .contains("below the minimum of 5 mu")
    );
}

/// A group's own cap overrides `[evaluation] max_bonus`: 规上 firms here get at most 5, 规下
/// firms the section's 10.
#[test]
fn a_group_caps_its_own_bonus() {
    let dir = tempfile::tempdir().unwrap();
    let adjustments = table(
        dir.path(),
        "enterprise_id,item,points\nE0,高新技术企业,8\nE1,高新技术企业,8\nE1,专精特新,4\n",
    );
    let indicators = "indicators = [{ indicator = \"tax_per_mu\", weight = 100, benchmark = 10 }]";
    let c = Config::from_toml(&format!(
        "[area]\nmethod = \"planar\"\n[evaluation]\nmax_bonus = 10\n{adjustments}\n\
         [evaluation.above_scale]\n{indicators}\nmax_bonus = 5\n\
         [evaluation.below_scale]\n{indicators}\n"
    ))
    .unwrap();
    let extra = [r#","above_scale":true"#, r#","above_scale":false"#];
    let r = audit(c, &[150.0, 150.0], &extra, 100.0);
    let g = |id: &str| firm(&r, id).evaluation().unwrap().clone();
    assert_eq!((g("E0").bonus, g("E1").bonus), (5.0, 10.0));
    assert!((g("E0").score.unwrap() - (points(150.0) + 5.0)).abs() < 1e-9);
    assert!((g("E1").score.unwrap() - (points(150.0) + 10.0)).abs() < 1e-9);
}

/// `defer_years`: a firm producing fewer years than it before `year` is deferred (暂缓评价)
/// with the years in its reason; the adjustments table's own class comes first.
#[test]
fn firms_producing_under_n_years_are_deferred_by_the_rule() {
    let dir = tempfile::tempdir().unwrap();
    let adjustments = table(
        dir.path(),
        "enterprise_id,item,action\nE3,安全生产事故,veto\n",
    );
    let c = config(&format!("year = 2024\ndefer_years = 2\n{adjustments}"));
    let started = |y: u32| format!(r#","start_year":{y}"#);
    let (e0, e1, e3) = (started(2023), started(2022), started(2024));
    let extra = [e0.as_str(), e1.as_str(), "", e3.as_str()];
    let r = audit(c, &[150.0, 120.0, 90.0, 60.0], &extra, 100.0);
    let g = |id: &str| firm(&r, id).evaluation().unwrap().clone();
    // 2024 − 2023 = 1 < 2: deferred. 2024 − 2022 = 2: graded. No start year: graded.
    let reason = g("E0").not_graded.unwrap();
    assert!(
        reason.starts_with("deferred (暂缓评价): 投产不满2年"),
        "{reason}"
    );
    assert!(
        reason.contains("2023") && reason.contains("2024"),
        "{reason}"
    );
    assert_eq!(g("E0").forced.unwrap().line, 0);
    assert!(g("E1").score.is_some() && g("E2").score.is_some());
    // E3 started this year but is vetoed by the table: D, not deferred.
    assert_eq!(g("E3").class, Some(Class::D));
    // Without the year the rule is refused, naming the key.
    let e = Config::from_toml(
        "[evaluation]\npooled = true\ndefer_years = 2\n[evaluation.all]\nindicators = [{ indicator = \"tax_per_mu\", weight = 1, benchmark = 1 }]",
    );
    assert!(e.unwrap_err().to_string().contains("evaluation.year"));
}
