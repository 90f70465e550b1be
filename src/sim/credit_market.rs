//! Phase 5 — screening and the credit market, with the public supports
//! that enter it: guarantees, Exim lending and on-lending, and export
//! credit insurance.

use crate::metrics::Tally;
use crate::model::bank::{PriceInputs, bucket_of, capital_room, loan_rate, score_of};
use crate::model::firm::{MAX_TERM_MONTHS, NEVER, NO_BOOK, Pool, PoolBook, PoolBooks};
use crate::model::government::guarantee::GuaranteeFund;
use crate::model::government::{eligible, guarantee};
use crate::model::loan::EXIM;
use crate::model::product::{Backing, PREFERENCE, PRODUCT_COUNT};
use crate::model::{Bank, Firm, Groups, Loan, PaymentTerm, ProductKind, World};
use crate::scenario::{BankType, Scenario};

use std::marker::PhantomData;

use rayon::prelude::*;

use super::pages::prefetch;
use super::parallel::{FIRM_CHUNK, FirmPhase, Slot, Sums, run_alone};
use super::radix::sort_stable_by_key;
use super::rng::{Purpose, Streams, pair};
use super::state::{CreditMonth, MAX_SEARCH, Replication, Shared};

/// Why a bank turned a request down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    /// An SME hard threshold on size, revenue, age or a known default.
    Threshold,
    /// The SME threshold on the observed score.
    Score,
    /// The SME threshold on collateral coverage.
    Collateral,
    /// The borrower's (or its group's) debt limit.
    Exposure,
    /// The risk-based rate exceeds the cap: rationed (Stiglitz & Weiss 1981).
    Price,
    /// Not enough capital (or SME quota) left.
    Capital,
    /// The application failed documentation and KYC checks.
    Documentation,
}

/// The reasons `Rejection::tally_index` tells apart.
pub const REJECTION_REASONS: usize = 5;

impl Rejection {
    /// Column of `rejection_share_<reason>_sme`: threshold (all hard
    /// thresholds), exposure, price, capital, documentation.
    pub fn tally_index(self) -> usize {
        match self {
            Rejection::Threshold | Rejection::Score | Rejection::Collateral => 0,
            Rejection::Exposure => 1,
            Rejection::Price => 2,
            Rejection::Capital => 3,
            Rejection::Documentation => 4,
        }
    }

    /// A guarantee can cure it: the firm may ask the agency.
    pub fn guarantee_can_cure(self) -> bool {
        matches!(self, Rejection::Score | Rejection::Collateral)
    }
}

/// What a bank knows about an applicant when it screens one request.
#[derive(Debug, Clone)]
pub struct Applicant {
    pub sme: bool,
    pub employees: f64,
    pub annual_revenue_kusd: f64,
    pub age_months: f64,
    /// Observed score s ∈ (0, 1) and its learning bucket.
    pub score: f64,
    pub bucket: usize,
    /// Months since a default the bank knows of.
    pub known_default_months: Option<u32>,
    pub free_collateral_kusd: f64,
    /// Debt and monthly revenue the exposure limit applies to: the firm's,
    /// or its group's under unified risk management.
    pub debt_for_limit_kusd: f64,
    pub revenue_for_limit_kusd: f64,
    /// Counts a group guarantee as protection (no unified risk management).
    pub group_guarantee_credit: bool,
}

/// The bank's side of one decision.
#[derive(Debug, Clone)]
pub struct Lender<'a> {
    pub bank_type: &'a BankType,
    pub equity: f64,
    pub rwa: f64,
    pub rwa_sme: f64,
    pub pd: f64,
}

/// Public support behind one request.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Support {
    /// Share of the loan guaranteed by the guarantee agency.
    pub guarantee: f64,
    /// Share of the backing receivable's loss the insurer pays
    /// (insurance-backed financing).
    pub insured: f64,
    /// Exim on-lending funds the bank may still use for this loan, and
    /// their rate; the loan is funded from them as far as they go.
    pub onlend_room: f64,
    pub onlend_rate: f64,
}

impl Support {
    pub const NONE: Support = Support {
        guarantee: 0.0,
        insured: 0.0,
        onlend_room: 0.0,
        onlend_rate: 0.0,
    };

    /// Share of the bank's risk carried by a third party.
    pub fn cover(&self) -> f64 {
        (self.guarantee + self.insured).min(1.0)
    }
}

/// An approved loan's terms.
#[derive(Debug, Clone, PartialEq)]
pub struct Offer {
    pub amount_kusd: f64,
    pub rate_annual: f64,
    pub pledged_kusd: f64,
    pub risk_weight: f64,
}

/// Market conditions that hold for every decision this month.
#[derive(Debug, Clone)]
pub struct Conditions {
    pub policy_rate: f64,
    pub deposit_rate: f64,
}

/// One bank's decision on one request of `requested` kUSD of `product` for
/// `tenor_months`, with `support`.
///
/// In order: SME hard thresholds (unless the product's risk is not the
/// firm's); the debt limit; capital (RWA ≤ equity / (minimum ratio +
/// buffer), and the SME quota); collateral (the firm pledges up to the
/// loan / recovery rate, an SME must reach the bank's coverage); then the
/// price `r = funding + markup + PD·LGD/(1−PD)/τ + h/(A·τ)` against the
/// cap. A request may be granted in part when the debt limit, capital or
/// collateral allow less than asked.
///
/// Support: the share c of the risk a guarantee or insurance carries
/// lowers what the bank asks of the firm — score threshold `min_score ×
/// (1 − c)`, collateral coverage on `(1 − c)` of the loan — and the LGD by
/// `(1 − c)`; that share is risk weighted at the regulator's weight for
/// guaranteed or insured exposures. On-lent funds replace the bank's
/// funding cost by the on-lending rate.
#[allow(clippy::too_many_arguments)]
pub fn evaluate(
    s: &Scenario,
    market: &Conditions,
    lender: &Lender,
    applicant: &Applicant,
    product: ProductKind,
    requested: f64,
    tenor_months: u32,
    support: &Support,
) -> Result<Offer, Rejection> {
    let bt = lender.bank_type;
    let reg = &s.government.regulator;
    let terms = product.terms(&s.banks.products);
    let min_loan = s.banks.min_lent_kusd();
    let cover = support.cover();
    if applicant.sme && product.firm_risk() {
        let th = &bt.sme_thresholds;
        let recent_default = applicant
            .known_default_months
            .is_some_and(|m| (m as f64) < th.min_months_since_default);
        if applicant.employees < th.min_employees
            || applicant.annual_revenue_kusd < th.min_annual_revenue_kusd
            || applicant.age_months < th.min_age_months
            || recent_default
        {
            return Err(Rejection::Threshold);
        }
        if applicant.score < th.min_score * (1.0 - cover) {
            return Err(Rejection::Score);
        }
    }

    let debt_room =
        bt.max_debt_to_monthly_revenue * applicant.revenue_for_limit_kusd - applicant.debt_for_limit_kusd;
    let mut amount = requested.min(debt_room);
    if amount < min_loan {
        return Err(Rejection::Exposure);
    }

    let risk_weight = risk_weight(s, product, applicant.sme, support);
    if risk_weight > 0.0 {
        let required = reg.min_capital_ratio + bt.capital_buffer;
        let mut room = capital_room(
            lender.equity,
            lender.rwa,
            reg.min_capital_ratio,
            bt.capital_buffer,
        );
        if applicant.sme {
            let quota = bt.sme_quota_share * lender.equity.max(0.0) / required - lender.rwa_sme;
            room = room.min(quota.max(0.0));
        }
        amount = amount.min(room / risk_weight);
        if amount < min_loan {
            return Err(Rejection::Capital);
        }
    }

    let mut coverage = 0.0;
    let mut pledged = 0.0;
    if terms.uses_collateral {
        let rr = reg.recovery_rate;
        let min_coverage = if applicant.sme && product.firm_risk() {
            bt.sme_thresholds.min_collateral_coverage * (1.0 - cover)
        } else {
            0.0
        };
        if min_coverage > 0.0 {
            amount = amount.min(applicant.free_collateral_kusd * rr / min_coverage);
            if amount < min_loan {
                return Err(Rejection::Collateral);
            }
        }
        pledged = if rr > 0.0 {
            applicant.free_collateral_kusd.min(amount / rr)
        } else {
            0.0
        };
        coverage = (pledged * rr / amount).min(1.0);
    }

    let guarantee_credit = if applicant.group_guarantee_credit && product.guaranteeable() {
        s.banks.group_guarantee_lgd_credit
    } else {
        0.0
    };
    let lgd = (terms.loss_given_default - coverage - guarantee_credit).max(s.banks.lgd_floor) * (1.0 - cover);
    let own_funding = market.deposit_rate + bt.funding_spread_annual;
    let onlend_share = (support.onlend_room.max(0.0) / amount).min(1.0);
    let rate = loan_rate(&PriceInputs {
        funding_annual: onlend_share * support.onlend_rate + (1.0 - onlend_share) * own_funding,
        markup_annual: bt.markup_annual,
        pd: lender.pd,
        lgd,
        handling_cost_kusd: bt.handling_cost_kusd,
        amount_kusd: amount,
        tenor_months,
        floor_annual: reg.rate_floor_multiple * market.policy_rate,
    });
    if rate > rate_cap(s, bt) * market.policy_rate {
        return Err(Rejection::Price);
    }
    Ok(Offer {
        amount_kusd: amount,
        rate_annual: rate,
        pledged_kusd: pledged,
        risk_weight,
    })
}

/// Risk weight of a loan: the product's exposure class (self-liquidating
/// trade exposures at the LC weight, others at the SME or corporate
/// weight), with the guaranteed and insured shares at their own weights
/// (Basel substitution approach).
pub fn risk_weight(s: &Scenario, product: ProductKind, sme: bool, support: &Support) -> f64 {
    let rw = &s.government.regulator.risk_weights;
    let base = if product.lc_risk_weight() {
        rw.lc_backed
    } else if sme {
        rw.sme
    } else {
        rw.corporate
    };
    base * (1.0 - support.cover()) + rw.guaranteed * support.guarantee + rw.insured * support.insured
}

/// Phase 5: banks screen applications and lend; then the Exim bank lends
/// to eligible exporters still short of finance.
///
/// Reads: applications, firm state, bank capital and learned PDs, the
/// government programmes. Writes: new loans, bank and agency books, firm
/// cash and debt, receivables assigned to banks, `granted`/`approved`,
/// firms' beliefs; tallies approvals, credit, rejections and support.
///
/// Rule: in round h = 1..H each firm with finance still missing applies to
/// one bank — its main bank first, then others at random (BAM: H banks,
/// Delli Gatti et al. 2011, ch. 3). Each bank serves its queue in priority
/// order — large firms first if it favours them, then by observed score —
/// so when capital is short the rest are rationed. A firm asks for the
/// products its bank offers in order of cost (`PREFERENCE`). A firm
/// rejected for its score or collateral on a loan on its own credit may
/// ask the guarantee agency, and the bank re-evaluates with the guarantee.
/// Last, each firm learns from its outcome (`Learning`).
pub fn banks_screen_and_lend(rep: &mut Replication) {
    banks_lend(rep);
    run_alone(rep, Learning).record(rep);
}

/// Phase 5 up to the firms' learning: the banks' rounds, then the Exim
/// bank's direct lending.
pub fn banks_lend(rep: &mut Replication) {
    let s = rep.scenario;
    let n_banks = rep.banks.len();
    let rounds = (s.banks.search_breadth as usize).min(n_banks).min(MAX_SEARCH);
    let market = Conditions {
        policy_rate: rep.world.policy_rate,
        deposit_rate: rep.world.deposit_rate,
    };
    let min_loan = s.banks.min_lent_kusd();
    // Firms still looking for finance, in id order: the list only shrinks
    // from round to round. The first round's visits, to the main banks,
    // were noted in phase 4.
    let mut picks = std::mem::take(&mut rep.applicants);
    let mut searching: Vec<u32> = Vec::with_capacity(picks.len());
    let Queues(mut queues) = std::mem::take(&mut rep.queues);
    queues.resize_with(n_banks, Vec::new);
    for round in 0..rounds {
        queues.iter_mut().for_each(Vec::clear);
        if round > 0 {
            picks = visit_other_banks(rep, &searching, round, min_loan);
        }
        searching.clear();
        for &(i, bank) in &picks {
            searching.push(i);
            queues[bank as usize].push(i);
        }
        serve_queues(rep, &market, &queues);
    }
    rep.queues = Queues(queues);
    if s.government.exim.direct.enabled {
        exim_lends(rep);
    }
}

/// Phase 5's end for one firm: it learns from its outcome (its belief
/// in approval moves towards 1 if approved, 0 if rejected, and back
/// towards its initial value if it did not apply), and its financing gap
/// is counted.
pub struct Learning<'a>(pub Shared<'a>);

impl FirmPhase for Learning<'_> {
    type Sums = Outcomes;

    fn firm(&self, slot: Slot, sums: &mut Outcomes) {
        let Slot { firm, credit, fm, .. } = slot;
        let belief = &self.0.s.firms.belief;
        if !firm.alive {
            return;
        }
        let class = firm.size_class.index();
        if credit.applied {
            let outcome = if credit.approved { 1.0 } else { 0.0 };
            firm.belief = (1.0 - belief.learning_rate) * firm.belief + belief.learning_rate * outcome;
            sums.approvals[class] += credit.approved as u32;
        } else {
            firm.belief += belief.recovery * (belief.initial - firm.belief);
        }
        let gap = (fm.need - credit.granted).max(0.0);
        sums.financing_gap[class] += gap;
        if credit.applied {
            sums.applicants_need += fm.need;
            sums.applicants_gap += gap;
        }
    }
}

impl Outcomes {
    /// Tallies approvals and the financing gap.
    pub fn record(self, rep: &mut Replication) {
        let tally = &mut rep.tally;
        for class in 0..4 {
            tally.approvals[class] += self.approvals[class];
            tally.financing_gap[class] += self.financing_gap[class];
        }
        tally.applicants_need += self.applicants_need;
        tally.applicants_gap += self.applicants_gap;
    }
}

/// The credit market's outcome summed over firms: approvals and the
/// financing gap by size class, and applicants' need and gap.
#[derive(Default)]
pub struct Outcomes {
    approvals: [u32; 4],
    financing_gap: [f64; 4],
    applicants_need: f64,
    applicants_gap: f64,
}

impl Sums for Outcomes {
    fn add(&mut self, later: Self) {
        for class in 0..4 {
            self.approvals[class] += later.approvals[class];
            self.financing_gap[class] += later.financing_gap[class];
        }
        self.applicants_need += later.applicants_need;
        self.applicants_gap += later.applicants_gap;
    }
}

/// Round `round` ≥ 1 of the search: each firm of `searching` (in id
/// order) still short of `min_loan` visits a bank it has not visited, at
/// random, and notes the visit. In parallel over chunks of firms; returns
/// (firm, bank) in id order.
fn visit_other_banks(
    rep: &mut Replication,
    searching: &[u32],
    round: usize,
    min_loan: f64,
) -> Vec<(u32, u16)> {
    debug_assert!(round > 0, "the first round's visits are noted in phase 4");
    let n_banks = rep.banks.len();
    let (streams, t) = (rep.streams, rep.t);
    // Where each chunk of firms starts in the (sorted) list.
    let chunks = rep.credit.len().div_ceil(FIRM_CHUNK);
    let bounds: Vec<usize> = (0..=chunks)
        .map(|c| searching.partition_point(|&i| (i as usize) < c * FIRM_CHUNK))
        .collect();
    let picks: Vec<Vec<(u32, u16)>> = rep
        .credit
        .par_chunks_mut(FIRM_CHUNK)
        .enumerate()
        .map(|(c, credit)| {
            let first = c * FIRM_CHUNK;
            let mut picks = Vec::with_capacity(bounds[c + 1] - bounds[c]);
            for &i in &searching[bounds[c]..bounds[c + 1]] {
                let fm = &mut credit[i as usize - first];
                if fm.unfinanced < min_loan {
                    continue;
                }
                let u = streams.uniform(t, pair(round, i as usize), Purpose::BankSearch);
                let bank = other_bank(fm, n_banks, u);
                fm.visited[fm.visits as usize] = bank as u16;
                fm.visits += 1;
                picks.push((i, bank as u16));
            }
            picks
        })
        .collect();
    picks.concat()
}

/// The `u`-th bank, uniformly, among those the firm has not visited.
fn other_bank(fm: &CreditMonth, n_banks: usize, u: f64) -> usize {
    let visited = &fm.visited[..fm.visits as usize];
    let candidates = n_banks - visited.len();
    let mut k = ((u * candidates as f64) as usize).min(candidates - 1);
    for bank in 0..n_banks {
        if visited.contains(&(bank as u16)) {
            continue;
        }
        if k == 0 {
            return bank;
        }
        k -= 1;
    }
    unreachable!("a firm visits fewer banks than exist")
}

/// Programmes whose support is reported: index into `Tally::supported`.
pub const GUARANTEE: usize = 0;
pub const EXIM_PROGRAMME: usize = 1;
pub const INSURANCE: usize = 2;

/// A firm in a bank's queue, as the bank screened it.
#[derive(Debug, Clone, Copy)]
struct Screened {
    firm: u32,
    /// Served before the others: a large firm at a bank that favours them.
    first: bool,
    sme: bool,
    /// Observed score and true creditworthiness z.
    score: f64,
    z: f64,
}

/// The part of bank `bank`'s misjudgement of firm `i` that lasts the
/// firm's life: drawn once per bank and firm (the slot's generation keys
/// a new firm).
pub fn lasting_screening_error(streams: &Streams, firm: &Firm, bank: usize, i: usize) -> f64 {
    streams.normal(firm.generation, pair(bank, i), Purpose::Screening)
}

/// A bank serves its queue in ascending order of this key: large firms
/// first (if it favours them), then best score; ties keep the queue's
/// order, which is by id (the sort is stable). A score is in [0, 1], where
/// the order of the bits is the order of the numbers and the sign bit is
/// 0, so the key is the priority bit above the complement of the score's
/// other 63 bits.
fn queue_key(a: &Screened) -> u64 {
    debug_assert!(a.score.is_sign_positive() && a.score <= 1.0);
    ((!a.first as u64) << 63) | (!a.score.to_bits() & (u64::MAX >> 1))
}

/// The bank at `desk` screens firm `i`: a noisy view of its
/// creditworthiness z.
/// Also returns, for an SME, the score's error |s − s_true|, which the
/// bank tallies.
fn screen(desk: &Desk, firm: &Firm, i: usize) -> (Screened, Option<f64>) {
    let s = desk.s;
    let bank = desk.id;
    let bt = &s.banks.types[desk.bank.bank_type];
    let z = firm.true_quality(
        &s.firms.credit_quality,
        desk.world.domestic_demand,
        desk.world.foreign_demand,
    );
    let relationship = if firm.main_bank as usize == bank {
        firm.relationship_months as f64
    } else {
        0.0
    };
    let bureau_gain = if firm.bureau_covered {
        desk.bureau_precision_gain
    } else {
        0.0
    };
    let noise_sd = screening_noise(s, bt, relationship, bureau_gain);
    // Part of a bank's misjudgement of a firm persists (drawn once
    // per bank and firm; the slot's generation keys a new firm),
    // part is new each month.
    let key = pair(bank, i);
    let lasting = if firm.main_bank as usize == bank {
        firm.main_bank_error
    } else {
        lasting_screening_error(&desk.streams, firm, bank, i)
    };
    let fresh = desk.streams.normal(desk.t, key, Purpose::ScreeningMonthly);
    let [lasting_weight, fresh_weight] = desk.error_weights;
    let error = lasting_weight * lasting + fresh_weight * fresh;
    let score = score_of(z + noise_sd * error);
    let screened = Screened {
        firm: i as u32,
        first: bt.large_firm_priority && !firm.is_sme(),
        sme: firm.is_sme(),
        score,
        z,
    };
    (screened, screened.sme.then(|| (score - score_of(z)).abs()))
}

/// Firm slots shared by the banks serving their queues at the same time.
/// A firm is in one bank's queue per round, so each slot is changed by
/// one bank only.
struct Slots<'a> {
    firms: *mut Firm,
    credit: *mut CreditMonth,
    len: usize,
    /// Each chunk's pool books: where they start, and how many.
    books: Vec<(*mut PoolBook, usize)>,
    _borrow: PhantomData<&'a mut [Firm]>,
}

// SAFETY: a slot is used only by the bank whose queue holds its firm this
// round (see `Slots::get` and `Slots::firm`).
unsafe impl Send for Slots<'_> {}
unsafe impl Sync for Slots<'_> {}

impl<'a> Slots<'a> {
    fn new(firms: &'a mut [Firm], credit: &'a mut [CreditMonth], books: &'a mut [PoolBooks]) -> Self {
        assert_eq!(firms.len(), credit.len());
        assert_eq!(books.len(), firms.len().div_ceil(FIRM_CHUNK));
        Slots {
            firms: firms.as_mut_ptr(),
            credit: credit.as_mut_ptr(),
            len: firms.len(),
            books: books.iter_mut().map(|b| (b.as_mut_ptr(), b.stored())).collect(),
            _borrow: PhantomData,
        }
    }

    /// Where firm `i`'s pool book is, if it has one.
    fn book_ptr(&self, i: usize, firm: &Firm) -> Option<*mut PoolBook> {
        let book = firm.dues.book_index();
        if book == NO_BOOK {
            return None;
        }
        let (start, len) = self.books[i / FIRM_CHUNK];
        assert!((book as usize) < len);
        // In bounds of the chunk's books, just checked.
        Some(start.wrapping_add(book as usize))
    }

    /// Firm `i`'s pool book, if it has one, to read.
    ///
    /// # Safety
    /// As for `read`: no one may be changing firm `i`'s slot, and `firm`
    /// is firm `i`.
    unsafe fn read_book(&self, i: usize, firm: &Firm) -> Option<&PoolBook> {
        // SAFETY: a book belongs to one firm; nobody writes it by the
        // caller's contract.
        self.book_ptr(i, firm).map(|p| unsafe { &*p })
    }

    /// Firm `i`'s pool book, if it has one, to change.
    ///
    /// # Safety
    /// As for `get`: only the bank serving firm `i` may call this, `firm`
    /// is firm `i`, and no other reference to its book may be alive.
    #[allow(clippy::mut_from_ref)]
    unsafe fn book(&self, i: usize, firm: &Firm) -> Option<&mut PoolBook> {
        // SAFETY: a book belongs to one firm; exclusive by the caller's
        // contract.
        self.book_ptr(i, firm).map(|p| unsafe { &mut *p })
    }

    /// Firm `i` and the credit market's part of its month, to change.
    ///
    /// # Safety
    /// Only the bank serving the queue that holds firm `i` may call this,
    /// and no other reference to slot `i` may be alive.
    #[allow(clippy::mut_from_ref)]
    unsafe fn get(&self, i: usize) -> (&mut Firm, &mut CreditMonth) {
        assert!(i < self.len);
        // SAFETY: in bounds; exclusive by the caller's contract.
        unsafe { (&mut *self.firms.add(i), &mut *self.credit.add(i)) }
    }

    /// Asks the CPU to start loading firm `i`'s scalars, which screening
    /// reads. A bank screens its queue in id order, but its applicants are
    /// spread over the whole population. A hint only: it reads nothing and
    /// changes nothing.
    fn prefetch_scalars(&self, i: usize) {
        if i < self.len {
            prefetch(self.firms.wrapping_add(i), std::mem::offset_of!(Firm, dues));
        }
    }

    /// Asks the CPU to start loading what serving firm `i` reads and
    /// writes: the whole firm (its due book takes a new loan) and the
    /// credit market's line of its month (`CreditMonth`). Banks serve
    /// applicants in score order, at random over the population, and each
    /// serving waits on memory otherwise. A hint only.
    fn prefetch(&self, i: usize) {
        if i < self.len {
            prefetch(self.firms.wrapping_add(i), std::mem::size_of::<Firm>());
            prefetch(self.credit.wrapping_add(i), std::mem::size_of::<CreditMonth>());
        }
    }

    /// Asks the CPU to start loading firm `i`'s pool book, if it has one,
    /// once the firm itself is in cache (the firm says where the book is).
    ///
    /// # Safety
    /// As for `read`.
    unsafe fn prefetch_book(&self, i: usize) {
        if i < self.len {
            // SAFETY: in bounds; nobody writes by the caller's contract.
            let firm = unsafe { &*self.firms.add(i) };
            if let Some(book) = self.book_ptr(i, firm) {
                prefetch(book, std::mem::size_of::<PoolBook>());
            }
        }
    }

    /// Firm `i` and the credit market's part of its month, to read.
    ///
    /// # Safety
    /// No one may be changing slot `i`: it is in the caller's own queue, or
    /// banks serve one at a time.
    unsafe fn read(&self, i: usize) -> (&Firm, &CreditMonth) {
        assert!(i < self.len);
        // SAFETY: in bounds; nobody writes by the caller's contract.
        unsafe { (&*self.firms.add(i), &*self.credit.add(i)) }
    }
}

/// What the month's tally and ledger need of a loan a bank granted,
/// besides the loan itself: one for each of the desk's new loans, in the
/// same order (the amount, product and SME flag are the loan's).
#[derive(Debug, Clone, Copy)]
struct Lent {
    rate: f64,
    /// The guarantee fee, 0 without a guarantee (the fees' sums start at
    /// +0 and only grow, so adding it changes no bit then).
    guarantee_fee: f64,
}

/// The banks' queues, kept from month to month so that their buffers
/// are not allocated (and their pages not faulted in) anew each month:
/// each holds nothing between rounds. (A queue takes 4 bytes an
/// applicant; what a bank's decisions add, in `DeskState`, takes more
/// and lives only for the round: kept for every bank, its buffers held
/// 3 % of the peak memory at 200,000 firms.)
#[derive(Debug, Clone, Default)]
pub struct Queues(Vec<Vec<u32>>);

/// A bank's round: what its decisions add to the month's tally and
/// ledger, with its new loans.
///
/// The sums are applied after the round in bank order, each list in the
/// order the bank made its decisions, so that every sum is the same
/// whether banks serve in parallel or one by one. The lists feed
/// separate sums, so their order relative to each other does not
/// matter; counts need no order at all.
#[derive(Debug, Clone, Default)]
struct DeskState {
    /// Score errors |s − s_true| of the SMEs screened, in queue (id) order.
    sme_screening_errors: Vec<f64>,
    lent: Vec<Lent>,
    /// Credit owed to public support, for the loans that had some.
    supported: Vec<Credited>,
    /// SME rejections, by `Rejection::tally_index`.
    sme_rejections: [u32; REJECTION_REASONS],
    loans: Vec<Loan>,
}

impl DeskState {
    /// Adds the round's decisions to the month's tally and ledger, at
    /// `handling` kUSD of handling cost per loan (the bank's type's).
    fn apply(self, rep: &mut Replication, handling: f64) {
        for error in self.sme_screening_errors {
            rep.tally.sme_screened += 1;
            rep.tally.sme_screening_error += error;
        }
        debug_assert_eq!(self.lent.len(), self.loans.len(), "one record per new loan");
        for (lent, loan) in self.lent.into_iter().zip(&self.loans) {
            rep.ledger.deposits_raised += loan.principal;
            rep.ledger.handling_costs += handling;
            rep.ledger.guarantee_fees += lent.guarantee_fee;
            rep.accounts.guarantee_fees += lent.guarantee_fee;
            tally_credit(&mut rep.tally, loan.product, loan.sme, loan.principal, lent.rate);
        }
        for credited in &self.supported {
            record_support(&mut rep.tally, credited);
        }
        for (total, n) in rep.tally.sme_rejections.iter_mut().zip(self.sme_rejections) {
            *total += n;
        }
        rep.loans.extend_from_slice(&self.loans);
    }
}

/// One bank at its desk for a round: its own books, the firms' slots, the
/// guarantee fund when guarantees are on (banks then serve one at a time),
/// and what its decisions add to the month's sums.
struct Desk<'a> {
    s: &'a Scenario,
    world: &'a World,
    groups: &'a Groups,
    streams: Streams,
    t: u32,
    market: &'a Conditions,
    id: usize,
    bank: &'a mut Bank,
    slots: &'a Slots<'a>,
    guarantee: Option<&'a mut GuaranteeFund>,
    bureau_precision_gain: f64,
    /// How a screening error mixes the lasting and the month's part:
    /// `[√ρ, √(1 − ρ)]` for persistence ρ.
    error_weights: [f64; 2],
    out: &'a mut DeskState,
}

/// Serves every bank's sorted queue for one round: in parallel when the
/// banks' decisions are independent, else one bank after the other.
/// Decisions depend on other banks' only through the guarantee agency's
/// fund and, under unified risk management, the debt of a firm's group
/// (whose members may be in other queues).
fn serve_queues(rep: &mut Replication, market: &Conditions, queues: &[Vec<u32>]) {
    let s = rep.scenario;
    let independent =
        !s.government.guarantee.enabled && !s.banks.types.iter().any(|bt| bt.unified_risk_management);
    let mut desks: Vec<DeskState> = (0..queues.len()).map(|_| DeskState::default()).collect();
    {
        let slots = Slots::new(&mut rep.firms, &mut rep.credit, &mut rep.books);
        let (world, groups, streams, t) = (&rep.world, &rep.groups, rep.streams, rep.t);
        let bureau_precision_gain = rep.setup.bureau_precision_gain;
        let persistence = s.banks.screening_error_persistence;
        let error_weights = [persistence.sqrt(), (1.0 - persistence).sqrt()];
        let serve = |id: usize,
                     bank: &'_ mut Bank,
                     guarantee: Option<&'_ mut GuaranteeFund>,
                     out: &'_ mut DeskState| {
            let mut desk = Desk {
                s,
                world,
                groups,
                streams,
                t,
                market,
                id,
                bank,
                slots: &slots,
                guarantee,
                bureau_precision_gain,
                error_weights,
                out,
            };
            serve_queue(&mut desk, &queues[id]);
        };
        if independent {
            rep.banks
                .par_iter_mut()
                .zip(desks.par_iter_mut())
                .enumerate()
                .for_each(|(id, (bank, out))| serve(id, bank, None, out));
        } else {
            let guarantee = &mut rep.government.guarantee;
            for (id, (bank, out)) in rep.banks.iter_mut().zip(desks.iter_mut()).enumerate() {
                serve(id, bank, Some(&mut *guarantee), out);
            }
        }
    }
    // Each desk's buffers are freed as soon as they are applied.
    for (id, desk) in desks.into_iter().enumerate() {
        let handling = s.banks.types[rep.banks[id].bank_type].handling_cost_kusd;
        desk.apply(rep, handling);
    }
}

/// One bank serves the applicants in its queue this round, in the order
/// of the sorted queue.
fn serve_queue(desk: &mut Desk, queue: &[u32]) {
    let s = desk.s;
    let market = desk.market;
    let bt = &s.banks.types[desk.bank.bank_type];
    let buckets = s.banks.pd_buckets as usize;
    let g = &s.government.guarantee;

    // Fetched this many applicants ahead, a firm is in cache when its
    // turn comes.
    const AHEAD: usize = 4;
    // Screen everyone first: the observed score orders the queue. Like
    // the sort's, this buffer lives only while the bank serves: at most
    // one per thread rather than one per bank, kept from month to month.
    let mut screened = Vec::with_capacity(queue.len());
    for (k, &i) in queue.iter().enumerate() {
        if let Some(&next) = queue.get(k + AHEAD) {
            desk.slots.prefetch_scalars(next as usize);
        }
        // SAFETY: firm i is in this bank's queue.
        let (firm, _) = unsafe { desk.slots.read(i as usize) };
        let (applicant, error) = screen(desk, firm, i as usize);
        if let Some(error) = error {
            desk.out.sme_screening_errors.push(error);
        }
        screened.push(applicant);
    }
    debug_assert!(queue.is_sorted(), "a queue is in id order");
    // The sort's buffer lives only while it sorts, at most one per thread:
    // one kept per bank added 2.5 % to the peak memory at 1,000,000 firms.
    sort_stable_by_key(&mut screened, queue_key);

    // The bank's products, in the order firms ask for them.
    let mut offered = [ProductKind::WorkingCapital; PRODUCT_COUNT];
    let mut n_offered = 0;
    for product in PREFERENCE.into_iter().filter(|p| bt.products.contains(p)) {
        offered[n_offered] = product;
        n_offered += 1;
    }
    let offered = &offered[..n_offered];
    for (
        k,
        &Screened {
            score, firm: i, z, ..
        },
    ) in screened.iter().enumerate()
    {
        if let Some(next) = screened.get(k + AHEAD) {
            desk.slots.prefetch(next.firm as usize);
        }
        if let Some(next) = screened.get(k + AHEAD / 2) {
            // SAFETY: that firm is in this bank's queue.
            unsafe { desk.slots.prefetch_book(next.firm as usize) };
        }
        let i = i as usize;
        for &product in offered {
            // SAFETY: firm i is in this bank's queue (as for every `read`
            // and `get` below).
            let (firm, fm) = unsafe { desk.slots.read(i) };
            if fm.unfinanced < s.banks.min_lent_kusd() {
                break;
            }
            // SAFETY: as for `read` above.
            let book = unsafe { desk.slots.read_book(i, firm) };
            for &(due, requested) in requests(s, desk.t, book, fm, product).as_slice() {
                let applicant = applicant(desk, i, score, buckets);
                let b = &*desk.bank;
                let lender = Lender {
                    bank_type: bt,
                    equity: b.equity,
                    rwa: b.rwa,
                    rwa_sme: b.rwa_sme,
                    pd: b.pd.estimate(product, applicant.bucket),
                };
                let tenor = due - desk.t;
                let mut support = Support::NONE;
                if product == ProductKind::InsuranceBacked {
                    support.insured = s.government.insurance.indemnity_share;
                }
                let onlend_room = b.onlend_limit - b.onlend_used;
                if applicant.sme && onlend_room > 0.0 {
                    support.onlend_room = onlend_room;
                    support.onlend_rate = s.government.exim.on_lending.rate_annual;
                }
                let decide = |support: &Support, requested: f64| {
                    evaluate(s, market, &lender, &applicant, product, requested, tenor, support)
                };
                match decide(&support, requested) {
                    Ok(offer) => {
                        let credited = additionality(&offer, &support, |sup| {
                            decide(sup, requested).map_or(0.0, |o| o.amount_kusd)
                        });
                        let loan = Approval {
                            product,
                            due,
                            offer,
                            support,
                        };
                        grant(desk, i, &applicant, &loan, credited);
                    }
                    Err(reason) => {
                        if applicant.sme {
                            desk.out.sme_rejections[reason.tally_index()] += 1;
                        }
                        let owed_per_kusd = 1.0 + rate_cap(s, bt) * market.policy_rate * tenor as f64 / 12.0;
                        let Some(amount) =
                            guarantee_for(desk, i, z, product, reason, requested, owed_per_kusd)
                        else {
                            continue;
                        };
                        let guaranteed = Support {
                            guarantee: g.coverage,
                            ..support
                        };
                        if let Ok(offer) = decide(&guaranteed, amount) {
                            let credited = additionality(&offer, &guaranteed, |sup| {
                                decide(sup, amount).map_or(0.0, |o| o.amount_kusd)
                            });
                            let loan = Approval {
                                product,
                                due,
                                offer,
                                support: guaranteed,
                            };
                            grant(desk, i, &applicant, &loan, credited);
                        }
                    }
                }
            }
        }
    }
}

/// Highest loan rate a bank may charge, as a multiple of the policy rate:
/// its own cap, or the regulator's if lower.
fn rate_cap(s: &Scenario, bt: &BankType) -> f64 {
    s.government
        .regulator
        .rate_cap_multiple
        .map_or(bt.rate_cap_multiple, |c| c.min(bt.rate_cap_multiple))
}

/// After a rejection a guarantee could cure, an eligible firm asks the
/// guarantee agency, which screens it itself (its view of a firm persists,
/// like a bank's) and returns the amount it agrees to guarantee.
/// `owed_per_kusd` bounds what each kUSD lent will owe at maturity.
fn guarantee_for(
    desk: &Desk,
    i: usize,
    z: f64,
    product: ProductKind,
    reason: Rejection,
    requested: f64,
    owed_per_kusd: f64,
) -> Option<f64> {
    let g = &desk.s.government.guarantee;
    // SAFETY: firm i is in this bank's queue.
    let (firm, _) = unsafe { desk.slots.read(i) };
    let can_ask = g.enabled
        && reason.guarantee_can_cure()
        && product.guaranteeable()
        && eligible(&g.eligible, firm.size_class);
    if !can_ask {
        return None;
    }
    let error = desk
        .streams
        .normal(firm.generation, i as u64, Purpose::GuaranteeScreening);
    let agency_score = score_of(z + g.screening_noise * error);
    desk.guarantee
        .as_deref()
        .expect("banks serve one at a time when guarantees are on")
        .accept(g, agency_score, requested, owed_per_kusd)
}

/// An approved request: what, when due, its terms and the support behind it.
struct Approval {
    product: ProductKind,
    due: u32,
    offer: Offer,
    support: Support,
}

/// Books an approval and the support it owes to public programmes.
fn grant(desk: &mut Desk, i: usize, applicant: &Applicant, loan: &Approval, credited: Credited) {
    lend(desk, i, applicant, loan);
    // Without support there is nothing to add: the tally's sums start at
    // +0 and only grow, so adding zeros would change no bit.
    if credited != Credited::default() {
        desk.out.supported.push(credited);
    }
}

/// Credit an approval owes to public support, by programme
/// (`GUARANTEE`, `EXIM_PROGRAMME`, `INSURANCE`) and in all.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Credited {
    pub supported: [f64; 3],
    pub additional: [f64; 3],
    pub supported_any: f64,
    pub additional_any: f64,
}

/// Additionality of an approval that used support: the same application
/// evaluated without one programme's support (and without any), with the
/// same draws; the credit that would not have been granted is additional.
/// `amount_without` gives the amount approved under a reduced support (0
/// if rejected).
pub fn additionality(offer: &Offer, support: &Support, amount_without: impl Fn(&Support) -> f64) -> Credited {
    let amount = offer.amount_kusd;
    let mut c = Credited::default();
    let programmes = [
        (
            GUARANTEE,
            support.guarantee > 0.0,
            Support {
                guarantee: 0.0,
                ..*support
            },
        ),
        (
            EXIM_PROGRAMME,
            support.onlend_room > 0.0,
            Support {
                onlend_room: 0.0,
                ..*support
            },
        ),
        (
            INSURANCE,
            support.insured > 0.0,
            Support {
                insured: 0.0,
                ..*support
            },
        ),
    ];
    for (programme, used, without) in programmes {
        if used {
            c.supported[programme] = amount;
            c.additional[programme] = (amount - amount_without(&without)).max(0.0);
        }
    }
    if programmes.iter().any(|p| p.1) {
        c.supported_any = amount;
        c.additional_any = (amount - amount_without(&Support::NONE)).max(0.0);
    }
    c
}

fn record_support(t: &mut Tally, c: &Credited) {
    for p in 0..3 {
        t.supported[p] += c.supported[p];
        t.additional[p] += c.additional[p];
    }
    t.supported_any += c.supported_any;
    t.additional_any += c.additional_any;
}

/// The loans a firm asks one bank for under one product: (due month,
/// amount), at most one per month a receivable can fall due.
struct Requests {
    items: [(u32, f64); MAX_TERM_MONTHS as usize],
    len: usize,
}

impl Requests {
    fn none() -> Self {
        Requests {
            items: [(0, 0.0); MAX_TERM_MONTHS as usize],
            len: 0,
        }
    }

    fn one(due: u32, amount: f64) -> Self {
        let mut r = Requests::none();
        r.push(due, amount);
        r
    }

    fn push(&mut self, due: u32, amount: f64) {
        self.items[self.len] = (due, amount);
        self.len += 1;
    }

    fn as_slice(&self) -> &[(u32, f64)] {
        &self.items[..self.len]
    }
}

/// The loans a firm asks one bank for under `product`: (due month, amount).
/// A receivable-backed product is one request per month in which its
/// receivables fall due; pre-shipment products are due with this month's
/// LC orders.
fn requests(
    s: &Scenario,
    t: u32,
    book: Option<&PoolBook>,
    fm: &CreditMonth,
    product: ProductKind,
) -> Requests {
    let lc_term = u32::from(fm.term[PaymentTerm::LetterOfCredit as usize]);
    let this_month = |room: f64, due: u32| {
        if room > 0.0 && due > t {
            Requests::one(due, room.min(fm.unfinanced))
        } else {
            Requests::none()
        }
    };
    match product {
        ProductKind::LcNegotiation | ProductKind::InsuranceBacked | ProductKind::Factoring => {
            let advance = product.terms(&s.banks.products).advance_ratio;
            let mut left = fm.unfinanced;
            let mut out = Requests::none();
            for due in t + 1..=t + MAX_TERM_MONTHS {
                let pool = book.map_or(Pool::default(), |b| b.pool(due, product.backing()));
                let room = advance * pool.face - pool.owed;
                if room > 0.0 && left > 0.0 {
                    let ask = room.min(left);
                    out.push(due, ask);
                    left -= ask;
                }
            }
            out
        }
        ProductKind::RedClause => this_month(fm.red_clause_room.min(fm.packing_room), t + lc_term),
        ProductKind::PackingLoan => this_month(fm.packing_room, t + lc_term),
        ProductKind::ImportLc => {
            this_month(fm.import_room, t + s.banks.products.import_lc.tenor_months.max(1))
        }
        ProductKind::WorkingCapital => {
            let tenor = s.banks.products.working_capital.tenor_months.max(1);
            Requests::one(t + tenor, fm.unfinanced)
        }
    }
}

/// Standard deviation of a credit officer's error on z: the bank's staff
/// quality, reduced over a relationship (Berger & Udell 2002: relationship
/// lending produces soft information) and by the precision gain of a credit
/// bureau that covers the firm.
pub fn screening_noise(s: &Scenario, bt: &BankType, relationship_months: f64, bureau_gain: f64) -> f64 {
    let b = &s.banks;
    let relationship = (relationship_months / b.relationship_full_months).min(1.0);
    bt.screening_noise * (1.0 - b.relationship_noise_reduction * relationship) * (1.0 - bureau_gain)
}

/// Whether a lender knows of the firm's last default: the bank it
/// defaulted with always does; with a credit bureau that shares records,
/// every lender does for a covered firm.
fn knows_default(s: &Scenario, firm: &Firm, lender: u16) -> bool {
    firm.months_since_default != NEVER
        && (firm.defaulted_with_bank == lender
            || (s.government.bureau.enabled && s.government.bureau.shared_defaults && firm.bureau_covered))
}

fn applicant(desk: &Desk, i: usize, score: f64, buckets: usize) -> Applicant {
    let s = desk.s;
    let w = desk.world;
    // SAFETY: firm i is in this bank's queue.
    let (firm, _) = unsafe { desk.slots.read(i) };
    let bt = &s.banks.types[desk.bank.bank_type];
    let sales = |f: &Firm| f.expected_sales(w.domestic_demand, w.foreign_demand);
    let (debt, revenue) = if bt.unified_risk_management && firm.in_group() {
        desk.groups
            .members(firm.group)
            .iter()
            // SAFETY: under unified risk management banks serve one at a
            // time, so no member is being changed.
            .map(|&m| unsafe { desk.slots.read(m as usize) }.0)
            .fold((0.0, 0.0), |(d, r), f| (d + f.debt_kusd, r + sales(f)))
    } else {
        (firm.debt_kusd, sales(firm))
    };
    Applicant {
        sme: firm.is_sme(),
        employees: firm.employees(),
        annual_revenue_kusd: 12.0 * sales(firm),
        age_months: firm.age_months as f64,
        score,
        bucket: bucket_of(score, buckets),
        known_default_months: knows_default(s, firm, desk.id as u16).then_some(firm.months_since_default),
        free_collateral_kusd: firm.free_collateral(),
        debt_for_limit_kusd: debt,
        revenue_for_limit_kusd: revenue,
        group_guarantee_credit: firm.in_group() && !bt.unified_risk_management,
    }
}

/// Books an approved bank loan on both sides, with its guarantee fee and
/// the on-lent funds that fund it (as far as they go).
fn lend(desk: &mut Desk, i: usize, applicant: &Applicant, loan: &Approval) {
    let Approval {
        product,
        due,
        ref offer,
        ref support,
    } = *loan;
    let s = desk.s;
    let amount = offer.amount_kusd;
    let tenor_months = due - desk.t;
    let owed = amount * (1.0 + offer.rate_annual * tenor_months as f64 / 12.0);
    let rwa = amount * offer.risk_weight;
    let handling = s.banks.types[desk.bank.bank_type].handling_cost_kusd;
    let onlent = amount.min(support.onlend_room.max(0.0));

    let b = &mut *desk.bank;
    b.book_loan(amount, rwa, applicant.sme);
    b.pay(handling);
    b.onlend_used += onlent;

    let fee = if support.guarantee > 0.0 {
        let covered = support.guarantee * owed;
        let fee = guarantee::fee(s.government.guarantee.fee, covered, tenor_months);
        desk.guarantee
            .as_deref_mut()
            .expect("banks serve one at a time when guarantees are on")
            .issue(covered, fee);
        fee
    } else {
        0.0
    };
    desk.out.lent.push(Lent {
        rate: offer.rate_annual,
        guarantee_fee: fee,
    });
    // SAFETY: firm i is in this bank's queue, and no other reference to
    // its slot is alive.
    let (firm, fm) = unsafe { desk.slots.get(i) };
    // SAFETY: as for `get`; the firm's book is its own.
    let book = unsafe { desk.slots.book(i, firm) };
    book_debt(
        firm,
        fm,
        book,
        product,
        due,
        amount - fee,
        owed,
        offer.pledged_kusd,
    );
    match product {
        ProductKind::RedClause => {
            fm.red_clause_room = (fm.red_clause_room - amount).max(0.0);
            fm.packing_room = (fm.packing_room - amount).max(0.0);
        }
        ProductKind::PackingLoan => fm.packing_room = (fm.packing_room - amount).max(0.0),
        ProductKind::ImportLc => fm.import_room = (fm.import_room - amount).max(0.0),
        _ => {}
    }
    desk.out.loans.push(Loan {
        principal: amount,
        owed,
        pledged: offer.pledged_kusd,
        rwa,
        guarantee: support.guarantee,
        onlent,
        firm: i as u32,
        due,
        bank: desk.id as u16,
        product,
        bucket: applicant.bucket as u8,
        sme: applicant.sme,
    });
}

/// The firm's side of a new loan: `cash_in` received now, `owed` at `due`.
#[allow(clippy::too_many_arguments)]
fn book_debt(
    firm: &mut Firm,
    fm: &mut CreditMonth,
    book: Option<&mut PoolBook>,
    product: ProductKind,
    due: u32,
    cash_in: f64,
    owed: f64,
    pledged: f64,
) {
    firm.cash_kusd += cash_in;
    firm.debt_kusd += owed;
    firm.pledged_kusd += pledged;
    match product.backing() {
        Backing::Firm => {
            firm.dues.add_loan(due, owed, pledged);
            firm.debt_general_kusd += owed;
        }
        // Lent against receivables in the book (or, pre-shipment, against
        // this month's LC orders, whose book phase 4 opened).
        backing => {
            let book = book.expect("a receivable-backed loan has a pool book");
            *book.owed_mut(due, backing) += owed;
        }
    }
    fm.unfinanced = (fm.unfinanced - cash_in).max(0.0);
    fm.granted += cash_in;
    fm.approved = true;
}

fn tally_credit(tally: &mut Tally, product: ProductKind, sme: bool, amount: f64, rate: f64) {
    tally.credit_new[product.index()] += amount;
    let class = if sme { 0 } else { 1 };
    tally.credit_new_by_sme[class] += amount;
    tally.rate_weighted_by_sme[class] += amount * rate;
}

/// The Exim bank's direct lending, after the commercial banks: eligible
/// firms still short of finance, best score first as the Exim bank sees
/// it, until the year's budget is spent. Its loans are working-capital
/// loans on the firm's own credit, secured by whatever collateral is free,
/// at the concessional rate.
fn exim_lends(rep: &mut Replication) {
    let s = rep.scenario;
    let p = &s.government.exim.direct;
    let min_loan = s.banks.min_lent_kusd();
    let w = &rep.world;
    let mut applicants: Vec<(f64, usize)> = rep
        .firms
        .iter()
        .zip(rep.credit.iter())
        .enumerate()
        .filter(|(_, (firm, fm))| {
            firm.alive && !firm.closing && fm.applied && !fm.documents_rejected && fm.unfinanced >= min_loan
        })
        .filter(|(_, (firm, _))| !knows_default(s, firm, EXIM))
        .map(|(i, (firm, _))| {
            let z = firm.true_quality(&s.firms.credit_quality, w.domestic_demand, w.foreign_demand);
            let error = rep
                .streams
                .normal(firm.generation, i as u64, Purpose::EximScreening);
            (score_of(z + p.screening_noise * error), i)
        })
        .collect();
    applicants.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let rr = s.government.regulator.recovery_rate;
    for (score, i) in applicants {
        let firm = &rep.firms[i];
        let Some(amount) = rep.government.exim.offer(
            p,
            firm.size_class,
            firm.exporter,
            score,
            rep.credit[i].unfinanced,
            min_loan,
        ) else {
            continue;
        };
        let due = rep.t + p.tenor_months;
        let owed = amount * (1.0 + p.rate_annual * p.tenor_months as f64 / 12.0);
        let pledged = if rr > 0.0 {
            firm.free_collateral().min(amount / rr)
        } else {
            0.0
        };
        let sme = firm.is_sme();
        rep.government.exim.lend(amount);
        rep.ledger.exim_disbursed += amount;
        book_debt(
            &mut rep.firms[i],
            &mut rep.credit[i],
            None,
            ProductKind::WorkingCapital,
            due,
            amount,
            owed,
            pledged,
        );
        tally_credit(
            &mut rep.tally,
            ProductKind::WorkingCapital,
            sme,
            amount,
            p.rate_annual,
        );
        // The banks had their turn: all of it is additional.
        rep.tally.exim_lending += amount;
        record_support(
            &mut rep.tally,
            &Credited {
                supported: [0.0, amount, 0.0],
                additional: [0.0, amount, 0.0],
                supported_any: amount,
                additional_any: amount,
            },
        );
        rep.loans.push(Loan {
            principal: amount,
            owed,
            pledged,
            rwa: 0.0,
            guarantee: 0.0,
            onlent: 0.0,
            firm: i as u32,
            due,
            bank: EXIM,
            product: ProductKind::WorkingCapital,
            bucket: 0,
            sme,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::SmeThresholds;

    fn bank_type() -> BankType {
        BankType {
            funding_spread_annual: 0.005,
            markup_annual: 0.02,
            capital_buffer: 0.02,
            handling_cost_kusd: 0.3,
            rate_cap_multiple: 1.6,
            max_debt_to_monthly_revenue: 4.0,
            sme_thresholds: SmeThresholds {
                min_employees: 20.0,
                min_annual_revenue_kusd: 500.0,
                min_age_months: 24.0,
                min_score: 0.3,
                min_collateral_coverage: 0.5,
                min_months_since_default: 24.0,
            },
            ..BankType::default()
        }
    }

    fn applicant() -> Applicant {
        Applicant {
            sme: true,
            employees: 50.0,
            annual_revenue_kusd: 2_000.0,
            age_months: 60.0,
            score: 0.6,
            bucket: 6,
            known_default_months: None,
            free_collateral_kusd: 200.0,
            debt_for_limit_kusd: 0.0,
            revenue_for_limit_kusd: 170.0,
            group_guarantee_credit: false,
        }
    }

    fn market() -> Conditions {
        Conditions {
            policy_rate: 0.07,
            deposit_rate: 0.04,
        }
    }

    fn decide(
        bt: &BankType,
        a: &Applicant,
        equity: f64,
        rwa: f64,
        pd: f64,
        amount: f64,
    ) -> Result<Offer, Rejection> {
        decide_supported(bt, a, [equity, rwa, pd, amount], &Support::NONE)
    }

    /// A working-capital request for 4 months; `[equity, rwa, pd, amount]`.
    fn decide_supported(
        bt: &BankType,
        a: &Applicant,
        [equity, rwa, pd, amount]: [f64; 4],
        support: &Support,
    ) -> Result<Offer, Rejection> {
        let s = Scenario::default();
        let lender = Lender {
            bank_type: bt,
            equity,
            rwa,
            rwa_sme: rwa,
            pd,
        };
        evaluate(
            &s,
            &market(),
            &lender,
            a,
            ProductKind::WorkingCapital,
            amount,
            4,
            support,
        )
    }

    /// 100 kUSD for 4 months, 200 of free collateral at 40 % recovery:
    /// pledge 200, coverage 0.8, LGD max(0.1, 1 − 0.8) = 0.2; PD 5 %;
    /// r = 0.045 + 0.02 + 0.05·0.2/0.95/(1/3) + 0.3/(100/3) = 0.105579.
    /// The main bank's error kept in `Firm` is the one drawn for the pair,
    /// for the initial firms and for entrants in reused slots.
    #[test]
    fn firms_keep_their_main_banks_lasting_screening_error() {
        let mut s = Scenario::default();
        s.simulation.firms = 400;
        let mut rep = Replication::new(&s, 1);
        for _ in 0..36 {
            crate::sim::month::step(&mut rep);
        }
        let mut entrants = 0;
        for (i, firm) in rep.firms.iter().enumerate().filter(|(_, f)| f.alive) {
            entrants += (firm.generation > 0) as u32;
            let drawn = lasting_screening_error(&rep.streams, firm, firm.main_bank as usize, i);
            assert_eq!(firm.main_bank_error, drawn, "firm {i}");
        }
        assert!(entrants > 10, "{entrants} entrants");
    }

    #[test]
    fn queue_order_is_priority_then_score_then_id() {
        let next_up = |x: f64| f64::from_bits(x.to_bits() + 1);
        let scores = [0.0, 1.0, 0.5, next_up(0.5), 0.25, 1e-300, next_up(0.0), 0.999_999];
        let mut queue = Vec::new();
        for (k, &score) in scores.iter().enumerate() {
            for first in [false, true] {
                for firm in [7, 3] {
                    queue.push(Screened {
                        firm: firm + 10 * k as u32,
                        first,
                        sme: !first,
                        score,
                        z: 0.0,
                    });
                }
            }
        }
        queue.push(Screened { firm: 1, ..queue[4] });
        // The queue comes in id order.
        queue.sort_by_key(|a| a.firm);
        let mut by_key = queue.clone();
        sort_stable_by_key(&mut by_key, queue_key);
        queue.sort_by(|a, b| {
            b.first
                .cmp(&a.first)
                .then(b.score.total_cmp(&a.score))
                .then(a.firm.cmp(&b.firm))
        });
        let ids = |q: &[Screened]| q.iter().map(|a| (a.first, a.score, a.firm)).collect::<Vec<_>>();
        assert_eq!(ids(&by_key), ids(&queue));
        assert_eq!((by_key[0].first, by_key[0].score), (true, 1.0));
        assert_eq!((by_key[1].firm, by_key[2].score), (17, 0.999_999));
        assert_eq!(
            (by_key.last().unwrap().first, by_key.last().unwrap().score),
            (false, 0.0)
        );
    }

    #[test]
    fn approval_prices_risk_collateral_and_handling() {
        let offer = decide(&bank_type(), &applicant(), 1_000.0, 0.0, 0.05, 100.0).unwrap();
        let rate = 0.045 + 0.02 + 0.05 * 0.2 / 0.95 * 3.0 + 0.009;
        assert!((offer.rate_annual - rate).abs() < 1e-12, "{}", offer.rate_annual);
        assert_eq!(offer.amount_kusd, 100.0);
        assert_eq!(offer.pledged_kusd, 200.0);
        assert_eq!(offer.risk_weight, 1.0);
    }

    #[test]
    fn hard_thresholds_reject_smes_only() {
        let bt = bank_type();
        type BreakRule = fn(&mut Applicant);
        let cases: [(BreakRule, Rejection); 5] = [
            (|a| a.employees = 19.0, Rejection::Threshold),
            (|a| a.annual_revenue_kusd = 499.0, Rejection::Threshold),
            (|a| a.age_months = 23.0, Rejection::Threshold),
            (|a| a.score = 0.29, Rejection::Score),
            (|a| a.known_default_months = Some(12), Rejection::Threshold),
        ];
        for (break_rule, reason) in cases {
            let mut a = applicant();
            break_rule(&mut a);
            assert_eq!(decide(&bt, &a, 1_000.0, 0.0, 0.05, 100.0), Err(reason));
            a.sme = false;
            assert!(
                decide(&bt, &a, 1_000.0, 0.0, 0.05, 100.0).is_ok(),
                "large firms face no SME thresholds"
            );
        }
        // A default the bank knows of but older than 24 months is forgiven.
        let old = Applicant {
            known_default_months: Some(30),
            ..applicant()
        };
        assert!(decide(&bt, &old, 1_000.0, 0.0, 0.05, 100.0).is_ok());
    }

    /// Collateral 200 at 40 % recovery supports 200·0.4/0.5 = 160 kUSD at
    /// the bank's 50 % coverage; more is granted only in part.
    #[test]
    fn collateral_coverage_limits_the_amount() {
        // Free handling, so that small loans are not priced out.
        let bank_type = || BankType {
            handling_cost_kusd: 0.0,
            ..bank_type()
        };
        let offer = decide(&bank_type(), &applicant(), 1_000.0, 0.0, 0.0, 300.0).unwrap();
        assert!((offer.amount_kusd - 160.0).abs() < 1e-9);
        let poor = Applicant {
            free_collateral_kusd: 10.0,
            ..applicant()
        };
        // 10·0.4/0.5 = 8 kUSD is above the 5 kUSD minimum loan; 5 is not.
        assert!(
            (decide(&bank_type(), &poor, 1_000.0, 0.0, 0.0, 100.0)
                .unwrap()
                .amount_kusd
                - 8.0)
                .abs()
                < 1e-9
        );
        let poorer = Applicant {
            free_collateral_kusd: 5.0,
            ..applicant()
        };
        assert_eq!(
            decide(&bank_type(), &poorer, 1_000.0, 0.0, 0.0, 100.0),
            Err(Rejection::Collateral)
        );
    }

    /// Equity 10 at 8 % + 2 % supports RWA of 100: with 92 used, 8 kUSD is
    /// lent in part; with 96 used, 4 < the 5 kUSD minimum loan.
    #[test]
    fn capital_constraint_rations() {
        let bt = BankType {
            handling_cost_kusd: 0.0,
            ..bank_type()
        };
        let offer = decide(&bt, &applicant(), 10.0, 92.0, 0.0, 100.0).unwrap();
        assert!((offer.amount_kusd - 8.0).abs() < 1e-9);
        assert_eq!(
            decide(&bt, &applicant(), 10.0, 96.0, 0.0, 100.0),
            Err(Rejection::Capital)
        );
        // A quota of half the capacity for SMEs binds first.
        let quota = BankType {
            sme_quota_share: 0.5,
            ..bt.clone()
        };
        assert_eq!(
            decide(&quota, &applicant(), 10.0, 46.0, 0.0, 100.0),
            Err(Rejection::Capital)
        );
    }

    #[test]
    fn debt_limit_and_rate_cap_ration() {
        let bt = bank_type();
        let indebted = Applicant {
            debt_for_limit_kusd: 678.0,
            ..applicant()
        };
        // 4 × 170 − 678 = 2 kUSD of room.
        assert_eq!(
            decide(&bt, &indebted, 1_000.0, 0.0, 0.05, 100.0),
            Err(Rejection::Exposure)
        );
        // PD 20 %: the risk premium alone is 0.2·0.2/0.8·3 = 15 % > the 11.2 % cap.
        assert_eq!(
            decide(&bt, &applicant(), 1_000.0, 0.0, 0.2, 100.0),
            Err(Rejection::Price)
        );
    }

    /// Without unified risk management the bank counts the group guarantee:
    /// LGD max(0.1, 1 − 0.8 − 0.3) = 0.1 instead of 0.2.
    #[test]
    fn group_guarantee_lowers_lgd_without_unified_risk_management() {
        let grouped = Applicant {
            group_guarantee_credit: true,
            ..applicant()
        };
        let with = decide(&bank_type(), &grouped, 1_000.0, 0.0, 0.05, 100.0).unwrap();
        let without = decide(&bank_type(), &applicant(), 1_000.0, 0.0, 0.05, 100.0).unwrap();
        let saving = 0.05 * 0.1 / 0.95 * 3.0;
        assert!((without.rate_annual - with.rate_annual - saving).abs() < 1e-12);
    }

    #[test]
    fn screening_noise_falls_with_relationship_and_bureau() {
        let s = Scenario::default();
        let bt = BankType {
            screening_noise: 1.0,
            ..BankType::default()
        };
        assert_eq!(screening_noise(&s, &bt, 0.0, 0.0), 1.0);
        // 18 of 36 months: half the 40 % reduction.
        assert!((screening_noise(&s, &bt, 18.0, 0.0) - 0.8).abs() < 1e-12);
        assert!((screening_noise(&s, &bt, 100.0, 0.5) - 0.3).abs() < 1e-12);
    }

    fn decide_with(
        bt: &BankType,
        a: &Applicant,
        equity: f64,
        rwa: f64,
        support: &Support,
    ) -> Result<Offer, Rejection> {
        decide_supported(bt, a, [equity, rwa, 0.01, 100.0], support)
    }

    /// A 70 % guarantee: risk weight 0.3·1.0 + 0.7·0.2 = 0.44, so equity
    /// 10 at 10 % required (RWA room 100 − 80 = 20) lends 20/0.44 = 45.45
    /// instead of 20; the score threshold falls to 0.3·0.3 = 0.09 and the
    /// collateral threshold applies to 30 % of the loan; LGD × 0.3.
    #[test]
    fn a_guarantee_lowers_risk_weight_thresholds_and_lgd() {
        let s = Scenario::default();
        let guaranteed = Support {
            guarantee: 0.7,
            ..Support::NONE
        };
        let w = risk_weight(&s, ProductKind::WorkingCapital, true, &guaranteed);
        assert!((w - 0.44).abs() < 1e-12);
        assert_eq!(
            risk_weight(&s, ProductKind::PackingLoan, true, &Support::NONE),
            0.2
        );
        assert_eq!(risk_weight(&s, ProductKind::ImportLc, false, &Support::NONE), 1.0);
        let insured = Support {
            insured: 0.9,
            ..Support::NONE
        };
        let w = risk_weight(&s, ProductKind::InsuranceBacked, true, &insured);
        assert!((w - (0.1 + 0.9 * 0.2)).abs() < 1e-12);

        let bt = BankType {
            handling_cost_kusd: 0.0,
            ..bank_type()
        };
        let plain = decide_with(&bt, &applicant(), 10.0, 80.0, &Support::NONE).unwrap();
        let backed = decide_with(&bt, &applicant(), 10.0, 80.0, &guaranteed).unwrap();
        assert!((plain.amount_kusd - 20.0).abs() < 1e-9);
        assert!((backed.amount_kusd - 20.0 / 0.44).abs() < 1e-9);

        let weak = Applicant {
            score: 0.1,
            ..applicant()
        };
        assert_eq!(
            decide_with(&bt, &weak, 1e3, 0.0, &Support::NONE),
            Err(Rejection::Score)
        );
        assert!(decide_with(&bt, &weak, 1e3, 0.0, &guaranteed).is_ok());
        // 20 of collateral at 40 % recovery: 8/0.5 = 16 kUSD without, 8/(0.5·0.3) with.
        let poor = Applicant {
            free_collateral_kusd: 20.0,
            ..applicant()
        };
        let without = decide_with(&bt, &poor, 1e3, 0.0, &Support::NONE).unwrap();
        let with = decide_with(&bt, &poor, 1e3, 0.0, &guaranteed).unwrap();
        assert!((without.amount_kusd - 16.0).abs() < 1e-9);
        assert!((with.amount_kusd - 8.0 / 0.15).abs() < 1e-9);
        // Pledging all 20 covers 8/53.3 = 0.15 of the loan: LGD (1 − 0.15)·0.3.
        let lgd = (1.0 - 8.0 / (8.0 / 0.15)) * 0.3;
        let expected = 0.045 + 0.02 + 0.01 * lgd / 0.99 * 3.0;
        assert!(
            (with.rate_annual - expected).abs() < 1e-12,
            "{}",
            with.rate_annual
        );
    }

    /// On-lent funds at 2 % replace the bank's 4.5 % funding cost on the
    /// 50 of 100 kUSD they cover (no rate floor here, which would bind).
    #[test]
    fn on_lending_lowers_the_funding_cost() {
        let mut s = Scenario::default();
        s.government.regulator.rate_floor_multiple = 0.0;
        let bt = BankType {
            handling_cost_kusd: 0.0,
            ..bank_type()
        };
        let lender = Lender {
            bank_type: &bt,
            equity: 1e3,
            rwa: 0.0,
            rwa_sme: 0.0,
            pd: 0.01,
        };
        let half = Support {
            onlend_room: 50.0,
            onlend_rate: 0.02,
            ..Support::NONE
        };
        let rate = |support: &Support| {
            evaluate(
                &s,
                &market(),
                &lender,
                &applicant(),
                ProductKind::WorkingCapital,
                100.0,
                4,
                support,
            )
            .unwrap()
            .rate_annual
        };
        assert!((rate(&Support::NONE) - rate(&half) - 0.5 * 0.025).abs() < 1e-12);
    }

    /// A loan of 100 approved with a guarantee and on-lending: without the
    /// guarantee 30 would have been approved, without on-lending all 100,
    /// without either 0.
    #[test]
    fn additionality_compares_with_the_same_application_unsupported() {
        let offer = Offer {
            amount_kusd: 100.0,
            rate_annual: 0.08,
            pledged_kusd: 0.0,
            risk_weight: 1.0,
        };
        let support = Support {
            guarantee: 0.7,
            onlend_room: 500.0,
            onlend_rate: 0.02,
            insured: 0.0,
        };
        let without = |s: &Support| match (s.guarantee > 0.0, s.onlend_room > 0.0) {
            (true, true) | (true, false) => 100.0,
            (false, true) => 30.0,
            (false, false) => 0.0,
        };
        let c = additionality(&offer, &support, without);
        assert_eq!(c.supported, [100.0, 100.0, 0.0]);
        assert_eq!(c.additional, [70.0, 0.0, 0.0]);
        assert_eq!((c.supported_any, c.additional_any), (100.0, 100.0));
        // No support, nothing to report.
        assert_eq!(
            additionality(&offer, &Support::NONE, without),
            Credited::default()
        );
    }
}
