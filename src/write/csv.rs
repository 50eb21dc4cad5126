//! CSV tables, UTF-8 with a byte order mark so that Excel opens Chinese text correctly.

use std::io::{self, Write};

use crate::audit::AuditReport;
use crate::evaluate::Indicator;
use crate::previous::format_history;

const BOM: &[u8] = &[0xEF, 0xBB, 0xBF];

fn writer(w: &mut dyn Write) -> io::Result<csv::Writer<&mut dyn Write>> {
    w.write_all(BOM)?;
    Ok(csv::Writer::from_writer(w))
}

fn num(v: f64) -> String {
    if v.is_finite() {
        v.to_string()
    } else {
        String::new()
    }
}

fn opt(v: Option<f64>) -> String {
    v.map(num).unwrap_or_default()
}

fn text(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("")
}

fn flag(v: bool) -> &'static str {
    if v { "true" } else { "false" }
}

fn csv_err(e: csv::Error) -> io::Error {
    io::Error::other(e)
}

/// `parcels.csv`: one row per evaluated parcel.
pub(super) fn parcels(report: &AuditReport, w: &mut dyn Write) -> io::Result<()> {
    let mut c = writer(w)?;
    c.write_record([
        "parcel_id",
        "park_id",
        "industry",
        "land_use",
        "status",
        "area_m2",
        "area_mu",
        "area_method",
        "enterprise_count",
        "tax",
        "investment",
        "output",
        "floor_area",
        "tax_per_mu",
        "investment_per_mu",
        "output_per_mu",
        "plot_ratio",
        "idle",
        "low_efficiency",
        "reasons",
        "min_investment_per_mu",
        "min_tax_per_mu",
        "min_output_per_mu",
        "min_plot_ratio",
        "rules",
        "class",
        "previous_low_efficiency",
        "change",
    ])
    .map_err(csv_err)?;
    for p in &report.parcels {
        let reasons: Vec<&str> = p.reasons.iter().map(|r| r.as_str()).collect();
        c.write_record([
            p.parcel_id.as_str(),
            text(&p.park_id),
            text(&p.industry),
            text(&p.land_use),
            p.status.as_str(),
            &num(p.area_m2),
            &num(p.area_mu),
            p.area_method.as_str(),
            &p.enterprise_count.to_string(),
            &num(p.tax),
            &num(p.investment),
            &num(p.output),
            &opt(p.floor_area),
            &num(p.tax_per_mu),
            &num(p.investment_per_mu),
            &num(p.output_per_mu),
            &opt(p.plot_ratio),
            flag(p.idle),
            flag(p.low_efficiency),
            &reasons.join(";"),
            &num(p.thresholds.min_investment_per_mu),
            &num(p.thresholds.min_tax_per_mu),
            &num(p.thresholds.min_output_per_mu),
            &num(p.thresholds.min_plot_ratio),
            &p.rules.join(";"),
            p.class.map_or("", |c| c.as_str()),
            p.previous_low_efficiency.map_or("", flag),
            p.change.map_or("", |c| c.as_str()),
        ])
        .map_err(csv_err)?;
    }
    c.flush()
}

/// `enterprises.csv`: one row per valid enterprise, with its join and, when the evaluation
/// ran, its group, score, rank, class, class history and each indicator's value and points.
pub(super) fn enterprises(report: &AuditReport, w: &mut dyn Write) -> io::Result<()> {
    let mut indicators: Vec<Indicator> = report
        .enterprises
        .iter()
        .filter_map(|e| e.evaluation.as_ref())
        .flat_map(|g| g.indicators.iter().map(|s| s.indicator))
        .collect();
    indicators.sort();
    indicators.dedup();
    let mut c = writer(w)?;
    let mut header: Vec<String> = [
        "enterprise_id",
        "name",
        "join",
        "parcel_id",
        "candidates",
        "industry",
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
        "score",
        "rank",
        "group_size",
        "class",
        "class_history",
        "not_graded",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for i in &indicators {
        header.push(i.as_str().to_string());
        header.push(format!("{}_score", i.as_str()));
    }
    c.write_record(&header).map_err(csv_err)?;
    for r in &report.enterprises {
        let e = &r.enterprise;
        let g = r.evaluation.as_ref();
        let mut row: Vec<String> = vec![
            e.id.clone(),
            text(&e.name).to_string(),
            r.join.as_str().to_string(),
            text(&r.parcel_id).to_string(),
            r.candidates.join(";"),
            text(&e.industry).to_string(),
            e.above_scale.map_or("", flag).to_string(),
            flag(e.exempt).to_string(),
            num(e.tax),
            num(e.investment),
            num(e.output),
            opt(e.value_added),
            opt(e.energy_tce),
            opt(e.emissions_t),
            opt(e.rd_spend),
            opt(e.electricity_10k_kwh),
            opt(e.employees),
            opt(e.floor_area_m2),
            opt(r.land_m2),
            opt(r.land_m2.map(crate::units::m2_to_mu)),
            g.map_or("", |g| g.group.as_str()).to_string(),
            opt(g.and_then(|g| g.score)),
            g.and_then(|g| g.rank)
                .map_or(String::new(), |r| r.to_string()),
            g.map_or(String::new(), |g| {
                if g.group_size > 0 {
                    g.group_size.to_string()
                } else {
                    String::new()
                }
            }),
            g.and_then(|g| g.class)
                .map_or("", |c| c.as_str())
                .to_string(),
            if g.is_some() {
                format_history(&r.class_history)
            } else {
                String::new()
            },
            g.and_then(|g| g.not_graded.clone()).unwrap_or_default(),
        ];
        for i in &indicators {
            let s = g.and_then(|g| g.indicators.iter().find(|s| s.indicator == *i));
            row.push(opt(s.and_then(|s| s.value)));
            row.push(opt(s.map(|s| s.score)));
        }
        c.write_record(&row).map_err(csv_err)?;
    }
    c.flush()
}

/// `rejected.csv`: every record not evaluated.
pub(super) fn rejected(report: &AuditReport, w: &mut dyn Write) -> io::Result<()> {
    let mut c = writer(w)?;
    c.write_record(["layer", "index", "id", "reason", "code", "property"])
        .map_err(csv_err)?;
    for r in &report.rejected {
        let index = if r.index == usize::MAX {
            String::new()
        } else {
            r.index.to_string()
        };
        c.write_record([
            r.layer.as_str(),
            &index,
            text(&r.id),
            &r.reason,
            r.code,
            text(&r.property),
        ])
        .map_err(csv_err)?;
    }
    c.flush()
}

/// `warnings.csv`.
pub(super) fn warnings(report: &AuditReport, w: &mut dyn Write) -> io::Result<()> {
    let mut c = writer(w)?;
    c.write_record(["layer", "index", "id", "warning"])
        .map_err(csv_err)?;
    for r in &report.warnings {
        c.write_record([
            r.layer.as_str(),
            &r.index.to_string(),
            text(&r.id),
            &r.message,
        ])
        .map_err(csv_err)?;
    }
    c.flush()
}

/// `overlaps.csv`: pairs of parcels whose interiors overlap.
pub(super) fn overlaps(report: &AuditReport, w: &mut dyn Write) -> io::Result<()> {
    let mut c = writer(w)?;
    c.write_record(["parcel_a", "parcel_b", "overlap_m2"])
        .map_err(csv_err)?;
    for o in &report.overlaps {
        c.write_record([o.a.as_str(), o.b.as_str(), &num(o.area_m2)])
            .map_err(csv_err)?;
    }
    c.flush()
}
