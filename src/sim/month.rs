//! One month, in order (DESIGN.md §4). The order of these calls is the model.

use crate::metrics::{self, Tally, Value};

use super::ledger::Ledger;
use super::rng::Purpose;
use super::state::{FirmMonth, Replication};
use super::{banks, credit_market, dynamics, financing, government, orders, production, settlement};

/// Simulates month `rep.t` and returns its metrics.
pub fn step(rep: &mut Replication) -> Vec<(&'static str, Value)> {
    open_month(rep);
    advance_world(rep); //                                  1. world
    orders::firms_receive_orders(rep); //                   2. orders
    financing::firms_assess_need(rep); //                   3. financing need
    financing::firms_decide_to_apply(rep); //               4. applications
    credit_market::banks_screen_and_lend(rep); //           5. screening, credit market
    production::firms_produce_and_ship(rep); //             6. production, shipment
    settlement::settle_receivables_and_loans(rep); //       7. settlement, default, contagion
    dynamics::firms_grow_enter_and_exit(rep); //            8. firm dynamics
    banks::banks_close_books(rep); //                       9. banks
    government::government_acts(rep); //                   10. government (the regulator's
    //                                                         rules apply in 5 and 7)
    let values = metrics::measure(rep); //                 11. metrics
    rep.t += 1;
    values
}

/// Clears the month's scratch and notes what falls due: working-capital
/// loans due per firm, borrowers, and outstanding principal per product.
fn open_month(rep: &mut Replication) {
    rep.tally = Tally::default();
    rep.ledger = Ledger::default();
    rep.accounts = Default::default();
    let t = rep.t;
    for (firm, fm) in rep.firms.iter().zip(rep.month.iter_mut()) {
        *fm = FirmMonth::default();
        let due = firm.dues.slot(t);
        fm.due_general = due.loan_owed;
        fm.due_pledged = due.loan_pledged;
        fm.borrower = firm.alive && firm.debt_kusd > 0.0;
        rep.tally.borrowers += fm.borrower as u32;
    }
    for loan in &rep.loans {
        rep.tally.outstanding_principal[loan.product.index()] += loan.principal;
    }
}

/// Phase 1: demand, exchange rate, rates and buyer risk move, and the
/// scenario's shocks apply. Month 0 is the initial world.
fn advance_world(rep: &mut Replication) {
    if rep.t > 0 {
        let mut rng = rep.streams.rng(rep.t, 0, Purpose::World);
        rep.world.advance(rep.scenario, rep.t, &mut rng);
    }
}
