//! The column schemas of the parcel and park tables. `parcels.csv`, the properties of
//! `parcels.geojson`, the report's worst-parcels table and the serde form of a parcel all take
//! their columns, in order, from [`PARCEL_COLUMNS`]: a new column is one entry here. The
//! properties of `parks.geojson` and the parks of `summary.json` take theirs from
//! [`PARK_COLUMNS`]. Each writer
//! formats a [`Cell`] its own way (CSV strips a zero fraction, GeoJSON writes `null`, the page
//! rounds for people).

use std::borrow::Cow;

use serde::Serialize;
use serde::ser::{SerializeSeq, SerializeStruct};

use crate::parks::ParkResult;
use crate::results::{AuditReport, GeoJsonShape, ParcelResult};
use crate::rollup::ReasonTally;
use crate::rules::Reasons;

/// What a column holds for one row, typed so that each format can write it its own way.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell<'a> {
    /// Text.
    Text(&'a str),
    /// Text, or nothing.
    OptText(Option<&'a str>),
    /// A figure, in the unit its column's name or doc says.
    Num(f64),
    /// A figure, or nothing (not computable).
    OptNum(Option<f64>),
    /// A count.
    Count(usize),
    /// A count or a rank, or nothing.
    OptCount(Option<usize>),
    /// Yes or no.
    Flag(bool),
    /// Yes, no, or not known.
    OptFlag(Option<bool>),
    /// Reasons for low efficiency (a list).
    Reasons(Reasons),
    /// Names (a list).
    Names(Cow<'a, [String]>),
    /// Parcels and their area by reason (a park's roll-up).
    ByReason(&'a [ReasonTally]),
}

/// Where a column appears in `parcels.geojson`'s properties.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum InGeoJson {
    /// Not there: the input's own property of that name is kept as it was read.
    No,
    /// In every feature.
    Always,
    /// In an audit that graded enterprises, on the parcels that have a value.
    Graded,
    /// In an audit compared with a previous one, on the parcels that have a change.
    Compared,
}

impl InGeoJson {
    /// Whether a parcel's feature has the column: `graded` when the audit graded enterprises
    /// and this parcel has a class (or, for the list of the audit's properties, when it graded
    /// at all), `compared` likewise for a change since the previous audit.
    pub(crate) fn shown(self, graded: bool, compared: bool) -> bool {
        match self {
            InGeoJson::No => false,
            InGeoJson::Always => true,
            InGeoJson::Graded => graded,
            InGeoJson::Compared => compared,
        }
    }
}

/// One column of the parcel table (`parcels.csv` has every one).
pub(crate) struct Column {
    /// Its name: the CSV header, the GeoJSON property, the serde field.
    pub(crate) name: &'static str,
    /// Where `parcels.geojson` has it.
    pub(crate) geojson: InGeoJson,
    /// Its value for a parcel.
    pub(crate) value: for<'a> fn(&ParcelResult<'a>) -> Cell<'a>,
}

use InGeoJson::{Always, Compared, Graded, No};

const fn column(
    name: &'static str,
    geojson: InGeoJson,
    value: for<'a> fn(&ParcelResult<'a>) -> Cell<'a>,
) -> Column {
    Column {
        name,
        geojson,
        value,
    }
}

/// The parcel table, in the order every format writes it. Money in 万元, areas in m² or mu,
/// intensities in 万元/亩 (the names say which).
pub(crate) const PARCEL_COLUMNS: [Column; 36] = [
    column("parcel_id", Always, |p| Cell::Text(p.parcel_id())),
    column("park_id", Always, |p| Cell::OptText(p.park_id())),
    column("industry", No, |p| Cell::OptText(p.industry())),
    column("land_use", No, |p| Cell::OptText(p.land_use())),
    column("status", No, |p| Cell::Text(p.status().as_str())),
    column("area_m2", Always, |p| Cell::Num(p.area_m2())),
    column("area_mu", Always, |p| Cell::Num(p.area_mu())),
    column("area_method", Always, |p| {
        Cell::Text(p.area_method().as_str())
    }),
    column("enterprise_count", Always, |p| {
        Cell::Count(p.enterprise_count())
    }),
    column("tax", Always, |p| Cell::Num(p.tax())),
    column("investment", Always, |p| Cell::Num(p.investment())),
    column("output", Always, |p| Cell::Num(p.output())),
    column("floor_area", Always, |p| Cell::OptNum(p.floor_area())),
    column("tax_per_mu", Always, |p| Cell::Num(p.tax_per_mu())),
    column("investment_per_mu", Always, |p| {
        Cell::Num(p.investment_per_mu())
    }),
    column("output_per_mu", Always, |p| Cell::Num(p.output_per_mu())),
    column("plot_ratio", Always, |p| Cell::OptNum(p.plot_ratio())),
    column("idle", Always, |p| Cell::Flag(p.idle())),
    column("low_efficiency", Always, |p| Cell::Flag(p.low_efficiency())),
    column("tenants_incomplete", Always, |p| {
        Cell::Flag(p.tenants_incomplete())
    }),
    column("reasons", Always, |p| Cell::Reasons(p.reasons())),
    column("min_investment_per_mu", No, |p| {
        Cell::Num(p.thresholds().min_investment_per_mu)
    }),
    column("min_tax_per_mu", No, |p| {
        Cell::Num(p.thresholds().min_tax_per_mu)
    }),
    column("min_output_per_mu", No, |p| {
        Cell::Num(p.thresholds().min_output_per_mu)
    }),
    column("min_plot_ratio", No, |p| {
        Cell::Num(p.thresholds().min_plot_ratio)
    }),
    column("rules", Always, |p| Cell::Names(p.rule_texts())),
    column("class", Graded, |p| {
        Cell::OptText(p.class().map(|c| c.as_str()))
    }),
    column("class_forced", Graded, |p| {
        Cell::OptText(forced(p).map(|f| f.action.as_str()))
    }),
    column("class_reason", Graded, |p| {
        Cell::OptText(forced(p).map(|f| f.reason.as_str()))
    }),
    column("class_adjustment", Graded, |p| {
        Cell::OptNum(
            p.class_grade()
                .filter(|g| !g.adjustments.is_empty())
                .map(|g| g.bonus - g.penalty),
        )
    }),
    column("previous_low_efficiency", Compared, |p| {
        Cell::OptFlag(p.previous_low_efficiency())
    }),
    column("change", Compared, |p| {
        Cell::OptText(p.change().map(|c| c.as_str()))
    }),
    // Several years (years.rs): empty without a previous audit.
    column("tax_per_mu_growth", Compared, |p| {
        Cell::OptNum(p.trend().and_then(|t| t.tax_per_mu_growth))
    }),
    column("output_per_mu_growth", Compared, |p| {
        Cell::OptNum(p.trend().and_then(|t| t.output_per_mu_growth))
    }),
    column("tax_per_mu_3y", Compared, |p| {
        Cell::OptNum(p.trend().and_then(|t| t.tax_per_mu_3y))
    }),
    column("output_per_mu_3y", Compared, |p| {
        Cell::OptNum(p.trend().and_then(|t| t.output_per_mu_3y))
    }),
];

/// The forced class of a parcel's main tenant, if its class was forced.
fn forced<'a>(p: &ParcelResult<'a>) -> Option<&'a crate::adjust::Forced> {
    p.class_grade().and_then(|g| g.forced.as_ref())
}

/// One column of the park table: the properties of `parks.geojson` and, those marked
/// `summary`, each park of `summary.json` and of a serialised report.
pub(crate) struct ParkColumn {
    /// Its name.
    pub(crate) name: &'static str,
    /// Whether `summary.json` has it (the cap is written once there, not per park).
    pub(crate) summary: bool,
    /// Its value for a park under the cap `max_low_efficiency_ratio` (a fraction).
    pub(crate) value: for<'a> fn(&'a ParkResult, f64) -> Cell<'a>,
}

const fn park(
    name: &'static str,
    summary: bool,
    value: for<'a> fn(&'a ParkResult, f64) -> Cell<'a>,
) -> ParkColumn {
    ParkColumn {
        name,
        summary,
        value,
    }
}

/// The park table, in the order every format writes it. Areas in mu, ratios as fractions.
pub(crate) const PARK_COLUMNS: [ParkColumn; 30] = [
    park("park_id", true, |k, _| Cell::Text(&k.park_id)),
    park("name", true, |k, _| Cell::OptText(k.name.as_deref())),
    park("parcel_count", true, |k, _| Cell::Count(k.parcel_count)),
    park("area_mu", true, |k, _| Cell::Num(k.area_mu)),
    park("low_efficiency_area_mu", true, |k, _| {
        Cell::Num(k.low_efficiency_area_mu)
    }),
    park("low_efficiency_count", true, |k, _| {
        Cell::Count(k.low_efficiency_count)
    }),
    park("unjudged_count", true, |k, _| Cell::Count(k.unjudged_count)),
    park("unjudged_area_mu", true, |k, _| {
        Cell::Num(k.unjudged_area_mu)
    }),
    park("low_efficiency_ratio", true, |k, _| {
        Cell::OptNum(k.low_efficiency_ratio)
    }),
    park("low_efficiency_count_share", true, |k, _| {
        Cell::OptNum(k.low_efficiency_count_share)
    }),
    park("idle_count", true, |k, _| Cell::Count(k.idle_count)),
    park("max_low_efficiency_ratio", false, |_, cap| Cell::Num(cap)),
    park("over_cap", true, |k, _| Cell::Flag(k.over_cap)),
    // The roll-up (rollup.rs): money and per-mu figures over the judged parcels.
    park("judged_area_mu", true, |k, _| {
        Cell::Num(k.rollup.judged_area_mu)
    }),
    park("tax", true, |k, _| Cell::Num(k.rollup.tax)),
    park("investment", true, |k, _| Cell::Num(k.rollup.investment)),
    park("output", true, |k, _| Cell::Num(k.rollup.output)),
    park("tax_per_mu", true, |k, _| Cell::OptNum(k.rollup.tax_per_mu)),
    park("output_per_mu", true, |k, _| {
        Cell::OptNum(k.rollup.output_per_mu)
    }),
    park("investment_per_mu", true, |k, _| {
        Cell::OptNum(k.rollup.investment_per_mu)
    }),
    park("plot_ratio", true, |k, _| Cell::OptNum(k.rollup.plot_ratio)),
    park("floor_unknown_count", true, |k, _| {
        Cell::Count(k.rollup.floor_unknown_count)
    }),
    park("building_density", true, |k, _| {
        Cell::OptNum(k.rollup.building_density)
    }),
    park("footprint_unknown_count", true, |k, _| {
        Cell::Count(k.rollup.footprint_unknown_count)
    }),
    park("rank_tax_per_mu", true, |k, _| {
        Cell::OptCount(k.rank_tax_per_mu)
    }),
    park("low_efficiency_by_reason", true, |k, _| {
        Cell::ByReason(&k.rollup.by_reason)
    }),
    // Several years (years.rs): null without a previous audit.
    park("tax_per_mu_growth", true, |k, _| {
        Cell::OptNum(k.trend.and_then(|t| t.tax_per_mu_growth))
    }),
    park("output_per_mu_growth", true, |k, _| {
        Cell::OptNum(k.trend.and_then(|t| t.output_per_mu_growth))
    }),
    park("tax_per_mu_3y", true, |k, _| {
        Cell::OptNum(k.trend.and_then(|t| t.tax_per_mu_3y))
    }),
    park("output_per_mu_3y", true, |k, _| {
        Cell::OptNum(k.trend.and_then(|t| t.output_per_mu_3y))
    }),
];

/// A park for `summary.json` and a service: the properties of `parks.geojson` but the cap.
impl Serialize for ParkResult {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let columns = PARK_COLUMNS.iter().filter(|c| c.summary);
        let mut st = s.serialize_struct("ParkResult", columns.clone().count())?;
        for c in columns {
            // The cap is not among them.
            st.serialize_field(c.name, &(c.value)(self, f64::NAN))?;
        }
        st.end()
    }
}

impl Serialize for Cell<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match *self {
            Cell::Text(t) => s.serialize_str(t),
            Cell::OptText(t) => t.serialize(s),
            Cell::Num(v) => s.serialize_f64(v),
            Cell::OptNum(v) => v.serialize(s),
            Cell::Count(n) => s.serialize_u64(n as u64),
            Cell::OptCount(n) => n.map(|n| n as u64).serialize(s),
            Cell::Flag(b) => s.serialize_bool(b),
            Cell::OptFlag(b) => b.serialize(s),
            Cell::Reasons(reasons) => reasons.serialize(s),
            Cell::Names(ref names) => names.serialize(s),
            Cell::ByReason(by) => crate::rollup::by_reason_map(by).serialize(s),
        }
    }
}

/// A parcel for a service: its feature index, every column of `parcels.csv`, whether it
/// is unjudged, its input `properties` when they were held (`null` when they were left in the
/// input file: see [`InputText`](crate::source_text::InputText)) and its WGS84 shape.
impl Serialize for ParcelResult<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("ParcelResult", PARCEL_COLUMNS.len() + 4)?;
        st.serialize_field("index", &self.index())?;
        for c in &PARCEL_COLUMNS {
            st.serialize_field(c.name, &(c.value)(self))?;
        }
        st.serialize_field("unjudged", &self.unjudged())?;
        let properties = (self.record().properties())
            .map(serde_json::from_str::<&serde_json::value::RawValue>)
            .transpose()
            .map_err(serde::ser::Error::custom)?;
        st.serialize_field("properties", &properties)?;
        st.serialize_field("geometry", &GeoJsonShape(self.record().shape()))?;
        st.end()
    }
}

/// The whole report: the summary (with the parks), every parcel and enterprise, and what was
/// rejected or warned of. It reads no file.
impl Serialize for AuditReport {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Parcels<'a>(&'a AuditReport);
        impl Serialize for Parcels<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut seq = s.serialize_seq(Some(self.0.parcel_count()))?;
                for p in self.0.parcels() {
                    seq.serialize_element(&p)?;
                }
                seq.end()
            }
        }
        struct Enterprises<'a>(&'a AuditReport);
        impl Serialize for Enterprises<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut seq = s.serialize_seq(Some(self.0.enterprise_count()))?;
                for e in self.0.enterprises() {
                    seq.serialize_element(&e)?;
                }
                seq.end()
            }
        }
        // The parks' figures are in the summary (`summary.parks`), as in summary.json.
        let mut st = s.serialize_struct("AuditReport", 6)?;
        st.serialize_field("summary", &self.summary)?;
        st.serialize_field("parcels", &Parcels(self))?;
        st.serialize_field("enterprises", &Enterprises(self))?;
        st.serialize_field("rejected", &self.rejected)?;
        st.serialize_field("warnings", &self.warnings)?;
        st.serialize_field("overlaps", &self.overlaps)?;
        st.end()
    }
}

/// The column named `name`, if there is one.
pub(crate) fn parcel_column(name: &str) -> Option<&'static Column> {
    PARCEL_COLUMNS.iter().find(|c| c.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_names_are_distinct_and_plain_ascii() {
        for (i, c) in PARCEL_COLUMNS.iter().enumerate() {
            assert!(
                c.name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                "{}",
                c.name
            );
            assert!(
                PARCEL_COLUMNS[..i].iter().all(|d| d.name != c.name),
                "{} twice",
                c.name
            );
            assert_eq!(parcel_column(c.name).map(|d| d.name), Some(c.name));
        }
        assert!(parcel_column("no_such_column").is_none());
    }
}
