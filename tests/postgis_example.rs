//! The `postgis` example's usage and connection errors, which need no database. Its run
//! against a real PostgreSQL/PostGIS is `scripts/check_postgis.sh` (docs/postgis.md).

mod common;

use common::example;

/// Exit code and standard error of the example run with `args` and no `DATABASE_URL`.
fn run(args: &[&str]) -> (Option<i32>, String) {
    let out = example("postgis")
        .args(args)
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn no_database_given_is_a_usage_error() {
    let (code, stderr) = run(&[]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("give --db URL or set DATABASE_URL"),
        "{stderr}"
    );
}

#[test]
fn a_server_that_is_not_there_names_the_cause() {
    // A socket folder with no server in it: the client's own message is only "error
    // connecting to server"; the example adds why.
    let dir = tempfile::tempdir().unwrap();
    let db = format!(
        "host={} port=5 user=nobody dbname=none",
        dir.path().display()
    );
    let (code, stderr) = run(&["--db", &db]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("connecting to the database: error connecting to server: "),
        "{stderr}"
    );
    assert!(stderr.contains("No such file or directory"), "{stderr}");
}

#[test]
fn a_bad_option_stops_before_connecting() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("host={} port=5", dir.path().display());
    let (code, stderr) = run(&["--db", &db, "--crs", "EPSG:nope"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("--crs"), "{stderr}");
    let missing = dir.path().join("no-such.toml");
    let (code, stderr) = run(&["--db", &db, "--config", missing.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("no-such.toml"), "{stderr}");
    assert!(!stderr.contains("connecting"), "{stderr}");
}
