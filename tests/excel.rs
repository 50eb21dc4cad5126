//! Enterprises from a spreadsheet (issue 22): workbooks written here by rust_xlsxwriter (an
//! implementation independent of the reader, calamine), read by the crate as a CSV would be:
//! title rows above a header merged over two rows, credit codes as text and as a number, the
//! yearbooks' `…`, a bad number named by sheet, row and column, a sheet named with `|layername=`.

mod common;

use std::path::{Path, PathBuf};

use common::{collection, fixtures, square};
use land_efficiency::{Audit, AuditReport, Config, Error, Inputs, Source};
use rust_xlsxwriter::{Format, Workbook, Worksheet};
use serde_json::Value;

/// One cell's value as written: text, a number, or nothing.
enum Cell {
    Text(String),
    Number(f64),
    Blank,
}

fn text(s: &str) -> Cell {
    Cell::Text(s.to_string())
}

/// Writes the header over rows 2 and 3 (0-based) as a tax bureau's table has it: each name in
/// row 2, its unit (if any) in row 3, a name without a unit merged over both rows.
fn write_header(sheet: &mut Worksheet, columns: &[(&str, Option<&str>)]) {
    let plain = Format::new();
    for (c, (name, unit)) in columns.iter().enumerate() {
        let c = c as u16;
        match unit {
            Some(unit) => {
                sheet.write_string(2, c, *name).unwrap();
                sheet.write_string(3, c, *unit).unwrap();
            }
            None => {
                sheet.merge_range(2, c, 3, c, name, &plain).unwrap();
            }
        }
    }
}

/// Writes `qy.xlsx` in `dir`: a first sheet of notes, then sheet `2024` with a title merged
/// across row 1, a unit row, the header over rows 3–4 and `rows` from row 5 (Excel's rows).
fn write_book(dir: &Path, columns: &[(&str, Option<&str>)], rows: &[Vec<Cell>]) -> PathBuf {
    let mut book = Workbook::new();
    let notes = book.add_worksheet();
    notes.set_name("说明").unwrap();
    notes.write_string(0, 0, "数据来源：税务局").unwrap();
    let sheet = book.add_worksheet();
    sheet.set_name("2024").unwrap();
    let last = columns.len() as u16 - 1;
    (sheet.merge_range(
        0,
        0,
        0,
        last,
        "2024年度规上工业企业亩均效益数据表",
        &Format::new(),
    ))
    .unwrap();
    sheet.write_string(1, 0, "单位：万元").unwrap();
    write_header(sheet, columns);
    for (r, row) in rows.iter().enumerate() {
        let r = 4 + r as u32;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Text(t) => sheet.write_string(r, c, t).map(|_| ()).unwrap(),
                Cell::Number(v) => sheet.write_number(r, c, *v).map(|_| ()).unwrap(),
                Cell::Blank => {}
            }
        }
    }
    let path = dir.join("qy.xlsx");
    book.save(&path).unwrap();
    path
}

/// The header of the zone's table: each column's name as the tax bureau writes it.
const ZONE_COLUMNS: [(&str, Option<&str>); 9] = [
    ("统一社会信用代码", None),
    ("企业名称", None),
    ("实缴税金", Some("（万元）")),
    ("固定资产投资", Some("（万元）")),
    ("工业总产值", Some("（万元）")),
    ("建筑面积", Some("（平方米）")),
    ("行业代码", None),
    ("经度", None),
    ("纬度", None),
];

/// The fields of the zone's table: the names its two-row header joins to.
fn zone_config() -> Config {
    let mut config = Config::from_path(fixtures().join("zone/thresholds.toml")).unwrap();
    let f = &mut config.fields.enterprises;
    f.enterprise_id = "统一社会信用代码".into();
    f.name = "企业名称".into();
    f.tax = "实缴税金（万元）".into();
    f.investment = "固定资产投资（万元）".into();
    f.output = "工业总产值（万元）".into();
    f.floor_area = "建筑面积（平方米）".into();
    f.industry = "行业代码".into();
    config
}

/// The zone's enterprises as rows of the table: the industry code typed as a number (`39`),
/// as Excel takes it.
fn zone_rows() -> Vec<Vec<Cell>> {
    let geojson = std::fs::read_to_string(fixtures().join("zone/enterprises.geojson")).unwrap();
    let zone: Value = serde_json::from_str(&geojson).unwrap();
    let features = zone["features"].as_array().unwrap();
    features
        .iter()
        .map(|f| {
            let p = &f["properties"];
            let xy = &f["geometry"]["coordinates"];
            let n = |v: &Value| Cell::Number(v.as_f64().unwrap());
            vec![
                text(p["enterprise_id"].as_str().unwrap()),
                text(p["name"].as_str().unwrap()),
                n(&p["tax"]),
                n(&p["investment"]),
                n(&p["output"]),
                n(&p["floor_area"]),
                Cell::Number(p["industry"].as_str().unwrap().parse().unwrap()),
                n(&xy[0]),
                n(&xy[1]),
            ]
        })
        .collect()
}

fn zone_audit(config: Config, enterprises: Source) -> AuditReport {
    let zone = fixtures().join("zone");
    Audit::new(config)
        .run(&Inputs {
            parcels: Source::path(zone.join("parcels.geojson")),
            enterprises: Some(enterprises),
            parks: Some(Source::path(zone.join("parks.geojson"))),
        })
        .unwrap()
}

/// The summary as JSON, but for the warnings' count (the spreadsheet's title rows, its
/// coordinates' columns and its sheet are said in warnings) and the enterprises' file name.
fn summary(report: &AuditReport) -> Value {
    let mut v = serde_json::to_value(&report.summary).unwrap();
    v.as_object_mut().unwrap().remove("warning_count");
    let file = v["crs"]["enterprises"]
        .as_object_mut()
        .unwrap()
        .remove("file");
    assert!(file.is_some());
    v
}

#[test]
fn the_zone_from_an_xlsx_audits_as_from_its_geojson() {
    let dir = tempfile::tempdir().unwrap();
    let book = write_book(dir.path(), &ZONE_COLUMNS, &zone_rows());
    let named = PathBuf::from(format!("{}|layername=2024", book.display()));
    let xlsx = zone_audit(zone_config(), Source::path(&named));
    let zone = fixtures().join("zone");
    let config = Config::from_path(zone.join("thresholds.toml")).unwrap();
    let geojson = zone_audit(config, Source::path(zone.join("enterprises.geojson")));
    assert_eq!(xlsx.summary.enterprises.read, 48);
    assert_eq!(xlsx.rejected.len(), 0, "{:?}", xlsx.rejected);
    assert_eq!(summary(&xlsx), summary(&geojson));
    for (a, b) in xlsx.enterprises().zip(geojson.enterprises()) {
        assert_eq!(
            format!("{:?}", a.enterprise()),
            format!("{:?}", b.enterprise())
        );
    }
    // The title and unit rows were skipped, saying so; the coordinates' columns were named.
    let said: Vec<&str> = xlsx.warnings.iter().map(|w| w.message.as_str()).collect();
    let said = said.join("\n");
    assert!(said.contains("rows 1–2 above the header (row 3)"), "{said}");
    assert!(said.contains("took \"经度\" and \"纬度\""), "{said}");
}

/// Two parcels of 0.001° side: P1 at (120.000, 30.000), P2 at (120.002, 30.000).
fn parcels() -> String {
    collection(&[
        square("P1", 120.0, 30.0, 0.001, ""),
        square("P2", 120.002, 30.0, 0.001, ""),
    ])
}

const SMALL_COLUMNS: [(&str, Option<&str>); 7] = [
    ("enterprise_id", None),
    ("name", None),
    ("tax", None),
    ("investment", None),
    ("output", None),
    ("floor_area", None),
    ("lon", Some("（度）")),
];

fn small_row(id: Cell, tax: Cell, floor: Cell) -> Vec<Cell> {
    vec![
        id,
        text("甲"),
        tax,
        Cell::Number(3000.0),
        Cell::Number(4500.0),
        floor,
        Cell::Number(120.0005),
    ]
}

fn small_config() -> Config {
    let mut config = Config::default();
    config.fields.enterprises.lon = "lon（度）".into();
    config.fields.enterprises.lat = "lat".into();
    config
}

/// The table of the id and cell cases, with a `lat` column (no unit) after them.
fn small_book(dir: &Path) -> PathBuf {
    let mut columns = SMALL_COLUMNS.to_vec();
    columns.push(("lat", None));
    let mut rows = vec![
        // Row 5: an 18-digit credit code stored as text: kept as it is.
        small_row(
            text("913201945678901234"),
            Cell::Number(300.0),
            Cell::Number(1000.0),
        ),
        // Row 6: the same code typed as a number: Excel kept 15 digits.
        small_row(
            Cell::Number(913_201_945_678_901_234.0),
            Cell::Number(300.0),
            Cell::Blank,
        ),
        // Row 7: a firm whose floor area is the yearbooks' "…": absent, not an error.
        small_row(text("E3"), Cell::Number(200.0), text("…")),
        // Row 8: a tax that is no number.
        small_row(text("E4"), text("12万"), Cell::Blank),
        // Row 9: a short id typed as a number: its integer text.
        small_row(Cell::Number(601.0), Cell::Number(100.0), Cell::Blank),
    ];
    for row in &mut rows {
        row.push(Cell::Number(30.0005));
    }
    write_book(dir, &columns, &rows)
}

fn small_audit(
    config: Config,
    strict: bool,
    source: Source,
) -> land_efficiency::Result<AuditReport> {
    Audit::new(config).strict(strict).run(&Inputs {
        parcels: Source::geojson("parcels.geojson", parcels()),
        enterprises: Some(source),
        parks: None,
    })
}

#[test]
fn ids_merged_headers_and_bad_cells_are_read_as_csv_reads_them() {
    let dir = tempfile::tempdir().unwrap();
    let book = small_book(dir.path());
    let named = PathBuf::from(format!("{}|layername=2024", book.display()));
    let r = small_audit(small_config(), false, Source::path(&named)).unwrap();
    let ids: Vec<&str> = r.enterprises().map(|e| e.id()).collect();
    assert_eq!(ids, ["913201945678901234", "E3", "601"]);
    let e3 = r.enterprise_by_id("E3").unwrap().enterprise();
    assert_eq!(e3.floor_area_m2, None);
    assert_eq!(
        r.enterprise_by_id("913201945678901234")
            .unwrap()
            .enterprise()
            .floor_area_m2,
        Some(1000.0)
    );
    let codes: Vec<(&str, Option<&str>)> = (r.rejected.iter())
        .map(|x| (x.code, x.property.as_deref()))
        .collect();
    assert_eq!(
        codes,
        [
            ("id_mangled", Some("enterprise_id")),
            ("not_a_number", Some("tax"))
        ]
    );
    let reason = &r.rejected[0].reason;
    assert!(reason.starts_with("sheet \"2024\", row 6: "), "{reason}");
    // (rust_xlsxwriter stores the double whole; Excel would have kept 15 digits.)
    assert!(reason.contains("\"9.132019456789012E+17\""), "{reason}");
    assert!(r.rejected[1].reason.starts_with("sheet \"2024\", row 8: "));
    // A strict run stops at the first, naming file, data row, sheet, Excel's row and column.
    let e = small_audit(small_config(), true, Source::path(&named)).unwrap_err();
    let m = e.to_string();
    assert!(
        m.starts_with(&format!(
            "{}: row 1 (sheet \"2024\", row 6)",
            named.display()
        )),
        "{m}"
    );
    assert!(m.contains("property \"enterprise_id\""), "{m}");
}

#[test]
fn the_first_sheet_is_read_unless_one_is_named_and_a_missing_one_lists_them() {
    let dir = tempfile::tempdir().unwrap();
    let book = small_book(dir.path());
    // The first sheet is the notes: no header the audit can use, said as a suspicion.
    let r = small_audit(small_config(), false, Source::path(&book)).unwrap();
    let said: Vec<&str> = r.warnings.iter().map(|w| w.message.as_str()).collect();
    assert!(
        said.iter()
            .any(|w| w.contains("read its first sheet, \"说明\", of 2 (\"说明\", \"2024\")")),
        "{said:?}"
    );
    assert_eq!(r.summary.enterprises.read, 0);
    let named = PathBuf::from(format!("{}|layername=2023", book.display()));
    let e = small_audit(small_config(), false, Source::path(&named)).unwrap_err();
    assert_eq!(e.code(), "spreadsheet");
    let m = e.to_string();
    assert!(m.contains("no sheet named \"2023\""), "{m}");
    assert!(m.contains("its sheets: \"说明\", \"2024\""), "{m}");
}

#[test]
fn a_spreadsheet_is_told_by_its_bytes_and_refused_as_parcels() {
    let dir = tempfile::tempdir().unwrap();
    let book = small_book(dir.path());
    // Named .dat: read as the workbook its bytes say it is.
    let renamed = dir.path().join("qy.dat");
    std::fs::copy(&book, &renamed).unwrap();
    let named = PathBuf::from(format!("{}|layername=2024", renamed.display()));
    let r = small_audit(small_config(), false, Source::path(&named)).unwrap();
    assert_eq!(r.summary.enterprises.read, 5);
    // As parcels: a spreadsheet holds no geometry.
    let e = Audit::new(Config::default())
        .run(&Inputs {
            parcels: Source::path(&book),
            enterprises: None,
            parks: None,
        })
        .map(|_| ())
        .unwrap_err();
    assert!(matches!(e, Error::InputFormat { .. }), "{e}");
    assert!(
        e.to_string().contains("a spreadsheet holds no geometry"),
        "{e}"
    );
    // An .xls that is text, as web systems export.
    let fake = dir.path().join("qy.xls");
    std::fs::write(&fake, "<html><table></table></html>").unwrap();
    let e = small_audit(small_config(), false, Source::path(&fake)).unwrap_err();
    assert!(e.to_string().contains("not a spreadsheet"), "{e}");
}

#[test]
fn damaged_or_sprawling_workbooks_stop_with_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let book = small_book(dir.path());
    let bytes = std::fs::read(&book).unwrap();
    // Cut short: the zip's directory is gone.
    let cut = dir.path().join("cut.xlsx");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let e = small_audit(small_config(), false, Source::path(&cut)).unwrap_err();
    assert_eq!(e.code(), "spreadsheet", "{e}");
    assert!(
        e.to_string()
            .contains("cannot be read as an Excel workbook (.xlsx)"),
        "{e}"
    );
    // Two cells, at A1 and at Excel's last cell: a sheet of 17 billion cells if held whole.
    let mut wide = Workbook::new();
    let sheet = wide.add_worksheet();
    sheet.write_string(0, 0, "enterprise_id").unwrap();
    sheet.write_string(1_048_575, 16_383, "x").unwrap();
    let sprawl = dir.path().join("sprawl.xlsx");
    wide.save(&sprawl).unwrap();
    let e = common::within(60, "a sprawling sheet", move || {
        small_audit(small_config(), false, Source::path(&sprawl)).map(|_| ())
    });
    let e = e.unwrap_err();
    assert_eq!(e.code(), "spreadsheet", "{e}");
    assert!(e.to_string().contains("row 1048576, column 16384"), "{e}");
}
