//! Cheap checks run after every month (burn-in included), so that an
//! impossible state stops the run with an error naming where it arose,
//! instead of flowing on as NaN or nonsense into the result files.
//!
//! Checked, in this order (the first violation is reported):
//! - the world: demand indices, exchange rate, rates and buyer default
//!   probabilities are finite;
//! - each bank, in id order: every stock is finite; reserves, equity,
//!   funding, loans and risk-weighted assets are not negative (a bank whose
//!   equity fell below zero was recapitalised in phase 9); the balance
//!   sheet balances, `reserves + loans = funding + equity`, to a relative
//!   tolerance of [`BALANCE_TOLERANCE`];
//! - each firm slot, in id order: every number is finite; cash, capacity,
//!   fixed assets, pledged collateral and debt are not negative;
//! - the government agents' stocks are finite, outstanding Exim loans and
//!   guarantees are not negative;
//! - every metric's numerator and denominator are finite.
//!
//! "Not negative" allows rounding: −1e-6 of the agent's scale (a firm's
//! monthly capacity, a bank's balance sheet). The full audit of money and
//! loan books (`audit`) is far more expensive and runs only in tests.

use std::fmt;

use rayon::prelude::*;

use crate::metrics::Value;
use crate::model::{Bank, Firm};
use crate::scenario::YearMonth;

use super::parallel::FIRM_CHUNK;
use super::state::Replication;

/// Largest allowed `|reserves + loans − funding − equity|`, as a share of
/// `1 + |reserves| + |loans| + |funding| + |equity|`.
pub const BALANCE_TOLERANCE: f64 = 1e-6;

/// Rounding allowed below zero for a stock that cannot be negative, as a
/// share of `1 +` the agent's scale.
const SIGN_TOLERANCE: f64 = 1e-6;

/// An impossible state found after a month.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    pub replication: u32,
    /// Simulation month, 0 = the first burn-in month.
    pub month: u32,
    pub date: YearMonth,
    /// The month was a burn-in month (never reported).
    pub burn_in: bool,
    /// `firm 123`, `bank 4`, `world`, `guarantee agency`, `metric exports`.
    pub agent: String,
    /// The field or quantity, as named in the code and docs.
    pub quantity: &'static str,
    pub value: f64,
    /// What should hold, e.g. `must be a finite number ≥ 0`.
    pub rule: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "replication {}, month {} (simulation month {}{}): {} {} = {}: {}",
            self.replication,
            self.date,
            self.month,
            if self.burn_in { ", burn-in" } else { "" },
            self.agent,
            self.quantity,
            self.value,
            self.rule
        )
    }
}

/// What went wrong, before the month and replication are attached.
struct Problem {
    agent: String,
    quantity: &'static str,
    value: f64,
    rule: String,
}

const FINITE: &str = "must be a finite number";
const NOT_NEGATIVE: &str = "must be a finite number ≥ 0";

/// Checks the state after month `rep.t - 1` and that month's metrics.
pub fn check_month(rep: &Replication, metrics: &[(&'static str, Value)]) -> Result<(), Box<Violation>> {
    let problem = world(rep)
        .or_else(|| banks(&rep.banks))
        .or_else(|| firms(&rep.firms))
        .or_else(|| government(rep))
        .or_else(|| measured(metrics));
    let Some(p) = problem else {
        return Ok(());
    };
    let month = rep.t.saturating_sub(1);
    Err(Box::new(Violation {
        replication: rep.replication,
        month,
        date: rep.world.date,
        burn_in: month < rep.scenario.simulation.burn_in_months,
        agent: p.agent,
        quantity: p.quantity,
        value: p.value,
        rule: p.rule,
    }))
}

fn first_non_finite(agent: impl Fn() -> String, values: &[(&'static str, f64)]) -> Option<Problem> {
    values
        .iter()
        .find(|(_, x)| !x.is_finite())
        .map(|&(quantity, value)| Problem {
            agent: agent(),
            quantity,
            value,
            rule: FINITE.to_string(),
        })
}

/// The first stock below `-SIGN_TOLERANCE × (1 + scale)` (or not finite).
fn first_negative(agent: impl Fn() -> String, scale: f64, values: &[(&'static str, f64)]) -> Option<Problem> {
    // A non-finite scale is reported by its own check, not blamed on
    // the stocks compared with it.
    let scale = if scale.is_finite() { scale.abs() } else { 0.0 };
    let floor = -SIGN_TOLERANCE * (1.0 + scale);
    values
        .iter()
        .find(|(_, x)| !(x.is_finite() && *x >= floor))
        .map(|&(quantity, value)| Problem {
            agent: agent(),
            quantity,
            value,
            rule: NOT_NEGATIVE.to_string(),
        })
}

fn world(rep: &Replication) -> Option<Problem> {
    let w = &rep.world;
    first_non_finite(
        || "world".to_string(),
        &[
            ("foreign_demand", w.foreign_demand),
            ("domestic_demand", w.domestic_demand),
            ("foreign_trend", w.foreign_trend),
            ("domestic_trend", w.domestic_trend),
            ("cny_per_usd", w.cny_per_usd),
            ("policy_rate", w.policy_rate),
            ("deposit_rate", w.deposit_rate),
            ("default_lc", w.default_lc),
            ("default_collection", w.default_collection),
            ("default_open_account", w.default_open_account),
            ("default_domestic", w.default_domestic),
        ],
    )
}

fn banks(banks: &[Bank]) -> Option<Problem> {
    banks.iter().enumerate().find_map(|(b, bank)| {
        let agent = || format!("bank {b}");
        let scale = 1.0 + bank.reserves.abs() + bank.loans.abs() + bank.funding.abs() + bank.equity.abs();
        first_non_finite(
            agent,
            &[
                ("rwa_sme", bank.rwa_sme),
                ("initial_equity", bank.initial_equity),
                ("onlend_limit", bank.onlend_limit),
                ("onlend_used", bank.onlend_used),
            ],
        )
        .or_else(|| {
            first_negative(
                agent,
                scale,
                &[
                    ("reserves", bank.reserves),
                    ("equity", bank.equity),
                    ("funding", bank.funding),
                    ("loans", bank.loans),
                    ("rwa", bank.rwa),
                ],
            )
        })
        .or_else(|| {
            let gap = bank.reserves + bank.loans - bank.funding - bank.equity;
            (gap.abs() > BALANCE_TOLERANCE * scale).then(|| Problem {
                agent: agent(),
                quantity: "reserves + loans - funding - equity",
                value: gap,
                rule: format!(
                    "must be 0: the balance sheet does not balance (reserves {}, loans {}, funding {}, equity {})",
                    bank.reserves, bank.loans, bank.funding, bank.equity
                ),
            })
        })
    })
}

fn firm(i: usize, f: &Firm) -> Option<Problem> {
    let agent = || format!("firm {i}");
    first_negative(
        agent,
        f.capacity_kusd,
        &[
            ("cash_kusd", f.cash_kusd),
            ("capacity_kusd", f.capacity_kusd),
            ("fixed_assets_kusd", f.fixed_assets_kusd),
            ("pledged_kusd", f.pledged_kusd),
            ("debt_kusd", f.debt_kusd),
            ("debt_general_kusd", f.debt_general_kusd),
        ],
    )
    .or_else(|| {
        first_non_finite(
            agent,
            &[
                ("ln_productivity", f.ln_productivity),
                ("potential_kusd", f.potential_kusd),
                ("revenue_per_employee_kusd", f.revenue_per_employee_kusd),
                ("margin", f.margin),
                ("export_intensity", f.export_intensity),
                ("management", f.management),
                ("cash_target_months", f.cash_target_months),
                ("hidden_quality", f.hidden_quality),
                ("belief", f.belief),
            ],
        )
    })
}

/// A branch-free pass `firm` confirms: false if any of its checks might
/// fail (it may also be false for a sum that overflows; `firm` decides).
fn firm_passes(f: &Firm) -> bool {
    let floor = -SIGN_TOLERANCE * (1.0 + f.capacity_kusd.abs());
    let stocks = [
        f.cash_kusd,
        f.capacity_kusd,
        f.fixed_assets_kusd,
        f.pledged_kusd,
        f.debt_kusd,
        f.debt_general_kusd,
    ];
    let others = f.ln_productivity
        + f.potential_kusd
        + f.revenue_per_employee_kusd
        + f.margin
        + f.export_intensity
        + f.management
        + f.cash_target_months
        + f.hidden_quality
        + f.belief;
    // A NaN fails every comparison, an infinity makes the sum non-finite.
    stocks.iter().fold(true, |ok, &x| ok & (x >= floor)) & (stocks.iter().sum::<f64>() + others).is_finite()
}

/// The first firm with a problem, by id, searched in parallel chunks:
/// a quick pass over each chunk, and `firm` only where it fails.
fn firms(firms: &[Firm]) -> Option<Problem> {
    firms
        .par_chunks(FIRM_CHUNK)
        .enumerate()
        .find_map_first(|(chunk, slots)| {
            if slots.iter().fold(true, |ok, f| ok & firm_passes(f)) {
                return None;
            }
            slots
                .iter()
                .enumerate()
                .find_map(|(k, f)| firm(chunk * FIRM_CHUNK + k, f))
        })
}

fn government(rep: &Replication) -> Option<Problem> {
    let g = &rep.government;
    first_non_finite(
        || "guarantee agency".to_string(),
        &[
            ("fund", g.guarantee.fund),
            ("initial_fund", g.guarantee.initial_fund),
        ],
    )
    .or_else(|| {
        first_negative(
            || "guarantee agency".to_string(),
            g.guarantee.initial_fund,
            &[("outstanding", g.guarantee.outstanding)],
        )
    })
    .or_else(|| first_non_finite(|| "Exim bank".to_string(), &[("budget_left", g.exim.budget_left)]))
    .or_else(|| {
        first_negative(
            || "Exim bank".to_string(),
            g.exim.budget_left,
            &[("outstanding", g.exim.outstanding)],
        )
    })
}

fn measured(metrics: &[(&'static str, Value)]) -> Option<Problem> {
    metrics.iter().find_map(|&(name, v)| {
        first_non_finite(
            || format!("metric {name}"),
            &[("numerator", v.num), ("denominator", v.den)],
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Override, Scenario};
    use crate::sim::month;

    fn small() -> Scenario {
        let sets = [
            "simulation.firms=300",
            "simulation.burn_in_months=2",
            "simulation.months=3",
        ];
        let overrides: Vec<Override> = sets.iter().map(|s| Override::parse(s).unwrap()).collect();
        crate::scenario::load("baseline", &overrides).unwrap()
    }

    /// The message of the violation `corrupt` causes after a normal month
    /// of replication 2.
    fn after(corrupt: impl FnOnce(&mut Replication, &mut Vec<(&'static str, Value)>)) -> String {
        let s = small();
        let mut rep = Replication::new(&s, 2);
        for _ in 0..3 {
            let metrics = month::step(&mut rep);
            assert_eq!(check_month(&rep, &metrics), Ok(()), "a normal month passes");
        }
        let mut metrics = month::step(&mut rep);
        corrupt(&mut rep, &mut metrics);
        check_month(&rep, &metrics).unwrap_err().to_string()
    }

    #[test]
    fn nan_cash_names_the_firm_and_month() {
        let message = after(|rep, _| rep.firms[123].cash_kusd = f64::NAN);
        assert_eq!(
            message,
            "replication 2, month 2006-02 (simulation month 3): firm 123 cash_kusd = NaN: must be a finite number ≥ 0"
        );
    }

    #[test]
    fn the_first_firm_by_id_is_reported_whichever_chunk_it_is_in() {
        let s = small();
        let mut rep = Replication::new(&s, 0);
        let metrics = month::step(&mut rep);
        // Two chunks' worth of slots, problems in both.
        let template = rep.firms[0].clone();
        rep.firms.resize(2 * FIRM_CHUNK + 10, template);
        rep.firms[2 * FIRM_CHUNK + 3].capacity_kusd = -5.0;
        rep.firms[FIRM_CHUNK + 1].ln_productivity = f64::INFINITY;
        let v = check_month(&rep, &metrics).unwrap_err();
        assert_eq!(
            (v.agent.as_str(), v.quantity, v.value, v.burn_in),
            (
                format!("firm {}", FIRM_CHUNK + 1).as_str(),
                "ln_productivity",
                f64::INFINITY,
                true
            )
        );
    }

    #[test]
    fn negative_debt_beyond_rounding_is_reported_rounding_is_not() {
        let s = small();
        let mut rep = Replication::new(&s, 0);
        let metrics = month::step(&mut rep);
        rep.firms[7].debt_kusd = -1e-12;
        assert_eq!(check_month(&rep, &metrics), Ok(()));
        rep.firms[7].debt_kusd = -0.5;
        let v = check_month(&rep, &metrics).unwrap_err();
        assert_eq!(
            (v.agent.as_str(), v.quantity, v.value),
            ("firm 7", "debt_kusd", -0.5)
        );
    }

    #[test]
    fn negative_reserves_name_the_bank() {
        let message = after(|rep, _| {
            rep.banks[4].reserves -= rep.banks[4].equity + 100.0;
            rep.banks[4].equity = rep.banks[4].reserves + rep.banks[4].funding - rep.banks[4].loans;
        });
        assert!(
            message.starts_with("replication 2, month 2006-02 (simulation month 3): bank 4 reserves = -"),
            "{message}"
        );
        assert!(message.ends_with(": must be a finite number ≥ 0"), "{message}");
    }

    #[test]
    fn an_unbalanced_bank_is_reported_with_its_books() {
        let message = after(|rep, _| rep.banks[1].loans += 1000.0);
        assert!(
            message.contains("bank 1 reserves + loans - funding - equity = 999.99")
                || message.contains("bank 1 reserves + loans - funding - equity = 1000"),
            "{message}"
        );
        assert!(
            message.contains("must be 0: the balance sheet does not balance (reserves "),
            "{message}"
        );
    }

    #[test]
    fn infinite_metric_and_world_values_are_reported() {
        let message = after(|_, metrics| {
            let k = metrics.iter().position(|(n, _)| *n == "exports").unwrap();
            metrics[k].1.num = f64::INFINITY;
        });
        assert!(
            message.ends_with("metric exports numerator = inf: must be a finite number"),
            "{message}"
        );
        let message = after(|rep, _| rep.world.cny_per_usd = f64::NAN);
        assert!(
            message.ends_with("world cny_per_usd = NaN: must be a finite number"),
            "{message}"
        );
        let message = after(|rep, _| rep.government.exim.outstanding = -50.0);
        assert!(
            message.ends_with("Exim bank outstanding = -50: must be a finite number ≥ 0"),
            "{message}"
        );
    }

    #[test]
    fn a_violation_stops_run_replication_with_an_invariant_error() {
        // A state no valid scenario reaches: the check must still fire from
        // inside the month loop, as a runtime error (exit code 1).
        let mut s = small();
        s.banks.types[0].equity_kusd_per_firm = f64::NAN;
        let error = crate::sim::run_replication(&s, 0).unwrap_err();
        assert!(!error.is_input());
        assert!(matches!(error, crate::Error::Invariant(_)));
        assert!(
            error
                .to_string()
                .starts_with("the simulation reached an impossible state: replication 0, month 2005-11 (simulation month 0, burn-in): bank 0 "),
            "{error}"
        );
    }
}
