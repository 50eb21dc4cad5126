//! The sense made of an enterprises CSV's first lines, as Excel and people write them: the
//! separator (`,`, `;` or tab), title rows above the header, the longitude and latitude under
//! another usual name, and a mapped column the header does not have (said, with the closest
//! name it has: never taken in its place).

use std::borrow::Cow;
use std::collections::VecDeque;
use std::io::Read;
use std::path::Path;

use crate::config::{EnterpriseFields, Fields, MissingId};
use crate::error::{LAYER_NAME, Layer, Suspicion, Warning, abbreviate};

/// Rows looked at for the header when `header_row` is not set: title rows above it are
/// found among them.
pub(crate) const HEAD_ROWS: usize = 10;

/// Bytes looked at for the separator.
const PEEK_BYTES: usize = 64 << 10;

/// The field separators read: the first is the default.
const SEPARATORS: [u8; 3] = [b',', b';', b'\t'];

/// How a separator is named in messages.
pub(crate) fn separator_name(separator: u8) -> &'static str {
    match separator {
        b';' => "\";\"",
        b'\t' => "tab",
        _ => "\",\"",
    }
}

/// The separator of the CSV text `input` starts with, and the input to read whole (its
/// first bytes read here put back in front). The separator is the one of `,`, `;` and tab
/// that stands most often, outside quotes, on the first line that has any of them (the
/// header, or a title row Excel padded with separators); `,` when none has any, or on a tie.
pub(crate) fn with_separator<'a>(
    mut input: Box<dyn Read + 'a>,
    file: &Path,
) -> crate::error::Result<(Box<dyn Read + 'a>, u8)> {
    let mut head = Vec::with_capacity(PEEK_BYTES.min(8 << 10));
    (&mut input)
        .take(PEEK_BYTES as u64)
        .read_to_end(&mut head)
        .map_err(|e| crate::error::Error::io(file, "cannot read", e))?;
    let separator = separator_of(&head);
    let input: Box<dyn Read + 'a> = Box::new(std::io::Cursor::new(head).chain(input));
    Ok((input, separator))
}

/// The separator of a file beginning with `head` (see [`with_separator`]).
pub(crate) fn separator_of(head: &[u8]) -> u8 {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for &b in head {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted && counts.iter().any(|&n| n > 0) => break,
            b'\n' => {}
            _ if !quoted => {
                if let Some(k) = SEPARATORS.iter().position(|&s| s == b) {
                    counts[k] += 1;
                }
            }
            _ => {}
        }
    }
    // The first of the most frequent: `,` on a tie.
    let mut best = 0;
    for k in 1..SEPARATORS.len() {
        if counts[k] > counts[best] {
            best = k;
        }
    }
    SEPARATORS[best]
}

/// A name as compared when looking for a column: full-width forms folded to their ASCII
/// (`（）` to `()`, `，` to `,`, full-width letters and digits), white space (an ideographic
/// space too) dropped, letters lower-cased.
pub(crate) fn fold(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Characters of a name compared by edit distance (past them a name is not "close").
const CLOSE_CHARS: usize = 64;

/// Header columns looked at for the closest name.
const CLOSE_COLUMNS: usize = 500;

/// The edit distance between `a` and `b` (Levenshtein, by characters).
fn distance(a: &[char], b: &[char]) -> usize {
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

/// The header's column closest to `wanted`: one equal once folded ([`fold`]), else the one
/// fewest edits away once folded, if within a third of the name's length (at least one edit).
pub(crate) fn closest<'h>(wanted: &str, headers: &'h [String]) -> Option<&'h str> {
    // Folded from a bounded head: a hostile header's names may be megabytes long.
    let head = |name: &str| -> Vec<char> {
        let cut: String = name.chars().take(4 * CLOSE_CHARS).collect();
        fold(&cut).chars().take(CLOSE_CHARS).collect()
    };
    let target = head(wanted);
    if target.is_empty() {
        return None;
    }
    let within = (target.len() / 3).max(1);
    let mut best: Option<(usize, &str)> = None;
    for name in headers.iter().take(CLOSE_COLUMNS) {
        let folded = head(name);
        if folded.is_empty() {
            continue;
        }
        let d = distance(&target, &folded);
        if d <= within && best.is_none_or(|(b, _)| d < b) {
            best = Some((d, name.as_str()));
        }
    }
    best.map(|(_, name)| name)
}

/// Which of the rows read first is the header (see [`crate::config::EnterpriseFields`]'s
/// `header_row`): the first that has the id column or two of tax, investment and output
/// (compared folded); else the first with at least two cells filled and at least half as many
/// as the fullest row; else the first.
pub(crate) fn header_index(rows: &VecDeque<(csv::ByteRecord, u64)>, f: &EnterpriseFields) -> usize {
    let cells = |record: &csv::ByteRecord| -> Vec<String> {
        (record.iter())
            .map(|c| fold(&String::from_utf8_lossy(c)))
            .collect()
    };
    let id = fold(&f.enterprise_id);
    let money = [fold(&f.tax), fold(&f.investment), fold(&f.output)];
    let named = rows.iter().position(|(record, _)| {
        let cells = cells(record);
        cells.contains(&id) || money.iter().filter(|m| cells.contains(m)).count() >= 2
    });
    if let Some(at) = named {
        return at;
    }
    let filled = |record: &csv::ByteRecord| {
        (record.iter())
            .filter(|c| !String::from_utf8_lossy(c).trim().is_empty())
            .count()
    };
    let fullest = rows.iter().map(|(r, _)| filled(r)).max().unwrap_or(0);
    (rows.iter())
        .position(|(r, _)| {
            let n = filled(r);
            n >= 2 && 2 * n >= fullest
        })
        .unwrap_or(0)
}

/// The warning for title rows skipped above the header on `header_line`: their lines (rows,
/// in a spreadsheet's sheet, a file named `qy.xlsx|layername=2024`), and the text of the first.
pub(crate) fn title_warning(file: &Path, skipped: &[(u64, String)], header_line: u64) -> Warning {
    let sheet = file.to_str().is_some_and(|f| f.contains(LAYER_NAME));
    let (one, many) = if sheet {
        ("row", "rows")
    } else {
        ("line", "lines")
    };
    let lines = match skipped {
        [(only, _)] => format!("{one} {only}"),
        [(first, _), .., (last, _)] => format!("{many} {first}–{last}"),
        [] => String::new(),
    };
    let text = skipped.first().map_or("", |(_, t)| t.as_str());
    Warning {
        layer: Layer::Enterprises,
        index: Warning::NO_RECORD,
        id: None,
        message: format!(
            "{}: {lines} above the header ({one} {header_line}) taken for a title and skipped \
             ({text:?}); if the header is another line, set [fields.enterprises] header_row",
            file.display()
        ),
    }
}

/// A row's filled cells, as a title's text.
pub(crate) fn row_text(record: &csv::ByteRecord) -> String {
    let cells: Vec<String> = (record.iter())
        .map(|c| String::from_utf8_lossy(c).trim().to_string())
        .filter(|c| !c.is_empty())
        .collect();
    abbreviate(&cells.join(" "))
}

/// The usual names of a longitude and latitude column, compared trimmed and case-insensitive.
const COORDINATE_NAMES: [(&str, &str); 5] = [
    ("经度", "纬度"),
    ("lon", "lat"),
    ("lng", "lat"),
    ("longitude", "latitude"),
    ("x", "y"),
];

/// The fields to read `headers` with: `fields`, but for `lon` and `lat` left at their
/// defaults when the header has no such columns and has a pair of
/// [usual names](COORDINATE_NAMES) (with a warning naming the columns taken). Then every
/// column the audit needs or the configuration names that the header does not have is a
/// [`Suspicion`] (`column_absent`), with the header's closest name.
pub(crate) fn make_sense<'f>(
    headers: &[String],
    header_line: u64,
    fields: &'f Fields,
    file: &Path,
    warnings: &mut Vec<Warning>,
    suspicions: &mut Vec<Suspicion>,
) -> Cow<'f, Fields> {
    let mut fields = Cow::Borrowed(fields);
    let has = |name: &str| headers.iter().any(|h| h == name);
    let defaults = EnterpriseFields::default();
    let f = &fields.enterprises;
    if f.lon == defaults.lon && f.lat == defaults.lat && !(has(&f.lon) && has(&f.lat)) {
        let find =
            |name: &str| (headers.iter()).position(|h| h.to_lowercase() == name.to_lowercase());
        let pair = COORDINATE_NAMES
            .iter()
            .find_map(|(x, y)| Some((find(x)?, find(y)?)));
        if let Some((x, y)) = pair {
            let (lon, lat) = (headers[x].clone(), headers[y].clone());
            warnings.push(Warning {
                layer: Layer::Enterprises,
                index: Warning::NO_RECORD,
                id: None,
                message: format!(
                    "{}: no \"lon\" and \"lat\" columns: took {lon:?} and {lat:?} (columns {} \
                     and {} of the header, line {header_line}) for the longitude and latitude; \
                     set [fields.enterprises] lon and lat to say so",
                    file.display(),
                    x + 1,
                    y + 1
                ),
            });
            let e = &mut fields.to_mut().enterprises;
            e.lon = lon;
            e.lat = lat;
        }
    }
    for (key, name, why) in absent_columns(headers, &fields.enterprises, fields.missing_id) {
        suspicions.push(Suspicion {
            layer: Layer::Enterprises,
            code: "column_absent",
            message: absent_message(file, headers, header_line, key, name, why),
        });
    }
    fields
}

/// Why an absent column matters.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Need {
    /// Every row needs it: each is rejected without it.
    Required,
    /// Every row needs a position (lon and lat) or a parcel key: the header has neither.
    Location,
    /// The configuration names it, so its values were asked for.
    Named,
}

/// The columns the header lacks: (the `[fields.enterprises]` key, the name looked for, why it
/// matters). Required: the id (unless `missing_id = "index"`), tax, investment, output, and a
/// location (lon and lat, or parcel_id). Any other column is looked for only when the
/// configuration names it (a name other than its default): one left at its default is
/// optional.
fn absent_columns<'f>(
    headers: &[String],
    f: &'f EnterpriseFields,
    missing_id: MissingId,
) -> Vec<(&'static str, &'f str, Need)> {
    let has = |name: &str| headers.iter().any(|h| h == name);
    let d = EnterpriseFields::default();
    let named = |name: &str, default: &str| name != default;
    let located = has(&f.parcel_id) || (has(&f.lon) && has(&f.lat));
    let columns: [(&'static str, &str, &str, Option<Need>); 20] = [
        (
            "enterprise_id",
            &f.enterprise_id,
            &d.enterprise_id,
            (missing_id == MissingId::Reject).then_some(Need::Required),
        ),
        ("tax", &f.tax, &d.tax, Some(Need::Required)),
        (
            "investment",
            &f.investment,
            &d.investment,
            Some(Need::Required),
        ),
        ("output", &f.output, &d.output, Some(Need::Required)),
        ("lon", &f.lon, &d.lon, (!located).then_some(Need::Location)),
        ("lat", &f.lat, &d.lat, (!located).then_some(Need::Location)),
        (
            "parcel_id",
            &f.parcel_id,
            &d.parcel_id,
            (!located).then_some(Need::Location),
        ),
        ("name", &f.name, &d.name, None),
        ("value_added", &f.value_added, &d.value_added, None),
        ("energy", &f.energy, &d.energy, None),
        ("emissions", &f.emissions, &d.emissions, None),
        ("rd_spend", &f.rd_spend, &d.rd_spend, None),
        ("electricity", &f.electricity, &d.electricity, None),
        ("employees", &f.employees, &d.employees, None),
        ("floor_area", &f.floor_area, &d.floor_area, None),
        ("above_scale", &f.above_scale, &d.above_scale, None),
        ("industry", &f.industry, &d.industry, None),
        ("unit", &f.unit, &d.unit, None),
        ("start_year", &f.start_year, &d.start_year, None),
        ("exempt", &f.exempt, &d.exempt, None),
    ];
    columns
        .into_iter()
        .filter(|(_, name, _, _)| !has(name))
        .filter_map(|(key, name, default, need)| {
            let need = need.or(named(name, default).then_some(Need::Named))?;
            Some((key, name, need))
        })
        .collect()
}

/// Header columns listed in a message.
const LISTED_COLUMNS: usize = 20;

/// "column "X" ([fields.enterprises] key) is not in the header of FILE (line L; columns: ...);
/// did you mean "Y"? ..."
fn absent_message(
    file: &Path,
    headers: &[String],
    header_line: u64,
    key: &str,
    name: &str,
    need: Need,
) -> String {
    let mut listed: Vec<String> = (headers.iter())
        .take(LISTED_COLUMNS)
        .map(|h| abbreviate(h))
        .collect();
    if headers.len() > LISTED_COLUMNS {
        listed.push(format!("… {} in all", headers.len()));
    }
    let guess = match closest(name, headers) {
        Some(h) => format!("; did you mean {h:?}?"),
        None => String::new(),
    };
    let why = match need {
        Need::Required => "every row needs it, and is rejected without it",
        Need::Location => {
            "every row needs a position (lon and lat) or a parcel key, and the header has \
             neither"
        }
        Need::Named => "the configuration names it, so its values were asked for",
    };
    format!(
        "column {:?} ([fields.enterprises] {key}) is not in the header of {} (line \
         {header_line}; columns: {}){guess} ({why}). Rename the column in the file, or set \
         [fields.enterprises] {key} to the name the file has",
        abbreviate(name),
        file.display(),
        listed.join(", "),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_separator_is_the_commonest_on_the_first_line_that_has_one() {
        assert_eq!(separator_of(b"a,b,c\n1,2,3\n"), b',');
        assert_eq!(separator_of("企业;税收;投资\n".as_bytes()), b';');
        assert_eq!(separator_of(b"a\tb\tc\n"), b'\t');
        // A title row with none, then the header.
        assert_eq!(separator_of("2024年度数据表\nid;tax;x\n".as_bytes()), b';');
        // Inside quotes a separator is text.
        assert_eq!(separator_of(b"\"a,b,c,d\";x;y\n"), b';');
        // None at all, or a tie: a comma.
        assert_eq!(separator_of(b"abc\n"), b',');
        assert_eq!(separator_of(b"a,b;c\n"), b',');
    }

    #[test]
    fn names_compare_folded_then_by_edits() {
        assert_eq!(fold("实缴税金（万元）"), "实缴税金(万元)");
        assert_eq!(fold(" ＴＡＸ　Paid "), "taxpaid");
        let headers: Vec<String> = ["企业名称", "实缴税金(万元)", "固定资产投资", "LON"]
            .map(String::from)
            .to_vec();
        assert_eq!(
            closest("实缴税金（万元）", &headers),
            Some("实缴税金(万元)")
        );
        assert_eq!(closest("固定资产投入", &headers), Some("固定资产投资"));
        assert_eq!(closest("lon", &headers), Some("LON"));
        assert_eq!(closest("营业收入", &headers), None);
        assert_eq!(closest("", &headers), None);
        assert_eq!(distance(&['a', 'b'], &['b']), 1);
    }
}
