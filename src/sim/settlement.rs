//! Phase 7 — settlement: receivables, operating losses, loan repayment,
//! default, recovery and guarantee-chain contagion.

use std::collections::VecDeque;

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
            let z = firm.credit_quality(&s.firms.credit_quality, sales * (1.0 - firm.margin), sales);
            let p = (rep.setup.operating_loss_monthly * (-loss.score_elasticity * z).exp()).min(0.5);
            let mut rng = rep.streams.rng(t, i as u64, Purpose::OperatingLoss);
            if rng.bernoulli(p) {
                let paid = firm.cash_kusd.min(loss.size_months * sales);
                firm.cash_kusd -= paid;
                rep.ledger.operating_losses += paid;
                rep.tally.operating_losses += 1;
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

        // LC receivables assigned to banks are collected by them now; every
        // loan is settled now, so nothing stays due.
        for due in t + 1..=t + MAX_TENOR_MONTHS {
            let slot = firm.dues.slot_mut(due);
            slot.loan_owed = 0.0;
            slot.loan_pledged = 0.0;
            if due > t + MAX_TERM_MONTHS {
                continue;
            }
            let ratio = &mut fm.lc_future_ratio[due as usize % (MAX_TERM_MONTHS as usize + 1)];
            *ratio = 1.0;
            if slot.lc_owed > 0.0 {
                let to_bank = slot.lc_good.min(slot.lc_owed);
                *ratio = to_bank / slot.lc_owed;
                rep.ledger.buyer_payments += slot.lc_good;
                firm.cash_kusd += slot.lc_good - to_bank;
                slot.face -= slot.lc_face;
                slot.good -= slot.lc_good;
                slot.lc_face = 0.0;
                slot.lc_good = 0.0;
                slot.lc_owed = 0.0;
            }
        }

        let guaranteed = firm.debt_general_kusd;
        let shortfall = (1.0 - own) * guaranteed;
        let group = firm.group;
        firm.debt_kusd = 0.0;
        firm.debt_general_kusd = 0.0;
        firm.months_since_default = 0;
        firm.defaulted_with_bank = firm.main_bank;
        rep.tally.firm_defaults += 1;
        if fm.chain_default {
            rep.tally.chain_defaults += 1;
        }

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
/// bank's books, and lets banks learn from the outcome.
fn close_loans(rep: &mut Replication) {
    let t = rep.t;
    let slots = MAX_TERM_MONTHS as usize + 1;
    let mut defaulted_principal = 0.0;
    let (banks, month, tally, ledger) = (&mut rep.banks, &rep.month, &mut rep.tally, &mut rep.ledger);
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
        let defaulted = received < loan.owed * (1.0 - 1e-12);
        let bank = &mut banks[loan.bank as usize];
        bank.close_loan(loan.principal, loan.rwa, loan.sme, received);
        bank.pd.observe(loan.product, loan.bucket as usize, defaulted);
        ledger.deposits_repaid += loan.principal;
        if defaulted {
            defaulted_principal += loan.principal;
            tally.defaulted_principal[loan.product.index()] += loan.principal;
        }
        false
    });
    rep.defaulted_principal_12m[t as usize % 12] = defaulted_principal;
}
