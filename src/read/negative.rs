//! The negative-list table (`[low_efficiency] negative_list`): flags (淘汰类 industry, work-safety
//! or environmental orders) on parcels or firms, one per row.
//!
//! A CSV (UTF-8, or GB18030 as Excel saves it on Chinese Windows) with a `flag` column, a
//! `parcel_id` and/or an `enterprise_id` column (each row fills exactly one of them), and an
//! optional `note`. A firm's flag applies to every parcel it is a tenant of. A row that cannot
//! be read is rejected (layer `negative_list`) with its line and column; the others are kept.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::previous::read_table;
use crate::error::{Error, FeatureContext, Layer, Rejection, Result};
use crate::parcel::NegativeFlag;

/// What a row of the table flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Listed {
    /// A parcel, by its id.
    Parcel(String),
    /// A firm, by its id: every parcel it is a tenant of.
    Enterprise(String),
}

/// One row of the negative-list table.
#[derive(Debug, Clone, PartialEq)]
pub struct NegativeRow {
    /// The parcel or firm flagged.
    pub target: Listed,
    /// The flag.
    pub flag: NegativeFlag,
    /// The note, if any.
    pub note: Option<String>,
    /// The row's line in the file, counted from 1 (the header is line 1).
    pub line: usize,
}

/// What the negative-list table holds, with the rows it rejected.
#[derive(Debug, Clone, Default)]
pub struct NegativeListRead {
    /// The file read.
    pub file: PathBuf,
    /// The rows read, in file order.
    pub rows: Vec<NegativeRow>,
    /// The rows that could not be read, each with its line and column.
    pub rejected: Vec<Rejection>,
    /// True when the file was read as GB18030 (GBK), not being UTF-8.
    pub gb18030: bool,
}

/// Reads the negative-list table at `path`.
///
/// # Errors
/// [`Error::Io`] when the file cannot be read; [`Error::Csv`] naming the line when a row has
/// another number of fields than the header, or the header has no `flag` column or neither
/// `parcel_id` nor `enterprise_id`.
pub fn read_negative_list(path: impl AsRef<Path>) -> Result<NegativeListRead> {
    let path = path.as_ref();
    let ((headers, rows), gb18030) = read_table(path, "a negative-list table")?;
    let find = |name: &str| headers.iter().position(|h| h.trim() == name);
    let missing = |what: &str| Error::Csv {
        path: path.to_path_buf(),
        message: format!(
            "the header has no {what} column (columns: {}): a negative-list table has \
             parcel_id and/or enterprise_id, flag, and note",
            headers.iter().collect::<Vec<_>>().join(", ")
        ),
    };
    let flag = find("flag").ok_or_else(|| missing("flag"))?;
    let (parcel, firm) = (find("parcel_id"), find("enterprise_id"));
    if parcel.is_none() && firm.is_none() {
        return Err(missing("parcel_id or enterprise_id"));
    }
    let note = find("note");
    let file = Arc::new(path.to_path_buf());
    let mut out = NegativeListRead {
        file: path.to_path_buf(),
        gb18030,
        ..NegativeListRead::default()
    };
    for (index, (line, row)) in rows.iter().enumerate() {
        let cell = |at: Option<usize>| at.and_then(|i| row.get(i)).map(str::trim).unwrap_or("");
        let mut ctx = FeatureContext {
            line: u32::try_from(*line)
                .ok()
                .and_then(std::num::NonZeroU32::new),
            ..FeatureContext::new(file.clone(), Layer::NegativeList, index)
        };
        let bad = |ctx: &FeatureContext, property: &str, expected: &str, found: &str| {
            Rejection::from_error(&Error::InvalidValue {
                ctx: ctx.clone(),
                property: property.into(),
                expected: expected.into(),
                found: format!("{found:?}"),
            })
        };
        let target = match (cell(parcel), cell(firm)) {
            (p, "") if !p.is_empty() => Listed::Parcel(p.to_string()),
            ("", e) if !e.is_empty() => Listed::Enterprise(e.to_string()),
            (p, _) => {
                let column = if parcel.is_some() {
                    "parcel_id"
                } else {
                    "enterprise_id"
                };
                let expected = "a parcel id or an enterprise id (one of them)";
                out.rejected.push(bad(&ctx, column, expected, p));
                continue;
            }
        };
        ctx.id = Some(match &target {
            Listed::Parcel(id) | Listed::Enterprise(id) => id.clone(),
        });
        let written = cell(Some(flag));
        let Some(flag) = NegativeFlag::parse(written) else {
            let expected = "eliminated_industry, safety_order or environment_order \
                            (淘汰类, 安全, 环保)";
            out.rejected.push(bad(&ctx, "flag", expected, written));
            continue;
        };
        out.rows.push(NegativeRow {
            target,
            flag,
            note: Some(cell(note))
                .filter(|n| !n.is_empty())
                .map(str::to_string),
            line: *line,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &[u8]) -> Result<NegativeListRead> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, text).unwrap();
        read_negative_list(&path)
    }

    #[test]
    fn rows_by_parcel_or_firm_and_rejections_with_their_line() {
        let (bytes, _, _) = encoding_rs::GBK.encode(
            "parcel_id,enterprise_id,flag,note\nP1,,淘汰类,落后产能\n,E2,safety_order,\nP3,E3,环保,\nP4,,限制类,\n",
        );
        let r = read(&bytes).unwrap();
        assert!(r.gb18030);
        assert_eq!(
            r.rows,
            vec![
                NegativeRow {
                    target: Listed::Parcel("P1".into()),
                    flag: NegativeFlag::EliminatedIndustry,
                    note: Some("落后产能".into()),
                    line: 2,
                },
                NegativeRow {
                    target: Listed::Enterprise("E2".into()),
                    flag: NegativeFlag::SafetyOrder,
                    note: None,
                    line: 3,
                },
            ]
        );
        assert_eq!(r.rejected.len(), 2);
        assert!(
            r.rejected[0].reason.starts_with("line 4:"),
            "{}",
            r.rejected[0].reason
        );
        assert_eq!(r.rejected[0].property.as_deref(), Some("parcel_id"));
        assert_eq!(r.rejected[1].property.as_deref(), Some("flag"));
        assert_eq!(r.rejected[1].id.as_deref(), Some("P4"));
        assert_eq!(r.rejected[1].layer, Layer::NegativeList);
    }

    #[test]
    fn a_header_without_its_columns_is_refused() {
        let e = read(b"parcel_id,note\nP1,x\n").unwrap_err();
        assert!(e.to_string().contains("no flag column"), "{e}");
        let e = read(b"id,flag\nP1,safety\n").unwrap_err();
        assert!(
            e.to_string()
                .contains("no parcel_id or enterprise_id column"),
            "{e}"
        );
    }
}
