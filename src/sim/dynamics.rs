//! Phase 8 — firm dynamics: growth, export entry and exit, firm exit and
//! entry.

use crate::math::{exp, ln};
use crate::model::firm::NEVER;

use super::parallel::{Sums, sum_over_firms_with_books};
use super::rng::{Draw, Purpose};
use super::state::Replication;

/// Capacity grows and shrinks, firms start and stop exporting, firms exit
/// and entrants replace them.
///
/// Reads: the month's profit, lost orders, defaults, equity, cash.
/// Writes: capacity, collateral, exporter status, ages, cash paid out,
/// exits and entrants, size classes (each January).
///
/// Rules:
/// - `Δ ln K = reversion·ln(K*/K) + a·π − b·ℓ` (clamped to ±0.2): profits
///   raise capacity, orders lost for lack of finance lower it.
/// - A non-exporter considering entry enters if `payback × expected monthly
///   export profit ≥ sunk cost`, and must finance the sunk cost next month
///   (Melitz 2003; Chaney 2016; Manova 2013). An exporter that keeps losing
///   export orders for lack of finance stops; exporters also stop at a
///   small exogenous rate.
/// - Firms exit at an exogenous rate, after several months of negative
///   equity, and (with a probability) after a default. A firm with debt
///   winds down first: it takes no orders and exits once its loans are
///   settled.
/// - Cash above the firm's target plus its debt is partly paid out to owners.
pub fn firms_grow_enter_and_exit(rep: &mut Replication) {
    let s = rep.scenario;
    let f = &s.firms;
    let w = &rep.world;
    let t = rep.t;
    let january = w.date.month() == 1;
    let fx_factor = w.export_cost_factor(rep.initial_fx, s.world.export_cost_fx_elasticity);
    let (streams, setup) = (rep.streams, &rep.setup);
    let sums = sum_over_firms_with_books(
        &mut rep.firms,
        &mut rep.month,
        &mut rep.books,
        |i, firm, fm, books, sums: &mut DynamicsSums| {
            if !firm.alive {
                sums.vacant.push(i as u32);
                return;
            }
            let mut rng = streams.rng(t, i as u64, Purpose::Dynamics);
            firm.age_months += 1;
            firm.relationship_months += 1;
            if firm.months_since_default != NEVER {
                firm.months_since_default += 1;
            }
            let mut leave = fm.defaulted && rng.bernoulli(f.demography.defaulter_exit_probability);

            if !firm.closing && !leave {
                let sales = firm.expected_sales(w.domestic_demand, w.foreign_demand);
                let profit_rate = if sales > 0.0 { fm.gross_profit / sales } else { 0.0 };
                let ordered = fm.orders.domestic + fm.orders.export_total();
                let lost_share = if ordered > 0.0 {
                    fm.lost_total / ordered
                } else {
                    0.0
                };
                let c = &f.capacity;
                let growth = (c.reversion * ln(firm.potential_kusd / firm.capacity_kusd)
                    + c.profit_elasticity * profit_rate
                    - c.lost_orders_elasticity * lost_share)
                    .clamp(-0.2, 0.2);
                let factor = exp(growth);
                firm.capacity_kusd *= factor;
                firm.fixed_assets_kusd = (firm.fixed_assets_kusd * factor).max(firm.pledged_kusd);

                let was_pending = std::mem::take(&mut firm.entry_pending);
                if fm.entered_export {
                    firm.exporter = true;
                    sums.export_entries += 1;
                } else if firm.exporter {
                    let export_orders = fm.orders.export_total();
                    let losing =
                        export_orders > 0.0 && fm.lost_export > f.export.exit_lost_share * export_orders;
                    firm.lost_export_months = if losing { firm.lost_export_months + 1 } else { 0 };
                    if firm.lost_export_months >= f.export.exit_after_lost_months
                        || rng.bernoulli(setup.export_exit_monthly)
                    {
                        firm.exporter = false;
                        firm.lost_export_months = 0;
                        sums.export_exits += 1;
                    }
                } else if !was_pending && rng.bernoulli(setup.entry_consideration_monthly) {
                    let export_profit = firm.capacity_kusd
                        * firm.export_intensity
                        * w.foreign_demand
                        * (1.0 - firm.export_cost_share(fx_factor));
                    let sunk = f.export.entry_cost_months * firm.capacity_kusd;
                    firm.entry_pending = f.export.entry_payback_months * export_profit >= sunk;
                }

                firm.negative_equity_months = if firm.equity(t + 1, books) < 0.0 {
                    firm.negative_equity_months + 1
                } else {
                    0
                };
                if firm.negative_equity_months >= f.demography.negative_equity_exit_months
                    || rng.bernoulli(setup.exit_hazard_monthly)
                {
                    firm.closing = true;
                }

                // Owners take out cash above the target only once the bank is
                // paid: debt comes first (pecking order; loan covenants).
                let target = firm.cash_target_months * sales * (1.0 - firm.margin) + firm.debt_kusd;
                if !firm.closing && firm.cash_kusd > target {
                    let payout = f.payout_share * (firm.cash_kusd - target);
                    firm.cash_kusd -= payout;
                    sums.owner_payouts += payout;
                }
                if january {
                    firm.size_class = setup
                        .size_rule
                        .classify(firm.employees(), 12.0 * sales, w.cny_per_usd);
                }
            }

            if firm.closing && firm.debt_kusd <= 0.0 && firm.dues.receivables_total(t + 1, books) <= 0.0 {
                leave = true;
            }
            if leave {
                debug_assert!(firm.debt_kusd == 0.0 && firm.pledged_kusd.abs() < 1e-9);
                sums.export_exits += firm.exporter as u32;
                sums.exit_withdrawals += firm.cash_kusd;
                sums.exits.push((i as u32, firm.group));
                // Emptied by settlement, and closed there; a leaver owes and
                // is owed nothing.
                firm.dues.close_book(books);
                *firm = crate::model::Firm {
                    generation: firm.generation,
                    ..Default::default()
                };
                sums.vacant.push(i as u32);
            } else {
                sums.staying += 1;
            }
        },
    );
    rep.tally.export_entries += sums.export_entries;
    rep.tally.export_exits += sums.export_exits;
    rep.ledger.owner_payouts += sums.owner_payouts;
    rep.ledger.exit_withdrawals += sums.exit_withdrawals;
    // Guarantee groups change in id order.
    for &(firm, group) in &sums.exits {
        rep.groups.leave(firm, group);
    }
    rep.tally.firm_exits += sums.exits.len() as u32;
    rep.tally.firm_entries += rep.enter_firms(sums.staying as usize, &sums.vacant);
}

/// What the month's firm dynamics add up to, and the firms that left (in
/// id order, with their guarantee group).
#[derive(Default)]
struct DynamicsSums {
    export_entries: u32,
    export_exits: u32,
    owner_payouts: f64,
    exit_withdrawals: f64,
    exits: Vec<(u32, u32)>,
    /// Slots without a firm after this month's exits, in id order.
    vacant: Vec<u32>,
    /// Firms alive after this month's exits.
    staying: u32,
}

impl Sums for DynamicsSums {
    fn add(&mut self, later: Self) {
        self.export_entries += later.export_entries;
        self.export_exits += later.export_exits;
        self.owner_payouts += later.owner_payouts;
        self.exit_withdrawals += later.exit_withdrawals;
        self.exits.extend(later.exits);
        self.vacant.extend(later.vacant);
        self.staying += later.staying;
    }
}
