//! Checks that money is conserved and every balance sheet balances.
//!
//! Money (firms' cash plus banks' reserves) changes only through the
//! ledger's external flows; each bank satisfies `reserves + loans = funding
//! + equity`; the loan book agrees with both banks' and firms' records.

use crate::model::firm::MAX_TENOR_MONTHS;
use crate::model::loan::EXIM;

use super::state::Replication;

/// The money stock before a month, to compare with after.
pub fn money(rep: &Replication) -> f64 {
    rep.firms.iter().map(|f| f.cash_kusd).sum::<f64>() + rep.banks.iter().map(|b| b.reserves).sum::<f64>()
}

/// Everything wrong after a month that started with `money_before`.
pub fn audit(rep: &Replication, money_before: f64) -> Vec<String> {
    let mut problems = Vec::new();
    let month = rep.t.saturating_sub(1);
    let scale = 1.0 + rep.ledger.gross() + money_before.abs();
    let change = money(rep) - money_before;
    let flows = rep.ledger.net_inflow();
    if (change - flows).abs() > 1e-9 * scale {
        problems.push(format!(
            "month {month}: money changed by {change} but external flows sum to {flows}"
        ));
    }

    let tol = |x: f64| 1e-9 * (1.0 + x.abs());
    let mut principal = vec![0.0; rep.banks.len()];
    let mut onlent = vec![0.0; rep.banks.len()];
    let mut exim = 0.0;
    let mut guaranteed = 0.0;
    let mut owed = vec![0.0; rep.firms.len()];
    let mut owed_general = vec![0.0; rep.firms.len()];
    let mut pledged = vec![0.0; rep.firms.len()];
    // Loans on the firm's own credit owed by (firm, month due), against the
    // firms' due books.
    let mut due_book: std::collections::BTreeMap<(u32, u32), f64> = Default::default();
    for loan in &rep.loans {
        if !loan.product.receivable_backed() {
            *due_book.entry((loan.firm, loan.due)).or_default() += loan.owed;
        }
        if loan.bank == EXIM {
            exim += loan.principal;
        } else {
            principal[loan.bank as usize] += loan.principal;
            onlent[loan.bank as usize] += loan.onlent;
        }
        guaranteed += loan.guarantee * loan.owed;
        owed[loan.firm as usize] += loan.owed;
        pledged[loan.firm as usize] += loan.pledged;
        if !loan.product.receivable_backed() {
            owed_general[loan.firm as usize] += loan.owed;
        }
        if loan.due <= month {
            problems.push(format!(
                "month {month}: loan of firm {} due {} still open",
                loan.firm, loan.due
            ));
        }
        if !rep.firms[loan.firm as usize].alive {
            problems.push(format!(
                "month {month}: firm {} exited with a loan open",
                loan.firm
            ));
        }
    }
    let g = &rep.government;
    for (what, books, loans) in [
        ("Exim loans", g.exim.outstanding, exim),
        ("guarantees", g.guarantee.outstanding, guaranteed),
    ] {
        if (books - loans).abs() > tol(loans) {
            problems.push(format!(
                "month {month}: {what} outstanding are {books}, the loan book says {loans}"
            ));
        }
    }
    for (b, bank) in rep.banks.iter().enumerate() {
        if (bank.onlend_used - onlent[b]).abs() > tol(onlent[b])
            || bank.onlend_used > bank.onlend_limit + tol(bank.onlend_limit)
        {
            problems.push(format!(
                "month {month}: bank {b} uses {} of on-lent funds (limit {}), the loan book says {}",
                bank.onlend_used, bank.onlend_limit, onlent[b]
            ));
        }
        let gap = bank.reserves + bank.loans - bank.funding - bank.equity;
        if gap.abs() > tol(bank.funding + bank.equity.abs()) {
            problems.push(format!("month {month}: bank {b} balance sheet off by {gap}"));
        }
        if (bank.loans - principal[b]).abs() > tol(bank.loans) {
            problems.push(format!(
                "month {month}: bank {b} books {} of loans, the loan book says {}",
                bank.loans, principal[b]
            ));
        }
        for (what, x) in [
            ("equity", bank.equity),
            ("reserves", bank.reserves),
            ("rwa", bank.rwa),
        ] {
            if !x.is_finite() {
                problems.push(format!("month {month}: bank {b} {what} is {x}"));
            }
        }
    }
    for (i, f) in rep.firms.iter().enumerate() {
        for due in month + 1..=month + MAX_TENOR_MONTHS {
            let booked = due_book.get(&(i as u32, due)).copied().unwrap_or(0.0);
            let noted = f.dues.loan_owed(due);
            if (booked - noted).abs() > tol(booked) {
                problems.push(format!(
                    "month {month}: firm {i} owes {booked} due {due}, its due book says {noted}"
                ));
            }
        }
        // Stocks that cannot be negative.
        for (what, x) in [
            ("cash", f.cash_kusd),
            ("capacity", f.capacity_kusd),
            ("fixed assets", f.fixed_assets_kusd),
        ] {
            if !x.is_finite() || x < -tol(x) {
                problems.push(format!("month {month}: firm {i} {what} = {x}"));
            }
        }
        // The firm's records against the loan book.
        for (what, recorded, booked) in [
            ("debt", f.debt_kusd, owed[i]),
            ("working-capital debt", f.debt_general_kusd, owed_general[i]),
            ("pledged collateral", f.pledged_kusd, pledged[i]),
        ] {
            let agree = (recorded - booked).abs() <= tol(booked);
            if !agree {
                problems.push(format!(
                    "month {month}: firm {i} {what} is {recorded}, the loan book says {booked}"
                ));
            }
        }
        if f.pledged_kusd > f.fixed_assets_kusd + tol(f.fixed_assets_kusd) {
            problems.push(format!(
                "month {month}: firm {i} pledged {} of {} fixed assets",
                f.pledged_kusd, f.fixed_assets_kusd
            ));
        }
    }
    problems
}
