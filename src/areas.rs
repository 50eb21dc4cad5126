//! The area stage: each parcel's area by the configured method (geodesic on the ellipsoid,
//! planar in the input plane, or recorded), worked out in parallel, beside the other layers' reads.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};

use rayon::prelude::*;

use crate::config::{AreaMethod, Config};
use crate::error::{Error, FeatureContext, Layer, Notes, Rejection, Result, Warning};
use crate::outcome::Figures;
use crate::parcel::{AreaSource, ParcelRef, Parcels};
use crate::read::Loaded;

/// Rows of parcels per claim of [`areas_beside`]'s workers.
const AREA_CHUNK: usize = 4096;

/// The parcels that have an area, each with its figures begun (area and how it was found).
pub(crate) struct Measured {
    /// The parcels, those whose area could not be found removed.
    pub(crate) table: Parcels,
    /// Row-aligned with `table`.
    pub(crate) figures: Vec<Figures>,
    /// Records read from the parcels layer.
    pub(crate) read: usize,
}

/// The area stage: every parcel's area by the configured method, from `areas` when they were
/// worked out already (beside the other reads). A parcel the method cannot serve is rejected
/// before the join (or stops a strict run); the layer's own rejections and warnings go to
/// `notes`.
///
/// # Errors
/// [`Error::Usage`] when the method is planar and the parcels are lon/lat; the first parcel
/// whose area fails, when `strict`.
pub(crate) fn measure(
    parcels: Loaded<Parcels>,
    areas: Option<Vec<AreaOutcome>>,
    config: &Config,
    strict: bool,
    notes: &mut Notes,
) -> Result<Measured> {
    let planar_ok = parcels.crs.planar_area_is_meaningful();
    if config.area.method == AreaMethod::Planar && !planar_ok {
        return Err(Error::Usage(format!(
            "area method \"planar\" needs projected parcels; {} is in {} — use \"geodesic\" or \"auto\"",
            parcels.file.display(),
            parcels.crs
        )));
    }
    let Loaded {
        file,
        records: mut table,
        rejected,
        warnings,
        read,
        ..
    } = parcels;
    notes.warnings.extend(warnings);
    // Areas in parallel, eight bytes and a tag each; warnings and errors (rare) are built
    // again afterwards for the rows that have them.
    let areas = match areas {
        Some(a) if a.len() == table.len() => a,
        _ => area_outcomes_of(&table, config, planar_ok, &file),
    };
    let mut keep = vec![true; areas.len()];
    let mut figures: Vec<Figures> = Vec::with_capacity(areas.len());
    for (row, (area, source, outcome)) in areas.into_iter().enumerate() {
        match outcome {
            Outcome::Ok => figures.push(Figures::new(area, source)),
            Outcome::Warned => {
                let again = parcel_area(table.get(row), config, planar_ok, &file);
                notes.warnings.extend(again.ok().and_then(|(_, _, w)| w));
                figures.push(Figures::new(area, source));
            }
            Outcome::Failed => {
                let Err(e) = parcel_area(table.get(row), config, planar_ok, &file) else {
                    continue;
                };
                if strict {
                    return Err(e);
                }
                notes.rejected.push(Rejection::from_error(&e));
                keep[row] = false;
            }
        }
    }
    if keep.iter().any(|k| !k) {
        table.retain(&keep);
    }
    drop(keep);
    notes
        .rejected
        .extend(rejected.iter().map(Rejection::from_error));
    Ok(Measured {
        table,
        figures,
        read,
    })
}

/// A parcel's area in m², how it was found, and whether it warned or failed (the warning or error
/// is built again for the rare rows that have one).
pub(crate) type AreaOutcome = (f64, AreaSource, Outcome);

/// Runs `read` on this thread while the parcels' area outcomes are worked out beside it: on
/// one rayon thread while `read` runs, then on every rayon thread for what is left. The
/// outcomes are `None` when `read` failed (the area work stops then). A method that cannot
/// apply to the layer (planar areas of lon/lat) gives outcomes [`Audit::assess`] never uses:
/// it reports the misuse first.
///
/// The reading stays on this thread and the outcomes go into a buffer allocated here, so
/// the tables live in this thread's heap. (With `rayon::join` the reading ran on a pool
/// thread, and peak memory at 1M varied from 419 to 464 MiB with the heap it landed in.)
pub(crate) fn areas_beside<T>(
    parcels: &Loaded<Parcels>,
    config: &Config,
    read: impl FnOnce() -> Result<T>,
) -> (Option<Vec<AreaOutcome>>, Result<T>) {
    let planar_ok = parcels.crs.planar_area_is_meaningful();
    let (table, file) = (&parcels.records, &parcels.file);
    let mut areas: Vec<AreaOutcome> =
        vec![(f64::NAN, AreaSource::Geodesic, Outcome::Failed); table.len()];
    let stop = AtomicBool::new(false);
    let chunks = Mutex::new(areas.chunks_mut(AREA_CHUNK).enumerate());
    let work = || {
        while !stop.load(Ordering::Relaxed) {
            let claimed = chunks.lock().unwrap_or_else(PoisonError::into_inner).next();
            let Some((k, slice)) = claimed else { break };
            for (i, out) in slice.iter_mut().enumerate() {
                *out = area_outcome(table.get(k * AREA_CHUNK + i), config, planar_ok, file);
            }
        }
    };
    let read = rayon::in_place_scope(|scope| {
        // One pool thread claims chunks while this thread reads; the reader's batches go to
        // the other.
        scope.spawn(|_| work());
        let read = {
            // A panic while reading (a bug) stops the area work too, rather than waiting
            // for it before the panic is passed on.
            let _guard = StopOnPanic(&stop);
            read()
        };
        if read.is_err() {
            stop.store(true, Ordering::Relaxed);
        }
        // What is left, on every pool thread.
        rayon::broadcast(|_| work());
        read
    });
    let areas = (!stop.load(Ordering::Relaxed)).then_some(areas);
    (areas, read)
}

/// Sets its flag when dropped during a panic.
struct StopOnPanic<'a>(&'a AtomicBool);

/// Every row's area outcome, in parallel.
fn area_outcomes_of(
    table: &Parcels,
    config: &Config,
    planar_ok: bool,
    file: &std::path::Path,
) -> Vec<AreaOutcome> {
    (0..table.len())
        .into_par_iter()
        .map(|row| area_outcome(table.get(row), config, planar_ok, file))
        .collect()
}

/// A parcel's area outcome, eight bytes and two tags.
fn area_outcome(
    p: ParcelRef<'_>,
    config: &Config,
    planar_ok: bool,
    file: &std::path::Path,
) -> AreaOutcome {
    match parcel_area(p, config, planar_ok, file) {
        Ok((a, s, None)) => (a, s, Outcome::Ok),
        Ok((a, s, Some(_))) => (a, s, Outcome::Warned),
        Err(_) => (f64::NAN, AreaSource::Geodesic, Outcome::Failed),
    }
}

/// A parcel's area by the configured method, and a warning where a recorded area disagrees.
fn parcel_area(
    p: ParcelRef<'_>,
    config: &Config,
    planar_ok: bool,
    file: &std::path::Path,
) -> Result<(f64, AreaSource, Option<Warning>)> {
    let geodesic = || crate::metrics::geodesic_area_of(&p.shape());
    let computed = || match (p.planar_area_m2(), planar_ok) {
        (Some(a), true) => (a, AreaSource::Planar),
        _ => (geodesic(), AreaSource::Geodesic),
    };
    let ctx = || FeatureContext {
        file: std::sync::Arc::new(file.to_path_buf()),
        layer: Layer::Parcels,
        index: p.index(),
        id: Some(p.id().to_string()),
        line: None,
        fid: None,
    };
    let tolerance = config.area.recorded_tolerance;
    let (area, source, warning) = match config.area.method {
        AreaMethod::Auto => {
            let (a, s) = computed();
            (a, s, None)
        }
        AreaMethod::Geodesic => (geodesic(), AreaSource::Geodesic, None),
        AreaMethod::Planar => (
            p.planar_area_m2().unwrap_or(f64::NAN),
            AreaSource::Planar,
            None,
        ),
        AreaMethod::Recorded => {
            let property = || config.fields.land_area.clone();
            let recorded = p.recorded_area_m2().ok_or_else(|| Error::MissingProperty {
                ctx: ctx(),
                property: property(),
            })?;
            // The recorded figure, not the geometry, is what is wrong.
            if !recorded.is_finite() || recorded <= 0.0 {
                return Err(Error::InvalidValue {
                    ctx: ctx(),
                    property: property(),
                    expected: "a recorded area > 0 (area method \"recorded\")".into(),
                    found: recorded.to_string(),
                });
            }
            let (c, s) = computed();
            let diff = (recorded - c).abs() / c;
            let warning = (diff > tolerance).then(|| Warning {
                layer: Layer::Parcels,
                index: p.index(),
                id: Some(p.id().to_string()),
                message: format!(
                    "recorded area {recorded:.2} m² differs from the {} area {c:.2} m² by {:.2}% (tolerance {:.2}%)",
                    s.as_str(),
                    diff * 100.0,
                    tolerance * 100.0
                ),
            });
            (recorded, AreaSource::Recorded, warning)
        }
    };
    if !(area.is_finite() && area > 0.0) {
        return Err(Error::ZeroArea { ctx: ctx() });
    }
    Ok((area, source, warning))
}

/// How a parcel's area went.
#[derive(Clone, Copy)]
pub(crate) enum Outcome {
    Ok,
    Warned,
    Failed,
}

impl Drop for StopOnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.store(true, Ordering::Relaxed);
        }
    }
}
