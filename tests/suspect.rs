//! Inputs wrong as a whole: the audit writes its outputs but says they are no answer, with
//! exit 1, unless a person accepts them knowingly (`--allow-suspect`).

mod common;

use std::path::Path;
use std::process::Output;

use common::{example, fixtures};

/// The bundled zone with `config` (TOML) and these enterprises, into `dir/out`.
fn audit(dir: &Path, config: &str, enterprises: &Path, extra: &[&str]) -> Output {
    let zone = fixtures().join("zone");
    let config_path = dir.join("config.toml");
    std::fs::write(&config_path, config).unwrap();
    example("audit")
        .arg("--parcels")
        .arg(zone.join("parcels.geojson"))
        .arg("--parks")
        .arg(zone.join("parks.geojson"))
        .arg("--enterprises")
        .arg(enterprises)
        .arg("--config")
        .arg(&config_path)
        .arg("--out")
        .arg(dir.join("out"))
        .args(extra)
        .output()
        .unwrap()
}

fn summary(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("out/summary.json")).unwrap()).unwrap()
}

/// The fixture enterprises with `edit` applied to the file's text.
fn enterprises_edited(dir: &Path, mut edit: impl FnMut(&str) -> String) -> std::path::PathBuf {
    let text = std::fs::read_to_string(fixtures().join("zone/enterprises.geojson")).unwrap();
    let path = dir.join("qy.geojson");
    std::fs::write(&path, edit(&text)).unwrap();
    path
}

#[test]
fn a_tax_column_under_another_name_is_no_answer() {
    let dir = tempfile::tempdir().unwrap();
    // The tax bureau's column, mapped with full-width brackets the file does not have.
    let file = enterprises_edited(dir.path(), |t| t.replace("\"tax\"", "\"实缴税金(万元)\""));
    let config = "[fields.enterprises]\ntax = \"实缴税金（万元）\"\n";
    let out = audit(dir.path(), config, &file, &["--quiet"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("qy.geojson"), "{stderr}");
    assert!(stderr.contains("48 of 48"), "{stderr}");
    assert!(stderr.contains("实缴税金（万元）"), "{stderr}");
    assert!(stderr.contains("--allow-suspect"), "{stderr}");
    // The outputs are written all the same, the rejections and the verdict in them.
    let s = summary(dir.path());
    assert_eq!(s["suspicions"][0]["code"], "mostly_rejected", "{s}");
    assert_eq!(s["suspicions"][0]["layer"], "enterprises", "{s}");
    assert_eq!(s["suspicions_accepted"], false);
    let rejected = std::fs::read_to_string(dir.path().join("out/rejected.csv")).unwrap();
    assert_eq!(rejected.lines().count(), 1 + 48, "{rejected}");
    // The page for people says it first, in Chinese.
    let html = std::fs::read_to_string(dir.path().join("out/report.html")).unwrap();
    let banner = html.find("class=\"suspect\"").expect("a banner");
    assert!(banner < html.find("class=\"cards\"").unwrap());
    assert!(html.contains("不能作为审计结论发布"));
    assert!(
        html.contains("<b>大部分记录被拒绝</b>（企业）"),
        "the suspicion in words"
    );

    // Accepted knowingly: exit 0, the suspicion still listed, and said on stderr.
    let out = audit(dir.path(), config, &file, &["--allow-suspect"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("mostly_rejected"), "{stderr}");
    let s = summary(dir.path());
    assert_eq!(s["suspicions_accepted"], true);
    assert_eq!(s["suspicions"].as_array().unwrap().len(), 1, "{s}");
}

#[test]
fn the_share_is_the_configuration_s() {
    let dir = tempfile::tempdir().unwrap();
    // 10 of the 48 firms lose their tax: 21%, under the default half, over a tenth.
    let mut n = 0;
    let file = enterprises_edited(dir.path(), |t| {
        t.lines()
            .map(|l| {
                if l.contains("\"tax\"") && n < 10 {
                    n += 1;
                    l.replacen("\"tax\"", "\"taxx\"", 1)
                } else {
                    l.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    let out = audit(dir.path(), "", &file, &["--quiet"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(summary(dir.path())["suspicions"], serde_json::json!([]));
    let out = audit(
        dir.path(),
        "[checks]\nmax_rejected_share = 0.1\n",
        &file,
        &["--quiet"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("10 of 48 (21%, more than the 10%"),
        "{stderr}"
    );
    assert!(stderr.contains("property \"tax\""), "{stderr}");
}

#[test]
fn firms_in_another_place_than_the_parcels_are_no_answer() {
    let dir = tempfile::tempdir().unwrap();
    // Every point a degree east: a CRS mistake, not a zone.
    let file = enterprises_edited(dir.path(), |t| {
        t.replace("\"coordinates\":[120.", "\"coordinates\":[121.")
    });
    let out = audit(dir.path(), "", &file, &["--quiet"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let s = summary(dir.path());
    let codes: Vec<&str> = (s["suspicions"].as_array().unwrap().iter())
        .map(|x| x["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["mostly_unmatched", "layers_apart"], "{s}");
    assert!(stderr.contains("48 of 48"), "{stderr}");
    assert!(
        stderr.contains("qy.geojson: the enterprises' points (lon 121.6093"),
        "{stderr}"
    );
    assert!(stderr.contains("92.1 km from the parcels"), "{stderr}");
}

#[test]
fn firms_joined_by_a_code_no_parcel_has_are_no_answer() {
    let dir = tempfile::tempdir().unwrap();
    // Every firm names its parcel by a code of last year's numbering.
    let file = enterprises_edited(dir.path(), |t| {
        t.replace("\"industry\"", "\"parcel_id\":\"OLD\",\"industry\"")
    });
    let out = audit(dir.path(), "", &file, &["--quiet"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("mostly_unmatched"), "{stderr}");
    assert!(
        stderr.contains("\"OLD\" is not among the parcels"),
        "{stderr}"
    );
}

/// The fixture firms, each with the parcel code of the parcel its point lies in, their points
/// moved by `shift` (lon, lat → lon, lat).
fn firms_with_codes(shift: fn(f64, f64) -> (f64, f64)) -> String {
    let zone = fixtures().join("zone");
    let read = |f: &str| std::fs::read_to_string(zone.join(f)).unwrap();
    let clean = common::run(
        land_efficiency::Config::default(),
        read("parcels.geojson"),
        Some(read("enterprises.geojson")),
        None,
    );
    let mut v: serde_json::Value = serde_json::from_str(&read("enterprises.geojson")).unwrap();
    for (feature, firm) in
        (v["features"].as_array_mut().unwrap().iter_mut()).zip(clean.enterprises())
    {
        let code = firm.parcel_id().expect("every fixture firm is joined");
        feature["properties"]["parcel_id"] = code.into();
        let c = &mut feature["geometry"]["coordinates"];
        let (x, y) = shift(c[0].as_f64().unwrap(), c[1].as_f64().unwrap());
        *c = serde_json::json!([x, y]);
    }
    v.to_string()
}

#[test]
fn firms_whose_points_are_gcj02_read_as_wgs84_are_named_with_the_fix() {
    let zone = fixtures().join("zone");
    let parcels = std::fs::read_to_string(zone.join("parcels.geojson")).unwrap();
    let run = |config: land_efficiency::Config, firms: String| {
        common::run(config, parcels.clone(), Some(firms), None)
    };
    let gcj = firms_with_codes(land_efficiency::gcj02::wgs84_to_gcj02);
    let report = run(land_efficiency::Config::default(), gcj.clone());
    let s = &report.summary.suspicions;
    assert_eq!(s.len(), 1, "{s:?}");
    assert_eq!(s[0].code, "points_offset");
    assert!(
        s[0].message.starts_with("enterprises.geojson: "),
        "{}",
        s[0].message
    );
    assert!(s[0].message.contains("GCJ-02"), "{}", s[0].message);
    assert!(
        s[0].message.contains("[crs] enterprises = \"GCJ-02\""),
        "{}",
        s[0].message
    );
    assert!(report.summary.refused());
    // Read as what they are: nothing to say, every point in its parcel.
    let config = land_efficiency::Config::from_toml("[crs]\nenterprises = \"GCJ-02\"").unwrap();
    assert_eq!(run(config, gcj).summary.suspicions, []);
    // Baidu's offset is told apart from AMap's.
    let bd = firms_with_codes(|x, y| {
        let (x, y) = land_efficiency::gcj02::wgs84_to_gcj02(x, y);
        land_efficiency::gcj02::gcj02_to_bd09(x, y)
    });
    let s = run(land_efficiency::Config::default(), bd)
        .summary
        .suspicions;
    assert!(
        s[0].message.contains("[crs] enterprises = \"BD-09\""),
        "{s:?}"
    );
    // Points where they should be: no suspicion.
    let right = firms_with_codes(|x, y| (x, y));
    assert_eq!(
        run(land_efficiency::Config::default(), right)
            .summary
            .suspicions,
        []
    );
}
