//! Tables a caller built and pushed rows into, checked as the readers check what they read:
//! the ledger of read and rejected records, ids, figures and shapes.

use std::collections::HashMap;

use crate::error::{Error, FeatureContext, Layer, Result};
use crate::parcel::{Enterprises, Parcels, Parks};
use crate::read::{self, Loaded};

/// What a table's coordinates must be: WGS84, as the readers leave them.
const LONLAT_RANGE: &str = "WGS84 lon/lat (|lon| ≤ 180, |lat| ≤ 90)";

/// Makes layers a caller built ready for the stages: rings oriented as the readers orient them
/// (exterior counter-clockwise, holes clockwise: Karney's area of a clockwise exterior is the
/// rest of the ellipsoid), each layer's ledger checked, and pushed rows checked as a reader
/// would have.
pub(crate) fn prepare(
    parcels: &mut Loaded<Parcels>,
    enterprises: Option<&Loaded<Enterprises>>,
    parks: &mut Option<Loaded<Parks>>,
) -> Result<()> {
    if !parcels.records.validated {
        parcels.records.shapes.orient();
    }
    if let Some(l) = parks.as_mut().filter(|l| !l.records.validated) {
        l.records.shapes.orient();
    }
    check_ledger(parcels, parcels.records.len(), Layer::Parcels)?;
    if let Some(l) = enterprises {
        check_ledger(l, l.records.len(), Layer::Enterprises)?;
    }
    if let Some(l) = parks.as_ref() {
        check_ledger(l, l.records.len(), Layer::Parks)?;
    }
    check_pushed(parcels, enterprises, parks.as_ref())
}

/// Checks that a layer's `read` is its records and its rejected ones, as a reader leaves it: a
/// caller who built the [`Loaded`] by hand could otherwise have the summary's
/// `read = evaluated + rejected` fail with no error.
fn check_ledger<T>(layer: &Loaded<T>, records: usize, which: Layer) -> Result<()> {
    let rejected = layer.rejected.len();
    if layer.read == records + rejected {
        return Ok(());
    }
    Err(Error::Usage(format!(
        "the {which} of {}: read is {} but {records} records and {rejected} rejected were given \
         (read must be records + rejected, so that every record read is accounted for: add \
         rows pushed onto a table that was read to its read)",
        layer.file.display(),
        layer.read
    )))
}

/// Checks tables a caller filled with `push` as the readers check records: figures finite,
/// ≥ 0 and at most [`MAX_FIGURE`](crate::units::MAX_FIGURE), coordinates finite and in WGS84
/// lon/lat range, shapes valid and of some area, ids present and unique. A reader's tables were checked as they were read and are passed over.
///
/// A service that pushed a tax of -50 or NaN, or two enterprises with one id, got per-mu
/// figures of -3.05 and NaN (never below a minimum) and both copies counted.
fn check_pushed(
    parcels: &Loaded<Parcels>,
    enterprises: Option<&Loaded<Enterprises>>,
    parks: Option<&Loaded<Parks>>,
) -> Result<()> {
    let context = read::context;
    if !parcels.records.validated {
        let t = &parcels.records;
        let ctx = |row: usize| {
            context(
                &parcels.file,
                Layer::Parcels,
                t.index[row] as usize,
                t.ids.get(row),
            )
        };
        check_ids(t.len(), |row| t.ids.get(row), &ctx, "parcel_id")?;
        for row in 0..t.len() {
            check_shape(t.shapes.get(row), || ctx(row))?;
            let p = t.get(row);
            let c = p.commitments();
            for (property, v) in [
                ("floor_area", p.floor_area_m2()),
                ("land_area", p.recorded_area_m2()),
                ("contract_investment_per_mu", c.investment_per_mu),
                ("contract_tax_per_mu", c.tax_per_mu),
                ("contract_output_per_mu", c.output_per_mu),
                ("contract_plot_ratio", c.plot_ratio),
            ] {
                check_figure(v, property, || ctx(row))?;
            }
            check_land(&p.land(), || ctx(row))?;
        }
    }
    if let Some(l) = enterprises.filter(|l| !l.records.validated) {
        let t = &l.records;
        let ctx = |row: usize| {
            context(
                &l.file,
                Layer::Enterprises,
                t.index[row] as usize,
                t.id(row),
            )
        };
        check_ids(t.len(), |row| t.id(row), &ctx, "enterprise_id")?;
        for row in 0..t.len() {
            let [tax, investment, output] = t.money(row);
            let optional = |c: &crate::columns::OptColumn| c.get(row);
            for (property, v) in [
                ("tax", Some(tax)),
                ("investment", Some(investment)),
                ("output", Some(output)),
                ("value_added", optional(&t.value_added)),
                ("energy", optional(&t.energy)),
                ("emissions", optional(&t.emissions)),
                ("rd_spend", optional(&t.rd_spend)),
                ("electricity", optional(&t.electricity)),
                ("employees", optional(&t.employees)),
                ("floor_area", optional(&t.floor_area)),
                ("footprint_area", optional(&t.footprint)),
            ] {
                check_figure(v, property, || ctx(row))?;
            }
            // A location is NaN when absent; one half NaN, or infinite, is not a place, nor
            // one past lon/lat.
            if let Some(&c) = t.location.get(row)
                && !(c.x.is_nan() && c.y.is_nan())
            {
                let expected = if !(c.x.is_finite() && c.y.is_finite()) {
                    Some("finite numbers")
                } else if !read::in_lonlat_range(c) {
                    Some(LONLAT_RANGE)
                } else {
                    None
                };
                if let Some(expected) = expected {
                    return Err(Error::CoordinateOutOfRange {
                        ctx: ctx(row),
                        x: c.x,
                        y: c.y,
                        expected,
                        property: "location".into(),
                    });
                }
            }
        }
    }
    if let Some(l) = parks.filter(|l| !l.records.validated) {
        let t = &l.records;
        let ctx = |row: usize| context(&l.file, Layer::Parks, t.index[row] as usize, t.id(row));
        check_ids(t.len(), |row| t.id(row), &ctx, "park_id")?;
        for row in 0..t.len() {
            check_shape(t.shapes.get(row), || ctx(row))?;
        }
    }
    Ok(())
}

fn check_ids<'a>(
    len: usize,
    id: impl Fn(usize) -> &'a str,
    ctx: &dyn Fn(usize) -> FeatureContext,
    property: &str,
) -> Result<()> {
    let mut first: HashMap<&str, usize> = HashMap::with_capacity(len);
    for row in 0..len {
        let key = id(row);
        if key.trim().is_empty() {
            return Err(Error::MissingProperty {
                ctx: ctx(row),
                property: property.to_string(),
            });
        }
        if let Some(&earlier) = first.get(key) {
            return Err(Error::DuplicateId {
                ctx: ctx(row),
                property: property.to_string(),
                first_index: ctx(earlier).index,
            });
        }
        first.insert(key, row);
    }
    Ok(())
}

fn check_figure(v: Option<f64>, property: &str, ctx: impl Fn() -> FeatureContext) -> Result<()> {
    match v {
        Some(v) => {
            read::feature::check_figure(v, property, "a finite number ≥ 0", &v.to_string(), &ctx())
                .map(drop)
        }
        None => Ok(()),
    }
}

/// A pushed parcel's land facts as the reader checks them: a footprint ≥ 0, ratios in [0, 1].
fn check_land(land: &crate::parcel::LandFacts, ctx: impl Fn() -> FeatureContext) -> Result<()> {
    check_figure(land.footprint_m2, "footprint_area", &ctx)?;
    for (property, v) in [
        ("building_density", land.building_density),
        ("green_ratio", land.green_ratio),
    ] {
        check_figure(v, property, &ctx)?;
        if let Some(v) = v.filter(|v| *v > 1.0) {
            return Err(Error::InvalidValue {
                ctx: ctx(),
                property: property.into(),
                expected: "a fraction in [0, 1] (35% is written 0.35)".into(),
                found: v.to_string(),
            });
        }
    }
    Ok(())
}

/// A pushed shape as the readers check a record's: finite, in WGS84 lon/lat range (the tables
/// hold WGS84), valid (geo's `Validation`) and of some area.
fn check_shape(shape: crate::shapes::ShapeRef<'_>, ctx: impl Fn() -> FeatureContext) -> Result<()> {
    let out = |c: geo::Coord<f64>, expected| Error::CoordinateOutOfRange {
        ctx: ctx(),
        x: c.x,
        y: c.y,
        expected,
        property: "geometry".into(),
    };
    if let Some(c) = shape.find_coord(|c| !(c.x.is_finite() && c.y.is_finite())) {
        return Err(out(c, "finite numbers"));
    }
    if let Some(c) = shape.find_coord(|c| !read::in_lonlat_range(c)) {
        return Err(out(c, LONLAT_RANGE));
    }
    if let Some((a, b)) = read::antimeridian_edge(&shape) {
        return Err(Error::CrossesAntimeridian {
            ctx: ctx(),
            from: [a.x, a.y],
            to: [b.x, b.y],
        });
    }
    read::check_shape(&shape.to_multipolygon(), &ctx()).map(drop)
}
