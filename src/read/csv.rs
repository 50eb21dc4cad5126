//! Enterprises from CSV: one row per enterprise, a header row naming the columns, location in
//! `lon`/`lat` columns or a `parcel_id` key. A UTF-8 byte order mark (as Excel writes) is
//! skipped.

use std::io::{BufRead, BufReader};
use std::sync::Arc;

use geo::{Coord, Point, Rect};

use super::{Draft, Left, RecordFields, Scan, Source, enterprise_from, feature};
use crate::config::Fields;
use crate::error::{Error, FeatureContext, Layer, Result};
use crate::parcel::Enterprise;

struct Row<'a> {
    headers: &'a csv::StringRecord,
    record: &'a csv::StringRecord,
}

impl Row<'_> {
    fn cell(&self, key: &str) -> Option<&str> {
        let i = self.headers.iter().position(|h| h.trim() == key)?;
        self.record.get(i).map(str::trim).filter(|v| !v.is_empty())
    }
}

impl RecordFields for Row<'_> {
    fn text(&self, key: &str, _ctx: &FeatureContext) -> Result<Option<String>> {
        Ok(self.cell(key).map(str::to_string))
    }
    fn token(&self, key: &str) -> Option<&str> {
        self.cell(key)
    }
}

fn parse_row(row: &Row, mut ctx: FeatureContext, fields: &Fields) -> Result<Draft<Enterprise>> {
    let mut e = enterprise_from(row, &mut ctx, fields, None)?;
    let f = &fields.enterprises;
    let coordinate = |key: &str| -> Result<Option<f64>> {
        match row.cell(key) {
            None => Ok(None),
            Some(t) => {
                let v: f64 = t.parse().map_err(|_| Error::NotANumber {
                    ctx: ctx.clone(),
                    property: key.to_string(),
                    expected: "a coordinate",
                    found: feature::abbreviate(t),
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
        (Some(_), None) | (None, None) => {
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
        record: e,
        bounds,
        left: None,
        note: None,
    })
}

pub(super) fn scan_csv(
    source: &Source,
    fields: &Fields,
    strict: bool,
    sink: &mut dyn FnMut(Enterprise),
) -> Result<Scan> {
    let file = source.name();
    let file_arc = Arc::new(file.clone());
    let mut input = BufReader::new(source.open()?);
    let head = input
        .fill_buf()
        .map_err(|e| Error::io(&file, "cannot read", e))?;
    if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        input.consume(3);
    }
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(input);
    let csv_error = |e: csv::Error| Error::Csv {
        path: file.clone(),
        message: e.to_string(),
    };
    let headers = reader.headers().map_err(csv_error)?.clone();
    let mut scan = Scan::new(file.clone());
    let mut record = csv::StringRecord::new();
    let mut index = 0;
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(e)),
        }
        let ctx = FeatureContext::new(file_arc.clone(), Layer::Enterprises, index);
        index += 1;
        let row = Row {
            headers: &headers,
            record: &record,
        };
        scan.take(
            parse_row(&row, ctx, fields),
            strict,
            |_| Left::None,
            &mut |e, _| sink(e),
        )?;
    }
    Ok(scan)
}
