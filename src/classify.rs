//! The classify stage: the thresholds each parcel is held to (the rules that match it), its
//! tenants' sums and per-mu figures, and the reasons it is low-efficiency land (低效用地).

use std::collections::HashMap;

use rayon::prelude::*;

use crate::config::Config;
use crate::error::{Layer, Warning};
use crate::grade::Grade;
use crate::join::{Joined, unsure_warnings};
use crate::land::{LandCase, building_density, land_reasons};
use crate::metrics::intensities;
use crate::outcome::{
    AppliedThresholds, Figures, NO_PARK, NO_TENANT, RuleSet, Tally, Tenants, sums_of,
};
use crate::parcel::{Class, Enterprises, Parcels, Parks};
use crate::rules::{self, ParcelFacts, Reason, RulesSeen};

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
    listed: &Listed,
    warnings: &mut Vec<Warning>,
) -> (Vec<RuleSet>, Vec<Tally>) {
    let (rule_sets, rule_ties) = rule_sets(parcels, figures, parks, joined, config);
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
            let (rf, commitments, t) = (
                figures_of(&i),
                p.commitments(),
                resolved[f.rule_set as usize],
            );
            f.reasons = rules::classify(&rf, &commitments, t);
            let facts = p.land();
            let case = LandCase {
                facts: &facts,
                listed: listed.get(&(row as u32)).copied().unwrap_or_default(),
                figures: &rf,
                commitments: &commitments,
                area_m2: f.area_m2,
                tenant_footprint_m2: footprint_of(joined.tenants.of(row), &joined.table),
            };
            for r in land_reasons(&case, t, low, config.audit.as_of).iter() {
                f.reasons.push(r);
            }
            if unsure.binary_search_by_key(&(row as u32), |u| u.0).is_ok() {
                f.unsure = true;
                f.idle = false;
                let density_from_tenants =
                    facts.footprint_m2.is_none() && facts.building_density.is_none();
                f.reasons =
                    not_on_tenants(f.reasons, p.floor_area_m2().is_none(), density_from_tenants);
            }
            Tally::new(&sums)
        })
        .collect_into_vec(&mut tallies);
    warnings.extend(unsure_warnings(unsure, parcels));
    warnings.extend(dates_without_as_of(parcels, config));
    let rule_sets = (rule_sets.into_iter())
        .map(|t| RuleSet {
            thresholds: applied(&t),
            rules: t.rules.iter().map(|&i| low.rule_name(i)).collect(),
            by_industry: (t.rules.iter())
                .map(|&i| low.rules[i].industry.is_some())
                .collect(),
        })
        .collect();
    (rule_sets, tallies)
}

/// Negative-list flags from the table, by parcel row, in the order of
/// [`NegativeFlag::ALL`](crate::parcel::NegativeFlag::ALL).
pub(crate) type Listed = HashMap<u32, [bool; 3]>;

/// A warning when parcels carry dates and the config gives no `[audit] as_of`: the date tests
/// did not run, which a reader of the outputs would not guess.
fn dates_without_as_of(parcels: &Parcels, config: &Config) -> Option<Warning> {
    if config.audit.as_of.is_some() {
        return None;
    }
    let dated = parcels.iter().find(|p| {
        let f = p.land();
        [
            f.contract_start,
            f.actual_start,
            f.completion,
            f.stopped_since,
            f.last_tax,
        ]
        .iter()
        .any(Option::is_some)
    })?;
    Some(Warning {
        layer: Layer::Parcels,
        index: Warning::NO_RECORD,
        id: None,
        message: format!(
            "parcels carry dates (the first: {}) but the configuration gives no [audit] as_of: \
             the date tests (not started, production stopped, no tax, contract after \
             completion) did not run; give the date the audit speaks for, as_of = 2024-12-31",
            dated.id()
        ),
    })
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

/// A parcel's main tenant, whose industry the rules see when the parcel has none of its own:
/// the tenant with the largest floor area when every tenant has one (the firm that uses most
/// of the land, as `land_share = "floor_area"` shares it), else the one with the largest
/// output (GB/T 4754 puts a unit in the industry of its main activity, measured by what it
/// produces; tax depends on rates and exemptions). Floor areas equal, the larger output; on a
/// full tie, the first in the enterprises file. `None` for a parcel with no tenant.
pub(crate) fn main_tenant(tenants: &[u32], table: &Enterprises) -> Option<u32> {
    let by_floor = (tenants.iter()).all(|&e| table.floor_area_m2(e as usize).is_some());
    let key = |e: u32| {
        let output = table.money(e as usize)[2];
        match table.floor_area_m2(e as usize) {
            Some(floor) if by_floor => (floor, output),
            _ => (output, 0.0),
        }
    };
    // Tenants are in file order: a later one must be strictly larger to take the lead.
    (tenants.iter().copied())
        .fold(None, |best: Option<(u32, (f64, f64))>, e| {
            let k = key(e);
            match best {
                Some((_, b)) if b >= k => best,
                _ => Some((e, k)),
            }
        })
        .map(|(e, _)| e)
}

/// The industry the rules see for parcel `row`: its own, else (its tenants complete) its main
/// tenant's, with that tenant's row ([`NO_TENANT`] for the parcel's own, or none).
fn industry_of<'a>(row: usize, own: Option<&'a str>, joined: &'a Joined) -> (Option<&'a str>, u32) {
    if own.is_some() {
        return (own, NO_TENANT);
    }
    // A parcel whose tenants leave a firm out may have lost its main tenant.
    if (joined.unsure)
        .binary_search_by_key(&(row as u32), |u| u.0)
        .is_ok()
    {
        return (None, NO_TENANT);
    }
    let table = &joined.table;
    match main_tenant(joined.tenants.of(row), table) {
        Some(e) => match table.industry.get(e as usize) {
            Some(code) => (Some(code), e),
            None => (None, NO_TENANT),
        },
        None => (None, NO_TENANT),
    }
}

/// The distinct threshold sets the parcels fall under, each parcel's set recorded in its
/// figures (and the tenant whose industry it was held to, if any). With no rules every parcel
/// shares the base set; otherwise sets are cached by the facts rules match on. The warnings
/// are of rules tied on some parcels, and of rules that match no parcel.
fn rule_sets(
    parcels: &Parcels,
    figures: &mut [Figures],
    parks: &Parks,
    joined: &Joined,
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
    let mut seen = RulesSeen::new(low);
    for (row, (p, f)) in parcels.iter().zip(figures.iter_mut()).enumerate() {
        let (industry, tenant) = industry_of(row, p.industry(), joined);
        f.industry_tenant = tenant;
        let key = (industry, p.land_use(), p.status(), f.park);
        let (set, tied) = by_facts.entry(key).or_insert_with(|| {
            let facts = ParcelFacts {
                industry: key.0,
                land_use: key.1,
                status: key.2,
                park: (key.3 != NO_PARK).then(|| parks.id(key.3 as usize)),
            };
            seen.see(low, &facts);
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
    let mut warnings: Vec<Warning> = ties
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
    if !parcels.is_empty() {
        warnings.extend(unmatched_rules(&seen, parks, config));
    }
    (sets, warnings)
}

/// A warning for each rule that matched no evaluated parcel: it set no threshold, which a
/// reader of the config would not guess (an industry code that only the firms carry, a
/// misspelt land-use class). A rule naming a park the parks file lacks has its own warning
/// ([`unknown_park_rules`](crate::parks::unknown_park_rules)).
fn unmatched_rules(seen: &RulesSeen, parks: &Parks, config: &Config) -> Vec<Warning> {
    let low = &config.low_efficiency;
    let known_park = |p: &str| (0..parks.len()).any(|k| parks.id(k) == p);
    (seen.unmatched(low).into_iter())
        .filter(|(i, _)| low.rules[*i].park.as_deref().is_none_or(known_park))
        .map(|(i, why)| Warning {
            layer: Layer::Parcels,
            index: Warning::NO_RECORD,
            id: None,
            message: format!(
                "{} ({}) matches no evaluated parcel: {why}. It sets no threshold; correct \
                 its criteria, or remove it",
                low.rule_label(i),
                low.rules[i].describe_criteria(),
            ),
        })
        .collect()
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

/// A parcel's building footprint, m², for the roll-ups: its own, else its recorded density ×
/// its area, else its tenants' footprints summed (as its building density is judged).
pub(crate) fn footprint_m2(
    parcels: &Parcels,
    joined: &Joined,
    row: usize,
    area_m2: f64,
) -> Option<f64> {
    let tenants = footprint_of(joined.tenants.of(row), &joined.table);
    building_density(&parcels.get(row).land(), tenants, area_m2).map(|d| d * area_m2)
}

/// The sum of the tenants' footprints, m², when every tenant gives one; `None` for a parcel
/// with no tenant or a tenant without.
fn footprint_of(tenants: &[u32], table: &crate::parcel::Enterprises) -> Option<f64> {
    if tenants.is_empty() {
        return None;
    }
    (tenants.iter()).try_fold(0.0, |sum, &e| Some(sum + table.footprint_m2(e as usize)?))
}

/// The reasons of a parcel whose tenants' figures leave a firm out, less those that rest on
/// them: tax, investment and output (also against contracts), idle, the plot ratio when it
/// comes from the tenants' floor areas, and the building density from their footprints.
fn not_on_tenants(
    reasons: rules::Reasons,
    plot_ratio_from_tenants: bool,
    density_from_tenants: bool,
) -> rules::Reasons {
    let mut kept = rules::Reasons::default();
    for r in reasons.iter() {
        let on_tenants = match r {
            Reason::Investment
            | Reason::Tax
            | Reason::Output
            | Reason::Idle
            | Reason::ContractInvestment
            | Reason::ContractTax
            | Reason::ContractOutput
            | Reason::ContractAfterCompletion
            | Reason::StandardLandBreach => true,
            Reason::PlotRatio | Reason::ContractPlotRatio | Reason::PlotRatioOver => {
                plot_ratio_from_tenants
            }
            Reason::BuildingDensity => density_from_tenants,
            // The parcel's own record, or a flag listed for it: not the tenants' figures.
            Reason::RepeatedClassD
            | Reason::NotStarted
            | Reason::ProductionStopped
            | Reason::NoTax
            | Reason::GreenRatio
            | Reason::EliminatedIndustry
            | Reason::SafetyOrder
            | Reason::EnvironmentOrder => false,
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
        let main = (tenants.of(row).iter())
            .filter_map(|&e| Some((land[e as usize]?, grades[e as usize].class?, e)))
            .fold(
                None,
                |best: Option<(f64, Class, u32)>, (l, c, e)| match best {
                    Some((bl, _, _)) if bl >= l => best,
                    _ => Some((l, c, e)),
                },
            );
        f.class = main.map(|(_, c, _)| c);
        f.class_tenant = main.map_or(crate::outcome::NO_TENANT, |(_, _, e)| e);
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
