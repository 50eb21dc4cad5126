//! The join stage: enterprises to parcels, by key or by the point in the R-tree; the tenants of
//! each parcel, and the parcels whose tenants are incomplete (a firm rejected or in two parcels).

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;

use crate::error::{Error, Layer, Notes, Rejection, Warning};
use crate::index::{Hit, ParcelIndex};
use crate::outcome::{JoinKind, JoinState, Tenants};
use crate::parcel::{Enterprises, Parcels, Place};
use crate::read::Loaded;

/// The enterprises, joined.
pub(crate) struct Joined {
    /// The enterprises read (their locations forgotten once joined).
    pub(crate) table: Enterprises,
    /// Records read from the enterprises layer.
    pub(crate) read: usize,
    /// Row-aligned with `table`.
    pub(crate) joins: Vec<JoinState>,
    /// Each parcel's tenants.
    pub(crate) tenants: Tenants,
    /// An ambiguous enterprise's candidate parcels, by its row.
    pub(crate) ambiguous: HashMap<u32, Vec<u32>>,
    /// Parcels whose tenants leave a firm out, sorted by parcel row: (row, enterprise index,
    /// who).
    pub(crate) unsure: Vec<(u32, usize, String)>,
    /// Joined to a parcel.
    pub(crate) joined: usize,
    /// Joined to none (including the ambiguous).
    pub(crate) unmatched: usize,
    /// In two or more parcels.
    pub(crate) ambiguous_count: usize,
}

/// The join stage: each enterprise to the parcel its key names, else to the parcel its point
/// lies in. An enterprise that joins none is listed in `notes` as unmatched or ambiguous. The
/// overlap search (parcels whose interiors overlap, with the overlap's area in m²) runs beside
/// it, which keeps the other core busy, and is returned with it.
pub(crate) fn join_enterprises(
    enterprises: Option<Loaded<Enterprises>>,
    parcels: &Parcels,
    index: &ParcelIndex<'_>,
    key_name: &str,
    notes: &mut Notes,
) -> (Joined, Vec<crate::index::Overlapping>) {
    let (table, read, rejected) = match enterprises {
        Some(l) => {
            // The file's own (a CSV read as GB18030).
            notes.warnings.extend(l.warnings);
            (l.records, l.read, l.rejected)
        }
        None => (Enterprises::new(), 0, Vec::new()),
    };
    notes
        .rejected
        .extend(rejected.iter().map(Rejection::from_error));
    // Key joins need the parcels by id; skip building the map when no enterprise has a key.
    let keyed = (0..table.len()).any(|row| table.parcel_key(row).is_some())
        || (table.rejected_places.iter()).any(|(_, p)| matches!(p, Place::Key(_)));
    let by_id: HashMap<&str, u32> = if keyed {
        (0..parcels.len())
            .map(|row| (parcels.ids.get(row), row as u32))
            .collect()
    } else {
        HashMap::new()
    };
    let rejected_parcels = notes.rejected_in(Layer::Parcels);
    let rejected_ids: HashSet<&str> = (notes.rejected.iter())
        .filter(|r| r.layer == Layer::Parcels)
        .filter_map(|r| r.id.as_deref())
        .collect();
    let (overlaps, outcomes) = rayon::join(
        || index.overlaps(),
        || -> Vec<Join> {
            (0..table.len())
                .into_par_iter()
                .map(|row| join(&table, row, &by_id, index, &rejected_ids))
                .collect()
        },
    );
    drop(rejected_ids);
    let mut joined = record_joins(
        outcomes,
        &table,
        parcels,
        index,
        rejected_parcels,
        key_name,
        notes,
    );
    joined.tenants = tenants_of(&joined.joins, parcels.len());
    joined.unsure = unsure_parcels(&table, &rejected, &joined.ambiguous, &by_id, index);
    joined.read = read;
    joined.table = table;
    joined.table.forget_locations();
    (joined, overlaps)
}

/// Each enterprise's join as the results keep it, and a rejection for each that joined none.
fn record_joins(
    outcomes: Vec<Join>,
    table: &Enterprises,
    parcels: &Parcels,
    index: &ParcelIndex<'_>,
    rejected_parcels: usize,
    key_name: &str,
    notes: &mut Notes,
) -> Joined {
    let mut joins = Vec::with_capacity(outcomes.len());
    let mut ambiguous_sets = HashMap::new();
    let (mut joined, mut unmatched, mut ambiguous) = (0, 0, 0);
    let unjoined = |kind| JoinState {
        kind,
        parcel: u32::MAX,
    };
    for (row, j) in outcomes.into_iter().enumerate() {
        let id = table.id(row);
        let at = table.index[row] as usize;
        match j {
            Join::ByKey(parcel) => {
                joined += 1;
                joins.push(JoinState {
                    kind: JoinKind::ByKey,
                    parcel,
                });
            }
            Join::ByLocation(parcel) => {
                joined += 1;
                joins.push(JoinState {
                    kind: JoinKind::ByLocation,
                    parcel,
                });
            }
            Join::Unmatched(miss) => {
                unmatched += 1;
                let why = miss.explain(table, row, rejected_parcels);
                notes.rejected.push(Rejection::of(
                    Layer::Enterprises,
                    at,
                    id,
                    "unmatched",
                    miss.property(key_name),
                    &why,
                ));
                joins.push(unjoined(JoinKind::Unmatched));
            }
            Join::Ambiguous => {
                // Joined to no parcel: unmatched, as the summary counts it, and ambiguous.
                unmatched += 1;
                ambiguous += 1;
                let candidates: Vec<u32> = match table.location(row).map(|p| index.locate(p)) {
                    Some(Hit::Many(v)) => v.into_iter().map(|i| i as u32).collect(),
                    _ => Vec::new(),
                };
                let ids: Vec<&str> = (candidates.iter())
                    .map(|&p| parcels.ids.get(p as usize))
                    .collect();
                let why = format!(
                    "the point lies in {} parcels, or on a boundary they share (within {} mm): \
                     {}; move it into one of them, or give it a {key_name}",
                    ids.len(),
                    crate::shapes::ON_BOUNDARY_M * 1000.0,
                    ids.join(", ")
                );
                notes.rejected.push(Rejection::of(
                    Layer::Enterprises,
                    at,
                    id,
                    "ambiguous",
                    Some("geometry"),
                    &why,
                ));
                ambiguous_sets.insert(row as u32, candidates);
                joins.push(unjoined(JoinKind::Ambiguous));
            }
        }
    }
    Joined {
        table: Enterprises::new(),
        read: 0,
        joins,
        tenants: Tenants::default(),
        ambiguous: ambiguous_sets,
        unsure: Vec::new(),
        joined,
        unmatched,
        ambiguous_count: ambiguous,
    }
}

/// Enterprises joined to each parcel, in enterprise order.
fn tenants_of(joins: &[JoinState], parcels: usize) -> Tenants {
    let mut offsets = vec![0u32; parcels + 1];
    for j in joins {
        if matches!(j.kind, JoinKind::ByKey | JoinKind::ByLocation) {
            offsets[j.parcel as usize + 1] += 1;
        }
    }
    for i in 0..parcels {
        offsets[i + 1] += offsets[i];
    }
    let mut fill = offsets.clone();
    let mut rows = vec![0u32; offsets[parcels] as usize];
    for (e, j) in joins.iter().enumerate() {
        if matches!(j.kind, JoinKind::ByKey | JoinKind::ByLocation) {
            let slot = &mut fill[j.parcel as usize];
            rows[*slot as usize] = e as u32;
            *slot += 1;
        }
    }
    Tenants { offsets, rows }
}

/// How an enterprise was joined (eight bytes: one per enterprise).
#[derive(Clone, Copy)]
enum Join {
    ByKey(u32),
    ByLocation(u32),
    Unmatched(Miss),
    /// In several parcels; they are looked up again when reported (rare).
    Ambiguous,
}

/// Why an enterprise was joined to no parcel.
#[derive(Clone, Copy)]
enum Miss {
    /// Its key names a parcel that was rejected.
    RejectedKey,
    /// Its key names no parcel.
    UnknownKey,
    /// It has neither location nor key.
    Nothing,
    /// Its point lies in no parcel.
    NoParcel,
}

fn join(
    enterprises: &Enterprises,
    row: usize,
    by_id: &HashMap<&str, u32>,
    index: &ParcelIndex,
    rejected_ids: &HashSet<&str>,
) -> Join {
    if let Some(key) = enterprises.parcel_key(row) {
        return match by_id.get(key) {
            Some(&i) => Join::ByKey(i),
            None if rejected_ids.contains(key) => Join::Unmatched(Miss::RejectedKey),
            None => Join::Unmatched(Miss::UnknownKey),
        };
    }
    let Some(point) = enterprises.location(row) else {
        return Join::Unmatched(Miss::Nothing);
    };
    match index.locate(point) {
        Hit::One(i) => Join::ByLocation(i as u32),
        Hit::None => Join::Unmatched(Miss::NoParcel),
        Hit::Many(_) => Join::Ambiguous,
    }
}

/// Parcels whose tenants' figures leave a firm out: one whose record was rejected but that
/// said where it stands (a point in the parcel, or its id), or one whose point lies in this
/// parcel and another. Sorted by parcel row, then the firm's feature index, each with who,
/// in words.
fn unsure_parcels(
    enterprises: &Enterprises,
    rejected: &[Error],
    ambiguous: &HashMap<u32, Vec<u32>>,
    by_id: &HashMap<&str, u32>,
    index: &ParcelIndex,
) -> Vec<(u32, usize, String)> {
    let mut unsure: Vec<(u32, usize, String)> = Vec::new();
    if !enterprises.rejected_places.is_empty() {
        let ids: HashMap<usize, &str> = rejected
            .iter()
            .filter_map(|e| {
                let ctx = e.feature()?;
                Some((ctx.index, ctx.id.as_deref()?))
            })
            .collect();
        for (feature, place) in &enterprises.rejected_places {
            let rows: Vec<u32> = match place {
                Place::Key(key) => by_id.get(key.as_str()).copied().into_iter().collect(),
                Place::Point(c) => match index.locate(*c) {
                    Hit::None => Vec::new(),
                    Hit::One(row) => vec![row as u32],
                    Hit::Many(rows) => rows.into_iter().map(|r| r as u32).collect(),
                },
            };
            let who = match ids.get(feature) {
                Some(id) => format!("enterprise {id} (feature {feature}) was rejected"),
                None => format!("the enterprise of feature {feature} was rejected"),
            };
            unsure.extend(rows.into_iter().map(|row| (row, *feature, who.clone())));
        }
    }
    for (&row, parcels) in ambiguous {
        let (id, feature) = (
            enterprises.id(row as usize),
            enterprises.index[row as usize],
        );
        let who = format!(
            "enterprise {id} (feature {feature}) lies in {} parcels (in their overlap or on their \
             shared boundary), this one among them (resolve the overlap or move the point, or \
             give it a parcel_id)",
            parcels.len()
        );
        unsure.extend(parcels.iter().map(|&p| (p, feature as usize, who.clone())));
    }
    unsure.sort();
    // A firm placed twice on one parcel (a row of the wrong length read two ways).
    unsure.dedup();
    unsure
}

/// A warning per parcel of [`unsure_parcels`], naming the firms (the first few).
pub(crate) fn unsure_warnings(unsure: &[(u32, usize, String)], parcels: &Parcels) -> Vec<Warning> {
    const NAMED: usize = 3;
    unsure
        .chunk_by(|a, b| a.0 == b.0)
        .map(|group| {
            let row = group[0].0 as usize;
            let mut who: Vec<&str> = group.iter().take(NAMED).map(|u| u.2.as_str()).collect();
            let more = group.len().saturating_sub(NAMED);
            let more = if more > 0 {
                format!(" (and {more} more)")
            } else {
                String::new()
            };
            who.dedup();
            Warning {
                layer: Layer::Parcels,
                index: parcels.index[row] as usize,
                id: Some(parcels.ids.get(row).to_string()),
                message: format!(
                    "{}{more}: the tenants' tax, investment and output leave {}, so this \
                     parcel is not judged on them (nor called idle); correct the record and \
                     audit again",
                    who.join("; "),
                    if group.len() > 1 {
                        "them out"
                    } else {
                        "it out"
                    }
                ),
            }
        })
        .collect()
}

impl Miss {
    /// What the enterprise was joined by: its parcel key (`key`), its point, or nothing.
    fn property(self, key: &str) -> Option<&str> {
        match self {
            Miss::RejectedKey | Miss::UnknownKey => Some(key),
            Miss::NoParcel => Some("geometry"),
            Miss::Nothing => None,
        }
    }

    /// Why, in words; `rejected_parcels` counts the parcels rejected, on one of which a point
    /// in no parcel may stand (a rejected parcel is in no index).
    fn explain(self, enterprises: &Enterprises, row: usize, rejected_parcels: usize) -> String {
        let key = enterprises.parcel_key(row).unwrap_or("");
        match self {
            Miss::RejectedKey => format!("its parcel_id {key:?} is a rejected parcel"),
            Miss::UnknownKey => format!("its parcel_id {key:?} is not among the parcels"),
            Miss::Nothing => "no location and no parcel_id".into(),
            Miss::NoParcel => {
                let p = enterprises.location(row).unwrap_or_default();
                let mut why = format!("the point ({:.7}, {:.7}) lies in no parcel", p.x, p.y);
                if rejected_parcels > 0 {
                    why.push_str(&match rejected_parcels {
                        1 => " evaluated; 1 parcel was rejected (rejected.csv), and it may \
                              stand on it"
                            .to_string(),
                        n => format!(
                            " evaluated; {n} parcels were rejected (rejected.csv), and it may \
                             stand on one of them"
                        ),
                    });
                }
                why
            }
        }
    }
}
