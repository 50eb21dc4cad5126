//! Shapefile input (`.shp` + `.dbf`, with `.prj` and `.cpg` when there): each record is
//! turned into one GeoJSON feature as the GeoJSON reader reads them, so that every check, the
//! rejection ledger and every position (the 0-based record index, as a feature's) are the
//! GeoJSON path's own.
//!
//! The features are made as they are read ([`ShapefileText`] is a `Read`, a
//! [`MadeText`](super::made::MadeText)): memory stays that of the GeoJSON pipeline's batches,
//! whatever the number of records.
//!
//! The `.dbf`'s encoding: the `.cpg` first, then the LDID byte (0x4D and 0x7A are CP936), then
//! what the bytes say (UTF-8 when they read as UTF-8, else GB18030, of which GBK is a part, as
//! the CSV reader decides). A warning says which was used and why.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use encoding_rs::Encoding;

use super::made::{Features, MadeText, Share, feature_start, fill, first_ten, json_string, number};
use crate::crs::Crs;
use crate::error::{Error, Result};
use crate::source_text::read_whole;

/// The `.shp` magic number (big-endian, at byte 0).
const FILE_CODE: i32 = 9994;

/// A sidecar of `shp` (same stem, extension `ext` in either case), if it is there.
fn sidecar(shp: &Path, ext: &str) -> Option<PathBuf> {
    [ext.to_ascii_lowercase(), ext.to_ascii_uppercase()]
        .into_iter()
        .map(|e| shp.with_extension(e))
        .find(|p| p.is_file())
}

/// What the `.dbf`'s text is decoded as, and why (for the warning).
struct TextEncoding {
    encoding: &'static Encoding,
    why: String,
}

/// The encoding a `.cpg`'s text names, if it names one.
fn cpg_encoding(text: &str) -> Option<&'static Encoding> {
    let t = text.trim().trim_matches('\u{feff}');
    let upper = t.to_ascii_uppercase();
    match upper.as_str() {
        "936" | "CP936" | "GBK" | "GB2312" | "GB18030" | "54936" | "ANSI 936" => {
            Some(encoding_rs::GB18030)
        }
        "65001" | "UTF-8" | "UTF8" => Some(encoding_rs::UTF_8),
        "950" | "BIG5" | "CP950" => Some(encoding_rs::BIG5),
        _ => {
            if let Ok(n) = upper.trim_start_matches("CP").parse::<u32>()
                && (874..=1258).contains(&n)
            {
                return Encoding::for_label(format!("windows-{n}").as_bytes());
            }
            Encoding::for_label(t.as_bytes())
        }
    }
}

/// The `.dbf`'s field descriptors and where its records start.
#[derive(Debug)]
struct DbfHeader {
    records: u32,
    header_len: u64,
    record_len: usize,
    ldid: u8,
    fields: Vec<DbfField>,
}

#[derive(Debug)]
struct DbfField {
    /// The name's bytes (decoded once the encoding is known).
    raw_name: Vec<u8>,
    name: String,
    kind: u8,
    /// Offset in the record (past the deletion flag).
    offset: usize,
    len: usize,
}

/// Reads the `.dbf`'s header up to its field list's terminator; returns it and the bytes read.
fn read_dbf_header(dbf: &Path, r: &mut impl Read) -> Result<(DbfHeader, u64)> {
    let bad = |message: String| Error::Shapefile {
        file: dbf.to_path_buf(),
        record: None,
        message,
    };
    let mut head = [0u8; 32];
    r.read_exact(&mut head)
        .map_err(|_| bad("shorter than a .dbf header (32 bytes): not a dBASE file".into()))?;
    let records = u32::from_le_bytes([head[4], head[5], head[6], head[7]]);
    let header_len = u64::from(u16::from_le_bytes([head[8], head[9]]));
    let record_len = usize::from(u16::from_le_bytes([head[10], head[11]]));
    let ldid = head[29];
    let mut fields = Vec::new();
    let mut offset = 0usize;
    let mut read = 32u64;
    loop {
        let mut first = [0u8; 1];
        if r.read_exact(&mut first).is_err() {
            return Err(bad(
                "the field list ends before its 0x0D terminator: the .dbf is \
                            truncated; export the layer again"
                    .into(),
            ));
        }
        read += 1;
        if first[0] == 0x0D {
            break;
        }
        let mut rest = [0u8; 31];
        r.read_exact(&mut rest).map_err(|_| {
            bad(
                "the field list ends inside a field: the .dbf is truncated; export the layer again"
                    .into(),
            )
        })?;
        read += 31;
        let mut name = vec![first[0]];
        name.extend_from_slice(&rest[..10]);
        let end = name.iter().position(|&b| b == 0).unwrap_or(name.len());
        name.truncate(end);
        let len = usize::from(rest[15]);
        fields.push(DbfField {
            raw_name: name,
            name: String::new(),
            kind: rest[10].to_ascii_uppercase(),
            offset,
            len,
        });
        offset += len;
        if fields.len() > 4096 {
            return Err(bad("more than 4096 fields: not a dBASE field list".into()));
        }
    }
    if offset + 1 > record_len {
        return Err(bad(format!(
            "its fields take {} bytes but a record is declared {record_len} bytes: the .dbf is \
             damaged; export the layer again",
            offset + 1
        )));
    }
    if header_len < read {
        return Err(bad(format!(
            "its header is declared {header_len} bytes but its field list takes {read}: the \
             .dbf is damaged; export the layer again"
        )));
    }
    Ok((
        DbfHeader {
            records,
            header_len,
            record_len,
            ldid,
            fields,
        },
        read,
    ))
}

/// Decides the `.dbf`'s encoding: `.cpg`, LDID, then the bytes (`sample`: field names and the
/// first records).
fn choose_encoding(cpg: Option<(&Path, String)>, ldid: u8, sample: &[u8]) -> TextEncoding {
    let mut unread = String::new();
    if let Some((path, text)) = cpg {
        let name = path.file_name().map(Path::new).unwrap_or(path).display();
        match cpg_encoding(&text) {
            Some(e) => {
                return TextEncoding {
                    encoding: e,
                    why: format!("as its {name} says ({})", text.trim()),
                };
            }
            None => {
                unread = format!(
                    "its {name} ({}) names no encoding known here; ",
                    crate::error::abbreviate(text.trim())
                )
            }
        }
    }
    match ldid {
        0x4D | 0x7A => {
            return TextEncoding {
                encoding: encoding_rs::GB18030,
                why: format!("{unread}as its LDID byte 0x{ldid:02X} says (CP936/GBK)"),
            };
        }
        0x4F => {
            return TextEncoding {
                encoding: encoding_rs::BIG5,
                why: format!("{unread}as its LDID byte 0x4F says (CP950/Big5)"),
            };
        }
        _ => {}
    }
    let tally = super::csv::Tally::of(sample);
    let marker = if ldid == 0 {
        "no LDID byte".to_string()
    } else {
        format!("LDID byte 0x{ldid:02X}")
    };
    if tally.gb18030() {
        TextEncoding {
            encoding: encoding_rs::GB18030,
            why: format!(
                "{unread}as GBK (GB18030): no .cpg, {marker}, and its text is not UTF-8; if the \
                 names read wrong, add a .cpg beside the .shp naming the encoding (936 for GBK, \
                 UTF-8)"
            ),
        }
    } else {
        TextEncoding {
            encoding: encoding_rs::UTF_8,
            why: format!("{unread}as UTF-8: no .cpg, {marker}, and its text reads as UTF-8"),
        }
    }
}

/// A Shapefile opened for reading, its `.dbf` header read and its encoding and CRS decided.
pub(crate) struct Opened {
    /// The features as GeoJSON, made as they are read.
    pub(crate) text: ShapefileText,
    /// Warnings about the layer as a whole: the encoding used, a `.prj` not understood.
    pub(crate) notes: Vec<String>,
    /// What the reading shows once done: records marked deleted.
    pub(crate) seen: Arc<Seen>,
}

/// What a [`ShapefileText`] shows as it is read (its progress, in bytes of the `.shp`, is its
/// [`MadeText::share`]).
#[derive(Debug, Default)]
pub(crate) struct Seen {
    /// Records marked deleted in the `.dbf` (read all the same), 0-based.
    pub(crate) deleted: Mutex<Vec<usize>>,
}

impl Seen {
    /// The warning for records marked deleted, if any were.
    pub(crate) fn deleted_note(&self, dbf: &Path) -> Option<String> {
        let d = self
            .deleted
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if d.is_empty() {
            return None;
        }
        Some(format!(
            "{}: {} record(s) are marked deleted in the .dbf but were read as any other \
             (record {}); if they should not count, pack the layer (QGIS: Vector > Data \
             Management, or export it again) and read it again",
            dbf.display(),
            d.len(),
            first_ten(&d),
        ))
    }
}

/// The CRS of a `.prj` (its name and text), if it is one the crate reads; a note in `notes`
/// when it is one it does not.
fn prj_crs(prj: Option<&(PathBuf, Vec<u8>)>, notes: &mut Vec<String>) -> Option<Crs> {
    let (prj, bytes) = prj?;
    match Crs::from_prj(&String::from_utf8_lossy(bytes)) {
        Ok(crs) => Some(crs),
        Err(why) => {
            notes.push(format!(
                "{}: not read as a CRS ({why}); the coordinates are taken as lon/lat if they \
                 can be, else give the CRS (--crs EPSG:N, or [crs] in the config)",
                prj.display()
            ));
            None
        }
    }
}

/// A `.prj` or `.cpg` is a line or two of text; anything past this is not one.
pub(crate) const MAX_SIDECAR_BYTES: u64 = 1 << 20;

/// A Shapefile's parts, each named as messages name it: the `.shp` and `.dbf` to be read
/// with their sizes, the `.prj`'s and `.cpg`'s text when there.
pub(crate) struct Parts {
    pub(crate) shp: PathBuf,
    pub(crate) shp_in: Box<dyn Read + Send>,
    pub(crate) shp_len: u64,
    pub(crate) dbf: PathBuf,
    pub(crate) dbf_in: Box<dyn Read + Send>,
    pub(crate) dbf_len: u64,
    pub(crate) prj: Option<(PathBuf, Vec<u8>)>,
    pub(crate) cpg: Option<(PathBuf, Vec<u8>)>,
}

/// The message for a `.shp` named `stem` given without its `.dbf`.
pub(crate) fn no_dbf(stem: &str) -> String {
    format!(
        "no {stem}.dbf beside it: a Shapefile's attributes (ids, figures) are in its .dbf; copy \
         every part of the layer (.shp, .dbf, .shx, .prj, .cpg) into one folder, or give it as \
         GeoJSON"
    )
}

/// Opens the Shapefile whose `.shp` is `shp`.
///
/// # Errors
/// [`Error::InputFormat`] for a `.shp` with no `.dbf`; [`Error::Shapefile`] for a file that
/// is not a Shapefile or a damaged `.dbf` header; [`Error::Io`] when a part cannot be opened;
/// [`Error::InputTooLarge`] for a `.prj` or `.cpg` past [`MAX_SIDECAR_BYTES`].
pub(crate) fn open(shp: &Path) -> Result<Opened> {
    let Some(dbf) = sidecar(shp, "dbf") else {
        let name = shp.file_stem().map(Path::new).unwrap_or(shp).display();
        return Err(Error::InputFormat {
            file: shp.to_path_buf(),
            message: no_dbf(&name.to_string()),
        });
    };
    let opened = |path: &Path| -> Result<(Box<dyn Read + Send>, u64)> {
        let file = File::open(path).map_err(|e| Error::io(path, "cannot open", e))?;
        let len = file
            .metadata()
            .map_err(|e| Error::io(path, "cannot read", e))?
            .len();
        Ok((Box::new(file), len))
    };
    let (shp_in, shp_len) = opened(shp)?;
    let (dbf_in, dbf_len) = opened(&dbf)?;
    let text = |ext: &str, what: &'static str| -> Result<Option<(PathBuf, Vec<u8>)>> {
        match sidecar(shp, ext) {
            Some(p) => Ok(Some((p.clone(), read_whole(&p, MAX_SIDECAR_BYTES, what)?))),
            None => Ok(None),
        }
    };
    open_parts(Parts {
        shp: shp.to_path_buf(),
        shp_in,
        shp_len,
        dbf,
        dbf_in,
        dbf_len,
        prj: text("prj", "a Shapefile's .prj")?,
        cpg: text("cpg", "a Shapefile's .cpg")?,
    })
}

/// Opens a Shapefile from its parts: the `.shp`'s header checked, the `.dbf`'s read, its
/// encoding and the CRS decided.
///
/// # Errors
/// [`Error::Shapefile`] for a file that is not a Shapefile or a damaged `.dbf` header;
/// [`Error::Io`] when a part cannot be read.
pub(crate) fn open_parts(parts: Parts) -> Result<Opened> {
    let Parts {
        shp,
        shp_in,
        shp_len,
        dbf,
        dbf_in,
        dbf_len,
        prj,
        cpg,
    } = parts;
    let mut shp_in = BufReader::with_capacity(1 << 16, shp_in);
    let mut head = [0u8; 100];
    shp_in.read_exact(&mut head).map_err(|_| Error::Shapefile {
        file: shp.clone(),
        record: None,
        message: format!(
            "{shp_len} bytes, shorter than a .shp header (100 bytes): not a Shapefile, or \
             truncated"
        ),
    })?;
    let code = i32::from_be_bytes([head[0], head[1], head[2], head[3]]);
    if code != FILE_CODE {
        return Err(Error::Shapefile {
            file: shp.clone(),
            record: None,
            message: format!(
                "not a Shapefile: its first four bytes are {code}, not 9994; give the layer's \
                 .shp, or rename a GeoJSON file to .geojson"
            ),
        });
    }
    let (header, sample, dbf_in) = dbf_start(&dbf, dbf_in)?;
    let cpg = cpg.map(|(p, text)| (p, String::from_utf8_lossy(&text).into_owned()));
    let chosen = choose_encoding(
        cpg.as_ref().map(|(p, t)| (p.as_path(), t.clone())),
        header.ldid,
        &sample,
    );
    let mut notes = vec![format!("{}: text read {}", dbf.display(), chosen.why)];
    let mut header = header;
    for f in &mut header.fields {
        f.name = chosen.encoding.decode(&f.raw_name).0.trim().to_string();
    }
    let crs = prj_crs(prj.as_ref(), &mut notes);
    let expected_records = header.records;
    let seen = Arc::new(Seen::default());
    let dbf_available = dbf_len.saturating_sub(header.header_len);
    let records = ShapefileRecords {
        shp,
        dbf,
        shp_in,
        shp_len,
        shp_pos: 100,
        dbf_in: BufReader::with_capacity(1 << 16, dbf_in),
        dbf_left: (dbf_available / header.record_len as u64).min(u64::from(expected_records)),
        header,
        encoding: chosen.encoding,
        crs,
        index: 0,
        record: Vec::new(),
        content: Vec::new(),
        seen: Arc::clone(&seen),
        share: Share::new(shp_len),
    };
    let share = Arc::clone(&records.share);
    Ok(Opened {
        text: MadeText::new(records, share),
        notes,
        seen,
    })
}

/// The `.dbf`'s header, the sample its encoding is judged on (the field names and the first
/// 4 MiB of records), and its records to be read (the sampled ones put back in front).
fn dbf_start(
    dbf: &Path,
    dbf_in: Box<dyn Read + Send>,
) -> Result<(DbfHeader, Vec<u8>, Box<dyn Read + Send>)> {
    let mut dbf_in = BufReader::with_capacity(1 << 16, dbf_in);
    let (header, read) = read_dbf_header(dbf, &mut dbf_in)?;
    let cannot_read = |e| Error::io(dbf, "cannot read", e);
    // Past the header's end (a byte or more may follow the field list's terminator).
    std::io::copy(
        &mut (&mut dbf_in).take(header.header_len - read),
        &mut std::io::sink(),
    )
    .map_err(cannot_read)?;
    let mut records = Vec::new();
    (&mut dbf_in)
        .take(4 << 20)
        .read_to_end(&mut records)
        .map_err(cannot_read)?;
    let mut sample: Vec<u8> = Vec::new();
    for f in &header.fields {
        sample.extend_from_slice(&f.raw_name);
        sample.push(b' ');
    }
    sample.extend_from_slice(&records);
    let rest: Box<dyn Read + Send> = Box::new(std::io::Cursor::new(records).chain(dbf_in));
    Ok((header, sample, rest))
}

/// A Shapefile's records as a GeoJSON FeatureCollection's bytes, made as they are read.
pub(crate) type ShapefileText = MadeText<ShapefileRecords>;

/// A Shapefile's records made into features, one at a time.
///
/// A damaged file (a truncated `.shp`, a record longer than the file, a `.dbf` with fewer
/// records than the `.shp`) stops the read with an [`Error::Shapefile`] naming the record,
/// carried in the `io::Error` ([`take_error`]).
pub(crate) struct ShapefileRecords {
    shp: PathBuf,
    dbf: PathBuf,
    shp_in: BufReader<Box<dyn Read + Send>>,
    shp_len: u64,
    shp_pos: u64,
    dbf_in: BufReader<Box<dyn Read + Send>>,
    /// Records the `.dbf` holds that are still to be read (declared, and there).
    dbf_left: u64,
    header: DbfHeader,
    encoding: &'static Encoding,
    crs: Option<Crs>,
    index: usize,
    record: Vec<u8>,
    content: Vec<u8>,
    seen: Arc<Seen>,
    /// Bytes of the `.shp` read, of its length.
    share: Arc<Share>,
}

/// The Shapefile error an `io::Error` from [`ShapefileText`] carries, if it carries one.
pub(crate) fn take_error(e: Error) -> Error {
    match e {
        Error::Io {
            source,
            path,
            action,
        } => {
            if source.get_ref().is_some_and(|inner| inner.is::<Error>()) {
                match source.into_inner().map(|b| b.downcast::<Error>()) {
                    Some(Ok(inner)) => *inner,
                    // Unreachable after `is`; kept as the io error it came as.
                    Some(Err(b)) => Error::Io {
                        path,
                        action,
                        source: std::io::Error::other(b),
                    },
                    None => Error::Io {
                        path,
                        action,
                        source: std::io::Error::other("shapefile error"),
                    },
                }
            } else {
                Error::Io {
                    path,
                    action,
                    source,
                }
            }
        }
        other => other,
    }
}

impl ShapefileText {
    /// The `.dbf` read.
    pub(crate) fn dbf(&self) -> &Path {
        &self.features().dbf
    }
}

impl Features for ShapefileRecords {
    fn crs(&self) -> Option<&Crs> {
        self.crs.as_ref()
    }

    fn next_chunk(&mut self, out: &mut Vec<u8>) -> std::io::Result<bool> {
        let more = fill(out, |out| self.next_feature(out));
        self.share.set(self.shp_pos);
        more
    }
}

impl ShapefileRecords {
    fn fault(&self, in_dbf: bool, message: String) -> std::io::Error {
        std::io::Error::other(Error::Shapefile {
            file: if in_dbf {
                self.dbf.clone()
            } else {
                self.shp.clone()
            },
            record: Some(self.index),
            message,
        })
    }

    /// Appends the next record as a feature; false when the `.shp` has no more.
    fn next_feature(&mut self, out: &mut Vec<u8>) -> std::io::Result<bool> {
        if self.shp_pos >= self.shp_len {
            if self.dbf_left > 0 {
                return Err(self.fault(
                    true,
                    format!(
                        "the .dbf has {} records, the .shp only {}: the two files are not of one \
                         layer (or the .shp is cut short); export the layer again",
                        self.header.records, self.index
                    ),
                ));
            }
            return Ok(false);
        }
        let left = self.shp_len - self.shp_pos;
        if left < 8 {
            return Err(self.fault(
                false,
                format!(
                    "the .shp ends {left} bytes into the record's 8-byte header: the file is \
                     truncated; copy or export it again"
                ),
            ));
        }
        let mut rh = [0u8; 8];
        self.shp_in
            .read_exact(&mut rh)
            .map_err(|e| self.fault(false, format!("cannot read the record's header: {e}")))?;
        let words = i32::from_be_bytes([rh[4], rh[5], rh[6], rh[7]]);
        let bytes = u64::try_from(words).unwrap_or(u64::MAX).saturating_mul(2);
        if words < 2 || bytes > left - 8 {
            return Err(self.fault(
                false,
                format!(
                    "the record declares {} bytes but {} are left in the file: the .shp is \
                     truncated or damaged; copy or export it again",
                    i64::from(words) * 2,
                    left - 8
                ),
            ));
        }
        self.content.clear();
        self.content.resize(bytes as usize, 0);
        self.shp_in.read_exact(&mut self.content).map_err(|e| {
            self.fault(
                false,
                format!("cannot read the record's {bytes} bytes: {e}"),
            )
        })?;
        self.shp_pos += 8 + bytes;

        if self.dbf_left == 0 {
            return Err(self.fault(
                true,
                format!(
                    "the .dbf has {} records but the .shp has more: the two files are not of \
                     one layer (or the .dbf is cut short); export the layer again",
                    self.index
                ),
            ));
        }
        self.record.clear();
        self.record.resize(self.header.record_len, 0);
        self.dbf_in
            .read_exact(&mut self.record)
            .map_err(|e| self.fault(true, format!("cannot read the record's attributes: {e}")))?;
        self.dbf_left -= 1;
        if self.record[0] == b'*' {
            self.seen
                .deleted
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(self.index);
        }

        feature_start(self.index, out);
        self.write_properties(out);
        out.extend_from_slice(b"},\"geometry\":");
        write_geometry(&self.content, out).map_err(|m| self.fault(false, m))?;
        out.extend_from_slice(b"}");
        self.index += 1;
        Ok(true)
    }

    fn write_properties(&self, out: &mut Vec<u8>) {
        for (i, f) in self.header.fields.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            json_string(&f.name, out);
            out.push(b':');
            let raw = &self.record[1 + f.offset..1 + f.offset + f.len];
            match f.kind {
                b'N' | b'F' => dbf_number(raw, out),
                b'L' => out.extend_from_slice(match raw.first() {
                    Some(b'T' | b't' | b'Y' | b'y') => b"true",
                    Some(b'F' | b'f' | b'N' | b'n') => b"false",
                    _ => b"null",
                }),
                b'D' => {
                    let t = String::from_utf8_lossy(raw);
                    let t = t.trim();
                    if t.len() == 8 && t.bytes().all(|b| b.is_ascii_digit()) {
                        json_string(&format!("{}-{}-{}", &t[..4], &t[4..6], &t[6..]), out);
                    } else if t.is_empty() {
                        out.extend_from_slice(b"null");
                    } else {
                        json_string(t, out);
                    }
                }
                b'C' => {
                    let end = raw
                        .iter()
                        .rposition(|&b| b != b' ' && b != 0)
                        .map_or(0, |p| p + 1);
                    if end == 0 {
                        out.extend_from_slice(b"null");
                    } else {
                        let (text, _, _) = self.encoding.decode(&raw[..end]);
                        json_string(&text, out);
                    }
                }
                // Memo (in a .dbt), binary, general: not read.
                _ => out.extend_from_slice(b"null"),
            }
        }
    }
}

/// A numeric field's text as a JSON value: a number when it is one, `null` when blank (or
/// `*` overflow), else the text as a string, which the layer's checks then name.
fn dbf_number(raw: &[u8], out: &mut Vec<u8>) {
    let t = String::from_utf8_lossy(raw);
    let t = t.trim_matches(|c: char| c == ' ' || c == '\0');
    if t.is_empty() || t.bytes().all(|b| b == b'*' || b == b'?') {
        out.extend_from_slice(b"null");
        return;
    }
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() => {
            if v.fract() == 0.0 && v.abs() < 9.0e15 {
                out.extend_from_slice(format!("{}", v as i64).as_bytes());
            } else {
                let mut b = zmij::Buffer::new();
                out.extend_from_slice(b.format_finite(v).as_bytes());
            }
        }
        _ => json_string(t, out),
    }
}

fn le_i32(b: &[u8], at: usize) -> Option<i32> {
    Some(i32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn le_f64(b: &[u8], at: usize) -> Option<f64> {
    Some(f64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// Writes a record's shape (its content, past the record header) as a GeoJSON geometry.
fn write_geometry(c: &[u8], out: &mut Vec<u8>) -> std::result::Result<(), String> {
    let short = || format!("the record's shape is cut short ({} bytes)", c.len());
    let ty = le_i32(c, 0).ok_or_else(short)?;
    match ty {
        0 => out.extend_from_slice(b"null"),
        1 | 11 | 21 => {
            let (x, y) = (
                le_f64(c, 4).ok_or_else(short)?,
                le_f64(c, 12).ok_or_else(short)?,
            );
            out.extend_from_slice(b"{\"type\":\"Point\",\"coordinates\":[");
            number(x, out);
            out.push(b',');
            number(y, out);
            out.extend_from_slice(b"]}");
        }
        8 | 18 | 28 => {
            let n = le_i32(c, 36).ok_or_else(short)?;
            let n = usize::try_from(n).map_err(|_| format!("{n} points"))?;
            if c.len() < 40 + n.saturating_mul(16) {
                return Err(format!("{} but {n} points declared", short()));
            }
            out.extend_from_slice(b"{\"type\":\"MultiPoint\",\"coordinates\":[");
            for i in 0..n {
                if i > 0 {
                    out.push(b',');
                }
                point(c, 40 + i * 16, out);
            }
            out.extend_from_slice(b"]}");
        }
        3 | 13 | 23 | 5 | 15 | 25 => {
            let parts = le_i32(c, 36).ok_or_else(short)?;
            let points = le_i32(c, 40).ok_or_else(short)?;
            let (Ok(np), Ok(nv)) = (usize::try_from(parts), usize::try_from(points)) else {
                return Err(format!("{parts} parts of {points} points declared"));
            };
            let start = 44usize.saturating_add(np.saturating_mul(4));
            if c.len() < start.saturating_add(nv.saturating_mul(16)) {
                return Err(format!(
                    "{}, but {np} parts of {nv} points declared",
                    short()
                ));
            }
            let mut bounds = Vec::with_capacity(np + 1);
            for i in 0..np {
                let s = le_i32(c, 44 + i * 4).ok_or_else(short)?;
                match usize::try_from(s) {
                    Ok(s) if s <= nv && bounds.last().is_none_or(|&p| p <= s) => bounds.push(s),
                    _ => {
                        return Err(format!(
                            "part {i} starts at point {s}, not within the {nv} points in order"
                        ));
                    }
                }
            }
            bounds.push(nv);
            let rings: Vec<(usize, usize)> = bounds
                .windows(2)
                .map(|w| (w[0], w[1]))
                .filter(|(a, b)| b > a)
                .collect();
            if ty == 3 || ty == 13 || ty == 23 {
                out.extend_from_slice(b"{\"type\":\"MultiLineString\",\"coordinates\":");
                ring_list(c, start, &rings, out);
                out.push(b'}');
            } else {
                polygons(c, start, &rings, out);
            }
        }
        other => {
            return Err(format!(
                "shape type {other} (MultiPatch or unknown) is not read: export the layer as \
                 polygons or points"
            ));
        }
    }
    Ok(())
}

fn point(c: &[u8], at: usize, out: &mut Vec<u8>) {
    out.push(b'[');
    number(le_f64(c, at).unwrap_or(f64::NAN), out);
    out.push(b',');
    number(le_f64(c, at + 8).unwrap_or(f64::NAN), out);
    out.push(b']');
}

fn ring(c: &[u8], start: usize, a: usize, b: usize, out: &mut Vec<u8>) {
    out.push(b'[');
    for i in a..b {
        if i > a {
            out.push(b',');
        }
        point(c, start + i * 16, out);
    }
    out.push(b']');
}

/// Twice the signed area of points `a..b` (positive: counter-clockwise).
fn signed_area2(c: &[u8], start: usize, a: usize, b: usize) -> f64 {
    let at = |i: usize| {
        (
            le_f64(c, start + i * 16).unwrap_or(0.0),
            le_f64(c, start + i * 16 + 8).unwrap_or(0.0),
        )
    };
    let mut s = 0.0;
    for i in a..b {
        let (x0, y0) = at(i);
        let (x1, y1) = at(if i + 1 < b { i + 1 } else { a });
        s += x0 * y1 - x1 * y0;
    }
    s
}

/// Whether point `p` is inside ring `a..b` (even-odd).
fn inside(c: &[u8], start: usize, (a, b): (usize, usize), p: (f64, f64)) -> bool {
    let at = |i: usize| {
        (
            le_f64(c, start + i * 16).unwrap_or(0.0),
            le_f64(c, start + i * 16 + 8).unwrap_or(0.0),
        )
    };
    let mut inside = false;
    let mut j = b - 1;
    for i in a..b {
        let (xi, yi) = at(i);
        let (xj, yj) = at(j);
        if (yi > p.1) != (yj > p.1) && p.0 < (xj - xi) * (p.1 - yi) / (yj - yi) + xi {
            inside = !inside;
        }
        j = i;
    }
    inside
}

/// The rings `(from, to)` of `c` as a JSON array of coordinate arrays.
fn ring_list(c: &[u8], start: usize, rings: &[(usize, usize)], out: &mut Vec<u8>) {
    out.push(b'[');
    for (k, &(a, b)) in rings.iter().enumerate() {
        if k > 0 {
            out.push(b',');
        }
        ring(c, start, a, b, out);
    }
    out.push(b']');
}

/// Groups a polygon record's rings into polygons, as the Shapefile spec has them: clockwise
/// rings are exteriors, counter-clockwise ones holes, each in the exterior that holds its
/// first point (else the exterior before it). Written as a Polygon when there is one exterior,
/// else a MultiPolygon. (The layer's checks orient and validate them.)
fn polygons(c: &[u8], start: usize, rings: &[(usize, usize)], out: &mut Vec<u8>) {
    let mut groups: Vec<Vec<(usize, usize)>> = Vec::new();
    let mut holes = Vec::new();
    for &r in rings {
        if signed_area2(c, start, r.0, r.1) <= 0.0 {
            groups.push(vec![r]);
        } else {
            holes.push((groups.len(), r));
        }
    }
    for (before, h) in holes {
        let first = (
            le_f64(c, start + h.0 * 16).unwrap_or(0.0),
            le_f64(c, start + h.0 * 16 + 8).unwrap_or(0.0),
        );
        let host = groups
            .iter()
            .position(|g| inside(c, start, g[0], first))
            .or_else(|| before.checked_sub(1));
        match host {
            Some(g) => groups[g].push(h),
            // A hole with no exterior (a file with its rings wound the other way): taken as
            // an exterior, for the checks to judge.
            None => groups.push(vec![h]),
        }
    }
    let write_polygon = |g: &Vec<(usize, usize)>, out: &mut Vec<u8>| ring_list(c, start, g, out);
    if groups.len() == 1 {
        out.extend_from_slice(b"{\"type\":\"Polygon\",\"coordinates\":");
        write_polygon(&groups[0], out);
    } else {
        out.extend_from_slice(b"{\"type\":\"MultiPolygon\",\"coordinates\":[");
        for (k, g) in groups.iter().enumerate() {
            if k > 0 {
                out.push(b',');
            }
            write_polygon(g, out);
        }
        out.push(b']');
    }
    out.push(b'}');
}
