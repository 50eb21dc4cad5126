//! Any vector source GDAL reads (`gdal` feature), File Geodatabase first: each feature is
//! turned into one GeoJSON feature as the GeoJSON reader reads them, so that every check, the
//! rejection ledger and every position are the GeoJSON path's own, with the feature's FID
//! beside its index (`dc.gdb|layername=DCDYTB: feature 3 (fid 4)`).
//!
//! The features are made as they are read ([`Opened::text`] is a `Read` over OGR's feature
//! cursor, a [`MadeText`](super::made::MadeText)): memory stays that of the GeoJSON
//! pipeline's batches, whatever the layer's size. Progress is the features read as a share of
//! the layer's count (when GDAL knows it cheaply), told in bytes of the source ([`source_len`]).
//!
//! - The layer: the one named as QGIS names it (`dc.gdb|layername=DCDYTB`), else the only one;
//!   several and none named is an error listing them.
//! - Fields become properties under their own names: text as text, integers and reals as
//!   numbers, dates as `YYYY-MM-DD`, date-times as OGR writes them; a NULL field is absent.
//! - Geometry: OGR's ISO WKB written as GeoJSON (`read/wkb.rs`); curves (arcs) are made into
//!   vertices every 4° of arc, as GDAL does by default, with a note naming the features.
//! - CRS: the layer's spatial reference, as its EPSG code when GDAL can tell it, else its WKT
//!   read as a Shapefile's `.prj` is.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::fids::Fids;
use super::made::{Share, first_ten};
use super::wkb;
use crate::error::Result;

#[cfg(feature = "gdal")]
mod source;

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
    /// How far the features are read.
    pub(crate) share: Arc<Share>,
}

/// Opens the layer `layer` (else the only one) of the vector source at `path` through GDAL.
///
/// # Errors
/// [`Error::InputFormat`](crate::Error::InputFormat) when GDAL cannot open it as a vector
/// source; [`Error::Gdal`](crate::Error::Gdal) when
/// it holds no layer, several and none named, or none of the name given.
#[cfg(feature = "gdal")]
pub(crate) fn open(path: &Path, layer: Option<&str>) -> Result<Opened> {
    source::open(path, layer)
}

/// Without the `gdal` feature no path is of this kind; an error all the same.
///
/// # Errors
/// Always an [`Error::InputFormat`](crate::Error::InputFormat) naming the feature.
#[cfg(not(feature = "gdal"))]
pub(crate) fn open(path: &Path, _layer: Option<&str>) -> Result<Opened> {
    Err(crate::error::Error::InputFormat {
        file: path.to_path_buf(),
        message: "read through GDAL, with the `gdal` feature (cargo build --features gdal)".into(),
    })
}

/// The warning for features whose geometry held arcs, if any did.
pub(crate) fn curved_note(name: &Path, curved: &Mutex<Vec<usize>>) -> Option<String> {
    let c = curved
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if c.is_empty() {
        return None;
    }
    Some(format!(
        "{}: {} feature(s) have curved geometry (arcs), read as vertices every {}° of arc as \
         GDAL makes them (feature {}); their areas are those of the vertices, a little short \
         of the arcs' (under 0.1%)",
        name.display(),
        c.len(),
        wkb::ARC_STEP_DEGREES,
        first_ten(&c),
    ))
}

/// The size in bytes of the source at `path`, as progress runs against: a file's length; a
/// folder's (a File Geodatabase's, its `.gdbtable` and other files side by side) the sum of
/// the files' in it. `None` when it cannot be read.
pub(crate) fn source_len(path: &Path) -> Option<u64> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_dir() {
        return Some(meta.len());
    }
    let files = std::fs::read_dir(path).ok()?.flatten();
    let sizes = files.filter_map(|f| f.metadata().ok().filter(|m| m.is_file()));
    Some(sizes.map(|m| m.len()).sum())
}
