//! Per-firm phases run in parallel within a replication (DESIGN.md §11).
//!
//! A phase's per-firm work touches only that firm's slot (its `Firm` and
//! `FirmMonth`) and reads shared state; its random draws come from streams
//! keyed by firm, so they do not depend on which thread runs them. What
//! the firms add to the month's tally and ledger is then summed in one
//! sequential pass in id order, so that every floating-point sum is the
//! same, to the bit, as a sequential run's — whatever the thread count.

use rayon::prelude::*;

use crate::model::Firm;

use super::state::FirmMonth;

/// Firms per parallel task: large enough that scheduling costs little,
/// small enough that two threads share the work evenly.
pub const FIRM_CHUNK: usize = 4096;

/// Runs `work(i, firm, month)` for every firm slot, in parallel.
pub fn for_each_firm<F>(firms: &mut [Firm], month: &mut [FirmMonth], work: F)
where
    F: Fn(usize, &mut Firm, &mut FirmMonth) + Sync,
{
    firms
        .par_chunks_mut(FIRM_CHUNK)
        .zip(month.par_chunks_mut(FIRM_CHUNK))
        .enumerate()
        .for_each(|(chunk, (firms, month))| {
            let first = chunk * FIRM_CHUNK;
            for (k, (firm, fm)) in firms.iter_mut().zip(month.iter_mut()).enumerate() {
                work(first + k, firm, fm);
            }
        });
}

/// Sums `count(i)` over all firms in parallel (integer sums do not depend
/// on the order of addition).
pub fn count_firms<F>(n: usize, count: F) -> u32
where
    F: Fn(usize) -> u32 + Sync + Send,
{
    (0..n).into_par_iter().with_min_len(FIRM_CHUNK).map(&count).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_firm_is_visited_once_with_its_own_index() {
        let n = 3 * FIRM_CHUNK + 17;
        let mut firms = vec![Firm::default(); n];
        let mut month = vec![FirmMonth::default(); n];
        for_each_firm(&mut firms, &mut month, |i, firm, fm| {
            firm.age_months += i as u32;
            fm.visits += 1;
        });
        assert!(firms.iter().enumerate().all(|(i, f)| f.age_months == i as u32));
        assert!(month.iter().all(|fm| fm.visits == 1));
        assert_eq!(count_firms(n, |i| (i % 2) as u32), (n / 2) as u32);
    }
}
