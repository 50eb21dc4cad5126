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
mod messages;
#[cfg(feature = "gdal")]
mod source;

#[cfg(feature = "gdal")]
pub(crate) use messages::Caught;

/// GDAL's messages while a source was read: none without the `gdal` feature.
#[cfg(not(feature = "gdal"))]
#[derive(Debug, Default)]
pub(crate) struct Caught;

#[cfg(not(feature = "gdal"))]
impl Caught {
    /// No message: nothing is read through GDAL.
    pub(crate) fn notes(&self, _name: &Path) -> Vec<String> {
        Vec::new()
    }
}

/// A source opened through GDAL, its layer chosen and its CRS decided.
pub(crate) struct Opened<'a> {
    /// The features as GeoJSON, made as they are read.
    pub(crate) text: Box<dyn std::io::Read + Send + 'a>,
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
    /// GDAL's own messages, caught as the source is opened and read.
    pub(crate) said: Arc<Caught>,
}

/// Opens the layer `layer` (else the only one) of the vector source at `path` through GDAL,
/// GDAL's messages caught from here until the text is dropped.
///
/// # Errors
/// [`Error::InputFormat`](crate::Error::InputFormat) when GDAL cannot open it as a vector
/// source; [`Error::Gdal`](crate::Error::Gdal) when
/// it holds no layer, several and none named, or none of the name given.
#[cfg(feature = "gdal")]
pub(crate) fn open(path: &Path, layer: Option<&str>) -> Result<Opened<'static>> {
    catching(path, path, layer, None)
}

/// Opens a source held in memory (`label` names it, its extension telling GDAL what it is:
/// `dc.gdb.zip`, `zd.kml`) through GDAL's `/vsimem/`, under a name of its own for this read,
/// unlinked once the text is dropped. `held` is the copy of the bytes GDAL reads.
///
/// # Errors
/// As [`open`].
#[cfg(feature = "gdal")]
pub(crate) fn open_bytes<'a>(
    label: &Path,
    data: &[u8],
    held: &'a mut Vec<u8>,
    layer: Option<&str>,
) -> Result<Opened<'a>> {
    let read = MEMORY_READS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let file = label
        .file_name()
        .map_or("source".into(), |n| n.to_string_lossy());
    let path = memory_folder(read).join(&*file);
    held.clear();
    held.extend_from_slice(data);
    let linked = gdal::vsi::create_mem_file_from_ref(&path, held).map_err(|e| {
        crate::error::Error::Gdal {
            file: label.to_path_buf(),
            feature: None,
            message: format!("GDAL cannot hold it in memory ({e})"),
        }
    })?;
    catching(&path, label, layer, Some(linked))
}

/// In-memory sources read so far: each is given a folder of its own in `/vsimem/`.
#[cfg(feature = "gdal")]
static MEMORY_READS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// The `/vsimem/` folder of the `read`th in-memory source.
#[cfg(feature = "gdal")]
fn memory_folder(read: u64) -> PathBuf {
    PathBuf::from(format!(
        "/vsimem/land-efficiency-{}-{read}",
        std::process::id()
    ))
}

/// [`source::open`] with GDAL's messages caught while it opens and while its text is read.
#[cfg(feature = "gdal")]
fn catching<'a>(
    path: &Path,
    shown: &Path,
    layer: Option<&str>,
    linked: Option<gdal::vsi::MemFileRef<'a>>,
) -> Result<Opened<'a>> {
    let handler = messages::Handler::install();
    let said = Arc::new(Caught::naming(path, shown));
    let scope = said.scope();
    let opened = source::open(path, shown, layer).map_err(|e| said.add_to(e))?;
    drop(scope);
    let text = Catching {
        text: Some(opened.text),
        said: Arc::clone(&said),
        _handler: handler,
        _linked: linked,
    };
    Ok(Opened {
        text: Box::new(text),
        said,
        ..opened
    })
}

/// A source's text, GDAL's messages caught as it is made (and as it is closed); an in-memory
/// source's file unlinked after.
#[cfg(feature = "gdal")]
struct Catching<'a> {
    /// `None` once closed.
    text: Option<Box<dyn std::io::Read + Send>>,
    said: Arc<Caught>,
    _handler: messages::Handler,
    /// Dropped (unlinked) after `text`, whose dataset reads it.
    _linked: Option<gdal::vsi::MemFileRef<'a>>,
}

#[cfg(feature = "gdal")]
impl std::io::Read for Catching<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let _scope = self.said.scope();
        match self.text.as_mut() {
            Some(text) => text.read(buf).map_err(|e| self.said.add_to_io(e)),
            None => Ok(0),
        }
    }
}

#[cfg(feature = "gdal")]
impl Drop for Catching<'_> {
    fn drop(&mut self) {
        let _scope = self.said.scope();
        self.text.take();
    }
}

/// Without the `gdal` feature no path is of this kind; an error all the same.
///
/// # Errors
/// Always an [`Error::InputFormat`](crate::Error::InputFormat) naming the feature.
#[cfg(not(feature = "gdal"))]
pub(crate) fn open(path: &Path, _layer: Option<&str>) -> Result<Opened<'static>> {
    Err(crate::error::Error::InputFormat {
        file: path.to_path_buf(),
        message: "read through GDAL, with the `gdal` feature (cargo build --features gdal)".into(),
    })
}

/// Without the `gdal` feature a source in memory is not read through GDAL: the hint a path of
/// it gets.
///
/// # Errors
/// Always an [`Error::InputFormat`](crate::Error::InputFormat) naming the feature.
#[cfg(not(feature = "gdal"))]
pub(crate) fn open_bytes<'a>(
    label: &Path,
    _data: &[u8],
    _held: &'a mut Vec<u8>,
    _layer: Option<&str>,
) -> Result<Opened<'a>> {
    super::kind::ogr_or_hint(label)?;
    open(label, None)
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

#[cfg(all(test, feature = "gdal"))]
mod tests {
    use std::io::Read;

    use super::*;

    /// The files GDAL holds in the `/vsimem/` folders of in-memory sources `reads`.
    fn held_by_gdal(reads: std::ops::Range<u64>) -> Vec<PathBuf> {
        (reads.map(memory_folder))
            .flat_map(|folder| gdal::vsi::read_dir(folder, false).unwrap_or_default())
            .collect()
    }

    #[test]
    fn a_source_in_memory_is_read_under_a_name_of_its_own_and_unlinked_after() {
        let json = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"parcel_id":"P1"},"geometry":{"type":"Point","coordinates":[120.5,30.25]}}]}"#;
        let (mut a, mut b) = (Vec::new(), Vec::new());
        // No other test of this binary reads a source from memory.
        let reads = {
            let next = MEMORY_READS.load(std::sync::atomic::Ordering::Relaxed);
            next..next + 2
        };
        let first = open_bytes(Path::new("up/zd.geojson"), json.as_bytes(), &mut a, None).unwrap();
        let second = open_bytes(Path::new("zd.geojson"), json.as_bytes(), &mut b, None).unwrap();
        assert_eq!(first.name, Path::new("up/zd.geojson|layername=zd"));
        let files = held_by_gdal(reads.clone());
        assert_eq!(files, [Path::new("zd.geojson"), Path::new("zd.geojson")]);
        for opened in [first, second] {
            let mut text = String::new();
            { opened.text }.read_to_string(&mut text).unwrap();
            assert!(
                text.contains(r#""parcel_id":"P1""#) && text.contains("[120.5,30.25]"),
                "{text}"
            );
        }
        assert_eq!(held_by_gdal(reads), Vec::<PathBuf>::new());
    }
}
