//! Class quotas: how a band's share of a ranking unit becomes a number of firms, rounded as
//! the published methods round it.

use serde::{Deserialize, Serialize};

/// How a quota (a share × the firms ranked) is rounded to a number of firms.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuotaRounding {
    /// Down: at most the share (the crate's rule before quotas were configurable: a firm of
    /// rank r of n is in a band of share b when r/n ≤ b).
    #[default]
    Floor,
    /// Up: at least the share.
    Ceil,
    /// To the nearest, half up.
    Round,
}

impl QuotaRounding {
    /// `floor`, `ceil` or `round`.
    pub fn as_str(self) -> &'static str {
        match self {
            QuotaRounding::Floor => "floor",
            QuotaRounding::Ceil => "ceil",
            QuotaRounding::Round => "round",
        }
    }
}

/// The number of firms of `n` ranked that a cumulative `share` holds, rounded as `how` says.
/// A product within 1e-9 of a whole number is that number (0.7 × 10 is 7.000000000000001).
///
/// ```
/// use land_efficiency::{QuotaRounding, quota};
/// assert_eq!(quota(0.25, 10, QuotaRounding::Floor), 2);
/// assert_eq!(quota(0.25, 10, QuotaRounding::Ceil), 3);
/// assert_eq!(quota(0.25, 10, QuotaRounding::Round), 3);
/// assert_eq!(quota(0.7, 10, QuotaRounding::Ceil), 7);
/// ```
pub fn quota(share: f64, n: usize, how: QuotaRounding) -> usize {
    let x = share * n as f64;
    let whole = x.round();
    let x = if (x - whole).abs() <= 1e-9 { whole } else { x };
    let q = match how {
        QuotaRounding::Floor => x.floor(),
        QuotaRounding::Ceil => x.ceil(),
        QuotaRounding::Round => (x + 0.5).floor(),
    };
    (q.max(0.0) as usize).min(n)
}

/// The class quotas of one ranking unit, as `summary.json` states them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Quotas {
    /// The evaluation group (`above_scale`, `below_scale`, `all`).
    pub group: &'static str,
    /// The ranking unit within it, when `group_by` is set and the firms have one.
    pub unit: Option<String>,
    /// Firms ranked (forced classes and firms not graded are not).
    pub ranked: usize,
    /// How the quotas were rounded.
    pub rounding: QuotaRounding,
    /// The number of firms of A, of A and B, and of A, B and C (cumulative): a firm of rank r
    /// is A when r ≤ `cumulative[0]`, and so on. Ties share the best rank, so a tie across an
    /// edge lifts every firm of it.
    pub cumulative: [usize; 3],
}
