//! CSV tables, UTF-8 with a byte order mark so that Excel opens Chinese text correctly.
//! Large tables are formatted in parallel chunks.

use std::io::{self, Write};

use crate::error::Warning;
use crate::grade::Indicator;
use crate::read::previous::format_history;
use crate::results::AuditReport;
use crate::rules::Reason;
use crate::schema::{Cell, PARCEL_COLUMNS, PARK_COLUMNS};
use crate::source_text::InputText;

const BOM: &[u8] = &[0xEF, 0xBB, 0xBF];

/// One CSV record being built: fields are quoted only when they must be.
struct Record<'b> {
    out: &'b mut Vec<u8>,
    first: bool,
}

impl<'b> Record<'b> {
    fn new(out: &'b mut Vec<u8>) -> Self {
        Record { out, first: true }
    }

    fn sep(&mut self) {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
    }

    fn text(&mut self, s: &str) -> &mut Self {
        self.sep();
        if s.bytes().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
            self.out.push(b'"');
            for b in s.bytes() {
                if b == b'"' {
                    self.out.push(b'"');
                }
                self.out.push(b);
            }
            self.out.push(b'"');
        } else {
            self.out.extend_from_slice(s.as_bytes());
        }
        self
    }

    fn opt_text(&mut self, s: Option<&str>) -> &mut Self {
        self.text(s.unwrap_or(""))
    }

    fn num(&mut self, v: f64) -> &mut Self {
        self.sep();
        if v.is_finite() {
            // Shortest round-trip digits. zmij writes them twice as fast as ryu, and the
            // same but for the sign of a positive exponent ("1e+17"), dropped here so the
            // tables read as they always have ("1e17").
            let mut b = zmij::Buffer::new();
            let s = b.format_finite(v);
            let s = s.strip_suffix(".0").unwrap_or(s).as_bytes();
            // A '+' can only be the exponent's sign (a byte search: `str::split_once` built
            // a substring searcher per number).
            match s.iter().position(|&b| b == b'+') {
                Some(plus) => {
                    self.out.extend_from_slice(&s[..plus]);
                    self.out.extend_from_slice(&s[plus + 1..]);
                }
                None => self.out.extend_from_slice(s),
            }
        }
        self
    }

    fn opt(&mut self, v: Option<f64>) -> &mut Self {
        match v {
            Some(v) => self.num(v),
            None => self.text(""),
        }
    }

    fn int(&mut self, v: usize) -> &mut Self {
        self.sep();
        // Into the row's buffer, without a String per number.
        let _ = write!(self.out, "{v}");
        self
    }

    fn flag(&mut self, v: bool) -> &mut Self {
        self.text(if v { "true" } else { "false" })
    }

    /// A cell of the schema: lists joined with `;`, yes/no as `true`/`false`, nothing empty.
    fn cell(&mut self, cell: Cell<'_>) -> &mut Self {
        let flag = |b: bool| if b { "true" } else { "false" };
        match cell {
            Cell::Text(s) => self.text(s),
            Cell::OptText(s) => self.opt_text(s),
            Cell::Num(v) => self.num(v),
            Cell::OptNum(v) => self.opt(v),
            Cell::Count(n) => self.int(n),
            Cell::OptCount(Some(n)) => self.int(n),
            Cell::OptCount(None) => self.text(""),
            Cell::Flag(b) => self.flag(b),
            Cell::OptFlag(b) => self.opt_text(b.map(flag)),
            Cell::Reasons(reasons) => {
                let names: Vec<&str> = reasons.iter().map(|r| r.as_str()).collect();
                self.text(&names.join(";"))
            }
            Cell::Names(names) => self.text(&names.join(";")),
            Cell::ByReason(by) => {
                let parts: Vec<String> = (by.iter())
                    .map(|t| format!("{}:{}", t.reason.as_str(), t.count))
                    .collect();
                self.text(&parts.join(";"))
            }
        }
    }

    fn end(&mut self) {
        self.out.extend_from_slice(b"\r\n");
    }
}

fn header(w: &mut dyn Write, names: &[&str]) -> io::Result<()> {
    let mut buf = Vec::from(BOM);
    let mut r = Record::new(&mut buf);
    for n in names {
        r.text(n);
    }
    r.end();
    w.write_all(&buf)
}

/// `parcels.csv`: one row per evaluated parcel, the columns of [`PARCEL_COLUMNS`].
pub(super) fn parcels(report: &AuditReport, w: &mut dyn Write) -> io::Result<()> {
    header(w, &PARCEL_COLUMNS.map(|c| c.name))?;
    super::chunked(w, report.parcel_count(), 4096, &|row, buf| {
        let p = report.parcel(row);
        let mut r = Record::new(buf);
        for c in &PARCEL_COLUMNS {
            r.cell((c.value)(&p));
        }
        r.end();
    })
}

/// `enterprises.csv`: one row per valid enterprise, with its join and, when the evaluation
/// ran, its group, score, rank, class, class history and each indicator's value and points.
pub(super) fn enterprises(
    report: &AuditReport,
    text: Option<&InputText>,
    w: &mut dyn Write,
) -> io::Result<()> {
    let mut indicators: Vec<Indicator> = report
        .enterprises()
        .filter_map(|e| e.evaluation())
        .flat_map(|g| g.indicators.iter().map(|s| s.indicator))
        .collect();
    indicators.sort();
    indicators.dedup();
    let mut names: Vec<String> = [
        "enterprise_id",
        "name",
        "join",
        "parcel_id",
        "candidates",
        "industry",
        "unit",
        "start_year",
        "above_scale",
        "exempt",
        "tax",
        "investment",
        "output",
        "value_added",
        "energy",
        "emissions",
        "rd_spend",
        "electricity",
        "employees",
        "floor_area",
        "land_m2",
        "land_mu",
        "group",
        "ranking_unit",
        "score",
        "rank",
        "group_size",
        "class",
        "class_history",
        "not_graded",
        "base_score",
        "bonus",
        "penalty",
        "adjustments",
        "forced",
        "forced_reason",
        "consecutive_d_years",
        "tax_per_mu_growth",
        "output_per_mu_growth",
        "tax_per_mu_3y",
        "output_per_mu_3y",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for i in &indicators {
        names.push(i.as_str().to_string());
        names.push(format!("{}_score", i.as_str()));
    }
    header(w, &names.iter().map(String::as_str).collect::<Vec<_>>())?;
    let table = &report.enterprise_table;
    super::chunked_ranges(w, report.enterprise_count(), 4096, &|rows, buf| {
        let names = table.names(rows.clone(), text).map_err(io::Error::other)?;
        for row in rows {
            enterprise_row(report, row, names.get(row).as_deref(), &indicators, buf);
        }
        Ok(())
    })
}

fn enterprise_row(
    report: &AuditReport,
    row: usize,
    name: Option<&str>,
    indicators: &[Indicator],
    buf: &mut Vec<u8>,
) {
    let table = &report.enterprise_table;
    let r = report.enterprise(row);
    let g = r.evaluation();
    let [tax, investment, output] = table.money(row);
    let mut rec = Record::new(buf);
    rec.text(r.id())
        .opt_text(name)
        .text(r.join().as_str())
        .opt_text(r.parcel_id())
        .text(&r.candidates().join(";"))
        .opt_text(table.industry.get(row))
        .opt_text(table.unit.get(row))
        .opt(table.start_year.get(row))
        .opt_text(table.above_scale[row].map(|b| if b { "true" } else { "false" }))
        .flag(table.exempt[row])
        .num(tax)
        .num(investment)
        .num(output)
        .opt(table.value_added.get(row))
        .opt(table.energy.get(row))
        .opt(table.emissions.get(row))
        .opt(table.rd_spend.get(row))
        .opt(table.electricity.get(row))
        .opt(table.employees.get(row))
        .opt(table.floor_area.get(row))
        .opt(r.land_m2())
        .opt(r.land_m2().map(crate::units::m2_to_mu))
        .opt_text(g.map(|g| g.group.as_str()))
        .opt_text(g.and_then(|g| g.unit.as_deref()))
        .opt(g.and_then(|g| g.score))
        .opt_text(g.and_then(|g| g.rank).map(|r| r.to_string()).as_deref())
        .opt_text(
            g.filter(|g| g.group_size > 0)
                .map(|g| g.group_size.to_string())
                .as_deref(),
        )
        .opt_text(g.and_then(|g| g.class).map(|c| c.as_str()))
        .text(&if g.is_some() {
            format_history(r.class_history())
        } else {
            String::new()
        })
        .opt_text(g.and_then(|g| g.not_graded.as_deref()));
    adjustment_cells(&mut rec, g);
    let trend = r.trend();
    rec.opt_text(r.consecutive_d_years().map(|n| n.to_string()).as_deref())
        .opt(trend.and_then(|t| t.tax_per_mu_growth))
        .opt(trend.and_then(|t| t.output_per_mu_growth))
        .opt(trend.and_then(|t| t.tax_per_mu_3y))
        .opt(trend.and_then(|t| t.output_per_mu_3y));
    for i in indicators {
        let s = g.and_then(|g| g.indicators.iter().find(|s| s.indicator == *i));
        rec.opt(s.and_then(|s| s.value)).opt(s.map(|s| s.score));
    }
    rec.end();
}

/// The cells of a grade's adjustments: its score before them, its bonus and penalty after
/// the caps (empty when it was not scored), its items, its forced class and the reason.
fn adjustment_cells(rec: &mut Record<'_>, g: Option<&crate::grade::Grade>) {
    let scored = g.filter(|g| g.base_score.is_some());
    let forced = g.and_then(|g| g.forced.as_ref());
    rec.opt(g.and_then(|g| g.base_score))
        .opt(scored.map(|g| g.bonus))
        .opt(scored.map(|g| g.penalty))
        .text(&g.map_or(String::new(), |g| {
            crate::adjust::format_items(&g.adjustments)
        }))
        .opt_text(forced.map(|f| f.action.as_str()))
        .opt_text(forced.map(|f| f.reason.as_str()));
}

/// `rejected.csv`: every record not evaluated.
pub(super) fn rejected(report: &AuditReport, w: &mut dyn Write) -> io::Result<()> {
    header(w, &["layer", "index", "id", "reason", "code", "property"])?;
    let mut buf = Vec::new();
    for r in &report.rejected {
        buf.clear();
        let index = if r.index == usize::MAX {
            String::new()
        } else {
            r.index.to_string()
        };
        let mut rec = Record::new(&mut buf);
        rec.text(r.layer.as_str())
            .text(&index)
            .opt_text(r.id.as_deref())
            .text(&r.reason)
            .text(r.code)
            .opt_text(r.property.as_deref());
        rec.end();
        w.write_all(&buf)?;
    }
    Ok(())
}

/// `warnings.csv`.
pub(super) fn warnings(report: &AuditReport, w: &mut dyn Write) -> io::Result<()> {
    header(w, &["layer", "index", "id", "warning"])?;
    let mut buf = Vec::new();
    for r in &report.warnings {
        buf.clear();
        let mut rec = Record::new(&mut buf);
        rec.text(r.layer.as_str());
        if r.index == Warning::NO_RECORD {
            rec.text("");
        } else {
            rec.int(r.index);
        }
        rec.opt_text(r.id.as_deref()).text(&r.message);
        rec.end();
        w.write_all(&buf)?;
    }
    Ok(())
}

/// `overlaps.csv`: pairs of parcels whose interiors overlap, and stacks of parcels of the very
/// same geometry one row per copy (`stack_size` empty for a pair).
pub(super) fn overlaps(report: &AuditReport, w: &mut dyn Write) -> io::Result<()> {
    header(w, &["parcel_a", "parcel_b", "overlap_m2", "stack_size"])?;
    let mut buf = Vec::new();
    for o in &report.overlaps {
        buf.clear();
        let mut rec = Record::new(&mut buf);
        rec.text(&o.a).text(&o.b).num(o.area_m2);
        match o.stack_size {
            Some(k) => rec.int(k),
            None => rec.text(""),
        };
        rec.end();
        w.write_all(&buf)?;
    }
    Ok(())
}

/// `parks.csv`: one row per park, the columns of [`PARK_COLUMNS`] (parcels by reason as
/// `tax:3;idle:1`), then for each reason of [`Reason::ALL`] its parcels and their area
/// (`count_tax`, `area_mu_tax`, ...), zero for a reason the park does not have.
pub(super) fn parks(report: &AuditReport, w: &mut dyn Write) -> io::Result<()> {
    let mut names: Vec<String> = PARK_COLUMNS.iter().map(|c| c.name.to_string()).collect();
    for r in Reason::ALL {
        names.push(format!("count_{}", r.as_str()));
        names.push(format!("area_mu_{}", r.as_str()));
    }
    header(w, &names.iter().map(String::as_str).collect::<Vec<_>>())?;
    let cap = report.summary.max_low_efficiency_ratio;
    let mut buf = Vec::new();
    for k in &report.parks {
        buf.clear();
        let mut rec = Record::new(&mut buf);
        for c in &PARK_COLUMNS {
            rec.cell((c.value)(k, cap));
        }
        for r in Reason::ALL {
            let t = k.rollup.by_reason.iter().find(|t| t.reason == r);
            rec.int(t.map_or(0, |t| t.count));
            rec.num(t.map_or(0.0, |t| t.area_mu));
        }
        rec.end();
        w.write_all(&buf)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_only_when_needed() {
        let mut buf = Vec::new();
        let mut r = Record::new(&mut buf);
        r.text("a")
            .text("b,c")
            .text("say \"hi\"")
            .num(15.0)
            .num(0.25)
            .opt(None)
            .num(f64::NAN);
        r.end();
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "a,\"b,c\",\"say \"\"hi\"\"\",15,0.25,,\r\n"
        );
    }

    proptest::proptest! {
        /// The tables' numbers read as ryu wrote them before zmij took over: shortest
        /// round-trip digits, "1e17" not "1e+17", whole numbers without ".0".
        #[test]
        fn numbers_are_written_as_ryu_writes_them(
            bits in proptest::prelude::any::<u64>(),
            cents in 0u64..10_000_000_000_000,
            big in 1e15f64..1e300,
        ) {
            for v in [f64::from_bits(bits), cents as f64 / 100.0, big, -big, 1.0 / big] {
                if !v.is_finite() {
                    continue;
                }
                let mut buf = Vec::new();
                Record::new(&mut buf).num(v);
                let mut b = ryu::Buffer::new();
                let want = b.format_finite(v);
                let want = want.strip_suffix(".0").unwrap_or(want);
                proptest::prop_assert_eq!(String::from_utf8(buf).unwrap(), want);
            }
        }
    }
}
