//! Phase 6 — production and shipment.

use crate::model::PaymentTerm;

use super::state::Replication;

const CIA: usize = PaymentTerm::CashInAdvance as usize;
const LC: usize = PaymentTerm::LetterOfCredit as usize;
const DC: usize = PaymentTerm::DocumentaryCollection as usize;
const OA: usize = PaymentTerm::OpenAccount as usize;

/// Firms produce what their cash (now including new loans) can pay for and
/// ship it; what cannot be paid for is lost.
///
/// Reads: orders, cost shares, fixed cost, cash, loans and receipts due.
/// Writes: cash, receivables (with LC parts), export entry, lost and
/// shipped values; tallies exports and lost export orders.
///
/// Rule, in order of priority: cash-in-advance orders (their prepayment
/// pays for them); the fixed cost; cash is held back for working-capital
/// loans due over the planning horizon beyond expected receipts; LC orders (the packing loan was lent
/// against them); then domestic, collection and open-account orders pro
/// rata; then a pending export entry's sunk cost if what is left covers
/// it. Lost export orders are the bridge from finance to exports (Manova
/// 2013; Chaney 2016).
pub fn firms_produce_and_ship(rep: &mut Replication) {
    let s = rep.scenario;
    let t = rep.t;
    let entry_cost_months = s.firms.export.entry_cost_months;
    let prudence = s.firms.receipts_prudence;
    let horizon = s.firms.planning_horizon_months;
    for (firm, fm) in rep.firms.iter_mut().zip(rep.month.iter_mut()) {
        if !firm.alive || firm.closing {
            continue;
        }
        let o = fm.orders;
        let cx = fm.cost_share_export;
        let cd = fm.cost_share_domestic;
        let mut funds = firm.cash_kusd;

        let cost_cia = cx * o.export[CIA];
        funds -= cost_cia;
        let fixed_paid = funds.clamp(0.0, fm.fixed_cost);
        funds -= fixed_paid;
        let reserve = firm.dues.reserve(t, horizon, prudence);
        let mut budget = (funds - reserve).max(0.0);

        let mut produce = |cost: f64| {
            let share = if cost > 0.0 { (budget / cost).min(1.0) } else { 1.0 };
            budget -= share * cost;
            share
        };
        let share_lc = produce(cx * o.export[LC]);
        let share_rest = produce(cd * o.domestic + cx * (o.export[DC] + o.export[OA]));

        let sunk = entry_cost_months * firm.capacity_kusd;
        let entry_paid = if firm.entry_pending && budget >= sunk {
            fm.entered_export = true;
            sunk
        } else {
            0.0
        };

        let production = cost_cia
            + share_lc * cx * o.export[LC]
            + share_rest * (cd * o.domestic + cx * (o.export[DC] + o.export[OA]));
        // Spending never exceeds cash; max() only absorbs rounding.
        firm.cash_kusd = (firm.cash_kusd - production - fixed_paid - entry_paid).max(0.0);
        rep.ledger.production_costs += production;
        rep.ledger.fixed_costs += fixed_paid;
        rep.ledger.export_entry_costs += entry_paid;

        let r = &mut firm.dues;
        if o.export[LC] > 0.0 {
            let slot = r.slot_mut(t + o.term[LC]);
            slot.face += share_lc * o.export[LC];
            slot.good += share_lc * o.export_good[LC];
            slot.lc_face += share_lc * o.export[LC];
            slot.lc_good += share_lc * o.export_good[LC];
        }
        for term in [DC, OA] {
            if o.export[term] > 0.0 {
                let slot = r.slot_mut(t + o.term[term]);
                slot.face += share_rest * o.export[term];
                slot.good += share_rest * o.export_good[term];
            }
        }
        if o.domestic > 0.0 {
            let slot = r.slot_mut(t + 1);
            slot.face += share_rest * o.domestic;
            slot.good += share_rest * o.domestic_good;
        }

        let shipped_export =
            o.export[CIA] + share_lc * o.export[LC] + share_rest * (o.export[DC] + o.export[OA]);
        let shipped_domestic = share_rest * o.domestic;
        fm.lost_export = o.export_total() - shipped_export;
        fm.lost_total = fm.lost_export + o.domestic - shipped_domestic;
        fm.gross_profit = shipped_domestic * (1.0 - cd) + shipped_export * (1.0 - cx) - fm.fixed_cost;

        let tally = &mut rep.tally;
        tally.exports += shipped_export;
        if firm.size_class.is_sme() {
            tally.exports_sme += shipped_export;
        }
        tally.lost_export_orders += fm.lost_export;
    }
}
