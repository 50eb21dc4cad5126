//! Enterprises from CSV: one row per enterprise, a header row naming the columns (title rows
//! above it skipped, see [`header`]), location in `lon`/`lat` columns or a `parcel_id` key.
//! A UTF-8 byte order mark (as Excel writes) is skipped; `,`, `;` or tab separate.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

use geo::{Coord, Point, Rect};

use super::header::{self, HEAD_ROWS};
use super::{Draft, Firm, Left, RecordFields, Scan, Source, enterprise_from, feature};
use crate::config::Fields;
use crate::error::{Error, FeatureContext, Layer, Result, abbreviate};
use crate::parcel::Place;

struct Row<'a> {
    headers: &'a csv::StringRecord,
    record: &'a csv::StringRecord,
}

impl Row<'_> {
    fn cell(&self, key: &str) -> Option<&str> {
        let i = column(self.headers, key)?;
        self.record.get(i).map(str::trim).filter(|v| !v.is_empty())
    }
}

/// The column a header names (names trimmed, as cells are).
fn column(headers: &csv::StringRecord, key: &str) -> Option<usize> {
    headers.iter().position(|h| h.trim() == key)
}

impl RecordFields for Row<'_> {
    fn text(&self, key: &str, _ctx: &FeatureContext) -> Result<Option<String>> {
        Ok(self.cell(key).map(str::to_string))
    }
    fn token(&self, key: &str) -> Option<&str> {
        self.cell(key)
    }
}

fn parse_row(
    row: &Row,
    mut ctx: FeatureContext,
    fields: &Fields,
    places: &super::Places,
) -> Result<Draft<Firm>> {
    let f = &fields.enterprises;
    let (firm, note) = match enterprise_from(row, &mut ctx, fields, None) {
        Ok(read) => read,
        Err(error) => {
            // Where the rejected firm stands, as for GeoJSON (`parse_enterprise`).
            let number = |key: &str| row.cell(key).and_then(feature::signed_number);
            let place = match (row.cell(&f.parcel_id), number(&f.lon), number(&f.lat)) {
                (Some(key), _, _) if !feature::mangled_id(key) => Some(Place::Key(key.to_string())),
                (_, Some(x), Some(y)) if x.is_finite() && y.is_finite() => {
                    Some(Place::Point(Coord { x, y }))
                }
                _ => None,
            };
            super::keep_place(places, ctx.index, place);
            return Err(error);
        }
    };
    let index = ctx.index;
    let key = firm.record.parcel_id.clone();
    locate_row(row, firm, note, &ctx, f).inspect_err(|_| {
        // A bad position with a parcel id: the firm still stands on that parcel.
        super::keep_place(places, index, key.map(Place::Key));
    })
}

/// The row's position (its `lon`/`lat` columns), checked.
fn locate_row(
    row: &Row,
    mut firm: Firm,
    note: Option<crate::error::Warning>,
    ctx: &FeatureContext,
    f: &crate::config::EnterpriseFields,
) -> Result<Draft<Firm>> {
    let ctx = ctx.clone();
    let e = &mut firm.record;
    let coordinate = |key: &str| -> Result<Option<f64>> {
        match row.cell(key) {
            None => Ok(None),
            Some(t) => {
                let v = feature::signed_number(t).ok_or_else(|| Error::NotANumber {
                    ctx: ctx.clone(),
                    property: key.to_string(),
                    expected: "a coordinate",
                    found: abbreviate(t),
                })?;
                if v.is_finite() {
                    Ok(Some(v))
                } else {
                    Err(Error::NotANumber {
                        ctx: ctx.clone(),
                        property: key.to_string(),
                        expected: "a finite coordinate",
                        found: t.to_string(),
                    })
                }
            }
        }
    };
    let mut bounds = None;
    match (coordinate(&f.lon)?, coordinate(&f.lat)?) {
        (Some(x), Some(y)) => {
            let c = Coord { x, y };
            bounds = Some(Rect::new(c, c));
            e.location = Some(Point(c));
        }
        (None, None) if e.parcel_id.is_some() => {}
        (None, None) => {
            return Err(Error::MissingProperty {
                ctx,
                property: format!("{}/{} or {}", f.lon, f.lat, f.parcel_id),
            });
        }
        (Some(_), None) => {
            return Err(Error::MissingProperty {
                ctx,
                property: f.lat.clone(),
            });
        }
        (None, Some(_)) => {
            return Err(Error::MissingProperty {
                ctx,
                property: f.lon.clone(),
            });
        }
    }
    Ok(Draft {
        record: firm,
        bounds,
        left: None,
        note,
    })
}

/// Reads an enterprises CSV, handing each good row's enterprise to `sink` in file order and
/// keeping the rest as rejections (or stopping at the first with `strict`). Where a rejected
/// firm stands goes to `places`. The separator, the header row below any title rows, and the
/// coordinate columns under a usual name are found ([`header`]); a column the audit needs or
/// the configuration names that the header lacks is the layer's suspicion.
pub(super) fn scan_csv(
    source: &Source,
    fields: &Fields,
    strict: bool,
    places: &super::Places,
    sink: &mut dyn FnMut(Firm),
) -> Result<Scan> {
    let file = source.name();
    let (input, gb18030) = decoded_input(source, &file)?;
    let (input, separator) = header::with_separator(input, &file)?;
    // csv counts a line at its `\n`, which for a CRLF line it reads with the next record:
    // its line numbers are one short in a file saved with CRLF, as Excel saves
    // (BurntSushi/rust-csv#395). The lines are counted from the bytes as csv reads them.
    let (input, lines) = counted(input);
    // Flexible and byte records: a row with too many or too few fields is one bad record to
    // reject, not a reason to stop the whole file. Text in no encoding read here, or a quote
    // left open, do stop it: they are the file's (its encoding, its quoting), and going on
    // would reject every row or read the rows after the quote into one field, leaving their
    // parcels with no tenant, that is idle and low-efficiency.
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(false)
        .delimiter(separator)
        .from_reader(input);
    let mut warnings = Vec::new();
    if separator != b',' {
        warnings.push(layer_warning(format!(
            "{}: read with {} as the separator (the first line with one has more of them than \
             of the others)",
            file.display(),
            header::separator_name(separator)
        )));
    }
    let mut next = |bytes: &mut csv::ByteRecord| match reader.read_byte_record(bytes) {
        Ok(true) => Ok(Some(lines.of(bytes.position()))),
        Ok(false) => Ok(None),
        Err(e) => Err(e.to_string()),
    };
    let head = read_head(&mut next, &fields.enterprises).map_err(|message| Error::Csv {
        path: file.clone(),
        message,
    })?;
    let table = TableRows {
        file,
        head,
        next: &mut next,
        separator,
        gb18030,
        warnings,
    };
    scan_rows(table, fields, strict, places, sink)
}

/// A table's rows as the enterprises are read from them, CSV's or a spreadsheet's.
pub(super) struct TableRows<'n> {
    /// The file (or label; a spreadsheet's sheet as `qy.xlsx|layername=2024`, which names
    /// its rows by sheet and row).
    pub(super) file: PathBuf,
    /// The header and the rows read with it.
    pub(super) head: Head,
    /// Reads the next row into the record, with its line (or row); `None` at the end. The
    /// error stops the file.
    pub(super) next:
        &'n mut dyn FnMut(&mut csv::ByteRecord) -> std::result::Result<Option<u64>, String>,
    /// The field separator (for a spreadsheet, `,`: its rows always have the header's length).
    pub(super) separator: u8,
    /// The text is read as GB18030.
    pub(super) gb18030: bool,
    /// Warnings about the file so far.
    pub(super) warnings: Vec<crate::error::Warning>,
}

/// Reads the enterprises of a table's rows past its header, handing each good row's
/// enterprise to `sink` in file order and keeping the rest as rejections (or stopping at the
/// first with `strict`). Where a rejected firm stands goes to `places`. A column the audit
/// needs or the configuration names that the header lacks is the layer's suspicion.
pub(super) fn scan_rows(
    table: TableRows,
    fields: &Fields,
    strict: bool,
    places: &super::Places,
    sink: &mut dyn FnMut(Firm),
) -> Result<Scan> {
    let TableRows {
        file,
        head,
        next,
        separator,
        gb18030,
        warnings,
    } = table;
    let csv_error = |message: String| Error::Csv {
        path: file.clone(),
        message,
    };
    let mut scan = Scan::new(file.clone());
    scan.warnings = warnings;
    let mut decoded = Decoded::default();
    let headers = read_header(head.header, head.line, gb18030, &mut decoded).map_err(csv_error)?;
    if !head.skipped.is_empty() && fields.enterprises.header_row.is_none() {
        (scan.warnings).push(header::title_warning(&file, &head.skipped, head.line));
    }
    let names: Vec<String> = headers.iter().map(|h| h.trim().to_string()).collect();
    let fields = header::make_sense(
        &names,
        head.line,
        fields,
        &file,
        &mut scan.warnings,
        &mut scan.suspicions,
    );
    let mut rows = Rows {
        file: Arc::new(file.clone()),
        id_column: column(&headers, &fields.enterprises.enterprise_id),
        headers,
        separator,
        gb18030,
        decoded,
        fields: &fields,
        places,
    };
    let mut kept_lines = Vec::new();
    let mut bytes = csv::ByteRecord::new();
    let mut buffered = head.rest;
    let mut index = 0;
    loop {
        let line = match buffered.pop_front() {
            Some((record, line)) => {
                bytes = record;
                line
            }
            None => match next(&mut bytes).map_err(csv_error)? {
                Some(line) => line,
                None => break,
            },
        };
        let parsed = rows.parse(&mut bytes, index, line).map_err(csv_error)?;
        index += 1;
        scan.take(parsed, strict, |_| Left::None, &mut |firm, _| {
            kept_lines.push(line_number(line));
            sink(firm)
        })?;
    }
    scan.lines = kept_lines;
    if gb18030 {
        scan.warnings
            .push(layer_warning(rows.decoded.warning(&file)));
    }
    Ok(scan)
}

/// A warning about the enterprises file as a whole.
fn layer_warning(message: String) -> crate::error::Warning {
    crate::error::Warning {
        layer: Layer::Enterprises,
        index: crate::error::Warning::NO_RECORD,
        id: None,
        message,
    }
}

/// The first rows of a table: its header, the rows above it, and the data rows read after it
/// while looking.
pub(super) struct Head {
    pub(super) header: csv::ByteRecord,
    /// The header's line (from 1).
    pub(super) line: u64,
    /// The rows above the header, with their lines and text.
    pub(super) skipped: Vec<(u64, String)>,
    /// Data rows read while looking for the header, with their lines.
    pub(super) rest: VecDeque<(csv::ByteRecord, u64)>,
}

/// Reads the first rows and finds the header among them: the row on line `header_row` when
/// it is set, else the one [`header::header_index`] chooses among the first [`HEAD_ROWS`].
/// The error stops the file: no rows, no row on `header_row`, a quote left open.
pub(super) fn read_head(
    next: &mut dyn FnMut(&mut csv::ByteRecord) -> std::result::Result<Option<u64>, String>,
    f: &crate::config::EnterpriseFields,
) -> std::result::Result<Head, String> {
    let mut rows: VecDeque<(csv::ByteRecord, u64)> = VecDeque::new();
    let mut skipped = Vec::new();
    loop {
        if f.header_row.is_none() && rows.len() >= HEAD_ROWS {
            break;
        }
        let mut record = csv::ByteRecord::new();
        let Some(line) = next(&mut record)? else {
            break;
        };
        match f.header_row.map(u64::from) {
            // Above the line named: skipped unsaid (the configuration says where the header is).
            Some(want) if line < want => {}
            Some(want) if line > want => {
                return Err(format!(
                    "[fields.enterprises] header_row = {want}, but no row starts on line \
                     {want} (it is blank, or inside a quoted field); the next row starts on \
                     line {line}"
                ));
            }
            Some(_) => {
                rows.push_back((record, line));
                break;
            }
            None => rows.push_back((record, line)),
        }
    }
    if rows.is_empty() {
        return Err(match f.header_row {
            Some(want) => format!(
                "[fields.enterprises] header_row = {want}, but the file has no row on or after \
                 line {want}"
            ),
            None => "the file is empty: a header row naming the columns comes first".into(),
        });
    }
    let at = match f.header_row {
        Some(_) => 0,
        None => header::header_index(&rows, f),
    };
    skipped.extend(
        rows.drain(..at)
            .map(|(record, line)| (line, header::row_text(&record))),
    );
    let (header, line) = rows.pop_front().ok_or("the file has no header row")?;
    Ok(Head {
        header,
        line,
        skipped,
        rest: rows,
    })
}

/// Opens `source` (named `file`) for csv, and says whether it is read as GB18030: a UTF-16
/// file is refused, a UTF-8 byte order mark skipped, and a file that is not UTF-8 (see
/// [`reads_as_gb18030`]) decoded from GB18030.
fn decoded_input<'a>(source: &'a Source, file: &Path) -> Result<(Box<dyn Read + 'a>, bool)> {
    // Excel on Chinese Windows saves "CSV (逗号分隔)" as GBK: a file that is not UTF-8 is read
    // as GB18030 (which GBK is part of), and a warning shows the first text so decoded.
    let mut input = BufReader::new(source.open()?);
    let head = input
        .fill_buf()
        .map_err(|e| Error::io(file, "cannot read", e))?;
    // Excel's "Unicode Text" is UTF-16 (and tab-separated): neither encoding read here.
    if super::utf16_bom(head) {
        return Err(Error::Csv {
            path: file.to_path_buf(),
            message: "the file is UTF-16 (it starts with a UTF-16 byte order mark), as Excel \
                      saves \"Unicode Text\": save it as \"CSV UTF-8 (逗号分隔)\""
                .into(),
        });
    }
    let gb18030 = reads_as_gb18030(source)?;
    if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        input.consume(3);
    }
    let input: Box<dyn Read + 'a> = if gb18030 {
        // Bytes that are not GB18030 either come out as U+FFFD, which stops the file below.
        Box::new(
            encoding_rs_io::DecodeReaderBytesBuilder::new()
                .encoding(Some(encoding_rs::GB18030))
                .build(input),
        )
    } else {
        Box::new(input)
    };
    Ok((input, gb18030))
}

/// Reads the header row (on `line`) as text: not empty, every name UTF-8 (or, read as
/// GB18030, noted in `decoded`), no column named twice. The error stops the file.
fn read_header(
    headers: csv::ByteRecord,
    line: u64,
    gb18030: bool,
    decoded: &mut Decoded,
) -> std::result::Result<csv::StringRecord, String> {
    if headers.is_empty() {
        return Err("the file is empty: a header row naming the columns comes first".into());
    }
    let headers = csv::StringRecord::from_byte_record(headers).map_err(|e| {
        format!(
            "the header row (line {line}), column {}, is {STRAY_BYTE}",
            e.utf8_error().field() + 1
        )
    })?;
    if gb18030 {
        decoded.check(&headers, &headers, line, true)?;
    }
    if let Some((first, second, name)) = repeated_column(&headers) {
        return Err(format!(
            "the header (line {line}) names column {name:?} twice (columns {first} and \
             {second}): which one holds the figures cannot be told; rename or delete one"
        ));
    }
    Ok(headers)
}

/// A line as a record's context holds it (from 1; none past `u32::MAX`).
fn line_number(line: u64) -> Option<std::num::NonZeroU32> {
    u32::try_from(line).ok().and_then(std::num::NonZeroU32::new)
}

/// The data rows of a CSV file: its header, and what each row is checked and parsed with.
struct Rows<'a> {
    /// The file (or label), shared by every row's context.
    file: Arc<PathBuf>,
    headers: csv::StringRecord,
    /// The field separator.
    separator: u8,
    /// The column of the enterprise id, if the header has one.
    id_column: Option<usize>,
    /// The file is read as GB18030.
    gb18030: bool,
    /// What the text read as GB18030 showed.
    decoded: Decoded,
    fields: &'a Fields,
    /// Where rejected firms stand.
    places: &'a super::Places,
}

impl Rows<'_> {
    /// Reads the row in `bytes` (data row `index` from 0, on `line`): the enterprise, or why
    /// the row is rejected (where its firm may stand kept in `places`). The outer error stops
    /// the file: a quote left open, text in no encoding read here. `bytes` gets its buffers
    /// back to be read into again.
    fn parse(
        &mut self,
        bytes: &mut csv::ByteRecord,
        index: usize,
        line: u64,
    ) -> std::result::Result<Result<Draft<Firm>>, String> {
        let ctx = self.context(bytes, index, line);
        if let Some(problem) = unclosed_quote(&self.headers, bytes, line, self.separator) {
            return Err(problem);
        }
        match text_record(&self.headers, bytes, line, &ctx)? {
            Ok(record) => {
                if self.gb18030 {
                    self.decoded.check(&self.headers, &record, line, false)?;
                }
                let row = Row {
                    headers: &self.headers,
                    record: &record,
                };
                let parsed = parse_row(&row, ctx, self.fields, self.places);
                // The record's buffers are read into again.
                *bytes = record.into_byte_record();
                Ok(parsed)
            }
            Err(rejected) => {
                for place in shifted_places(&self.headers, bytes, &self.fields.enterprises) {
                    super::keep_place(self.places, index, Some(place));
                }
                Ok(Err(rejected))
            }
        }
    }

    /// The context of data row `index` on `line`, its id read first, so that a row rejected
    /// as a whole still names it.
    fn context(&self, bytes: &csv::ByteRecord, index: usize, line: u64) -> FeatureContext {
        let mut ctx = FeatureContext::new(self.file.clone(), Layer::Enterprises, index);
        ctx.line = line_number(line);
        ctx.id = self
            .id_column
            .and_then(|i| bytes.get(i))
            .and_then(|b| std::str::from_utf8(b).ok())
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .map(str::to_string);
        ctx
    }
}

/// Where a row of the wrong length may stand. From the field at fault on (a name with a comma
/// in it, unquoted), its columns are shifted by the fields it has too many or too few, so its
/// parcel id and position are read both where the header puts them and shifted. Its firm is
/// then not left out unnoticed: a parcel either reading names, or holds the point of, is not
/// judged on its tenants. A reading that names no parcel places nothing; one that places the
/// firm wrongly only keeps a parcel from being judged low on its tenants, with a warning.
fn shifted_places(
    headers: &csv::StringRecord,
    bytes: &csv::ByteRecord,
    f: &crate::config::EnterpriseFields,
) -> Vec<Place> {
    let shift = bytes.len() as isize - headers.len() as isize;
    let field = |name: &str, by: isize| -> Option<&str> {
        let at = usize::try_from(column(headers, name)? as isize + by).ok()?;
        let text = std::str::from_utf8(bytes.get(at)?).ok()?.trim();
        (!text.is_empty()).then_some(text)
    };
    let number = |name: &str, by: isize| {
        field(name, by)
            .and_then(|t| t.parse::<f64>().ok())
            .filter(|v| v.is_finite())
    };
    let mut places = Vec::new();
    for by in [0, shift] {
        if let Some(key) = field(&f.parcel_id, by) {
            places.push(Place::Key(key.to_string()));
        }
        if let (Some(x), Some(y)) = (number(&f.lon, by), number(&f.lat, by)) {
            places.push(Place::Point(Coord { x, y }));
        }
    }
    places
}

/// Whether to read `source` as GB18030 rather than UTF-8 (read through once; see
/// [`Tally::gb18030`]). A source that is not a regular file (a named pipe) cannot be read
/// twice: it is read as UTF-8.
fn reads_as_gb18030(source: &Source) -> Result<bool> {
    if let Some(path) = source.file()
        && !std::fs::metadata(path).is_ok_and(|m| m.is_file())
    {
        return Ok(false);
    }
    let mut input = source.open()?;
    let mut buf = vec![0u8; 1 << 20];
    let mut tally = Tally::default();
    // The bytes of a character cut by the end of the last read, moved to the front.
    let mut carried = 0;
    loop {
        let n = match input.read(&mut buf[carried..]) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Error::io(&source.name(), "cannot read", e)),
        };
        if n == 0 {
            tally.end(carried);
            return Ok(tally.gb18030());
        }
        let end = carried + n;
        let cut = tally.add(&buf[..end]);
        buf.copy_within(end - cut..end, 0);
        carried = cut;
    }
}

/// What a file's bytes say of its encoding: sequences that are not UTF-8, and UTF-8
/// characters of three or four bytes (Chinese text, in UTF-8).
#[derive(Default)]
pub(crate) struct Tally {
    broken: u64,
    wide: u64,
}

impl Tally {
    /// Counts `bytes`; returns how many bytes at its end are a character cut short (to be
    /// counted with the bytes after them).
    pub(crate) fn add(&mut self, bytes: &[u8]) -> usize {
        // In valid UTF-8 a byte from 0xE0 up leads a character of three or four bytes.
        let wide = |b: &[u8]| b.iter().filter(|&&x| x >= 0xE0).count() as u64;
        let mut rest = bytes;
        loop {
            match std::str::from_utf8(rest) {
                Ok(_) => {
                    self.wide += wide(rest);
                    return 0;
                }
                Err(e) => {
                    self.wide += wide(&rest[..e.valid_up_to()]);
                    match e.error_len() {
                        None => return rest.len() - e.valid_up_to(),
                        Some(n) => {
                            self.broken += 1;
                            rest = &rest[e.valid_up_to() + n..];
                        }
                    }
                }
            }
        }
    }

    /// Counts the bytes of a character the file ends before finishing (`cut` of them).
    fn end(&mut self, cut: usize) {
        self.broken += u64::from(cut > 0);
    }

    /// Counts a whole file's bytes.
    pub(crate) fn of(bytes: &[u8]) -> Tally {
        let mut t = Tally::default();
        let cut = t.add(bytes);
        t.end(cut);
        t
    }

    /// GB18030 when more sequences are not UTF-8 than are Chinese in UTF-8: in a GBK file
    /// nearly every Chinese character breaks UTF-8 (a few happen to read as UTF-8), while a
    /// UTF-8 file with a stray byte or two (a name pasted from elsewhere) is still read as
    /// UTF-8, and stops at that byte naming its line.
    pub(crate) fn gb18030(&self) -> bool {
        self.broken > self.wide
    }
}

/// What a file read as GB18030 showed: the first text that is not ASCII, where it stands.
#[derive(Default)]
struct Decoded {
    first: Option<(u64, String, String)>,
}

impl Decoded {
    /// Notes the first text that is not ASCII in `record`, a row on `line` (`None`: the
    /// header); a U+FFFD, which the decoder puts for bytes GB18030 does not have, is the
    /// file's error.
    fn check(
        &mut self,
        headers: &csv::StringRecord,
        record: &csv::StringRecord,
        line: u64,
        header: bool,
    ) -> std::result::Result<(), String> {
        for (at, text) in record.iter().enumerate() {
            if text.contains('\u{FFFD}') {
                if header {
                    return Err(format!(
                        "the header row (line {line}), column {}: {NEITHER_ENCODING}",
                        at + 1
                    ));
                }
                let column = headers.get(at).unwrap_or("").trim();
                return Err(format!(
                    "line {line}, column {} ({column:?}): {NEITHER_ENCODING}",
                    at + 1
                ));
            }
            if self.first.is_none() && !text.is_ascii() {
                let column = headers.get(at).unwrap_or("").trim().to_string();
                self.first = Some((line, column, abbreviate(text.trim())));
            }
        }
        Ok(())
    }

    fn warning(&self, file: &Path) -> String {
        let shown = match &self.first {
            Some((line, column, text)) => {
                format!(
                    "; the first text that is not ASCII reads {text:?} (line {line}, column {column:?})"
                )
            }
            None => String::new(),
        };
        format!(
            "{} is not UTF-8: read as GB18030 (GBK), as Excel saves CSV on Chinese Windows{shown}. \
             If that is not what the file says, save it as UTF-8",
            file.display()
        )
    }
}

/// What to do about text in a file read as GB18030 that is not GB18030 either.
pub(crate) const NEITHER_ENCODING: &str =
    "text in neither UTF-8 nor GB18030 (GBK): save the file as UTF-8";

/// What to do about a byte that is not UTF-8 in a file whose other text is.
pub(crate) const STRAY_BYTE: &str = "not UTF-8, though the file's other text is (a name pasted from another \
     encoding?): retype it, or save the file as UTF-8 again";

/// `inner` as csv is to read it, and the lines its records start on: csv's own
/// `Position::line` is one short after a CRLF (rust-csv#395), and Excel saves CRLF. The lines
/// are counted from the bytes as they are read, so a file is not held for it.
pub(crate) fn counted<R: Read>(inner: R) -> (Counted<R>, Lines) {
    let ends = Rc::new(RefCell::new(LineEnds::default()));
    let lines = Lines(Rc::clone(&ends));
    (Counted { inner, ends }, lines)
}

/// The lines of the records of a [`counted`] reader.
pub(crate) struct Lines(Rc<RefCell<LineEnds>>);

impl Lines {
    /// The line (from 1) of the record at `position` (records in file order).
    pub(crate) fn of(&self, position: Option<&csv::Position>) -> u64 {
        let start = position.map_or(0, csv::Position::byte);
        self.0.borrow_mut().line_of(start)
    }
}

/// Where lines end in the bytes read and not yet passed: every CR and LF by offset, with
/// whether it ends a line (an LF, or a CR not followed by one).
#[derive(Default)]
struct LineEnds {
    /// Offset of the next byte to be read.
    read: u64,
    /// CR and LF bytes read and not yet passed: (offset, is a CR, ends a line).
    pending: VecDeque<(u64, bool, bool)>,
    /// Lines ended by the bytes passed.
    lines: u64,
}

impl LineEnds {
    fn saw(&mut self, chunk: &[u8]) {
        for i in memchr::memchr2_iter(b'\r', b'\n', chunk) {
            let offset = self.read + i as u64;
            let cr = chunk[i] == b'\r';
            // In a CRLF the LF ends the line, the CR none.
            if !cr
                && let Some(last) = self.pending.back_mut()
                && last.1
                && last.0 + 1 == offset
            {
                last.2 = false;
            }
            self.pending.push_back((offset, cr, true));
        }
        self.read += chunk.len() as u64;
    }

    /// The line (from 1) a record starting at byte `start` begins on: its start may be the LF
    /// of the CRLF before it, or blank lines csv skipped, so it is the line of its first byte
    /// that ends no line.
    fn line_of(&mut self, start: u64) -> u64 {
        // The first byte at or after `start` that is no CR or LF.
        let mut first = start;
        while let Some(&(offset, _, ends)) = self.pending.front() {
            if offset > first {
                break;
            }
            self.lines += u64::from(ends);
            first = first.max(offset + 1);
            self.pending.pop_front();
        }
        self.lines + 1
    }
}

/// The input as csv reads it, its line ends noted on the way.
pub(crate) struct Counted<R> {
    inner: R,
    ends: Rc<RefCell<LineEnds>>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.ends.borrow_mut().saw(&buf[..n]);
        Ok(n)
    }
}

/// The first column name the header repeats, with both 1-based positions (empty names, as
/// trailing commas make, are not names).
fn repeated_column(headers: &csv::StringRecord) -> Option<(usize, usize, String)> {
    let names: Vec<&str> = headers.iter().map(str::trim).collect();
    names.iter().enumerate().find_map(|(j, name)| {
        let i = names[..j].iter().position(|n| !n.is_empty() && n == name)?;
        Some((i + 1, j + 1, name.to_string()))
    })
}

/// A quote left open reads the lines after it into one field: a row of the wrong length with
/// a field whose later lines hold separators, as rows do. That stops the file (why, in what the
/// message says). A quoted name over two lines in a row with a field too many is only that
/// row's fault.
fn unclosed_quote(
    headers: &csv::StringRecord,
    bytes: &csv::ByteRecord,
    line: u64,
    separator: u8,
) -> Option<String> {
    let swallowed = |f: &[u8]| {
        f.iter()
            .position(|&b| b == b'\n')
            .is_some_and(|at| f[at..].contains(&separator))
    };
    if bytes.len() == headers.len() || !bytes.iter().any(swallowed) {
        return None;
    }
    Some(format!(
        "a quote (\") on line {line} seems unclosed: the lines after it read into one field, \
         and the row has {} fields where the header has {}. Close or remove the quote",
        bytes.len(),
        headers.len()
    ))
}

/// A row's fields as text, checked against the header (`bytes` is taken, and left in place
/// when the row cannot be read). The outer error is for bytes that are not UTF-8, which
/// stop the file; the inner one rejects this row alone (a row of the wrong length).
fn text_record(
    headers: &csv::StringRecord,
    bytes: &mut csv::ByteRecord,
    line: u64,
    ctx: &FeatureContext,
) -> std::result::Result<Result<csv::StringRecord>, String> {
    if bytes.len() != headers.len() {
        return Ok(Err(Error::BadRow {
            ctx: ctx.clone(),
            property: None,
            problem: format!(
                "the row has {} fields, the header has {}",
                bytes.len(),
                headers.len()
            ),
        }));
    }
    match csv::StringRecord::from_byte_record(std::mem::take(bytes)) {
        Ok(record) => Ok(Ok(record)),
        Err(e) => {
            let at = e.utf8_error().field();
            let column = headers.get(at).unwrap_or("").trim();
            Err(format!(
                "line {line}, column {} ({column:?}), is {STRAY_BYTE}",
                at + 1
            ))
        }
    }
}
