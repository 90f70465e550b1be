//! Phases 3 and 4 — financing need and the decision to apply.

use crate::model::PaymentTerm;

use super::credit_market::Rejection;
use super::parallel::{FirmPhase, Slot, Sums, run_alone};
use super::rng::Purpose;
use super::state::{Replication, Shared};

/// Phase 3: each firm works out how much finance it needs this month.
///
/// Reads: this month's orders and cost shares, loans and receivables due,
/// cash, a pending export entry. Writes: `month[i].need`.
///
/// Rule: production cost is paid now, buyers pay later, so
/// `need = cost + fixed + reserve + sunk entry cost + buffer·cost − cash`
/// when positive (DESIGN.md §4, phase 3), where the reserve covers
/// working-capital loans due over the planning horizon beyond the
/// receivables due by then (net of LC proceeds assigned to banks; a prudent
/// firm does not count on all of them).
pub fn firms_assess_need(rep: &mut Replication) {
    run_alone(rep, Need);
}

/// Phase 3's work on one firm (see `firms_assess_need`).
pub struct Need<'a>(pub Shared<'a>);

impl FirmPhase for Need<'_> {
    type Sums = ();

    fn firm(&self, slot: Slot, _: &mut ()) {
        let Slot { firm, fm, books, .. } = slot;
        let Shared { s, t, .. } = self.0;
        let buffer = s.firms.need_buffer_share;
        let entry_cost_months = s.firms.export.entry_cost_months;
        let prudence = s.firms.receipts_prudence;
        let horizon = s.firms.planning_horizon_months;
        if !firm.alive || firm.closing {
            return;
        }
        let o = &fm.orders;
        let costs = self.0.costs(firm);
        let cost = costs.domestic * o.domestic + costs.export * o.export_total();
        let reserve = firm.dues.reserve(t, horizon, prudence, books);
        let sunk = if firm.entry_pending {
            entry_cost_months * firm.capacity_kusd
        } else {
            0.0
        };
        let need = cost + costs.fixed + reserve + sunk + buffer * cost - firm.cash_kusd;
        fm.need = need.max(0.0);
    }
}

/// Phase 4: firms with a need apply, unless discouraged.
///
/// Reads: need, belief, this month's orders. Writes: `applied`,
/// `discouraged`, `unfinanced`, and the room for pre-shipment and import
/// finance (`red_clause_room`, `packing_room`, `import_room`), and the
/// visit to the main bank that opens the credit market's search
/// (`visited`, `visits`, `Replication::applicants`); tallies requests and
/// discouraged SMEs.
///
/// Rule: a firm whose believed chance of approval is below the threshold
/// does not apply (discouraged borrowers; Kon & Storey 2003) — unless it
/// cannot otherwise repay a loan falling due this month, when it asks for
/// refinancing whatever it expects. The belief is learned from the firm's
/// own outcomes in phase 5.
pub fn firms_decide_to_apply(rep: &mut Replication) {
    run_alone(rep, Applications).record(rep);
}

/// Phase 4's work on one firm (see `firms_decide_to_apply`).
pub struct Applications<'a>(pub Shared<'a>);

impl FirmPhase for Applications<'_> {
    type Sums = NeedSums;

    fn firm(&self, slot: Slot, sums: &mut NeedSums) {
        let Slot {
            i,
            firm,
            credit,
            fm,
            books,
        } = slot;
        let Shared { s, t, streams, .. } = self.0;
        let threshold = s.firms.belief.discouragement_threshold;
        let min_loan = s.banks.min_loan_kusd;
        // What the credit market's rounds lend at least (`banks_lend`).
        let min_lent = s.banks.min_lent_kusd();
        let prudence = s.firms.receipts_prudence;
        let products = &s.banks.products;
        let red_clause_share = s.world.payment_terms.red_clause_share;
        let imported = s.firms.imported_input_share;
        if !firm.alive || fm.need <= 0.0 {
            return;
        }
        let class = firm.size_class.index();
        sums.need_firms[class] += 1;
        sums.financing_need[class] += fm.need;
        let costs = self.0.costs(firm);
        let must_refinance = firm.dues.loan_owed(t) > 0.0
            && firm.dues.reserve(t, 0, prudence, books) > firm.cash_kusd - costs.fixed;
        if firm.belief < threshold && !must_refinance {
            fm.discouraged = true;
            sums.discouraged[class] += 1;
        } else {
            credit.applied = true;
            sums.applications[class] += 1;
            // Documentation and KYC checks: a badly managed firm's file is
            // more often incomplete (DESIGN.md: management → document errors).
            let p = s.banks.documentation_rejection_base * (1.0 - firm.management);
            if p > 0.0 && streams.uniform(t, i as u64, Purpose::Documents) < p {
                credit.documents_rejected = true;
                sums.sme_documents_rejected += firm.is_sme() as u32;
            }
            // Banks lend no less than their minimum: a small need asks for it.
            credit.unfinanced = fm.need.max(min_loan);
            let lc_orders = fm.orders.export[PaymentTerm::LetterOfCredit as usize];
            credit.red_clause_room = products.red_clause.advance_ratio * red_clause_share * lc_orders;
            credit.packing_room = products.packing_loan.advance_ratio * lc_orders;
            if credit.packing_room > 0.0 {
                // Pre-shipment loans are owed from the LC pool its
                // orders will fill: the book is opened now, as banks
                // serving in parallel cannot open one.
                firm.dues.book_mut(books);
            }
            credit.import_room =
                products.import_lc.advance_ratio * imported * costs.export * fm.orders.export_total();
            // The credit market's first round: the firm goes to its main
            // bank, noted here, where the firm is at hand, rather than in
            // a pass of its own over all firms.
            if !credit.documents_rejected && credit.unfinanced >= min_lent {
                credit.visited[0] = firm.main_bank;
                credit.visits = 1;
                sums.applicants.push((i as u32, firm.main_bank));
            }
        }
    }
}

impl NeedSums {
    /// Tallies the month's needs, applications and discouraged firms, and
    /// notes the firms that go to their main bank first.
    pub fn record(self, rep: &mut Replication) {
        let tally = &mut rep.tally;
        for class in 0..4 {
            tally.need_firms[class] += self.need_firms[class];
            tally.financing_need[class] += self.financing_need[class];
            tally.discouraged[class] += self.discouraged[class];
            tally.applications[class] += self.applications[class];
        }
        tally.sme_rejections[Rejection::Documentation.tally_index()] += self.sme_documents_rejected;
        rep.applicants = self.applicants;
    }
}

/// Firms with a need, their need, and what they did about it, by size
/// class.
#[derive(Default)]
pub struct NeedSums {
    need_firms: [u32; 4],
    financing_need: [f64; 4],
    discouraged: [u32; 4],
    applications: [u32; 4],
    sme_documents_rejected: u32,
    /// The firms that go to their main bank first, in id order, with the
    /// bank (`Replication::applicants`).
    applicants: Vec<(u32, u16)>,
}

impl Sums for NeedSums {
    fn add(&mut self, later: Self) {
        for class in 0..4 {
            self.need_firms[class] += later.need_firms[class];
            self.financing_need[class] += later.financing_need[class];
            self.discouraged[class] += later.discouraged[class];
            self.applications[class] += later.applications[class];
        }
        self.sme_documents_rejected += later.sme_documents_rejected;
        self.applicants.extend(later.applicants);
    }
}
