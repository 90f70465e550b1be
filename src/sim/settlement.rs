//! Phase 7 — settlement: receivables, operating losses, loan repayment,
//! default, recovery and guarantee-chain contagion.

use std::collections::VecDeque;

use crate::math::exp;
use crate::model::firm::{MAX_TENOR_MONTHS, MAX_TERM_MONTHS};

use super::rng::{Draw, Purpose};
use super::state::Replication;

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
/// the firm's cash and collateral × the legal recovery rate, shared pro
/// rata, and LC proceeds on LC-backed loans. The rest of a working-capital
/// loan is claimed from the other members of the firm's guarantee group in
/// equal shares; a guarantor that cannot pay its share defaults in turn
/// (guarantee-chain contagion, Zhejiang 2011–12).
pub fn settle_receivables_and_loans(rep: &mut Replication) {
    collect_and_repay(rep);
    resolve_defaults(rep);
    close_loans(rep);
}

fn collect_and_repay(rep: &mut Replication) {
    let s = rep.scenario;
    let t = rep.t;
    let w = &rep.world;
    let loss = &s.firms.operating_loss;
    for (i, (firm, fm)) in rep.firms.iter_mut().zip(rep.month.iter_mut()).enumerate() {
        if !firm.alive {
            continue;
        }
        let slot = firm.dues.take(t);
        let lc_to_bank = slot.lc_good.min(slot.lc_owed);
        let recourse = slot.lc_owed - lc_to_bank;
        fm.lc_pay_ratio = if slot.lc_owed > 0.0 {
            lc_to_bank / slot.lc_owed
        } else {
            1.0
        };
        firm.cash_kusd += slot.good - lc_to_bank;
        rep.ledger.buyer_payments += slot.good;

        if !firm.closing {
            let sales = firm.expected_sales(w.domestic_demand, w.foreign_demand);
            let z = firm.true_quality(&s.firms.credit_quality, w.domestic_demand, w.foreign_demand);
            let p = (rep.setup.operating_loss_monthly * exp(-loss.score_elasticity * z)).min(0.5);
            let mut rng = rep.streams.rng(t, i as u64, Purpose::OperatingLoss);
            if rng.bernoulli(p) {
                let paid = firm.cash_kusd.min(loss.size_months * sales);
                firm.cash_kusd -= paid;
                rep.ledger.operating_losses += paid;
            }
        }

        let owed_now = fm.due_general + recourse;
        // A rounding error's worth of cash must not turn into a default.
        if firm.cash_kusd >= owed_now - 1e-9 * (1.0 + owed_now) {
            firm.cash_kusd = (firm.cash_kusd - owed_now).max(0.0);
            firm.debt_kusd -= fm.due_general + slot.lc_owed;
            firm.debt_general_kusd -= fm.due_general;
            firm.pledged_kusd -= fm.due_pledged;
            clean(&mut firm.debt_kusd);
            clean(&mut firm.debt_general_kusd);
            clean(&mut firm.pledged_kusd);
            fm.paid_due = true;
        } else {
            fm.defaulted = true;
            fm.recourse = recourse;
        }
    }
}

/// Rounding leaves tiny positive or negative remainders on stocks that
/// should be zero.
fn clean(x: &mut f64) {
    if x.abs() < 1e-9 {
        *x = 0.0;
    }
}

fn resolve_defaults(rep: &mut Replication) {
    let recovery_rate = rep.scenario.government.regulator.recovery_rate;
    let t = rep.t;
    let mut queue: VecDeque<usize> = (0..rep.firms.len()).filter(|&i| rep.month[i].defaulted).collect();
    while let Some(i) = queue.pop_front() {
        let firm = &mut rep.firms[i];
        let fm = &mut rep.month[i];
        // What the firm still owes on LC-backed loans due now beyond their
        // LC proceeds joins its general claims.
        let recourse = if fm.paid_due { 0.0 } else { fm.recourse };
        // Every receivable is collected now: LC proceeds go first to the
        // LC-backed loans they were assigned to, the rest joins the pool
        // for the other creditors.
        for due in t + 1..=t + MAX_TENOR_MONTHS {
            let slot = firm.dues.take(due);
            let to_bank = slot.lc_good.min(slot.lc_owed);
            if due <= t + MAX_TERM_MONTHS {
                fm.lc_future_ratio[due as usize % (MAX_TERM_MONTHS as usize + 1)] = if slot.lc_owed > 0.0 {
                    to_bank / slot.lc_owed
                } else {
                    1.0
                };
            }
            rep.ledger.buyer_payments += slot.good;
            firm.cash_kusd += slot.good - to_bank;
        }
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
        fm.own_recovery = own;

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
            let guarantors: Vec<usize> = rep
                .groups
                .members(group)
                .iter()
                .map(|&m| m as usize)
                .filter(|&m| m != i && rep.firms[m].alive && !rep.month[m].defaulted)
                .collect();
            let share = shortfall / guarantors.len().max(1) as f64;
            for g in guarantors {
                let cash = &mut rep.firms[g].cash_kusd;
                let pay = cash.min(share);
                *cash -= pay;
                paid += pay;
                if pay < share {
                    let gm = &mut rep.month[g];
                    gm.defaulted = true;
                    gm.chain_default = true;
                    queue.push_back(g);
                }
            }
        }
        rep.month[i].guarantee_recovery = if guaranteed > 0.0 { paid / guaranteed } else { 0.0 };
    }
}

/// Closes every loan that was repaid or defaulted this month, on the
/// bank's books, and lets banks learn from the outcome (their PD tables
/// count default events; recoveries enter prices through the LGD).
fn close_loans(rep: &mut Replication) {
    let t = rep.t;
    let slots = MAX_TERM_MONTHS as usize + 1;
    let mut defaulted_principal = 0.0;
    let (banks, firms, month, tally, ledger) = (
        &mut rep.banks,
        &mut rep.firms,
        &rep.month,
        &mut rep.tally,
        &mut rep.ledger,
    );
    rep.loans.retain(|loan| {
        let fm = &month[loan.firm as usize];
        let received = if loan.due == t && fm.paid_due {
            loan.owed
        } else if fm.defaulted {
            let share = if !loan.product.is_lc_backed() {
                (fm.own_recovery + fm.guarantee_recovery).min(1.0)
            } else if loan.due == t {
                fm.lc_pay_ratio + (1.0 - fm.lc_pay_ratio) * fm.own_recovery
            } else {
                fm.lc_future_ratio[loan.due as usize % slots]
            };
            loan.owed * share
        } else {
            debug_assert!(loan.due > t, "a loan fell due unpaid without a default");
            return true;
        };
        // A default is the borrower failing to pay, whatever is recovered
        // later (the loss is the LGD's business) — except that an LC-backed
        // loan its LC repays in full performed.
        let defaulted = fm.defaulted
            && !(loan.due == t && fm.paid_due)
            && (!loan.product.is_lc_backed() || received < loan.owed * (1.0 - 1e-12));
        let bank = &mut banks[loan.bank as usize];
        bank.close_loan(loan.principal, loan.rwa, loan.sme, received);
        bank.pd.observe(loan.product, loan.bucket as usize, defaulted);
        ledger.deposits_repaid += loan.principal;
        if defaulted {
            firms[loan.firm as usize].defaulted_with_bank = loan.bank;
            defaulted_principal += loan.principal;
            tally.defaulted_principal[loan.product.index()] += loan.principal;
        }
        false
    });
    rep.defaulted_principal_12m[t as usize % 12] = defaulted_principal;
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
        s.banks.types = vec![BankType {
            count: 1,
            equity_kusd_per_firm: 100.0,
            ..BankType::default()
        }];
        s
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
        let slot = f.dues.slot_mut(due);
        slot.loan_owed += 100.0;
        slot.loan_pledged += pledged;
        if due == rep.t {
            rep.month[firm].due_general += 100.0;
            rep.month[firm].due_pledged += pledged;
        }
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
    /// claims of 200 meet a pool of 30 cash + 10 LC surplus + 20 receivables
    /// + 100·0.4 collateral = 100: each loan recovers 50.
    #[test]
    fn default_recovers_cash_collateral_and_assigned_lc_proceeds() {
        let s = scenario();
        let mut rep = Replication::new(&s, 0);
        quiet(&mut rep);
        rep.firms[0].cash_kusd = 30.0;
        rep.firms[0].fixed_assets_kusd = 100.0;
        lend(&mut rep, 0, 5, 60.0);
        lend(&mut rep, 0, 7, 40.0);
        rep.loans.push(Loan {
            principal: 39.0,
            owed: 40.0,
            pledged: 0.0,
            rwa: 7.8,
            firm: 0,
            due: 6,
            bank: 0,
            product: ProductKind::LcNegotiation,
            bucket: 3,
            sme: true,
        });
        rep.banks[0].book_loan(39.0, 7.8, true);
        rep.firms[0].debt_kusd += 40.0;
        let slot = rep.firms[0].dues.slot_mut(6);
        slot.face = 60.0;
        slot.good = 50.0;
        slot.lc_face = 60.0;
        slot.lc_good = 50.0;
        slot.lc_owed = 40.0;
        let later = rep.firms[0].dues.slot_mut(8);
        later.face = 25.0;
        later.good = 20.0;
        let equity = rep.banks[0].equity;

        settle_receivables_and_loans(&mut rep);

        assert!(rep.month[0].defaulted);
        assert!((rep.month[0].own_recovery - 0.5).abs() < 1e-12);
        // 50 + 50 on principal 95 each; 40 on principal 39.
        let expected = equity + (50.0 - 95.0) * 2.0 + (40.0 - 39.0);
        assert!((rep.banks[0].equity - expected).abs() < 1e-9);
        assert!(rep.firms[0].cash_kusd.abs() < 1e-12);
        assert_eq!(rep.firms[0].dues.receivables_total(), 0.0);
        assert!((rep.ledger.buyer_payments - 70.0).abs() < 1e-12);
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
        let slot = rep.firms[1].dues.slot_mut(5);
        slot.face = 120.0;
        slot.good = 120.0;
        let equity = rep.banks[0].equity;

        settle_receivables_and_loans(&mut rep);

        let f = &rep.firms[1];
        assert!(!rep.month[1].defaulted && rep.month[1].paid_due);
        assert!((f.cash_kusd - 20.0).abs() < 1e-12);
        assert_eq!((f.debt_kusd, f.pledged_kusd), (0.0, 0.0));
        assert!((rep.banks[0].equity - (equity + 5.0)).abs() < 1e-9);
        assert!(rep.loans.is_empty());
    }
}
