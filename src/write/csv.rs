//! CSV tables, UTF-8 with a byte order mark so that Excel opens Chinese text correctly.

use std::io::{self, Write};

use crate::audit::AuditReport;

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
        ])
        .map_err(csv_err)?;
    }
    c.flush()
}

/// `enterprises.csv`: one row per valid enterprise, with its join (and grade when evaluated).
pub(super) fn enterprises(report: &AuditReport, w: &mut dyn Write) -> io::Result<()> {
    let mut c = writer(w)?;
    c.write_record([
        "enterprise_id",
        "name",
        "join",
        "parcel_id",
        "candidates",
        "industry",
        "above_scale",
        "tax",
        "investment",
        "output",
        "value_added",
        "energy",
        "emissions",
        "rd_spend",
        "employees",
        "floor_area",
        "land_m2",
        "land_mu",
        "score",
    ])
    .map_err(csv_err)?;
    for r in &report.enterprises {
        let e = &r.enterprise;
        c.write_record([
            e.id.as_str(),
            text(&e.name),
            r.join.as_str(),
            text(&r.parcel_id),
            &r.candidates.join(";"),
            text(&e.industry),
            e.above_scale.map_or("", flag),
            &num(e.tax),
            &num(e.investment),
            &num(e.output),
            &opt(e.value_added),
            &opt(e.energy_tce),
            &opt(e.emissions_t),
            &opt(e.rd_spend),
            &opt(e.employees),
            &opt(e.floor_area_m2),
            &opt(r.land_m2),
            &opt(r.land_m2.map(crate::units::m2_to_mu)),
            &opt(r.evaluation.as_ref().and_then(|g| g.score)),
        ])
        .map_err(csv_err)?;
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
