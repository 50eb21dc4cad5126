//! The evaluation's adjustments table (`[evaluation] adjustments`): bonus and penalty items
//! (加分/减分) and forced classes, one per row.
//!
//! A CSV (UTF-8, or GB18030 as Excel saves it on Chinese Windows) with the columns
//! `enterprise_id`, `item`, and `points` and/or `action`, `note` optional. A row gives either
//! points (a bonus > 0, a penalty < 0) or an action ([`Action::parse`]), not both: the item
//! names what the points are for, or why the class is forced. A row that cannot be read is
//! rejected (layer `adjustments`) with its line and column; the others are kept.

use std::path::Path;
use std::sync::Arc;

use super::previous::read_table;
use crate::adjust::{Action, Adjustment, AdjustmentTable, FirmAdjustments, Forced};
use crate::error::{Error, FeatureContext, Layer, Rejection, Result};

/// What the adjustments table holds, with the rows it rejected.
#[derive(Debug, Clone, Default)]
pub struct AdjustmentsRead {
    /// The rows read, per firm.
    pub table: AdjustmentTable,
    /// The rows that could not be read, each with its line and column.
    pub rejected: Vec<Rejection>,
    /// True when the file was read as GB18030 (GBK), not being UTF-8.
    pub gb18030: bool,
}

/// One row's cells, found by the header's names.
struct Columns {
    id: usize,
    item: usize,
    points: Option<usize>,
    action: Option<usize>,
    note: Option<usize>,
}

/// Reads the adjustments table at `path`.
///
/// # Errors
/// [`Error::Io`] when the file cannot be read; [`Error::Csv`] naming the line when a row has
/// another number of fields than the header, holds bytes of neither UTF-8 nor GB18030, or the
/// header lacks `enterprise_id`, `item`, or both `points` and `action`.
pub fn read_adjustments(path: impl AsRef<Path>) -> Result<AdjustmentsRead> {
    let path = path.as_ref();
    let ((headers, rows), gb18030) = read_table(path, "an adjustments table")?;
    let find = |name: &str| headers.iter().position(|h| h.trim() == name);
    let missing = |what: &str| Error::Csv {
        path: path.to_path_buf(),
        message: format!(
            "the header has no {what} column (columns: {}): an adjustments table has \
             enterprise_id, item, points and/or action, and note",
            headers.iter().collect::<Vec<_>>().join(", ")
        ),
    };
    let columns = Columns {
        id: find("enterprise_id").ok_or_else(|| missing("enterprise_id"))?,
        item: find("item").ok_or_else(|| missing("item"))?,
        points: find("points"),
        action: find("action"),
        note: find("note"),
    };
    if columns.points.is_none() && columns.action.is_none() {
        return Err(missing("points or action"));
    }
    let file = Arc::new(path.to_path_buf());
    let mut out = AdjustmentsRead {
        table: AdjustmentTable {
            file: path.to_path_buf(),
            ..AdjustmentTable::default()
        },
        gb18030,
        ..AdjustmentsRead::default()
    };
    for (index, (line, row)) in rows.iter().enumerate() {
        let ctx = FeatureContext {
            line: u32::try_from(*line)
                .ok()
                .and_then(std::num::NonZeroU32::new),
            ..FeatureContext::new(file.clone(), Layer::Adjustments, index)
        };
        if let Err(e) = read_row(row, *line, &columns, ctx, &mut out.table) {
            out.rejected.push(Rejection::from_error(&e));
        }
    }
    Ok(out)
}

/// Reads one data row on `line` into `table`.
fn read_row(
    row: &csv::StringRecord,
    line: usize,
    columns: &Columns,
    mut ctx: FeatureContext,
    table: &mut AdjustmentTable,
) -> Result<()> {
    let cell = |at: Option<usize>| at.and_then(|i| row.get(i)).map(str::trim).unwrap_or("");
    let id = cell(Some(columns.id));
    let bad =
        |ctx: &FeatureContext, property: &str, expected: &str, found: &str| Error::InvalidValue {
            ctx: ctx.clone(),
            property: property.into(),
            expected: expected.into(),
            found: format!("{found:?}"),
        };
    if id.is_empty() {
        return Err(bad(&ctx, "enterprise_id", "an enterprise id", id));
    }
    ctx.id = Some(id.to_string());
    let item = cell(Some(columns.item));
    if item.is_empty() {
        return Err(bad(&ctx, "item", "what the row is for", item));
    }
    let (points, action) = (cell(columns.points), cell(columns.action));
    let note = Some(cell(columns.note)).filter(|n| !n.is_empty());
    match (points.is_empty(), action.is_empty()) {
        (false, false) | (true, true) => Err(bad(
            &ctx,
            if points.is_empty() {
                "points"
            } else {
                "action"
            },
            "points or an action (one of them)",
            if points.is_empty() { points } else { action },
        )),
        (false, true) => {
            let points = points
                .parse::<f64>()
                .ok()
                .filter(|p| p.is_finite())
                .ok_or_else(|| bad(&ctx, "points", "a number (< 0 for a penalty)", points))?;
            firm(table, id).items.push(Adjustment {
                item: item.to_string(),
                points,
                note: note.map(str::to_string),
                line,
            });
            Ok(())
        }
        (true, false) => {
            let expected = format!(
                "one of {} (or 免评, 暂缓, 不评价, T类, 一票否决, 直接评为A类, 按B类管理)",
                Action::ALL.map(Action::as_str).join(", ")
            );
            let action =
                Action::parse(action).ok_or_else(|| bad(&ctx, "action", &expected, action))?;
            add_forced(firm(table, id), action, item, note, line, &ctx)
        }
    }
}

/// What `table` holds of firm `id`, made empty when it holds nothing yet.
fn firm<'t>(table: &'t mut AdjustmentTable, id: &str) -> &'t mut FirmAdjustments {
    table.firms.entry(id.to_string()).or_default()
}

/// Sets a firm's forced class; a second one is an error naming the first's line.
fn add_forced(
    firm: &mut FirmAdjustments,
    action: Action,
    item: &str,
    note: Option<&str>,
    line: usize,
    ctx: &FeatureContext,
) -> Result<()> {
    if let Some(first) = &firm.forced {
        return Err(Error::InvalidValue {
            ctx: ctx.clone(),
            property: "action".into(),
            expected: format!(
                "one forced class per firm (line {} gave {})",
                first.line,
                first.action.as_str()
            ),
            found: action.as_str().into(),
        });
    }
    firm.forced = Some(Forced {
        action,
        reason: match note {
            Some(n) => format!("{item} ({n})"),
            None => item.to_string(),
        },
        line,
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &[u8]) -> Result<AdjustmentsRead> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, text).unwrap();
        read_adjustments(&path)
    }

    /// A table Excel saved as GBK is read as GB18030, and says so.
    #[test]
    fn a_gbk_table_is_read() {
        let (bytes, _, _) =
            encoding_rs::GBK.encode("enterprise_id,item,points\nE1,高新技术企业,5\n");
        let r = read(&bytes).unwrap();
        assert!(r.gb18030);
        assert_eq!(r.table.firms["E1"].items[0].item, "高新技术企业");
    }

    /// A header without the columns the table needs is an error naming them.
    #[test]
    fn a_header_without_points_or_action_is_refused() {
        let e = read(b"enterprise_id,item,note\nE1,x,y\n").unwrap_err();
        assert!(e.to_string().contains("no points or action column"), "{e}");
        let e = read(b"id,item,points\nE1,x,1\n").unwrap_err();
        assert!(e.to_string().contains("no enterprise_id column"), "{e}");
    }

    /// A second forced class for a firm is rejected, naming the first's line; an unknown
    /// action lists the known ones.
    #[test]
    fn one_forced_class_per_firm() {
        let r = read(b"enterprise_id,item,action\nE1,a,veto\nE1,b,straight_a\nE2,c,D\n").unwrap();
        assert_eq!(
            r.table.firms["E1"].forced.as_ref().unwrap().action,
            Action::Veto
        );
        assert_eq!(r.rejected.len(), 2);
        assert!(
            r.rejected[0].reason.contains("line 2 gave veto"),
            "{}",
            r.rejected[0].reason
        );
        assert!(r.rejected[1].reason.starts_with("line 4:"));
        assert!(r.rejected[1].reason.contains("managed_as_b"));
        assert_eq!(r.rejected[1].id.as_deref(), Some("E2"));
    }
}
