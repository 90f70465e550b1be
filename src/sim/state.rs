//! The state of one replication, and the per-month scratch the phases pass
//! to each other.

use crate::metrics::Tally;
use crate::model::bank::{PdTable, prior_pd};
use crate::model::firm::{MAX_TERM_MONTHS, PoolBooks, monthly_probability};
use crate::model::government::{Accounts, GovernmentState};
use crate::model::product::{POOLS, PRODUCT_COUNT, ProductKind};
use crate::model::{Bank, Firm, Groups, Loan, SizeRule, World};
use crate::scenario::{Scenario, TermMix};

use super::credit_market::Queues;
use super::ledger::Ledger;
use super::rng::Streams;

/// Parameters derived once from the scenario for fast use in the month loop.
#[derive(Debug, Clone)]
pub struct Setup {
    pub size_rule: SizeRule,
    /// Cumulative payment-term probabilities by size class.
    pub term_cdf: [[f64; 4]; 4],
    /// Bank type of each bank.
    pub bank_type: Vec<usize>,
    /// Cumulative main-bank probabilities over banks, for SMEs and large firms.
    pub main_bank_cdf_sme: Vec<f64>,
    pub main_bank_cdf_large: Vec<f64>,
    pub exit_hazard_monthly: f64,
    pub export_exit_monthly: f64,
    pub entry_consideration_monthly: f64,
    pub operating_loss_monthly: f64,
    /// Monthly capacity of a firm with φ = 1 at median revenue per employee.
    pub unit_capacity_kusd: f64,
    /// Monthly decay of banks' learned default counts.
    pub pd_keep: f64,
    /// Share of screening noise a credit bureau removes for the firms it
    /// covers (0 without a bureau).
    pub bureau_precision_gain: f64,
    /// Monthly probability that an untrained SME is trained.
    pub training_monthly: f64,
    /// Programmes' money amounts scaled to the population.
    pub money_scale: f64,
}

impl Setup {
    pub fn new(s: &Scenario) -> Self {
        let pt = &s.world.payment_terms;
        let cdf = |m: &TermMix| {
            let w = [
                m.cash_in_advance,
                m.letter_of_credit,
                m.documentary_collection,
                m.open_account,
            ];
            let total: f64 = w.iter().sum();
            let mut acc = 0.0;
            w.map(|x| {
                acc += x / total;
                acc
            })
        };
        let term_cdf = [cdf(&pt.micro), cdf(&pt.small), cdf(&pt.medium), cdf(&pt.large)];

        let mut bank_type = Vec::new();
        for (i, t) in s.banks.types.iter().enumerate() {
            bank_type.extend(std::iter::repeat_n(i, t.count as usize));
        }
        let bank_cdf = |weight: &dyn Fn(usize) -> f64| {
            let w: Vec<f64> = bank_type
                .iter()
                .map(|&ty| weight(ty) / s.banks.types[ty].count as f64)
                .collect();
            let total: f64 = w.iter().sum();
            let mut acc = 0.0;
            w.iter()
                .map(|x| {
                    acc += x / total;
                    acc
                })
                .collect::<Vec<f64>>()
        };
        let main_bank_cdf_sme = bank_cdf(&|ty| s.banks.types[ty].main_bank_weight_sme);
        // Large firms use the SME weights when no type serves them.
        let large_total: f64 = s.banks.types.iter().map(|t| t.main_bank_weight_large).sum();
        let main_bank_cdf_large = if large_total > 0.0 {
            bank_cdf(&|ty| s.banks.types[ty].main_bank_weight_large)
        } else {
            main_bank_cdf_sme.clone()
        };

        let f = &s.firms;
        Setup {
            size_rule: SizeRule::from_params(f),
            term_cdf,
            bank_type,
            main_bank_cdf_sme,
            main_bank_cdf_large,
            exit_hazard_monthly: monthly_probability(f.demography.exit_hazard_annual),
            export_exit_monthly: monthly_probability(f.export.exit_hazard_annual),
            entry_consideration_monthly: monthly_probability(f.export.entry_consideration_annual),
            operating_loss_monthly: monthly_probability(f.operating_loss.probability_annual),
            unit_capacity_kusd: f.employees_at_min_productivity * f.revenue_per_employee_kusd_annual / 12.0,
            pd_keep: 1.0 - 1.0 / s.banks.pd_memory_months,
            bureau_precision_gain: if s.government.bureau.enabled {
                s.government.bureau.precision_gain
            } else {
                0.0
            },
            training_monthly: if s.government.training.enabled {
                monthly_probability(s.government.training.share_annual)
            } else {
                0.0
            },
            money_scale: crate::model::government::money_scale(s),
        }
    }

    /// A fresh learning table with the scenario's prior.
    pub fn pd_table(&self, s: &Scenario) -> PdTable {
        let b = &s.banks;
        let buckets = b.pd_buckets as usize;
        let mut prior = vec![0.0; buckets * PRODUCT_COUNT];
        for product in ProductKind::ALL {
            let factor = product.terms(&b.products).prior_pd_factor;
            for bucket in 0..buckets {
                prior[product.index() * buckets + bucket] =
                    prior_pd(bucket, buckets, b.prior_pd, b.prior_pd_slope, factor);
            }
        }
        PdTable::new(buckets, prior, b.prior_weight)
    }
}

/// Orders a firm received this month, by payment term (index = `PaymentTerm`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Orders {
    pub domestic: f64,
    pub domestic_good: f64,
    pub export: [f64; 4],
    /// The part of each that buyers will pay.
    pub export_good: [f64; 4],
}

impl Orders {
    pub fn export_total(&self) -> f64 {
        self.export.iter().sum()
    }
}

/// What the credit market reads and writes of a firm's month, for the
/// firms it serves in score order: one cache line (`repr(C, align(64))`),
/// kept apart from the rest of the month (`FirmMonth`), so that a bank
/// fetches one line of an applicant's month.
#[derive(Debug, Clone, Copy, Default)]
#[repr(C, align(64))]
pub struct CreditMonth {
    /// Part of the need not yet financed.
    pub unfinanced: f64,
    pub granted: f64,
    /// Pre-shipment room left on this month's LC orders: red-clause
    /// advances, then packing loans (which share the LC orders).
    pub red_clause_room: f64,
    pub packing_room: f64,
    /// Import LC room on this month's imported inputs.
    pub import_room: f64,
    /// Banks visited this month, main bank first.
    pub visited: [u16; MAX_SEARCH],
    /// Months until payment of this month's export orders, by term
    /// (index = `PaymentTerm`; 0 for cash in advance).
    pub term: [u8; 4],
    pub visits: u8,
    pub applied: bool,
    /// The application failed documentation and KYC checks this month.
    pub documents_rejected: bool,
    pub approved: bool,
}

/// What the phases of one month know about one firm, besides what the
/// credit market uses (`CreditMonth`). Laid out in declaration order
/// (`repr(C)`): what closing the loans reads of a borrower's month comes
/// first.
#[derive(Debug, Clone, Copy)]
#[repr(C)]
pub struct FirmMonth {
    /// Share of receivable-backed loans due now that their pool paid, by
    /// `Backing`.
    pub pay_ratio: [f64; POOLS],
    /// A defaulter's entry in `Replication::recoveries`, or `NO_RECOVERY`.
    pub recovery: u32,
    /// Paid everything due this month at settlement.
    pub paid_due: bool,
    pub defaulted: bool,
    /// Defaulted because a guarantee it gave was called.
    pub chain_default: bool,
    pub discouraged: bool,
    pub entered_export: bool,
    /// Had debt at the start of the month.
    pub borrower: bool,
    /// Financing need at the start of the month (0 if none).
    pub need: f64,
    pub orders: Orders,
    /// Export orders and all orders lost for lack of finance.
    pub lost_export: f64,
    pub lost_total: f64,
    pub gross_profit: f64,
}

/// No entry in `Replication::recoveries`.
pub const NO_RECOVERY: u32 = u32::MAX;

/// What the lenders of a firm that defaulted this month recover, as
/// shares: from the firm's own assets, from its guarantors, and from each
/// receivable pool by future due month. Kept beside the month's scratch,
/// for the few firms that default, rather than in every firm's.
#[derive(Debug, Clone, Copy, Default)]
pub struct Recovery {
    pub own: f64,
    pub guarantee: f64,
    pub future_ratio: [[f64; MAX_TERM_MONTHS as usize + 1]; POOLS],
}

impl Default for FirmMonth {
    fn default() -> Self {
        FirmMonth {
            pay_ratio: [0.0; POOLS],
            recovery: NO_RECOVERY,
            paid_due: false,
            defaulted: false,
            chain_default: false,
            discouraged: false,
            entered_export: false,
            borrower: false,
            need: 0.0,
            orders: Orders::default(),
            lost_export: 0.0,
            lost_total: 0.0,
            gross_profit: 0.0,
        }
    }
}

/// What every firm's work in a per-firm phase may read besides the firm's
/// own slot: the same for all firms this month.
#[derive(Clone, Copy)]
pub struct Shared<'a> {
    pub s: &'a Scenario,
    pub setup: &'a Setup,
    pub world: &'a World,
    pub t: u32,
    pub streams: Streams,
    /// How much exporters' costs have risen with CNY appreciation this
    /// month (`World::export_cost_factor`).
    pub export_cost_factor: f64,
}

/// A firm's costs this month, if it takes orders (phase 2): production
/// cost per kUSD of domestic and of export orders, and the fixed cost.
/// Worked out from the firm and the month where needed rather than kept
/// in its `FirmMonth`: nothing they depend on changes before phase 8.
pub struct Costs {
    pub domestic: f64,
    pub export: f64,
    pub fixed: f64,
}

impl Shared<'_> {
    /// `firm`'s costs this month.
    pub fn costs(&self, firm: &Firm) -> Costs {
        let w = self.world;
        Costs {
            domestic: 1.0 - firm.margin,
            export: firm.export_cost_share(self.export_cost_factor),
            // Fixed costs follow the firm's size and the demand it planned
            // for (the trend), not this month's cycle or shock: a collapse
            // in orders squeezes margins.
            fixed: self.s.firms.fixed_cost_share * firm.expected_sales(w.domestic_trend, w.foreign_trend),
        }
    }
}

impl<'a> Replication<'a> {
    /// The month's shared state, and the firms' slots (firm, the credit
    /// market's part of its month, the rest of its month) and pool books
    /// to change, borrowed together (a per-firm phase needs both).
    #[allow(clippy::type_complexity)]
    pub fn split(
        &mut self,
    ) -> (
        Shared<'_>,
        &mut [Firm],
        &mut [CreditMonth],
        &mut [FirmMonth],
        &mut [PoolBooks],
    ) {
        let shared = Shared {
            s: self.scenario,
            setup: &self.setup,
            world: &self.world,
            t: self.t,
            streams: self.streams,
            export_cost_factor: self
                .world
                .export_cost_factor(self.initial_fx, self.scenario.world.export_cost_fx_elasticity),
        };
        (
            shared,
            &mut self.firms,
            &mut self.credit,
            &mut self.month,
            &mut self.books,
        )
    }
}

/// Most banks a firm visits in a month (larger `search_breadth` is capped).
pub const MAX_SEARCH: usize = 8;

/// One replication: every agent, the loans between them, and this month's
/// scratch, tally and ledger.
pub struct Replication<'a> {
    pub scenario: &'a Scenario,
    pub setup: Setup,
    pub streams: Streams,
    pub replication: u32,
    /// Current simulation month, 0 = first burn-in month.
    pub t: u32,
    pub world: World,
    pub initial_fx: f64,
    pub firms: Vec<Firm>,
    /// This month's scratch, per firm: the credit market's part, and the
    /// rest.
    pub credit: Vec<CreditMonth>,
    pub month: Vec<FirmMonth>,
    /// This month's defaulters' recoveries (see `FirmMonth::recovery`).
    pub recoveries: Vec<Recovery>,
    /// The firms that go to their main bank in the credit market's first
    /// round, in id order, with that bank: noted in phase 4, where each
    /// firm decides, and served in phase 5.
    pub applicants: Vec<(u32, u16)>,
    /// Firms' receivable pool books, one store per chunk of
    /// `FIRM_CHUNK` firms (see `Dues::book`).
    pub books: Vec<PoolBooks>,
    pub banks: Vec<Bank>,
    pub loans: Vec<Loan>,
    /// The banks' queues, empty between months.
    pub queues: Queues,
    pub groups: Groups,
    pub tally: Tally,
    pub ledger: Ledger,
    /// Government agents' stocks, and their flows this month.
    pub government: GovernmentState,
    pub accounts: Accounts,
    /// Defaulted principal in each of the last 12 months, for the NPL ratio.
    pub defaulted_principal_12m: [f64; 12],
    pub initial_firms: usize,
}
