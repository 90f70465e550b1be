//! The month loop: one module per phase, the random streams, and the audit
//! of money and balance sheets.

pub mod audit;
pub mod banks;
pub mod credit_market;
pub mod dynamics;
pub mod financing;
pub mod government;
pub mod invariants;
pub mod ledger;
pub mod month;
pub mod orders;
pub mod pages;
pub mod parallel;
pub mod population;
pub mod production;
pub mod profile;
pub mod radix;
pub mod rng;
pub mod settlement;
pub mod state;

pub use profile::Profile;
pub use state::Replication;

use std::time::Instant;

use crate::experiment::stats::{SIZE_TAIL_SHARE, hill_tail_exponent};
use crate::metrics::Value;
use crate::scenario::{Scenario, YearMonth};
use crate::{Cancel, Error, Result};

/// One reported month of one replication.
#[derive(Debug, Clone)]
pub struct MonthRecord {
    pub date: YearMonth,
    pub values: Vec<Value>,
}

/// Everything a replication reports: metric names once, then the months.
#[derive(Debug, Clone)]
pub struct ReplicationResult {
    pub replication: u32,
    pub names: Vec<&'static str>,
    pub months: Vec<MonthRecord>,
    /// Pareto tail exponent of firm employment in the last month (Hill
    /// estimate on the largest `SIZE_TAIL_SHARE` of firms).
    pub size_tail_exponent: Option<f64>,
    /// Wall time per phase (console only, never written to results).
    pub profile: Profile,
}

/// Runs replication `r` of a scenario through burn-in and the reported
/// months. Every month ends with the invariant checks
/// ([`invariants::check_month`]); the first violation stops the run.
pub fn run_replication(s: &Scenario, r: u32) -> Result<ReplicationResult> {
    run_replication_cancellable(s, r, &Cancel::new())
}

/// As [`run_replication`], checking `cancel` before every phase of every
/// month: a cancelled replication stops within one phase with
/// [`Error::Interrupted`].
pub fn run_replication_cancellable(s: &Scenario, r: u32, cancel: &Cancel) -> Result<ReplicationResult> {
    let mut rep = Replication::new(s, r);
    let burn_in = s.simulation.burn_in_months;
    let total = burn_in + s.simulation.months;
    let mut names = Vec::new();
    let mut months = Vec::with_capacity(s.simulation.months as usize);
    let mut profile = Profile::default();
    for t in 0..total {
        // Checked before every phase: at a million firms a month takes
        // seconds.
        let Some(measured) = month::step_profiled(&mut rep, &mut profile, cancel) else {
            return Err(Error::Interrupted(format!(
                "replication {r} stopped in month {t}"
            )));
        };
        let started = Instant::now();
        invariants::check_month(&rep, &measured).map_err(Error::Invariant)?;
        profile.add("12 invariants", started.elapsed());
        if t >= burn_in {
            if names.is_empty() {
                names = measured.iter().map(|(n, _)| *n).collect();
            }
            months.push(MonthRecord {
                date: rep.world.date,
                values: measured.into_iter().map(|(_, v)| v).collect(),
            });
        }
    }
    let employees: Vec<f64> = rep
        .firms
        .iter()
        .filter(|f| f.alive)
        .map(|f| f.employees())
        .collect();
    Ok(ReplicationResult {
        replication: r,
        names,
        months,
        size_tail_exponent: hill_tail_exponent(&employees, SIZE_TAIL_SHARE),
        profile,
    })
}
