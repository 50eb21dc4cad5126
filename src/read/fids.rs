//! Each record's feature id (FID) in a source that numbers its features (a GeoPackage's
//! table, a source read through GDAL), by the record's 0-based index: set on the errors that
//! name a record, which then read `zd.gpkg|layername=ZD: feature 3 (fid 4)`.

use std::sync::Mutex;

use crate::error::Error;

/// Each feature's FID, by its 0-based index, held as runs of consecutive FIDs (most sources
/// number their features 0, 1, 2, ... or 1, 2, 3, ...: one run).
#[derive(Debug, Default)]
pub(crate) struct Fids {
    /// `(index, fid)` where a run starts; in index order.
    runs: Mutex<Vec<(usize, i64)>>,
}

impl Fids {
    /// Notes that feature `index` (the next one) has `fid`.
    pub(crate) fn push(&self, index: usize, fid: i64) {
        let mut runs = self
            .runs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let follows = runs.last().is_some_and(|&(i, f)| {
            i64::try_from(index - i).is_ok_and(|step| f.checked_add(step) == Some(fid))
        });
        if !follows {
            runs.push((index, fid));
        }
    }

    /// The FID of feature `index`, if it was read.
    pub(crate) fn get(&self, index: usize) -> Option<i64> {
        let runs = self
            .runs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let at = runs.partition_point(|&(i, _)| i <= index).checked_sub(1)?;
        let (i, f) = runs[at];
        f.checked_add(i64::try_from(index - i).ok()?)
    }

    /// The FID of feature `index` as an error's context holds it.
    pub(crate) fn of(&self, index: usize) -> Option<u32> {
        self.get(index).and_then(|f| u32::try_from(f).ok())
    }

    /// Sets the FID of the record an error names, if it names one.
    pub(crate) fn mark(&self, e: &mut Error) {
        if let Some(ctx) = e.feature_mut() {
            ctx.fid = self.of(ctx.index);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fids_are_kept_as_runs_and_found_by_index() {
        let fids = Fids::default();
        for (i, f) in [(0, 1), (1, 2), (2, 3), (3, 7), (4, 8), (5, 2)] {
            fids.push(i, f);
        }
        assert_eq!(fids.runs.lock().unwrap().len(), 3);
        let got: Vec<Option<i64>> = (0..6).map(|i| fids.get(i)).collect();
        assert_eq!(got, [1, 2, 3, 7, 8, 2].map(Some));
        assert_eq!(Fids::default().get(0), None);
    }
}
