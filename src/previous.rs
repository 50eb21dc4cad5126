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
        for (i, row) in rows.iter().enumerate() {
            let flag = match row.get(low) {
                Some("true") => true,
                Some("false") => false,
                other => {
                    return Err(Error::Csv {
                        path: path.clone(),
                        message: format!(
                            "row {i}: low_efficiency must be true or false, found {other:?}"
                        ),
                    });
                }
            };
            previous
                .parcels
                .insert(row.get(id).unwrap_or("").to_string(), flag);
        }
        let path = dir.join("enterprises.csv");
        if path.exists() {
            let (headers, rows) = read_csv(&path)?;
            previous.files.push(path.clone());
            let id = column(&headers, "enterprise_id", &path)?;
            let class = headers.iter().position(|h| h == "class");
            let history = headers.iter().position(|h| h == "class_history");
            for (i, row) in rows.iter().enumerate() {
                let mut classes = match history.and_then(|c| row.get(c)) {
                    Some(text) => parse_history(text).ok_or_else(|| Error::Csv {
                        path: path.clone(),
                        message: format!("row {i}: class_history {text:?} is not like \"B;C;D\""),
                    })?,
                    None => Vec::new(),
                };
                if classes.is_empty()
                    && let Some(c) = class.and_then(|c| row.get(c))
                    && !c.is_empty()
                {
                    classes.push(Class::parse(c));
                }
                previous
                    .enterprises
                    .insert(row.get(id).unwrap_or("").to_string(), classes);
            }
        }
        Ok(previous)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
