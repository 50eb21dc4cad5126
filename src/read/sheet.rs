//! Enterprises from a spreadsheet (`.xlsx`, `.xls`, `.ods`, read with calamine): one sheet's
//! cells become the rows the CSV reader reads ([`super::csv::scan_rows`]), so the header
//! found past title rows, every check, the rejection ledger and the warnings are the CSV's.
//! A row is named by its sheet and its row as Excel numbers it.
//!
//! - The sheet: the one named as QGIS names a layer (`qy.xlsx|layername=2024`), else the
//!   first.
//! - Cells: text as it is (trimmed later, as CSV's); `…` (the yearbooks' "negligible") and
//!   empty cells are absent; numbers as numbers, an integer written as one (`601`); an
//!   integer of 16 digits or more (past the 15 Excel keeps) in Excel's own `9.13401E+17`
//!   form, which an id column rejects as `id_mangled`, as CSV does; dates as `YYYY-MM-DD`;
//!   `TRUE`/`FALSE`; errors as Excel shows them (`#N/A`).
//! - A header over two or three merged rows: each column is named by its cells top to bottom
//!   (a merged cell once), joined (`年末从业人员（万人）`, `其 中 花园住宅`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use calamine::{Data, Dimensions, Range, Reader};

use super::csv::{Head, TableRows, read_head, scan_rows};
use super::kind::Book;
use super::{Firm, Scan};
use crate::config::Fields;
use crate::error::{Error, LAYER_NAME, Layer, Result, Warning};

/// The largest spreadsheet read: its cells are held in memory (calamine reads a sheet whole).
pub(crate) const MAX_SPREADSHEET_BYTES: u64 = 256 << 20;

/// Rows a merged header spans at most.
const MAX_HEADER_ROWS: u32 = 3;

/// A sheet read whole: its name, its cells and its merged regions.
struct Sheet {
    name: String,
    range: Range<Data>,
    merged: Vec<Dimensions>,
}

/// Reads the enterprises of the sheet named `layer` (else the first) of the workbook `path`
/// (its bytes `data` when held in memory), as [`super::csv::scan_csv`] reads a CSV.
///
/// # Errors
/// [`Error::Spreadsheet`] for a file that cannot be read as `book` or has no sheet so named;
/// [`Error::InputTooLarge`] past [`MAX_SPREADSHEET_BYTES`]; as a CSV's read otherwise.
pub(super) fn scan_sheet(
    (path, data): (&Path, Option<&Arc<[u8]>>),
    book: Book,
    layer: Option<&str>,
    fields: &Fields,
    strict: bool,
    places: &super::Places,
    sink: &mut dyn FnMut(Firm),
) -> Result<Scan> {
    let mut warnings = Vec::new();
    let sheet = open_sheet(path, data, book, layer, &mut warnings)?;
    let start = sheet.range.start().unwrap_or((0, 0));
    let width = sheet.range.width();
    let mut rows = sheet.range.rows().enumerate();
    let mut next = |record: &mut csv::ByteRecord| {
        for (i, cells) in rows.by_ref() {
            record.clear();
            for cell in cells {
                record.push_field(cell_text(cell).as_bytes());
            }
            if record.iter().any(|f| !f.is_empty()) {
                return Ok(Some(u64::from(start.0) + i as u64 + 1));
            }
        }
        Ok(None)
    };
    let head = read_head(&mut next, &fields.enterprises).map_err(|message| Error::Csv {
        path: path.to_path_buf(),
        message: format!("sheet {:?}: {message}", sheet.name),
    })?;
    let head = merged_header(head, &sheet, start, width);
    let table = TableRows {
        file: PathBuf::from(format!("{}{LAYER_NAME}{}", path.display(), sheet.name)),
        head,
        next: &mut next,
        separator: b',',
        gb18030: false,
        warnings,
    };
    scan_rows(table, fields, strict, places, sink)
}

/// Opens the workbook at `path` (its bytes `data` when held in memory), within
/// [`MAX_SPREADSHEET_BYTES`].
fn open_book(
    path: &Path,
    data: Option<&Arc<[u8]>>,
    book: Book,
) -> Result<calamine::Sheets<Box<dyn ReadSeek>>> {
    let size = match data {
        Some(d) => d.len() as u64,
        None => std::fs::metadata(path)
            .map_err(|e| Error::io(path, "cannot open", e))?
            .len(),
    };
    if size > MAX_SPREADSHEET_BYTES {
        return Err(Error::InputTooLarge {
            file: path.to_path_buf(),
            size: Some(size),
            limit: MAX_SPREADSHEET_BYTES,
            what: "a spreadsheet",
        });
    }
    let unreadable = |e: calamine::Error| unreadable(path, book, e);
    let input: Box<dyn ReadSeek> = match data {
        Some(d) => Box::new(std::io::Cursor::new(Arc::clone(d))),
        None => Box::new(std::io::BufReader::new(
            std::fs::File::open(path).map_err(|e| Error::io(path, "cannot open", e))?,
        )),
    };
    Ok(match book {
        Book::Xlsx => calamine::Xlsx::new(input)
            .map(calamine::Sheets::Xlsx)
            .map_err(|e| unreadable(e.into()))?,
        Book::Xls => calamine::Xls::new(input)
            .map(calamine::Sheets::Xls)
            .map_err(|e| unreadable(e.into()))?,
        Book::Ods => calamine::Ods::new(input)
            .map(calamine::Sheets::Ods)
            .map_err(|e| unreadable(e.into()))?,
    })
}

/// The error for a workbook calamine cannot read as `book`.
fn unreadable(path: &Path, book: Book, e: calamine::Error) -> Error {
    Error::Spreadsheet {
        file: path.to_path_buf(),
        message: format!(
            "cannot be read as {}: {e}; open it in Excel and save it again, or save the sheet \
             as CSV (UTF-8)",
            book_name(book)
        ),
    }
}

/// Opens the workbook at `path` and reads the sheet named `layer`, else the first (saying
/// so in `warnings` when there are others).
fn open_sheet(
    path: &Path,
    data: Option<&Arc<[u8]>>,
    book: Book,
    layer: Option<&str>,
    warnings: &mut Vec<Warning>,
) -> Result<Sheet> {
    let bad = |message: String| Error::Spreadsheet {
        file: path.to_path_buf(),
        message,
    };
    let unreadable = |e: calamine::Error| unreadable(path, book, e);
    let mut workbook = open_book(path, data, book)?;
    let names = workbook.sheet_names();
    let name = match layer {
        Some(want) => names
            .iter()
            .find(|n| n.as_str() == want)
            .cloned()
            .ok_or_else(|| {
                bad(format!(
                    "no sheet named {want:?} (|layername={want}); its sheets: {}",
                    listed(&names)
                ))
            })?,
        None => {
            let first = names
                .first()
                .cloned()
                .ok_or_else(|| bad("the workbook has no sheet".into()))?;
            if names.len() > 1 {
                warnings.push(Warning {
                    layer: Layer::Enterprises,
                    index: Warning::NO_RECORD,
                    id: None,
                    message: format!(
                        "{}: read its first sheet, {first:?}, of {} ({}); name another as \
                         {}|layername=NAME",
                        path.display(),
                        names.len(),
                        listed(&names),
                        path.display()
                    ),
                });
            }
            first
        }
    };
    let range = match &mut workbook {
        calamine::Sheets::Xlsx(x) => xlsx_range(x, &name).map_err(|e| match e {
            Sprawl::Read(e) => unreadable(e.into()),
            Sprawl::Cells(message) => bad(message),
        })?,
        // An .xls holds at most 65 536 rows of 256 columns, read as it is opened.
        _ => workbook.worksheet_range(&name).map_err(unreadable)?,
    };
    let merged = match &mut workbook {
        calamine::Sheets::Xlsx(x) => x.merge_cells_by_sheet_name(&name).unwrap_or_default(),
        calamine::Sheets::Xls(x) => x.merge_cells_by_sheet_name(&name).unwrap_or_default(),
        // calamine does not give an .ods's merged cells: only the first cell holds the text.
        _ => Vec::new(),
    };
    Ok(Sheet {
        name,
        range,
        merged,
    })
}

/// A workbook's bytes, from a file or memory.
trait ReadSeek: std::io::Read + std::io::Seek {}
impl<T: std::io::Read + std::io::Seek> ReadSeek for T {}

/// The most cells a sheet's span (its first to last row, by its first to last column, of
/// filled cells) may hold: calamine holds the span whole, so a stray cell far from the table
/// (at XFD1048576) would make it 17 billion.
const MAX_SHEET_CELLS: u64 = 50_000_000;

/// Why an `.xlsx` sheet's cells were not taken.
enum Sprawl {
    /// The file could not be read.
    Read(calamine::XlsxError),
    /// Its span is past [`MAX_SHEET_CELLS`]: what to do.
    Cells(String),
}

/// The filled cells of the `.xlsx` sheet `name`, read one by one so that their span is
/// known (and bounded) before it is held.
fn xlsx_range<RS: std::io::Read + std::io::Seek>(
    book: &mut calamine::Xlsx<RS>,
    name: &str,
) -> std::result::Result<Range<Data>, Sprawl> {
    let mut reader = book.worksheet_cells_reader(name).map_err(Sprawl::Read)?;
    let mut cells = Vec::new();
    let (mut low, mut high) = ((u32::MAX, u32::MAX), (0u32, 0u32));
    while let Some(cell) = reader.next_cell().map_err(Sprawl::Read)? {
        let (r, c) = cell.get_position();
        let value = Data::from(cell.get_value().clone());
        if value == Data::Empty {
            continue;
        }
        (low, high) = ((low.0.min(r), low.1.min(c)), (high.0.max(r), high.1.max(c)));
        let span = u64::from(high.0 - low.0 + 1) * u64::from(high.1 - low.1 + 1);
        if span > MAX_SHEET_CELLS {
            return Err(Sprawl::Cells(format!(
                "sheet {name:?} spans rows {} to {} and columns {} to {} (past {MAX_SHEET_CELLS} \
                 cells): a cell far from the table, such as row {}, column {}? Delete it, or \
                 save the table as CSV",
                low.0 + 1,
                high.0 + 1,
                low.1 + 1,
                high.1 + 1,
                r + 1,
                c + 1
            )));
        }
        cells.push(calamine::Cell::new((r, c), value));
    }
    Ok(Range::from_sparse(cells))
}

/// A workbook format as messages name it.
fn book_name(book: Book) -> &'static str {
    match book {
        Book::Xlsx => "an Excel workbook (.xlsx)",
        Book::Xls => "an Excel 97-2003 workbook (.xls)",
        Book::Ods => "an OpenDocument spreadsheet (.ods)",
    }
}

/// Sheet names listed in a message: quoted, at most 20.
fn listed(names: &[String]) -> String {
    let mut shown: Vec<String> = names.iter().take(20).map(|n| format!("{n:?}")).collect();
    if names.len() > 20 {
        shown.push(format!("… {} in all", names.len()));
    }
    shown.join(", ")
}

/// A cell as the text a CSV would hold (see the module's docs).
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) if is_placeholder(s) => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number_text(*f),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Data::DateTime(d) if d.is_datetime() => date_text(d.as_f64()),
        Data::DateTime(d) => number_text(d.as_f64()),
        Data::Error(e) => e.to_string(),
    }
}

/// True for text that stands for no value in a statistical table: `…` (the yearbooks'
/// "negligible"), alone or repeated.
fn is_placeholder(text: &str) -> bool {
    let t = text.trim();
    !t.is_empty() && t.chars().all(|c| c == '…')
}

/// Integers Excel keeps whole: it holds 15 significant digits, so an integer of 16 digits or
/// more (an 18-digit 统一社会信用代码 typed as a number) has lost its last ones.
const EXACT_INTEGERS: f64 = 1e15;

/// A number cell as text: an integer below [`EXACT_INTEGERS`] as one (`601`), a larger one
/// as Excel shows it (`9.13401234567891E+17`), any other the shortest text that reads back
/// as it.
fn number_text(v: f64) -> String {
    if v.is_finite() && v.fract() == 0.0 {
        if v.abs() < EXACT_INTEGERS {
            return format!("{}", v as i64);
        }
        let e = format!("{v:E}");
        return match e.split_once('E') {
            Some((m, x)) if !x.starts_with('-') => format!("{m}E+{x}"),
            _ => e,
        };
    }
    format!("{v}")
}

/// An Excel date serial (days since 1899-12-30, the 1900 system) as `YYYY-MM-DD`, with the
/// time when it has one (`YYYY-MM-DDTHH:MM:SS`).
fn date_text(serial: f64) -> String {
    let days = serial.floor();
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 - 25_569 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let seconds = ((serial - days) * 86_400.0).round() as i64;
    if seconds == 0 {
        format!("{y:04}-{m:02}-{d:02}")
    } else {
        let (h, mi, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
        format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}")
    }
}

/// The header `head` found, widened to the rows a merged header spans (at most
/// [`MAX_HEADER_ROWS`]): the rows merged cells of its row reach up or down to. Each column is
/// then named by its cells in those rows top to bottom, a merged cell's text once, joined by
/// a space (none before a bracket: `年末从业人员（万人）`). The rows taken into it leave the
/// skipped title rows and the data rows; the header's line is its first row.
fn merged_header(mut head: Head, sheet: &Sheet, start: (u32, u32), width: usize) -> Head {
    let Some(row) = u32::try_from(head.line.saturating_sub(1)).ok() else {
        return head;
    };
    let (top, bottom) = header_rows(row, &sheet.merged);
    if top == bottom {
        return head;
    }
    let mut header = csv::ByteRecord::new();
    for c in 0..width as u32 {
        let col = start.1 + c;
        let mut parts: Vec<String> = Vec::new();
        let mut seen: Vec<Dimensions> = Vec::new();
        for r in top..=bottom {
            let region = sheet.merged.iter().find(|m| m.contains(r, col)).copied();
            let at = region.map_or((r, col), |m| m.start);
            if let Some(m) = region {
                if seen.contains(&m) {
                    continue;
                }
                seen.push(m);
            }
            let text = sheet.range.get_value(at).map(cell_text).unwrap_or_default();
            let text = text.trim();
            if !text.is_empty() {
                parts.push(text.to_string());
            }
        }
        header.push_field(join_parts(&parts).as_bytes());
    }
    let (first, last) = (u64::from(top) + 1, u64::from(bottom) + 1);
    head.skipped.retain(|(line, _)| *line < first);
    head.rest.retain(|(_, line)| *line > last);
    head.header = header;
    head.line = first;
    head
}

/// The rows (0-based, first and last) of a header on `row` over its merged cells: widened
/// while a merged cell of at most [`MAX_HEADER_ROWS`] rows reaches past them, never past that
/// many rows in all.
fn header_rows(row: u32, merged: &[Dimensions]) -> (u32, u32) {
    let (mut top, mut bottom) = (row, row);
    loop {
        let mut grown = false;
        for m in merged {
            let (t, b) = (m.start.0, m.end.0);
            let reaches = t <= bottom && b >= top && b > t;
            let (nt, nb) = (top.min(t), bottom.max(b));
            if reaches
                && b - t < MAX_HEADER_ROWS
                && nb - nt < MAX_HEADER_ROWS
                && (nt, nb) != (top, bottom)
            {
                (top, bottom) = (nt, nb);
                grown = true;
            }
        }
        if !grown {
            return (top, bottom);
        }
    }
}

/// A column's name from its header cells top to bottom: joined by a space, but for a part
/// that opens with a bracket (a unit), which follows directly.
fn join_parts(parts: &[String]) -> String {
    let mut name = String::new();
    for p in parts {
        if !name.is_empty() && !p.starts_with(['（', '(', '[', '【']) {
            name.push(' ');
        }
        name.push_str(p);
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_a_csv_would_hold_them() {
        assert_eq!(number_text(601.0), "601");
        assert_eq!(number_text(-0.0), "0");
        assert_eq!(number_text(1234.5), "1234.5");
        assert_eq!(number_text(14239.470976000002), "14239.470976000002");
        assert_eq!(
            number_text(913_401_234_567_890_000.0),
            "9.1340123456789E+17"
        );
        assert!(super::super::feature::mangled_id(&number_text(
            9.134_012_345_67e17
        )));
        assert_eq!(number_text(999_999_999_999_999.0), "999999999999999");
    }

    #[test]
    fn dates_and_placeholders() {
        // 45292 is 2024-01-01 in Excel's 1900 system; 45292.5 is its noon.
        assert_eq!(date_text(45_292.0), "2024-01-01");
        assert_eq!(date_text(45_292.5), "2024-01-01T12:00:00");
        assert_eq!(date_text(1.0), "1899-12-31");
        assert!(is_placeholder("…") && is_placeholder(" …… "));
        assert!(!is_placeholder("") && !is_placeholder("12…"));
    }

    #[test]
    fn a_header_widens_over_its_merged_cells_up_to_three_rows() {
        let region = |t, l, b, r| Dimensions::new((t, l), (b, r));
        // 地区 over rows 3–5 (0-based), 其中 across one row, sub-columns over rows 4–5.
        let merged = [region(3, 0, 5, 0), region(3, 2, 3, 7), region(4, 2, 5, 2)];
        assert_eq!(header_rows(4, &merged), (3, 5));
        assert_eq!(header_rows(3, &merged), (3, 5));
        // A title merged across one row does not widen it; a tall merge is not a header's.
        assert_eq!(header_rows(0, &[region(0, 0, 0, 6)]), (0, 0));
        assert_eq!(header_rows(2, &[region(2, 0, 40, 0)]), (2, 2));
        let parts = |p: &[&str]| join_parts(&p.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(parts(&["年末从业人员", "（万人）"]), "年末从业人员（万人）");
        assert_eq!(parts(&["其  中", "花园住宅"]), "其  中 花园住宅");
    }
}
