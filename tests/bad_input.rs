//! Every bad-input case of `fixtures/README.md`, each asserting its error and where it points.

mod common;

use std::path::PathBuf;

use common::fixtures;
use land_efficiency::{Audit, AuditReport, Config, Error, Inputs, Layer, Source};
use serde_json::Value;

fn bad(name: &str) -> PathBuf {
    fixtures().join("bad").join(name)
}

/// The bad fixture's parcels audited with `csv` as the enterprises (named `qy.csv`).
fn with_csv(config: Config, csv: impl AsRef<[u8]>) -> land_efficiency::Result<AuditReport> {
    Audit::new(config).run(&Inputs {
        parcels: Source::path(bad("parcels.geojson")),
        enterprises: Some(Source::csv("qy.csv", csv)),
        parks: None,
    })
}

/// The error that stops the audit of `csv` as a whole file (its encoding, its quoting, its
/// header): [`Error::Csv`] naming `qy.csv`, as its text (which starts with the file's name).
fn csv_file_error(csv: impl AsRef<[u8]>) -> String {
    match with_csv(Config::default(), csv) {
        Err(Error::Csv { path, message }) => {
            assert_eq!(path, std::path::Path::new("qy.csv"), "{message}");
            format!("{}: {message}", path.display())
        }
        other => panic!("expected the CSV file's error, got {:?}", other.map(|_| ())),
    }
}

fn expected() -> Value {
    serde_json::from_str(&std::fs::read_to_string(bad("expected.json")).unwrap()).unwrap()
}

fn lenient(enterprises: &str) -> land_efficiency::AuditReport {
    Audit::new(Config::default())
        .run(&Inputs {
            parcels: Source::path(bad("parcels.geojson")),
            enterprises: Some(Source::path(bad(enterprises))),
            parks: Some(Source::path(bad("parks.geojson"))),
        })
        .unwrap()
}

fn check_layer(report: &land_efficiency::AuditReport, layer: Layer, want: &Value) {
    let want = want.as_array().unwrap();
    for (index, code) in want.iter().enumerate() {
        let rejections: Vec<_> = report
            .rejected
            .iter()
            .filter(|r| r.layer == layer && r.index == index)
            .collect();
        match code.as_str() {
            None => {
                assert!(rejections.is_empty(), "{layer} {index}: {rejections:?}");
                let evaluated = match layer {
                    Layer::Parcels => report.parcels().any(|p| p.index() == index),
                    Layer::Enterprises => report.enterprises().any(|e| e.index() == index),
                    Layer::Parks => report.parks.iter().any(|k| k.index == index),
                    Layer::Adjustments | Layer::NegativeList => {
                        unreachable!("the bad-input cases have no tables besides the layers")
                    }
                };
                assert!(evaluated, "{layer} {index} should be evaluated");
            }
            Some(code) => {
                assert_eq!(rejections.len(), 1, "{layer} {index}: {rejections:?}");
                assert_eq!(
                    rejections[0].code, code,
                    "{layer} {index}: {}",
                    rejections[0].reason
                );
                assert!(!rejections[0].reason.is_empty());
            }
        }
    }
}

#[test]
fn every_bad_record_is_rejected_with_its_own_reason() {
    let e = expected();
    let r = lenient("enterprises.geojson");
    check_layer(&r, Layer::Parcels, &e["parcels"]);
    check_layer(&r, Layer::Enterprises, &e["enterprises"]);
    check_layer(&r, Layer::Parks, &e["parks"]);
    let s = &r.summary;
    assert_eq!(s.parcels.read, e["parcels"].as_array().unwrap().len());
    assert_eq!(s.parcels.read, s.parcels.evaluated + s.parcels.rejected);
    assert_eq!(
        s.enterprises.read,
        s.enterprises.joined + s.enterprises.unmatched + s.enterprises.rejected
    );
    // The ambiguous one is among the unmatched.
    assert_eq!((s.enterprises.unmatched, s.enterprises.ambiguous), (4, 1));
    assert_eq!(
        s.park_features.read,
        s.park_features.evaluated + s.park_features.rejected
    );
    // The two good parcels that overlap by half are listed with the overlap's area.
    assert_eq!(r.overlaps.len(), 1);
    assert_eq!(
        (r.overlaps[0].a.as_str(), r.overlaps[0].b.as_str()),
        ("G24", "G25")
    );
    // geographiclib's area of shapely's G24 ∩ G25 rectangle, exactly half of G24's
    // 10695.687028169632 m²; the crate cuts in lon/lat, where the corners snap to ~1e-9.
    let half = 5347.843514084816;
    assert!(
        (r.overlaps[0].area_m2 - half).abs() / half < 1e-8,
        "{} vs {half}",
        r.overlaps[0].area_m2
    );
    // The ambiguous enterprise names both parcels and is joined to neither.
    let amb = r.enterprises().find(|e| e.id() == "E9").unwrap();
    assert_eq!(amb.candidates(), vec!["G24", "G25"]);
    assert_eq!(amb.parcel_id(), None);
}

#[test]
fn csv_rows_are_rejected_with_their_row_and_column() {
    let e = expected();
    let r = lenient("enterprises.csv");
    check_layer(&r, Layer::Enterprises, &e["enterprises_csv"]);
    let c1 = r
        .rejected
        .iter()
        .find(|x| x.id.as_deref() == Some("C1"))
        .unwrap();
    assert_eq!(c1.property.as_deref(), Some("lon"));
    assert!(c1.reason.contains("东经120度"), "{}", c1.reason);
    // A row of the wrong length is one rejected row, named with its line; the rows after it
    // are still read (C6 is evaluated, checked above).
    let row = |id: &str| r.rejected.iter().find(|x| x.id.as_deref() == Some(id));
    let c4 = row("C4").unwrap();
    assert!(
        c4.reason
            .starts_with("line 6: the row has 4 fields, the header has 8"),
        "{}",
        c4.reason
    );
}

/// A spreadsheet user looks for a rejected row by its line: every CSV rejection says it,
/// those found while reading a row and those found at the end (a repeated id) alike, and the
/// strict error calls the record a row.
#[test]
fn csv_rejections_name_the_line_of_their_row() {
    // Line 3 holds a field over two lines, so the rows after it are a line further down.
    let csv = "enterprise_id,name,tax,investment,output,parcel_id\n\
               E1,甲,10,100,200,G0\n\
               E2,\"乙\n厂\",约5,100,200,G0\n\
               E1,丙,10,100,200,G0\n";
    let r = with_csv(Config::default(), csv).unwrap();
    let reasons: Vec<(usize, &str)> = r
        .rejected
        .iter()
        .filter(|x| x.layer == Layer::Enterprises)
        .map(|x| (x.index, x.reason.as_str()))
        .collect();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert_eq!(reasons[0].0, 1);
    assert!(
        reasons[0].1.starts_with("line 3: property \"tax\""),
        "{reasons:?}"
    );
    assert_eq!(reasons[1].0, 2);
    assert!(
        reasons[1]
            .1
            .starts_with("line 5: duplicate enterprise_id \"E1\", first seen at row 0"),
        "{reasons:?}"
    );
    let e = Audit::new(Config::default())
        .strict(true)
        .run(&Inputs {
            parcels: Source::geojson(
                "zd.geojson",
                common::collection(&[square("G0", 120.0, None)]),
            ),
            enterprises: Some(Source::csv("qy.csv", csv)),
            parks: None,
        })
        .map(|_| ())
        .unwrap_err();
    assert!(
        e.to_string()
            .starts_with("qy.csv: row 1 (line 3) (id \"E2\")"),
        "{e}"
    );
}

#[test]
fn csv_line_numbers_are_right_in_crlf_and_mixed_files() {
    let header = "enterprise_id,name,tax,investment,output,lon,lat";
    let good = "E1,a,1,1,1,120.0005,30.0005";
    let bad_row = "E2,b,1,1";
    // (text, the line E2 is on)
    let wide = format!("{header},{}", "x".repeat(9000));
    let cases: Vec<(String, u64)> = vec![
        (format!("{header}\n{good}\n{bad_row}\n"), 3),
        (format!("{header}\r\n{good}\r\n{bad_row}\r\n"), 3),
        // Mixed line ends, either way round.
        (format!("{header}\n{good}\r\n{bad_row}\r\n"), 3),
        (format!("{header}\r\n{good}\n{bad_row}\n"), 3),
        // A header longer than the first buffer read.
        (format!("{wide}\r\n{good},\r\n{bad_row}\r\n"), 3),
        // Blank lines csv skips, and a quoted name over two lines.
        (format!("{header}\r\n\r\n{good}\r\n\r\n{bad_row}\r\n"), 5),
        (
            format!("{header}\r\nE1,\"two\r\nlines\",1,1,1,120.0005,30.0005\r\n{bad_row}\r\n"),
            4,
        ),
    ];
    for (csv, line) in cases {
        let r = with_csv(Config::default(), csv.clone()).unwrap();
        let e2 = r.rejected.iter().find(|x| x.id.as_deref() == Some("E2"));
        let reason = &e2.expect("E2 rejected").reason;
        assert!(
            reason.starts_with(&format!("line {line}: the row has")),
            "{reason} in {:?}",
            &csv[csv.len().saturating_sub(80)..]
        );
    }
}

#[test]
fn csv_files_that_cannot_be_read_at_all_stop_with_why() {
    let run = |csv: &[u8]| csv_file_error(csv);
    let empty = run(b"");
    assert!(empty.contains("qy.csv: the file is empty"), "{empty}");
    // Neither UTF-8 nor GB18030: 0xFF is a byte of neither.
    let header = run(b"enterprise_id,\xff\xfe,tax\nE1,a,1\n");
    assert!(
        header.contains(
            "qy.csv: the header row (line 1), column 2: text in neither UTF-8 nor GB18030"
        ),
        "{header}"
    );
    // Excel's "Unicode Text": UTF-16, said as such rather than as text in neither encoding.
    let utf16: Vec<u8> = "\u{feff}enterprise_id\ttax\nE1\t1\n"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let e = run(&utf16);
    assert!(e.contains("qy.csv: the file is UTF-16"), "{e}");
}

/// A layer that is not GeoJSON in the way a user is likely to get it says so: saved as UTF-16,
/// or a CSV given as the parcels.
#[test]
fn a_parcels_file_in_utf16_or_csv_says_what_it_is() {
    let run = |label: &str, data: Vec<u8>| {
        Audit::new(Config::default())
            .run(&Inputs {
                parcels: Source::geojson(label, data),
                enterprises: None,
                parks: None,
            })
            .map(|_| ())
            .unwrap_err()
            .to_string()
    };
    let text = std::fs::read_to_string(fixtures().join("zone/parcels.geojson")).unwrap();
    let utf16: Vec<u8> = format!("\u{feff}{text}")
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let e = run("zd.geojson", utf16);
    assert!(
        e.starts_with("zd.geojson: malformed JSON at byte 0: the file is UTF-16"),
        "{e}"
    );
    let e = run("zd.csv", b"parcel_id,lon,lat\nP1,120,30\n".to_vec());
    assert!(
        e.ends_with(
            "(a .csv file: only enterprises may be CSV; parcels and parks must be GeoJSON)"
        ),
        "{e}"
    );
}

/// A UTF-8 file with one byte that is not UTF-8 (a name pasted from a Latin-1 source) is not
/// taken for GBK: read as GB18030 its Chinese keys would be garbled and every firm unmatched.
/// It stops at that byte, naming its line.
#[test]
fn a_stray_byte_in_a_utf8_csv_names_its_line() {
    let mut csv = "enterprise_id,name,tax,investment,output,parcel_id\n\
                   E1,甲,1,1,1,G0\nE2,乙,1,1,1,G0\nE3,丙,1,1,1,G0\nE4,Caf"
        .as_bytes()
        .to_vec();
    csv.extend_from_slice(b"\xe9s,1,1,1,G0\n");
    let e = csv_file_error(csv);
    assert!(
        e.contains(
            "qy.csv: line 5, column 2 (\"name\"), is not UTF-8, though the file's other text is"
        ),
        "{e}"
    );
}

/// Excel on Chinese Windows saves CSV as GBK: such a file is read as GB18030 (GBK is part of
/// it) to the same figures as the file saved as UTF-8, with a warning that shows the first
/// Chinese text as decoded. Bytes of neither encoding stop the file, naming the line.
#[test]
fn a_csv_saved_as_gbk_is_read_as_gb18030_with_a_warning() {
    let text = "enterprise_id,name,tax,investment,output,lon,lat\r\n\
                E1,北京精密机械有限公司,1,1,1,120.0005,30.0005\r\n\
                E2,杭州“新材料”科技,500,5000,9000,120.0005,30.0005\r\n\
                E3,short row\r\n";
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable);
    assert!(
        std::str::from_utf8(&gbk).is_err(),
        "the test needs a file that is not UTF-8"
    );
    let utf8 = with_csv(Config::default(), text).unwrap();
    let r = with_csv(Config::default(), &*gbk).unwrap();
    let names = |r: &AuditReport| -> Vec<(String, String)> {
        r.enterprises()
            .map(|e| (e.id().to_string(), e.enterprise().name.unwrap_or_default()))
            .collect()
    };
    assert_eq!(names(&r), names(&utf8));
    assert_eq!(names(&r)[0].1, "北京精密机械有限公司");
    // The short row is rejected naming its line, as in the UTF-8 file.
    let reason = |r: &AuditReport| {
        r.rejected
            .iter()
            .find(|x| x.id.as_deref() == Some("E3"))
            .unwrap()
            .reason
            .clone()
    };
    assert!(
        reason(&r).starts_with("line 4: the row has 2 fields"),
        "{}",
        reason(&r)
    );
    assert_eq!(reason(&r), reason(&utf8));
    let warning = r
        .warnings
        .iter()
        .find(|w| w.message.contains("GB18030"))
        .expect("a warning");
    assert!(
        warning
            .message
            .contains("\"北京精密机械有限公司\" (line 2, column \"name\")"),
        "{}",
        warning.message
    );
    assert!(!utf8.warnings.iter().any(|w| w.message.contains("GB18030")));
    // A byte GB18030 does not have either, on line 3.
    let mut bad = gbk.into_owned();
    let at = bad.windows(3).position(|w| w == b"500").unwrap();
    bad[at] = 0xFF;
    let e = csv_file_error(bad);
    assert!(
        e.contains("line 3, column 3 (\"tax\"): text in neither UTF-8 nor GB18030"),
        "{e}"
    );
}

#[test]
fn what_is_the_files_own_stops_the_run_with_its_line() {
    let run = |csv: &[u8]| csv_file_error(csv);
    // An unclosed quote read E2's line into E1's name: E2 would have been lost unnoticed.
    let quote = run(b"enterprise_id,name,tax,investment,output,lon,lat\n\
                      E1,\"unclosed,1,1,1,120.0005,30.0005\n\
                      E2,b,1,1,1,120.0005,30.0005\n");
    assert!(quote.contains("qy.csv"), "{quote}");
    assert!(
        quote.contains("a quote (\") on line 2 seems unclosed"),
        "{quote}"
    );
    // A column named twice: which holds the tax cannot be told.
    let twice = run(b"enterprise_id,tax,investment,output,tax,lon,lat\n\
                      E1,1,1,1,999,120.0005,30.0005\n");
    assert!(
        twice.contains("names column \"tax\" twice (columns 2 and 5)"),
        "{twice}"
    );
    // A quoted name over two lines in a row with a field too many is that row's fault only.
    let r = with_csv(
        Config::default(),
        "enterprise_id,name,tax,investment,output,lon,lat\n\
                 E1,\"two\nlines\",1,1,1,120.0005,30.0005,extra\n\
                 E2,b,1,1,1,120.0005,30.0005\n",
    )
    .unwrap();
    let e1 = r.rejected.iter().find(|x| x.id.as_deref() == Some("E1"));
    assert_eq!(e1.expect("E1 rejected").code, "bad_row");
    assert_eq!(r.summary.enterprises.read, 2);
    // A quoted name over two lines, in a row of the right length, is a name.
    let r = with_csv(
        Config::default(),
        "enterprise_id,name,tax,investment,output,lon,lat\n\
                 E1,\"two\nlines\",1,1,1,120.0005,30.0005\n",
    )
    .unwrap();
    assert_eq!(r.summary.enterprises.rejected, 0);
}

#[test]
fn errors_name_file_feature_id_property_expected_and_found() {
    let err = Audit::new(Config::default())
        .strict(true)
        .run(&Inputs {
            parcels: Source::path(bad("parcels.geojson")),
            enterprises: None,
            parks: None,
        })
        .unwrap_err();
    // Strict: the first bad feature stops the run.
    assert!(matches!(err, Error::NullGeometry { .. }), "{err}");
    let ctx = err.feature().unwrap();
    assert_eq!((ctx.index, ctx.id.as_deref()), (1, Some("B1")));
    assert!(ctx.file.ends_with("bad/parcels.geojson"));
    let text = err.to_string();
    assert!(
        text.contains("parcels.geojson: feature 1 (id \"B1\"): geometry is missing or null"),
        "{text}"
    );

    let r = lenient("enterprises.geojson");
    let b12 = r
        .rejected
        .iter()
        .find(|x| x.id.as_deref() == Some("B12"))
        .unwrap();
    assert_eq!(b12.property.as_deref(), Some("floor_area"));
    assert_eq!(
        b12.reason,
        "property \"floor_area\": expected a floor area in m², found \"12万\""
    );
    let e1 = r
        .rejected
        .iter()
        .find(|x| x.id.as_deref() == Some("E1"))
        .unwrap();
    assert_eq!(
        e1.reason,
        "property \"tax\": expected a number in 万元, found \"12万\""
    );
}

fn file_error(name: &str) -> Error {
    Audit::new(Config::default())
        .run(&Inputs {
            parcels: Source::path(bad(name)),
            enterprises: None,
            parks: None,
        })
        .unwrap_err()
}

#[test]
fn malformed_files_stop_with_the_byte_and_feature() {
    let text = std::fs::read(bad("truncated.geojson")).unwrap();
    match file_error("truncated.geojson") {
        Error::MalformedJson {
            file,
            byte,
            feature,
            message,
        } => {
            assert!(file.ends_with("truncated.geojson"));
            assert_eq!(byte as usize, text.len());
            assert_eq!(feature, Some(1));
            assert!(message.contains("truncated"), "{message}");
        }
        other => panic!("{other}"),
    }
    match file_error("syntax-error.geojson") {
        Error::MalformedJson { byte, feature, .. } => {
            let text = std::fs::read_to_string(bad("syntax-error.geojson")).unwrap();
            assert_eq!(feature, Some(1));
            // The offset points at the doubled comma.
            assert_eq!(&text[byte as usize..byte as usize + 1], ",", "{byte}");
            assert_eq!(&text[byte as usize - 1..byte as usize], ",");
        }
        other => panic!("{other}"),
    }
    assert!(matches!(
        file_error("empty.geojson"),
        Error::MalformedJson { byte: 0, .. }
    ));
    assert!(matches!(
        file_error("binary.geojson"),
        Error::MalformedJson { byte: 0, .. }
    ));
    let garbage = std::fs::read_to_string(bad("trailing-garbage.geojson"))
        .unwrap()
        .find("]]")
        .unwrap() as u64;
    assert!(
        matches!(file_error("trailing-garbage.geojson"), Error::MalformedJson { byte, .. } if byte == garbage)
    );
    match file_error("not-a-collection.geojson") {
        Error::NotFeatureCollection { found, .. } => assert!(found.contains("Topology")),
        other => panic!("{other}"),
    }
    match file_error("no-such-file.geojson") {
        Error::Io { path, .. } => assert!(path.ends_with("no-such-file.geojson")),
        other => panic!("{other}"),
    }
}

/// The parcels' areas are worked out while the other layers are read: a malformed
/// enterprises or parks file still stops the run with its own error.
#[test]
fn a_malformed_second_layer_stops_the_run_with_its_own_error() {
    let truncated = || Some(Source::path(bad("truncated.geojson")));
    for (enterprises, parks) in [(truncated(), None), (None, truncated())] {
        let error = Audit::new(Config::default())
            .run(&Inputs {
                parcels: Source::path(bad("parcels.geojson")),
                enterprises,
                parks,
            })
            .unwrap_err();
        match error {
            Error::MalformedJson { file, feature, .. } => {
                assert!(file.ends_with("truncated.geojson"));
                assert_eq!(feature, Some(1));
            }
            other => panic!("{other}"),
        }
    }
}

#[test]
fn a_bad_config_names_its_file_and_key() {
    match Config::from_path(bad("bad-config.toml")) {
        Err(Error::Config { path, message }) => {
            assert!(path.ends_with("bad-config.toml"));
            assert!(message.contains("min_tax"), "{message}");
            assert!(message.contains("line 3"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

/// A config saved as GBK names its line and says to save it as UTF-8; one saved with a
/// byte order mark (Notepad's "UTF-8 with BOM") is read.
#[test]
fn a_config_in_gbk_says_so_and_one_with_a_bom_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("zone.toml");
    // \xd0\xc2\xd4\xf6 is 新增 in GBK.
    std::fs::write(
        &path,
        b"[fields]\nparcel_id = \"ZDDM\"\nstatus_new = [\"\xd0\xc2\xd4\xf6\"]\n",
    )
    .unwrap();
    match Config::from_path(&path) {
        Err(Error::Config { message, .. }) => {
            assert!(message.contains("line 3 is not UTF-8"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    std::fs::write(&path, "\u{feff}[low_efficiency]\nmin_tax_per_mu = 20.0\n").unwrap();
    let config = Config::from_path(&path).unwrap();
    assert_eq!(config.low_efficiency.min_tax_per_mu, 20.0);
}

/// A CRS in the config that this build cannot use is the config's error, named by its key,
/// not the data file's.
#[test]
fn a_bad_crs_in_the_config_names_the_config_and_key() {
    let dir = tempfile::tempdir().unwrap();
    for (text, key) in [
        ("[crs]\nenterprises = \"EPSG:4549x\"\n", "crs.enterprises"),
        ("[crs]\nparcels = \"EPSG:99999\"\n", "crs.parcels"),
    ] {
        let path = dir.path().join("zone.toml");
        std::fs::write(&path, text).unwrap();
        match Config::from_path(&path) {
            Err(Error::Config { path, message }) => {
                assert!(path.ends_with("zone.toml"), "{}", path.display());
                assert!(message.starts_with(key), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }
}

/// Every file and folder under `dir`, by its path relative to `dir`: a file's bytes, or `None`
/// for a folder. Hidden names (temporary outputs start with a dot) included.
fn snapshot(dir: &std::path::Path) -> std::collections::BTreeMap<PathBuf, Option<Vec<u8>>> {
    let mut all = std::collections::BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(folder) = todo.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            let name = path.strip_prefix(dir).unwrap().to_path_buf();
            if path.is_dir() {
                all.insert(name, None);
                todo.push(path);
            } else {
                all.insert(name, Some(std::fs::read(&path).unwrap()));
            }
        }
    }
    all
}

/// A write that fails part-way replaces nothing: each output a previous run left in the folder
/// is still there byte for byte (the folder standing where summary.json goes too, with its
/// file), nothing is added, and no temporary file is left behind.
#[test]
fn a_failed_run_leaves_the_previous_outputs_whole() {
    let good = lenient("enterprises.geojson");
    let dir = tempfile::tempdir().unwrap();
    let blocked = dir.path();
    land_efficiency::write_all(&good, blocked, &Default::default()).unwrap();
    // summary.json is now a folder with a file in it: the next write cannot put its summary there.
    std::fs::remove_file(blocked.join("summary.json")).unwrap();
    std::fs::create_dir(blocked.join("summary.json")).unwrap();
    std::fs::write(blocked.join("summary.json").join("x"), b"x").unwrap();
    let before = snapshot(blocked);
    let mut names: Vec<String> = before.keys().map(|p| p.display().to_string()).collect();
    names.sort();
    let mut expected: Vec<String> = land_efficiency::OUTPUT_FILES
        .iter()
        .map(|f| f.to_string())
        .chain(["summary.json/x".to_string()])
        .collect();
    expected.sort();
    assert_eq!(names, expected);

    // Another zone's audit, every output of which differs from the good one's: whichever file
    // the failed write replaced would show.
    let zone = fixtures().join("zone");
    let other = Audit::new(Config::default())
        .run(&Inputs {
            parcels: Source::path(zone.join("parcels.geojson")),
            enterprises: Some(Source::path(zone.join("enterprises.geojson"))),
            parks: Some(Source::path(zone.join("parks.geojson"))),
        })
        .unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    land_efficiency::write_all(&other, elsewhere.path(), &Default::default()).unwrap();
    for f in land_efficiency::OUTPUT_FILES {
        if f != "summary.json" {
            let theirs = std::fs::read(elsewhere.path().join(f)).unwrap();
            assert_ne!(
                Some(theirs),
                before[&PathBuf::from(f)],
                "{f} is the same in both audits"
            );
        }
    }

    match land_efficiency::write_all(&other, blocked, &Default::default()) {
        Err(Error::Io { path, .. }) => assert_eq!(path, blocked.join("summary.json")),
        other => panic!("{:?}", other.map(|_| ())),
    }
    let after = snapshot(blocked);
    let replaced: Vec<&PathBuf> = before
        .iter()
        .filter(|(name, bytes)| after.get(*name) != Some(bytes))
        .map(|(name, _)| name)
        .collect();
    let added: Vec<&PathBuf> = after
        .keys()
        .filter(|name| !before.contains_key(*name))
        .collect();
    assert!(
        replaced.is_empty() && added.is_empty(),
        "replaced or removed: {replaced:?}; added: {added:?}"
    );
}

/// The small files are written beside the large ones: a failure among them still names its
/// file, replaces nothing and leaves no temporary file. (Their temporary names cannot be
/// foreseen, so the failure is a folder where the report goes.)
#[test]
fn a_failure_among_the_small_files_replaces_nothing() {
    let good = lenient("enterprises.geojson");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path();
    std::fs::write(path.join("parcels.geojson"), b"before").unwrap();
    // A link planted where an earlier version put the summary's temporary file.
    let target = path.join("precious.txt");
    std::fs::write(&target, b"keep").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(
        &target,
        path.join(format!(".summary.json.{}.tmp", std::process::id())),
    )
    .unwrap();
    let report = path.join("report.html");
    std::fs::create_dir(&report).unwrap();
    match land_efficiency::write_all(&good, path, &Default::default()) {
        Err(Error::Io { path, .. }) => assert!(path.ends_with("report.html"), "{path:?}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        std::fs::read(&target).unwrap(),
        b"keep",
        "written through the link"
    );
    std::fs::remove_dir(&report).unwrap();
    std::fs::remove_file(&target).unwrap();
    #[cfg(unix)]
    std::fs::remove_file(path.join(format!(".summary.json.{}.tmp", std::process::id()))).unwrap();
    assert_eq!(
        std::fs::read(path.join("parcels.geojson")).unwrap(),
        b"before"
    );
    let names: Vec<String> = std::fs::read_dir(path)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["parcels.geojson"]);
}

/// A parcels file of `n` small squares; the one at `bad` has a money figure that is text.
fn many_parcels(n: usize, bad: usize) -> String {
    let features: Vec<String> = (0..n)
        .map(|i| {
            let (x, y) = (120.0 + (i % 500) as f64 * 0.001, 30.0 + (i / 500) as f64 * 0.001);
            let d = 0.0008;
            let floor = if i == bad { r#""12万""# } else { "100" };
            format!(
                r#"{{"type":"Feature","properties":{{"parcel_id":"P{i}","floor_area":{floor}}},"geometry":{{"type":"Polygon","coordinates":[[[{x},{y}],[{},{y}],[{},{}],[{x},{}],[{x},{y}]]]}}}}"#,
                x + d,
                x + d,
                y + d,
                y + d
            )
        })
        .collect();
    format!(
        "{{\"type\":\"FeatureCollection\",\"features\":[\n{}\n]}}",
        features.join(",\n")
    )
}

/// `err` is the error of `many_parcels`' bad record at `index`: its floor area is not a number,
/// named with its feature, id, property and the text found.
fn assert_bad_floor_area(err: &Error, index: usize) {
    match err {
        Error::NotANumber {
            ctx,
            property,
            found,
            ..
        } => {
            let id = format!("P{index}");
            assert_eq!(
                (ctx.index, ctx.id.as_deref()),
                (index, Some(id.as_str())),
                "{err}"
            );
            assert_eq!(
                (property.as_str(), found.as_str()),
                ("floor_area", "\"12万\"")
            );
        }
        other => panic!("expected feature {index}'s floor area, got {other}"),
    }
}

#[test]
fn errors_far_into_a_large_file_name_the_right_feature() {
    // 40 000 features: several of the reader's batches, scanned ahead of the parse.
    let n = 40_000;
    let run = |text: String, strict: bool| {
        Audit::new(Config::default()).strict(strict).run(&Inputs {
            parcels: Source::geojson("many.geojson", text.into_bytes()),
            enterprises: None,
            parks: None,
        })
    };
    // Strict: the bad record in the third batch stops the read, named by its index and id.
    assert_bad_floor_area(&run(many_parcels(n, 37_123), true).unwrap_err(), 37_123);
    // Strict, the bad record in the first batch: the reader stops while the scanner is still
    // going (it must stop too, and the error must be this one).
    assert_bad_floor_area(&run(many_parcels(n, 5), true).unwrap_err(), 5);
    // Lenient: every other record is evaluated, in file order.
    let report = run(many_parcels(n, 37_123), false).unwrap();
    assert_eq!(report.parcel_count(), n - 1);
    assert_eq!(report.rejected.len(), 1);
    assert_eq!(report.rejected[0].index, 37_123);
    let ids: Vec<String> = (0..report.parcel_count())
        .map(|row| report.parcel(row).parcel_id().to_string())
        .collect();
    let expected: Vec<String> = (0..n)
        .filter(|&i| i != 37_123)
        .map(|i| format!("P{i}"))
        .collect();
    assert_eq!(ids, expected);
    // Truncated near the end: the error names the byte where the text ends and the feature.
    let mut text = many_parcels(n, n);
    text.truncate(text.len() - 40);
    match run(text.clone(), false).unwrap_err() {
        Error::MalformedJson { byte, feature, .. } => {
            assert_eq!(byte as usize, text.len());
            assert_eq!(feature, Some(n - 1));
        }
        other => panic!("{other}"),
    }
}

/// A batch is sunk while the next is parsed: in strict mode a bad record still wins over a
/// truncation in a later batch, and in lenient mode the truncation stops the read.
#[test]
fn a_bad_record_comes_before_a_truncation_in_a_later_batch() {
    let n = 40_000;
    // 36 000 is in the batch before the last (batches of 4096 features here).
    let mut text = many_parcels(n, 36_000);
    text.truncate(text.len() - 40);
    let run = |strict: bool| {
        Audit::new(Config::default()).strict(strict).run(&Inputs {
            parcels: Source::geojson("many.geojson", text.clone().into_bytes()),
            enterprises: None,
            parks: None,
        })
    };
    assert_bad_floor_area(&run(true).unwrap_err(), 36_000);
    match run(false).unwrap_err() {
        Error::MalformedJson { feature, .. } => assert_eq!(feature, Some(n - 1)),
        other => panic!("{other}"),
    }
    // The bad record in the batch the truncation cuts short (the scanner sends the features
    // it has before its error), in a large file and in a small one.
    for (n, bad) in [(40_000, 39_000), (3, 0)] {
        let mut text = many_parcels(n, bad);
        text.truncate(text.len() - 40);
        let err = Audit::new(Config::default())
            .strict(true)
            .run(&Inputs {
                parcels: Source::geojson("many.geojson", text.into_bytes()),
                enterprises: None,
                parks: None,
            })
            .unwrap_err();
        assert_bad_floor_area(&err, bad);
    }
}

/// An array where a feature should be is not a feature (serde would read an empty struct from
/// `[]`, and the record would be "missing its parcel_id").
#[test]
fn an_array_in_features_is_not_a_feature() {
    let parcels = r#"{"type":"FeatureCollection","features":[[],{"type":"Feature","properties":{"parcel_id":"P1"},"geometry":{"type":"Polygon","coordinates":[[[120,30],[120.001,30],[120.001,30.001],[120,30.001],[120,30]]]}}]}"#;
    let r = Audit::new(Config::default())
        .run(&Inputs {
            parcels: Source::geojson("parcels.geojson", parcels),
            enterprises: None,
            parks: None,
        })
        .unwrap();
    assert_eq!(r.parcel_count(), 1);
    let codes: Vec<_> = r.rejected.iter().map(|x| (x.index, x.code)).collect();
    assert_eq!(codes, [(0, "not_a_feature")]);
    assert!(
        r.rejected[0].reason.contains("an array"),
        "{}",
        r.rejected[0].reason
    );
}

#[test]
fn a_position_out_of_range_names_the_columns_it_came_from() {
    let csv = "enterprise_id,name,tax,investment,output,x,y\n\
               E1,a,1,1,1,120.0005,95.5\n";
    let mut config = Config::default();
    config.fields.enterprises.lon = "x".into();
    config.fields.enterprises.lat = "y".into();
    config.crs.enterprises = Some("EPSG:4326".into());
    let r = with_csv(config, csv).unwrap();
    let e1 = r.rejected.iter().find(|x| x.id.as_deref() == Some("E1"));
    let e1 = e1.expect("E1 rejected");
    assert_eq!(e1.code, "coordinate_out_of_range");
    assert_eq!(e1.property.as_deref(), Some("x/y"));
    // In GeoJSON the position is the geometry.
    let geojson = r#"{"type":"FeatureCollection","features":[{"type":"Feature",
        "properties":{"enterprise_id":"E2","tax":1,"investment":1,"output":1},
        "geometry":{"type":"Point","coordinates":[120.0005,95.5]}}]}"#;
    let mut config = Config::default();
    config.crs.enterprises = Some("EPSG:4326".into());
    let r = Audit::new(config)
        .run(&Inputs {
            parcels: Source::path(bad("parcels.geojson")),
            enterprises: Some(Source::geojson("qy.geojson", geojson)),
            parks: None,
        })
        .unwrap();
    let e2 = r.rejected.iter().find(|x| x.id.as_deref() == Some("E2"));
    assert_eq!(
        e2.expect("E2 rejected").property.as_deref(),
        Some("geometry")
    );
}

/// A firm rejected for a bad property still stands on its parcel. Before, its parcel was
/// left with no tenant, so idle and low on investment, tax and output; now the parcel is not
/// judged on its tenants' figures and a warning names the firm.
#[test]
fn a_rejected_tenant_does_not_make_its_parcel_idle() {
    let zone = fixtures().join("zone");
    let text = std::fs::read_to_string(zone.join("enterprises.geojson")).unwrap();
    let mut layer: Value = serde_json::from_str(&text).unwrap();
    let first = &mut layer["features"][0]["properties"];
    let id = first["enterprise_id"].as_str().unwrap().to_string();
    let run = |enterprises: Source| {
        Audit::new(Config::default())
            .run(&Inputs {
                parcels: Source::path(zone.join("parcels.geojson")),
                enterprises: Some(enterprises),
                parks: Some(Source::path(zone.join("parks.geojson"))),
            })
            .unwrap()
    };
    let good = run(Source::path(zone.join("enterprises.geojson")));
    first["tax"] = Value::from("约200");
    let bad = run(Source::geojson("qy.geojson", layer.to_string()));
    let rejection = bad.rejected.iter().find(|r| r.id.as_deref() == Some(&*id));
    assert_eq!(rejection.expect("rejected").code, "not_a_number");
    // The parcel it stands on (by the good run's join).
    let parcel_id = good
        .enterprises()
        .find(|e| e.id() == id)
        .and_then(|e| e.parcel_id().map(str::to_string))
        .expect("joined in the good run");
    let p = bad.parcel_by_id(&parcel_id).unwrap();
    assert!(!p.idle(), "{parcel_id} taken for idle");
    // As the writers see it too.
    assert!(!p.intensities().idle, "{parcel_id} written as idle");
    let on_tenants = ["investment", "tax", "output", "idle"];
    assert!(
        p.reasons()
            .iter()
            .all(|r| !on_tenants.contains(&r.as_str())),
        "{parcel_id}: {:?}",
        p.reasons()
    );
    let warned = bad
        .warnings
        .iter()
        .find(|w| w.id.as_deref() == Some(&*parcel_id));
    let message = &warned.expect("warned").message;
    assert!(
        message.contains(&format!("enterprise {id} (feature 0) was rejected")),
        "{message}"
    );
    // The other parcels are as they were.
    assert_eq!(good.parcel_count(), bad.parcel_count());
    let changed: Vec<&str> = good
        .parcels()
        .zip(bad.parcels())
        .filter(|(a, b)| a.reasons() != b.reasons() || a.idle() != b.idle())
        .map(|(a, _)| a.parcel_id())
        .collect();
    assert!(changed.iter().all(|c| *c == parcel_id), "{changed:?}");
}

/// A square parcel of 0.001° at (`x`, 30.0) with an optional recorded floor area.
fn square(id: &str, x: f64, floor_area: Option<f64>) -> String {
    let floor = floor_area.map_or(String::new(), |f| format!(",\"floor_area\":{f}"));
    let (x1, y0, y1) = (x + 0.001, 30.0, 30.001);
    format!(
        r#"{{"type":"Feature","properties":{{"parcel_id":"{id}"{floor}}},"geometry":{{"type":"Polygon","coordinates":[[[{x},{y0}],[{x1},{y0}],[{x1},{y1}],[{x},{y1}],[{x},{y0}]]]}}}}"#
    )
}

/// A parcel whose tenant was rejected is not judged on its tenants. Unless its own figures
/// make it low, whether it is low is unknown: it is left out of both sides of its park's ratio
/// and the summary's (before, it was counted as a parcel that met every minimum, which pulled
/// the ratio down), counted as unjudged, and drawn and titled as such.
/// Four parcels in one park. A: fine. B: its tenant rejected (a tax of `约5`), but its own
/// floor area makes it low on plot ratio. C: its tenant's id repeated, nothing of its own:
/// unjudged. D: low on its tenant.
fn unjudged_zone(previous: Option<land_efficiency::PreviousAudit>, csv: &str) -> AuditReport {
    let parcels = format!(
        r#"{{"type":"FeatureCollection","features":[{},{},{},{}]}}"#,
        square("A", 120.000, None),
        square("B", 120.002, Some(100.0)),
        square("C", 120.004, None),
        square("D", 120.0065, None)
    );
    let parks = r#"{"type":"FeatureCollection","features":[{"type":"Feature",
        "properties":{"park_id":"K1","name":"一园"},"geometry":{"type":"Polygon",
        "coordinates":[[[119.999,29.999],[120.01,29.999],[120.01,30.002],[119.999,30.002],[119.999,29.999]]]}}]}"#;
    Audit::new(Config::default())
        .previous(previous)
        .run(&Inputs {
            parcels: Source::geojson("zd.geojson", parcels),
            enterprises: Some(Source::csv("qy.csv", csv)),
            parks: Some(Source::geojson("yq.geojson", parks)),
        })
        .unwrap()
}

const UNJUDGED_CSV: &str = "enterprise_id,name,tax,investment,output,floor_area,parcel_id\n\
                            E1,a,1000,10000,10000,20000,A\n\
                            E2,b,约5,10000,10000,20000,B\n\
                            E3,c,1000,10000,10000,20000,C\n\
                            E3,c,1000,10000,10000,20000,C\n\
                            E4,d,1,1,1,20000,D\n";

#[test]
fn an_unjudged_parcel_is_left_out_of_the_ratios() {
    let r = unjudged_zone(None, UNJUDGED_CSV);
    let p = |id: &str| r.parcel_by_id(id).unwrap();
    let flags = |id: &str| {
        (
            p(id).tenants_incomplete(),
            p(id).unjudged(),
            p(id).low_efficiency(),
        )
    };
    assert_eq!(flags("A"), (false, false, false));
    assert_eq!(flags("B"), (true, false, true));
    assert_eq!(
        p("B")
            .reasons()
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>(),
        ["plot_ratio"]
    );
    assert_eq!(flags("C"), (true, true, false));
    assert_eq!(flags("D"), (false, false, true));

    let (a, b, c, d) = (
        p("A").area_m2(),
        p("B").area_m2(),
        p("C").area_m2(),
        p("D").area_m2(),
    );
    let k = &r.summary.parks[0];
    assert_eq!(
        (k.parcel_count, k.low_efficiency_count, k.unjudged_count),
        (4, 2, 1)
    );
    let mu = |m2: f64| m2 * 15.0 / 10_000.0;
    approx::assert_relative_eq!(k.unjudged_area_mu, mu(c), max_relative = 1e-12);
    approx::assert_relative_eq!(k.area_mu, mu(a + b + c + d), max_relative = 1e-12);
    // C in neither side; counting it as fine would give (b + d) / (a + b + c + d).
    approx::assert_relative_eq!(
        k.low_efficiency_ratio.unwrap(),
        (b + d) / (a + b + d),
        max_relative = 1e-12
    );
    approx::assert_relative_eq!(k.low_efficiency_count_share.unwrap(), 2.0 / 3.0);
    let s = &r.summary;
    assert_eq!(s.unjudged_count, 1);
    approx::assert_relative_eq!(
        s.low_efficiency_ratio.unwrap(),
        (b + d) / (a + b + d),
        max_relative = 1e-12
    );

    // In the serialised results, as a service sees them: C is told from a parcel that passed.
    let json = serde_json::to_value(&r).unwrap();
    let result = |id: &str| {
        json["parcels"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["parcel_id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(
        (
            result("C")["tenants_incomplete"].clone(),
            result("C")["unjudged"].clone()
        ),
        (Value::from(true), Value::from(true))
    );
    assert_eq!(
        (
            result("A")["tenants_incomplete"].clone(),
            result("A")["unjudged"].clone()
        ),
        (Value::from(false), Value::from(false))
    );

    // In the outputs.
    let dir = tempfile::tempdir().unwrap();
    land_efficiency::write_all(&r, dir.path(), &Default::default()).unwrap();
    let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap();
    let layer: Value = serde_json::from_str(&read("parcels.geojson")).unwrap();
    let feature = |id: &str| {
        layer["features"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["properties"]["parcel_id"] == id)
            .unwrap()["properties"]
            .clone()
    };
    assert_eq!(feature("C")["tenants_incomplete"], true);
    assert_eq!(feature("A")["tenants_incomplete"], false);
    assert_ne!(feature("C")["fill"], feature("A")["fill"]);
    assert!(
        feature("C")["title"]
            .as_str()
            .unwrap()
            .contains("not judged")
    );
    assert!(
        feature("B")["title"]
            .as_str()
            .unwrap()
            .contains("low-efficiency")
    );
    let parks: Value = serde_json::from_str(&read("parks.geojson")).unwrap();
    assert_eq!(parks["features"][0]["properties"]["unjudged_count"], 1);
    let title = parks["features"][0]["properties"]["title"]
        .as_str()
        .unwrap();
    assert!(title.ends_with("; 1 parcel not judged"), "{title}");
    // The map of a large audit (a grid): C's cell alone is not 0% low, it is not judged.
    let mut html = Vec::new();
    land_efficiency::write_report_html(
        &r,
        &mut html,
        &land_efficiency::ReportOptions {
            max_parcels_drawn: 0,
            ..Default::default()
        },
    )
    .unwrap();
    let html = String::from_utf8(html).unwrap();
    let cells: Vec<&str> = html
        .split("<rect ")
        .filter(|c| c.contains("<title>"))
        .collect();
    let unjudged: Vec<&&str> = cells
        .iter()
        .filter(|c| c.contains("fill=\"#f7f7f7\""))
        .collect();
    assert_eq!(unjudged.len(), 1, "{cells:?}");
    assert!(
        unjudged[0].contains("<title>0 宗地 · 低效占比 — · 未判定 1</title>"),
        "{}",
        unjudged[0]
    );
    let summary: Value = serde_json::from_str(&read("summary.json")).unwrap();
    assert_eq!(summary["unjudged_count"], 1);
    let csv = read("parcels.csv");
    let mut rows = csv::Reader::from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
    let headers = rows.headers().unwrap().clone();
    let col = headers
        .iter()
        .position(|h| h == "tenants_incomplete")
        .unwrap();
    let flagged: Vec<String> = rows
        .records()
        .map(|x| x.unwrap())
        .filter(|x| &x[col] == "true")
        .map(|x| x[0].to_string())
        .collect();
    assert_eq!(flagged, ["B", "C"]);
    assert!(read("report.html").contains("not judged") || read("report.html").contains("未判定"));
}

/// A parcel unjudged last year has no change this year, even when judged now: whether it was
/// low then is not known (before, its `low_efficiency` of `false` read as "not low").
#[test]
fn a_parcel_unjudged_last_year_has_no_change() {
    let last = unjudged_zone(None, UNJUDGED_CSV);
    let dir = tempfile::tempdir().unwrap();
    land_efficiency::write_all(&last, dir.path(), &Default::default()).unwrap();
    let previous = land_efficiency::PreviousAudit::from_dir(dir.path()).unwrap();
    assert_eq!(previous.unjudged.iter().collect::<Vec<_>>(), ["C"]);
    assert_eq!(previous.parcels.len(), 3);
    // This year every record is good.
    let fixed = UNJUDGED_CSV
        .replace("约5", "1000")
        .replace("E3,c,1000,10000,10000,20000,C\n", "")
        + "E3,c,1000,10000,10000,20000,C\n";
    let now = unjudged_zone(Some(previous), &fixed);
    assert!(now.parcels().all(|p| !p.tenants_incomplete()));
    let change = |id: &str| now.parcel_by_id(id).unwrap().change().map(|c| c.as_str());
    assert_eq!(change("A"), Some("still_ok"));
    assert_eq!(change("B"), Some("still_low"));
    assert_eq!(change("C"), None);
    assert_eq!(change("D"), Some("still_low"));
    let info = now.summary.previous.as_ref().unwrap();
    assert_eq!((info.parcels, info.matched), (4, 4));
    let changes = now.summary.changes.as_ref().unwrap();
    assert_eq!((changes["gone"], changes["unjudged"]), (0, 1));
    let judged: usize = ["became_low", "recovered", "still_low", "still_ok", "new"]
        .iter()
        .map(|k| changes.get(k).copied().unwrap_or(0))
        .sum();
    assert_eq!(judged + changes["unjudged"], now.parcel_count());
    // The other way round: judged last year, incomplete now. B is low on its own floor area
    // whatever its tenants, so it has a change; C is not judged now, so it has none.
    let dir = tempfile::tempdir().unwrap();
    land_efficiency::write_all(&now, dir.path(), &Default::default()).unwrap();
    let previous = land_efficiency::PreviousAudit::from_dir(dir.path()).unwrap();
    let later = unjudged_zone(Some(previous), UNJUDGED_CSV);
    let change = |id: &str| later.parcel_by_id(id).unwrap().change().map(|c| c.as_str());
    assert_eq!((change("B"), change("C")), (Some("still_low"), None));
    // The table saved again from Excel on Chinese Windows (GBK, a note column added): read,
    // with a warning.
    let table = "parcel_id,low_efficiency,备注\r\nA,false,好\r\nB,true,低效\r\nD,true,低效\r\n";
    let (gbk, _, _) = encoding_rs::GBK.encode(table);
    let again = tempfile::tempdir().unwrap();
    std::fs::write(again.path().join("parcels.csv"), &*gbk).unwrap();
    let previous = land_efficiency::PreviousAudit::from_dir(again.path()).unwrap();
    let now = unjudged_zone(Some(previous), &fixed);
    assert_eq!(
        now.parcel_by_id("B").unwrap().change().map(|c| c.as_str()),
        Some("still_low")
    );
    assert!(
        now.warnings.iter().any(|w| w
            .message
            .contains("parcels.csv is not UTF-8: read as GB18030")),
        "{:?}",
        now.warnings
    );
}

/// A name with an unquoted comma shifts the columns after it: the row is rejected, and its
/// firm, read where the shifted columns put it, keeps its parcel from being taken for idle.
#[test]
fn a_row_with_a_comma_in_its_name_still_places_its_firm() {
    use land_efficiency::geo::InteriorPoint;
    let good = with_csv(
        Config::default(),
        "enterprise_id,name,tax,investment,output,parcel_id\nE0,a,1,1,1,G0\n",
    )
    .unwrap();
    let inside = good
        .parcel_by_id("G0")
        .unwrap()
        .geometry()
        .interior_point()
        .unwrap();
    let csv = format!(
        "enterprise_id,name,tax,investment,output,parcel_id,lon,lat\n\
         E1,杭州某某,分公司,500,5000,9000,G24,,\n\
         E2,宁波某某,分公司,500,5000,9000,,{},{}\n",
        inside.x(),
        inside.y()
    );
    let r = with_csv(Config::default(), csv).unwrap();
    let codes: Vec<&str> = r.rejected.iter().map(|x| x.code).collect();
    assert!(
        codes.iter().filter(|c| **c == "bad_row").count() == 2,
        "{codes:?}"
    );
    for (id, firm) in [("G24", "E1"), ("G0", "E2")] {
        let p = r.parcel_by_id(id).unwrap();
        assert!(
            p.tenants_incomplete() && !p.idle(),
            "{id}: {:?}",
            p.reasons()
        );
        let warned = r.warnings.iter().find(|w| w.id.as_deref() == Some(id));
        assert!(
            warned.is_some_and(|w| w.message.contains(&format!("enterprise {firm} "))),
            "{id}: {warned:?}"
        );
    }
    // The unshifted readings (a parcel id "9000", no position) place nothing.
    let flagged: Vec<&str> = r
        .parcels()
        .filter(|p| p.tenants_incomplete())
        .map(|p| p.parcel_id())
        .collect();
    assert_eq!(flagged, ["G0", "G24"], "{:?}", r.warnings);
}

#[test]
fn a_rejected_csv_row_keyed_to_its_parcel_keeps_it_from_idle() {
    // G0 is a good parcel of the bad fixture; its only tenant's tax is not a number.
    let csv = "enterprise_id,name,tax,investment,output,parcel_id\n\
               E1,a,约225,1,1,G0\n";
    let r = with_csv(Config::default(), csv).unwrap();
    assert_eq!(r.summary.enterprises.rejected, 1);
    let g0 = r.parcel_by_id("G0").unwrap();
    assert!(!g0.idle());
    assert!(g0.reasons().is_empty(), "{:?}", g0.reasons());
    assert!(r.warnings.iter().any(|w| w.id.as_deref() == Some("G0")
        && w.message.contains("enterprise E1 (feature 0) was rejected")));
}

/// A repeated id and a keyed record with a bad point are rejected too; their parcels are
/// left unjudged as well.
#[test]
fn repeated_and_badly_placed_keyed_tenants_keep_their_parcels_from_idle() {
    let csv = "enterprise_id,name,tax,investment,output,parcel_id,lon,lat\n\
               E1,a,500,5000,9000,G24,,\n\
               E1,a,1,1,1,G0,,\n";
    let r = with_csv(Config::default(), csv).unwrap();
    let codes: Vec<&str> = r
        .rejected
        .iter()
        .filter(|x| x.layer == Layer::Enterprises)
        .map(|x| x.code)
        .collect();
    assert_eq!(codes, ["duplicate_id"]);
    let g0 = r.parcel_by_id("G0").unwrap();
    assert!(!g0.idle() && g0.reasons().is_empty(), "{:?}", g0.reasons());
    let geojson = r#"{"type":"FeatureCollection","features":[{"type":"Feature",
        "properties":{"enterprise_id":"E1","tax":1,"investment":1,"output":1,"parcel_id":"G0"},
        "geometry":{"type":"LineString","coordinates":[[120,30],[121,30]]}}]}"#;
    let r = Audit::new(Config::default())
        .run(&Inputs {
            parcels: Source::path(bad("parcels.geojson")),
            enterprises: Some(Source::geojson("qy.geojson", geojson)),
            parks: None,
        })
        .unwrap();
    assert_eq!(r.summary.enterprises.rejected, 1);
    assert!(!r.parcel_by_id("G0").unwrap().idle());
}

/// Beside a rejected firm, a co-tenant's land share is unknown: it is not graded (it would
/// have been given the whole parcel), and the parcel's year-on-year change is unknown.
#[test]
fn a_co_tenant_of_a_rejected_firm_is_not_graded_nor_the_parcel_compared() {
    let csv = "enterprise_id,name,tax,investment,output,floor_area,parcel_id,above_scale\n\
               E1,a,500,5000,9000,100,G0,true\n\
               E2,b,约1,1,1,100,G0,true\n\
               E3,c,500,5000,9000,100,G24,true\n";
    let mut config =
        Config::from_path(fixtures().join("profiles/zhejiang-huangyan-2022.toml")).unwrap();
    config.evaluation.as_mut().unwrap().d_years_low_efficiency = 0;
    let previous = land_efficiency::PreviousAudit {
        parcels: [("G0".to_string(), true), ("G24".to_string(), true)].into(),
        ..Default::default()
    };
    let r = Audit::new(config)
        .previous(Some(previous))
        .run(&Inputs {
            parcels: Source::path(bad("parcels.geojson")),
            enterprises: Some(Source::csv("qy.csv", csv)),
            parks: None,
        })
        .unwrap();
    let e1 = r.enterprise_by_id("E1").unwrap();
    let grade = e1.evaluation().expect("evaluated");
    assert_eq!(grade.class, None);
    assert!(
        grade
            .not_graded
            .as_deref()
            .unwrap_or("")
            .contains("land share is unknown"),
        "{grade:?}"
    );
    assert!(
        r.enterprise_by_id("E3")
            .unwrap()
            .evaluation()
            .unwrap()
            .class
            .is_some()
    );
    assert_eq!(r.parcel_by_id("G0").unwrap().change(), None);
    assert!(r.parcel_by_id("G24").unwrap().change().is_some());
}

/// A file cut off just after a feature is not said to be "in" the next one, which may not
/// exist: it is truncated after the last feature it holds.
#[test]
fn a_file_cut_between_features_says_after_which() {
    let text = common::collection(&[square("A", 120.0, None), square("B", 120.01, None)]);
    let cut = &text[..text.rfind(']').unwrap()];
    let error = |text: String| {
        Audit::new(Config::default())
            .run(&Inputs {
                parcels: Source::geojson("zd.geojson", text),
                enterprises: None,
                parks: None,
            })
            .map(|_| ())
            .unwrap_err()
    };
    for (text, said) in [
        (cut.to_string(), "after feature 1"),
        (format!("{cut},\n"), "after feature 1 and a ','"),
    ] {
        match error(text) {
            Error::MalformedJson {
                feature, message, ..
            } => {
                assert_eq!(feature, None);
                assert_eq!(
                    message,
                    format!("unexpected end of file {said}: the JSON is truncated")
                );
            }
            other => panic!("{other}"),
        }
    }
}
