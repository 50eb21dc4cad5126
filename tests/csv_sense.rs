//! An enterprises CSV as Excel and people write it (issue 18): a mapped column under another
//! spelling, title rows above the header, coordinates under a usual name, `;` or tab
//! separators, numbers with thousands separators, ids Excel turned into numbers, and a bad
//! value in a column used only for grading.

mod common;

use common::{collection, example, square};
use land_efficiency::{Audit, AuditReport, Config, Error, Inputs, Layer, Source};

/// Two parcels of 0.001° side: P1 at (120.000, 30.000), P2 at (120.002, 30.000).
fn parcels() -> String {
    collection(&[
        square("P1", 120.0, 30.0, 0.001, ""),
        square("P2", 120.002, 30.0, 0.001, ""),
    ])
}

fn audit(config: Config, csv: &str) -> land_efficiency::Result<AuditReport> {
    Audit::new(config).run(&Inputs {
        parcels: Source::geojson("parcels.geojson", parcels()),
        enterprises: Some(Source::csv("qy.csv", csv)),
        parks: None,
    })
}

/// The error a strict run stops at, as text (it names the file, row, line and column).
fn strict_error(config: Config, csv: &str) -> Error {
    let result = Audit::new(config).strict(true).run(&Inputs {
        parcels: Source::geojson("parcels.geojson", parcels()),
        enterprises: Some(Source::csv("qy.csv", csv)),
        parks: None,
    });
    match result {
        Err(e) => e,
        Ok(_) => panic!("a strict run should stop"),
    }
}

fn config(toml: &str) -> Config {
    Config::from_toml(toml).unwrap()
}

const GOOD: &str = "enterprise_id,name,tax,investment,output,lon,lat\n\
                    E1,甲,300,3000,4500,120.0005,30.0005\n\
                    E2,乙,200,3000,4500,120.0025,30.0005\n";

#[test]
fn a_mapped_column_not_in_the_header_is_named_with_the_closest() {
    // The tax bureau's column, mapped with full-width brackets the file does not have.
    let config = config(
        "[fields.enterprises]\nenterprise_id = \"统一社会信用代码\"\nname = \"企业名称\"\n\
         tax = \"实缴税金（万元）\"\n",
    );
    let csv = "企业名称,统一社会信用代码,实缴税金(万元),investment,output,lon,lat\n\
               甲,E1,300,3000,4500,120.0005,30.0005\n\
               乙,E2,200,3000,4500,120.0025,30.0005\n";
    let r = audit(config, csv).unwrap();
    let s = &r.summary.suspicions;
    assert_eq!(s.len(), 1, "{s:?}");
    assert_eq!(
        (s[0].layer, s[0].code),
        (Layer::Enterprises, "column_absent")
    );
    let m = &s[0].message;
    for part in [
        "column \"实缴税金（万元）\" ([fields.enterprises] tax)",
        "is not in the header of qy.csv (line 1;",
        "columns: 企业名称, 统一社会信用代码, 实缴税金(万元), investment",
        "did you mean \"实缴税金(万元)\"?",
    ] {
        assert!(m.contains(part), "{part:?} not in {m}");
    }
    assert!(r.summary.refused());
    // Said, not substituted: every row is still rejected for its tax.
    assert_eq!(r.summary.enterprises.rejected, 2);
    assert!(
        (r.rejected.iter()).all(|x| x.property.as_deref() == Some("实缴税金（万元）")),
        "{:?}",
        r.rejected
    );
}

#[test]
fn a_named_optional_column_not_in_the_header_is_suspect_a_default_one_is_not() {
    let r = audit(Config::default(), GOOD).unwrap();
    assert!(
        r.summary.suspicions.is_empty(),
        "{:?}",
        r.summary.suspicions
    );
    let r = audit(
        config("[fields.enterprises]\nemployees = \"从业人员\"\n"),
        GOOD,
    )
    .unwrap();
    let s = &r.summary.suspicions;
    assert_eq!(s.len(), 1, "{s:?}");
    assert_eq!(s[0].code, "column_absent");
    assert!(
        s[0].message.contains(
            "column \"从业人员\" ([fields.enterprises] employees) is not in the header of qy.csv"
        ),
        "{}",
        s[0].message
    );
    // No position and no parcel key: each of the three is named.
    let csv = "enterprise_id,tax,investment,output\nE1,300,3000,4500\n";
    let r = audit(Config::default(), csv).unwrap();
    let named: Vec<&str> = (r.summary.suspicions.iter())
        .map(|s| {
            assert!(
                s.message
                    .contains("a position (lon and lat) or a parcel key")
            );
            s.message.split('"').nth(1).unwrap()
        })
        .collect();
    assert_eq!(named, ["lon", "lat", "parcel_id"]);
}

/// Through the example: a column absent makes the run exit 1, its outputs written.
#[test]
fn the_example_exits_1_on_a_column_absent() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("qy.csv");
    std::fs::write(&csv, GOOD.replace("tax", "税收")).unwrap();
    let parcel_file = dir.path().join("parcels.geojson");
    std::fs::write(&parcel_file, parcels()).unwrap();
    let out = example("audit")
        .arg("--parcels")
        .arg(&parcel_file)
        .arg("--enterprises")
        .arg(&csv)
        .arg("--out")
        .arg(dir.path().join("out"))
        .arg("--quiet")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("column_absent"), "{stderr}");
    assert!(stderr.contains("qy.csv (line 1;"), "{stderr}");
    assert!(stderr.contains("[fields.enterprises] tax"), "{stderr}");
    let summary = std::fs::read_to_string(dir.path().join("out/summary.json")).unwrap();
    assert!(summary.contains("column_absent"), "{summary}");
}

const TITLED: &str = "2024年度规上工业企业亩均效益数据表,,,,,,\n\
                      单位：万元,,,,,,\n\
                      enterprise_id,name,tax,investment,output,lon,lat\n\
                      E1,甲,300,3000,4500,120.0005,30.0005\n\
                      E2,乙,约5,3000,4500,120.0025,30.0005\n";

#[test]
fn title_rows_above_the_header_are_skipped_and_lines_stay_right() {
    let r = audit(Config::default(), TITLED).unwrap();
    assert!(
        r.summary.suspicions.is_empty(),
        "{:?}",
        r.summary.suspicions
    );
    let e1 = r.enterprise_by_id("E1").expect("E1 read");
    assert_eq!(e1.parcel_id(), Some("P1"));
    assert_eq!(r.parcel_by_id("P1").unwrap().tax(), 300.0);
    assert_eq!(r.rejected.len(), 1, "{:?}", r.rejected);
    let e2 = &r.rejected[0];
    assert_eq!((e2.index, e2.id.as_deref()), (1, Some("E2")));
    assert_eq!(e2.property.as_deref(), Some("tax"));
    assert!(e2.reason.starts_with("line 5: "), "{}", e2.reason);
    let title = (r.warnings.iter())
        .find(|w| w.message.contains("title"))
        .expect("a warning on the title rows");
    assert!(
        title.message.starts_with(
            "qy.csv: lines 1–2 above the header (line 3) taken for a title and skipped \
             (\"2024年度规上工业企业亩均效益数据表\")"
        ),
        "{}",
        title.message
    );
    assert!(title.message.contains("header_row"), "{}", title.message);
    // The whole error names the file, the line and the column.
    let e = strict_error(Config::default(), TITLED).to_string();
    assert!(
        e.starts_with("qy.csv: row 1 (line 5) (id \"E2\"): property \"tax\""),
        "{e}"
    );
}

#[test]
fn header_row_says_which_line_is_the_header() {
    let r = audit(config("[fields.enterprises]\nheader_row = 3\n"), TITLED).unwrap();
    assert!(r.summary.suspicions.is_empty());
    assert!(r.enterprise_by_id("E1").is_some());
    assert!(!r.warnings.iter().any(|w| w.message.contains("title")));
    // The wrong line: its cells are the columns, and the mapped ones are not among them.
    let r = audit(config("[fields.enterprises]\nheader_row = 2\n"), TITLED).unwrap();
    let s = &r.summary.suspicions;
    assert!(s.iter().all(|s| s.code == "column_absent"), "{s:?}");
    assert!(
        s[0].message
            .contains("is not in the header of qy.csv (line 2; columns: 单位：万元"),
        "{}",
        s[0].message
    );
    // A line past the end stops the file, naming the line.
    match audit(config("[fields.enterprises]\nheader_row = 9\n"), TITLED) {
        Err(Error::Csv { path, message }) => {
            assert_eq!(path, std::path::Path::new("qy.csv"));
            assert!(message.contains("header_row = 9"), "{message}");
            assert!(message.contains("line 9"), "{message}");
        }
        other => panic!("expected the file's error, got {:?}", other.map(|_| ())),
    }
    assert!(Config::from_toml("[fields.enterprises]\nheader_row = 0\n").is_err());
}

#[test]
fn coordinates_under_a_usual_name_are_taken_and_said() {
    for (x, y) in [("经度", "纬度"), ("Longitude", "Latitude"), ("X", "Y")] {
        let csv = GOOD.replacen("lon,lat", &format!("{x},{y}"), 1);
        let r = audit(Config::default(), &csv).unwrap();
        assert!(
            r.summary.suspicions.is_empty(),
            "{:?}",
            r.summary.suspicions
        );
        assert_eq!(r.enterprise_by_id("E2").unwrap().parcel_id(), Some("P2"));
        let said = (r.warnings.iter())
            .find(|w| w.message.contains("longitude and latitude"))
            .expect("said");
        assert!(
            said.message.starts_with(&format!(
                "qy.csv: no \"lon\" and \"lat\" columns: took \"{x}\" and \"{y}\" (columns 6 and 7 \
                 of the header, line 1)"
            )),
            "{}",
            said.message
        );
    }
    // Columns named in the configuration are never guessed.
    let csv = GOOD.replacen("lon,lat", "经度,纬度", 1);
    let r = audit(
        config("[fields.enterprises]\nlon = \"E\"\nlat = \"N\"\n"),
        &csv,
    )
    .unwrap();
    let named: Vec<&str> = (r.summary.suspicions.iter())
        .map(|s| s.message.split('"').nth(1).unwrap())
        .collect();
    assert_eq!(named, ["E", "N", "parcel_id"]);
}

#[test]
fn semicolons_and_tabs_separate_as_commas_do() {
    let semicolons = "enterprise_id;name;tax;investment;output;lon;lat\n\
                      E1;\"甲;有限公司\";1,234.50;3000;4500;120.0005;30.0005\n\
                      E2;乙;200;3000;4500;120.0025;30.0005\n";
    let tabs = semicolons.replace(';', "\t");
    for (csv, name) in [(semicolons.to_string(), "\";\""), (tabs, "tab")] {
        let r = audit(Config::default(), &csv).unwrap();
        assert!(r.rejected.is_empty(), "{:?}", r.rejected);
        assert_eq!(r.parcel_by_id("P1").unwrap().tax(), 1234.5);
        assert_eq!(r.parcel_by_id("P2").unwrap().tax(), 200.0);
        let said = r.warnings.iter().find(|w| w.message.contains("separator"));
        let said = &said.expect("said").message;
        assert!(
            said.starts_with(&format!("qy.csv: read with {name}")),
            "{said}"
        );
    }
    // A comma file says nothing of its separator.
    let r = audit(Config::default(), GOOD).unwrap();
    assert!(!r.warnings.iter().any(|w| w.message.contains("separator")));
}

#[test]
fn thousands_separators_are_read_and_a_decimal_comma_is_refused() {
    let csv = "enterprise_id,tax,investment,output,lon,lat\n\
               E1,\"1,234.50\",\"12,000\",4500,120.0005,30.0005\n\
               E2,\"1 234,50\",3000,4500,120.0025,30.0005\n";
    let r = audit(Config::default(), csv).unwrap();
    let p1 = r.parcel_by_id("P1").unwrap();
    assert_eq!((p1.tax(), p1.investment()), (1234.5, 12000.0));
    assert_eq!(r.rejected.len(), 1, "{:?}", r.rejected);
    let e2 = &r.rejected[0];
    assert_eq!(
        (e2.code, e2.property.as_deref()),
        ("not_a_number", Some("tax"))
    );
    assert!(e2.reason.starts_with("line 3: "), "{}", e2.reason);
    let e = strict_error(Config::default(), csv).to_string();
    assert!(
        e.starts_with("qy.csv: row 1 (line 3) (id \"E2\"): property \"tax\""),
        "{e}"
    );
    assert!(e.contains("decimal comma"), "{e}");
    assert!(e.contains("found 1 234,50"), "{e}");
}

#[test]
fn an_id_excel_turned_into_a_number_is_rejected() {
    let csv = "enterprise_id,tax,investment,output,lon,lat,parcel_id\n\
               9.13401E+17,300,3000,4500,120.0005,30.0005,\n\
               E2,200,3000,4500,120.0025,30.0005,3.30102e+17\n\
               913401001234567890,100,1000,1000,120.0005,30.0005,\n";
    let r = audit(Config::default(), csv).unwrap();
    let codes: Vec<(usize, &str, Option<&str>)> = (r.rejected.iter())
        .map(|x| (x.index, x.code, x.property.as_deref()))
        .collect();
    assert_eq!(
        codes,
        [
            (0, "id_mangled", Some("enterprise_id")),
            (1, "id_mangled", Some("parcel_id")),
        ]
    );
    assert!(
        r.rejected[0].reason.starts_with("line 2: "),
        "{}",
        r.rejected[0].reason
    );
    // The firm with its whole code is read.
    assert!(r.enterprise_by_id("913401001234567890").is_some());
    let e = strict_error(Config::default(), csv).to_string();
    assert!(
        e.starts_with("qy.csv: row 0 (line 2) (id \"9.13401E+17\"): property \"enterprise_id\""),
        "{e}"
    );
    assert!(e.contains("format the column as Text"), "{e}");
    assert!(e.contains("export the file again"), "{e}");
}

const EVALUATION: &str = "[evaluation]\nclasses = \"percentile\"\nbands = [0.25, 0.70, 0.95]\n\
                          [evaluation.above_scale]\nindicators = [\n\
                          { indicator = \"tax_per_mu\", weight = 50, benchmark = 10.0 },\n\
                          { indicator = \"labour_productivity\", weight = 50, benchmark = 1.0 },\n]\n";

#[test]
fn a_bad_value_used_only_in_grading_leaves_the_firm_counted_but_not_graded() {
    let csv = "enterprise_id,tax,investment,output,value_added,employees,above_scale,lon,lat\n\
               E1,300,3000,4500,1000,50,是,120.0005,30.0005\n\
               E2,200,3000,4500,1000,约200,是,120.0025,30.0005\n\
               E3,100,3000,4500,1000,40,是,120.0026,30.0006\n";
    let r = audit(config(EVALUATION), csv).unwrap();
    assert!(r.rejected.is_empty(), "{:?}", r.rejected);
    // Its tax counts on its parcel: P2 holds E2 and E3.
    assert_eq!(r.parcel_by_id("P2").unwrap().tax(), 300.0);
    let e2 = r.enterprise_by_id("E2").unwrap();
    let grade = e2.evaluation().expect("evaluated");
    assert_eq!((grade.score, grade.class), (None, None));
    let why = grade.not_graded.as_deref().unwrap();
    assert!(why.contains("line 3, property \"employees\""), "{why}");
    assert!(why.contains("约200"), "{why}");
    // The others are graded between themselves, the hole not in their means.
    for id in ["E1", "E3"] {
        let g = r.enterprise_by_id(id).unwrap().evaluation().unwrap();
        assert!(g.class.is_some(), "{id}: {g:?}");
        assert_eq!(g.group_size, 2, "{id}");
    }
    let warned = (r.warnings.iter())
        .find(|w| w.layer == Layer::Enterprises && w.id.as_deref() == Some("E2"))
        .expect("warned");
    assert!(
        warned.message.starts_with(
            "qy.csv: row 1 (line 3) (id \"E2\"): property \"employees\": expected a number of \
             people, found 约200: left out"
        ),
        "{}",
        warned.message
    );
}

#[test]
fn a_bad_value_the_evaluation_does_not_use_leaves_the_firm_graded() {
    let tax_only = "[evaluation]\nclasses = \"percentile\"\nbands = [0.25, 0.70, 0.95]\n\
                    [evaluation.above_scale]\n\
                    indicators = [{ indicator = \"tax_per_mu\", weight = 100, benchmark = 10.0 }]\n";
    let csv = "enterprise_id,tax,investment,output,employees,above_scale,lon,lat\n\
               E1,300,3000,4500,约50,是,120.0005,30.0005\n\
               E2,200,3000,4500,60,是,120.0025,30.0005\n";
    let r = audit(config(tax_only), csv).unwrap();
    assert!(r.rejected.is_empty(), "{:?}", r.rejected);
    let g = r.enterprise_by_id("E1").unwrap().evaluation().unwrap();
    assert!(g.class.is_some() && g.not_graded.is_none(), "{g:?}");
    // Still said.
    assert!(
        r.warnings
            .iter()
            .any(|w| w.id.as_deref() == Some("E1") && w.message.contains("property \"employees\""))
    );
}

/// A hostile header (hundreds of long names, none the mapped ones) is looked through for the
/// closest names without end: each suspicion still names the file and the line.
#[test]
fn a_hostile_header_is_no_hang() {
    let names: Vec<String> = (0..600)
        .map(|i| format!("{i}{}", "税".repeat(2000)))
        .collect();
    let csv = format!("{}\n{}\n", names.join(","), vec!["1"; 600].join(","));
    let r = common::within(120, "a hostile header", move || {
        audit(Config::default(), &csv).unwrap()
    });
    let s = &r.summary.suspicions;
    assert!(s.len() >= 4, "{s:?}");
    assert!(
        s.iter().all(|s| s.code == "column_absent"
            && s.message.contains("not in the header of qy.csv (line 1;"))
    );
}
