//! A run killed at any instant leaves the output folder holding the whole old set of outputs
//! or the whole new one, never a mix and never a stray file (issue 18): the `audit` example,
//! killed (SIGKILL) fifty times at instants spread over its run.
//!
//! Run with `--nocapture` to see where the kills landed.
#![cfg(target_os = "linux")]

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::contents;
use land_efficiency::OUTPUT_FILES;

/// Kills, each at its own instant.
const KILLS: u32 = 50;

/// A zone of `n` parcels, a firm on each, written into `dir`; the parcels and firms files.
fn zone(dir: &Path, n: usize) -> (PathBuf, PathBuf) {
    let (mut parcels, mut firms) = (Vec::new(), Vec::new());
    for i in 0..n {
        let (x, y) = (
            120.0 + (i % 100) as f64 * 0.001,
            30.0 + (i / 100) as f64 * 0.001,
        );
        parcels.push(common::square(&format!("P{i}"), x, y, 0.0008, ""));
        let tax = (i % 40) as f64;
        firms.push(common::enterprise(
            &format!("E{i}"),
            x + 0.0004,
            y + 0.0004,
            tax,
            500.0,
            900.0,
            "",
        ));
    }
    let (p, e) = (dir.join("zd.geojson"), dir.join("qy.geojson"));
    std::fs::write(&p, common::collection(&parcels)).unwrap();
    std::fs::write(&e, common::collection(&firms)).unwrap();
    (p, e)
}

/// The staging folders beside the output folder `out` in `dir`.
fn staging(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.starts_with(".out.staging."))
        .collect()
}

#[test]
fn a_killed_run_leaves_the_old_set_or_the_new_one() {
    let dir = tempfile::tempdir().unwrap();
    let (parcels, firms) = zone(dir.path(), 1000);
    // Two audits whose every table differs: another threshold, another language.
    let (old_config, new_config) = (dir.path().join("old.toml"), dir.path().join("new.toml"));
    std::fs::write(&old_config, "[low_efficiency]\nmin_tax_per_mu = 1.0\n").unwrap();
    std::fs::write(&new_config, "[low_efficiency]\nmin_tax_per_mu = 2.0\n").unwrap();
    let out = dir.path().join("out");
    let audit = |config: &Path, out: &Path, lang: &str| -> Command {
        let mut command = common::example("audit");
        command
            .arg("--parcels")
            .arg(&parcels)
            .arg("--enterprises")
            .arg(&firms)
            .arg("--config")
            .arg(config)
            .args(["--lang", lang, "--out"])
            .arg(out)
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        command
    };
    let run = |command: &mut Command| -> String {
        let done = command.output().unwrap();
        assert!(done.status.success());
        String::from_utf8(done.stdout).unwrap()
    };

    // The new set and the old one, and how long a run takes and how much of it is writing
    // ("wrote out in 0.41 s (read …, write 0.17)"), to spread the kills over: the slower of
    // the two runs, the machine being shared.
    let timed = |command: &mut Command| -> (Duration, Duration) {
        let started = Instant::now();
        let summary = run(command);
        let whole = started.elapsed();
        let write = summary
            .rsplit("write ")
            .next()
            .and_then(|s| s.trim_end().trim_end_matches(')').parse::<f64>().ok())
            .map(Duration::from_secs_f64)
            .unwrap_or(whole / 2)
            .min(whole);
        (whole, write)
    };
    let probe = dir.path().join("probe");
    let new_run = timed(&mut audit(&new_config, &probe, "en"));
    let new = contents(&probe);
    let old_run = timed(&mut audit(&old_config, &out, "zh"));
    let old = contents(&out);
    let (whole, write) = new_run.max(old_run);
    assert_eq!(old.len(), OUTPUT_FILES.len());
    for name in ["parcels.csv", "summary.json", "report.html"] {
        assert_ne!(old[name], new[name], "{name} is the same in both sets");
    }

    let (mut finished, mut before_writing, mut while_writing, mut after_swap) = (0, 0, 0, 0);
    for i in 0..KILLS {
        // Even kills over the whole run, odd ones over its writing (and a little past it),
        // each sweep in a scattered order.
        let step = (i / 2 * 17 % (KILLS / 2)) as f64 / (KILLS / 2) as f64;
        let delay = if i % 2 == 0 {
            whole.mul_f64(1.1 * step)
        } else {
            (whole.saturating_sub(write.mul_f64(1.2))) + write.mul_f64(1.3 * step)
        };
        let before = staging(dir.path());
        let mut child = audit(&new_config, &out, "en").spawn().unwrap();
        std::thread::sleep(delay);
        child.kill().unwrap();
        let status = child.wait().unwrap();
        let now = contents(&out);
        // A staging folder of this run's: it was killed once writing had begun.
        let left = staging(dir.path()).difference(&before).count();
        let is_old = now == old;
        assert!(
            is_old || now == new,
            "kill {i} after {delay:?}: the folder holds neither set: {:?}",
            now.keys().collect::<Vec<_>>()
        );
        match (status.success(), is_old, left > 0) {
            (true, _, _) => finished += 1,
            (false, true, false) => before_writing += 1,
            (false, true, true) => while_writing += 1,
            (false, false, _) => after_swap += 1,
        }
        if !is_old {
            // Back to the old set for the next kill.
            for (name, bytes) in &old {
                std::fs::write(out.join(name), bytes).unwrap();
            }
        }
    }
    eprintln!(
        "{KILLS} kills (run {whole:.2?}, writing {write:.2?}): {before_writing} before writing \
         (old set), {while_writing} while writing (old set kept), {after_swap} after the swap \
         (new set), {finished} after the run had finished (new set)"
    );

    // A run to the end removes what the killed ones left beside the folder.
    run(&mut audit(&new_config, &out, "en"));
    assert!(contents(&out) == new);
    assert_eq!(staging(dir.path()), BTreeSet::new());
}
