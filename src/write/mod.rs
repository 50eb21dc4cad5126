//! Writing an [`AuditReport`] into an output folder: the files of `docs/outputs.md`.
//!
//! | file | what |
//! |---|---|
//! | `parcels.geojson` | every evaluated parcel, RFC 7946, input properties kept, figures and map styling added |
//! | `parks.geojson` | park polygons with their figures, styled by `over_cap` |
//! | `summary.json` | the headline figures and every park's |
//! | `rejected.csv` | every record not evaluated: layer, index, id, reason, code, property |
//! | `parcels.csv`, `enterprises.csv` | the tables, UTF-8 with BOM so Excel shows Chinese |
//! | `warnings.csv`, `overlaps.csv` | warnings, and overlapping parcel pairs with their area |
//! | `parks.csv` | the properties of `parks.geojson` as a table, with parcels and area by reason |
//! | `report.html` | one self-contained page for people: figures, map, parks, worst parcels, rejections |
//! | `parcels.fgb`, `parks.fgb` | with [`Format::FlatGeobuf`]: the GeoJSON's features, behind a packed R-tree |
//! | `parcels.parquet`, `parks.parquet` | with [`Format::GeoParquet`] (the `parquet` feature): GeoParquet 1.1 |
//!
//! The map layers (`parcels.*`, `parks.*`) are written in the formats of
//! [`WriteOptions::formats`], GeoJSON alone by default.
//!
//! One run at a time writes a folder (a lock beside it). The files are written into a staging
//! folder beside the output folder and, on Linux, swapped in as one set (`folder.rs`): a run
//! killed at any instant leaves the whole old set or the whole new one. Where the set cannot be
//! swapped (other systems, a folder holding files of the user's), every file is written to a
//! temporary file in the output folder and renamed into place, so a failed run never leaves a
//! half-written file where a good one stood. A run stopped while writing (Ctrl-C, a kill)
//! leaves its staging folder or temporary files (`.parcels.geojson.PID.RANDOM.tmp`) behind; the
//! next run into the folder removes those whose process is gone (on Linux, where `/proc`
//! tells). An output path equal to an input is refused before anything is written.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

pub use crate::config::Format;
use crate::config::{Config, OutputCrs};
use crate::error::{Error, Result};
use crate::results::AuditReport;
use crate::source_text::InputTexts;

mod csv;
mod fgb;
mod folder;
mod geojson;
mod html;
#[cfg(feature = "parquet")]
mod parquet;
mod table;

pub use geojson::{write_parcels_geojson, write_parks_geojson};
pub use html::{Lang, ReportOptions, write_report_html};

/// The files an audit writes, in the order written.
pub const OUTPUT_FILES: [&str; 10] = [
    "parcels.geojson",
    "parks.geojson",
    "parcels.csv",
    "enterprises.csv",
    "rejected.csv",
    "warnings.csv",
    "overlaps.csv",
    "summary.json",
    "report.html",
    "parks.csv",
];

/// The files of the map layers in the formats other than GeoJSON, written when asked for
/// ([`WriteOptions::formats`]).
pub const FORMAT_FILES: [&str; 4] = [
    "parcels.fgb",
    "parks.fgb",
    "parcels.parquet",
    "parks.parquet",
];

impl Format {
    /// The formats of a comma list as `--format` takes it: `geojson`, `fgb` (or
    /// `flatgeobuf`), `parquet` (or `geoparquet`), e.g. `geojson,parquet`.
    ///
    /// ```
    /// use land_efficiency::Format;
    /// assert_eq!(
    ///     Format::parse_list("geojson,fgb").unwrap(),
    ///     [Format::GeoJson, Format::FlatGeobuf]
    /// );
    /// assert!(Format::parse_list("kml").is_err());
    /// ```
    ///
    /// # Errors
    /// [`Error::Usage`] naming a format not known, or [`Format::GeoParquet`] in a build
    /// without the `parquet` feature.
    pub fn parse_list(list: &str) -> Result<Vec<Format>> {
        let mut formats = Vec::new();
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let Some(format) = Format::from_name(name) else {
                return Err(Error::Usage(format!(
                    "unknown output format {name:?}: give a comma list of geojson, fgb, parquet"
                )));
            };
            unbuilt(format)?;
            if !formats.contains(&format) {
                formats.push(format);
            }
        }
        Ok(formats)
    }

    /// The parcels' and the parks' file names.
    pub fn files(self) -> [&'static str; 2] {
        match self {
            Format::GeoJson => [OUTPUT_FILES[0], OUTPUT_FILES[1]],
            Format::FlatGeobuf => [FORMAT_FILES[0], FORMAT_FILES[1]],
            Format::GeoParquet => [FORMAT_FILES[2], FORMAT_FILES[3]],
        }
    }
}

/// An error for `format` when this build does not write it: the feature it needs.
fn unbuilt(format: Format) -> Result<()> {
    match format.missing_feature() {
        None => Ok(()),
        Some(feature) => Err(Error::Usage(format!(
            "{} needs the `{feature}` feature: build with cargo build --features {feature}",
            format.name()
        ))),
    }
}

/// The folder beside `report.html` holding its map's data, written only for an audit of more
/// parcels than one page draws ([`ReportOptions::max_parcels_drawn`]); removed otherwise.
pub const REPORT_FILES: &str = "report_files";

/// How to write.
#[derive(Debug, Clone, Default)]
pub struct WriteOptions {
    /// The CRS of the output GeoJSON: WGS84 (RFC 7946) or GCJ-02.
    pub crs: OutputCrs,
    /// Input files, which the outputs must not overwrite, besides those the audit read from a
    /// path (its layers and the previous audit's tables), which are always refused.
    pub inputs: Vec<PathBuf>,
    /// How to render `report.html`.
    pub report: ReportOptions,
    /// The formats the map layers (parcels and parks) are written in; none given is GeoJSON
    /// alone.
    pub formats: Vec<Format>,
}

impl WriteOptions {
    /// The options a configuration gives: the map layers' formats (`[output] formats`), their
    /// CRS (`[crs] output`) and `report.html`'s heading (`[report]`, in `lang`); no input
    /// files named. [`WriteOptions::default`] reads no configuration: GeoJSON in WGS84.
    ///
    /// ```
    /// use land_efficiency::{Config, Format, Lang, WriteOptions};
    /// let config = Config::from_toml("[output]\nformats = [\"fgb\"]").unwrap();
    /// let options = WriteOptions::from_config(&config, Lang::Zh);
    /// assert_eq!(options.formats, [Format::FlatGeobuf]);
    /// assert!(WriteOptions::from_config(&Config::default(), Lang::Zh).formats.is_empty());
    /// ```
    pub fn from_config(config: &Config, lang: Lang) -> WriteOptions {
        WriteOptions {
            crs: config.crs.output,
            inputs: Vec::new(),
            report: ReportOptions::from_config(&config.report, lang),
            formats: config.output.formats.clone().unwrap_or_default(),
        }
    }

    /// The formats asked for: GeoJSON when none is.
    fn chosen_formats(&self) -> Vec<Format> {
        if self.formats.is_empty() {
            vec![Format::GeoJson]
        } else {
            self.formats.clone()
        }
    }
}

/// Writes every output file into `dir` (created if missing) and returns their paths. The
/// report's texts are those it holds: for an audit that left them in its input files, see
/// [`write_all_with_text`].
///
/// The set of files is replaced as one (`docs/outputs.md`): on Linux, a run stopped at any
/// instant leaves `dir` with the whole old set or the whole new one. One run at a time
/// writes a folder.
///
/// # Errors
/// [`Error::OutputIsInput`] before anything is written when an output would replace an input;
/// [`Error::OutputLocked`] when another run is writing `dir`; [`Error::Usage`] when the report's texts were left in its input files (write those with
/// [`write_all_with_text`]); [`Error::Io`] naming the file when one cannot be written.
pub fn write_all(report: &AuditReport, dir: &Path, options: &WriteOptions) -> Result<Vec<PathBuf>> {
    write_all_with_text(report, &InputTexts::default(), dir, options)
}

/// [`write_all`], reading parcels' `properties` and enterprises' names back from the input
/// files they were left in ([`Audit::run_leaving_text`](crate::audit::Audit::run_leaving_text)).
///
/// # Errors
/// As [`write_all`]; [`Error::Usage`] when `texts` are not the files this report's texts were
/// left in; [`Error::InputChanged`] when a file of `texts` was changed in place (its length
/// before anything is written, a text's bytes when it is read back).
pub fn write_all_with_text(
    report: &AuditReport,
    texts: &InputTexts,
    dir: &Path,
    options: &WriteOptions,
) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::io(dir, "cannot create the output folder", e))?;
    let formats = options.chosen_formats();
    let chosen = |f: Format| formats.contains(&f);
    formats.iter().try_for_each(|&f| unbuilt(f))?;
    let (t, layers, mut targets) = output_paths(dir, &formats);
    let mut inputs = options.inputs.clone();
    inputs.extend(report.input_files.iter().cloned());
    inputs.extend(texts.files().map(Path::to_path_buf));
    refuse_inputs(&targets, &inputs)?;
    let folder = folder::OutputFolder::open(dir)?;
    remove_stale_temporaries(dir);
    // Parcel properties and enterprise names are read back from their files: check those
    // before writing anything.
    report
        .parcel_table
        .check_text_source(texts.parcels.as_ref())?;
    report
        .enterprise_table
        .check_text_source(texts.enterprises.as_ref())?;
    texts.check()?;
    let writing = folder.writing_dir();
    let files = folder.report_files_dir();
    let properties = texts.parcels.as_ref();
    // The four large files are formatted in parallel chunks; the small ones, the report's
    // the largest (~0.1 s at 1M parcels, on one thread), are written beside them, and the
    // map layers in other formats (written on one thread each) beside both.
    let (large, small, other) = std::thread::scope(|scope| {
        let small = scope.spawn(|| {
            let mut staged = Staged::into(writing);
            let result = (|| {
                staged.write(&t[4], |w| csv::rejected(report, w))?;
                staged.write(&t[5], |w| csv::warnings(report, w))?;
                staged.write(&t[6], |w| csv::overlaps(report, w))?;
                staged.write(&t[7], |w| {
                    serde_json::to_writer_pretty(&mut *w, &report.summary)
                        .map_err(std::io::Error::other)?;
                    w.write_all(b"\n")
                })?;
                let names = texts.enterprises.as_ref();
                staged.write(&t[8], |w| {
                    html::write_report(report, names, w, &options.report, Some(&files))
                })?;
                staged.write(&t[9], |w| csv::parks(report, w))
            })();
            (staged, result)
        });
        let other = scope.spawn(|| {
            let mut staged = Staged::into(writing);
            let result = write_layers(
                &mut staged,
                report,
                properties,
                &layers,
                options.crs,
                &chosen,
            );
            (staged, result)
        });
        let mut staged = Staged::into(writing);
        let result = (|| {
            if chosen(Format::GeoJson) {
                staged.write(&t[0], |w| {
                    geojson::parcels(report, properties, w, options.crs)
                })?;
                staged.write(&t[1], |w| write_parks_geojson(report, w, options.crs))?;
            }
            staged.write(&t[2], |w| csv::parcels(report, w))?;
            let names = texts.enterprises.as_ref();
            staged.write(&t[3], |w| csv::enterprises(report, names, w))
        })();
        let join = |h: std::thread::ScopedJoinHandle<'_, (Staged, Result<()>)>| {
            h.join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        };
        ((staged, result), join(small), join(other))
    });
    let ((mut staged, large), (mut small_staged, small), (mut other_staged, other)) =
        (large, small, other);
    staged.files.append(&mut other_staged.files);
    staged.files.append(&mut small_staged.files);
    // The first failure in file order is the one reported.
    match large.and(other).and(small) {
        Ok(()) => staged.commit(),
        Err(e) => {
            staged.discard();
            Err(e)
        }
    }?;
    folder.commit()?;
    remove_other_layers(&t, &layers, &targets);
    if html::needs_files(report, &options.report) {
        targets.push(dir.join(REPORT_FILES));
    }
    Ok(targets)
}

/// The paths of [`OUTPUT_FILES`] and [`FORMAT_FILES`] in `dir`, and those written in
/// `formats`: the map layers of those formats, then the other outputs.
fn output_paths(dir: &Path, formats: &[Format]) -> (Vec<PathBuf>, Vec<PathBuf>, Vec<PathBuf>) {
    let t: Vec<PathBuf> = OUTPUT_FILES.iter().map(|f| dir.join(f)).collect();
    let layers: Vec<PathBuf> = FORMAT_FILES.iter().map(|f| dir.join(f)).collect();
    let targets: Vec<PathBuf> = (formats.iter())
        .flat_map(|f| f.files())
        .map(|f| dir.join(f))
        .chain(t[2..].iter().cloned())
        .collect();
    (t, layers, targets)
}

/// Removes the map layers of the formats not written this time (an earlier audit's), where
/// the set was not swapped in whole.
fn remove_other_layers(t: &[PathBuf], layers: &[PathBuf], written: &[PathBuf]) {
    for path in t[..2].iter().chain(layers) {
        if !written.contains(path) && is_file(path) {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Whether `path` is a regular file (not a link or folder of the user's).
fn is_file(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file())
}

/// Writes the map layers in the formats other than GeoJSON that `chosen` says, to `paths`
/// (those of [`FORMAT_FILES`]).
fn write_layers(
    staged: &mut Staged,
    report: &AuditReport,
    properties: Option<&crate::source_text::InputText>,
    paths: &[PathBuf],
    crs: OutputCrs,
    chosen: &dyn Fn(Format) -> bool,
) -> Result<()> {
    if chosen(Format::FlatGeobuf) {
        staged.write(&paths[0], |w| fgb::parcels(report, properties, w, crs))?;
        staged.write(&paths[1], |w| fgb::parks(report, w, crs))?;
    }
    #[cfg(feature = "parquet")]
    if chosen(Format::GeoParquet) {
        staged.write(&paths[2], |w| parquet::parcels(report, properties, w, crs))?;
        staged.write(&paths[3], |w| parquet::parks(report, w, crs))?;
    }
    let _ = (report, properties, paths, crs);
    Ok(())
}

/// Refuses an output path that is one of the inputs (compared after resolving links).
fn refuse_inputs(outputs: &[PathBuf], inputs: &[PathBuf]) -> Result<()> {
    let canon = |p: &Path| -> Option<PathBuf> {
        if let Ok(c) = p.canonicalize() {
            return Some(c);
        }
        let parent = p.parent()?.canonicalize().ok()?;
        Some(parent.join(p.file_name()?))
    };
    for input in inputs {
        let Some(ci) = canon(input) else { continue };
        for output in outputs {
            if canon(output).as_ref() == Some(&ci) {
                return Err(Error::OutputIsInput {
                    output: output.clone(),
                    input: input.clone(),
                });
            }
        }
    }
    Ok(())
}

/// Output files written to temporary names, renamed into place once all are written. A folder
/// where an output goes is refused before any rename; a rename that still fails part-way
/// (the disk, permissions changed meanwhile) leaves the files before it replaced.
#[derive(Default)]
pub struct Staged {
    /// Each temporary file, and the output it becomes.
    files: Vec<(PathBuf, PathBuf)>,
    /// The folder the files are written into, when not that of their outputs: the staging
    /// folder swapped with the output folder afterwards.
    folder: Option<PathBuf>,
}

/// Removes the temporary outputs (`.parcels.geojson.PID.RANDOM.tmp`) a run stopped while
/// writing (a Ctrl-C, a kill) left in `dir`: their names hold the process id, so no later run
/// would replace them, and one can be hundreds of megabytes. Only those of a process that no
/// longer runs, told by `/proc` (elsewhere nothing is removed).
fn remove_stale_temporaries(dir: &Path) {
    for entry in left_by_gone_runs(dir, temporary_pid) {
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            let _ = std::fs::remove_dir_all(entry.path());
        } else {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// The entries of `dir` a stopped run left: those whose name `pid_of` reads a process id
/// from, of a process other than this one that no longer runs, told by `/proc` (elsewhere
/// none: nothing tells).
fn left_by_gone_runs(dir: &Path, pid_of: impl Fn(&str) -> Option<u32>) -> Vec<std::fs::DirEntry> {
    let proc = Path::new("/proc");
    if !proc.join("self").exists() {
        return Vec::new();
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let gone = |pid: u32| pid != std::process::id() && !proc.join(pid.to_string()).exists();
    (entries.flatten())
        .filter(|e| e.file_name().to_str().and_then(&pid_of).is_some_and(gone))
        .collect()
}

/// The process id in the name of a temporary output (`.parcels.csv.PID.RANDOM.tmp`, or
/// `.parcels.csv.PID.tmp` as runs before the random part named them).
fn temporary_pid(name: &str) -> Option<u32> {
    (OUTPUT_FILES
        .iter()
        .chain(&FORMAT_FILES)
        .chain([&REPORT_FILES]))
    .find_map(|output| {
        let rest = name.strip_prefix('.')?.strip_prefix(output)?;
        let rest = rest.strip_prefix('.')?.strip_suffix(".tmp")?;
        rest.split('.').next()?.parse::<u32>().ok()
    })
}

/// 64 bits no one can foresee: a freshly keyed SipHash (std seeds its keys from the
/// operating system) of the time and `attempt`.
fn unforeseeable(attempt: u64) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.write_u64(attempt);
    h.finish()
}

/// Creates a new temporary file for output `name` in `dir`, under a name no one can foresee
/// (the process id and 64 random bits) and only if nothing stands there: a link planted
/// there in a shared folder is never followed (`O_CREAT | O_EXCL`), so its target is never
/// written.
fn create_temporary(dir: &Path, name: &str) -> std::io::Result<(PathBuf, File)> {
    let mut attempt = 0u64;
    loop {
        let tmp = dir.join(format!(
            ".{name}.{}.{:016x}.tmp",
            std::process::id(),
            unforeseeable(attempt)
        ));
        match File::options().write(true).create_new(true).open(&tmp) {
            Ok(file) => return Ok((tmp, file)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 16 => {
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    }
}

impl Staged {
    /// Outputs written into `folder`, renamed there under their names, whatever folder their
    /// paths name (which errors name): the staging folder of the output folder.
    pub(crate) fn into(folder: &Path) -> Staged {
        Staged {
            files: Vec::new(),
            folder: Some(folder.to_path_buf()),
        }
    }

    /// Writes `path`'s content to a temporary file beside it (or in the staging folder).
    ///
    /// # Errors
    /// [`Error::Io`] naming `path`; the temporary file is removed.
    pub fn write(
        &mut self,
        path: &Path,
        body: impl FnOnce(&mut BufWriter<File>) -> std::io::Result<()>,
    ) -> Result<()> {
        let dir = match &self.folder {
            Some(folder) => folder.as_path(),
            None => path.parent().unwrap_or(Path::new(".")),
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let (tmp, file) = match create_temporary(dir, &name) {
            Ok(created) => created,
            Err(e) => return Err(Error::io(path, "cannot create a temporary file beside", e)),
        };
        let result = (|| -> std::io::Result<()> {
            let mut w = BufWriter::with_capacity(1 << 20, file);
            body(&mut w)?;
            // Flushed to the operating system, not forced to disk: the rename protects against
            // a failed or killed run, not against a power cut (fsync of a gigabyte would cost
            // seconds).
            w.into_inner().map_err(|e| e.into_error())?;
            Ok(())
        })();
        match result {
            Ok(()) => {
                self.files.push((tmp, path.to_path_buf()));
                Ok(())
            }
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                // An input's failure met while writing (text read back from a changed file)
                // is that error, not one of the output.
                if e.get_ref().is_some_and(|inner| inner.is::<Error>()) {
                    let kind = e.kind();
                    return match e.into_inner().map(|b| b.downcast::<Error>()) {
                        Some(Ok(inner)) => Err(*inner),
                        _ => Err(Error::io(path, "cannot write", kind.into())),
                    };
                }
                Err(Error::io(path, "cannot write", e))
            }
        }
    }

    /// Renames every temporary file into place.
    ///
    /// # Errors
    /// [`Error::Io`] naming the file that could not be renamed; the rest are removed.
    pub fn commit(mut self) -> Result<()> {
        // A folder standing where an output goes would stop the renames part-way, with the
        // outputs before it replaced and those after it not: refuse before renaming any.
        let destination = |path: &Path| match (&self.folder, path.file_name()) {
            (Some(folder), Some(name)) => folder.join(name),
            _ => path.to_path_buf(),
        };
        if let Some((_, path)) = (self.files.iter()).find(|(_, path)| destination(path).is_dir()) {
            return Err(Error::io(
                path,
                "cannot replace a folder with an output file",
                std::io::ErrorKind::IsADirectory.into(),
            ));
        }
        let files = std::mem::take(&mut self.files);
        let mut iter = files.into_iter();
        while let Some((tmp, path)) = iter.next() {
            if let Err(e) = std::fs::rename(&tmp, destination(&path)) {
                let _ = std::fs::remove_file(&tmp);
                for (t, _) in iter {
                    let _ = std::fs::remove_file(t);
                }
                return Err(Error::io(
                    &path,
                    "cannot rename the temporary file into place",
                    e,
                ));
            }
        }
        Ok(())
    }

    /// Removes every temporary file.
    pub fn discard(mut self) {
        for (tmp, _) in std::mem::take(&mut self.files) {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        for (tmp, _) in std::mem::take(&mut self.files) {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

/// Writes rows `0..n` through `format`, formatting chunks of `chunk` rows in parallel and
/// writing them in order, a few chunks at a time so memory stays bounded.
pub(crate) fn chunked(
    w: &mut dyn Write,
    n: usize,
    chunk: usize,
    format: &(dyn Fn(usize, &mut Vec<u8>) + Sync),
) -> std::io::Result<()> {
    chunked_ranges(w, n, chunk, &|rows, buf| {
        for row in rows {
            format(row, buf);
        }
        Ok(())
    })
}

/// Formats a range of rows into a buffer.
type FormatRows<'a> =
    dyn Fn(std::ops::Range<usize>, &mut Vec<u8>) -> std::io::Result<()> + Sync + 'a;

/// A window of formatted chunks, each its text or the error that stopped its formatting.
type Window = Vec<std::io::Result<Vec<u8>>>;

/// Chunks formatted at once, in parallel.
const WINDOW: usize = 8;

/// As [`chunked`], `format` given each chunk's range of rows at once (so that it can fetch
/// what the chunk needs in one go).
///
/// Formatting and writing overlap: a scoped thread formats a window of chunks in parallel
/// while this thread writes the window before it; at most three windows of formatted text
/// are alive at once (one being written, one waiting, one being formatted). On a rayon
/// worker (a caller inside `par_iter`, `join` or `install`) they alternate instead: blocking
/// a worker on a channel while the formatting waits for a free worker could deadlock.
///
/// The first error in row order is returned, after every chunk before it is written.
pub(crate) fn chunked_ranges(
    w: &mut dyn Write,
    n: usize,
    chunk: usize,
    format: &FormatRows<'_>,
) -> std::io::Result<()> {
    let chunk = chunk.max(1);
    let starts: Vec<usize> = (0..n).step_by(chunk).collect();
    // Each buffer starts as large as the largest so far (up to 16 MiB, so that one huge row
    // does not make every later buffer as large), so that it is not grown (and copied) again
    // and again as rows are formatted into it.
    const LARGEST_START: usize = 16 << 20;
    let largest = std::sync::atomic::AtomicUsize::new(chunk * 256);
    let format_window = |window: &[usize]| -> Window {
        use rayon::prelude::*;
        use std::sync::atomic::Ordering::Relaxed;
        window
            .par_iter()
            .map(|&start| {
                let mut buf = Vec::with_capacity(largest.load(Relaxed).min(LARGEST_START));
                format(start..(start + chunk).min(n), &mut buf)?;
                largest.fetch_max(buf.len(), Relaxed);
                Ok(buf)
            })
            .collect()
    };
    let write_window = |w: &mut dyn Write, window: Window| -> std::io::Result<()> {
        for buffer in window {
            w.write_all(&buffer?)?;
        }
        Ok(())
    };
    if rayon::current_thread_index().is_some() {
        for window in starts.chunks(WINDOW) {
            write_window(w, format_window(window))?;
        }
        return Ok(());
    }
    let (tx, rx) = std::sync::mpsc::sync_channel::<Window>(1);
    std::thread::scope(|scope| {
        let starts = &starts;
        let format_window = &format_window;
        let formatter = scope.spawn(move || {
            for window in starts.chunks(WINDOW) {
                let window = format_window(window);
                let failed = window.iter().any(Result::is_err);
                // The receiver stops at the first error (its own or ours): stop with it.
                if tx.send(window).is_err() || failed {
                    return;
                }
            }
        });
        // `rx` is dropped when this returns, which stops the formatter if it is still going.
        let mut write = |rx: std::sync::mpsc::Receiver<Window>| {
            for window in rx {
                write_window(w, window)?;
            }
            Ok(())
        };
        let written = write(rx);
        // Joined, not left to the scope: the thread has then wholly exited (its thread-local
        // storage freed) before the caller goes on.
        if let Err(panic) = formatter.join() {
            std::panic::resume_unwind(panic);
        }
        written
    })
}

/// A park's ratio as a percentage for people: one decimal, or as many more (up to six) as it
/// takes not to read the same as `cap` when it is not the cap: 29.99999% and 30.00001% both
/// read "30.0%", one over the cap and one not. Closer still, it is `>30.0%` or `<30.0%`;
/// within rounding of the cap, where [`exceeds`](crate::rules::exceeds) calls it not over,
/// it reads as the cap.
pub(crate) fn ratio_percent(ratio: f64, cap: f64) -> String {
    use crate::rules::exceeds;
    let at = |d: usize, v: f64| format!("{:.*}%", d, v * 100.0);
    if !exceeds(ratio, cap) && !exceeds(cap, ratio) {
        return at(1, ratio);
    }
    (1..=6)
        .map(|d| (at(d, ratio), at(d, cap)))
        .find(|(r, c)| r != c)
        .map_or_else(
            || format!("{}{}", if ratio > cap { '>' } else { '<' }, at(1, cap)),
            |(r, _)| r,
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A run stopped while writing leaves `.NAME.PID.RANDOM.tmp` files (`.NAME.PID.tmp`
    /// before); the next run into the same folder removes those of a process that is gone,
    /// and leaves everything else.
    #[test]
    #[cfg(target_os = "linux")]
    fn the_temporaries_of_a_stopped_run_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let older = dir.path().join(".parcels.geojson.999999999.tmp");
        let gone = dir
            .path()
            .join(".parcels.csv.999999999.0123456789abcdef.tmp");
        let alive = dir
            .path()
            .join(format!(".summary.json.{}.tmp", std::process::id()));
        let other = dir.path().join(".notes.999999999.tmp");
        for f in [&older, &gone, &alive, &other] {
            std::fs::write(f, "x").unwrap();
        }
        remove_stale_temporaries(dir.path());
        assert!(!older.exists() && !gone.exists());
        assert!(alive.exists() && other.exists());
    }

    /// A temporary file is created new under a name no one can foresee: a link planted in the
    /// folder, at the name an earlier version used or at any other, is never written through.
    #[test]
    #[cfg(unix)]
    fn a_temporary_file_never_writes_through_a_planted_link() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("precious.txt");
        std::fs::write(&target, "keep").unwrap();
        let planted = dir
            .path()
            .join(format!(".summary.json.{}.tmp", std::process::id()));
        std::os::unix::fs::symlink(&target, &planted).unwrap();
        let (a, mut file) = create_temporary(dir.path(), "summary.json").unwrap();
        let (b, _) = create_temporary(dir.path(), "summary.json").unwrap();
        assert_ne!(a, planted);
        assert_ne!(a, b, "two names alike");
        std::io::Write::write_all(&mut file, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep");
        assert!(
            !std::fs::symlink_metadata(&a)
                .unwrap()
                .file_type()
                .is_symlink()
        );
    }

    /// Parks flagged differently must not read the same: near the cap the ratio takes the
    /// decimals it needs to differ from it; elsewhere, or at the cap itself, one decimal.
    #[test]
    fn a_ratio_near_the_cap_reads_apart_from_it() {
        assert_eq!(ratio_percent(0.29999993, 0.3), "29.99999%");
        assert_eq!(ratio_percent(0.30000007, 0.3), "30.00001%");
        assert_eq!(ratio_percent(0.3, 0.3), "30.0%");
        assert_eq!(ratio_percent(0.25, 0.3), "25.0%");
        assert_eq!(ratio_percent(0.2996, 0.3), "29.96%");
        // Past six decimals, which side of the cap it is on.
        assert_eq!(ratio_percent(0.30000000000108, 0.3), ">30.0%");
        assert_eq!(ratio_percent(0.2999999999, 0.3), "<30.0%");
        // Within rounding of the cap it is at the cap, as the over-cap flag has it.
        assert_eq!(ratio_percent(0.3 + 1e-14, 0.3), "30.0%");
        assert!(!crate::rules::exceeds(0.3 + 1e-14, 0.3));
    }
    use std::io;

    fn rows(range: std::ops::Range<usize>, buf: &mut Vec<u8>) -> io::Result<()> {
        for row in range {
            buf.extend_from_slice(format!("{row}\n").as_bytes());
        }
        Ok(())
    }

    #[test]
    fn chunks_are_written_in_row_order() {
        let mut out = Vec::new();
        // 3 windows of 8 chunks and a short last chunk.
        chunked_ranges(&mut out, 1000, 41, &rows).unwrap();
        let expected: String = (0..1000).map(|r| format!("{r}\n")).collect();
        assert_eq!(String::from_utf8(out).unwrap(), expected);
        let mut empty = Vec::new();
        chunked_ranges(&mut empty, 0, 41, &rows).unwrap();
        assert!(empty.is_empty());
    }

    #[test]
    fn a_formatting_error_stops_the_write_after_the_rows_before_it() {
        let mut out = Vec::new();
        let failing = |range: std::ops::Range<usize>, buf: &mut Vec<u8>| {
            if range.contains(&700) {
                return Err(io::Error::other("row 700 changed"));
            }
            rows(range, buf)
        };
        let e = chunked_ranges(&mut out, 1000, 10, &failing).unwrap_err();
        assert_eq!(e.to_string(), "row 700 changed");
        // Every row before the failing chunk is written, in order; nothing from it on.
        let expected: String = (0..700).map(|r| format!("{r}\n")).collect();
        assert_eq!(String::from_utf8(out).unwrap(), expected);
    }

    #[test]
    fn the_first_error_in_row_order_is_the_one_returned() {
        // The chunk of row 0 fails late, the one of row 70 (same window) at once.
        let failing = |range: std::ops::Range<usize>, buf: &mut Vec<u8>| {
            if range.contains(&0) {
                std::thread::sleep(std::time::Duration::from_millis(30));
                return Err(io::Error::other("row 0 changed"));
            }
            if range.contains(&70) {
                return Err(io::Error::other("row 70 changed"));
            }
            rows(range, buf)
        };
        for _ in 0..5 {
            let mut out = Vec::new();
            let e = chunked_ranges(&mut out, 1000, 10, &failing).unwrap_err();
            assert_eq!(e.to_string(), "row 0 changed");
            assert!(out.is_empty());
        }
    }

    #[test]
    fn writes_from_every_rayon_worker_at_once_finish() {
        use rayon::prelude::*;
        // Each worker of the global pool writes; none is left free to format for a helper
        // thread, so a write that waited on one would never finish.
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let sizes: Vec<usize> = (0..rayon::current_num_threads())
                .into_par_iter()
                .map(|_| {
                    let mut out = Vec::new();
                    chunked_ranges(&mut out, 5000, 7, &rows).unwrap();
                    out.len()
                })
                .collect();
            let _ = tx.send(sizes);
        });
        let sizes = rx
            .recv_timeout(std::time::Duration::from_secs(60))
            .expect("writes on rayon workers finished");
        let one: usize = (0..5000).map(|r| format!("{r}\n").len()).sum();
        assert!(sizes.iter().all(|&s| s == one), "{sizes:?}");
    }

    /// A sink that fails after `left` bytes.
    struct Full {
        left: usize,
    }

    impl Write for Full {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.left == 0 {
                return Err(io::Error::new(io::ErrorKind::StorageFull, "disk full"));
            }
            let n = buf.len().min(self.left);
            self.left -= n;
            Ok(n)
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_write_error_stops_the_formatting_and_is_returned() {
        let formatted = std::sync::atomic::AtomicUsize::new(0);
        let counting = |range: std::ops::Range<usize>, buf: &mut Vec<u8>| {
            formatted.fetch_add(range.len(), std::sync::atomic::Ordering::Relaxed);
            rows(range, buf)
        };
        let e = chunked_ranges(&mut Full { left: 100 }, 100_000, 10, &counting).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::StorageFull);
        // At most three windows were formatted: the one written, one waiting, one in hand.
        let done = formatted.load(std::sync::atomic::Ordering::Relaxed);
        assert!(
            done <= 3 * WINDOW * 10,
            "{done} rows formatted after the disk filled"
        );
    }
}
