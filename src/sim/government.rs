//! Phase 10 — government: budgets, replenishment, coverage, training and
//! the cost of public funds.

use crate::model::government::{bureau, training};

use super::parallel::{Sums, sum_over_firms};
use super::rng::{Draw, Purpose};
use super::state::Replication;

/// The government agents act on their own stocks and on firms.
///
/// Reads: the date, firms' size classes, the agencies' books. Writes:
/// bureau coverage and training of firms, the Exim budget, the guarantee
/// fund; books the month's programme costs.
///
/// Rules:
/// - Each January the Exim bank gets its year's lending budget and the
///   guarantee fund is replenished toward its initial size.
/// - The bureau covers a firm while its fixed rank is below its class's
///   coverage, which grows each year (`bureau::covers`); it costs a fixed
///   amount per covered firm.
/// - Each month an untrained SME is trained with the monthly equivalent of
///   `share_annual`, which raises its management quality once.
/// - Public funds cost the deposit rate: the Exim bank's direct loans and
///   the on-lent funds in use (the state's opportunity cost).
pub fn government_acts(rep: &mut Replication) {
    let s = rep.scenario;
    let g = &s.government;
    let scale = rep.setup.money_scale;
    let t = rep.t;
    // Budgets for the year are set at the end of December, for January;
    // the first year's when the replication starts.
    let next_is_january = rep.world.date.month() == 12;
    if g.exim.direct.enabled && next_is_january {
        rep.government.exim.budget_left = g.exim.direct.budget * scale;
    }
    if g.guarantee.enabled && next_is_january {
        rep.government
            .guarantee
            .replenish(g.guarantee.replenishment * scale);
    }

    // Years since `simulation.start` (negative in burn-in).
    let years = (t as f64 - s.simulation.burn_in_months as f64) / 12.0;
    let cost_per_covered = g.bureau.cost_per_covered_firm_kusd_annual / 12.0;
    let gain = g.training.management_gain;
    let mut reached = Reached::default();
    if g.bureau.enabled || g.training.enabled {
        let (streams, training_monthly) = (rep.streams, rep.setup.training_monthly);
        reached = sum_over_firms(
            &mut rep.firms,
            &mut rep.month,
            |i, firm, _, reached: &mut Reached| {
                if !firm.alive {
                    return;
                }
                if g.bureau.enabled {
                    let rank = streams.uniform(firm.generation, i as u64, Purpose::Bureau);
                    firm.bureau_covered = bureau::covers(&g.bureau, firm.size_class, years, rank);
                }
                reached.covered += firm.bureau_covered as u32;
                if g.training.enabled && firm.is_sme() && !firm.trained {
                    let mut rng = streams.rng(t, i as u64, Purpose::Training);
                    if rng.bernoulli(training_monthly) {
                        firm.management = training::trained_quality(firm.management, gain);
                        firm.trained = true;
                        reached.trained += 1;
                    }
                }
            },
        );
    }
    let a = &mut rep.accounts;
    a.bureau_cost += reached.covered as f64 * cost_per_covered;
    a.training_cost += reached.trained as f64 * g.training.cost_per_firm_kusd;
    let monthly = rep.world.deposit_rate / 12.0;
    a.exim_funding_cost += rep.government.exim.outstanding * monthly;
    let on_lent: f64 = rep.banks.iter().map(|b| b.onlend_used).sum();
    a.on_lending_funding_cost += on_lent * monthly;
}

/// Firms the credit bureau covers and the training programme trained this
/// month.
#[derive(Default)]
struct Reached {
    covered: u32,
    trained: u32,
}

impl Sums for Reached {
    fn add(&mut self, later: Self) {
        self.covered += later.covered;
        self.trained += later.trained;
    }
}
