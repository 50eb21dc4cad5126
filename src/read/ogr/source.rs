//! The GDAL side of [`super`]: the source opened, its layer chosen, its CRS read, and its
//! features made into GeoJSON text as they are read.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use gdal::spatial_ref::SpatialRef;
use gdal::vector::{Feature, FieldValue, LayerAccess, OwnedFeatureIterator, OwnedLayer};
use gdal::{Dataset, DatasetOptions, GdalOpenFlags};

use super::{Fids, Opened};
use crate::crs::{Backend, Crs};
use crate::error::{Error, LAYER_NAME, Result};
use crate::read::made::{Features, MadeText, Share, feature_start, fill, json_string, number};
use crate::read::wkb::{self, Written};

/// Opens the layer `layer` (else the only one) of the vector source at `path`, named `shown`
/// in messages (the path, or an in-memory source's label).
pub(super) fn open(path: &Path, shown: &Path, layer: Option<&str>) -> Result<Opened<'static>> {
    let bad = |message: String| Error::Gdal {
        file: shown.to_path_buf(),
        feature: None,
        message,
    };
    let options = DatasetOptions {
        open_flags: GdalOpenFlags::GDAL_OF_VECTOR | GdalOpenFlags::GDAL_OF_READONLY,
        ..DatasetOptions::default()
    };
    let dataset = Dataset::open_ex(path, options).map_err(|e| {
        let said = match e {
            gdal::errors::GdalError::NullPointer { msg, .. } if msg.trim().is_empty() => {
                "it recognises no vector format in it".to_string()
            }
            gdal::errors::GdalError::NullPointer { msg, .. } => msg,
            other => other.to_string(),
        };
        // Bytes in memory have no folder: their label's extension tells GDAL what they are.
        let give = if path == shown {
            "give a File Geodatabase's .gdb folder itself (with its a0000000N.gdbtable files)"
        } else {
            "give a zipped File Geodatabase, or a file GDAL reads, labelled with its extension \
             (dc.gdb.zip, zd.kml)"
        };
        Error::InputFormat {
            file: shown.to_path_buf(),
            message: format!(
                "GDAL cannot open it as a vector source ({said}): {give}, or export the layer \
                 to GeoJSON"
            ),
        }
    })?;
    let names: Vec<String> = dataset.layers().map(|l| l.name()).collect();
    let chosen = choose(shown, &names, layer).map_err(bad)?;
    let name = PathBuf::from(format!("{}{LAYER_NAME}{}", shown.display(), names[chosen]));
    let layer = dataset
        .into_layer(chosen)
        .map_err(|e| bad(format!("cannot read layer {}: {e}", names[chosen])))?;
    let mut notes = Vec::new();
    let crs = layer_crs(&layer, &name, &mut notes);
    let fields = layer
        .defn()
        .fields()
        .map(|f| {
            let mut quoted = Vec::new();
            json_string(&f.name(), &mut quoted);
            quoted
        })
        .collect();
    let expected = layer.try_feature_count();
    let fids = Arc::new(Fids::default());
    let curved = Arc::new(Mutex::new(Vec::new()));
    let share = Share::new(expected.unwrap_or(0));
    let features = OgrFeatures {
        name: name.clone(),
        features: layer.owned_features(),
        fields,
        crs,
        expected,
        index: 0,
        fids: Arc::clone(&fids),
        curved: Arc::clone(&curved),
        share: Arc::clone(&share),
    };
    Ok(Opened {
        text: Box::new(MadeText::new(features, Arc::clone(&share))),
        name,
        notes,
        fids,
        curved,
        share,
        said: Arc::default(),
    })
}

/// The index of the layer named `wanted` (exactly, else the one name equal to it but for
/// case, as a geodatabase's names are), else of the only one.
fn choose(
    path: &Path,
    names: &[String],
    wanted: Option<&str>,
) -> std::result::Result<usize, String> {
    let listed = || names.join(", ");
    let Some(wanted) = wanted else {
        return match names.len() {
            1 => Ok(0),
            0 => Err("holds no vector layer".into()),
            n => Err(format!(
                "holds {n} layers ({}): name the one to read as QGIS does, {}{LAYER_NAME}{}",
                listed(),
                path.display(),
                names[0]
            )),
        };
    };
    if let Some(i) = names.iter().position(|n| n == wanted) {
        return Ok(i);
    }
    let same: Vec<usize> = (0..names.len())
        .filter(|&i| names[i].eq_ignore_ascii_case(wanted))
        .collect();
    match same[..] {
        [i] => Ok(i),
        _ => Err(format!(
            "holds no layer named {wanted:?}; its layers: {}",
            listed()
        )),
    }
}

/// The EPSG code a spatial reference carries as its authority, if it does.
fn epsg_of(srs: &SpatialRef) -> Option<u32> {
    let authority = srs.auth_name()?;
    if !authority.eq_ignore_ascii_case("EPSG") {
        return None;
    }
    u32::try_from(srs.auth_code().ok()?).ok()
}

/// The layer's CRS: its EPSG code when GDAL can tell it (and the crate can use it), else its
/// WKT read as a Shapefile's `.prj` is (GDAL's flavour, then ESRI's); a note when neither.
fn layer_crs(layer: &OwnedLayer, name: &Path, notes: &mut Vec<String>) -> Option<Crs> {
    let srs = layer.spatial_ref()?;
    let usable = |crs: Crs| {
        crs.transformer(Backend::default_for_build())
            .is_ok()
            .then_some(crs)
    };
    let mut identified = srs.clone();
    let code = epsg_of(&srs).or_else(|| {
        identified.auto_identify_epsg().ok()?;
        epsg_of(&identified)
    });
    if let Some(crs) = code.map(Crs::from_epsg).and_then(usable) {
        return Some(crs);
    }
    let wkt = srs.to_wkt().unwrap_or_default();
    let why = match Crs::from_prj(&wkt) {
        Ok(crs) => return Some(crs),
        Err(why) => why,
    };
    let esri = srs.clone();
    if esri.morph_to_esri().is_ok()
        && let Ok(text) = esri.to_wkt()
        && let Ok(crs) = Crs::from_prj(&text)
    {
        return Some(crs);
    }
    let code = code
        .map(|c| format!("EPSG:{c}, which this build cannot use; "))
        .unwrap_or_default();
    notes.push(format!(
        "{}: its spatial reference is not read as a CRS ({code}{why}); the coordinates are \
         taken as lon/lat if they can be, else give the CRS (--crs EPSG:N, or [crs] in the \
         config)",
        name.display()
    ));
    None
}

/// A layer's features made into GeoJSON ones as OGR hands them out.
struct OgrFeatures {
    name: PathBuf,
    features: OwnedFeatureIterator,
    /// Each field's name as a JSON string, in the layer's order.
    fields: Vec<Vec<u8>>,
    crs: Option<Crs>,
    /// The layer's feature count when GDAL knows it cheaply: fewer read is an error.
    expected: Option<u64>,
    index: usize,
    fids: Arc<Fids>,
    curved: Arc<Mutex<Vec<usize>>>,
    /// Features read, of the `expected`.
    share: Arc<Share>,
}

impl Features for OgrFeatures {
    fn crs(&self) -> Option<&Crs> {
        self.crs.as_ref()
    }

    fn next_chunk(&mut self, out: &mut Vec<u8>) -> std::io::Result<bool> {
        let more = fill(out, |out| self.next_feature(out));
        self.share.set(self.index as u64);
        more
    }

    /// Every feature GDAL counts has been read.
    fn end(&mut self) -> std::io::Result<()> {
        if let Some(n) = self.expected
            && (self.index as u64) < n
        {
            return Err(self.fault(format!(
                "GDAL stopped after {} of the layer's {n} features: the source may be \
                 damaged; open it in QGIS or ogrinfo, or export it again",
                self.index
            )));
        }
        Ok(())
    }
}

impl OgrFeatures {
    fn fault(&self, message: String) -> std::io::Error {
        std::io::Error::other(Error::Gdal {
            file: self.name.clone(),
            feature: Some(self.index),
            message,
        })
    }

    /// Appends the next feature; false when the layer has no more.
    fn next_feature(&mut self, out: &mut Vec<u8>) -> std::io::Result<bool> {
        let Some(feature) = (&mut self.features).next() else {
            return Ok(false);
        };
        if let Some(fid) = feature.fid().and_then(|f| i64::try_from(f).ok()) {
            self.fids.push(self.index, fid);
        }
        feature_start(self.index, out);
        properties(&feature, &self.fields, out);
        out.extend_from_slice(b"},\"geometry\":");
        let geometry = feature.geometry_by_index(0).ok().map(|g| g.iso_wkb());
        let written = match geometry {
            None => {
                out.extend_from_slice(b"null");
                Ok(Written::Plain)
            }
            Some(Ok(bytes)) => wkb::write_geojson(&bytes, out),
            Some(Err(e)) => Err(format!("GDAL cannot export its geometry: {e}")),
        };
        drop(feature);
        match written {
            Ok(Written::Plain) => {}
            Ok(Written::Curved) => self
                .curved
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(self.index),
            Err(m) => return Err(self.fault(m)),
        }
        out.push(b'}');
        self.index += 1;
        Ok(true)
    }
}

/// A feature's fields as the members of its `properties`: NULL ones left out.
fn properties(feature: &Feature<'_>, fields: &[Vec<u8>], out: &mut Vec<u8>) {
    let mut first = true;
    for (i, name) in fields.iter().enumerate() {
        let value = match feature.field(i) {
            Ok(None) => continue,
            Ok(Some(v)) => Some(v),
            // A type the gdal crate does not convert (binary, time): OGR's text of it.
            Err(_) => None,
        };
        if !first {
            out.push(b',');
        }
        first = false;
        out.extend_from_slice(name);
        out.push(b':');
        match value {
            Some(FieldValue::DateTimeValue(_)) | None => {
                match feature.field_as_string(i).ok().flatten() {
                    Some(text) => json_string(&text, out),
                    None => out.extend_from_slice(b"null"),
                }
            }
            Some(v) => value_json(v, out),
        }
    }
}

/// A field's value as JSON (a date-time is written by the caller, as OGR's text).
fn value_json(value: FieldValue, out: &mut Vec<u8>) {
    let array = |items: Vec<String>, out: &mut Vec<u8>| {
        out.push(b'[');
        out.extend_from_slice(items.join(",").as_bytes());
        out.push(b']');
    };
    match value {
        FieldValue::IntegerValue(n) => out.extend_from_slice(n.to_string().as_bytes()),
        FieldValue::Integer64Value(n) => out.extend_from_slice(n.to_string().as_bytes()),
        FieldValue::RealValue(v) => real(v, out),
        FieldValue::StringValue(s) => json_string(&s, out),
        FieldValue::DateValue(d) => json_string(&d.to_string(), out),
        FieldValue::DateTimeValue(t) => json_string(&t.to_string(), out),
        FieldValue::IntegerListValue(v) => array(v.iter().map(i32::to_string).collect(), out),
        FieldValue::Integer64ListValue(v) => array(v.iter().map(i64::to_string).collect(), out),
        FieldValue::RealListValue(v) => array(
            v.iter()
                .map(|&x| {
                    let mut b = Vec::new();
                    real(x, &mut b);
                    String::from_utf8_lossy(&b).into_owned()
                })
                .collect(),
            out,
        ),
        FieldValue::StringListValue(v) => {
            let mut b = Vec::new();
            for (k, s) in v.iter().enumerate() {
                if k > 0 {
                    b.push(b',');
                }
                json_string(s, &mut b);
            }
            out.push(b'[');
            out.extend_from_slice(&b);
            out.push(b']');
        }
    }
}

/// A real field: a whole number as one (as the Shapefile reader writes them), else at full
/// precision; not finite, as text, which the layer's checks reject naming the field.
fn real(v: f64, out: &mut Vec<u8>) {
    if !v.is_finite() {
        json_string(&v.to_string(), out);
    } else if v.fract() == 0.0 && v.abs() < 9.0e15 {
        out.extend_from_slice((v as i64).to_string().as_bytes());
    } else {
        number(v, out);
    }
}
