//! Phase 2 — orders.

use crate::model::PaymentTerm;

use super::parallel::{FirmPhase, Slot, Sums, run_alone};
use super::rng::{Draw, Purpose};
use super::state::{Replication, Shared};

/// Every active firm receives domestic sales and, if it exports, export
/// orders.
///
/// Reads: world demand and buyer risk, firm capacity, size class and
/// management. Writes: `month[i].orders`; cash in advance is received
/// now. The month's cost shares and fixed cost follow from the firm and
/// the month (`Shared::costs`).
///
/// Rule: monthly demand `K·((1−x)·D_dom + x·D_for)·ν`, ν lognormal with mean
/// one, split into the firm's n orders. Each export order gets a payment
/// term with size-dependent probabilities (small firms get more open
/// account; IMF, Asmundson et al. 2011) and a term of 1–3 months. Whether a
/// buyer will pay is drawn now and revealed at maturity: an LC fails if the
/// issuing bank fails, or if the documents are discrepant — probability
/// `base·(1−m)`, falling with management quality — and the buyer then
/// refuses as under a documentary collection. Export costs rise with CNY
/// appreciation: `(1−margin)·(fx₀/fx)^ε`.
pub fn firms_receive_orders(rep: &mut Replication) {
    run_alone(rep, Orders).record(rep);
}

/// Phase 2's work on one firm (see `firms_receive_orders`).
pub struct Orders<'a>(pub Shared<'a>);

impl FirmPhase for Orders<'_> {
    type Sums = OrderSums;

    fn firm(&self, slot: Slot, sums: &mut OrderSums) {
        let Slot {
            i, firm, credit, fm, ..
        } = slot;
        let Shared {
            s,
            setup,
            world: w,
            t,
            streams,
            ..
        } = self.0;
        let term_cdf = &setup.term_cdf;
        let terms = &s.world.payment_terms;
        let dispersion = s.firms.orders.value_dispersion;
        if !firm.alive || firm.closing {
            return;
        }
        let mut rng = streams.rng(t, i as u64, Purpose::Orders);
        let noise = rng.lognormal_mean_one(dispersion);
        let n = firm.orders_per_month;
        let x = firm.export_share();
        let orders = &mut fm.orders;

        let domestic_piece = firm.capacity_kusd * (1.0 - x) * w.domestic_demand * noise / n as f64;
        for _ in 0..n {
            orders.domestic += domestic_piece;
            if !rng.bernoulli(w.default_domestic) {
                orders.domestic_good += domestic_piece;
            }
        }
        if !firm.exporter {
            return;
        }
        for term in &mut credit.term[1..] {
            // At most MAX_TERM_MONTHS (validated).
            *term = rng.between(terms.term_months_min, terms.term_months_max) as u8;
        }
        let cdf = &term_cdf[firm.size_class.index()];
        let piece = firm.capacity_kusd * x * w.foreign_demand * noise / n as f64;
        let discrepancy = s.world.lc_discrepancy_base * (1.0 - firm.management);
        for _ in 0..n {
            let u = rng.uniform();
            let term = PaymentTerm::ALL[cdf.iter().position(|&c| u < c).unwrap_or(3)];
            let paid = match term {
                PaymentTerm::CashInAdvance => true,
                PaymentTerm::LetterOfCredit => {
                    let p_fail = if rng.bernoulli(discrepancy) {
                        w.default_collection
                    } else {
                        w.default_lc
                    };
                    !rng.bernoulli(p_fail)
                }
                PaymentTerm::DocumentaryCollection => !rng.bernoulli(w.default_collection),
                PaymentTerm::OpenAccount => !rng.bernoulli(w.default_open_account),
            };
            orders.export[term as usize] += piece;
            if paid {
                orders.export_good[term as usize] += piece;
            }
        }
        let prepaid = orders.export[PaymentTerm::CashInAdvance as usize];
        firm.cash_kusd += prepaid;
        sums.prepaid += prepaid;
        for (sum, value) in sums.by_term.iter_mut().zip(orders.export) {
            *sum += value;
        }
    }
}

impl OrderSums {
    /// Books what the month's orders add up to.
    pub fn record(self, rep: &mut Replication) {
        rep.ledger.buyer_payments += self.prepaid;
        for (total, sum) in rep.tally.order_value_by_term.iter_mut().zip(self.by_term) {
            *total += sum;
        }
    }
}

/// What the month's orders add up to: cash in advance received, and
/// export orders by payment term.
#[derive(Default)]
pub struct OrderSums {
    prepaid: f64,
    by_term: [f64; 4],
}

impl Sums for OrderSums {
    fn add(&mut self, later: Self) {
        self.prepaid += later.prepaid;
        for (sum, value) in self.by_term.iter_mut().zip(later.by_term) {
            *sum += value;
        }
    }
}
