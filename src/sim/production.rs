//! Phase 6 — production and shipment.

use crate::model::product::Backing;
use crate::model::{PaymentTerm, ProductKind, government};

use super::parallel::{FirmPhase, Slot, Sums, run_alone};
use super::rng::Purpose;
use super::state::{Replication, Shared};

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
/// 2013; Chaney 2016). A firm the export credit insurer reaches then
/// insures its collection and open-account orders if it sees more benefit
/// than premium (`government::insurance::insures`), paying the premium
/// from the cash left.
pub fn firms_produce_and_ship(rep: &mut Replication) {
    run_alone(rep, Production).record(rep)
}

/// Phase 6's work on one firm (see `firms_produce_and_ship`).
pub struct Production<'a>(pub Shared<'a>);

impl FirmPhase for Production<'_> {
    type Sums = ProductionSums;

    fn firm(&self, slot: Slot, sums: &mut ProductionSums) {
        let Slot {
            i,
            firm,
            credit,
            fm,
            books,
        } = slot;
        let Shared {
            s,
            t,
            streams,
            world,
            setup,
            ..
        } = self.0;
        let entry_cost_months = s.firms.export.entry_cost_months;
        let prudence = s.firms.receipts_prudence;
        let horizon = s.firms.planning_horizon_months;
        let insurance = &s.government.insurance;
        let bank_of = &setup.bank_type;

        firm.insured = false;
        if !firm.alive || firm.closing {
            return;
        }
        let o = fm.orders;
        let costs = self.0.costs(firm);
        let (cx, cd) = (costs.export, costs.domestic);
        let mut funds = firm.cash_kusd;

        let cost_cia = cx * o.export[CIA];
        funds -= cost_cia;
        let fixed_paid = funds.clamp(0.0, costs.fixed);
        funds -= fixed_paid;
        let reserve = firm.dues.reserve(t, horizon, prudence, books);
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
        sums.production_costs += production;
        sums.fixed_costs += fixed_paid;
        sums.export_entry_costs += entry_paid;

        // Export credit insurance (Sinosure-like) on this month's
        // collection and open-account orders, premium paid from what is
        // left of cash.
        let collection_and_open = share_rest * (o.export[DC] + o.export[OA]);
        let mut insured_share = 0.0;
        if insurance.enabled && collection_and_open > 0.0 {
            // The insurer serves every large firm and a fixed share of SMEs.
            let reached = || {
                !firm.is_sme()
                    || streams.uniform(firm.generation, i as u64, Purpose::InsuranceReach) < insurance.reach
            };
            let bank_type = &s.banks.types[bank_of[firm.main_bank as usize]];
            let short_of_finance = fm.need > credit.granted + 1e-9;
            let motive = short_of_finance && bank_type.products.contains(&ProductKind::InsuranceBacked);
            let w = world;
            let buyer_default = (o.export[DC] * w.default_collection + o.export[OA] * w.default_open_account)
                / (o.export[DC] + o.export[OA]);
            if government::insurance::insures(
                insurance,
                firm.management,
                buyer_default,
                firm.is_sme(),
                motive,
            ) && reached()
            {
                let rate = government::insurance::premium_rate_paid(insurance, firm.is_sme());
                let premium = rate * collection_and_open;
                insured_share = if premium > 0.0 {
                    (firm.cash_kusd / premium).min(1.0)
                } else {
                    1.0
                };
                let paid = insured_share * premium;
                let full = insured_share * insurance.premium_rate * collection_and_open;
                firm.cash_kusd = (firm.cash_kusd - paid).max(0.0);
                sums.premiums_paid += paid;
                sums.premiums_full += full;
                sums.subsidies += full - paid;
                sums.insured_exports += insured_share * collection_and_open;
            }
        }
        firm.insured = insured_share > 0.0;

        let r = &mut firm.dues;
        let mut book = |due: u32, backing: Backing, face: f64, good: f64| {
            r.add_receivable(due, face, good);
            if backing != Backing::Firm {
                r.book_mut(books).add(due, backing, face, good);
            }
        };
        if o.export[LC] > 0.0 {
            book(
                t + u32::from(credit.term[LC]),
                Backing::Lc,
                share_lc * o.export[LC],
                share_lc * o.export_good[LC],
            );
        }
        for term in [DC, OA] {
            if o.export[term] > 0.0 {
                let face = share_rest * o.export[term];
                let good = share_rest * o.export_good[term];
                let due = t + u32::from(credit.term[term]);
                book(due, Backing::Insured, insured_share * face, insured_share * good);
                book(
                    due,
                    Backing::Open,
                    (1.0 - insured_share) * face,
                    (1.0 - insured_share) * good,
                );
            }
        }
        if o.domestic > 0.0 {
            book(
                t + 1,
                Backing::Firm,
                share_rest * o.domestic,
                share_rest * o.domestic_good,
            );
        }
        let shipped_export =
            o.export[CIA] + share_lc * o.export[LC] + share_rest * (o.export[DC] + o.export[OA]);
        let shipped_domestic = share_rest * o.domestic;
        fm.lost_export = o.export_total() - shipped_export;
        fm.lost_total = fm.lost_export + o.domestic - shipped_domestic;
        fm.gross_profit = shipped_domestic * (1.0 - cd) + shipped_export * (1.0 - cx) - costs.fixed;

        sums.exports += shipped_export;
        if firm.size_class.is_sme() {
            sums.exports_sme += shipped_export;
        }
        sums.lost_export_orders += fm.lost_export;
    }
}

impl ProductionSums {
    /// Books what the month's production adds up to.
    pub fn record(self, rep: &mut Replication) {
        let (ledger, accounts, tally) = (&mut rep.ledger, &mut rep.accounts, &mut rep.tally);
        ledger.production_costs += self.production_costs;
        ledger.fixed_costs += self.fixed_costs;
        ledger.export_entry_costs += self.export_entry_costs;
        ledger.insurance_premiums += self.premiums_paid;
        accounts.insurance_premiums += self.premiums_full;
        accounts.insurance_subsidies += self.subsidies;
        tally.insured_exports += self.insured_exports;
        tally.exports += self.exports;
        tally.exports_sme += self.exports_sme;
        tally.lost_export_orders += self.lost_export_orders;
    }
}

/// What the month's production adds up to.
#[derive(Default)]
pub struct ProductionSums {
    production_costs: f64,
    fixed_costs: f64,
    export_entry_costs: f64,
    /// Insurance premiums paid by firms, before subsidy, and the subsidy.
    premiums_paid: f64,
    premiums_full: f64,
    subsidies: f64,
    insured_exports: f64,
    exports: f64,
    exports_sme: f64,
    lost_export_orders: f64,
}

impl Sums for ProductionSums {
    fn add(&mut self, later: Self) {
        self.production_costs += later.production_costs;
        self.fixed_costs += later.fixed_costs;
        self.export_entry_costs += later.export_entry_costs;
        self.premiums_paid += later.premiums_paid;
        self.premiums_full += later.premiums_full;
        self.subsidies += later.subsidies;
        self.insured_exports += later.insured_exports;
        self.exports += later.exports;
        self.exports_sme += later.exports_sme;
        self.lost_export_orders += later.lost_export_orders;
    }
}
