//! The `audit` example run as a user runs it (csv's `cmd_for_example` habit).

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::example;

/// The standard output of a run that must have succeeded (else its standard error).
fn succeeded(out: std::process::Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn no_arguments_audits_the_bundled_fixtures() {
    let dir = tempfile::tempdir().unwrap();
    let out = example("audit").current_dir(dir.path()).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains("parcels:     40 read, 40 evaluated, 0 rejected"),
        "{stdout}"
    );
    for f in land_efficiency::OUTPUT_FILES {
        assert!(dir.path().join("audit-out").join(f).exists(), "{f}");
    }
    let summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("audit-out/summary.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(summary["low_efficiency_count"], 19);
    assert_eq!(summary["parks"][2]["over_cap"], true);
    // The park lines' columns line up on a terminal, Chinese names (two columns a character,
    // one of them with ASCII brackets) and all.
    let columns: Vec<usize> = stdout
        .lines()
        .filter(|l| l.starts_with("  park "))
        .map(|l| unicode_width::UnicodeWidthStr::width(&l[..l.find(" parcels").unwrap()]))
        .collect();
    assert_eq!(columns.len(), 4, "{stdout}");
    assert!(
        columns.iter().all(|&c| c == columns[0]),
        "{columns:?}\n{stdout}"
    );
}

/// `audit --quiet --out DIR/out --parcels PARCELS`, to add to.
fn audit_quiet(dir: &std::path::Path, parcels: &std::path::Path) -> Command {
    let mut command = example("audit");
    command
        .args(["--quiet", "--out"])
        .arg(dir.join("out"))
        .arg("--parcels")
        .arg(parcels);
    command
}

fn bad_parcels(dir: &std::path::Path) -> PathBuf {
    let good = common::square("P1", 120.0, 30.0, 0.001, "");
    let bad = r#"{"type":"Feature","properties":{"parcel_id":"P2","floor_area":"12万"},"geometry":{"type":"Polygon","coordinates":[[[120.01,30.0],[120.011,30.0],[120.011,30.001],[120.01,30.001],[120.01,30.0]]]}}"#;
    let path = dir.join("parcels.geojson");
    std::fs::write(&path, common::collection(&[good, bad.to_string()])).unwrap();
    path
}

#[test]
fn strict_run_fails_naming_the_feature() {
    let dir = tempfile::tempdir().unwrap();
    let parcels = bad_parcels(dir.path());
    let out = example("audit")
        .args(["--strict", "--quiet", "--out"])
        .arg(dir.path().join("out"))
        .arg("--parcels")
        .arg(&parcels)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("parcels.geojson: feature 1 (id \"P2\")"),
        "{stderr}"
    );
    assert!(stderr.contains("\"floor_area\""), "{stderr}");
    assert!(stderr.contains("12万"), "{stderr}");
    assert!(!dir.path().join("out/summary.json").exists());
}

#[test]
fn lenient_run_lists_the_bad_feature_in_rejected_csv() {
    let dir = tempfile::tempdir().unwrap();
    let parcels = bad_parcels(dir.path());
    succeeded(audit_quiet(dir.path(), &parcels).output().unwrap());
    let rejected = std::fs::read_to_string(dir.path().join("out/rejected.csv")).unwrap();
    let lines: Vec<&str> = rejected.lines().collect();
    assert_eq!(lines.len(), 2, "{rejected}");
    assert!(lines[1].starts_with("parcels,1,P2,"), "{rejected}");
    assert!(lines[1].ends_with(",not_a_number,floor_area"), "{rejected}");
}

/// An audit in which every parcel was rejected audited nothing: it writes its outputs (the
/// rejections are in them) but exits 1 with why, and for parcels with no `parcel_id`, how to
/// name the one they have.
#[test]
fn a_run_that_evaluates_no_parcel_fails_saying_why() {
    let dir = tempfile::tempdir().unwrap();
    let parcels = dir.path().join("zd.geojson");
    let square = |id: &str, x: f64| {
        common::square(id, x, 30.0, 0.001, "").replace("\"parcel_id\"", "\"ZDDM\"")
    };
    std::fs::write(
        &parcels,
        common::collection(&[square("Z1", 120.0), square("Z2", 120.01)]),
    )
    .unwrap();
    let out = audit_quiet(dir.path(), &parcels).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no parcel was audited: all 2 were rejected; the first, feature 0: "),
        "{stderr}"
    );
    assert!(stderr.contains("[fields] parcel_id = \"ZDDM\""), "{stderr}");
    let rejected = std::fs::read_to_string(dir.path().join("out/rejected.csv")).unwrap();
    assert_eq!(rejected.lines().count(), 3, "{rejected}");
    // With the id mapped, the same file audits.
    let config = dir.path().join("zd.toml");
    std::fs::write(&config, "[fields]\nparcel_id = \"ZDDM\"\n").unwrap();
    let out = audit_quiet(dir.path(), &parcels)
        .arg("--config")
        .arg(&config)
        .output()
        .unwrap();
    succeeded(out);
    let summary = std::fs::read_to_string(dir.path().join("out/summary.json")).unwrap();
    let summary: serde_json::Value = serde_json::from_str(&summary).unwrap();
    assert_eq!(summary["parcels"]["evaluated"], 2);
}

#[test]
fn usage_errors_exit_with_2_and_output_over_input_is_refused() {
    let out = example("audit").arg("--no-such-flag").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let dir = tempfile::tempdir().unwrap();
    let parcels = bad_parcels(dir.path());
    // --out is the folder holding the input, whose name is an output name.
    let out = example("audit")
        .arg("--quiet")
        .arg("--out")
        .arg(dir.path())
        .arg("--parcels")
        .arg(&parcels)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("would overwrite the input"));
}

#[test]
fn audits_run_from_every_rayon_worker_at_once_finish() {
    // A service may run audits inside its own rayon work: as many audits as the global pool
    // has workers, each reading, auditing and writing on one. (Whether every worker is busy
    // at once is up to rayon; the write module's unit test pins the deadlock down.)
    use land_efficiency::{Audit, Config, Inputs, Source};
    use land_efficiency::{WriteOptions, write_all};
    use rayon::prelude::*;
    let dir = tempfile::tempdir().unwrap();
    let zone = common::fixtures().join("zone");
    let out = dir.path().to_path_buf();
    let counts = common::within(120, "audits on rayon workers", move || {
        (0..rayon::current_num_threads())
            .into_par_iter()
            .map(|k| {
                let report = Audit::new(Config::default())
                    .run(&Inputs {
                        parcels: Source::path(zone.join("parcels.geojson")),
                        enterprises: Some(Source::path(zone.join("enterprises.geojson"))),
                        parks: Some(Source::path(zone.join("parks.geojson"))),
                    })
                    .unwrap();
                write_all(&report, &out.join(k.to_string()), &WriteOptions::default()).unwrap();
                report.parcel_count()
            })
            .collect::<Vec<usize>>()
    });
    assert!(counts.iter().all(|&c| c == 40), "{counts:?}");
}

#[test]
fn an_audit_on_a_one_thread_pool_finishes_with_the_same_figures() {
    // The reader parses the next batch and works out areas on pool jobs while the calling
    // thread sinks and reads; with a single pool thread, called from it, each must still
    // get its turn.
    use land_efficiency::{Audit, Config, Inputs, Source};
    let zone = common::fixtures().join("zone");
    let inputs = move || Inputs {
        parcels: Source::path(zone.join("parcels.geojson")),
        enterprises: Some(Source::path(zone.join("enterprises.geojson"))),
        parks: Some(Source::path(zone.join("parks.geojson"))),
    };
    let usual = Audit::new(Config::default()).run(&inputs()).unwrap();
    let single = common::within(120, "an audit on a one-thread pool", move || {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        pool.install(|| Audit::new(Config::default()).run(&inputs()).unwrap())
    });
    assert_eq!(single.parcel_count(), usual.parcel_count());
    assert_eq!(
        single.summary.total_area_mu.to_bits(),
        usual.summary.total_area_mu.to_bits()
    );
    assert_eq!(
        single.summary.low_efficiency_count,
        usual.summary.low_efficiency_count
    );
    // Several of the reader's batches (4096 features each).
    let squares: Vec<String> = (0..20_000)
        .map(|i| {
            let (x, y) = (
                120.0 + (i % 200) as f64 * 0.001,
                30.0 + (i / 200) as f64 * 0.001,
            );
            common::square(&format!("P{i}"), x, y, 0.0008, "")
        })
        .collect();
    let parcels = common::collection(&squares);
    let text = parcels.clone();
    let single = common::within(120, "20 000 parcels on a one-thread pool", move || {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        pool.install(|| common::run(Config::default(), text, None, None))
    });
    let usual = common::run(Config::default(), parcels, None, None);
    assert_eq!(single.parcel_count(), 20_000);
    for row in [0, 4095, 4096, 12_345, 19_999] {
        let (a, b) = (single.parcel(row), usual.parcel(row));
        assert_eq!(a.parcel_id(), format!("P{row}"));
        assert_eq!(a.parcel_id(), b.parcel_id());
        assert_eq!(a.area_m2().to_bits(), b.area_m2().to_bits());
    }
}

/// The bench example generates a zone and audits it; `--bound` then times the work no audit
/// can skip on the same data, and its Karney areas must add up to the audit's total area.
#[test]
fn bench_bound_works_out_the_same_total_area_as_the_audit() {
    let dir = tempfile::tempdir().unwrap();
    let run = |extra: &[&str]| {
        succeeded(
            example("bench")
                .args(["--n", "1500", "--seed", "7", "--out"])
                .arg(dir.path())
                .args(extra)
                .output()
                .unwrap(),
        )
    };
    let audit = run(&[]);
    let bound = run(&["--bound"]);
    let mu = |text: &str, before: &str| -> String {
        let head = text.split(before).next().unwrap();
        head.rsplit(' ').next().unwrap().to_string()
    };
    // "… total area 12345.6789 mu, …" and "(… edges, … ns an edge; 12345.6789 mu)".
    let audit_mu = mu(&audit, " mu, ");
    let bound_mu = mu(&bound, " mu)");
    assert!(audit.contains("parcels 1500 "), "{audit}");
    assert_eq!(audit_mu, bound_mu, "audit:\n{audit}\nbound:\n{bound}");
    let outputs: u64 = std::fs::read_dir(dir.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum();
    assert!(
        bound.contains(&format!("write {:.1} MB", outputs as f64 / 1e6)),
        "{bound}"
    );
    assert!(bound.contains("s CPU in all: at least"), "{bound}");
}

/// `--bound` on inputs it cannot use says which file, and why; without an audit's outputs to
/// size the write it says so before reading anything.
#[test]
fn bench_bound_names_the_input_it_cannot_read() {
    let dir = tempfile::tempdir().unwrap();
    let (data, out) = (dir.path().join("data"), dir.path().join("out"));
    std::fs::create_dir_all(&data).unwrap();
    let bound = || {
        example("bench")
            .arg("--bound")
            .arg("--data")
            .arg(&data)
            .arg("--out")
            .arg(dir.path())
            .output()
            .unwrap()
    };
    let failed = |out: std::process::Output| {
        assert_eq!(out.status.code(), Some(1));
        String::from_utf8(out.stderr).unwrap()
    };
    let stderr = failed(bound());
    assert!(stderr.contains("no outputs in"), "{stderr}");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("summary.json"), "{}").unwrap();
    // A truncated parcels file.
    std::fs::write(
        data.join("parcels.geojson"),
        r#"{"type":"FeatureCollection","features":[{"type":"Feature""#,
    )
    .unwrap();
    let stderr = failed(bound());
    assert!(stderr.contains("parcels.geojson: not JSON"), "{stderr}");
    // A good parcels file, and no enterprises file.
    std::fs::write(
        data.join("parcels.geojson"),
        r#"{"type":"FeatureCollection","features":[]}"#,
    )
    .unwrap();
    let stderr = failed(bound());
    assert!(
        stderr.contains("enterprises.geojson: cannot read"),
        "{stderr}"
    );
}

/// `audit | head` is not a failure (the outputs are written, the reader left), and a summary
/// that cannot be printed at all is an error that says so, not a panic (exit 101).
#[test]
fn a_closed_or_full_stdout_is_handled() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = example("audit")
        .current_dir(dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && !stderr.contains("panicked"),
        "{:?} {stderr}",
        out.status
    );
    assert!(dir.path().join("audit-out/summary.json").exists());

    // Linux has /dev/full (every write fails with ENOSPC); elsewhere this part cannot run.
    #[cfg(not(target_os = "linux"))]
    return;
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full, a device every Linux has");
    let out = example("audit")
        .current_dir(dir.path())
        .stdout(full)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("the summary cannot be printed"), "{stderr}");
}

/// `--previous` as a user gives it, relative: the run says which audit it compared with, on
/// the terminal, in summary.json (the files as given, no path of this machine) and in
/// report.html; one that shares no parcel id stops the run, naming the folder.
#[test]
fn the_previous_audit_used_is_recorded_as_given() {
    let dir = tempfile::tempdir().unwrap();
    let policy = common::fixtures().join("policy");
    let last = dir.path().join("audit-2023");
    std::fs::create_dir(&last).unwrap();
    for f in ["parcels.csv", "enterprises.csv"] {
        std::fs::copy(policy.join("previous").join(f), last.join(f)).unwrap();
    }
    let run = |previous: &str| {
        example("audit")
            .current_dir(dir.path())
            .arg("--parcels")
            .arg(policy.join("parcels.geojson"))
            .arg("--enterprises")
            .arg(policy.join("enterprises.geojson"))
            .args(["--previous", previous, "--out", "out"])
            .output()
            .unwrap()
    };
    let stdout = succeeded(run("audit-2023"));
    let files = ["parcels.csv", "enterprises.csv"].map(|f| {
        std::path::Path::new("audit-2023")
            .join(f)
            .display()
            .to_string()
    });
    assert!(
        stdout.contains(&format!(
            "since the previous audit ({}): ",
            files.join(", ")
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains("warning: only 5 of this audit's 13 parcels are in the previous audit"),
        "{stdout}"
    );
    let summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("out/summary.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(summary["previous"]["files"], serde_json::json!(files));
    assert_eq!(summary["previous"]["matched"], 5);
    let html = std::fs::read_to_string(dir.path().join("out/report.html")).unwrap();
    assert!(html.contains(&format!("上年审计: {}", files.join(", "))));

    // Another zone's audit.
    std::fs::write(
        last.join("parcels.csv"),
        "parcel_id,low_efficiency\nP01-01,true\nP01-02,false\n",
    )
    .unwrap();
    let out = run("audit-2023");
    // Bad input (README: a --previous audit that cannot be compared with this one), not usage.
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("the previous audit audit-2023 shares no parcel id with this one"),
        "{stderr}"
    );
}

/// Mistakes an analyst makes on the command line get a message saying what to give instead:
/// a file or an empty folder as --previous, a number in quotes in the config, an id mapped
/// to a property the parcels lack.
#[test]
fn command_line_mistakes_say_what_to_give() {
    let dir = tempfile::tempdir().unwrap();
    let parcels = bad_parcels(dir.path());
    // The exit code and stderr of the audit of `parcels` with one more option.
    let run = |option: &str, value: &std::path::Path| {
        let out = audit_quiet(dir.path(), &parcels)
            .arg(option)
            .arg(value)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    for previous in [parcels.clone(), dir.path().to_path_buf()] {
        let (code, stderr) = run("--previous", &previous);
        assert_eq!(code, Some(2));
        assert!(
            stderr.contains("give the output folder of an earlier audit"),
            "{stderr}"
        );
    }
    let config = dir.path().join("t.toml");
    std::fs::write(&config, "[low_efficiency]\nmin_tax_per_mu = \"15\"\n").unwrap();
    let (code, stderr) = run("--config", &config);
    // A malformed config file is bad input.
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("expected a number (written without quotes)"),
        "{stderr}"
    );
    std::fs::write(&config, "[fields]\nparcel_id = \"ZDDM\"\n").unwrap();
    let (code, stderr) = run("--config", &config);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("The config maps the id to that property ([fields] parcel_id)"),
        "{stderr}"
    );
}

/// `audit --quiet --out OUT --parcels PARCELS`, to add to.
fn audit_into(out: &std::path::Path, parcels: &std::path::Path) -> Command {
    let mut command = example("audit");
    command
        .args(["--quiet", "--out"])
        .arg(out)
        .arg("--parcels")
        .arg(parcels);
    command
}

/// A JSON file the audit wrote.
fn json(path: &std::path::Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// A 100 m × 100 m parcel in EPSG:4549 metres with its south-west corner at (x, 3 300 000).
fn plot_4549(id: &str, x: f64) -> String {
    common::square(id, x, 3_300_000.0, 100.0, "")
}

/// The `properties` of the features of a written GeoJSON file, by `parcel_id`.
fn properties_of(path: &std::path::Path, id: &str) -> serde_json::Value {
    let v = json(path);
    let features = v["features"].as_array().unwrap();
    let f = features
        .iter()
        .find(|f| f["properties"]["parcel_id"] == id)
        .unwrap_or_else(|| panic!("no {id} in {}", path.display()));
    f["properties"].clone()
}

/// Every position of every feature of a written GeoJSON file, in order.
fn positions(path: &std::path::Path) -> Vec<(f64, f64)> {
    fn walk(v: &serde_json::Value, out: &mut Vec<(f64, f64)>) {
        let Some(a) = v.as_array() else { return };
        if a.len() == 2 && a.iter().all(serde_json::Value::is_number) {
            out.push((a[0].as_f64().unwrap(), a[1].as_f64().unwrap()));
        } else {
            a.iter().for_each(|x| walk(x, out));
        }
    }
    let mut out = Vec::new();
    for f in json(path)["features"].as_array().unwrap() {
        walk(&f["geometry"]["coordinates"], &mut out);
    }
    out
}

/// `--quiet` prints nothing, on stdout or stderr, for a good run: neither the summary nor the
/// progress nor a record's rejection (that is in rejected.csv). Without it, the same run
/// prints its summary.
#[test]
fn quiet_prints_nothing_for_a_good_run() {
    let dir = tempfile::tempdir().unwrap();
    // The bundled zone.
    let out = example("audit")
        .arg("--quiet")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    let summary = json(&dir.path().join("audit-out/summary.json"));
    assert_eq!(summary["parcels"]["evaluated"], 40);
    // A lenient run with a rejected parcel, with -q.
    let parcels = bad_parcels(dir.path());
    let quiet = |flag: Option<&str>| {
        let mut command = example("audit");
        command
            .args(flag)
            .arg("--out")
            .arg(dir.path().join("out"))
            .arg("--parcels")
            .arg(&parcels);
        command.output().unwrap()
    };
    let out = quiet(Some("-q"));
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    let rejected = std::fs::read_to_string(dir.path().join("out/rejected.csv")).unwrap();
    assert_eq!(rejected.lines().count(), 2, "{rejected}");
    let stdout = succeeded(quiet(None));
    assert!(
        stdout.starts_with("parcels:     2 read, 1 evaluated, 1 rejected\n"),
        "{stdout}"
    );
}

/// `--lang en` writes report.html in English, `--lang zh` and no `--lang` in Chinese; another
/// language is a usage error.
#[test]
fn lang_sets_the_language_of_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let report = |lang: &[&str]| {
        let out = dir.path().join(format!("out-{}", lang.join("")));
        succeeded(
            example("audit")
                .current_dir(dir.path())
                .arg("--quiet")
                .args(lang)
                .arg("--out")
                .arg(&out)
                .output()
                .unwrap(),
        );
        std::fs::read_to_string(out.join("report.html")).unwrap()
    };
    let english = [
        "<html lang=\"en\">",
        "<title>Per-mu land audit: low-efficiency land</title>",
        "Parks by low-efficiency ratio",
    ];
    let chinese = [
        "<html lang=\"zh-CN\">",
        "<title>亩均效益与低效用地审计报告</title>",
        "园区低效用地占比（按占比排序）",
    ];
    let en = report(&["--lang", "en"]);
    for (want, not) in english.iter().zip(&chinese) {
        assert!(en.contains(want), "en lacks {want}");
        assert!(!en.contains(not), "en has {not}");
    }
    for zh in [report(&["--lang", "zh"]), report(&[])] {
        for (want, not) in chinese.iter().zip(&english) {
            assert!(zh.contains(want), "zh lacks {want}");
            assert!(!zh.contains(not), "zh has {not}");
        }
    }
    let out = example("audit")
        .current_dir(dir.path())
        .args(["--quiet", "--lang", "fr"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--lang"));
}

/// `--gcj02` writes parcels.geojson and parks.geojson in GCJ-02: every position is the WGS84
/// one moved by `gcj02::wgs84_to_gcj02` (a few hundred metres here), and the collection says
/// so in a `crs_note`.
#[test]
fn gcj02_shifts_the_output_coordinates_by_the_gcj_offset() {
    let dir = tempfile::tempdir().unwrap();
    let parcels = dir.path().join("zd.geojson");
    std::fs::write(
        &parcels,
        common::collection(&[
            common::square("P1", 120.61, 31.30, 0.001, ""),
            common::square("P2", 120.6123, 31.3011, 0.0007, ""),
        ]),
    )
    .unwrap();
    let parks = dir.path().join("yq.geojson");
    std::fs::write(
        &parks,
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"park_id":"K1"},"geometry":{"type":"Polygon","coordinates":[[[120.6,31.29],[120.62,31.29],[120.62,31.31],[120.6,31.31],[120.6,31.29]]]}}]}"#,
    )
    .unwrap();
    let run = |name: &str, extra: &[&str]| {
        let out = dir.path().join(name);
        succeeded(
            audit_into(&out, &parcels)
                .arg("--parks")
                .arg(&parks)
                .args(extra)
                .output()
                .unwrap(),
        );
        out
    };
    let (wgs, gcj) = (run("wgs", &[]), run("gcj", &["--gcj02"]));
    for file in ["parcels.geojson", "parks.geojson"] {
        let (a, b) = (positions(&wgs.join(file)), positions(&gcj.join(file)));
        assert_eq!(a.len(), b.len(), "{file}");
        assert!(a.len() >= 5, "{file}");
        for (&(lon, lat), &got) in a.iter().zip(&b) {
            let want = land_efficiency::gcj02::wgs84_to_gcj02(lon, lat);
            assert!(
                (got.0 - want.0).abs() < 1e-12 && (got.1 - want.1).abs() < 1e-12,
                "{file}: ({lon}, {lat}) written as {got:?}, expected {want:?}"
            );
            // Near Suzhou the offset is over 0.001° (100 m) in each direction.
            assert!(
                (got.0 - lon).abs() > 1e-3 && (got.1 - lat).abs() > 1e-3,
                "{file}"
            );
        }
        assert!(
            json(&gcj.join(file))["crs_note"]
                .as_str()
                .unwrap()
                .contains("GCJ-02")
        );
        assert!(json(&wgs.join(file)).get("crs_note").is_none());
    }
    // The figures do not move: areas are measured on the input.
    let area = |dir: &std::path::Path| {
        properties_of(&dir.join("parcels.geojson"), "P1")["area_m2"].clone()
    };
    assert_eq!(area(&wgs), area(&gcj));
}

/// `--area planar` on projected input gives the planar area: a 100 m square 60 km east of
/// the central meridian is exactly 10 000 m² = 15 mu in the plane, and 9999.1106 m² on the
/// ellipsoid (`--area geodesic`; the Gauss-Krüger scale there is 1.000044). `--area`
/// overrides the config's `[area] method`; with neither, projected input is planar.
/// `--area planar` on lon/lat parcels is a usage error.
#[test]
fn area_planar_on_projected_input_gives_the_planar_area() {
    let dir = tempfile::tempdir().unwrap();
    let parcels = dir.path().join("zd_4549.geojson");
    std::fs::write(
        &parcels,
        common::collection(&[plot_4549("P1", 560_000.0)]).replacen(
            '{',
            r#"{"crs":{"type":"name","properties":{"name":"EPSG:4549"}},"#,
            1,
        ),
    )
    .unwrap();
    let config = dir.path().join("geodesic.toml");
    std::fs::write(&config, "[area]\nmethod = \"geodesic\"\n").unwrap();
    let run = |name: &str, extra: &[&std::ffi::OsStr]| {
        let out = dir.path().join(name);
        succeeded(audit_into(&out, &parcels).args(extra).output().unwrap());
        let p = properties_of(&out.join("parcels.geojson"), "P1");
        (
            p["area_m2"].as_f64().unwrap(),
            p["area_mu"].as_f64().unwrap(),
            p["area_method"].as_str().unwrap().to_string(),
        )
    };
    let os = |s: &'static str| std::ffi::OsStr::new(s);
    let planar = (10_000.0, 15.0, "planar".to_string());
    assert_eq!(run("planar", &[os("--area"), os("planar")]), planar);
    assert_eq!(run("auto", &[]), planar);
    assert_eq!(
        run(
            "override",
            &[
                os("--config"),
                config.as_os_str(),
                os("--area"),
                os("planar")
            ]
        ),
        planar
    );
    for (name, extra) in [
        ("geodesic", vec![os("--area"), os("geodesic")]),
        ("config", vec![os("--config"), config.as_os_str()]),
    ] {
        let (m2, mu, method) = run(name, &extra);
        // geographiclib 2.1's Polygon area of the corners reprojected by pyproj 3.7.
        assert!(common::rel(m2, 9999.110613307916) < 1e-9, "{name}: {m2}");
        assert!(
            common::rel(mu, 9999.110613307916 * 15.0 / 10_000.0) < 1e-9,
            "{name}: {mu}"
        );
        assert_eq!(method, "geodesic", "{name}");
    }
    // Lon/lat parcels have no plane to measure in.
    let lonlat = bad_parcels(dir.path());
    let out = audit_quiet(dir.path(), &lonlat)
        .args(["--area", "planar"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("area method \"planar\" needs projected parcels"),
        "{stderr}"
    );
}

/// `--crs EPSG:4549` reads a file with no `crs` member as that zone: the parcels' 100 m
/// square is 15 mu in the plane, the enterprise's point (in metres too) joins it, the output is
/// WGS84 with the square's west edge on the central meridian, 120°E, and summary.json says the
/// CRS was given explicitly. Without `--crs` the metres cannot be lon/lat (exit 1, saying how
/// to declare it); an unknown code is a usage error (exit 2).
#[test]
fn crs_reads_a_file_without_a_crs_member_as_that_zone() {
    let dir = tempfile::tempdir().unwrap();
    let parcels = dir.path().join("zd.geojson");
    std::fs::write(&parcels, common::collection(&[plot_4549("P1", 500_000.0)])).unwrap();
    let enterprises = dir.path().join("qy.geojson");
    std::fs::write(
        &enterprises,
        common::collection(&[common::enterprise(
            "E1",
            500_050.0,
            3_300_050.0,
            300.0,
            3000.0,
            4500.0,
            r#","floor_area":15000"#,
        )]),
    )
    .unwrap();
    let run = |crs: Option<&str>| {
        let mut command = audit_quiet(dir.path(), &parcels);
        command.arg("--enterprises").arg(&enterprises);
        if let Some(crs) = crs {
            command.args(["--crs", crs]);
        }
        command.output().unwrap()
    };
    succeeded(run(Some("EPSG:4549")));
    let out = dir.path().join("out");
    let p = properties_of(&out.join("parcels.geojson"), "P1");
    assert_eq!(p["area_m2"], 10_000.0);
    assert_eq!(p["area_mu"], 15.0);
    assert_eq!(p["area_method"], "planar");
    assert_eq!(p["enterprise_count"], 1);
    assert_eq!(p["tax_per_mu"], 20.0);
    assert_eq!(p["low_efficiency"], false);
    let summary = json(&out.join("summary.json"));
    for layer in ["parcels", "enterprises"] {
        assert_eq!(summary["crs"][layer]["crs"], "EPSG:4549", "{layer}");
        assert_eq!(summary["crs"][layer]["source"], "explicit", "{layer}");
    }
    // The west corners are on the central meridian; the rest is pyproj 3.7's EPSG:4549 →
    // EPSG:4326. 1e-9° is 0.1 mm.
    let corners = positions(&out.join("parcels.geojson"));
    assert_eq!(corners.len(), 5, "{corners:?}");
    for want in [
        (120.0, 29.81855451739542),
        (120.00103453996763, 29.81855451334556),
        (120.00103454925646, 29.81945663822811),
        (120.0, 29.81945664227813),
    ] {
        assert!(
            corners
                .iter()
                .any(|c| (c.0 - want.0).abs() < 1e-9 && (c.1 - want.1).abs() < 1e-9),
            "{want:?} not in {corners:?}"
        );
    }

    let out = run(None);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("coordinates cannot be lon/lat") && stderr.contains("--crs EPSG:N"),
        "{stderr}"
    );
    let out = run(Some("EPSG:99999"));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--crs: EPSG:99999"));
}

/// `--adjustments` gives the evaluation its table: a vetoed firm is D, with its reason in
/// `enterprises.csv`; without `[evaluation]` the flag is a usage error (exit 2).
#[test]
fn adjustments_flag_forces_a_class_and_needs_an_evaluation() {
    let dir = tempfile::tempdir().unwrap();
    let policy = common::fixtures().join("policy");
    let table = dir.path().join("jiajian.csv");
    std::fs::write(
        &table,
        "enterprise_id,item,action\nET1,安全生产事故,一票否决\n",
    )
    .unwrap();
    let out = audit_quiet(dir.path(), &policy.join("parcels.geojson"))
        .arg("--enterprises")
        .arg(policy.join("enterprises.geojson"))
        .arg("--config")
        .arg(policy.join("evaluation.toml"))
        .arg("--adjustments")
        .arg(&table)
        .output()
        .unwrap();
    succeeded(out);
    let text = std::fs::read_to_string(dir.path().join("out/enterprises.csv")).unwrap();
    let mut rows = text.lines();
    let header: Vec<&str> = rows.next().unwrap().split(',').collect();
    let et1: Vec<&str> = rows
        .find(|l| l.starts_with("ET1,"))
        .unwrap()
        .split(',')
        .collect();
    let at = |name: &str| et1[header.iter().position(|h| *h == name).unwrap()];
    // ET1 scores 150, the best of its group: A but for the veto.
    assert_eq!(
        (at("class"), at("forced"), at("forced_reason")),
        ("D", "veto", "安全生产事故")
    );
    let out = audit_quiet(dir.path(), &policy.join("parcels.geojson"))
        .arg("--adjustments")
        .arg(&table)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("--adjustments needs a config with [evaluation]")
    );
}
