//! Year on year: the previous audit's output, read back to report what changed.
//!
//! A previous audit is its output folder: `parcels.csv` (`parcel_id`, `low_efficiency`) and,
//! when it graded enterprises, `enterprises.csv` (`enterprise_id`, `class`, `class_history`).
//! This year's audit then reports per parcel whether it became low-efficiency or recovered, and
//! per enterprise its class history, oldest first, this year last.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::evaluate::Class;

/// What the previous audit said.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PreviousAudit {
    /// Parcel id → low-efficiency last time.
    pub parcels: HashMap<String, bool>,
    /// Enterprise id → classes, oldest first (`None` for a year it was not graded).
    pub enterprises: HashMap<String, Vec<Option<Class>>>,
    /// The files it was read from: this year's outputs must not replace them.
    pub files: Vec<PathBuf>,
}

/// How a parcel's status changed since the previous audit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// Low now, not low before.
    BecameLow,
    /// Not low now, low before.
    Recovered,
    /// Low both times.
    StillLow,
    /// Not low either time.
    StillOk,
    /// Not in the previous audit.
    New,
}

impl Change {
    /// The name written in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Change::BecameLow => "became_low",
            Change::Recovered => "recovered",
            Change::StillLow => "still_low",
            Change::StillOk => "still_ok",
            Change::New => "new",
        }
    }

    /// The change from `before` (absent: new) to `now`.
    pub fn between(before: Option<bool>, now: bool) -> Change {
        match (before, now) {
            (None, _) => Change::New,
            (Some(false), true) => Change::BecameLow,
            (Some(true), false) => Change::Recovered,
            (Some(true), true) => Change::StillLow,
            (Some(false), false) => Change::StillOk,
        }
    }
}

/// Formats a class history as written in `enterprises.csv`: `B;C;D`, `-` for a year not graded.
pub fn format_history(history: &[Option<Class>]) -> String {
    history
        .iter()
        .map(|c| c.map_or("-", Class::as_str))
        .collect::<Vec<_>>()
        .join(";")
}

/// Parses a class history written by [`format_history`].
pub fn parse_history(text: &str) -> Option<Vec<Option<Class>>> {
    if text.trim().is_empty() {
        return Some(Vec::new());
    }
    text.split(';')
        .map(|t| match t.trim() {
            "-" | "" => Some(None),
            c => Class::parse(c).map(Some),
        })
        .collect()
}

fn read_csv(path: &Path) -> Result<(csv::StringRecord, Vec<csv::StringRecord>)> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, "cannot read", e))?;
    let body = bytes
        .strip_prefix(&[0xEF, 0xBB, 0xBF][..])
        .unwrap_or(&bytes);
    let mut reader = csv::Reader::from_reader(body);
    let bad = |e: csv::Error| Error::Csv {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let headers = reader.headers().map_err(bad)?.clone();
    let rows = reader
        .records()
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(bad)?;
    Ok((headers, rows))
}

/// The file line of data row `i` (the header is line 1).
fn line(i: usize) -> usize {
    i + 2
}

/// A row's id, trimmed as the readers trim ids; an empty id, or one an earlier line had, is
/// an error: this crate writes neither, so the file was edited or is not one of its tables.
fn checked_id(
    id: Option<&str>,
    i: usize,
    lines: &mut HashMap<String, usize>,
    column: &str,
    path: &Path,
) -> Result<String> {
    let bad = |message: String| Error::Csv {
        path: path.to_path_buf(),
        message,
    };
    let id = id.unwrap_or("").trim();
    if id.is_empty() {
        return Err(bad(format!("line {}: {column} is empty", line(i))));
    }
    if let Some(first) = lines.insert(id.to_string(), line(i)) {
        return Err(bad(format!(
            "line {}: {column} {id:?} is also on line {first}",
            line(i)
        )));
    }
    Ok(id.to_string())
}

fn column(headers: &csv::StringRecord, name: &str, path: &Path) -> Result<usize> {
    headers
        .iter()
        .position(|h| h == name)
        .ok_or_else(|| Error::Csv {
            path: path.to_path_buf(),
            message: format!("no {name:?} column"),
        })
}

impl PreviousAudit {
    /// Reads a previous audit's output folder.
    ///
    /// # Errors
    /// [`Error::Io`] when `parcels.csv` cannot be read; [`Error::Csv`] naming the file, row and
    /// column when a value is not what this crate writes.
    pub fn from_dir(dir: impl AsRef<Path>) -> Result<PreviousAudit> {
        let dir = dir.as_ref();
        let mut previous = PreviousAudit::default();
        let path = dir.join("parcels.csv");
        let (headers, rows) = read_csv(&path)?;
        previous.files.push(path.clone());
        let (id, low) = (
            column(&headers, "parcel_id", &path)?,
            column(&headers, "low_efficiency", &path)?,
        );
        let mut lines = HashMap::new();
        for (i, row) in rows.iter().enumerate() {
            // As a spreadsheet saves it too: TRUE/FALSE (Excel), 1/0, 是/否.
            let flag = row
                .get(low)
                .and_then(crate::read::feature::parse_flag)
                .ok_or_else(|| Error::Csv {
                    path: path.clone(),
                    message: format!(
                        "line {}: low_efficiency must be true or false, found {:?}",
                        line(i),
                        row.get(low).unwrap_or("")
                    ),
                })?;
            let key = checked_id(row.get(id), i, &mut lines, "parcel_id", &path)?;
            previous.parcels.insert(key, flag);
        }
        let path = dir.join("enterprises.csv");
        if path.exists() {
            let (headers, rows) = read_csv(&path)?;
            previous.files.push(path.clone());
            let id = column(&headers, "enterprise_id", &path)?;
            let class = headers.iter().position(|h| h == "class");
            let history = headers.iter().position(|h| h == "class_history");
            let mut lines = HashMap::new();
            for (i, row) in rows.iter().enumerate() {
                let mut classes = match history.and_then(|c| row.get(c)) {
                    Some(text) => parse_history(text).ok_or_else(|| Error::Csv {
                        path: path.clone(),
                        message: format!(
                            "line {}: class_history {text:?} is not like \"B;C;D\"",
                            line(i)
                        ),
                    })?,
                    None => Vec::new(),
                };
                if classes.is_empty()
                    && let Some(c) = class.and_then(|c| row.get(c))
                    && !c.is_empty()
                {
                    classes.push(Class::parse(c));
                }
                let key = checked_id(row.get(id), i, &mut lines, "enterprise_id", &path)?;
                previous.enterprises.insert(key, classes);
            }
        }
        Ok(previous)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A previous table edited in a spreadsheet reads as written (`TRUE`, ids trimmed); one
    /// this crate could not have written (an empty or repeated id) is refused with its line.
    #[test]
    fn previous_tables_are_checked_line_by_line() {
        let dir = tempfile::tempdir().unwrap();
        let read = |csv: &str| {
            std::fs::write(dir.path().join("parcels.csv"), csv).unwrap();
            PreviousAudit::from_dir(dir.path()).map_err(|e| e.to_string())
        };
        let p = read("parcel_id,low_efficiency\n P1 ,TRUE\nP2,0\n").unwrap();
        assert_eq!((p.parcels["P1"], p.parcels["P2"]), (true, false));
        let e = read("parcel_id,low_efficiency\nP1,true\nP1,false\n").unwrap_err();
        assert!(e.contains("parcels.csv: "), "names the file: {e}");
        assert!(
            e.ends_with("line 3: parcel_id \"P1\" is also on line 2"),
            "{e}"
        );
        let e = read("parcel_id,low_efficiency\nP1,true\n,false\n").unwrap_err();
        assert!(e.ends_with("line 3: parcel_id is empty"), "{e}");
        let e = read("parcel_id,low_efficiency\nP1,maybe\n").unwrap_err();
        assert!(
            e.contains("line 2: low_efficiency must be true or false"),
            "{e}"
        );
    }

    #[test]
    fn histories_round_trip() {
        let h = vec![Some(Class::B), None, Some(Class::D)];
        assert_eq!(format_history(&h), "B;-;D");
        assert_eq!(parse_history("B;-;D"), Some(h));
        assert_eq!(parse_history("B;X"), None);
        assert_eq!(Change::between(Some(false), true), Change::BecameLow);
        assert_eq!(Change::between(Some(true), false), Change::Recovered);
        assert_eq!(Change::between(None, true), Change::New);
    }
}
