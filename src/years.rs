//! Several years: this audit's per-mu figures against earlier audits' (growth since the last
//! one, three-year averages) and the years a firm has been graded D running.
//!
//! The earlier audits are [`PreviousAudit`]s, oldest first, the last the one `--previous`
//! compares with year on year ([`crate::history`]).

use serde::Serialize;

use crate::parcel::Class;
use crate::read::previous::{PerMuThen, PreviousAudit};

/// A parcel's, firm's or park's per-mu figures over the years.
///
/// # Units
/// Growth as a fraction (0.1 is 10% more than the year before); averages in 万元/亩.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Trend {
    /// Tax per mu now over tax per mu in the last earlier audit, less one; `None` when either
    /// is unknown or the earlier one is not above zero.
    pub tax_per_mu_growth: Option<f64>,
    /// The same for output per mu.
    pub output_per_mu_growth: Option<f64>,
    /// Tax per mu averaged over this year and the two latest earlier audits (近三年平均);
    /// `None` unless all three are known.
    pub tax_per_mu_3y: Option<f64>,
    /// The same for output per mu.
    pub output_per_mu_3y: Option<f64>,
}

/// Which of a previous audit's tables an id is looked up in.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Table {
    /// `parcels.csv`.
    Parcels,
    /// `enterprises.csv`.
    Enterprises,
    /// `summary.json`'s parks.
    Parks,
    /// `summary.json`'s zone (the id is not read).
    Zone,
}

/// The figures a previous audit had for the row `id` of `t`.
fn figures_of(per_mu: &PerMuThen, t: Table, id: &str) -> Option<[Option<f64>; 2]> {
    match t {
        Table::Parcels => per_mu.parcels.get(id).copied(),
        Table::Enterprises => per_mu.enterprises.get(id).copied(),
        Table::Parks => per_mu.parks.get(id).copied(),
        Table::Zone => Some(per_mu.zone),
    }
}

/// Whether the two latest of `earlier` (oldest first) are the two years before `year`, as a
/// three-year average needs: true when a year is not known (the audits are then taken as
/// given), false when the years say otherwise (2021 and 2023 before 2024: no average).
pub(crate) fn three_running(earlier: &[&PreviousAudit], year: Option<i32>) -> bool {
    let [.., a, b] = earlier else {
        return false;
    };
    match (a.year, b.year, year) {
        (Some(a), Some(b), Some(y)) => a == y - 2 && b == y - 1,
        _ => true,
    }
}

/// The trend of the row `id` of `t`, whose figures now are `now` (tax, output per mu), against
/// `earlier` (oldest first); the three-year averages only when `three` (see
/// [`three_running`]).
pub(crate) fn trend(
    earlier: &[&PreviousAudit],
    three: bool,
    t: Table,
    id: &str,
    now: [Option<f64>; 2],
) -> Trend {
    let then = |back: usize, k: usize| -> Option<f64> {
        let audit = earlier
            .len()
            .checked_sub(back)
            .and_then(|i| earlier.get(i))?;
        figures_of(&audit.per_mu, t, id)?[k]
    };
    let growth = |k: usize| {
        let (now, last) = (now[k]?, then(1, k)?);
        (last > 0.0).then(|| now / last - 1.0)
    };
    let mean3 = |k: usize| {
        let sum = now[k]? + then(1, k)? + then(2, k)?;
        three.then_some(sum / 3.0)
    };
    Trend {
        tax_per_mu_growth: growth(0),
        output_per_mu_growth: growth(1),
        tax_per_mu_3y: mean3(0),
        output_per_mu_3y: mean3(1),
    }
}

/// The years a firm has been graded D running, this year included: the D's at the end of its
/// class history (oldest first, this year last); 0 when this year's class is not D.
///
/// ```text
/// C;D;D → 2    D;C;D → 1    D;D;- → 0
/// ```
pub fn consecutive_d_years(history: &[Option<Class>]) -> usize {
    (history.iter().rev())
        .take_while(|c| **c == Some(Class::D))
        .count()
}

/// Orders earlier audits oldest first: by the year each `summary.json` gives when every one
/// gives it, else in the order given. Two audits of one year are an error's message.
pub fn order_audits(mut audits: Vec<PreviousAudit>) -> Result<Vec<PreviousAudit>, String> {
    if audits.iter().all(|a| a.year.is_some()) {
        audits.sort_by_key(|a| a.year);
        if let Some(w) = audits.windows(2).find(|w| w[0].year == w[1].year) {
            return Err(format!(
                "two previous audits of {}: {} and {}; give one audit a year",
                w[0].year.unwrap_or_default(),
                w[0].folder(),
                w[1].folder()
            ));
        }
    }
    Ok(audits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn d_years_count_the_ds_at_the_end() {
        let h = |s: &str| crate::read::previous::parse_history(s).unwrap();
        assert_eq!(consecutive_d_years(&h("C;D;D")), 2);
        assert_eq!(consecutive_d_years(&h("D;C;D")), 1);
        assert_eq!(consecutive_d_years(&h("D;D;-")), 0);
        assert_eq!(consecutive_d_years(&h("")), 0);
    }
}
