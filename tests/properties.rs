//! Parcels' input properties can be left in their file during the run and read back when
//! `parcels.geojson` is written (`Audit::run_leaving_text`, `write_all_with_text`): the output
//! must be the same as when they are held in memory, a file changed in between must stop the
//! write instead of copying the wrong text, and the report itself must read no file.

mod common;

use std::path::Path;

use land_efficiency::{Audit, AuditReport, Config, Error, InputTexts, Inputs, Source};
use land_efficiency::{WriteOptions, write_all, write_all_with_text};
use serde_json::Value;

use common::{collection, square};

/// Three parcels with properties of every JSON kind, Chinese text, escapes, a key the audit
/// computes (`area_m2`, which the output replaces), and one with `properties: null`.
fn parcels_text() -> String {
    let mut features = vec![
        square(
            "P1",
            120.0,
            30.0,
            0.001,
            r#","名称":"杭州\"一号\"地块","nested":{"a":[1,2.5,null,true]},"area_m2":-1,"floor_area":1500"#,
        ),
        square("P2", 120.002, 30.0, 0.001, r#","note":"tab\there","n":1e3"#),
        square("BAD", 120.004, 30.0, 0.001, r#","floor_area":"12万""#),
    ];
    features.push(
        r#"{"type":"Feature","id":7,"properties":null,"geometry":{"type":"Polygon","coordinates":[[[120.006,30.0],[120.007,30.0],[120.007,30.001],[120.006,30.001],[120.006,30.0]]]}}"#
            .to_string(),
    );
    collection(&features)
}

/// The defaults, but a feature with no id takes its index (the third parcel has none).
fn index_ids() -> Config {
    Config {
        fields: land_efficiency::Fields {
            missing_id: land_efficiency::MissingId::Index,
            ..Default::default()
        },
        ..Config::default()
    }
}

/// The audit of `parcels`, its text left in the file when `leave`.
fn audit(parcels: Source, leave: bool) -> (AuditReport, InputTexts) {
    let inputs = Inputs {
        parcels,
        enterprises: None,
        parks: None,
    };
    let audit = Audit::new(index_ids());
    if leave {
        audit.run_leaving_text(&inputs).expect("audit")
    } else {
        (audit.run(&inputs).expect("audit"), InputTexts::default())
    }
}

/// The `properties` of every feature of a written `parcels.geojson`.
fn written_properties((report, texts): &(AuditReport, InputTexts), dir: &Path) -> Vec<Value> {
    write_all_with_text(report, texts, dir, &WriteOptions::default()).expect("write");
    let text = std::fs::read_to_string(dir.join("parcels.geojson")).expect("read output");
    let v: Value = serde_json::from_str(&text).expect("output is JSON");
    v["features"]
        .as_array()
        .expect("features")
        .iter()
        .map(|f| f["properties"].clone())
        .collect()
}

#[test]
fn properties_read_back_from_the_file_equal_those_held_in_memory() {
    let dir = tempfile::tempdir().unwrap();
    let text = parcels_text();
    let plain = dir.path().join("parcels.geojson");
    std::fs::write(&plain, &text).unwrap();
    // A byte order mark shifts every offset by three bytes.
    let bom = dir.path().join("bom.geojson");
    std::fs::write(&bom, [&[0xEF, 0xBB, 0xBF][..], text.as_bytes()].concat()).unwrap();

    let held = written_properties(
        &audit(Source::path(&plain), false),
        &dir.path().join("held"),
    );
    assert_eq!(held.len(), 3, "P1, P2 and the feature with null properties");
    assert_eq!(held[0]["名称"], "杭州\"一号\"地块");
    assert_eq!(held[0]["nested"]["a"][1], 2.5);
    assert_eq!(held[0]["floor_area"].as_f64(), Some(1500.0));
    assert!(
        held[0]["area_m2"].as_f64().unwrap() > 10_000.0,
        "a computed key replaces the input's"
    );
    assert_eq!(held[1]["note"], "tab\there");
    assert_eq!(
        held[2]["parcel_id"], "7",
        "the feature id stands in for parcel_id"
    );

    for (name, source) in [
        ("file", Source::path(&plain)),
        ("bom", Source::path(&bom)),
        ("memory", Source::geojson("parcels.geojson", &text)),
    ] {
        let left = written_properties(&audit(source, true), &dir.path().join(name));
        assert_eq!(left, held, "{name}");
    }
}

#[test]
fn the_rows_asked_for_are_read_back_in_one_go() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("parcels.geojson");
    std::fs::write(&path, parcels_text()).unwrap();
    let (report, texts) = audit(Source::path(&path), true);
    let file = texts
        .parcels
        .as_ref()
        .expect("the text was left in the file");
    assert_eq!(file.path(), path.as_path());
    let table = report.parcel_table();
    assert!(table.text_left_in_input());
    let read = table.properties(0..table.len(), Some(file)).unwrap();
    let p1: Value = serde_json::from_str(read.get(0).unwrap()).unwrap();
    assert_eq!(p1["parcel_id"], "P1");
    assert_eq!(read.get(2), None, "properties: null");
    let one = read.get(1).unwrap();
    assert!(one.starts_with(r#"{"parcel_id":"P2""#), "{one}");
    // Rows outside the range asked for are not there.
    let part = table.properties(1..2, Some(file)).unwrap();
    assert_eq!(part.get(0), None);
    assert_eq!(part.get(1), Some(one));
    // The tables read no file: without the file, text left there is absent.
    assert_eq!(table.get(1).properties(), None);
    assert_eq!(table.properties(0..3, None).unwrap().get(0), None);
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["parcels"][0]["properties"], Value::Null);
    assert_eq!(json["parcels"][0]["parcel_id"], "P1");
    // A service that serialises a report holding its text gets what parcels.geojson carries:
    // the feature index, the input's properties and the WGS84 shape beside the figures.
    let (report, _) = audit(Source::path(&path), false);
    let json = serde_json::to_value(&report).unwrap();
    let p = &json["parcels"][0];
    assert_eq!(p["index"], 0);
    assert_eq!(p["properties"]["名称"], "杭州\"一号\"地块");
    assert_eq!(p["properties"]["nested"]["a"][1], 2.5);
    assert_eq!(p["geometry"]["type"], "MultiPolygon");
    let first = &p["geometry"]["coordinates"][0][0][0];
    let c = report.parcel(0).geometry().0[0].exterior().0[0];
    assert_eq!(
        (first[0].as_f64(), first[1].as_f64()),
        (Some(c.x), Some(c.y))
    );
    assert_eq!(json["parcels"][2]["properties"], Value::Null);
}

#[test]
fn a_parcels_file_changed_before_writing_stops_the_write() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("parcels.geojson");
    let text = parcels_text()
        .replace("\"nested\"", "\"owner\":\"AAAA\",\"nested\"")
        .replace("\"note\"", "\"owner\":\"BBBB\",\"note\"");
    std::fs::write(&path, &text).unwrap();
    let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
    let left = audit(Source::path(&path), true);
    let (report, texts) = &left;
    let out = dir.path().join("out");

    // Rewritten in place with two values swapped: same length, and the modification time set
    // back (as `cp -p` or `touch -r` would). Only the bytes tell.
    let swapped = text
        .replace("AAAA", "XXXX")
        .replace("BBBB", "AAAA")
        .replace("XXXX", "BBBB");
    assert_eq!(swapped.len(), text.len());
    std::fs::write(&path, &swapped).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(modified)
        .unwrap();
    let err = write_all_with_text(report, texts, &out, &WriteOptions::default()).unwrap_err();
    // The input that changed, by its path as given (not the output of the same name).
    assert!(
        matches!(&err, Error::InputChanged { file, .. } if *file == path),
        "{err:?}"
    );
    assert_eq!(err.code(), "input_changed");
    assert!(
        err.to_string()
            .contains("properties of feature 0 (P1) changed"),
        "names the first feature whose text differs: {err}"
    );
    assert!(!out.join("parcels.geojson").exists(), "nothing written");

    // Cut short in place: found before anything is written.
    std::fs::write(&path, &text[..text.len() / 2]).unwrap();
    let err = write_all_with_text(report, texts, &out, &WriteOptions::default()).unwrap_err();
    assert!(
        matches!(&err, Error::InputChanged { file, message } if *file == path && message.contains("bytes then")),
        "{err:?}"
    );

    // Held in memory, the text does not depend on the file.
    std::fs::write(&path, &text).unwrap();
    let held = audit(Source::path(&path), false);
    std::fs::write(&path, &swapped).unwrap();
    let props = written_properties(&held, &out);
    assert_eq!(props[0]["owner"], "AAAA");
    assert_eq!(props[1]["owner"], "BBBB");
}

#[test]
fn text_left_in_a_file_is_written_only_from_that_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("parcels.geojson");
    std::fs::write(&path, parcels_text()).unwrap();
    let (report, texts) = audit(Source::path(&path), true);
    // Without the file the properties would be silently missing: refused, saying what to do.
    let out = dir.path().join("out");
    match write_all(&report, &out, &WriteOptions::default()) {
        Err(Error::Usage(message)) => {
            assert!(
                message.contains("parcels' properties were left in"),
                "{message}"
            );
            assert!(message.contains("parcels.geojson"), "{message}");
            assert!(message.contains("write_all_with_text"), "{message}");
        }
        other => panic!("{:?}", other.map(|_| ())),
    }
    assert!(!out.join("parcels.geojson").exists(), "nothing written");
    let mut geojson = Vec::new();
    let err = land_efficiency::write_parcels_geojson(&report, &mut geojson, Default::default());
    assert!(err.unwrap_err().to_string().contains("write_all_with_text"));
    // Another run's files are not this report's, even of the same text.
    let copy = dir.path().join("copy.geojson");
    std::fs::write(&copy, parcels_text()).unwrap();
    let (_, other) = audit(Source::path(&copy), true);
    match write_all_with_text(&report, &other, &out, &WriteOptions::default()) {
        Err(Error::Usage(message)) => {
            assert!(message.contains("not in"), "{message}");
            assert!(message.contains("copy.geojson"), "{message}");
        }
        other => panic!("{:?}", other.map(|_| ())),
    }
    // Its own files write it whole.
    write_all_with_text(&report, &texts, &out, &WriteOptions::default()).unwrap();
}

#[test]
fn the_outputs_may_not_replace_the_parcels_file_even_when_not_listed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("parcels.geojson");
    std::fs::write(&path, parcels_text()).unwrap();
    let (report, texts) = audit(Source::path(&path), true);
    let err = write_all_with_text(&report, &texts, dir.path(), &WriteOptions::default());
    // Which output would replace which input: the output folder's parcels.geojson is the file read.
    match err {
        Err(Error::OutputIsInput { output, input }) => {
            assert_eq!(output, dir.path().join("parcels.geojson"));
            assert_eq!(input, path);
        }
        other => panic!("{:?}", other.map(|_| ())),
    }
}

/// Every file the audit read from a path is refused as an output with default options: the
/// parks file, a CSV of enterprises (its text held, not read back), the parcels file when its
/// text is held, and the previous audit's tables.
#[test]
fn the_outputs_may_not_replace_any_file_the_audit_read() {
    let dir = tempfile::tempdir().unwrap();
    let parcels = dir.path().join("zd.geojson");
    std::fs::write(&parcels, parcels_text()).unwrap();
    let parks = dir.path().join("parks.geojson");
    let park = square("K1", 119.99, 29.99, 0.1, "").replace("parcel_id", "park_id");
    std::fs::write(&parks, collection(&[park])).unwrap();
    let enterprises = dir.path().join("enterprises.csv");
    std::fs::write(
        &enterprises,
        "enterprise_id,tax,investment,output,lon,lat\nE1,1,1,1,120.0005,30.0005\n",
    )
    .unwrap();
    let refused = |report: &AuditReport, out: &Path, input: &str| match write_all(
        report,
        out,
        &WriteOptions::default(),
    ) {
        Err(Error::OutputIsInput { input: i, .. }) => {
            assert!(i.ends_with(input), "{}", i.display())
        }
        other => panic!("{input}: {:?}", other.map(|_| ())),
    };
    let run = |parks: Option<&Path>, enterprises: Option<&Path>| {
        Audit::new(index_ids())
            .run(&Inputs {
                parcels: Source::path(&parcels),
                enterprises: enterprises.map(Source::path),
                parks: parks.map(Source::path),
            })
            .unwrap()
    };
    refused(&run(Some(&parks), None), dir.path(), "parks.geojson");
    refused(
        &run(None, Some(&enterprises)),
        dir.path(),
        "enterprises.csv",
    );
    // The parcels file, its text held in memory, in a folder whose outputs name it.
    let named = tempfile::tempdir().unwrap();
    let as_output = named.path().join("parcels.geojson");
    std::fs::copy(&parcels, &as_output).unwrap();
    let held = Audit::new(Config::default()).run(&Inputs {
        parcels: Source::path(&as_output),
        enterprises: None,
        parks: None,
    });
    refused(&held.unwrap(), named.path(), "parcels.geojson");
    // Last year's tables, read back for the year-on-year comparison.
    let last = tempfile::tempdir().unwrap();
    write_all(&run(None, None), last.path(), &WriteOptions::default()).unwrap();
    let previous = land_efficiency::PreviousAudit::from_dir(last.path()).unwrap();
    let report = Audit::new(index_ids())
        .previous(Some(previous))
        .run(&Inputs {
            parcels: Source::path(&parcels),
            enterprises: None,
            parks: None,
        })
        .unwrap();
    refused(&report, last.path(), "parcels.csv");
}

#[test]
fn a_lone_feature_keeps_its_properties() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("one.geojson");
    std::fs::write(&path, square("P9", 120.0, 30.0, 0.001, r#","备注":"单宗""#)).unwrap();
    let report = audit(Source::path(&path), true);
    // Its text was rebuilt, so held: the file is let go of.
    assert!(report.1.parcels.is_none());
    assert!(!report.0.parcel_table().text_left_in_input());
    std::fs::remove_file(&path).unwrap();
    let props = written_properties(&report, &dir.path().join("out"));
    assert_eq!(props.len(), 1);
    assert_eq!(props[0]["备注"], "单宗");
}

/// Enterprise names of every kind a file holds: plain Chinese, escaped, a number, absent.
fn enterprises_text() -> String {
    collection(&[
        common::enterprise(
            "E1",
            120.0005,
            30.0005,
            1.0,
            1.0,
            1.0,
            r#","name":"杭州示例有限公司""#,
        ),
        common::enterprise(
            "E2",
            120.0005,
            30.0005,
            1.0,
            1.0,
            1.0,
            r#","name":"\"引号\" \u4e2d\\路""#,
        ),
        common::enterprise("E3", 120.0025, 30.0005, 1.0, 1.0, 1.0, r#","name":12345"#),
        common::enterprise("E4", 120.0025, 30.0005, 1.0, 1.0, 1.0, ""),
    ])
}

/// The `name` column of a written `enterprises.csv`.
fn written_names((report, texts): &(AuditReport, InputTexts), dir: &Path) -> Vec<String> {
    write_all_with_text(report, texts, dir, &WriteOptions::default()).expect("write");
    let mut r = csv::Reader::from_path(dir.join("enterprises.csv")).expect("enterprises.csv");
    let column = r
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "name")
        .unwrap();
    r.records()
        .map(|rec| rec.unwrap()[column].to_string())
        .collect()
}

#[test]
fn enterprise_names_read_back_from_the_file_equal_those_held() {
    let dir = tempfile::tempdir().unwrap();
    let parcels = dir.path().join("parcels.geojson");
    std::fs::write(&parcels, parcels_text()).unwrap();
    let enterprises = dir.path().join("enterprises.geojson");
    std::fs::write(&enterprises, enterprises_text()).unwrap();
    let inputs = Inputs {
        parcels: Source::path(&parcels),
        enterprises: Some(Source::path(&enterprises)),
        parks: None,
    };
    let audit = Audit::new(Config::default());
    let held_report = (audit.run(&inputs).expect("audit"), InputTexts::default());
    let held = written_names(&held_report, &dir.path().join("held"));
    assert_eq!(
        held,
        ["杭州示例有限公司", "\"引号\" 中\\路", "12345", ""],
        "decoded JSON strings, a number as its text"
    );
    let report = audit.run_leaving_text(&inputs).expect("audit");
    assert_eq!(written_names(&report, &dir.path().join("left")), held);
    // Serialised with serde, a report holding its names has them; one that left them in the
    // file reads no file, and says nothing of them.
    let held_json = serde_json::to_value(&held_report.0).unwrap();
    assert_eq!(
        held_json["enterprises"][0]["enterprise"]["name"],
        "杭州示例有限公司"
    );
    assert_eq!(
        serde_json::to_value(held_report.0.enterprise(1)).unwrap()["enterprise"]["name"],
        "\"引号\" 中\\路"
    );
    let e2 = held_report.0.enterprise(1).enterprise();
    assert_eq!(e2.name.as_deref(), Some("\"引号\" 中\\路"));
    let left_json = serde_json::to_value(&report.0).unwrap();
    assert_eq!(
        left_json["enterprises"][0]["enterprise"]["name"],
        Value::Null
    );
    assert_eq!(left_json["summary"], held_json["summary"]);
    let file = report
        .1
        .enterprises
        .as_ref()
        .expect("names left in the file");
    assert_eq!(file.path(), enterprises.as_path());
    let names = report.0.enterprise_table().names(0..4, Some(file)).unwrap();
    assert_eq!(names.get(1).as_deref(), Some("\"引号\" 中\\路"));

    // The file stays open: replacing or removing its path after the read does not matter.
    #[cfg(unix)]
    {
        let other = dir.path().join("other.geojson");
        std::fs::write(&other, enterprises_text().replace("杭州", "宁波")).unwrap();
        std::fs::rename(&other, &enterprises).unwrap();
        assert_eq!(written_names(&report, &dir.path().join("replaced")), held);
        std::fs::remove_file(&enterprises).unwrap();
        assert_eq!(written_names(&report, &dir.path().join("gone")), held);
    }
}

#[cfg(unix)]
#[test]
fn a_pipe_is_read_once_and_its_text_held() {
    // `--parcels <(zcat parcels.geojson.gz)` hands the audit a pipe, which cannot be re-read.
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("parcels.fifo");
    let writer = common::fifo_with(&fifo, parcels_text());
    // A reader that opens the FIFO twice waits forever for a second writer: fail, not hang.
    let report = {
        let fifo = fifo.clone();
        common::within(
            120,
            "the audit of a FIFO (did it open it twice?)",
            move || audit(Source::path(&fifo), true),
        )
    };
    writer
        .join()
        .unwrap()
        .expect("the writer's text was all taken by the audit");
    assert!(report.1.parcels.is_none(), "the text of a pipe is held");
    let props = written_properties(&report, &dir.path().join("out"));
    assert_eq!(props[0]["名称"], "杭州\"一号\"地块");
}

#[cfg(unix)]
#[test]
fn broken_input_through_a_pipe_names_the_pipe_and_the_feature() {
    let dir = tempfile::tempdir().unwrap();
    let run = |name: &str, text: String, strict: bool| {
        let fifo = dir.path().join(name);
        let writer = common::fifo_with(&fifo, text);
        let result = common::within(120, "the audit of a FIFO", move || {
            Audit::new(Config::default()).strict(strict).run(&Inputs {
                parcels: Source::path(&fifo),
                enterprises: None,
                parks: None,
            })
        });
        // The reader may stop before taking all the text: the writer's error is no matter.
        let _ = writer.join().unwrap();
        result
    };
    // A bad record: rejected with its index and id in lenient mode, the error in strict.
    let report = run("lenient.fifo", parcels_text(), false).unwrap();
    let bad = report
        .rejected
        .iter()
        .find(|r| r.id.as_deref() == Some("BAD"));
    let bad = bad.expect("BAD is listed as rejected");
    assert_eq!(
        (bad.index, bad.property.as_deref()),
        (2, Some("floor_area"))
    );
    match run("strict.fifo", parcels_text(), true).unwrap_err() {
        Error::NotANumber { ctx, property, .. } => {
            assert!(ctx.file.ends_with("strict.fifo"), "{}", ctx.file.display());
            assert_eq!((ctx.index, ctx.id.as_deref()), (2, Some("BAD")));
            assert_eq!(property, "floor_area");
        }
        other => panic!("expected BAD's floor area, got {other}"),
    }
    // Truncated: the file, the byte where the text ended and the feature being read.
    let mut text = parcels_text();
    text.truncate(text.len() - 30);
    let len = text.len();
    match run("truncated.fifo", text, false).unwrap_err() {
        Error::MalformedJson {
            file,
            byte,
            feature,
            ..
        } => {
            assert!(file.ends_with("truncated.fifo"));
            assert_eq!(byte as usize, len);
            // Cut inside the last of the four features.
            assert_eq!(feature, Some(3));
        }
        other => panic!("{other}"),
    }
}

#[test]
fn the_map_title_names_the_parcel_and_its_reasons_whatever_its_id() {
    // An id with a quote, a backslash and Chinese; idle (no enterprise) so low-efficiency.
    let id = r#"宗地\"7\\甲"#;
    let text = collection(&[
        square(id, 120.0, 30.0, 0.001, ""),
        square("P2", 120.002, 30.0, 0.001, ""),
    ]);
    let report = audit(Source::geojson("parcels.geojson", text), false);
    let dir = tempfile::tempdir().unwrap();
    let props = written_properties(&report, dir.path());
    let decoded_id: String = serde_json::from_str(&format!("\"{id}\"")).unwrap();
    assert_eq!(props[0]["parcel_id"], decoded_id.as_str());
    let reasons: Vec<&str> = props[0]["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert!(reasons.contains(&"idle"), "{reasons:?}");
    assert_eq!(
        props[0]["title"],
        format!("{decoded_id}: low-efficiency ({})", reasons.join(", ")).as_str()
    );
    assert_eq!(
        props[1]["title"].as_str().unwrap().split(": ").next(),
        Some("P2")
    );
}
