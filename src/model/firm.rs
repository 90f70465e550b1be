//! Firm state and the rules that depend on one firm only.

use std::sync::OnceLock;

use super::product::{Backing, POOLS};
use super::size::SizeClass;
use crate::math::{ln, powf};
use crate::scenario::CreditQuality;

/// Longest receivable term (scenario terms ≤ 4).
pub const MAX_TERM_MONTHS: u32 = 4;
/// Longest loan tenor (working-capital tenors ≤ 6).
pub const MAX_TENOR_MONTHS: u32 = 6;
/// Months the due book looks ahead, plus the current one.
pub const DUE_SLOTS: usize = MAX_TENOR_MONTHS as usize + 1;

/// No guarantee group.
pub const NO_GROUP: u32 = u32::MAX;
/// Never defaulted.
pub const NEVER: u32 = u32::MAX;

/// Receivables of one kind falling due in one month, and what is owed to
/// banks on loans they back (assigned to the bank: it is paid first).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Pool {
    /// Face value (kUSD).
    pub face: f64,
    /// The part buyers will actually pay.
    pub good: f64,
    /// Owed to banks on loans backed by this pool.
    pub owed: f64,
}

/// What falls due in one month: receivables from buyers and loans to banks.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct DueMonth {
    /// Face value of all receivables due (kUSD), pools included.
    pub face: f64,
    /// The part buyers will actually pay (drawn when the order was shipped;
    /// hidden from firms and banks, who only know default probabilities).
    pub good: f64,
    /// Export receivables that can back bank loans, by `Backing` (LC,
    /// insured, open).
    pub pools: [Pool; POOLS],
    /// Indemnities the export credit insurer pays the firm this month.
    pub indemnity: f64,
    /// Owed on loans on the firm's own credit (working capital, import
    /// LCs, Exim) due that month, and the collateral pledged for them.
    pub loan_owed: f64,
    pub loan_pledged: f64,
}

impl DueMonth {
    /// Owed to banks on receivable-backed loans.
    pub fn pool_owed(&self) -> f64 {
        self.pools.iter().map(|p| p.owed).sum()
    }
}

/// Months receivables are kept, in pools and outside them: they fall due
/// at most `MAX_TERM_MONTHS` ahead, so they need a shorter ring than
/// loans.
pub const POOL_SLOTS: usize = MAX_TERM_MONTHS as usize + 1;

/// No pool book.
pub const NO_BOOK: u32 = u32::MAX;

/// A firm's receivable pools (`Pool`) by pool (`Backing`) and month, on a
/// `POOL_SLOTS`-month ring, and the indemnities the export credit insurer
/// will pay the firm on insured receivables, on the loans' `DUE_SLOTS`-
/// month ring (the claim delay is at most `MAX_TENOR_MONTHS`): only firms
/// that sell abroad on terms have one, kept in their chunk's `PoolBooks`
/// rather than in every `Firm`. What the reserve reads comes first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PoolBook {
    owed: [[f64; POOL_SLOTS]; POOLS],
    indemnity: [f64; DUE_SLOTS],
    face: [[f64; POOL_SLOTS]; POOLS],
    good: [[f64; POOL_SLOTS]; POOLS],
}

fn pool_index(month: u32) -> usize {
    month as usize % POOL_SLOTS
}

impl PoolBook {
    /// The receivables of one kind due in `month` (within the
    /// receivables' horizon).
    pub fn pool(&self, month: u32, backing: Backing) -> Pool {
        let (b, k) = (backing as usize, pool_index(month));
        Pool {
            face: self.face[b][k],
            good: self.good[b][k],
            owed: self.owed[b][k],
        }
    }

    /// The three pools due in `month`, by `Backing`.
    pub fn pools(&self, month: u32) -> [Pool; POOLS] {
        std::array::from_fn(|b| self.pool(month, Backing::ALL_POOLS[b]))
    }

    /// Replaces one pool.
    pub fn set(&mut self, month: u32, backing: Backing, pool: Pool) {
        let (b, k) = (backing as usize, pool_index(month));
        self.face[b][k] = pool.face;
        self.good[b][k] = pool.good;
        self.owed[b][k] = pool.owed;
    }

    /// Adds receivables to one pool.
    pub fn add(&mut self, month: u32, backing: Backing, face: f64, good: f64) {
        let (b, k) = (backing as usize, pool_index(month));
        self.face[b][k] += face;
        self.good[b][k] += good;
    }

    /// Owed to banks on loans backed by one pool, to change.
    pub fn owed_mut(&mut self, month: u32, backing: Backing) -> &mut f64 {
        &mut self.owed[backing as usize][pool_index(month)]
    }

    /// Owed to banks on loans backed by any pool due in `month`.
    fn owed_total(&self, month: u32) -> f64 {
        let k = pool_index(month);
        (0..POOLS).map(|b| self.owed[b][k]).sum()
    }

    /// Removes and returns the pools due in `month`.
    pub fn take(&mut self, month: u32) -> [Pool; POOLS] {
        let taken = self.pools(month);
        for backing in Backing::ALL_POOLS {
            self.set(month, backing, Pool::default());
        }
        taken
    }

    pub fn is_empty(&self) -> bool {
        *self == PoolBook::default()
    }
}

/// The pool books of one chunk of firms (`sim::parallel::FIRM_CHUNK`),
/// so that the per-firm phases, which work chunk by chunk, open and close
/// books without sharing a store. Closed books are reused.
#[derive(Debug, Clone, Default)]
pub struct PoolBooks {
    books: Vec<PoolBook>,
    closed: Vec<u32>,
}

impl PoolBooks {
    pub fn get(&self, book: u32) -> &PoolBook {
        &self.books[book as usize]
    }

    pub fn get_mut(&mut self, book: u32) -> &mut PoolBook {
        &mut self.books[book as usize]
    }

    /// Books open.
    pub fn open_count(&self) -> usize {
        self.books.len() - self.closed.len()
    }

    /// Books in the store, open or closed.
    pub fn stored(&self) -> usize {
        self.books.len()
    }

    /// Where the books start: banks serving in parallel reach the books
    /// of the firms in their own queues through it (`credit_market`'s
    /// `Slots`), while other banks serve other firms of the same chunk.
    pub fn as_mut_ptr(&mut self) -> *mut PoolBook {
        self.books.as_mut_ptr()
    }

    fn open(&mut self) -> u32 {
        match self.closed.pop() {
            Some(book) => book,
            None => {
                self.books.push(PoolBook::default());
                (self.books.len() - 1) as u32
            }
        }
    }

    fn close(&mut self, book: u32) {
        debug_assert!(
            self.books[book as usize].is_empty(),
            "closing a book with receivables"
        );
        self.books[book as usize] = PoolBook::default();
        self.closed.push(book);
    }
}

/// Dues by month, in ring buffers indexed by simulation month (loans fall
/// due up to `MAX_TENOR_MONTHS` ahead, `DUE_SLOTS` months; receivables up
/// to `MAX_TERM_MONTHS`, `POOL_SLOTS` months), and the index of the
/// firm's pool book, if it has one (with its receivable pools and the
/// insurer's delayed indemnities). Stored field by field (each an
/// array over the months) rather than month by month, so that a sum over
/// the months — receivables for equity, loans for the reserve — reads a
/// few cache lines. The book's index comes first, next to the firm's
/// scalars (`Firm` is `repr(C)`), where a bank serving the firm finds it
/// with them.
#[derive(Debug, Clone, PartialEq)]
#[repr(C)]
pub struct Dues {
    /// The firm's book in its chunk's `PoolBooks`, or `NO_BOOK`.
    book: u32,
    /// Bit k set: the book may hold an indemnity at place k of the loans'
    /// ring (clear: it holds none), so that sums over the months need not
    /// read the book for indemnities, which few firms are ever owed.
    indemnities: u8,
    face: [f64; POOL_SLOTS],
    loan_owed: [f64; DUE_SLOTS],
    good: [f64; POOL_SLOTS],
    loan_pledged: [f64; DUE_SLOTS],
}

impl Default for Dues {
    fn default() -> Self {
        Dues {
            face: [0.0; POOL_SLOTS],
            loan_owed: [0.0; DUE_SLOTS],
            good: [0.0; POOL_SLOTS],
            loan_pledged: [0.0; DUE_SLOTS],
            book: NO_BOOK,
            indemnities: 0,
        }
    }
}

fn index(month: u32) -> usize {
    month as usize % DUE_SLOTS
}

impl Dues {
    /// The firm's pool book, if it has one (`books`: its chunk's).
    pub fn book<'a>(&self, books: &'a PoolBooks) -> Option<&'a PoolBook> {
        (self.book != NO_BOOK).then(|| books.get(self.book))
    }

    /// The index of its pool book, or `NO_BOOK`.
    pub fn book_index(&self) -> u32 {
        self.book
    }

    /// The firm's pool book, opened if it has none.
    pub fn book_mut<'a>(&mut self, books: &'a mut PoolBooks) -> &'a mut PoolBook {
        if self.book == NO_BOOK {
            self.book = books.open();
        }
        books.get_mut(self.book)
    }

    /// Closes the firm's pool book, which must be empty.
    pub fn close_book(&mut self, books: &mut PoolBooks) {
        if self.book != NO_BOOK {
            books.close(self.book);
            self.book = NO_BOOK;
            self.indemnities = 0;
        }
    }

    /// The indemnity due at place `k` of the loans' ring.
    fn indemnity_at(&self, k: usize, book: Option<&PoolBook>) -> f64 {
        match book {
            Some(book) if self.indemnities & (1 << k) != 0 => book.indemnity[k],
            _ => 0.0,
        }
    }

    /// Removes and returns the indemnity due in `month`.
    fn take_indemnity(&mut self, month: u32, books: &mut PoolBooks) -> f64 {
        let k = index(month);
        if self.book == NO_BOOK || self.indemnities & (1 << k) == 0 {
            return 0.0;
        }
        self.indemnities &= !(1 << k);
        std::mem::take(&mut books.get_mut(self.book).indemnity[k])
    }

    /// A copy of what falls due in `month` (within the receivables'
    /// horizon).
    pub fn slot(&self, month: u32, books: &PoolBooks) -> DueMonth {
        let k = index(month);
        let book = self.book(books);
        DueMonth {
            face: self.face[pool_index(month)],
            good: self.good[pool_index(month)],
            pools: book.map_or([Pool::default(); POOLS], |b| b.pools(month)),
            indemnity: self.indemnity_at(k, book),
            loan_owed: self.loan_owed[k],
            loan_pledged: self.loan_pledged[k],
        }
    }

    /// Receivables falling due in `month` (within the receivables'
    /// horizon): at face value, and the part buyers will pay.
    pub fn add_receivable(&mut self, month: u32, face: f64, good: f64) {
        let k = pool_index(month);
        self.face[k] += face;
        self.good[k] += good;
    }

    /// An indemnity the insurer will pay in `month`, kept in the pool
    /// book (opened if the firm has none).
    pub fn add_indemnity(&mut self, month: u32, amount: f64, books: &mut PoolBooks) {
        let k = index(month);
        self.book_mut(books).indemnity[k] += amount;
        self.indemnities |= 1 << k;
    }

    /// A loan on the firm's own credit falling due in `month`: what is
    /// owed, and the collateral pledged for it.
    pub fn add_loan(&mut self, month: u32, owed: f64, pledged: f64) {
        let k = index(month);
        self.loan_owed[k] += owed;
        self.loan_pledged[k] += pledged;
    }

    /// Owed in `month` on loans on the firm's own credit, and the
    /// collateral pledged for them.
    pub fn loan_owed(&self, month: u32) -> f64 {
        self.loan_owed[index(month)]
    }

    pub fn loan_pledged(&self, month: u32) -> f64 {
        self.loan_pledged[index(month)]
    }

    /// Removes and returns what falls due in `month` (within the
    /// receivables' horizon).
    pub fn take(&mut self, month: u32, books: &mut PoolBooks) -> DueMonth {
        let mut taken = self.take_beyond_receivables(month, books);
        let r = pool_index(month);
        taken.face = std::mem::take(&mut self.face[r]);
        taken.good = std::mem::take(&mut self.good[r]);
        if self.book != NO_BOOK {
            taken.pools = books.get_mut(self.book).take(month);
        }
        taken
    }

    /// Removes and returns what falls due in `month` outside the
    /// receivables: loans and indemnities (all that falls due in a month
    /// beyond the receivables' horizon).
    pub fn take_beyond_receivables(&mut self, month: u32, books: &mut PoolBooks) -> DueMonth {
        let k = index(month);
        DueMonth {
            face: 0.0,
            good: 0.0,
            pools: [Pool::default(); POOLS],
            indemnity: self.take_indemnity(month, books),
            loan_owed: std::mem::take(&mut self.loan_owed[k]),
            loan_pledged: std::mem::take(&mut self.loan_pledged[k]),
        }
    }

    /// Receivables at face value, with indemnities the insurer owes, when
    /// none fall due before `from`.
    ///
    /// Summed month by month in the order of the months' places in the
    /// loans' ring (`month % DUE_SLOTS`), the order the sum had when
    /// receivables shared that ring: months beyond the receivables'
    /// horizon add +0 at face value, which changes no bit.
    pub fn receivables_total(&self, from: u32, books: &PoolBooks) -> f64 {
        // Face value by place: months from..=from + MAX_TERM_MONTHS.
        let mut by_place = [0.0; DUE_SLOTS];
        let (mut place, mut slot) = (index(from), pool_index(from));
        for _ in 0..POOL_SLOTS {
            by_place[place] = self.face[slot];
            place = if place + 1 == DUE_SLOTS { 0 } else { place + 1 };
            slot = if slot + 1 == POOL_SLOTS { 0 } else { slot + 1 };
        }
        if self.indemnities == 0 {
            // Every indemnity is +0, and face + 0 = face (face ≥ +0).
            return by_place.iter().sum();
        }
        let book = self.book(books);
        (0..DUE_SLOTS)
            .map(|k| by_place[k] + self.indemnity_at(k, book))
            .sum()
    }

    /// Cash a firm sets aside now for working-capital loans due in the
    /// next `horizon` months (this one included), counting on `1 − prudence`
    /// of the receivables it keeps by then (net of what receivable-backed
    /// loans take; indemnities are sure):
    /// `max over h of Σ_{k≤h} (loan_owed − (1−prudence)·(face − pool owed) − indemnity)`.
    pub fn reserve(&self, month: u32, horizon: u32, prudence: f64, books: &PoolBooks) -> f64 {
        let book = self.book(books);
        let mut cumulative = 0.0;
        let mut worst: f64 = 0.0;
        for k in 0..=horizon.min(MAX_TENOR_MONTHS) {
            let i = index(month + k);
            // No receivable falls due beyond the terms' horizon.
            let (face, pool_owed) = if k <= MAX_TERM_MONTHS {
                let owed = book.map_or(0.0, |book| book.owed_total(month + k));
                (self.face[pool_index(month + k)], owed)
            } else {
                (0.0, 0.0)
            };
            let indemnity = self.indemnity_at(i, book);
            cumulative += self.loan_owed[i] - (1.0 - prudence) * (face - pool_owed) - indemnity;
            worst = worst.max(cumulative);
        }
        worst
    }
}

/// One firm. Lives at a fixed index in a dense vector; an exited firm's slot
/// is reused by an entrant. Laid out in declaration order (`repr(C)`):
/// the hot scalars first, the due book last.
#[derive(Debug, Clone, Default)]
#[repr(C)]
pub struct Firm {
    // --- fixed at birth
    /// ln φ, productivity φ ~ Pareto(1, k) (only its log is used).
    pub ln_productivity: f64,
    /// Steady-state monthly capacity, kUSD at demand index 1: ∝ φ^(σ−1).
    pub potential_kusd: f64,
    /// Monthly revenue per employee, kUSD.
    pub revenue_per_employee_kusd: f64,
    /// Gross margin on domestic sales (export margin also depends on FX).
    pub margin: f64,
    /// Share of capacity sold abroad when exporting.
    pub export_intensity: f64,
    /// Management quality m ∈ [0, 1].
    pub management: f64,
    /// Cash kept before paying out profits, months of production cost.
    pub cash_target_months: f64,
    /// Permanent, unobserved part of creditworthiness.
    pub hidden_quality: f64,
    /// Export orders a month.
    pub orders_per_month: u32,
    /// Counts the firms that have lived in this slot; keys entrants' streams.
    pub generation: u32,
    /// The lasting part of its main bank's screening error, drawn once
    /// per bank and firm (see `credit_market::screen`); kept because most
    /// screenings are the main bank's.
    pub main_bank_error: f64,

    // --- evolving
    /// Monthly capacity at demand index 1, kUSD.
    pub capacity_kusd: f64,
    pub cash_kusd: f64,
    /// Pledgeable fixed assets, kUSD.
    pub fixed_assets_kusd: f64,
    /// Part of the fixed assets pledged to banks.
    pub pledged_kusd: f64,
    /// Owed to banks on all loans (principal and interest), kUSD.
    pub debt_kusd: f64,
    /// Owed on loans on the firm's own credit (working capital, import LCs,
    /// Exim loans), kUSD: not backed by receivables.
    pub debt_general_kusd: f64,
    pub age_months: u32,
    pub relationship_months: u32,
    /// Months since the firm last defaulted, or `NEVER`.
    pub months_since_default: u32,
    /// The bank it defaulted with (knows it even without a credit bureau).
    pub defaulted_with_bank: u16,
    pub main_bank: u16,
    /// Guarantee group, or `NO_GROUP`.
    pub group: u32,
    pub size_class: SizeClass,
    pub exporter: bool,
    /// Decided to enter export markets; pays the sunk cost when financed.
    pub entry_pending: bool,
    /// Covered by the credit bureau (set by the bureau agent).
    pub bureau_covered: bool,
    /// Has been through the management training programme.
    pub trained: bool,
    /// Insured this month's open-account and collection export orders.
    pub insured: bool,
    pub alive: bool,
    /// Winding down: takes no orders, collects receivables, repays, exits.
    pub closing: bool,
    /// Believed probability that a request is approved.
    pub belief: f64,
    pub negative_equity_months: u32,
    /// Consecutive months with export orders lost for lack of finance.
    pub lost_export_months: u32,
    /// Receivables and loans by the month they fall due: last, so that
    /// the scalar state every phase reads shares a few cache lines.
    pub dues: Dues,
}

impl Firm {
    pub fn is_sme(&self) -> bool {
        self.size_class.is_sme()
    }

    pub fn in_group(&self) -> bool {
        self.group != NO_GROUP
    }

    pub fn employees(&self) -> f64 {
        self.capacity_kusd / self.revenue_per_employee_kusd
    }

    /// Share of sales exported this month (0 for non-exporters).
    pub fn export_share(&self) -> f64 {
        if self.exporter { self.export_intensity } else { 0.0 }
    }

    /// Expected monthly sales given the demand indices.
    pub fn expected_sales(&self, domestic_demand: f64, foreign_demand: f64) -> f64 {
        let x = self.export_share();
        self.capacity_kusd * ((1.0 - x) * domestic_demand + x * foreign_demand)
    }

    /// Book equity: cash, receivables at face and fixed assets, less debt,
    /// when no receivable falls due before `from` (see
    /// `Dues::receivables_total`; `books`: its chunk's).
    pub fn equity(&self, from: u32, books: &PoolBooks) -> f64 {
        self.cash_kusd + self.dues.receivables_total(from, books) + self.fixed_assets_kusd - self.debt_kusd
    }

    pub fn free_collateral(&self) -> f64 {
        (self.fixed_assets_kusd - self.pledged_kusd).max(0.0)
    }

    /// True creditworthiness this month, at expected sales and production
    /// cost given the demand indices.
    pub fn true_quality(&self, w: &CreditQuality, domestic_demand: f64, foreign_demand: f64) -> f64 {
        let sales = self.expected_sales(domestic_demand, foreign_demand);
        self.credit_quality(w, sales * (1.0 - self.margin), sales)
    }

    /// Production cost per kUSD of export orders: `(1 − margin)·fx_factor`,
    /// at most 1 (see `World::export_cost_factor`).
    pub fn export_cost_share(&self, fx_factor: f64) -> f64 {
        ((1.0 - self.margin) * fx_factor).min(1.0)
    }

    /// True creditworthiness z: a fixed index of productivity, management,
    /// liquidity, leverage and age (DESIGN.md §4, phase 5).
    pub fn credit_quality(&self, w: &CreditQuality, monthly_cost: f64, monthly_sales: f64) -> f64 {
        let liquidity = if monthly_cost > 0.0 {
            (self.cash_kusd / monthly_cost).min(3.0)
        } else {
            3.0
        };
        let leverage = if monthly_sales > 0.0 {
            self.debt_kusd / (12.0 * monthly_sales)
        } else {
            0.0
        };
        w.intercept
            + w.productivity_weight * self.ln_productivity
            + w.management_weight * (self.management - 0.5)
            + w.liquidity_weight * liquidity
            - w.leverage_weight * leverage
            + w.age_weight * ln_age_years(self.age_months)
            + self.hidden_quality
    }
}

/// ln(1 + age in years), the age term of creditworthiness. A firm's
/// quality is worked out several times a month, so the first hundred
/// years come from a table, filled once with the same `ln`.
pub fn ln_age_years(age_months: u32) -> f64 {
    const TABULATED: u32 = 1200;
    static TABLE: OnceLock<Vec<f64>> = OnceLock::new();
    let exact = |age: u32| ln(1.0 + age as f64 / 12.0);
    let table = TABLE.get_or_init(|| (0..TABULATED).map(exact).collect());
    match table.get(age_months as usize) {
        Some(&value) => value,
        None => exact(age_months),
    }
}

/// Annual probability to monthly: 1 − (1 − p)^(1/12).
pub fn monthly_probability(annual: f64) -> f64 {
    1.0 - powf(1.0 - annual.clamp(0.0, 1.0), 1.0 / 12.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ring_buffer_keeps_months_apart() {
        let mut books = PoolBooks::default();
        let mut r = Dues::default();
        for due in 1..=4 {
            r.add_receivable(10 + due, due as f64, 0.5 * due as f64);
        }
        r.add_loan(11, 3.0, 2.0);
        assert_eq!(r.receivables_total(11, &books), 1.0 + 2.0 + 3.0 + 4.0);
        // No pool book was needed.
        assert_eq!(r.book_index(), NO_BOOK);
        // An indemnity is kept in the pool book.
        r.add_indemnity(16, 6.0, &mut books);
        assert_eq!(r.book_index(), 0);
        assert_eq!(r.receivables_total(11, &books), 1.0 + 2.0 + 3.0 + 4.0 + 6.0);
        let taken = r.take(11, &mut books);
        assert_eq!(
            (taken.face, taken.good, taken.loan_owed, taken.loan_pledged),
            (1.0, 0.5, 3.0, 2.0)
        );
        assert_eq!(r.take(11, &mut books), DueMonth::default());
        // Month 16 reuses month 11's receivables slot and month 18 its
        // loan slot, both now empty.
        r.add_receivable(16, 5.0, 5.0);
        r.add_loan(18, 7.0, 0.0);
        assert_eq!(r.slot(14, &books).face, 4.0);
        assert_eq!(
            (r.slot(16, &books).face, r.slot(16, &books).indemnity),
            (5.0, 6.0)
        );
        assert_eq!((r.loan_owed(18), r.loan_owed(17)), (7.0, 0.0));
        assert_eq!(r.receivables_total(12, &books), 2.0 + 3.0 + 4.0 + 5.0 + 6.0);
        // Beyond the receivables' horizon only loans and indemnities fall
        // due.
        r.add_indemnity(18, 1.5, &mut books);
        let beyond = r.take_beyond_receivables(18, &mut books);
        assert_eq!((beyond.face, beyond.loan_owed, beyond.indemnity), (0.0, 7.0, 1.5));
        assert_eq!(r.take(16, &mut books).indemnity, 6.0);
        assert!(r.book(&books).unwrap().is_empty());
    }

    /// Receivables are summed in the order of their months' places in
    /// the loans' seven-month ring, as when they shared it: from month 12
    /// (place 5) that is months 14, 15, 16, (17, 18), 12, 13. With 10¹⁶
    /// due in month 14 each later 1 is lost to rounding; in month order
    /// (1 + 1 + 10¹⁶ + 1 + 1) the sum would be 10¹⁶ + 4.
    #[test]
    fn receivables_are_summed_in_the_loan_ring_order() {
        let mut r = Dues::default();
        for month in [12, 13, 15, 16] {
            r.add_receivable(month, 1.0, 1.0);
        }
        r.add_receivable(14, 1e16, 1e16);
        assert_eq!(r.receivables_total(12, &PoolBooks::default()), 1e16);
    }

    /// Pools live in a book opened on first use, on a five-month ring;
    /// a closed book is reused by the next firm that needs one.
    #[test]
    fn pool_books_open_fill_empty_and_are_reused() {
        let mut books = PoolBooks::default();
        let (mut a, mut b) = (Dues::default(), Dues::default());
        a.book_mut(&mut books).add(12, Backing::Open, 50.0, 40.0);
        *a.book_mut(&mut books).owed_mut(12, Backing::Open) += 30.0;
        b.book_mut(&mut books).add(13, Backing::Lc, 9.0, 9.0);
        assert_eq!((a.book_index(), b.book_index(), books.open_count()), (0, 1, 2));
        let open = Pool {
            face: 50.0,
            good: 40.0,
            owed: 30.0,
        };
        assert_eq!(a.slot(12, &books).pools[Backing::Open as usize], open);
        // Month 17 shares month 12's place in the ring, and is empty.
        assert_eq!(a.book(&books).unwrap().pool(12, Backing::Lc), Pool::default());
        assert_eq!(a.take(12, &mut books).pools[Backing::Open as usize], open);
        assert!(a.book(&books).unwrap().is_empty());
        a.close_book(&mut books);
        assert_eq!((a.book_index(), books.open_count()), (NO_BOOK, 1));
        let mut c = Dues::default();
        c.book_mut(&mut books);
        assert_eq!((c.book_index(), books.stored()), (0, 2));
        assert!(c.book(&books).unwrap().is_empty());
    }

    /// Loans of 100 due now and 50 next month; receipts of 60 now (10 of
    /// them assigned to an LC loan) and 20 next month; firms count on 80 %.
    #[test]
    fn reserve_covers_the_worst_cumulative_shortfall() {
        let mut books = PoolBooks::default();
        let mut r = Dues::default();
        r.add_receivable(5, 60.0, 60.0);
        r.add_loan(5, 100.0, 0.0);
        *r.book_mut(&mut books).owed_mut(5, Backing::Lc) = 10.0;
        r.add_receivable(6, 20.0, 20.0);
        r.add_loan(6, 50.0, 0.0);
        // Now: 100 − 0.8·50 = 60; through next month: 60 + 50 − 0.8·20 = 94.
        assert!((r.reserve(5, 0, 0.2, &books) - 60.0).abs() < 1e-12);
        assert!((r.reserve(5, 1, 0.2, &books) - 94.0).abs() < 1e-12);
        assert!((r.reserve(5, 1, 0.0, &books) - 80.0).abs() < 1e-12);
        // Receipts exceeding loans never make the reserve negative.
        assert_eq!(r.reserve(7, 2, 0.0, &books), 0.0);
        // Without the LC loan's claim on the receipts: 100 − 0.8·60 = 52.
        let without_book = Dues {
            book: NO_BOOK,
            ..r.clone()
        };
        assert!((without_book.reserve(5, 0, 0.2, &books) - 52.0).abs() < 1e-12);
    }

    #[test]
    fn credit_quality_is_the_weighted_index() {
        let firm = Firm {
            ln_productivity: 1.0,
            management: 0.7,
            cash_kusd: 50.0,
            debt_kusd: 120.0,
            age_months: 12,
            hidden_quality: 0.25,
            ..Firm::default()
        };
        let w = CreditQuality {
            productivity_weight: 1.0,
            management_weight: 2.0,
            liquidity_weight: 0.5,
            leverage_weight: 1.0,
            age_weight: 1.0,
            idiosyncratic_sd: 0.0,
            intercept: -1.0,
        };
        // −1 + 1·1 + 2·0.2 + 0.5·(50/100) − 1·120/(12·100) + ln 2 + 0.25
        let expected = -1.0 + 1.0 + 0.4 + 0.25 - 0.1 + 2f64.ln() + 0.25;
        assert!((firm.credit_quality(&w, 100.0, 100.0) - expected).abs() < 1e-12);
        // Liquidity is capped at three months of cost.
        let rich = Firm {
            cash_kusd: 1e6,
            ..firm.clone()
        };
        let capped = expected - 0.25 + 1.5;
        assert!((rich.credit_quality(&w, 100.0, 100.0) - capped).abs() < 1e-12);
    }

    #[test]
    fn the_age_term_is_ln_of_one_plus_years_in_and_beyond_the_table() {
        for age in [0, 1, 11, 12, 13, 600, 1199, 1200, 1201, 5000] {
            assert_eq!(ln_age_years(age), ln(1.0 + age as f64 / 12.0), "age {age}");
        }
        assert!((ln_age_years(12) - std::f64::consts::LN_2).abs() < 1e-15);
    }

    #[test]
    fn monthly_probability_compounds_to_annual() {
        let m = monthly_probability(0.12);
        assert!(((1.0 - m).powi(12) - 0.88).abs() < 1e-12);
        assert_eq!(monthly_probability(0.0), 0.0);
        assert_eq!(monthly_probability(1.0), 1.0);
    }
}
