//! Any vector source GDAL reads (`gdal` feature), File Geodatabase first: each feature is
//! turned into one GeoJSON feature as the GeoJSON reader reads them, so that every check, the
//! rejection ledger and every position are the GeoJSON path's own, with the feature's FID
//! beside its index (`dc.gdb|layername=DCDYTB: feature 3 (fid 4)`).
//!
//! The features are made as they are read ([`Opened::text`] is a `Read` over OGR's feature
//! cursor): memory stays that of the GeoJSON pipeline's batches, whatever the layer's size.
//!
//! - The layer: the one named as QGIS names it (`dc.gdb|layername=DCDYTB`), else the only one;
//!   several and none named is an error listing them.
//! - Fields become properties under their own names: text as text, integers and reals as
//!   numbers, dates as `YYYY-MM-DD`, date-times as OGR writes them; a NULL field is absent.
//! - Geometry: OGR's ISO WKB written as GeoJSON ([`wkb`]); curves (arcs) are made into
//!   vertices every 4° of arc, as GDAL does by default, with a note naming the features.
//! - CRS: the layer's spatial reference, as its EPSG code when GDAL can tell it, else its WKT
//!   read as a Shapefile's `.prj` is.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::error::{Error, Result};

#[cfg(feature = "gdal")]
mod source;
// Pure Rust, tested in every build; used only by the `gdal` feature's reader.
#[cfg_attr(not(feature = "gdal"), allow(dead_code))]
pub(crate) mod wkb;

/// A source opened through GDAL, its layer chosen and its CRS decided.
pub(crate) struct Opened {
    /// The features as GeoJSON, made as they are read.
    pub(crate) text: Box<dyn std::io::Read + Send>,
    /// The source as messages name it: with its layer (`dc.gdb|layername=DCDYTB`).
    pub(crate) name: PathBuf,
    /// Warnings about the layer as a whole: its spatial reference not read as a CRS.
    pub(crate) notes: Vec<String>,
    /// Each feature's FID, as the features are made.
    pub(crate) fids: Arc<Fids>,
    /// What the reading shows once done: features whose geometry held arcs.
    pub(crate) curved: Arc<Mutex<Vec<usize>>>,
}

/// Opens the layer `layer` (else the only one) of the vector source at `path` through GDAL.
///
/// # Errors
/// [`Error::InputFormat`] when GDAL cannot open it as a vector source; [`Error::Gdal`] when
/// it holds no layer, several and none named, or none of the name given.
#[cfg(feature = "gdal")]
pub(crate) fn open(path: &Path, layer: Option<&str>) -> Result<Opened> {
    source::open(path, layer)
}

/// Without the `gdal` feature no path is of this kind; an error all the same.
///
/// # Errors
/// Always an [`Error::InputFormat`] naming the feature.
#[cfg(not(feature = "gdal"))]
pub(crate) fn open(path: &Path, _layer: Option<&str>) -> Result<Opened> {
    Err(Error::InputFormat {
        file: path.to_path_buf(),
        message: "read through GDAL, with the `gdal` feature (cargo build --features gdal)".into(),
    })
}

/// Each feature's FID, by its 0-based index, held as runs of consecutive FIDs (most sources
/// number their features 0, 1, 2, ... or 1, 2, 3, ...: one run).
#[derive(Debug, Default)]
pub(crate) struct Fids {
    /// `(index, fid)` where a run starts; in index order.
    runs: Mutex<Vec<(usize, i64)>>,
}

impl Fids {
    /// Notes that feature `index` (the next one) has `fid`.
    #[cfg_attr(not(feature = "gdal"), allow(dead_code))]
    pub(crate) fn push(&self, index: usize, fid: i64) {
        let mut runs = self
            .runs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let follows = runs.last().is_some_and(|&(i, f)| {
            i64::try_from(index - i).is_ok_and(|step| f.checked_add(step) == Some(fid))
        });
        if !follows {
            runs.push((index, fid));
        }
    }

    /// The FID of feature `index`, if it was read.
    pub(crate) fn get(&self, index: usize) -> Option<i64> {
        let runs = self
            .runs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let at = runs.partition_point(|&(i, _)| i <= index).checked_sub(1)?;
        let (i, f) = runs[at];
        f.checked_add(i64::try_from(index - i).ok()?)
    }

    /// The FID of feature `index` as an error's context holds it.
    pub(crate) fn of(&self, index: usize) -> Option<u32> {
        self.get(index).and_then(|f| u32::try_from(f).ok())
    }

    /// Sets the FID of the record an error names, if it names one.
    pub(crate) fn mark(&self, e: &mut Error) {
        if let Some(ctx) = e.feature_mut() {
            ctx.fid = self.of(ctx.index);
        }
    }
}

/// The warning for features whose geometry held arcs, if any did.
pub(crate) fn curved_note(name: &Path, curved: &Mutex<Vec<usize>>) -> Option<String> {
    let c = curved
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if c.is_empty() {
        return None;
    }
    let shown: Vec<String> = c.iter().take(10).map(usize::to_string).collect();
    Some(format!(
        "{}: {} feature(s) have curved geometry (arcs), read as vertices every {}° of arc as \
         GDAL makes them (feature {}{}); their areas are those of the vertices, a little short \
         of the arcs' (under 0.1%)",
        name.display(),
        c.len(),
        wkb::ARC_STEP_DEGREES,
        shown.join(", "),
        if c.len() > 10 { ", ..." } else { "" }
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fids_are_kept_as_runs_and_found_by_index() {
        let fids = Fids::default();
        for (i, f) in [(0, 1), (1, 2), (2, 3), (3, 7), (4, 8), (5, 2)] {
            fids.push(i, f);
        }
        assert_eq!(fids.runs.lock().unwrap().len(), 3);
        let got: Vec<Option<i64>> = (0..6).map(|i| fids.get(i)).collect();
        assert_eq!(got, [1, 2, 3, 7, 8, 2].map(Some));
        assert_eq!(Fids::default().get(0), None);
    }
}
