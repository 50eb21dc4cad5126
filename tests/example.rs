//! The `audit` example run as a user runs it (csv's `cmd_for_example` habit).

mod common;

use std::path::PathBuf;
use std::process::Command;

/// The compiled example, which `cargo test` builds beside the test binaries.
fn example(name: &str) -> Command {
    let mut dir = std::env::current_exe().unwrap();
    dir.pop();
    if dir.ends_with("deps") {
        dir.pop();
    }
    let exe: PathBuf = dir
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(exe.exists(), "{} not built", exe.display());
    Command::new(exe)
}

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

    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        return;
    };
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
    assert!(!out.status.success());
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
    let (_, stderr) = run("--config", &config);
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
