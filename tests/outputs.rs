//! The output folder as a whole (issue 18): one run at a time writes it, its set of files is
//! replaced as one, and the files read whole (configuration, previous tables) are bounded.

mod common;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use common::contents;
use land_efficiency::{
    Audit, AuditReport, Config, Error, Inputs, OUTPUT_FILES, PreviousAudit, Source, WriteOptions,
    write_all, write_all_with_text,
};

/// A small audit: two parcels, one firm.
fn small_report() -> AuditReport {
    let parcels = common::collection(&[
        common::square("P1", 120.0, 30.0, 0.001, ""),
        common::square("P2", 120.01, 30.0, 0.001, ""),
    ]);
    let firms = common::collection(&[common::enterprise(
        "E1", 120.0005, 30.0005, 10.0, 500.0, 900.0, "",
    )]);
    common::run(Config::default(), parcels, Some(firms), None)
}

/// The names of the entries of `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    contents(dir).into_keys().collect()
}

/// The lock file of the output folder `out`, beside it (`docs/outputs.md`).
fn lock_of(out: &Path) -> PathBuf {
    let name = out.file_name().unwrap().to_str().unwrap();
    out.with_file_name(format!(".{name}.lock"))
}

/// While another run holds the folder's lock, a run into it fails at once, naming the folder
/// and saying why, and writes nothing; once the lock is let go it runs.
#[test]
fn a_run_into_a_folder_another_is_writing_fails_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let report = small_report();
    write_all(&report, &out, &WriteOptions::default()).unwrap();
    let before = contents(&out);
    // The other run: the lock taken on the file every run locks.
    let other = std::fs::File::open(lock_of(&out)).unwrap();
    other.try_lock().unwrap();
    let err = write_all(&report, &out, &WriteOptions::default()).unwrap_err();
    assert!(
        matches!(&err, Error::OutputLocked { dir, .. } if *dir == out),
        "{err:?}"
    );
    assert_eq!(err.code(), "output_locked");
    let message = err.to_string();
    assert!(
        message.starts_with(&out.display().to_string())
            && message.contains("another audit is writing this folder"),
        "{message}"
    );
    assert_eq!(contents(&out), before);
    // The example says so and exits 1.
    let run = common::example("audit")
        .args(["--quiet", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains(&format!(
            "{}: another audit is writing this folder",
            out.display()
        )),
        "{stderr}"
    );
    drop(other);
    write_all(&report, &out, &WriteOptions::default()).unwrap();
}

/// A run that fails while writing (a parcel's text, read back from its changed input, no
/// longer matches) leaves the folder with the old set, byte for byte; and while it writes,
/// the folder never shows anything but the old set (no temporary file, no partial new set).
#[test]
fn a_run_failing_midway_leaves_the_old_set_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("zd.geojson");
    let squares: Vec<String> = (0..3000)
        .map(|i| {
            let (x, y) = (
                120.0 + (i % 100) as f64 * 0.001,
                30.0 + (i / 100) as f64 * 0.001,
            );
            let owner = format!(r#","owner":"O{i:05}""#);
            common::square(&format!("P{i}"), x, y, 0.0008, &owner)
        })
        .collect();
    let text = common::collection(&squares);
    std::fs::write(&path, &text).unwrap();
    let inputs = Inputs {
        parcels: Source::path(&path),
        enterprises: None,
        parks: None,
    };
    let out = dir.path().join("out");
    let (report, texts) = Audit::new(Config::default())
        .run_leaving_text(&inputs)
        .unwrap();
    write_all_with_text(&report, &texts, &out, &WriteOptions::default()).unwrap();
    let old = contents(&out);
    assert_eq!(old.len(), OUTPUT_FILES.len());

    // The last parcel's text changed in place, same length: found as it is read back, late
    // in the writing of parcels.geojson.
    std::fs::write(&path, text.replace("O02999", "X02999")).unwrap();
    let stop = AtomicBool::new(false);
    let (err, seen) = std::thread::scope(|scope| {
        let watcher = scope.spawn(|| {
            let mut seen = std::collections::BTreeSet::new();
            while !stop.load(Ordering::Relaxed) {
                seen.extend(
                    names(&out)
                        .into_iter()
                        .filter(|n| !OUTPUT_FILES.contains(&n.as_str())),
                );
            }
            seen
        });
        let err = write_all_with_text(&report, &texts, &out, &WriteOptions::default());
        stop.store(true, Ordering::Relaxed);
        (err, watcher.join().unwrap())
    });
    let err = err.unwrap_err();
    assert!(
        matches!(&err, Error::InputChanged { file, .. } if *file == path),
        "{err:?}"
    );
    assert!(seen.is_empty(), "the folder showed {seen:?} while written");
    assert!(contents(&out) == old, "the old set changed");
    // Nothing is left beside the folder but its lock.
    assert_eq!(names(dir.path()), [".out.lock", "out", "zd.geojson"]);
}

/// The staging folders a killed run left beside the output folder are removed by the next
/// run, unless they hold something that is not the audit's.
#[test]
#[cfg(target_os = "linux")]
fn the_staging_folders_of_a_killed_run_are_removed() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let stale = dir.path().join(".out.staging.999999999.0123456789abcdef");
    let kept = dir.path().join(".out.staging.999999998.0123456789abcdef");
    for folder in [&stale, &kept] {
        std::fs::create_dir(folder).unwrap();
        std::fs::write(folder.join("parcels.csv"), "old").unwrap();
        std::fs::write(
            folder.join(".summary.json.999999999.0123456789abcdef.tmp"),
            "x",
        )
        .unwrap();
    }
    std::fs::write(kept.join("mine.txt"), "the user's").unwrap();
    write_all(&small_report(), &out, &WriteOptions::default()).unwrap();
    assert!(!stale.exists());
    assert_eq!(names(&kept), ["mine.txt"]);
    assert_eq!(names(&out).len(), OUTPUT_FILES.len());
}

/// A folder holding files of the user's keeps them (its outputs are then renamed in one by
/// one); `--out` given as a link to a folder replaces the folder's files and keeps the link.
#[test]
#[cfg(unix)]
fn the_users_files_and_a_link_to_the_folder_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let report = small_report();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    std::fs::create_dir(out.join("2023")).unwrap();
    write_all(&report, &out, &WriteOptions::default()).unwrap();
    write_all(&report, &out, &WriteOptions::default()).unwrap();
    assert_eq!(std::fs::read(out.join("notes.txt")).unwrap(), b"mine");
    assert!(out.join("2023").is_dir());
    assert_eq!(names(&out).len(), OUTPUT_FILES.len() + 2);

    let real = dir.path().join("real");
    let link = dir.path().join("link");
    std::fs::create_dir(&real).unwrap();
    std::os::unix::fs::symlink(&real, &link).unwrap();
    write_all(&report, &link, &WriteOptions::default()).unwrap();
    write_all(&report, &link, &WriteOptions::default()).unwrap();
    assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
    assert_eq!(names(&real).len(), OUTPUT_FILES.len());
    // The lock is that of the folder the link names, whichever path a run was given.
    assert!(dir.path().join(".real.lock").exists());
    assert!(!dir.path().join(".link.lock").exists());
}

/// A configuration larger than 4 MiB is refused, naming the file, its size and the bound;
/// one with no size (a pipe) is read no further than the bound.
#[test]
fn a_configuration_larger_than_the_bound_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("thresholds.toml");
    let big = "# a comment line of the configuration, repeated\n".repeat(110_000);
    std::fs::write(&path, &big).unwrap();
    let err = Config::from_path(&path).unwrap_err();
    assert!(
        matches!(&err, Error::InputTooLarge { file, size: Some(s), limit: 4_194_304, .. }
            if *file == path && *s == big.len() as u64),
        "{err:?}"
    );
    assert_eq!(err.code(), "input_too_large");
    assert_eq!(
        err.to_string(),
        format!(
            "{}: {} bytes, more than the 4 MiB a configuration file may hold; check that it \
             is the right file",
            path.display(),
            big.len()
        )
    );
    #[cfg(unix)]
    {
        let fifo = dir.path().join("fifo.toml");
        let writer = common::fifo_with(&fifo, big);
        let err = Config::from_path(&fifo).unwrap_err();
        assert!(
            matches!(&err, Error::InputTooLarge { file, size: None, .. } if *file == fifo),
            "{err:?}"
        );
        assert!(
            err.to_string()
                .contains("goes on past the 4 MiB a configuration file may hold"),
            "{err}"
        );
        // The writer is left with the rest: it is not waited on to the end.
        drop(writer);
    }
}

/// A previous audit's table larger than 1 GiB is refused before it is read, naming it.
#[test]
fn a_previous_table_larger_than_the_bound_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("parcels.csv");
    // Sparse: nothing is written to disk.
    let file = std::fs::File::create(&path).unwrap();
    file.set_len((1 << 30) + 1).unwrap();
    let err = PreviousAudit::from_dir(dir.path()).unwrap_err();
    assert!(
        matches!(&err, Error::InputTooLarge { file, size: Some(1_073_741_825), limit: 1_073_741_824, .. }
            if *file == path),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("more than the 1 GiB a previous audit's table may hold"),
        "{err}"
    );
}

/// A previous audit whose parcels.csv holds its header and no parcel is refused (every
/// parcel would come out "new"), by the library and by the example (exit 1).
#[test]
fn a_previous_parcels_csv_with_a_header_only_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let previous = dir.path().join("audit-2023");
    std::fs::create_dir(&previous).unwrap();
    let path = previous.join("parcels.csv");
    // As the audit writes it (BOM, CRLF), and rows of empty cells Excel leaves.
    std::fs::write(
        &path,
        "\u{feff}parcel_id,low_efficiency,tenants_incomplete\r\n,,\r\n",
    )
    .unwrap();
    let err = PreviousAudit::from_dir(&previous).unwrap_err();
    assert!(
        matches!(&err, Error::Csv { path: p, message } if *p == path && message.starts_with("holds no parcel")),
        "{err:?}"
    );
    let run = common::example("audit")
        .args(["--quiet", "--previous"])
        .arg(&previous)
        .arg("--out")
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains(&format!("{}: holds no parcel", path.display())),
        "{stderr}"
    );
}
