//! The classify stage: the thresholds each parcel is held to (the rules that match it), its
//! tenants' sums and per-mu figures, and the reasons it is low-efficiency land (低效用地).

use std::collections::HashMap;

use rayon::prelude::*;

use crate::config::Config;
use crate::error::{Layer, Warning};
use crate::grade::Grade;
use crate::join::{Joined, unsure_warnings};
use crate::metrics::intensities;
use crate::outcome::{AppliedThresholds, Figures, NO_PARK, RuleSet, Tally, Tenants, sums_of};
use crate::parcel::{Class, Parcels, Parks};
use crate::rules::{self, ParcelFacts, Reason};

/// The classify stage: each parcel's thresholds (the rules that match it), its tenants' sums
/// and per-mu figures, and its reasons. A parcel whose tenants leave a firm out is judged on its
/// own figures only (not idle, no tenant-based reason). Returns the distinct rule sets the
/// parcels' `rule_set` indexes.
pub(crate) fn classify_parcels(
    parcels: &Parcels,
    figures: &mut [Figures],
    parks: &Parks,
    joined: &Joined,
    config: &Config,
    warnings: &mut Vec<Warning>,
) -> (Vec<RuleSet>, Vec<Tally>) {
    let (rule_sets, rule_ties) = rule_sets(parcels, figures, parks, config);
    warnings.extend(rule_ties);
    let low = &config.low_efficiency;
    let resolved: Vec<&rules::Thresholds> = rule_sets.iter().collect();
    let unsure = &joined.unsure;
    let mut tallies: Vec<Tally> = Vec::with_capacity(figures.len());
    (figures.par_iter_mut().enumerate())
        .map(|(row, f)| {
            let p = parcels.get(row);
            let sums = sums_of(joined.tenants.of(row), &joined.table);
            let i = intensities(&sums, p.floor_area_m2(), f.area_m2);
            f.idle = i.idle;
            f.reasons = rules::classify(
                &figures_of(&i),
                &p.commitments(),
                resolved[f.rule_set as usize],
            );
            if unsure.binary_search_by_key(&(row as u32), |u| u.0).is_ok() {
                f.unsure = true;
                f.idle = false;
                f.reasons = not_on_tenants(f.reasons, p.floor_area_m2().is_none());
            }
            Tally::new(&sums)
        })
        .collect_into_vec(&mut tallies);
    warnings.extend(unsure_warnings(unsure, parcels));
    let rule_sets = (rule_sets.into_iter())
        .map(|t| RuleSet {
            thresholds: applied(&t),
            rules: t.rules.iter().map(|&i| low.rule_name(i)).collect(),
        })
        .collect();
    (rule_sets, tallies)
}

fn applied(t: &rules::Thresholds) -> AppliedThresholds {
    AppliedThresholds {
        min_investment_per_mu: t.investment_per_mu.0,
        min_tax_per_mu: t.tax_per_mu.0,
        min_output_per_mu: t.output_per_mu.0,
        min_plot_ratio: t.plot_ratio.0,
        contract_shortfall: t.contract_shortfall,
    }
}

/// The distinct threshold sets the parcels fall under, each parcel's set recorded in its
/// figures. With no rules every parcel shares the base set; otherwise sets are cached by the
/// facts rules match on.
fn rule_sets(
    parcels: &Parcels,
    figures: &mut [Figures],
    parks: &Parks,
    config: &Config,
) -> (Vec<rules::Thresholds>, Vec<Warning>) {
    let low = &config.low_efficiency;
    if low.rules.is_empty() {
        return (
            vec![low.thresholds_for(&ParcelFacts::default())],
            Vec::new(),
        );
    }
    let mut sets: Vec<rules::Thresholds> = Vec::new();
    type Facts<'a> = (Option<&'a str>, Option<&'a str>, crate::parcel::Status, u32);
    // Each set of facts once: its threshold set and the rules tied on it (which depend on the
    // facts alone); over all parcels, how many each tie decides and the first of them.
    let mut by_facts: HashMap<Facts, (u32, Vec<rules::Tie>)> = HashMap::new();
    let mut ties: HashMap<rules::Tie, (usize, usize)> = HashMap::new();
    for (row, (p, f)) in parcels.iter().zip(figures.iter_mut()).enumerate() {
        let key = (p.industry(), p.land_use(), p.status(), f.park);
        let (set, tied) = by_facts.entry(key).or_insert_with(|| {
            let facts = ParcelFacts {
                industry: key.0,
                land_use: key.1,
                status: key.2,
                park: (key.3 != NO_PARK).then(|| parks.id(key.3 as usize)),
            };
            let t = low.thresholds_for(&facts);
            let set = match sets.iter().position(|s| *s == t) {
                Some(i) => i as u32,
                None => {
                    sets.push(t);
                    (sets.len() - 1) as u32
                }
            };
            (set, low.ties_for(&facts))
        });
        f.rule_set = *set;
        for &tie in tied.iter() {
            ties.entry(tie).or_insert((0, row)).0 += 1;
        }
    }
    let mut ties: Vec<(rules::Tie, (usize, usize))> = ties.into_iter().collect();
    ties.sort_by_key(|(t, _)| (t.applied, t.passed, t.metric));
    let warnings = ties
        .into_iter()
        .map(|(tie, (count, first))| Warning {
            layer: Layer::Parcels,
            index: Warning::NO_RECORD,
            id: None,
            message: format!(
                "[[low_efficiency.rule]] #{} ({:?}) and #{} ({:?}) are as specific as each \
                 other and both set {} for {count} parcels (the first: {}): the later in the \
                 file, #{}, is applied; make one more specific, or give both the same value",
                tie.passed + 1,
                low.rule_name(tie.passed),
                tie.applied + 1,
                low.rule_name(tie.applied),
                tie.metric,
                parcels.ids.get(first),
                tie.applied + 1,
            ),
        })
        .collect();
    (sets, warnings)
}

fn figures_of(f: &crate::metrics::Intensities) -> rules::Figures {
    rules::Figures {
        idle: f.idle,
        investment_per_mu: f.investment_per_mu,
        tax_per_mu: f.tax_per_mu,
        output_per_mu: f.output_per_mu,
        plot_ratio: f.plot_ratio,
    }
}

/// The reasons of a parcel whose tenants' figures leave a firm out, less those that rest on
/// them: tax, investment and output (also against contracts), idle, and the plot ratio when
/// it comes from the tenants' floor areas.
fn not_on_tenants(reasons: rules::Reasons, plot_ratio_from_tenants: bool) -> rules::Reasons {
    let mut kept = rules::Reasons::default();
    for r in reasons.iter() {
        let on_tenants = match r {
            Reason::Investment
            | Reason::Tax
            | Reason::Output
            | Reason::Idle
            | Reason::ContractInvestment
            | Reason::ContractTax
            | Reason::ContractOutput => true,
            Reason::PlotRatio | Reason::ContractPlotRatio => plot_ratio_from_tenants,
            Reason::RepeatedClassD => false,
        };
        if !on_tenants {
            kept.push(r);
        }
    }
    kept
}

/// Each parcel's class (that of the tenant with the most land, the first on a tie) and, with
/// `years` of 2 or more, the reason [`Reason::RepeatedClassD`](rules::Reason::RepeatedClassD)
/// when a tenant was graded D in each of the last `years` audits.
pub(crate) fn classes_and_repeated_d(
    figures: &mut [Figures],
    tenants: &Tenants,
    land: &[Option<f64>],
    grades: &[Grade],
    histories: &[Vec<Option<Class>>],
    years: usize,
) {
    for (row, f) in figures.iter_mut().enumerate() {
        f.class = (tenants.of(row).iter())
            .filter_map(|&e| Some((land[e as usize]?, grades[e as usize].class?)))
            .fold(None, |best: Option<(f64, Class)>, (l, c)| match best {
                Some((bl, _)) if bl >= l => best,
                _ => Some((l, c)),
            })
            .map(|(_, c)| c);
        if years == 0 {
            continue;
        }
        let repeated = tenants.of(row).iter().any(|&e| {
            let h = &histories[e as usize];
            h.len() >= years && h[h.len() - years..].iter().all(|c| *c == Some(Class::D))
        });
        if repeated {
            f.reasons.push(rules::Reason::RepeatedClassD);
        }
    }
}
