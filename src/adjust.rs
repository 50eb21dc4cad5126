//! Bonus and penalty items (加分/减分) and forced classes of the composite evaluation, as the
//! published methods add them to the weighted score.
//!
//! One table (`[evaluation] adjustments`, read by `read/adjust.rs`) lists, per firm, items of
//! points (a bonus > 0, a penalty < 0) and at most one forced class with its reason: not
//! evaluated (免评, 暂缓评价, 不评价 / T类), vetoed straight to D (一票否决), straight to A, or
//! managed as B (参与评价、不定等级、按B类管理). This module holds the table and the arithmetic;
//! `grade.rs` applies it.

use std::collections::HashMap;
use std::path::PathBuf;

use serde::Serialize;

use crate::parcel::Class;

/// One bonus or penalty item of a firm.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Adjustment {
    /// What it is for (高新技术企业, 安全生产事故, ...).
    pub item: String,
    /// Points: a bonus when > 0, a penalty when < 0.
    pub points: f64,
    /// A note, if the table gives one.
    pub note: Option<String>,
    /// The line of the table it was read from (the header is line 1).
    pub line: usize,
}

/// What a forced class does to a firm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// 免评: exempt (utilities, waste and sewage works, ...): not evaluated.
    Exempt,
    /// 暂缓评价: deferred (producing under N years, a merger, a project being built): not
    /// evaluated this year.
    Deferred,
    /// 不评价 (T类): not evaluated.
    NotEvaluated,
    /// 一票否决: vetoed straight to D (a safety or environmental violation).
    Veto,
    /// 直接评为A类: straight to A (a listed firm, a star park's firm, ...).
    StraightA,
    /// 参与评价、不定等级、按B类管理: scored, not ranked, managed as B.
    ManagedAsB,
}

impl Action {
    /// Every action, in the order of [`Action::as_str`]'s documentation.
    pub const ALL: [Action; 6] = [
        Action::Exempt,
        Action::Deferred,
        Action::NotEvaluated,
        Action::Veto,
        Action::StraightA,
        Action::ManagedAsB,
    ];

    /// The name written in outputs and read from the table: `exempt`, `deferred`,
    /// `not_evaluated`, `veto`, `straight_a`, `managed_as_b`.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Exempt => "exempt",
            Action::Deferred => "deferred",
            Action::NotEvaluated => "not_evaluated",
            Action::Veto => "veto",
            Action::StraightA => "straight_a",
            Action::ManagedAsB => "managed_as_b",
        }
    }

    /// The Chinese name, as the report writes it.
    pub fn chinese(self) -> &'static str {
        match self {
            Action::Exempt => "免评",
            Action::Deferred => "暂缓评价",
            Action::NotEvaluated => "不评价",
            Action::Veto => "一票否决（直接评为D类）",
            Action::StraightA => "直接评为A类",
            Action::ManagedAsB => "不定等级，按B类管理",
        }
    }

    /// Parses an action as the table writes it: the English name, or its Chinese name
    /// (`免评`, `暂缓` or `暂缓评价`, `不评价` or `T类`, `一票否决`, `直接评为A类`, `按B类管理`).
    ///
    /// ```
    /// use land_efficiency::Action;
    /// assert_eq!(Action::parse("veto"), Some(Action::Veto));
    /// assert_eq!(Action::parse("一票否决"), Some(Action::Veto));
    /// assert_eq!(Action::parse("T类"), Some(Action::NotEvaluated));
    /// assert_eq!(Action::parse("D"), None);
    /// ```
    pub fn parse(text: &str) -> Option<Action> {
        let t = text.trim();
        Action::ALL
            .into_iter()
            .find(|a| a.as_str().eq_ignore_ascii_case(t))
            .or(match t {
                "免评" => Some(Action::Exempt),
                "暂缓" | "暂缓评价" => Some(Action::Deferred),
                "不评价" | "T类" | "t类" => Some(Action::NotEvaluated),
                "一票否决" => Some(Action::Veto),
                "直接评为A类" | "直接评为A" => Some(Action::StraightA),
                "按B类管理" | "不定等级" => Some(Action::ManagedAsB),
                _ => None,
            })
    }

    /// The class it gives (`None` for the actions that leave a firm not evaluated).
    pub fn class(self) -> Option<Class> {
        match self {
            Action::Veto => Some(Class::D),
            Action::StraightA => Some(Class::A),
            Action::ManagedAsB => Some(Class::B),
            Action::Exempt | Action::Deferred | Action::NotEvaluated => None,
        }
    }
}

/// A firm's forced class and its reason.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Forced {
    /// What is done.
    pub action: Action,
    /// Why, as the table gives it.
    pub reason: String,
    /// The line of the table it was read from; 0 for a class the configuration's rule gave
    /// (`defer_years`).
    pub line: usize,
}

/// What the table says of one firm.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FirmAdjustments {
    /// Its bonus and penalty items, in the table's order.
    pub items: Vec<Adjustment>,
    /// Its forced class, if any.
    pub forced: Option<Forced>,
}

impl FirmAdjustments {
    /// The first line of the table that names the firm.
    pub fn first_line(&self) -> usize {
        let items = self.items.iter().map(|a| a.line);
        items
            .chain(self.forced.iter().map(|f| f.line))
            .min()
            .unwrap_or(0)
    }
}

/// The adjustments table: what it says per firm id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AdjustmentTable {
    /// The file it was read from.
    pub file: PathBuf,
    /// Per enterprise id.
    pub firms: HashMap<String, FirmAdjustments>,
}

/// A firm's bonus and penalty after the caps: both ≥ 0, the net adjustment `bonus − penalty`.
///
/// # Units
/// Points of the score.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Applied {
    /// The sum of its bonus items, at most `max_bonus`.
    pub bonus: f64,
    /// The sum of its penalty items (as a positive number), at most `max_penalty`.
    pub penalty: f64,
}

impl Applied {
    /// The net adjustment added to the score: `bonus − penalty`.
    pub fn net(self) -> f64 {
        self.bonus - self.penalty
    }
}

/// Sums a firm's items into its bonus and penalty, each capped when a cap is given.
///
/// ```
/// use land_efficiency::{Adjustment, applied_adjustment};
/// let item = |points| Adjustment { item: "x".into(), points, note: None, line: 2 };
/// let a = applied_adjustment(&[item(6.0), item(7.0), item(-3.0)], Some(10.0), Some(20.0));
/// assert_eq!((a.bonus, a.penalty, a.net()), (10.0, 3.0, 7.0));
/// ```
pub fn applied_adjustment(
    items: &[Adjustment],
    max_bonus: Option<f64>,
    max_penalty: Option<f64>,
) -> Applied {
    let bonus: f64 = items.iter().map(|a| a.points.max(0.0)).sum();
    let penalty: f64 = items.iter().map(|a| (-a.points).max(0.0)).sum();
    Applied {
        bonus: max_bonus.map_or(bonus, |m| bonus.min(m)),
        penalty: max_penalty.map_or(penalty, |m| penalty.min(m)),
    }
}

/// A firm's items as one cell: `item +3; item -5` in the table's order.
pub fn format_items(items: &[Adjustment]) -> String {
    items
        .iter()
        .map(|a| format!("{} {:+}", a.item, a.points))
        .collect::<Vec<_>>()
        .join("; ")
}
