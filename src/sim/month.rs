//! One month, in order (DESIGN.md §4). The order of these calls is the model.

use std::time::Instant;

use crate::cancel::Cancel;
use crate::metrics::{self, Tally, Value};

use super::ledger::Ledger;
use super::parallel::{Sums, sum_over_firms};
use super::profile::Profile;
use super::rng::Purpose;
use super::state::{FirmMonth, Replication};
use super::{banks, credit_market, dynamics, financing, government, orders, production, settlement};

/// One phase: a function over the replication's state.
pub type Phase = fn(&mut Replication);

/// The phases of one month, in order (DESIGN.md §4). The order of this
/// list is the model; metrics (11) are taken after it.
pub const PHASES: [(&str, Phase); 11] = [
    ("open month", open_month),
    ("1 world", advance_world),
    ("2 orders", orders::firms_receive_orders),
    ("3 need", financing::firms_assess_need),
    ("4 applications", financing::firms_decide_to_apply),
    ("5 credit market", credit_market::banks_screen_and_lend), // with guarantees, Exim, insurance
    ("6 production", production::firms_produce_and_ship),
    ("7 settlement", settlement::settle_receivables_and_loans), // default, contagion
    ("8 dynamics", dynamics::firms_grow_enter_and_exit),
    ("9 banks", banks::banks_close_books),
    ("10 government", government::government_acts), // the regulator's rules apply in 5 and 7
];

/// Simulates month `rep.t` and returns its metrics.
pub fn step(rep: &mut Replication) -> Vec<(&'static str, Value)> {
    step_profiled(rep, &mut Profile::default(), &Cancel::new()).expect("nobody can cancel this month")
}

/// `step`, adding the wall time of each phase to `profile`, and checking
/// `cancel` before each phase: `None` if it stopped (the month is then
/// half done, and the replication must be dropped).
pub fn step_profiled(
    rep: &mut Replication,
    profile: &mut Profile,
    cancel: &Cancel,
) -> Option<Vec<(&'static str, Value)>> {
    for (name, phase) in PHASES {
        if cancel.is_requested() {
            return None;
        }
        let started = Instant::now();
        phase(rep);
        profile.add(name, started.elapsed());
    }
    let started = Instant::now();
    let values = metrics::measure(rep); //                 11. metrics
    profile.add("11 metrics", started.elapsed());
    profile.firm_months += rep.initial_firms as u64;
    rep.t += 1;
    Some(values)
}

/// Clears the month's scratch and notes what falls due: working-capital
/// loans due per firm, borrowers, and outstanding principal per product.
fn open_month(rep: &mut Replication) {
    rep.tally = Tally::default();
    rep.ledger = Ledger::default();
    rep.accounts = Default::default();
    let t = rep.t;
    let borrowers = sum_over_firms(
        &mut rep.firms,
        &mut rep.month,
        |_, firm, fm, borrowers: &mut Count| {
            *fm = FirmMonth::default();
            fm.due_general = firm.dues.loan_owed(t);
            fm.due_pledged = firm.dues.loan_pledged(t);
            fm.borrower = firm.alive && firm.debt_kusd > 0.0;
            borrowers.0 += fm.borrower as u32;
        },
    );
    rep.tally.borrowers = borrowers.0;
    for loan in &rep.loans {
        rep.tally.outstanding_principal[loan.product.index()] += loan.principal;
    }
}

/// A number of firms.
#[derive(Default)]
struct Count(u32);

impl Sums for Count {
    fn add(&mut self, later: Self) {
        self.0 += later.0;
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
