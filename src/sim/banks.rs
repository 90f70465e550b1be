//! Phase 9 — banks close their books.

use super::state::Replication;

/// Banks pay for their funding, forget old default observations, are
/// recapitalised if they failed, and pay dividends above their capital
/// target.
///
/// Reads: bank books, deposit rate. Writes: bank equity and reserves;
/// tallies recapitalisation.
///
/// Rule: funding cost `(deposit rate + spread)/12 × deposits` and `on-lending
/// rate/12 × on-lent funds`; a bank with
/// negative equity is recapitalised by the state to `recapitalisation_share
/// × initial equity`; equity above `max(initial equity, (1 + headroom) ×
/// required ratio × RWA)` is paid out at `dividend_payout_share` a month.
/// Interest income, handling costs and losses were booked when loans were
/// made and closed.
pub fn banks_close_books(rep: &mut Replication) {
    let s = rep.scenario;
    let b = &s.banks;
    let required = s.government.regulator.min_capital_ratio;
    for bank in &mut rep.banks {
        let bt = &b.types[bank.bank_type];
        // On-lent funds cost the on-lending rate, paid to the Exim bank;
        // the rest is deposits.
        let deposits = (bank.funding - bank.onlend_used).max(0.0);
        let interest = deposits * (rep.world.deposit_rate + bt.funding_spread_annual) / 12.0;
        bank.pay(interest);
        rep.ledger.funding_interest += interest;
        let on_lending = bank.onlend_used * s.government.exim.on_lending.rate_annual / 12.0;
        bank.pay(on_lending);
        rep.ledger.on_lending_interest += on_lending;
        rep.accounts.on_lending_interest += on_lending;
        bank.pd.decay(rep.setup.pd_keep);

        if bank.equity < 0.0 {
            let injection = b.recapitalisation_share * bank.initial_equity - bank.equity;
            bank.receive_capital(injection);
            rep.ledger.recapitalisation += injection;
            rep.tally.recapitalisation += injection;
            rep.accounts.recapitalisation += injection;
        }
        let target = bank
            .initial_equity
            .max((1.0 + b.capital_target_headroom) * (required + bt.capital_buffer) * bank.rwa);
        if bank.equity > target {
            let dividend = b.dividend_payout_share * (bank.equity - target);
            bank.pay(dividend);
            rep.ledger.bank_dividends += dividend;
        }
    }
}
