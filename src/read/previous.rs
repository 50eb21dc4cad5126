//! Year on year: the previous audit's output, read back to report what changed.
//!
//! A previous audit is its output folder: `parcels.csv` (`parcel_id`, `low_efficiency`, and
//! `tenants_incomplete` when it has one: a parcel it did not judge has no change) and,
//! when it graded enterprises, `enterprises.csv` (`enterprise_id`, `class`, `class_history`).
//! This year's audit then reports per parcel whether it became low-efficiency or recovered, and
//! per enterprise its class history, oldest first, this year last.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::csv::{Lines, NEITHER_ENCODING, STRAY_BYTE};
use crate::error::{Error, Result};
use crate::parcel::Class;

/// What the previous audit said.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PreviousAudit {
    /// Parcel id → low-efficiency last time.
    pub parcels: HashMap<String, bool>,
    /// Parcels it listed but did not judge (`tenants_incomplete` and not low-efficiency):
    /// whether they were low is not known, so they have no change this year.
    pub unjudged: HashSet<String>,
    /// Enterprise id → classes, oldest first (`None` for a year it was not graded).
    pub enterprises: HashMap<String, Vec<Option<Class>>>,
    /// The files it was read from: this year's outputs must not replace them.
    pub files: Vec<PathBuf>,
    /// Those of them read as GB18030 (GBK), not being UTF-8: saved again from Excel on
    /// Chinese Windows. The audit warns of each.
    pub gb18030: Vec<PathBuf>,
    /// Things worth a look in the tables that did not stop the read (a parcels.csv with no
    /// `tenants_incomplete` column: renamed, or written before there was one). The audit warns
    /// of each.
    pub notes: Vec<String>,
    /// The year it audited, from its `summary.json` (`year`), when it says.
    pub year: Option<i32>,
    /// Its per-mu figures (tax, output; 万元/亩), read for growth and multi-year averages
    /// (docs/year-on-year.md): parcels from `parcels.csv`, enterprises from `enterprises.csv`
    /// (tax and output over `land_mu`), parks from
    /// `summary.json`.
    pub per_mu: PerMuThen,
}

/// A previous audit's per-mu figures (tax, output), 万元/亩, by id; `None` where it had none.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PerMuThen {
    /// Parcel id → tax and output per mu.
    pub parcels: HashMap<String, [Option<f64>; 2]>,
    /// Enterprise id → tax and output per mu of its land (an audit with `[evaluation]`).
    pub enterprises: HashMap<String, [Option<f64>; 2]>,
    /// Park id → tax and output per mu (an audit that wrote park roll-ups).
    pub parks: HashMap<String, [Option<f64>; 2]>,
    /// The zone's tax and output per mu (an audit that wrote the zone's roll-up).
    pub zone: [Option<f64>; 2],
    /// (group, indicator) → the mean of the indicator over the group's graded firms that had
    /// it (`enterprises.csv`'s `group` and indicator columns), for benchmarks of last year's
    /// mean × a factor (Huai'an).
    pub indicator_means: HashMap<(String, String), f64>,
}

/// Formats a class history as written in `enterprises.csv`: `B;C;D`, `-` for a year not graded.
pub fn format_history(history: &[Option<Class>]) -> String {
    history
        .iter()
        .map(|c| c.map_or("-", Class::as_str))
        .collect::<Vec<_>>()
        .join(";")
}

/// Parses a class history written by [`format_history`], or typed as Chinese tables write
/// classes (`C类;D类`).
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

/// The largest previous table read, 1 GiB: `parcels.csv` takes 200 to 300 bytes a parcel, so
/// three to five million parcels. A table is read whole (and held about three times over while it
/// is parsed): a larger file is most likely not one of the audit's tables.
const MAX_TABLE_BYTES: u64 = 1 << 30;

/// A table's header and its data rows, each with the line it starts on.
pub(super) type Table = (csv::StringRecord, Vec<(usize, csv::StringRecord)>);

/// Reads a previous table: header, then its rows with their lines. A row whose cells are all
/// empty (Excel writes `,,,` for rows it once held) is skipped; a row with another number of
/// fields than the header, or with text in neither UTF-8 nor GB18030 (GBK, as Excel saves
/// CSV on Chinese Windows), is an error naming its line.
fn read_csv(path: &Path) -> Result<(Table, bool)> {
    read_table(path, "a previous audit's table")
}

/// [`read_csv`] for any small table, `what` naming it if it is past the size bound.
pub(super) fn read_table(path: &Path, what: &'static str) -> Result<(Table, bool)> {
    let bytes = crate::source_text::read_whole(path, MAX_TABLE_BYTES, what)?;
    let body = bytes
        .strip_prefix(&[0xEF, 0xBB, 0xBF][..])
        .unwrap_or(&bytes);
    // Saved again from Excel on Chinese Windows it is GBK: read as GB18030 (which holds GBK),
    // as the enterprises reader decides. Bytes of neither come out as U+FFFD, the error below
    // that names its line.
    let decoded = crate::read::csv::Tally::of(body)
        .gb18030()
        .then(|| encoding_rs::GB18030.decode_without_bom_handling(body).0);
    let text = TableText {
        path,
        gb18030: decoded.is_some(),
    };
    let body = decoded.as_deref().map_or(body, str::as_bytes);
    // Flexible and byte records, so that a short row or a GBK one is this crate's error with
    // its line, not the csv crate's.
    // Lines as an editor shows them, whatever ends them (csv's own is one short for CRLF).
    let (body, lines) = crate::read::csv::counted(body);
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(body);
    let headers = text.header(&mut reader, &lines)?;
    let rows = text.rows(&mut reader, &lines, &headers)?;
    Ok(((headers, rows), text.gb18030))
}

/// A previous table's text as it is checked: its file, and whether it was decoded from
/// GB18030 (else it is UTF-8).
struct TableText<'a> {
    path: &'a Path,
    gb18030: bool,
}

impl TableText<'_> {
    /// The file's error, with `message`.
    fn bad(&self, message: String) -> Error {
        Error::Csv {
            path: self.path.to_path_buf(),
            message,
        }
    }

    /// What is wrong with a cell that cannot be read as text, and what to do about it.
    fn why(&self) -> &'static str {
        if self.gb18030 {
            NEITHER_ENCODING
        } else {
            STRAY_BYTE
        }
    }

    /// The first cell of `record` holding bytes GB18030 does not have (decoded as U+FFFD),
    /// for a table read as GB18030.
    fn undecoded(&self, record: &csv::StringRecord) -> Option<usize> {
        self.gb18030
            .then(|| record.iter().position(|cell| cell.contains('\u{FFFD}')))
            .flatten()
    }

    /// Reads the header row as text; `lines` gives its line for an error.
    fn header<R: std::io::Read>(
        &self,
        reader: &mut csv::Reader<R>,
        lines: &Lines,
    ) -> Result<csv::StringRecord> {
        let headers = reader
            .byte_headers()
            .map_err(|e| self.bad(e.to_string()))?
            .clone();
        let header_line = lines.of(headers.position()) as usize;
        let header_error = |column: usize| {
            self.bad(format!(
                "line {header_line}: the header row, column {}: {}",
                column + 1,
                self.why()
            ))
        };
        let headers = csv::StringRecord::from_byte_record(headers)
            .map_err(|e| header_error(e.utf8_error().field()))?;
        if let Some(column) = self.undecoded(&headers) {
            return Err(header_error(column));
        }
        Ok(headers)
    }

    /// Reads the data rows as text, each with its line (from `lines`), skipping rows of empty
    /// cells.
    fn rows<R: std::io::Read>(
        &self,
        reader: &mut csv::Reader<R>,
        lines: &Lines,
        headers: &csv::StringRecord,
    ) -> Result<Vec<(usize, csv::StringRecord)>> {
        let mut rows = Vec::new();
        let mut record = csv::ByteRecord::new();
        while reader
            .read_byte_record(&mut record)
            .map_err(|e| self.bad(e.to_string()))?
        {
            let line = lines.of(record.position()) as usize;
            if record.iter().all(|cell| cell.trim_ascii().is_empty()) {
                continue;
            }
            rows.push((line, self.row(&record, line, headers)?));
        }
        Ok(rows)
    }

    /// A data row on `line` as text: as many fields as `headers`, each readable.
    fn row(
        &self,
        record: &csv::ByteRecord,
        line: usize,
        headers: &csv::StringRecord,
    ) -> Result<csv::StringRecord> {
        if record.len() != headers.len() {
            return Err(self.bad(format!(
                "line {line}: the row has {} fields, the header has {}",
                record.len(),
                headers.len()
            )));
        }
        let cell_error = |at: usize| {
            let column = headers.get(at).unwrap_or("").trim();
            self.bad(format!("line {line}: column {column:?}: {}", self.why()))
        };
        let row = csv::StringRecord::from_byte_record(record.clone())
            .map_err(|e| cell_error(e.utf8_error().field()))?;
        if let Some(at) = self.undecoded(&row) {
            return Err(cell_error(at));
        }
        Ok(row)
    }
}

/// A row's id, trimmed as the readers trim ids; an empty id, or one an earlier line had, is
/// an error: this crate writes neither, so the file was edited or is not one of its tables.
fn checked_id(
    id: Option<&str>,
    line: usize,
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
        return Err(bad(format!("line {line}: {column} is empty")));
    }
    if let Some(first) = lines.insert(id.to_string(), line) {
        // 9.13301E+17: an 18-digit credit code as Excel shows it, its last digits lost.
        let excel = if id.starts_with(|c: char| c.is_ascii_digit()) && id.contains("E+") {
            ": Excel shows a long number so, losing its last digits, and saved it so; use the \
             table as the audit wrote it, or open it with Data → From Text/CSV, ids as Text"
        } else {
            ""
        };
        return Err(bad(format!(
            "line {line}: {column} {id:?} is also on line {first}{excel}"
        )));
    }
    Ok(id.to_string())
}

fn column(headers: &csv::StringRecord, name: &str, path: &Path) -> Result<usize> {
    headers
        .iter()
        .position(|h| h.trim() == name)
        .ok_or_else(|| Error::Csv {
            path: path.to_path_buf(),
            message: format!("no {name:?} column"),
        })
}

impl PreviousAudit {
    /// Reads a previous audit's output folder.
    ///
    /// # Errors
    /// [`Error::Io`] when `parcels.csv` cannot be read; [`Error::InputTooLarge`] when a table
    /// is larger than 1 GiB (three million parcels or more); [`Error::Csv`] naming the file when
    /// `parcels.csv` holds no parcel, and its line and column when a value is not what this
    /// crate writes, or the text is in neither UTF-8 nor GB18030. Rows of empty cells are
    /// skipped.
    pub fn from_dir(dir: impl AsRef<Path>) -> Result<PreviousAudit> {
        let dir = dir.as_ref();
        let mut previous = PreviousAudit::default();
        previous.read_parcels_csv(&dir.join("parcels.csv"))?;
        let path = dir.join("enterprises.csv");
        if path.exists() {
            previous.read_enterprises_csv(&path)?;
        }
        let path = dir.join("summary.json");
        if path.exists() {
            previous.read_summary(&path)?;
        }
        Ok(previous)
    }

    /// Reads one of the tables, noting it among the files read (and those read as GB18030).
    fn read_table(&mut self, path: &Path) -> Result<Table> {
        let (table, gb18030) = read_csv(path)?;
        self.files.push(path.to_path_buf());
        if gb18030 {
            self.gb18030.push(path.to_path_buf());
        }
        Ok(table)
    }

    /// Reads `parcels.csv`: each parcel's low-efficiency flag, or that it was not judged.
    fn read_parcels_csv(&mut self, path: &Path) -> Result<()> {
        let (headers, rows) = self.read_table(path)?;
        // Every parcel would come out "new": a comparison with nothing.
        if rows.is_empty() {
            return Err(Error::Csv {
                path: path.to_path_buf(),
                message: "holds no parcel (a header and no row): give the output folder of an \
                          earlier audit that evaluated parcels, or leave --previous out"
                    .into(),
            });
        }
        let (id, low) = (
            column(&headers, "parcel_id", path)?,
            column(&headers, "low_efficiency", path)?,
        );
        let incomplete = headers
            .iter()
            .position(|h| h.trim() == "tenants_incomplete");
        if incomplete.is_none() {
            self.notes.push(format!(
                "the previous audit's {} has no tenants_incomplete column (renamed, or written \
                 before there was one): each of its parcels not low-efficiency is taken as \
                 judged then, so one not judged (a firm on it left out) may show as still_ok or \
                 recovered",
                path.display()
            ));
        }
        let per_mu = PerMuColumns::of(&headers, true);
        let mut lines = HashMap::new();
        for (line, row) in &rows {
            let line = *line;
            let flag = flag_cell(row.get(low).unwrap_or(""), "low_efficiency", line, path)?;
            let key = checked_id(row.get(id), line, &mut lines, "parcel_id", path)?;
            let figures = per_mu.read(row, line, path)?;
            self.per_mu.parcels.insert(key.clone(), figures);
            // Written by this crate since unjudged parcels were left out of the ratios; an
            // older parcels.csv has no such column.
            let incomplete = match incomplete.map(|c| row.get(c).unwrap_or("")) {
                None | Some("") => false,
                Some(text) => flag_cell(text, "tenants_incomplete", line, path)?,
            };
            if incomplete && !flag {
                self.unjudged.insert(key);
            } else {
                self.parcels.insert(key, flag);
            }
        }
        Ok(())
    }

    /// Reads `enterprises.csv`: each enterprise's classes, oldest first.
    fn read_enterprises_csv(&mut self, path: &Path) -> Result<()> {
        let (headers, rows) = self.read_table(path)?;
        let id = column(&headers, "enterprise_id", path)?;
        let class = headers.iter().position(|h| h.trim() == "class");
        let history = headers.iter().position(|h| h.trim() == "class_history");
        let per_mu = PerMuColumns::of(&headers, false);
        let mut lines = HashMap::new();
        for (line, row) in &rows {
            let figures = per_mu.read(row, *line, path)?;
            let cells = ClassCells {
                history: history.and_then(|c| row.get(c)),
                class: class.and_then(|c| row.get(c)),
                line: *line,
                path,
            };
            let classes = cells.classes()?;
            let key = checked_id(row.get(id), *line, &mut lines, "enterprise_id", path)?;
            self.per_mu.enterprises.insert(key.clone(), figures);
            self.enterprises.insert(key, classes);
        }
        self.per_mu.indicator_means = indicator_means(&headers, &rows);
        Ok(())
    }

    /// Reads `summary.json`: the year audited and each park's per-mu figures, when it has
    /// them (an older audit's has neither).
    fn read_summary(&mut self, path: &Path) -> Result<()> {
        let bytes = crate::source_text::read_whole(path, MAX_TABLE_BYTES, "a previous summary")?;
        let bad = |message: String| Error::Csv {
            path: path.to_path_buf(),
            message,
        };
        let v: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|e| bad(format!("not the JSON an audit writes: {e}")))?;
        self.year = match &v["year"] {
            serde_json::Value::Null => None,
            y => Some(
                (y.as_i64().and_then(|y| i32::try_from(y).ok()))
                    .ok_or_else(|| bad(format!("year must be a whole number, found {y}")))?,
            ),
        };
        let zone = &v["zone"];
        self.per_mu.zone = [zone["tax_per_mu"].as_f64(), zone["output_per_mu"].as_f64()];
        for park in v["parks"].as_array().into_iter().flatten() {
            let Some(id) = park["park_id"].as_str() else {
                continue;
            };
            let figures = [park["tax_per_mu"].as_f64(), park["output_per_mu"].as_f64()];
            self.per_mu.parks.insert(id.to_string(), figures);
        }
        self.files.push(path.to_path_buf());
        Ok(())
    }
}

/// The mean of each indicator column of `enterprises.csv` per `group`, over the rows with a
/// class (graded) and a number in it. Cells that are not numbers are left out: the class
/// columns are checked, these are only means.
fn indicator_means(
    headers: &csv::StringRecord,
    rows: &[(usize, csv::StringRecord)],
) -> HashMap<(String, String), f64> {
    use serde::Deserialize;
    use serde::de::value::{Error as DeError, StrDeserializer};
    let at = |name: &str| headers.iter().position(|h| h.trim() == name);
    let (Some(group), Some(class)) = (at("group"), at("class")) else {
        return HashMap::new();
    };
    let indicators: Vec<(usize, &str)> = (headers.iter().enumerate())
        .filter(|(_, h)| {
            crate::grade::Indicator::deserialize(StrDeserializer::<DeError>::new(h.trim())).is_ok()
        })
        .map(|(c, h)| (c, h.trim()))
        .collect();
    let mut sums: HashMap<(String, String), (f64, usize)> = HashMap::new();
    for (_, row) in rows {
        let graded = row
            .get(class)
            .is_some_and(|c| !c.trim().is_empty() && c.trim() != "-");
        let Some(g) = row
            .get(group)
            .map(str::trim)
            .filter(|g| graded && !g.is_empty())
        else {
            continue;
        };
        for &(c, name) in &indicators {
            if let Some(v) = row.get(c).and_then(|t| t.trim().parse::<f64>().ok()) {
                let e = sums.entry((g.to_string(), name.to_string())).or_default();
                e.0 += v;
                e.1 += 1;
            }
        }
    }
    (sums.into_iter())
        .map(|(k, (sum, n))| (k, sum / n as f64))
        .collect()
}

/// Where a previous table holds its per-mu figures: `parcels.csv`'s `tax_per_mu` and
/// `output_per_mu`; `enterprises.csv`'s `tax` and `output` over `land_mu` (its `tax_per_mu`
/// column, when there is one, is an indicator's value, empty for a firm not graded).
struct PerMuColumns {
    per_mu: [Option<usize>; 2],
    sums: [Option<usize>; 2],
    land_mu: Option<usize>,
}

impl PerMuColumns {
    fn of(headers: &csv::StringRecord, per_mu_columns: bool) -> Self {
        let at = |name: &str| headers.iter().position(|h| h.trim() == name);
        let per_mu = |name: &str| at(name).filter(|_| per_mu_columns);
        PerMuColumns {
            per_mu: [per_mu("tax_per_mu"), per_mu("output_per_mu")],
            sums: [at("tax"), at("output")],
            land_mu: at("land_mu"),
        }
    }

    /// A row's tax and output per mu; an empty cell is none, a cell that is no number an
    /// error naming its line and column.
    fn read(&self, row: &csv::StringRecord, line: usize, path: &Path) -> Result<[Option<f64>; 2]> {
        let number = |column: Option<usize>, name: &str| -> Result<Option<f64>> {
            let Some(text) = column.and_then(|c| row.get(c)).map(str::trim) else {
                return Ok(None);
            };
            if text.is_empty() {
                return Ok(None);
            }
            match text.parse::<f64>() {
                Ok(v) if v.is_finite() => Ok(Some(v)),
                _ => Err(Error::Csv {
                    path: path.to_path_buf(),
                    message: format!("line {line}: {name} must be a number, found {text:?}"),
                }),
            }
        };
        let land = number(self.land_mu, "land_mu")?.filter(|&l| l > 0.0);
        let mut out = [None; 2];
        for (k, name) in ["tax_per_mu", "output_per_mu"].iter().enumerate() {
            out[k] = match self.per_mu[k] {
                Some(c) => number(Some(c), name)?,
                None => {
                    let sum = number(self.sums[k], &name[..name.len() - 7])?;
                    sum.zip(land).map(|(s, l)| s / l)
                }
            };
        }
        Ok(out)
    }
}

/// A yes/no cell of the column `name` on `line`, as a spreadsheet saves it too: TRUE/FALSE
/// (Excel), 1/0, 是/否.
fn flag_cell(text: &str, name: &str, line: usize, path: &Path) -> Result<bool> {
    crate::read::feature::parse_flag(text).ok_or_else(|| Error::Csv {
        path: path.to_path_buf(),
        message: format!("line {line}: {name} must be true or false, found {text:?}"),
    })
}

/// An `enterprises.csv` row's class cells (`None`: no such column), and where the row is.
struct ClassCells<'a> {
    history: Option<&'a str>,
    class: Option<&'a str>,
    line: usize,
    path: &'a Path,
}

impl ClassCells<'_> {
    /// The enterprise's classes, oldest first: the history, ending with this year's class
    /// (added when the history lacks it; the two must agree when both are given).
    fn classes(&self) -> Result<Vec<Option<Class>>> {
        let mut classes = match self.history {
            Some(text) => parse_history(text).ok_or_else(|| {
                self.bad(
                    "class_history",
                    "classes like \"B;C;D\" (\"-\" for a year not graded)",
                    text,
                )
            })?,
            None => Vec::new(),
        };
        match (classes.last(), self.this_year()?) {
            (None, Some(c)) => classes.push(c),
            // The history ends with the class of the year it was written: one of the two was
            // edited (a class changed on appeal, say), and which holds cannot be told.
            (Some(&last), Some(c)) if last != c => {
                let show = |c: Option<Class>| c.map_or("-", Class::as_str);
                return Err(Error::Csv {
                    path: self.path.to_path_buf(),
                    message: format!(
                        "line {}: class is {:?} but class_history {:?} ends in {:?}: one of \
                         them was edited; make the last entry of class_history the class",
                        self.line,
                        show(c),
                        self.history.unwrap_or(""),
                        show(last)
                    ),
                });
            }
            _ => {}
        }
        Ok(classes)
    }

    /// This year's class: `None` when the cell is absent or empty, `Some(None)` for `-` (not
    /// graded). Checked even when the history gives it: a value this crate does not write
    /// ("E", "D级") is a table edited by hand, not "not graded".
    fn this_year(&self) -> Result<Option<Option<Class>>> {
        Ok(match self.class.map(str::trim) {
            None | Some("") => None,
            Some("-") => Some(None),
            Some(c) => Some(Some(Class::parse(c).ok_or_else(|| {
                self.bad(
                    "class",
                    "A, B, C or D (\"D类\" too), or empty for not graded",
                    c,
                )
            })?)),
        })
    }

    /// The file's error for a cell of `column` that is not `expected`.
    fn bad(&self, column: &str, expected: &str, found: &str) -> Error {
        Error::Csv {
            path: self.path.to_path_buf(),
            message: format!(
                "line {}: {column} must be {expected}, found {found:?}",
                self.line
            ),
        }
    }
}

impl PreviousAudit {
    /// The folder read, for messages: that of its first file (`audit-2023`), or "in memory"
    /// for one built in code.
    pub fn folder(&self) -> String {
        match self.files.first().and_then(|f| f.parent()) {
            Some(d) if d.as_os_str().is_empty() => ".".into(),
            Some(d) => d.display().to_string(),
            None => "in memory".into(),
        }
    }

    /// Whether the tables carry a class for any enterprise: an audit run without
    /// `[evaluation]` writes `enterprises.csv` with the class columns empty.
    pub(crate) fn has_classes(&self) -> bool {
        self.enterprises.values().any(|h| !h.is_empty())
    }

    /// Whether an `enterprises.csv` was read.
    pub(crate) fn read_enterprises(&self) -> bool {
        self.files
            .iter()
            .any(|f| f.file_name() == Some("enterprises.csv".as_ref()))
    }
}

/// Two of `ids` for a message, quoted: the shortest, then the first in text order, so that
/// numeric ids come in numeric order ("123", "124", not "1000", "1001") and a run shows the
/// same ones each time.
pub(crate) fn two_ids<'a>(ids: impl Iterator<Item = &'a str>) -> String {
    let mut first: Vec<&str> = Vec::with_capacity(3);
    for id in ids {
        first.push(id);
        first.sort_by(|a, b| a.len().cmp(&b.len()).then(a.cmp(b)));
        first.truncate(2);
    }
    first
        .iter()
        .map(|id| format!("{id:?}"))
        .collect::<Vec<_>>()
        .join(", ")
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
        // A parcel not judged then is neither low nor not; low on its own figures, it is low.
        let p = read(
            "parcel_id,low_efficiency,tenants_incomplete\nP1,false,true\nP2,true,TRUE\nP3,false,\n",
        )
        .unwrap();
        assert_eq!(p.unjudged.iter().collect::<Vec<_>>(), ["P1"]);
        assert_eq!((p.parcels["P2"], p.parcels["P3"]), (true, false));
        let e = read("parcel_id,low_efficiency,tenants_incomplete\nP1,false,maybe\n").unwrap_err();
        assert!(
            e.ends_with("line 2: tenants_incomplete must be true or false, found \"maybe\""),
            "{e}"
        );
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

    /// A summary or a figure an earlier audit could not have written is refused, naming the
    /// file (and the line of a table).
    #[test]
    fn a_summary_or_figure_that_cannot_be_read_names_its_file() {
        let dir = tempfile::tempdir().unwrap();
        let read = || PreviousAudit::from_dir(dir.path()).map_err(|e| e.to_string());
        let good = "parcel_id,low_efficiency,tax_per_mu,output_per_mu\nP1,true,1.5,2\n";
        std::fs::write(dir.path().join("parcels.csv"), good).unwrap();
        for (summary, expected) in [
            ("{", "not the JSON an audit writes"),
            (
                r#"{"year":"x"}"#,
                "year must be a whole number, found \"x\"",
            ),
        ] {
            std::fs::write(dir.path().join("summary.json"), summary).unwrap();
            let e = read().unwrap_err();
            assert!(e.contains("summary.json: ") && e.contains(expected), "{e}");
        }
        std::fs::write(dir.path().join("summary.json"), r#"{"year":2023}"#).unwrap();
        let bad = "parcel_id,low_efficiency,tax_per_mu,output_per_mu\nP1,true,abc,2\n";
        std::fs::write(dir.path().join("parcels.csv"), bad).unwrap();
        let e = read().unwrap_err();
        assert!(
            e.contains("parcels.csv: ") && e.contains("line 2: tax_per_mu must be a number"),
            "{e}"
        );
    }

    /// Lines as an editor shows them, whatever ends them: Excel saves CRLF, for which the csv
    /// crate's own line is one too low; blank lines and a quoted cell over two lines count.
    #[test]
    fn errors_name_the_line_for_every_line_end() {
        let dir = tempfile::tempdir().unwrap();
        let read = |csv: &[u8]| {
            std::fs::write(dir.path().join("parcels.csv"), csv).unwrap();
            PreviousAudit::from_dir(dir.path()).map_err(|e| e.to_string())
        };
        for end in ["\n", "\r\n", "\r"] {
            let text = [
                "parcel_id,low_efficiency",
                "P1,true",
                "P2,false",
                "P3,maybe",
                "",
            ]
            .join(end);
            let e = read(text.as_bytes()).unwrap_err();
            assert!(e.contains("line 4: low_efficiency"), "{end:?}: {e}");
            // A BOM, a blank line, and a cell over two lines before the bad row.
            let text = format!(
                "\u{feff}parcel_id,low_efficiency{end}{end}\"P\n1\",true{end}P2,maybe{end}"
            );
            let e = read(text.as_bytes()).unwrap_err();
            assert!(e.contains("line 5: low_efficiency"), "{end:?}: {e}");
            let text = format!("parcel_id,low_efficiency{end}P1,true{end}P2{end}");
            let e = read(text.as_bytes()).unwrap_err();
            assert!(
                e.ends_with("line 3: the row has 1 fields, the header has 2"),
                "{end:?}: {e}"
            );
            // Repeated ids name both lines.
            let text = format!("parcel_id,low_efficiency{end}P1,true{end}{end}P1,true{end}");
            let e = read(text.as_bytes()).unwrap_err();
            assert!(
                e.ends_with("line 4: parcel_id \"P1\" is also on line 2"),
                "{end:?}: {e}"
            );
        }
    }

    /// Rows of empty cells, as Excel leaves below a table, are no rows.
    #[test]
    fn rows_of_empty_cells_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("parcels.csv"),
            "parcel_id,low_efficiency\r\nP1,TRUE\r\n,\r\n , \r\n,\r\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("enterprises.csv"),
            "enterprise_id,class,class_history\r\nE1,B,B\r\n,,\r\n",
        )
        .unwrap();
        let p = PreviousAudit::from_dir(dir.path()).unwrap();
        assert_eq!(p.parcels.len(), 1);
        assert_eq!(p.enterprises.len(), 1);
    }

    /// A table saved as GBK (Excel's default in Chinese) is read as GB18030; one in neither
    /// encoding is refused with its file, line and column, and what to do, as the enterprises
    /// reader words it.
    #[test]
    fn a_gbk_table_is_read_and_one_in_no_encoding_says_to_save_it_as_utf8() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("parcels.csv"),
            "parcel_id,low_efficiency\nP1,1\n",
        )
        .unwrap();
        // "ET1,D,中" with 中 in GBK (0xD6 0xD0), as Excel saves it again: read as GB18030.
        let mut gbk = b"enterprise_id,class,name\r\nET0,C,x\r\nET1,D,".to_vec();
        gbk.extend_from_slice(&[0xD6, 0xD0, b'\r', b'\n']);
        std::fs::write(dir.path().join("enterprises.csv"), &gbk).unwrap();
        let p = PreviousAudit::from_dir(dir.path()).unwrap();
        assert_eq!(p.enterprises["ET1"], [Some(Class::D)]);
        assert_eq!(p.gb18030, [dir.path().join("enterprises.csv")]);
        // A UTF-8 table with one stray byte is not taken for GBK: that byte's line.
        let mut stray = "enterprise_id,class,name\nET0,C,甲\nET1,D,乙\nET2,C,Caf"
            .as_bytes()
            .to_vec();
        stray.extend_from_slice(b"\xe9\n");
        std::fs::write(dir.path().join("enterprises.csv"), &stray).unwrap();
        let e = PreviousAudit::from_dir(dir.path()).unwrap_err().to_string();
        assert!(
            e.contains("line 4: column \"name\": not UTF-8, though the file's other text is"),
            "{e}"
        );
        // Not GB18030 either (0xFF is no byte of it): the line and column.
        gbk.extend_from_slice(b"ET2,C,\xFF\r\n");
        std::fs::write(dir.path().join("enterprises.csv"), &gbk).unwrap();
        let e = PreviousAudit::from_dir(dir.path()).unwrap_err().to_string();
        assert!(
            e.contains("enterprises.csv: line 4: column \"name\": text in neither"),
            "{e}"
        );
        assert!(e.ends_with(crate::read::csv::NEITHER_ENCODING), "{e}");
        // In the header too.
        std::fs::write(
            dir.path().join("enterprises.csv"),
            b"enterprise_id,\xC3\xFB\xFF\n",
        )
        .unwrap();
        let e = PreviousAudit::from_dir(dir.path()).unwrap_err().to_string();
        assert!(
            e.contains("line 1: the header row, column 2: text in neither UTF-8 nor GB18030"),
            "{e}"
        );
    }

    /// A class this crate would not write is refused with its line, column and value, as a
    /// bad history is; "D类", as Chinese tables write it, is D in either column.
    #[test]
    fn classes_are_checked_and_read_as_chinese_tables_write_them() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("parcels.csv"),
            "parcel_id,low_efficiency\nP1,1\n",
        )
        .unwrap();
        let read = |csv: &str| {
            std::fs::write(dir.path().join("enterprises.csv"), csv).unwrap();
            PreviousAudit::from_dir(dir.path()).map_err(|e| e.to_string())
        };
        let p = read("enterprise_id,class,class_history\nE1,D类,C类;-;D类\nE2,A类,\nE3,,\nE4,-,\n")
            .unwrap();
        assert_eq!(
            p.enterprises["E1"],
            vec![Some(Class::C), None, Some(Class::D)]
        );
        assert_eq!(p.enterprises["E2"], vec![Some(Class::A)]);
        assert_eq!(p.enterprises["E3"], vec![]);
        assert_eq!(p.enterprises["E4"], vec![None]);
        for (row, found) in [("E1,E,", "\"E\""), ("E1,D级,D", "\"D级\"")] {
            let e = read(&format!(
                "enterprise_id,class,class_history\r\nE0,B,B\r\n{row}\r\n"
            ))
            .unwrap_err();
            assert!(
                e.contains("enterprises.csv: line 3: class must be A, B, C or D"),
                "{e}"
            );
            assert!(e.ends_with(&format!("found {found}")), "{e}");
        }
        let e = read("enterprise_id,class,class_history\nE1,D,C;E类\n").unwrap_err();
        assert!(
            e.contains("line 2: class_history must be classes like \"B;C;D\"")
                && e.ends_with("found \"C;E类\""),
            "{e}"
        );
        // A class changed by hand (on appeal, say) and a history left as written disagree:
        // which holds cannot be told.
        let e = read("enterprise_id,class,class_history\nE0,B,B\nE1,C,B;D\n").unwrap_err();
        assert!(
            e.contains(
                "enterprises.csv: line 3: class is \"C\" but class_history \"B;D\" ends in \"D\""
            ),
            "{e}"
        );
        let e = read("enterprise_id,class,class_history\n9.13301E+17,B,B\n9.13301E+17,C,C\n")
            .unwrap_err();
        assert!(
            e.contains("line 3: enterprise_id \"9.13301E+17\" is also on line 2: Excel shows"),
            "{e}"
        );
        let e = read("enterprise_id,class,class_history\nE1,C,C;-\n").unwrap_err();
        assert!(e.contains("ends in \"-\""), "{e}");
        assert!(read("enterprise_id,class,class_history\nE1,,C;-\nE2,-,D;-\n").is_ok());
    }

    #[test]
    fn histories_round_trip() {
        let h = vec![Some(Class::B), None, Some(Class::D)];
        assert_eq!(format_history(&h), "B;-;D");
        assert_eq!(parse_history("B;-;D"), Some(h));
        assert_eq!(parse_history("B;X"), None);
    }
}
