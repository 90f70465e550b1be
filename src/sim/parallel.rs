//! Per-firm phases run in parallel within a replication (DESIGN.md §11).
//!
//! A phase's per-firm work touches only that firm's slot (its `Firm`,
//! `CreditMonth` and `FirmMonth`, and the pool books of its chunk, where
//! it opens, changes or closes only its own) and reads shared state; its
//! random draws come from streams keyed by firm, so they do not depend
//! on which thread runs them. What the firms add to the month's tally
//! and ledger is summed per chunk of `FIRM_CHUNK` firms in id order, and
//! the chunks' sums are added in chunk order (DESIGN.md §1: fixed-size
//! chunks, then in order). The chunks do not depend on the thread count,
//! so neither does any floating-point sum.

use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::model::Firm;
use crate::model::firm::PoolBooks;

use super::state::{CreditMonth, FirmMonth, Replication, Shared};

/// Firms per parallel task: large enough that scheduling costs little,
/// small enough that two threads share the work evenly.
pub const FIRM_CHUNK: usize = 4096;

/// A phase's sums over firms: what one chunk of firms adds, and how two
/// chunks' sums combine (`add` is called in chunk order).
pub trait Sums: Default + Send {
    fn add(&mut self, later: Self);
}

/// Runs `work(i, firm, month, sums)` for every firm slot in parallel, each
/// chunk of firms adding into its own `S` in id order, and returns the
/// chunks' sums added in chunk order.
pub fn sum_over_firms<S, F>(firms: &mut [Firm], month: &mut [FirmMonth], work: F) -> S
where
    S: Sums,
    F: Fn(usize, &mut Firm, &mut FirmMonth, &mut S) + Sync,
{
    let chunks = firms.len().div_ceil(FIRM_CHUNK);
    by_chunk(
        firms,
        month,
        rayon::iter::repeat_n((), chunks),
        |i, firm, fm, _, sums| work(i, firm, fm, sums),
    )
}

/// As `sum_over_firms`, for a phase that reads or writes receivable pools:
/// `work(i, firm, month, books, sums)` also gets the pool books of firm
/// `i`'s chunk (`books[c]` for chunk c).
pub fn sum_over_firms_with_books<S, F>(
    firms: &mut [Firm],
    month: &mut [FirmMonth],
    books: &mut [PoolBooks],
    work: F,
) -> S
where
    S: Sums,
    F: Fn(usize, &mut Firm, &mut FirmMonth, &mut PoolBooks, &mut S) + Sync,
{
    assert_eq!(books.len(), firms.len().div_ceil(FIRM_CHUNK));
    by_chunk(firms, month, books.par_iter_mut(), |i, firm, fm, books, sums| {
        work(i, firm, fm, books, sums)
    })
}

/// Runs `work(i, firm, month, extra, sums)` over fixed chunks of firms in
/// parallel, chunk c with the c-th `extra`, and adds the chunks' sums in
/// chunk order.
fn by_chunk<S, B, F>(
    firms: &mut [Firm],
    month: &mut [FirmMonth],
    extras: impl IndexedParallelIterator<Item = B>,
    work: F,
) -> S
where
    S: Sums,
    B: Send,
    F: Fn(usize, &mut Firm, &mut FirmMonth, &mut B, &mut S) + Sync,
{
    let chunks: Vec<S> = firms
        .par_chunks_mut(FIRM_CHUNK)
        .zip(month.par_chunks_mut(FIRM_CHUNK))
        .zip(extras)
        .enumerate()
        .map(|(chunk, ((firms, month), mut extra))| {
            let first = chunk * FIRM_CHUNK;
            let mut sums = S::default();
            for (k, (firm, fm)) in firms.iter_mut().zip(month.iter_mut()).enumerate() {
                work(first + k, firm, fm, &mut extra, &mut sums);
            }
            sums
        })
        .collect();
    in_chunk_order(chunks)
}

/// A phase that touches one firm at a time (DESIGN.md §11): its work on
/// one firm's `slot`, adding what the phase sums into `sums`.
pub trait FirmPhase: Sync {
    type Sums: Sums;

    fn firm(&self, slot: Slot, sums: &mut Self::Sums);
}

/// Firm `i`, its month (the credit market's part and the rest), and the
/// pool books of its chunk (where it opens, changes or closes only its
/// own).
pub struct Slot<'s> {
    pub i: usize,
    pub firm: &'s mut Firm,
    pub credit: &'s mut CreditMonth,
    pub fm: &'s mut FirmMonth,
    pub books: &'s mut PoolBooks,
}

/// Runs one per-firm phase over every firm, each chunk of firms adding
/// into its own sums in id order, the chunks' sums added in chunk order.
pub fn run_phase<P: FirmPhase>(
    firms: &mut [Firm],
    credit: &mut [CreditMonth],
    month: &mut [FirmMonth],
    books: &mut [PoolBooks],
    phase: &P,
) -> P::Sums {
    run_together(firms, credit, month, books, (phase,)).0.0
}

/// Runs one per-firm phase over every firm of `rep`, the phase made by
/// `phase` from the month's shared state.
pub fn run_alone<'r, P: FirmPhase>(rep: &'r mut Replication, phase: impl FnOnce(Shared<'r>) -> P) -> P::Sums {
    let (shared, firms, credit, month, books) = rep.split();
    run_phase(firms, credit, month, books, &phase(shared))
}

/// Firms that consecutive phases work on together (`run_together`):
/// about 200 kB of firms, months and pool books, which stay in the core's
/// cache from one phase to the next.
pub const BLOCK: usize = 256;

/// Most phases `run_together` runs together.
pub const MAX_TOGETHER: usize = 4;

/// Consecutive per-firm phases, as a tuple of references to them.
pub trait Together: Sync {
    /// The phases' sums, as a tuple.
    type Sums: Default + Send;
    /// How many phases.
    const LEN: usize;

    /// Each phase in turn over `block`, adding the time spent in phase k
    /// to `spent[k]`.
    fn over_block(&self, block: &mut Block, sums: &mut Self::Sums, spent: &mut [Duration]);

    /// Adds a later chunk's sums, phase by phase.
    fn add(total: &mut Self::Sums, later: Self::Sums);
}

macro_rules! together {
    ($($phase:ident $k:tt),+) => {
        impl<$($phase: FirmPhase),+> Together for ($(&$phase,)+) {
            type Sums = ($($phase::Sums,)+);
            const LEN: usize = [$($k),+].len();

            fn over_block(&self, block: &mut Block, sums: &mut Self::Sums, spent: &mut [Duration]) {
                $(over_block(self.$k, block, &mut sums.$k, &mut spent[$k]);)+
            }

            fn add(total: &mut Self::Sums, later: Self::Sums) {
                $(total.$k.add(later.$k);)+
            }
        }
    };
}

together!(A 0);
together!(A 0, B 1, C 2);
together!(A 0, B 1, C 2, D 3);

/// Consecutive per-firm phases, run block by block: within each chunk,
/// for each block of `BLOCK` firms in id order, the first phase over the
/// block, then the second, and so on. Each firm is read from memory once
/// for all of them instead of once per phase.
///
/// The same as running the phases one after the other over all firms: a
/// phase's work on a firm depends only on that firm's slot and on what
/// the earlier phases did to it, and each phase still works through a
/// chunk in id order, summing per chunk, the chunks' sums added in chunk
/// order. Returns each phase's sums, and the time threads spent in each
/// (in the first `T::LEN` places).
pub fn run_together<T: Together>(
    firms: &mut [Firm],
    credit: &mut [CreditMonth],
    month: &mut [FirmMonth],
    books: &mut [PoolBooks],
    phases: T,
) -> (T::Sums, [Duration; MAX_TOGETHER]) {
    const { assert!(T::LEN <= MAX_TOGETHER) };
    assert_eq!(books.len(), firms.len().div_ceil(FIRM_CHUNK));
    assert_eq!((credit.len(), month.len()), (firms.len(), firms.len()));
    let chunks: Vec<(T::Sums, [Duration; MAX_TOGETHER])> = firms
        .par_chunks_mut(FIRM_CHUNK)
        .zip(credit.par_chunks_mut(FIRM_CHUNK))
        .zip(month.par_chunks_mut(FIRM_CHUNK))
        .zip(books.par_iter_mut())
        .enumerate()
        .map(|(chunk, (((firms, credit), month), books))| {
            let mut sums = T::Sums::default();
            let mut spent = [Duration::ZERO; MAX_TOGETHER];
            for start in (0..firms.len()).step_by(BLOCK) {
                let end = (start + BLOCK).min(firms.len());
                let mut block = Block {
                    first: chunk * FIRM_CHUNK + start,
                    firms: &mut firms[start..end],
                    credit: &mut credit[start..end],
                    month: &mut month[start..end],
                    books,
                };
                phases.over_block(&mut block, &mut sums, &mut spent);
            }
            (sums, spent)
        })
        .collect();
    let mut total = T::Sums::default();
    let mut spent = [Duration::ZERO; MAX_TOGETHER];
    for (sums, time) in chunks {
        T::add(&mut total, sums);
        for (spent, time) in spent.iter_mut().zip(time) {
            *spent += time;
        }
    }
    (total, spent)
}

/// A block of consecutive firms of one chunk, the first being firm
/// `first`, with their months and the chunk's pool books.
pub struct Block<'b> {
    first: usize,
    firms: &'b mut [Firm],
    credit: &'b mut [CreditMonth],
    month: &'b mut [FirmMonth],
    books: &'b mut PoolBooks,
}

/// One phase over one block of firms.
fn over_block<P: FirmPhase>(phase: &P, block: &mut Block, sums: &mut P::Sums, spent: &mut Duration) {
    let started = Instant::now();
    let slots = block
        .firms
        .iter_mut()
        .zip(block.credit.iter_mut())
        .zip(block.month.iter_mut());
    for (k, ((firm, credit), fm)) in slots.enumerate() {
        let books = &mut *block.books;
        phase.firm(
            Slot {
                i: block.first + k,
                firm,
                credit,
                fm,
                books,
            },
            sums,
        );
    }
    *spent += started.elapsed();
}

/// Nothing to sum.
impl Sums for () {
    fn add(&mut self, _: ()) {}
}

/// As `sum_over_firms`, reading the firms only.
pub fn sum_over_firms_read<S, F>(firms: &[Firm], work: F) -> S
where
    S: Sums,
    F: Fn(&Firm, &mut S) + Sync,
{
    let chunks: Vec<S> = firms
        .par_chunks(FIRM_CHUNK)
        .map(|firms| {
            let mut sums = S::default();
            for firm in firms {
                work(firm, &mut sums);
            }
            sums
        })
        .collect();
    in_chunk_order(chunks)
}

/// The chunks' sums added in chunk order, from zero.
fn in_chunk_order<S: Sums>(chunks: Vec<S>) -> S {
    let mut total = S::default();
    for sums in chunks {
        total.add(sums);
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_firm_is_visited_once_with_its_own_index_and_chunk_books() {
        let n = 3 * FIRM_CHUNK + 17;
        let mut firms = vec![Firm::default(); n];
        let mut month = vec![FirmMonth::default(); n];
        let mut books = vec![PoolBooks::default(); n.div_ceil(FIRM_CHUNK)];
        sum_over_firms_with_books(
            &mut firms,
            &mut month,
            &mut books,
            |i, firm, fm, books, _: &mut ()| {
                firm.age_months += i as u32;
                fm.need += 1.0;
                if i % 2 == 0 {
                    firm.dues.book_mut(books);
                }
            },
        );
        assert!(firms.iter().enumerate().all(|(i, f)| f.age_months == i as u32));
        assert!(month.iter().all(|fm| fm.need == 1.0));
        let per_chunk: Vec<usize> = books.iter().map(|b| b.open_count()).collect();
        assert_eq!(per_chunk, [FIRM_CHUNK / 2, FIRM_CHUNK / 2, FIRM_CHUNK / 2, 9]);
        // Each firm's book is in its own chunk's store, numbered in id order.
        assert_eq!(firms[FIRM_CHUNK + 4].dues.book_index(), 2);
    }

    /// Toy phases: each reads what the one before wrote to the firm, and
    /// sums in an order its result shows (tiny values before a large one).
    struct Earn;
    struct Book;
    struct Spend;

    impl FirmPhase for Earn {
        type Sums = Total;
        fn firm(&self, slot: Slot, t: &mut Total) {
            let Slot { i, firm, .. } = slot;
            firm.cash_kusd += if i.is_multiple_of(97) {
                1.0
            } else {
                f64::EPSILON / 2.0
            };
            t.0 += firm.cash_kusd;
        }
    }

    impl FirmPhase for Book {
        type Sums = Total;
        fn firm(&self, slot: Slot, t: &mut Total) {
            let Slot {
                i, firm, fm, books, ..
            } = slot;
            if i.is_multiple_of(3) {
                firm.dues.book_mut(books);
            }
            fm.need = 2.0 * firm.cash_kusd;
            t.1.push(i);
        }
    }

    impl FirmPhase for Spend {
        type Sums = Total;
        fn firm(&self, slot: Slot, t: &mut Total) {
            let Slot {
                i, firm, fm, books, ..
            } = slot;
            if i.is_multiple_of(6) {
                firm.dues.close_book(books);
            }
            firm.cash_kusd -= fm.need / 3.0;
            t.0 += fm.need;
        }
    }

    /// Phases run together block by block do what they do one after the
    /// other, bit for bit, whatever the number of threads.
    #[test]
    fn phases_run_together_as_one_after_the_other() {
        let n = 3 * FIRM_CHUNK + 2 * BLOCK + 7;
        let fresh = || {
            (
                vec![Firm::default(); n],
                vec![CreditMonth::default(); n],
                vec![FirmMonth::default(); n],
                vec![PoolBooks::default(); n.div_ceil(FIRM_CHUNK)],
            )
        };
        let (mut firms, mut credit, mut month, mut books) = fresh();
        let earned = run_phase(&mut firms, &mut credit, &mut month, &mut books, &Earn);
        let booked = run_phase(&mut firms, &mut credit, &mut month, &mut books, &Book);
        let spent = run_phase(&mut firms, &mut credit, &mut month, &mut books, &Spend);
        let open: Vec<usize> = books.iter().map(PoolBooks::open_count).collect();
        for threads in [1, 2, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let (mut f, mut c, mut m, mut b) = fresh();
            let ((e, k, s), time) =
                pool.install(|| run_together(&mut f, &mut c, &mut m, &mut b, (&Earn, &Book, &Spend)));
            assert_eq!(e.0.to_bits(), earned.0.to_bits());
            assert_eq!(k.1, booked.1);
            assert_eq!(s.0.to_bits(), spent.0.to_bits());
            assert!(
                f.iter()
                    .zip(&firms)
                    .all(|(a, b)| a.cash_kusd.to_bits() == b.cash_kusd.to_bits())
            );
            assert!(
                m.iter()
                    .zip(&month)
                    .all(|(a, b)| a.need.to_bits() == b.need.to_bits())
            );
            assert_eq!(b.iter().map(PoolBooks::open_count).collect::<Vec<_>>(), open);
            assert_eq!(time[3], Duration::ZERO);
        }
    }

    #[derive(Default)]
    struct Total(f64, Vec<usize>);

    impl Sums for Total {
        fn add(&mut self, later: Self) {
            self.0 += later.0;
            self.1.extend(later.1);
        }
    }

    /// Each chunk sums in id order from zero; chunks add in order. With
    /// many 2⁻⁵³ before a 1.0 in each chunk, the order shows in the last
    /// bits: a single running sum loses every 2⁻⁵³ after the first 1.0.
    #[test]
    fn sums_add_chunks_in_order_whatever_the_threads() {
        let n = 2 * FIRM_CHUNK + 5;
        let value = |i: usize| {
            if i % FIRM_CHUNK == FIRM_CHUNK - 1 {
                1.0
            } else {
                f64::EPSILON / 2.0
            }
        };
        let run = |threads: usize| {
            let mut firms = vec![Firm::default(); n];
            let mut month = vec![FirmMonth::default(); n];
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| {
                sum_over_firms(&mut firms, &mut month, |i, _, _, t: &mut Total| {
                    t.0 += value(i);
                    if i % 1000 == 0 {
                        t.1.push(i);
                    }
                })
            })
        };
        let mut expected = 0.0;
        for chunk in (0..n).collect::<Vec<_>>().chunks(FIRM_CHUNK) {
            let mut sum = 0.0;
            for &i in chunk {
                sum += value(i);
            }
            expected += sum;
        }
        for threads in [1, 2, 3] {
            let total = run(threads);
            assert_eq!(total.0.to_bits(), expected.to_bits());
            assert_eq!(total.1, (0..n).step_by(1000).collect::<Vec<_>>());
        }
        let running: f64 = (0..n).map(value).sum();
        assert_ne!(expected, running);
    }
}
