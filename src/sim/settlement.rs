//! Phase 7 — settlement: receivables, operating losses, loan repayment,
//! default, recovery and guarantee-chain contagion.

use std::collections::VecDeque;

use crate::model::firm::{DueMonth, MAX_TENOR_MONTHS, MAX_TERM_MONTHS, PoolBook};
use crate::model::government::insurance;
use crate::model::loan::{EXIM, Loan};
use crate::model::product::{Backing, POOLS};
use crate::scenario::Scenario;

use rayon::prelude::*;

use super::pages::prefetch;
use super::parallel::{FIRM_CHUNK, FirmPhase, Slot, Sums, run_alone};
use super::rng::{Draw, Purpose};
use super::state::{FirmMonth, Recovery, Replication, Shared};

/// Receivables and loans falling due are settled; firms that cannot pay
/// default, and defaults spread along guarantee chains.
///
/// Reads: receivables and loans due, cash, collateral, guarantee groups.
/// Writes: cash, debt, collateral, bank books, the loan book, credit
/// records; tallies defaults.
///
/// Rule: buyers pay what they owe (LC proceeds go first to the bank that
/// lent against them); an operating loss may strike, with probability
/// falling in the firm's true creditworthiness z; loans due are paid from
/// cash. A firm that cannot pay defaults on every loan: the bank recovers
/// the firm's cash, collateral × the legal recovery rate and its
/// receivables × the receivables recovery rate, shared pro rata, and the
/// proceeds of receivables assigned to banks on the loans they back. The rest of a working-capital
/// loan is claimed from the other members of the firm's guarantee group in
/// equal shares; a guarantor that cannot pay its share defaults in turn
/// (guarantee-chain contagion, Zhejiang 2011–12).
pub fn settle_receivables_and_loans(rep: &mut Replication) {
    let defaulters = collect_and_repay(rep);
    settle_defaults_and_loans(rep, defaulters);
}

/// Phase 7 after each firm's collections and repayments (`Collection`):
/// the `defaulters` (in id order, with their recourse debt) default and
/// their defaults spread, and the loans that fell due close.
pub fn settle_defaults_and_loans(rep: &mut Replication, defaulters: Vec<(u32, f64)>) {
    resolve_defaults(rep, defaulters);
    close_loans(rep);
}

/// What one due month's receivable pools pay the banks that lent against
/// them: (paid to banks from buyers, from the insurer, the firm's delayed
/// indemnity, and the shortfall by pool).
struct PoolSettlement {
    from_buyers: f64,
    from_insurer: f64,
    firm_indemnity: f64,
    shortfall: [f64; POOLS],
    pay_ratio: [f64; POOLS],
}

/// LC and open-account proceeds go first to the loans they back; insured
/// receivables also bring the insurer's indemnity (assigned to the bank).
fn settle_pools(slot: &DueMonth, indemnity_share: f64) -> PoolSettlement {
    let mut out = PoolSettlement {
        from_buyers: 0.0,
        from_insurer: 0.0,
        firm_indemnity: 0.0,
        shortfall: [0.0; POOLS],
        pay_ratio: [1.0; POOLS],
    };
    for (k, pool) in slot.pools.iter().enumerate() {
        let (buyers, insurer) = if k == Backing::Insured as usize {
            let settled = insurance::settle(pool.face, pool.good, pool.owed, indemnity_share);
            out.firm_indemnity += settled.firm_indemnity;
            (settled.bank_from_buyers, settled.bank_from_insurer)
        } else {
            (pool.good.min(pool.owed), 0.0)
        };
        out.from_buyers += buyers;
        out.from_insurer += insurer;
        out.shortfall[k] = pool.owed - buyers - insurer;
        if pool.owed > 0.0 {
            out.pay_ratio[k] = (buyers + insurer) / pool.owed;
        }
    }
    out
}

/// Whether the bank may claim a pool's shortfall from the firm.
fn recourse(s: &Scenario, pool: usize) -> bool {
    pool != Backing::Open as usize || s.banks.products.factoring.recourse
}

/// Returns the firms that cannot pay, in id order, with what they owe
/// with recourse on receivable-backed loans due now beyond their
/// receivables.
fn collect_and_repay(rep: &mut Replication) -> Vec<(u32, f64)> {
    run_alone(rep, Collection).record(rep)
}

/// Phase 7's collections and repayments for one firm (see
/// `collect_and_repay`).
pub struct Collection<'a>(pub Shared<'a>);

impl FirmPhase for Collection<'_> {
    type Sums = CollectionSums;

    fn firm(&self, slot: Slot, sums: &mut CollectionSums) {
        let Slot {
            i, firm, fm, books, ..
        } = slot;
        let Shared {
            s,
            t,
            world: w,
            streams,
            setup,
            ..
        } = self.0;
        let loss = &s.firms.operating_loss;
        let insurance = &s.government.insurance;
        let delay = insurance.claim_delay_months;
        let loss_monthly = setup.operating_loss_monthly;

        if !firm.alive {
            return;
        }
        let slot = firm.dues.take(t, books);
        if firm.dues.book(books).is_some_and(PoolBook::is_empty) {
            // Nothing left to collect: the book goes until new
            // receivables need one.
            firm.dues.close_book(books);
        }
        let settled = settle_pools(&slot, insurance.indemnity_share);
        let recourse_owed: f64 = (0..POOLS)
            .filter(|&k| recourse(s, k))
            .map(|k| settled.shortfall[k])
            .sum();
        fm.pay_ratio = settled.pay_ratio;
        firm.cash_kusd += slot.good - settled.from_buyers + slot.indemnity;
        sums.buyer_payments += slot.good;
        let insurer_paid = settled.from_insurer + slot.indemnity;
        sums.indemnities += insurer_paid;
        if settled.firm_indemnity > 0.0 {
            // The insurer pays the firm after the claim delay.
            if delay == 0 {
                firm.cash_kusd += settled.firm_indemnity;
                sums.indemnities += settled.firm_indemnity;
            } else {
                firm.dues.add_indemnity(t + delay, settled.firm_indemnity, books);
            }
        }

        if !firm.closing {
            let sales = firm.expected_sales(w.domestic_demand, w.foreign_demand);
            let z = firm.true_quality(&s.firms.credit_quality, w.domestic_demand, w.foreign_demand);
            let mut rng = streams.rng(t, i as u64, Purpose::OperatingLoss);
            // Probability `loss_monthly·exp(−elasticity·z)`, capped at ½.
            if rng.bernoulli_scaled_exp(loss_monthly, -loss.score_elasticity * z, 0.5) {
                let paid = firm.cash_kusd.min(loss.size_months * sales);
                firm.cash_kusd -= paid;
                sums.operating_losses += paid;
            }
        }

        let owed_now = slot.loan_owed + recourse_owed;
        // A rounding error's worth of cash must not turn into a default.
        if firm.cash_kusd >= owed_now - 1e-9 * (1.0 + owed_now) {
            firm.cash_kusd = (firm.cash_kusd - owed_now).max(0.0);
            // Without recourse, what the receivable did not pay is the bank's loss.
            firm.debt_kusd -= slot.loan_owed + slot.pool_owed();
            firm.debt_general_kusd -= slot.loan_owed;
            firm.pledged_kusd -= slot.loan_pledged;
            clean(&mut firm.debt_kusd);
            clean(&mut firm.debt_general_kusd);
            clean(&mut firm.pledged_kusd);
            fm.paid_due = true;
        } else {
            fm.defaulted = true;
            sums.defaulters.push((i as u32, recourse_owed));
        }
    }
}

impl CollectionSums {
    /// Books what the month's collections add up to, and returns the firms that cannot pay (see `collect_and_repay`).
    pub fn record(self, rep: &mut Replication) -> Vec<(u32, f64)> {
        rep.ledger.buyer_payments += self.buyer_payments;
        rep.ledger.insurance_indemnities += self.indemnities;
        rep.accounts.insurance_claims += self.indemnities;
        rep.ledger.operating_losses += self.operating_losses;
        self.defaulters
    }
}

/// What the month's collections add up to: buyers' payments, the
/// insurer's indemnities (to banks and firms) and operating losses.
#[derive(Default)]
pub struct CollectionSums {
    buyer_payments: f64,
    indemnities: f64,
    operating_losses: f64,
    /// Firms that cannot pay what is due, in id order, with their
    /// recourse debt.
    defaulters: Vec<(u32, f64)>,
}

impl Sums for CollectionSums {
    fn add(&mut self, later: Self) {
        self.buyer_payments += later.buyer_payments;
        self.indemnities += later.indemnities;
        self.operating_losses += later.operating_losses;
        self.defaulters.extend(later.defaulters);
    }
}

/// Rounding leaves tiny positive or negative remainders on stocks that
/// should be zero.
fn clean(x: &mut f64) {
    if x.abs() < 1e-9 {
        *x = 0.0;
    }
}

/// Resolves the defaults of `defaulters` (in id order, with their
/// recourse debt) and of the guarantors they bring down.
fn resolve_defaults(rep: &mut Replication, defaulters: Vec<(u32, f64)>) {
    let recovery_rate = rep.scenario.government.regulator.recovery_rate;
    let indemnity_share = rep.scenario.government.insurance.indemnity_share;
    let receivables_recovery = rep.scenario.government.regulator.receivables_recovery_rate;
    let t = rep.t;
    rep.recoveries.clear();
    let mut queue: VecDeque<(usize, f64)> = defaulters.into_iter().map(|(i, r)| (i as usize, r)).collect();
    let mut guarantors: Vec<usize> = Vec::new();
    while let Some((i, recourse)) = queue.pop_front() {
        let firm = &mut rep.firms[i];
        let fm = &mut rep.month[i];
        let mut recovery = Recovery::default();
        // Every receivable is collected now, and the insurer settles what
        // it will owe: the proceeds of receivables assigned to banks go
        // first to the loans they back, the rest joins the pool for the
        // other creditors.
        for due in t + 1..=t + MAX_TENOR_MONTHS {
            let slot = if due <= t + MAX_TERM_MONTHS {
                firm.dues.take(due, &mut rep.books[i / FIRM_CHUNK])
            } else {
                firm.dues
                    .take_beyond_receivables(due, &mut rep.books[i / FIRM_CHUNK])
            };
            let settled = settle_pools(&slot, indemnity_share);
            if due <= t + MAX_TERM_MONTHS {
                let k = due as usize % (MAX_TERM_MONTHS as usize + 1);
                for (pool, ratio) in settled.pay_ratio.iter().enumerate() {
                    recovery.future_ratio[pool][k] = *ratio;
                }
            }
            // Receivables assigned to banks are paid to them in full; the
            // administrator collects only part of the firm's own.
            let own = receivables_recovery * (slot.good - settled.from_buyers);
            let insurer_pays = settled.from_insurer + settled.firm_indemnity + slot.indemnity;
            rep.ledger.buyer_payments += settled.from_buyers + own;
            rep.ledger.insurance_indemnities += insurer_pays;
            rep.accounts.insurance_claims += insurer_pays;
            firm.cash_kusd += own + settled.firm_indemnity + slot.indemnity;
        }
        firm.dues.close_book(&mut rep.books[i / FIRM_CHUNK]);
        // What the firm still owes, with recourse, on receivable-backed
        // loans due now beyond their receivables joins its general claims
        // (nothing for a guarantor, which paid its own dues).
        let general_claims = firm.debt_general_kusd + recourse;
        let collateral = firm.pledged_kusd * recovery_rate;
        rep.ledger.collateral_sales += collateral;
        firm.fixed_assets_kusd = (firm.fixed_assets_kusd - firm.pledged_kusd).max(0.0);
        firm.pledged_kusd = 0.0;
        let pool = firm.cash_kusd + collateral;
        let own = if general_claims > 0.0 {
            (pool / general_claims).min(1.0)
        } else {
            1.0
        };
        firm.cash_kusd = pool - own * general_claims;
        recovery.own = own;

        let guaranteed = firm.debt_general_kusd;
        let shortfall = (1.0 - own) * guaranteed;
        let group = firm.group;
        firm.debt_kusd = 0.0;
        firm.debt_general_kusd = 0.0;
        firm.months_since_default = 0;
        // Until a lender's loss says otherwise (in `close_loans`): a
        // guarantor without loans of its own defaulted on its main bank's
        // client's debt.
        firm.defaulted_with_bank = firm.main_bank;
        rep.tally.borrower_defaults += fm.borrower as u32;
        rep.tally.chain_defaults += fm.chain_default as u32;

        let mut paid = 0.0;
        if shortfall > 0.0 {
            guarantors.clear();
            guarantors.extend(
                rep.groups
                    .members(group)
                    .iter()
                    .map(|&m| m as usize)
                    .filter(|&m| m != i && rep.firms[m].alive && !rep.month[m].defaulted),
            );
            let share = shortfall / guarantors.len().max(1) as f64;
            for &g in &guarantors {
                let cash = &mut rep.firms[g].cash_kusd;
                let pay = cash.min(share);
                *cash -= pay;
                paid += pay;
                if pay < share {
                    let gm = &mut rep.month[g];
                    gm.defaulted = true;
                    gm.chain_default = true;
                    queue.push_back((g, 0.0));
                }
            }
        }
        recovery.guarantee = if guaranteed > 0.0 { paid / guaranteed } else { 0.0 };
        rep.month[i].recovery = rep.recoveries.len() as u32;
        rep.recoveries.push(recovery);
    }
}

/// Loans per parallel task when the loan book is settled.
const LOAN_CHUNK: usize = 8192;

/// A loan that closes this month (its place in its chunk of the loan
/// book): what its lender receives before any guarantee claim, whether it
/// counts as a default, and whether its borrower defaulted (rather than
/// only its buyer).
struct Closing {
    at: u32,
    received: f64,
    defaulted: bool,
    borrower_defaulted: bool,
}

/// Closes every loan that was repaid or defaulted this month, on the
/// lender's books, and lets banks learn from the outcome (their PD tables
/// count default events; recoveries enter prices through the LGD). The
/// guarantee agency pays its share of a guaranteed loan's loss after
/// recoveries.
///
/// What each loan pays depends only on the loan and its borrower's month,
/// so it is worked out in parallel over fixed chunks of the loan book;
/// the closings are then booked one by one in loan-book order, so every
/// bank's, agency's and tally's sum is the same whatever the thread
/// count; last, each chunk keeps its open loans in order, in parallel.
fn close_loans(rep: &mut Replication) {
    let s = rep.scenario;
    let t = rep.t;
    let slots = MAX_TERM_MONTHS as usize + 1;
    let (month, recoveries) = (&rep.month, &rep.recoveries);
    let closing = |at: usize, loan: &Loan| -> Option<Closing> {
        let fm = &month[loan.firm as usize];
        let backing = loan.product.backing();
        let pool = backing as usize;
        let repaid = loan.due == t && fm.paid_due;
        // Read only for a defaulter, which has an entry.
        let recovered = || &recoveries[fm.recovery as usize];
        let received = if !(repaid || fm.defaulted) {
            debug_assert!(loan.due > t, "a loan fell due unpaid without a default");
            return None;
        } else if backing == Backing::Firm {
            if repaid {
                loan.owed
            } else {
                loan.owed * (recovered().own + recovered().guarantee).min(1.0)
            }
        } else if loan.due == t {
            let ratio = fm.pay_ratio[pool];
            let from_firm = if !recourse(s, pool) {
                0.0
            } else if repaid {
                1.0
            } else {
                recovered().own
            };
            loan.owed * (ratio + (1.0 - ratio) * from_firm)
        } else {
            loan.owed * recovered().future_ratio[pool][loan.due as usize % slots]
        };
        // A default is the borrower (or, without recourse, the buyer)
        // failing to pay, whatever is recovered later (the loss is the
        // LGD's business) — except that a receivable-backed loan its
        // receivable repays in full performed.
        let defaulted = if backing == Backing::Firm {
            !repaid
        } else {
            received < loan.owed * (1.0 - 1e-12)
        };
        Some(Closing {
            at: at as u32,
            received,
            defaulted,
            borrower_defaulted: fm.defaulted,
        })
    };
    // The loan book is in the order loans were granted, so each loan's
    // borrower is asked for a few loans ahead.
    let closings: Vec<Vec<Closing>> = rep
        .loans
        .par_chunks(LOAN_CHUNK)
        .map(|loans| {
            let mut closings = Vec::new();
            for (r, loan) in loans.iter().enumerate() {
                if let Some(next) = loans.get(r + 8) {
                    // The outcome of the borrower's month: its first
                    // fields, up to the need (`FirmMonth`).
                    let outcome = std::mem::offset_of!(FirmMonth, need);
                    prefetch(&month[next.firm as usize], outcome);
                }
                closings.extend(closing(r, loan));
            }
            closings
        })
        .collect();

    let mut defaulted_principal = 0.0;
    let (banks, firms, tally, ledger, government, accounts) = (
        &mut rep.banks,
        &mut rep.firms,
        &mut rep.tally,
        &mut rep.ledger,
        &mut rep.government,
        &mut rep.accounts,
    );
    let loans = &rep.loans;
    for (chunk, closings) in closings.iter().enumerate() {
        for c in closings {
            let loan = &loans[chunk * LOAN_CHUNK + c.at as usize];
            let mut received = c.received;
            if loan.guarantee > 0.0 {
                let claim = government.guarantee.release(loan.guarantee, loan.owed, received);
                received += claim;
                ledger.guarantee_claims += claim;
                accounts.guarantee_claims += claim;
                tally.guarantee_claims += claim;
            }
            if loan.bank == EXIM {
                let (interest, lost) = government.exim.close(loan.principal, received);
                accounts.exim_interest += interest;
                accounts.exim_losses += lost;
                ledger.exim_repaid += received;
            } else {
                let bank = &mut banks[loan.bank as usize];
                bank.close_loan(loan.principal, loan.rwa, loan.sme, received);
                bank.onlend_used = (bank.onlend_used - loan.onlent).max(0.0);
                bank.pd.observe(loan.product, loan.bucket as usize, c.defaulted);
                ledger.deposits_repaid += loan.principal;
            }
            if c.defaulted {
                // The NPL ratio is the commercial banks'.
                if loan.bank != EXIM {
                    // The credit record names a lender the firm itself failed
                    // (not a factor whose buyer did not pay).
                    if c.borrower_defaulted {
                        firms[loan.firm as usize].defaulted_with_bank = loan.bank;
                    }
                    defaulted_principal += loan.principal;
                }
                tally.defaulted_principal[loan.product.index()] += loan.principal;
            }
        }
    }
    rep.defaulted_principal_12m[t as usize % 12] = defaulted_principal;

    // Each chunk keeps its open loans at its front, in order; then the
    // chunks close up.
    let kept: Vec<usize> = rep
        .loans
        .par_chunks_mut(LOAN_CHUNK)
        .zip(&closings)
        .map(|(loans, closings)| {
            let mut closing = closings.iter().map(|c| c.at as usize).peekable();
            let mut kept = 0;
            for r in 0..loans.len() {
                if closing.next_if_eq(&r).is_none() {
                    loans[kept] = loans[r];
                    kept += 1;
                }
            }
            kept
        })
        .collect();
    let mut open = 0;
    for (c, kept) in kept.into_iter().enumerate() {
        let first = c * LOAN_CHUNK;
        rep.loans.copy_within(first..first + kept, open);
        open += kept;
    }
    rep.loans.truncate(open);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::firm::NEVER;
    use crate::model::{Groups, Loan, ProductKind};
    use crate::scenario::{BankType, Scenario};

    /// Three firms, one bank, no random operating losses, nothing owed.
    fn scenario() -> Scenario {
        let mut s = Scenario::default();
        s.simulation.firms = 3;
        s.firms.operating_loss.probability_annual = 0.0;
        s.firms.guarantee_groups.share_of_smes = 0.0;
        s.government.regulator.recovery_rate = 0.4;
        s.government.regulator.receivables_recovery_rate = 0.5;
        s.banks.types = vec![BankType {
            count: 1,
            equity_kusd_per_firm: 100.0,
            ..BankType::default()
        }];
        s
    }

    /// Firm 0 is owed receivables due in `due` in one pool: [face value,
    /// what buyers will pay, what its bank is owed on them].
    fn pooled_receivable(rep: &mut Replication, due: u32, backing: Backing, [face, good, owed]: [f64; 3]) {
        rep.firms[0].dues.add_receivable(due, face, good);
        let pool = crate::model::firm::Pool { face, good, owed };
        rep.firms[0]
            .dues
            .book_mut(&mut rep.books[0])
            .set(due, backing, pool);
    }

    /// A loan of bank 0 to an SME: [principal, owed, risk-weighted amount].
    fn test_loan(product: ProductKind, firm: u32, due: u32, amounts: [f64; 3], pledged: f64) -> Loan {
        let [principal, owed, rwa] = amounts;
        Loan {
            principal,
            owed,
            pledged,
            rwa,
            guarantee: 0.0,
            onlent: 0.0,
            firm,
            due,
            bank: 0,
            product,
            bucket: 3,
            sme: true,
        }
    }

    fn quiet(rep: &mut Replication) {
        rep.t = 5;
        for f in &mut rep.firms {
            f.cash_kusd = 0.0;
            f.fixed_assets_kusd = 0.0;
            f.dues = Default::default();
        }
    }

    /// A working-capital loan of 95 principal, 100 owed, due now.
    fn lend(rep: &mut Replication, firm: usize, due: u32, pledged: f64) {
        rep.loans.push(Loan {
            principal: 95.0,
            owed: 100.0,
            pledged,
            rwa: 95.0,
            guarantee: 0.0,
            onlent: 0.0,
            firm: firm as u32,
            due,
            bank: 0,
            product: ProductKind::WorkingCapital,
            bucket: 3,
            sme: true,
        });
        rep.banks[0].book_loan(95.0, 95.0, true);
        rep.month[firm].borrower = true;
        let f = &mut rep.firms[firm];
        f.debt_kusd += 100.0;
        f.debt_general_kusd += 100.0;
        f.pledged_kusd += pledged;
        f.dues.add_loan(due, 100.0, pledged);
    }

    /// Firm 0 owes 100 and has no cash; its 50 of pledged collateral
    /// recovers 20. Guarantors 1 (cash 60) and 2 (cash 30) owe 40 each: 1
    /// pays, 2 pays 30 and defaults in turn. The bank gets 20 + 70 = 90.
    #[test]
    fn guarantee_chain_contagion_by_hand() {
        let s = scenario();
        let mut rep = Replication::new(&s, 0);
        quiet(&mut rep);
        let mut groups = Groups::default();
        for i in 0..3 {
            rep.firms[i].group = groups.join(i as u32, 3);
        }
        rep.groups = groups;
        rep.firms[0].fixed_assets_kusd = 80.0;
        rep.firms[1].cash_kusd = 60.0;
        rep.firms[2].cash_kusd = 30.0;
        lend(&mut rep, 0, 5, 50.0);
        let equity = rep.banks[0].equity;

        settle_receivables_and_loans(&mut rep);

        assert!(rep.month[0].defaulted && !rep.month[0].chain_default);
        assert!(!rep.month[1].defaulted);
        assert!(rep.month[2].defaulted && rep.month[2].chain_default);
        assert_eq!((rep.tally.borrower_defaults, rep.tally.chain_defaults), (1, 1));
        assert!((rep.firms[1].cash_kusd - 20.0).abs() < 1e-12);
        assert_eq!(rep.firms[2].cash_kusd, 0.0);
        assert!((rep.banks[0].equity - (equity + 90.0 - 95.0)).abs() < 1e-9);
        assert!((rep.ledger.collateral_sales - 20.0).abs() < 1e-12);
        let a = &rep.firms[0];
        assert_eq!(
            (a.debt_kusd, a.pledged_kusd, a.months_since_default),
            (0.0, 0.0, 0)
        );
        assert!(
            (a.fixed_assets_kusd - 30.0).abs() < 1e-12,
            "pledged collateral is seized"
        );
        assert!(rep.loans.is_empty());
        assert_eq!((rep.banks[0].loans, rep.banks[0].funding), (0.0, 0.0));
        assert_ne!(rep.firms[1].months_since_default, 0);
        assert_eq!(rep.firms[1].months_since_default, NEVER);
    }

    /// Firm 0 has 30 of cash, owes 100 now and 100 in two months on
    /// working-capital loans (pledges 60 and 40), and owes 40 on an LC
    /// negotiation due next month backed by LC receivables of which 50 will
    /// be paid; buyers will also pay 20 of 25 on open account in three
    /// months. The LC loan recovers all 40 from its LC. Working-capital
    /// claims of 200 meet a pool of 30 cash + half of the 10 LC surplus and
    /// of the 20 receivables (receivables recovery 0.5) + 100·0.4
    /// collateral = 85: each loan recovers 42.5.
    #[test]
    fn default_recovers_cash_collateral_and_assigned_lc_proceeds() {
        let s = scenario();
        let mut rep = Replication::new(&s, 0);
        quiet(&mut rep);
        rep.firms[0].cash_kusd = 30.0;
        rep.firms[0].fixed_assets_kusd = 100.0;
        lend(&mut rep, 0, 5, 60.0);
        lend(&mut rep, 0, 7, 40.0);
        rep.loans.push(test_loan(
            ProductKind::LcNegotiation,
            0,
            6,
            [39.0, 40.0, 7.8],
            0.0,
        ));
        rep.banks[0].book_loan(39.0, 7.8, true);
        rep.firms[0].debt_kusd += 40.0;
        pooled_receivable(&mut rep, 6, Backing::Lc, [60.0, 50.0, 40.0]);
        rep.firms[0].dues.add_receivable(8, 25.0, 20.0);
        let equity = rep.banks[0].equity;

        settle_receivables_and_loans(&mut rep);

        assert!(rep.month[0].defaulted);
        let recovery = rep.recoveries[rep.month[0].recovery as usize];
        assert!((recovery.own - 0.425).abs() < 1e-12);
        // 42.5 + 42.5 on principal 95 each; 40 on principal 39.
        let expected = equity + (42.5 - 95.0) * 2.0 + (40.0 - 39.0);
        assert!((rep.banks[0].equity - expected).abs() < 1e-9);
        assert!(rep.firms[0].cash_kusd.abs() < 1e-12);
        assert_eq!(rep.firms[0].dues.receivables_total(6, &rep.books[0]), 0.0);
        assert!((rep.ledger.buyer_payments - 55.0).abs() < 1e-12);
        assert!((rep.ledger.collateral_sales - 40.0).abs() < 1e-12);
        assert!(rep.loans.is_empty());
    }

    /// Receivables pay the LC loan first, then the firm; a firm with enough
    /// cash repays and releases its collateral.
    #[test]
    fn repayment_from_receipts_releases_collateral() {
        let s = scenario();
        let mut rep = Replication::new(&s, 0);
        quiet(&mut rep);
        rep.firms[1].fixed_assets_kusd = 100.0;
        lend(&mut rep, 1, 5, 60.0);
        rep.firms[1].dues.add_receivable(5, 120.0, 120.0);
        let equity = rep.banks[0].equity;

        settle_receivables_and_loans(&mut rep);

        let f = &rep.firms[1];
        assert!(!rep.month[1].defaulted && rep.month[1].paid_due);
        assert!((f.cash_kusd - 20.0).abs() < 1e-12);
        assert_eq!((f.debt_kusd, f.pledged_kusd), (0.0, 0.0));
        assert!((rep.banks[0].equity - (equity + 5.0)).abs() < 1e-9);
        assert!(rep.loans.is_empty());
    }

    /// Insured receivables of 100 fall due; buyers pay 60, the insurer
    /// owes 90 % of the other 40 = 36. A bank that lent 80 against them is
    /// paid 60 + 20 now; the firm's 16 arrives after the 4-month delay.
    #[test]
    fn the_insurer_pays_the_bank_now_and_the_firm_after_the_delay() {
        let mut s = scenario();
        s.government.insurance.indemnity_share = 0.9;
        s.government.insurance.claim_delay_months = 4;
        let mut rep = Replication::new(&s, 0);
        quiet(&mut rep);
        rep.loans.push(test_loan(
            ProductKind::InsuranceBacked,
            0,
            5,
            [78.0, 80.0, 20.0],
            0.0,
        ));
        rep.banks[0].book_loan(78.0, 20.0, true);
        rep.firms[0].debt_kusd = 80.0;
        pooled_receivable(&mut rep, 5, Backing::Insured, [100.0, 60.0, 80.0]);
        let equity = rep.banks[0].equity;

        settle_receivables_and_loans(&mut rep);

        assert!(!rep.month[0].defaulted && rep.month[0].paid_due);
        assert!(
            (rep.banks[0].equity - (equity + 2.0)).abs() < 1e-9,
            "repaid in full"
        );
        assert!((rep.ledger.insurance_indemnities - 20.0).abs() < 1e-12);
        assert!((rep.accounts.insurance_claims - 20.0).abs() < 1e-12);
        assert_eq!(rep.firms[0].cash_kusd, 0.0);
        assert!((rep.firms[0].dues.slot(9, &rep.books[0]).indemnity - 16.0).abs() < 1e-12);
        assert_eq!(rep.firms[0].debt_kusd, 0.0);

        // Four months on, the insurer pays the firm.
        rep.t = 9;
        rep.ledger = Default::default();
        rep.accounts = Default::default();
        rep.month[0] = Default::default();
        settle_receivables_and_loans(&mut rep);
        assert!((rep.firms[0].cash_kusd - 16.0).abs() < 1e-12);
        assert!((rep.accounts.insurance_claims - 16.0).abs() < 1e-12);
        assert_eq!(rep.firms[0].dues.receivables_total(10, &rep.books[0]), 0.0);
    }

    /// Without recourse, a factoring loan's shortfall is the bank's loss
    /// and the firm does not default; with recourse the firm pays it.
    #[test]
    fn factoring_without_recourse_leaves_the_buyer_risk_with_the_bank() {
        for recourse in [false, true] {
            let mut s = scenario();
            s.banks.products.factoring.recourse = recourse;
            let mut rep = Replication::new(&s, 0);
            quiet(&mut rep);
            rep.firms[0].cash_kusd = 50.0;
            rep.loans
                .push(test_loan(ProductKind::Factoring, 0, 5, [39.0, 40.0, 39.0], 0.0));
            rep.banks[0].book_loan(39.0, 39.0, true);
            rep.firms[0].debt_kusd = 40.0;
            pooled_receivable(&mut rep, 5, Backing::Open, [50.0, 30.0, 40.0]);
            let equity = rep.banks[0].equity;
            settle_receivables_and_loans(&mut rep);
            assert!(!rep.month[0].defaulted);
            let (bank_gain, cash) = if recourse {
                (1.0, 40.0)
            } else {
                (30.0 - 39.0, 50.0)
            };
            assert!(
                (rep.banks[0].equity - equity - bank_gain).abs() < 1e-9,
                "recourse {recourse}"
            );
            assert!(
                (rep.firms[0].cash_kusd - cash).abs() < 1e-9,
                "recourse {recourse}"
            );
            assert_eq!(rep.firms[0].debt_kusd, 0.0);
        }
    }
}
