//! One month, in order (DESIGN.md §4). The order of these calls is the model.

use std::time::{Duration, Instant};

use crate::cancel::Cancel;
use crate::metrics::{self, Tally, Value};

use super::ledger::Ledger;
use super::parallel::{FirmPhase, MAX_TOGETHER, Slot, Sums, run_alone, run_together};
use super::profile::Profile;
use super::rng::Purpose;
use super::state::{CreditMonth, FirmMonth, Replication};
use super::{banks, credit_market, dynamics, financing, government, orders, production, settlement};

/// One phase: a function over the replication's state.
pub type Phase = fn(&mut Replication);

/// The phases of one month, in order (DESIGN.md §4). The order of this
/// list is the model; metrics (11) are taken after it. `step` runs the
/// per-firm work of the opening and phases 2–4, and of the end of 5, 6
/// and the start of 7, together (`open_and_plan`,
/// `lend_produce_and_collect`); called one by one, as listed here, the
/// phases do the same.
pub const PHASES: [(&str, Phase); 11] = [
    (OPEN, open_month),
    (WORLD, advance_world),
    (ORDERS, orders::firms_receive_orders),
    (NEED, financing::firms_assess_need),
    (APPLICATIONS, financing::firms_decide_to_apply),
    (CREDIT_MARKET, credit_market::banks_screen_and_lend), // with guarantees, Exim, insurance
    (PRODUCTION, production::firms_produce_and_ship),
    (SETTLEMENT, settlement::settle_receivables_and_loans), // default, contagion
    ("8 dynamics", dynamics::firms_grow_enter_and_exit),
    ("9 banks", banks::banks_close_books),
    ("10 government", government::government_acts), // the regulator's rules apply in 5 and 7
];

const OPEN: &str = "open month";
const WORLD: &str = "1 world";
const ORDERS: &str = "2 orders";
const NEED: &str = "3 need";
const APPLICATIONS: &str = "4 applications";
const CREDIT_MARKET: &str = "5 credit market";
const PRODUCTION: &str = "6 production";
const SETTLEMENT: &str = "7 settlement";

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
    rep.streams = rep.streams.for_month(rep.t);
    let together: [fn(&mut Replication, &mut Profile); 2] = [open_and_plan, lend_produce_and_collect];
    for run in together {
        if cancel.is_requested() {
            return None;
        }
        run(rep, profile);
    }
    for (name, phase) in &PHASES[8..] {
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

/// The opening and phases 1–4, as `PHASES` lists them, with the firms'
/// part of the opening and phases 2–4 run together block by block
/// (`parallel::run_together`), so that each firm is read from memory once
/// for the four instead of four times. Phase 1 moves the world and
/// touches no firm, and the opening's firm part does not read the world,
/// so running it first changes nothing.
///
/// The four's wall time is shared out in the profile in proportion to
/// the time the threads spent in each.
fn open_and_plan(rep: &mut Replication, profile: &mut Profile) {
    let started = Instant::now();
    open_books(rep);
    let opened = started.elapsed();
    let started = Instant::now();
    advance_world(rep);
    let world = started.elapsed();

    let started = Instant::now();
    let (shared, firms, credit, month, books) = rep.split();
    let phases = (
        &OpenFirm,
        &orders::Orders(shared),
        &financing::Need(shared),
        &financing::Applications(shared),
    );
    let ((borrowers, order_sums, (), need_sums), spent) = run_together(firms, credit, month, books, phases);
    rep.tally.borrowers = borrowers.0;
    order_sums.record(rep);
    need_sums.record(rep);
    let shares = shared_out(started.elapsed(), &spent);
    profile.add(OPEN, opened + shares[0]);
    profile.add(WORLD, world);
    profile.add(ORDERS, shares[1]);
    profile.add(NEED, shares[2]);
    profile.add(APPLICATIONS, shares[3]);
}

/// Phases 5–7, as `PHASES` lists them, with the firms' part of the end of
/// 5 (learning from the outcome), 6 and the start of 7 (collections and
/// repayments) run together block by block (`parallel::run_together`).
/// Before them the banks lend, serving firms in their own order; after
/// them defaults are resolved and spread, and loans close.
fn lend_produce_and_collect(rep: &mut Replication, profile: &mut Profile) {
    let started = Instant::now();
    credit_market::banks_lend(rep);
    let lent = started.elapsed();

    let started = Instant::now();
    let (shared, firms, credit, month, books) = rep.split();
    let phases = (
        &credit_market::Learning(shared),
        &production::Production(shared),
        &settlement::Collection(shared),
    );
    let ((outcomes, produced, collected), spent) = run_together(firms, credit, month, books, phases);
    outcomes.record(rep);
    produced.record(rep);
    let defaulters = collected.record(rep);
    let shares = shared_out(started.elapsed(), &spent);

    let started = Instant::now();
    settlement::settle_defaults_and_loans(rep, defaulters);
    let settled = started.elapsed();
    profile.add(CREDIT_MARKET, lent + shares[0]);
    profile.add(PRODUCTION, shares[1]);
    profile.add(SETTLEMENT, shares[2] + settled);
}

/// The wall time of phases run together, shared out in proportion to
/// the time threads spent in each.
fn shared_out(wall: Duration, spent: &[Duration; MAX_TOGETHER]) -> [Duration; MAX_TOGETHER] {
    let threads: f64 = spent.iter().map(Duration::as_secs_f64).sum();
    if threads <= 0.0 {
        return [Duration::ZERO; MAX_TOGETHER];
    }
    spent.map(|d| wall.mul_f64(d.as_secs_f64() / threads))
}

/// Clears the month's scratch and notes borrowers and outstanding
/// principal per product.
fn open_month(rep: &mut Replication) {
    open_books(rep);
    let borrowers = run_alone(rep, |_| OpenFirm);
    rep.tally.borrowers = borrowers.0;
}

/// The opening's part that touches no firm: the month's tally and ledger
/// start empty, and outstanding principal per product is noted.
fn open_books(rep: &mut Replication) {
    rep.tally = Tally::default();
    rep.ledger = Ledger::default();
    rep.accounts = Default::default();
    for loan in &rep.loans {
        rep.tally.outstanding_principal[loan.product.index()] += loan.principal;
    }
}

/// The opening's part for one firm: its month's scratch cleared, and
/// whether it borrows counted.
struct OpenFirm;

impl FirmPhase for OpenFirm {
    type Sums = Count;

    fn firm(&self, slot: Slot, borrowers: &mut Count) {
        let Slot { firm, credit, fm, .. } = slot;
        *credit = CreditMonth::default();
        *fm = FirmMonth::default();
        fm.borrower = firm.alive && firm.debt_kusd > 0.0;
        borrowers.0 += fm.borrower as u32;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{self, Override};
    use crate::sim::parallel::FIRM_CHUNK;

    /// What a firm holds, apart from where its pool book is stored (the
    /// book's slot may differ when books are opened and closed in a
    /// different order; what is in it may not).
    fn holdings(rep: &Replication) -> Vec<[u64; 8]> {
        let t = rep.t;
        rep.firms
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let books = &rep.books[i / FIRM_CHUNK];
                let next = f.dues.slot(t + 1, books);
                [
                    f.cash_kusd,
                    f.debt_kusd,
                    f.capacity_kusd,
                    f.belief,
                    f.dues.receivables_total(t, books),
                    f.dues.reserve(t, 3, 0.5, books),
                    next.pools.iter().map(|p| p.owed + p.face + p.good).sum(),
                    f64::from(f.age_months) + f64::from(f.alive as u8),
                ]
                .map(f64::to_bits)
            })
            .collect()
    }

    /// `step` runs some phases together, block by block; it must do
    /// exactly what the phases do one after the other, as `PHASES` lists
    /// them: the same metrics, bit for bit, and the same firms, over
    /// several chunks of firms, with every public programme on.
    #[test]
    fn a_month_is_its_phases_one_after_the_other() {
        for name in ["baseline", "policy_package"] {
            let firms = (2 * FIRM_CHUNK + 321).to_string();
            let s = scenario::load(name, &[Override::new("simulation.firms", &firms)]).unwrap();
            let mut together = Replication::new(&s, 1);
            let mut apart = Replication::new(&s, 1);
            for _ in 0..8 {
                let expected = {
                    for (_, phase) in PHASES {
                        phase(&mut apart);
                    }
                    let values = metrics::measure(&apart);
                    apart.t += 1;
                    values
                };
                let got = step(&mut together);
                assert_eq!(
                    format!("{got:?}"),
                    format!("{expected:?}"),
                    "{name}, month {}",
                    apart.t
                );
                assert!(
                    holdings(&together) == holdings(&apart),
                    "{name}, month {}",
                    apart.t
                );
                assert_eq!(together.loans.len(), apart.loans.len());
            }
        }
    }

    /// Phase 4 sends to the credit market's first round exactly the firms
    /// that applied, passed the documentation checks and still need at
    /// least the smallest loan, in id order, each to its main bank, and
    /// notes that visit in the firm's month.
    #[test]
    fn applicants_go_to_their_main_bank_first() {
        let s = scenario::load("policy_package", &[Override::new("simulation.firms", "9000")]).unwrap();
        let min_lent = s.banks.min_lent_kusd();
        let mut rep = Replication::new(&s, 2);
        let applications = PHASES.iter().position(|(name, _)| *name == APPLICATIONS).unwrap();
        for _ in 0..6 {
            for (_, phase) in &PHASES[..=applications] {
                phase(&mut rep);
            }
            let expected: Vec<(u32, u16)> = (rep.firms.iter().zip(&rep.credit).enumerate())
                .filter(|(_, (_, c))| c.applied && !c.documents_rejected && c.unfinanced >= min_lent)
                .map(|(i, (f, _))| (i as u32, f.main_bank))
                .collect();
            assert!(!expected.is_empty(), "month {}", rep.t);
            assert_eq!(rep.applicants, expected, "month {}", rep.t);
            for (i, c) in rep.credit.iter().enumerate() {
                let first = expected.binary_search_by_key(&(i as u32), |&(j, _)| j).is_ok();
                assert_eq!(c.visits, first as u8, "firm {i}, month {}", rep.t);
                if first {
                    assert_eq!(c.visited[0], rep.firms[i].main_bank);
                }
            }
            for (_, phase) in &PHASES[applications + 1..] {
                phase(&mut rep);
            }
            rep.t += 1;
        }
    }

    /// The profile lists every phase once, in the order of `PHASES`, with
    /// time for the phases run together.
    #[test]
    fn the_profile_lists_the_phases_in_order() {
        let s = scenario::load("baseline", &[Override::new("simulation.firms", "3000")]).unwrap();
        let mut rep = Replication::new(&s, 0);
        let mut profile = Profile::default();
        step_profiled(&mut rep, &mut profile, &Cancel::new()).unwrap();
        let names: Vec<&str> = profile.phases.iter().map(|(n, _)| *n).collect();
        let mut expected: Vec<&str> = PHASES.iter().map(|(n, _)| *n).collect();
        expected.push("11 metrics");
        assert_eq!(names, expected);
        for (name, time) in &profile.phases {
            if [ORDERS, NEED, APPLICATIONS, PRODUCTION, SETTLEMENT].contains(name) {
                assert!(*time > Duration::ZERO, "{name}");
            }
        }
    }

    #[test]
    fn shared_out_splits_the_wall_time_by_thread_time() {
        let ms = Duration::from_millis;
        let shares = shared_out(ms(100), &[ms(30), ms(10), ms(0), ms(60)]);
        assert_eq!(shares, [ms(30), ms(10), ms(0), ms(60)]);
        let shares = shared_out(ms(50), &[ms(30), ms(10), ms(0), ms(60)]);
        assert_eq!(shares[3], ms(30));
        assert_eq!(shared_out(ms(50), &[ms(0); MAX_TOGETHER]), [ms(0); MAX_TOGETHER]);
    }
}
