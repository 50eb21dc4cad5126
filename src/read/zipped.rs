//! A Shapefile in a zip (`zd.zip`, its parts at the top or in a folder), as cadastral layers
//! are often sent: the `.shp`, `.dbf`, `.prj` and `.cpg` are unzipped into memory, within
//! [`MAX_UNZIPPED_BYTES`], and read as [`super::shp`] reads them from files. A zip holding
//! several Shapefiles is read by the one named as QGIS names a layer
//! (`zd.zip|layername=ZD`), else refused listing them.

use std::fs::File;
use std::io::{BufReader, Read, Seek};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::shp::{self, MAX_SIDECAR_BYTES, Opened, Parts};
use crate::error::{Error, Result};

/// The most bytes a zipped Shapefile's parts may unzip to, all together: they are held in
/// memory while read.
pub(crate) const MAX_UNZIPPED_BYTES: u64 = 2 << 30;

/// Opens the Shapefile in the zip at `path`: the one named `layer` (its name without `.shp`,
/// or its path in the zip), else the only one.
///
/// # Errors
/// [`Error::Shapefile`] naming the zip for one that cannot be read, holds no Shapefile,
/// several and none named, or not the one named; [`Error::InputFormat`] for a `.shp`
/// without its `.dbf`; [`Error::InputTooLarge`] past [`MAX_UNZIPPED_BYTES`]; as
/// [`shp::open_parts`] for the parts.
pub(crate) fn open(path: &Path, layer: Option<&str>) -> Result<Opened> {
    let file = File::open(path).map_err(|e| Error::io(path, "cannot open", e))?;
    open_from(BufReader::new(file), path, layer)
}

/// Opens the Shapefile in a zip held in memory (`data`, named `label` in messages), as
/// [`open`] does a file.
///
/// # Errors
/// As [`open`].
pub(crate) fn open_bytes(label: &Path, data: &Arc<[u8]>, layer: Option<&str>) -> Result<Opened> {
    open_from(std::io::Cursor::new(Arc::clone(data)), label, layer)
}

fn open_from<R: Read + Seek>(input: R, path: &Path, layer: Option<&str>) -> Result<Opened> {
    let bad = |message: String| Error::Shapefile {
        file: path.to_path_buf(),
        record: None,
        message,
    };
    let mut zip = zip::ZipArchive::new(input).map_err(|e| {
        bad(format!(
            "cannot be read as a zip ({e}): zip the layer again"
        ))
    })?;
    let names: Vec<String> = (zip.file_names())
        .filter_map(|n| n.ok().map(|n| n.into_owned()))
        .collect();
    let shp = choose(&names, layer).map_err(bad)?;
    let stem = &shp[..shp.len() - 4];
    let part = |ext: &str| {
        names
            .iter()
            .find(|n| {
                n.len() == shp.len()
                    && n.starts_with(stem)
                    && n[stem.len()..].eq_ignore_ascii_case(ext)
            })
            .cloned()
    };
    let Some(dbf) = part(".dbf") else {
        let short = Path::new(stem).file_name().map(|s| s.to_string_lossy());
        return Err(Error::InputFormat {
            file: path.to_path_buf(),
            message: format!("{shp}: {}", shp::no_dbf(&short.unwrap_or_default())),
        });
    };
    let mut budget = MAX_UNZIPPED_BYTES;
    let (shp_bytes, dbf_bytes) = (
        unzip(&mut zip, path, &shp, &mut budget)?,
        unzip(&mut zip, path, &dbf, &mut budget)?,
    );
    let mut sidecar = |ext: &str| -> Result<Option<(PathBuf, Vec<u8>)>> {
        let Some(name) = part(ext) else {
            return Ok(None);
        };
        let mut small = MAX_SIDECAR_BYTES.min(budget);
        let bytes = unzip(&mut zip, path, &name, &mut small)?;
        Ok(Some((inside(path, &name), bytes)))
    };
    let (prj, cpg) = (sidecar(".prj")?, sidecar(".cpg")?);
    open_shp(path, &shp, &dbf, shp_bytes, dbf_bytes, prj, cpg)
}

/// Reads the parts unzipped.
fn open_shp(
    path: &Path,
    shp: &str,
    dbf: &str,
    shp_bytes: Vec<u8>,
    dbf_bytes: Vec<u8>,
    prj: Option<(PathBuf, Vec<u8>)>,
    cpg: Option<(PathBuf, Vec<u8>)>,
) -> Result<Opened> {
    shp::open_parts(Parts {
        shp: inside(path, shp),
        shp_len: shp_bytes.len() as u64,
        shp_in: Box::new(std::io::Cursor::new(shp_bytes)),
        dbf: inside(path, dbf),
        dbf_len: dbf_bytes.len() as u64,
        dbf_in: Box::new(std::io::Cursor::new(dbf_bytes)),
        prj,
        cpg,
    })
}

/// How a file in the zip is named in messages: `zd.zip/zd/zd.shp`.
fn inside(zip: &Path, name: &str) -> PathBuf {
    zip.join(name)
}

/// The `.shp` to read among the zip's `names`: the one `layer` names, else the only one.
/// The error says why none is chosen, listing the Shapefiles there are.
fn choose(names: &[String], layer: Option<&str>) -> std::result::Result<String, String> {
    let shps: Vec<&String> = names
        .iter()
        .filter(|n| n.to_ascii_lowercase().ends_with(".shp"))
        // macOS's Finder adds a resource fork under __MACOSX/ for every file it zips.
        .filter(|n| !n.starts_with("__MACOSX/"))
        .collect();
    let stem = |n: &str| {
        let base = n.rsplit('/').next().unwrap_or(n);
        base[..base.len() - 4].to_string()
    };
    let listed = || {
        let shown: Vec<String> = shps
            .iter()
            .take(20)
            .map(|n| format!("{:?}", stem(n)))
            .collect();
        shown.join(", ")
    };
    match (layer, shps.as_slice()) {
        (_, []) => {
            let mut shown: Vec<&str> = names.iter().take(10).map(String::as_str).collect();
            if names.len() > 10 {
                shown.push("…");
            }
            Err(format!(
                "holds no Shapefile (.shp) (its files: {}): give a zip of the layer's .shp, \
                 .dbf, .shx, .prj and .cpg, or the layer as GeoJSON",
                shown.join(", ")
            ))
        }
        (None, [only]) => Ok(only.to_string()),
        (None, _) => Err(format!(
            "holds {} Shapefiles ({}): name one as QGIS does, zd.zip|layername=NAME",
            shps.len(),
            listed()
        )),
        (Some(want), _) => shps
            .iter()
            .find(|n| stem(n) == want || n.as_str() == want)
            .or_else(|| shps.iter().find(|n| stem(n).eq_ignore_ascii_case(want)))
            .map(|n| n.to_string())
            .ok_or_else(|| {
                format!(
                    "holds no Shapefile named {want:?} (|layername={want}); its Shapefiles: {}",
                    listed()
                )
            }),
    }
}

/// The bytes of the file `name` in the zip, at most `budget` (which they are taken from).
fn unzip<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    path: &Path,
    name: &str,
    budget: &mut u64,
) -> Result<Vec<u8>> {
    let bad = |message: String| Error::Shapefile {
        file: inside(path, name),
        record: None,
        message,
    };
    let too_large = |size| Error::InputTooLarge {
        file: inside(path, name),
        size,
        limit: MAX_UNZIPPED_BYTES,
        what: "a zipped Shapefile's parts, unzipped",
    };
    let entry = zip.by_name(name).map_err(|e| {
        bad(format!(
            "cannot be unzipped ({e}): zip the layer again, with the usual (deflate) compression \
             and no password"
        ))
    })?;
    let declared = entry.size();
    if declared > *budget {
        return Err(too_large(Some(declared)));
    }
    // The size a zip declares may lie: the read stops one byte past the budget.
    let mut bytes = Vec::with_capacity(declared.min(*budget) as usize);
    entry
        .take(*budget + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| {
            bad(format!(
                "cannot be unzipped ({e}): the zip is damaged; zip the layer again"
            ))
        })?;
    if bytes.len() as u64 > *budget {
        return Err(too_large(None));
    }
    *budget -= bytes.len() as u64;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shapefile_is_the_only_one_or_the_one_named() {
        let names: Vec<String> = ["zd/ZD.shp", "zd/ZD.dbf", "__MACOSX/zd/._ZD.shp"]
            .map(String::from)
            .to_vec();
        assert_eq!(choose(&names, None).unwrap(), "zd/ZD.shp");
        assert_eq!(choose(&names, Some("ZD")).unwrap(), "zd/ZD.shp");
        let two: Vec<String> = ["a.shp", "b.shp"].map(String::from).to_vec();
        let e = choose(&two, None).unwrap_err();
        assert!(e.contains("2 Shapefiles (\"a\", \"b\")"), "{e}");
        assert_eq!(choose(&two, Some("b")).unwrap(), "b.shp");
        let e = choose(&two, Some("c")).unwrap_err();
        assert!(e.contains("no Shapefile named \"c\""), "{e}");
        let e = choose(&["readme.txt".to_string()], None).unwrap_err();
        assert!(
            e.contains("holds no Shapefile") && e.contains("readme.txt"),
            "{e}"
        );
    }
}
