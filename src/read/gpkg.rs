//! GeoPackage input (`zd.gpkg`, `zd.gpkg|layername=ZD`): SQLite read through `rusqlite`
//! (SQLite compiled in), each row of a feature table turned into one GeoJSON feature as the
//! Shapefile's records are, so that every check, the rejection ledger and every position are
//! the GeoJSON path's own. A record is named by its 0-based index in `fid` order and its
//! `fid` (`zd.gpkg|layername=ZD: feature 3 (fid 4)`).
//!
//! - The table: the one named, else the only feature table in `gpkg_contents`; several and
//!   none named is an error listing them.
//! - Geometry: the GeoPackage binary header (`GP`, version, flags, `srs_id`, envelope) and
//!   then WKB, read by the `wkb` crate: Polygon and MultiPolygon (parcels, parks), Point
//!   (enterprises); other types are written as they are and rejected by the layer's checks;
//!   an empty geometry is a null one; a blob that is not a GeoPackage geometry is rejected
//!   saying what it holds.
//! - Columns: every column but the `fid` and the geometry, by its name; INTEGER and REAL as
//!   numbers (a `BOOLEAN` column as true/false), TEXT as text, NULL (and a BLOB) as absent.
//! - CRS: the geometry column's `srs_id` in `gpkg_spatial_ref_sys`: organization `EPSG` and
//!   its code, else its WKT definition read as a Shapefile's `.prj` is.
//!
//! The rows are read on a thread of their own and handed over as text (64 KiB at a time), read
//! through a [`MadeText`]: memory is that of the GeoJSON batches, not of the table. Progress
//! is the rows read as a share of the table (by `fid`, in whose order they are read, else by
//! their count), told in bytes of the file.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use rusqlite::{Connection, OpenFlags, types::ValueRef};

use super::csv::{Head, TableRows, scan_rows};
use super::fids::Fids;
use super::made::{
    CHUNK_BYTES, Features, MadeText, Share, feature_start, json_string, number, unreadable_geometry,
};
use super::wkb;
use super::{Firm, Places, Scan};
use crate::config::Fields;
use crate::crs::Crs;
use crate::error::{Error, LAYER_NAME, Result};

/// The largest GeoPackage read from memory ([`open_bytes`]): SQLite takes a copy of at most
/// this many bytes (its size is an `int`).
pub(crate) const MAX_IN_MEMORY_BYTES: u64 = (1 << 31) - 1;

/// A GeoPackage's table opened for reading.
pub(crate) struct Opened {
    /// The rows as a GeoJSON FeatureCollection's bytes, made as they are read.
    pub(crate) text: GpkgText,
    /// How messages name the table: `zd.gpkg|layername=ZD`.
    pub(crate) name: PathBuf,
    /// Warnings about the table as a whole (a CRS not read).
    pub(crate) notes: Vec<String>,
    /// Each record's `fid`, in order, as it is read.
    pub(crate) fids: Arc<Fids>,
}

/// Whether a row of an attribute table of the GeoPackage named `file` is shown with its `fid`:
/// when the name ends in `.gpkg`, by which a row's context tells its `line` for a `fid`
/// (`FeatureContext::position`; a feature table's records carry theirs in
/// `FeatureContext::fid`). Another name (a label in memory, `zd.sqlite`) names rows by their
/// index alone.
fn shows_fid(file: &Path) -> bool {
    (file.extension()).is_some_and(|e| e.eq_ignore_ascii_case("gpkg"))
}

/// Opens the GeoPackage file `path` and the table `layer` in it (else its only one).
///
/// # Errors
/// [`Error::GeoPackage`] for a file that is not a GeoPackage (not SQLite, damaged, no
/// `gpkg_contents`), a table not there, several and none named, a table without geometry.
pub(crate) fn open(path: &Path, layer: Option<&str>) -> Result<Opened> {
    open_connection(connect(path)?, path, layer)
}

/// Opens the file `path` read-only.
fn connect(path: &Path) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if !path.is_file() {
        return Err(Error::io(
            path,
            "cannot open",
            std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
        ));
    }
    Connection::open_with_flags(path, flags).map_err(|e| not_sqlite(path, &e))
}

/// Opens a GeoPackage held in memory (`data`, named `label` in messages).
///
/// # Errors
/// As [`open`]; [`Error::InputTooLarge`] past [`MAX_IN_MEMORY_BYTES`].
pub(crate) fn open_bytes(label: &Path, data: &[u8], layer: Option<&str>) -> Result<Opened> {
    open_connection(connect_bytes(label, data)?, label, layer)
}

/// A connection to a copy of `data`, read-only.
fn connect_bytes(label: &Path, data: &[u8]) -> Result<Connection> {
    if data.len() as u64 > MAX_IN_MEMORY_BYTES {
        return Err(Error::InputTooLarge {
            file: label.to_path_buf(),
            size: Some(data.len() as u64),
            limit: MAX_IN_MEMORY_BYTES,
            what: "a GeoPackage read from memory",
        });
    }
    let mut conn = Connection::open_in_memory().map_err(|e| not_sqlite(label, &e))?;
    conn.deserialize_read_exact(rusqlite::MAIN_DB, data, data.len(), true)
        .map_err(|e| not_sqlite(label, &e))?;
    Ok(conn)
}

fn bad(file: &Path, message: String) -> Error {
    Error::GeoPackage {
        file: file.to_path_buf(),
        record: None,
        message,
    }
}

fn not_sqlite(file: &Path, e: &rusqlite::Error) -> Error {
    bad(
        file,
        format!(
            "cannot be read as a GeoPackage ({e}): it is not an SQLite database, or it is \
             damaged or cut short; export the layer again (QGIS: Export > Save Features As, \
             GeoPackage)"
        ),
    )
}

/// Reads the enterprises of a GeoPackage's attribute table (a table without geometry: the one
/// named, else the only table when there is no feature table) as a CSV's rows are read: its
/// columns are the header, each row named by its `fid`. `None` when the table is a feature
/// table, read as features instead. The file is `path`, or its bytes `data` held in memory.
///
/// # Errors
/// As [`open`]; a CSV's errors for the header (a column the audit needs not there).
pub(super) fn scan_attributes(
    (path, data): (&Path, Option<&std::sync::Arc<[u8]>>),
    layer: Option<&str>,
    fields: &Fields,
    strict: bool,
    places: &Places,
    sink: &mut dyn FnMut(Firm),
) -> Result<Option<Scan>> {
    let conn = match data {
        Some(d) => connect_bytes(path, d)?,
        None => connect(path)?,
    };
    let tables = contents(&conn, path)?;
    let table = choose(&tables, layer, path, true)?;
    if !table.data_type.eq_ignore_ascii_case("attributes") {
        return Ok(None);
    }
    let name = PathBuf::from(format!("{}{LAYER_NAME}{}", path.display(), table.name));
    let columns: Vec<(String, bool)> = table_columns(&conn, &table.name, &name)?
        .into_iter()
        .map(|(c, ty, pk)| (c, pk == 1 && ty.eq_ignore_ascii_case("INTEGER")))
        .collect();
    let fid = columns.iter().position(|(_, pk)| *pk);
    let sql = |e: rusqlite::Error| not_sqlite(&name, &e);
    let names: Vec<&str> = columns.iter().map(|(c, _)| c.as_str()).collect();
    let mut stmt = conn
        .prepare(&select(&table.name, &names, fid))
        .map_err(sql)?;
    let mut rows = stmt.query([]).map_err(sql)?;
    let mut header = csv::ByteRecord::new();
    for (i, (c, _)) in columns.iter().enumerate() {
        if Some(i) != fid {
            header.push_field(c.as_bytes());
        }
    }
    let mut index = 0u64;
    let mut next = |record: &mut csv::ByteRecord| {
        let row = rows.next().map_err(|e| {
            format!("feature {index}: cannot be read ({e}): the GeoPackage is damaged")
        })?;
        let Some(row) = row else { return Ok(None) };
        index += 1;
        record.clear();
        // Without a fid to show, no line: the row is named by its index alone.
        let mut line = 0;
        for i in 0..columns.len() {
            let value = row.get_ref(i).map_err(|e| e.to_string())?;
            match value {
                ValueRef::Integer(n) if Some(i) == fid && shows_fid(path) => {
                    line = u64::try_from(n).unwrap_or(0);
                }
                _ if Some(i) == fid => {}
                _ => record.push_field(cell_text(value).as_bytes()),
            }
        }
        Ok(Some(line))
    };
    let table = TableRows {
        file: name.clone(),
        head: Head {
            header,
            line: 0,
            skipped: Vec::new(),
            rest: std::collections::VecDeque::new(),
        },
        next: &mut next,
        separator: b',',
        gb18030: false,
        warnings: Vec::new(),
    };
    scan_rows(table, fields, strict, places, sink).map(Some)
}

/// A column's value as the text a CSV's cell would hold: NULL (and a BLOB) empty.
fn cell_text(value: ValueRef<'_>) -> String {
    match value {
        ValueRef::Null | ValueRef::Blob(_) => String::new(),
        ValueRef::Integer(n) => n.to_string(),
        ValueRef::Real(x) if x.is_finite() => zmij::Buffer::new().format_finite(x).to_string(),
        ValueRef::Real(x) => x.to_string(),
        ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
    }
}

/// A table of `gpkg_contents`.
struct Table {
    name: String,
    data_type: String,
}

/// The tables `gpkg_contents` lists.
fn contents(conn: &Connection, file: &Path) -> Result<Vec<Table>> {
    let listed = conn
        .prepare("SELECT table_name, data_type FROM gpkg_contents ORDER BY rowid")
        .and_then(|mut s| {
            s.query_map([], |r| {
                Ok(Table {
                    name: r.get(0)?,
                    data_type: r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()
        });
    match listed {
        Ok(t) => Ok(t),
        Err(rusqlite::Error::SqliteFailure(_, Some(m))) if m.contains("no such table") => Err(bad(
            file,
            "an SQLite database but no GeoPackage: it has no gpkg_contents table listing \
                 its layers; export the layer as a GeoPackage (ogr2ogr -f GPKG) or GeoJSON"
                .into(),
        )),
        Err(e) => Err(not_sqlite(file, &e)),
    }
}

/// The table to read: the one named `layer` (exactly, else ignoring case), else the only
/// feature table. The error says why none is chosen, listing the tables there are.
fn choose<'t>(
    tables: &'t [Table],
    layer: Option<&str>,
    file: &Path,
    attributes: bool,
) -> Result<&'t Table> {
    let of = |kind: &str| -> Vec<&Table> {
        (tables.iter())
            .filter(|t| t.data_type.eq_ignore_ascii_case(kind))
            .collect()
    };
    let mut features = of("features");
    if attributes && features.is_empty() {
        features = of("attributes");
    }
    let listed = |ts: &[&Table]| {
        let shown: Vec<String> = ts
            .iter()
            .take(20)
            .map(|t| format!("{:?} ({})", t.name, t.data_type))
            .collect();
        shown.join(", ")
    };
    let all: Vec<&Table> = tables.iter().collect();
    let f = file.display();
    match (layer, features.as_slice()) {
        (Some(want), _) => tables
            .iter()
            .find(|t| t.name == want)
            .or_else(|| tables.iter().find(|t| t.name.eq_ignore_ascii_case(want)))
            .ok_or_else(|| {
                bad(
                    file,
                    format!(
                        "holds no layer named {want:?} (|layername={want}); its layers: {}",
                        listed(&all)
                    ),
                )
            }),
        (None, [only]) => Ok(only),
        (None, []) => Err(bad(
            file,
            format!(
                "holds no feature table (a layer with geometry){}: export the layer with its \
                 geometry",
                if all.is_empty() {
                    String::new()
                } else {
                    format!("; its tables: {}", listed(&all))
                }
            ),
        )),
        (None, several) => Err(bad(
            file,
            format!(
                "holds {} layers with geometry ({}): name one as QGIS does, \
                 \"{f}{LAYER_NAME}NAME\"",
                several.len(),
                listed(several)
            ),
        )),
    }
}

/// What is read of a feature table: its columns, which is the `fid` and which the geometry,
/// and the CRS.
struct Plan {
    table: String,
    /// Every column, in order, with whether its declared type is BOOLEAN.
    columns: Vec<(String, bool)>,
    fid: Option<usize>,
    geometry: usize,
    crs: Option<Crs>,
}

fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A table's columns (`PRAGMA table_info`): name, declared type, and primary key rank.
fn table_columns(
    conn: &Connection,
    table: &str,
    file: &Path,
) -> Result<Vec<(String, String, i64)>> {
    let sql = |e: rusqlite::Error| not_sqlite(file, &e);
    let mut stmt = conn
        .prepare(&format!("PRAGMA table_info({})", quoted(table)))
        .map_err(sql)?;
    stmt.query_map([], |r| Ok((r.get(1)?, r.get(2)?, r.get(5)?)))
        .and_then(|rows| rows.collect())
        .map_err(sql)
}

/// The query of every column of `table`, in `fid` order when it has one (column `fid`).
fn select(table: &str, columns: &[&str], fid: Option<usize>) -> String {
    let listed: Vec<String> = columns.iter().map(|c| quoted(c)).collect();
    let order = fid.map_or(String::new(), |i| format!(" ORDER BY {}", listed[i]));
    format!("SELECT {} FROM {}{order}", listed.join(", "), quoted(table))
}

/// Plans the read of `table`: its columns (`PRAGMA table_info`), geometry column and CRS.
fn plan(conn: &Connection, table: &Table, file: &Path, notes: &mut Vec<String>) -> Result<Plan> {
    let sql = |e: rusqlite::Error| not_sqlite(file, &e);
    let geometry: Option<(String, i64)> = conn
        .query_row(
            "SELECT column_name, srs_id FROM gpkg_geometry_columns WHERE table_name = ?1",
            [&table.name],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .map(Some)
        .or_else(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Ok(None),
            other => Err(sql(other)),
        })?;
    let columns = table_columns(conn, &table.name, file)?;
    let Some((geom_name, srs_id)) = geometry else {
        return Err(bad(
            file,
            format!(
                "layer {:?} is a table without geometry ({}): parcels and parks need their \
                 polygons; give a layer with geometry (a table without one is read as the \
                 enterprises, placed by lon/lat or parcel_id columns)",
                table.name, table.data_type
            ),
        ));
    };
    let position = |n: &str| {
        columns
            .iter()
            .position(|(c, _, _)| c.eq_ignore_ascii_case(n))
    };
    let geometry = position(&geom_name).ok_or_else(|| {
        bad(
            file,
            format!(
                "layer {:?}: gpkg_geometry_columns names column {geom_name:?}, which the \
                 table does not have; export the layer again",
                table.name
            ),
        )
    })?;
    let fid =
        (columns.iter()).position(|(_, ty, pk)| *pk == 1 && ty.eq_ignore_ascii_case("INTEGER"));
    Ok(Plan {
        table: table.name.clone(),
        columns: (columns.iter())
            .map(|(n, ty, _)| (n.clone(), ty.eq_ignore_ascii_case("BOOLEAN")))
            .collect(),
        fid,
        geometry,
        crs: srs_crs(conn, srs_id, file, notes),
    })
}

/// The CRS of `srs_id` in `gpkg_spatial_ref_sys`: `EPSG` and its code, else its definition
/// read as a `.prj`; none for the undefined systems (0, -1), or one not read (a note says so).
fn srs_crs(conn: &Connection, srs_id: i64, file: &Path, notes: &mut Vec<String>) -> Option<Crs> {
    let row: Option<(String, i64, String)> = conn
        .query_row(
            "SELECT organization, organization_coordsys_id, definition \
             FROM gpkg_spatial_ref_sys WHERE srs_id = ?1",
            [srs_id],
            |r| {
                Ok((
                    r.get::<_, Option<String>>(0)?.unwrap_or_default(),
                    r.get::<_, Option<i64>>(1)?.unwrap_or(0),
                    r.get::<_, Option<String>>(2)?.unwrap_or_default(),
                ))
            },
        )
        .ok();
    let (org, code, definition) = row?;
    if org.eq_ignore_ascii_case("EPSG") && code > 0 {
        return u32::try_from(code).ok().map(Crs::from_epsg);
    }
    if srs_id <= 0 || definition.trim().is_empty() || definition.trim() == "undefined" {
        return None;
    }
    match Crs::from_prj(&definition) {
        Ok(crs) => Some(crs),
        Err(why) => {
            notes.push(format!(
                "{}: its CRS (srs_id {srs_id}, {org} {code}) is not read ({why}); the \
                 coordinates are taken as lon/lat if they can be, else give the CRS (--crs \
                 EPSG:N, or [crs] in the config)",
                file.display()
            ));
            None
        }
    }
}

fn open_connection(conn: Connection, file: &Path, layer: Option<&str>) -> Result<Opened> {
    let tables = contents(&conn, file)?;
    let table = choose(&tables, layer, file, false)?;
    let name = PathBuf::from(format!("{}{LAYER_NAME}{}", file.display(), table.name));
    let mut notes = Vec::new();
    let plan = plan(&conn, table, &name, &mut notes)?;
    let fids = Arc::new(Fids::default());
    let (from, total) = measure(&conn, &plan);
    let share = Share::new(total);
    let (tx, rx) = sync_channel(2);
    let rows = GpkgRows {
        rx,
        crs: plan.crs.clone(),
        name: name.clone(),
    };
    let (thread_fids, thread_name) = (Arc::clone(&fids), name.clone());
    let thread_share = Arc::clone(&share);
    std::thread::Builder::new()
        .name("gpkg".into())
        .spawn(move || {
            let reader = TableReader {
                conn: &conn,
                plan: &plan,
                name: &thread_name,
                fids: &thread_fids,
                from,
                share: &thread_share,
            };
            reader.produce(&tx);
        })
        .map_err(|e| Error::io(file, "cannot start reading", e))?;
    Ok(Opened {
        text: MadeText::new(rows, share),
        name,
        notes,
        fids,
    })
}

/// The measure of progress through `plan`'s table: its rows are told by `fid` from the
/// first (`Some(first fid)`) when it has a `fid` (they are read in its order), else counted
/// (`None`); and how many there are in that measure (0 when the table cannot tell).
fn measure(conn: &Connection, plan: &Plan) -> (Option<i64>, u64) {
    let table = quoted(&plan.table);
    let counted = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, Option<i64>>(0));
    let Some(fid) = plan.fid else {
        let count = counted(&format!("SELECT COUNT(*) FROM {table}"));
        return (None, count.ok().flatten().map_or(0, |n| n.max(0) as u64));
    };
    let fid = quoted(&plan.columns[fid].0);
    let (first, last) = (
        counted(&format!("SELECT MIN({fid}) FROM {table}")),
        counted(&format!("SELECT MAX({fid}) FROM {table}")),
    );
    match (first, last) {
        (Ok(Some(first)), Ok(Some(last))) if last >= first => {
            let span = i128::from(last) - i128::from(first) + 1;
            (Some(first), u64::try_from(span).unwrap_or(u64::MAX))
        }
        _ => (Some(0), 0),
    }
}

/// A GeoPackage table's rows as GeoJSON features, made on a thread of their own as they are
/// read and received here a chunk at a time. A damaged table stops the read with an
/// [`Error::GeoPackage`] naming the record, carried in the `io::Error` (see
/// `shp::take_error`).
pub(crate) struct GpkgRows {
    /// Each chunk of features, with whether it is the last.
    rx: Receiver<std::result::Result<(Vec<u8>, bool), Error>>,
    crs: Option<Crs>,
    /// The table, as messages name it.
    name: PathBuf,
}

/// A GeoPackage table's rows as a GeoJSON FeatureCollection's bytes, made as they are read.
pub(crate) type GpkgText = MadeText<GpkgRows>;

impl Features for GpkgRows {
    fn crs(&self) -> Option<&Crs> {
        self.crs.as_ref()
    }

    fn next_chunk(&mut self, out: &mut Vec<u8>) -> std::io::Result<bool> {
        match self.rx.recv() {
            Ok(Ok((mut chunk, last))) => {
                std::mem::swap(out, &mut chunk);
                Ok(!last)
            }
            Ok(Err(e)) => Err(std::io::Error::other(e)),
            // The thread has gone without its last chunk: it can only have panicked.
            Err(_) => Err(std::io::Error::other(bad(
                &self.name,
                "its reading stopped before the table's end".into(),
            ))),
        }
    }
}

/// What the thread reading a table's rows reads them with.
struct TableReader<'a> {
    conn: &'a Connection,
    plan: &'a Plan,
    /// The table, as messages name it.
    name: &'a Path,
    fids: &'a Fids,
    /// The first `fid`, from which progress is told; `None`: rows are counted.
    from: Option<i64>,
    share: &'a Share,
}

impl TableReader<'_> {
    /// Reads the rows and sends them as text, a chunk at a time, the last one marked (or sends
    /// the error that stopped it). Stops when the reader has gone.
    fn produce(&self, tx: &SyncSender<std::result::Result<(Vec<u8>, bool), Error>>) {
        let mut out = Vec::with_capacity(CHUNK_BYTES);
        match self.rows(&mut out, &mut |chunk| tx.send(Ok((chunk, false))).is_ok()) {
            Ok(true) => {
                let _ = tx.send(Ok((out, true)));
            }
            Ok(false) => {}
            Err(e) => {
                let _ = tx.send(Err(e));
            }
        }
    }

    /// How far the read is after the row of 0-based `index` and `fid`.
    fn told(&self, index: usize, fid: Option<i64>) {
        let done = match (self.from, fid) {
            (Some(from), Some(fid)) => i128::from(fid) - i128::from(from) + 1,
            _ => index as i128 + 1,
        };
        self.share.set(u64::try_from(done).unwrap_or(0));
    }

    /// Writes each row of the table as a feature into `out`, handing `out` to `send` whenever
    /// it passes [`CHUNK_BYTES`]; false when `send` says the reader has gone.
    fn rows(&self, out: &mut Vec<u8>, send: &mut dyn FnMut(Vec<u8>) -> bool) -> Result<bool> {
        let names: Vec<&str> = (self.plan.columns.iter())
            .map(|(c, _)| c.as_str())
            .collect();
        let sql = select(&self.plan.table, &names, self.plan.fid);
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.fault(0, e))?;
        let mut rows = stmt.query([]).map_err(|e| self.fault(0, e))?;
        let mut index = 0usize;
        while let Some(row) = rows.next().map_err(|e| self.fault(index, e))? {
            let fid = self.row(row, index, out)?;
            index += 1;
            if out.len() >= CHUNK_BYTES {
                self.told(index - 1, fid);
                if !send(std::mem::replace(out, Vec::with_capacity(CHUNK_BYTES))) {
                    return Ok(false);
                }
            }
        }
        Ok(true)
    }

    /// Writes the row of 0-based `index` as a feature into `out`; returns its `fid`.
    fn row(&self, row: &rusqlite::Row<'_>, index: usize, out: &mut Vec<u8>) -> Result<Option<i64>> {
        let plan = self.plan;
        feature_start(index, out);
        let (mut first, mut fid) = (true, None);
        for (i, (column, boolean)) in plan.columns.iter().enumerate() {
            let value = row.get_ref(i).map_err(|e| self.fault(index, e))?;
            if Some(i) == plan.fid {
                if let ValueRef::Integer(f) = value {
                    self.fids.push(index, f);
                    fid = Some(f);
                }
                continue;
            }
            if i == plan.geometry {
                continue;
            }
            if !first {
                out.push(b',');
            }
            first = false;
            json_string(column, out);
            out.push(b':');
            property(value, *boolean, out);
        }
        out.extend_from_slice(b"},\"geometry\":");
        match row
            .get_ref(plan.geometry)
            .map_err(|e| self.fault(index, e))?
        {
            ValueRef::Blob(blob) => geometry(blob, out),
            ValueRef::Null => out.extend_from_slice(b"null"),
            other => not_geometry(&format!("a {:?} value, not a blob", other.data_type()), out),
        }
        out.push(b'}');
        Ok(fid)
    }

    /// The error of a row of the table that SQLite cannot read.
    fn fault(&self, index: usize, e: rusqlite::Error) -> Error {
        Error::GeoPackage {
            file: self.name.to_path_buf(),
            record: Some(index),
            message: format!(
                "cannot be read ({e}): the GeoPackage is damaged or cut short; export the layer \
                 again"
            ),
        }
    }
}

/// A column's value as a GeoJSON property's: NULL (and a BLOB) absent.
fn property(value: ValueRef<'_>, boolean: bool, out: &mut Vec<u8>) {
    match value {
        ValueRef::Null | ValueRef::Blob(_) => out.extend_from_slice(b"null"),
        ValueRef::Integer(n) if boolean => {
            out.extend_from_slice(if n != 0 { b"true" } else { b"false" });
        }
        ValueRef::Integer(n) => out.extend_from_slice(n.to_string().as_bytes()),
        ValueRef::Real(x) => number(x, out),
        ValueRef::Text(t) => json_string(&String::from_utf8_lossy(t), out),
    }
}

/// A blob that is no geometry, written as a geometry of that "type": the layer's checks
/// reject it as the wrong geometry type, saying what it is.
fn not_geometry(what: &str, out: &mut Vec<u8>) {
    unreadable_geometry(
        &format!("no GeoPackage geometry ({what}); export the layer again"),
        out,
    );
}

/// Bytes of the envelope a GeoPackage geometry's flags declare (bits 1–3).
fn envelope_bytes(flags: u8) -> Option<usize> {
    match (flags >> 1) & 0b111 {
        0 => Some(0),
        1 => Some(32),
        2 | 3 => Some(48),
        4 => Some(64),
        _ => None,
    }
}

/// Writes a GeoPackage geometry blob as a GeoJSON geometry: the header (`GP`, version,
/// flags, `srs_id`, envelope) skipped, the WKB read.
fn geometry(blob: &[u8], out: &mut Vec<u8>) {
    if blob.len() < 8 || &blob[..2] != b"GP" {
        let first: Vec<String> = blob.iter().take(4).map(|b| format!("0x{b:02X}")).collect();
        return not_geometry(
            &format!(
                "a blob of {} bytes starting {}, not with \"GP\"",
                blob.len(),
                first.join(" ")
            ),
            out,
        );
    }
    let flags = blob[3];
    let Some(envelope) = envelope_bytes(flags) else {
        return not_geometry(&format!("flags 0x{flags:02X} name no envelope"), out);
    };
    if flags & 0b1_0000 != 0 {
        // The empty geometry: no coordinates to read.
        out.extend_from_slice(b"null");
        return;
    }
    let Some(wkb_bytes) = blob.get(8 + envelope..) else {
        return not_geometry(
            &format!("its header declares more bytes than its {}", blob.len()),
            out,
        );
    };
    // Curves (the GeoPackage extension's) are made into vertices, as GDAL's are.
    if let Err(m) = wkb::write_geojson(wkb_bytes, out) {
        not_geometry(&format!("its WKB cannot be read: {m}"), out);
    }
}
