//! Year on year: this audit against the previous one, parcel by parcel and firm by firm.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;

use crate::error::{Error, Layer, Result, Warning};
use crate::grade::Grade;
use crate::outcome::{Change, Figures};
use crate::parcel::{Class, Enterprises, Parcels};
use crate::read::previous::{PreviousAudit, two_ids};
use crate::results::PreviousInfo;

/// Each enterprise's classes, oldest first: the previous audit's history of its id, then this
/// year's class.
pub(crate) fn class_histories(
    previous: Option<&PreviousAudit>,
    enterprises: &Enterprises,
    grades: &[Grade],
) -> Vec<Vec<Option<Class>>> {
    (grades.iter().enumerate())
        .map(|(row, g)| {
            let mut h = previous
                .and_then(|p| p.enterprises.get(enterprises.id(row)).cloned())
                .unwrap_or_default();
            h.push(g.class);
            h
        })
        .collect()
}

/// Year on year for the parcels: each one's status last year and its change, how many of them
/// the previous audit covers, and the warnings about the previous audit as a whole.
///
/// # Errors
/// [`Error::Csv`] when the previous audit shares no parcel id with this one.
pub(crate) fn compare_parcels(
    previous: &PreviousAudit,
    parcels: &Parcels,
    figures: &mut [Figures],
) -> Result<(usize, Vec<Warning>)> {
    let mut matched = 0;
    for (row, f) in figures.iter_mut().enumerate() {
        let id = parcels.ids.get(row);
        f.previous = previous.parcels.get(id).copied();
        // A parcel not judged, this year or the last, has no change to report either way.
        let unjudged_then = previous.unjudged.contains(id);
        matched += usize::from(f.previous.is_some() || unjudged_then);
        // Low on its own figures, a parcel is low whatever its tenants.
        f.change = (!f.unjudged() && !unjudged_then)
            .then(|| Change::between(f.previous, !f.reasons.is_empty()));
    }
    let mut warnings: Vec<Warning> = overlap_with(previous, parcels, matched)?
        .into_iter()
        .collect();
    warnings.extend(previous.gb18030.iter().map(|file| Warning {
        layer: if file.ends_with("enterprises.csv") {
            Layer::Enterprises
        } else {
            Layer::Parcels
        },
        index: Warning::NO_RECORD,
        id: None,
        message: format!(
            "the previous audit's {} is not UTF-8: read as GB18030 (GBK), as Excel saves \
             CSV on Chinese Windows",
            file.display()
        ),
    }));
    warnings.extend(previous.notes.iter().map(|note| Warning {
        layer: Layer::Parcels,
        index: Warning::NO_RECORD,
        id: None,
        message: note.clone(),
    }));
    Ok((matched, warnings))
}

/// The summary's account of the previous audit: its files, its parcels, and how many of them
/// this audit has.
pub(crate) fn previous_info(previous: &PreviousAudit, matched: usize) -> PreviousInfo {
    PreviousInfo {
        files: (previous.files.iter())
            .map(|f| f.display().to_string())
            .collect(),
        parcels: previous.parcels.len() + previous.unjudged.len(),
        matched,
    }
}

/// The summary's count of parcels by change. With `unjudged` (not judged this year or the
/// last) the changes add up to the parcels evaluated; `gone` counts the previous audit's
/// parcels this one did not evaluate (removed from the data, or rejected this year), and
/// `gone_low` those of them that were low-efficiency then.
pub(crate) fn changes(
    previous: &PreviousAudit,
    parcels: &Parcels,
    figures: &[Figures],
) -> BTreeMap<&'static str, usize> {
    let mut m = BTreeMap::new();
    for c in figures.iter().filter_map(|f| f.change) {
        *m.entry(c.as_str()).or_insert(0) += 1;
    }
    m.insert(
        "unjudged",
        figures.iter().filter(|f| f.change.is_none()).count(),
    );
    let now: HashSet<&str> = (0..parcels.len()).map(|row| parcels.ids.get(row)).collect();
    let gone: Vec<bool> = (previous.parcels.iter())
        .map(|(id, &was_low)| (id, was_low))
        .chain(previous.unjudged.iter().map(|id| (id, false)))
        .filter(|(id, _)| !now.contains(id.as_str()))
        .map(|(_, was_low)| was_low)
        .collect();
    m.insert("gone", gone.len());
    m.insert("gone_low", gone.iter().filter(|&&low| low).count());
    m
}

/// How much of this audit the previous one covers. None of it, when both have parcels, is an
/// error: the comparison would call every parcel new and every old one gone, and the likely
/// causes are another zone's audit or a parcels.csv saved from Excel, which drops leading
/// zeros ("000123" → "123"). Under half is a warning naming the count.
fn overlap_with(
    previous: &PreviousAudit,
    parcels: &Parcels,
    matched: usize,
) -> Result<Option<Warning>> {
    let there = previous.parcels.len() + previous.unjudged.len();
    let here = parcels.len();
    if here == 0 || there == 0 || matched * 2 >= here {
        return Ok(None);
    }
    let folder = previous.folder();
    if matched == 0 {
        return Err(Error::Csv {
            path: PathBuf::from(&folder).join("parcels.csv"),
            message: format!(
                "the previous audit {folder} shares no parcel id with this one: {there} parcels \
             there (e.g. {}), {here} here (e.g. {}). Is it another zone's audit, or was its \
             parcels.csv saved from Excel, which drops leading zeros (\"000123\" → \"123\")?",
                two_ids((previous.parcels.keys().chain(&previous.unjudged)).map(String::as_str)),
                two_ids((0..here).map(|row| parcels.ids.get(row))),
            ),
        });
    }
    Ok(Some(Warning {
        layer: Layer::Parcels,
        index: Warning::NO_RECORD,
        id: None,
        message: format!(
            "only {matched} of this audit's {here} parcels are in the previous audit {folder} \
             ({there} parcels there): the others count as new; check it is this zone's last \
             audit, its parcel ids written as here"
        ),
    }))
}

/// How many of the firms this audit graded the previous audit graded too. None of them, when
/// both graded firms, is an error: every class history would restart and "D two years running" could not
/// fire, and the likely cause is an enterprises.csv saved from Excel, which drops leading
/// zeros and shows an 18-digit credit code as 9.13301E+17. Under half is a warning.
pub(crate) fn class_overlap_with(
    previous: &PreviousAudit,
    enterprises: &Enterprises,
    grades: &[Option<Grade>],
) -> Result<Option<Warning>> {
    let graded_then: Vec<&str> = (previous.enterprises.iter())
        .filter(|(_, history)| !history.is_empty())
        .map(|(id, _)| id.as_str())
        .collect();
    let graded_now: Vec<&str> = (grades.iter().enumerate())
        .filter(|(_, g)| g.as_ref().is_some_and(|g| g.class.is_some()))
        .map(|(row, _)| enterprises.id(row))
        .collect();
    let here = graded_now.len();
    if here == 0 || graded_then.is_empty() {
        return Ok(None);
    }
    let matched = (graded_now.iter())
        .filter(|id| {
            previous
                .enterprises
                .get(**id)
                .is_some_and(|h| !h.is_empty())
        })
        .count();
    if matched * 2 >= here {
        return Ok(None);
    }
    let folder = previous.folder();
    if matched == 0 {
        return Err(Error::Csv {
            path: PathBuf::from(&folder).join("enterprises.csv"),
            message: format!(
                "the previous audit {folder} graded {} firms (e.g. {}), none of the {here} this audit \
             grades (e.g. {}): every class history would restart. Is it another zone's audit, or was \
             its enterprises.csv saved from Excel, which drops leading zeros (\"000123\" → \
             \"123\") and shows 18-digit credit codes as 9.13301E+17?",
                graded_then.len(),
                two_ids(graded_then.iter().copied()),
                two_ids(graded_now.iter().copied()),
            ),
        });
    }
    Ok(Some(Warning {
        layer: Layer::Enterprises,
        index: Warning::NO_RECORD,
        id: None,
        message: format!(
            "only {matched} of the {here} firms this audit grades were graded by the previous \
             audit {folder} ({} graded there): the others' class histories start this year; \
             check its enterprise ids are written as here",
            graded_then.len()
        ),
    }))
}
