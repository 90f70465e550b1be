//! Bank state and the bank's pricing, learning and capital rules.

use super::product::{PRODUCT_COUNT, ProductKind};
use crate::math::exp;

/// One bank's balance sheet and what it has learned.
///
/// The balance sheet always satisfies `reserves + loans = funding + equity`:
/// every loan is funded by deposits of the same size (`funding`), and
/// interest, costs and losses move `reserves` and `equity` together. So
/// reserves equal equity: a bank whose losses exceed its equity has
/// negative reserves until the state recapitalises it.
#[derive(Debug, Clone)]
pub struct Bank {
    pub bank_type: usize,
    pub equity: f64,
    pub reserves: f64,
    pub funding: f64,
    /// Principal outstanding, kUSD.
    pub loans: f64,
    /// Risk-weighted assets and their SME part.
    pub rwa: f64,
    pub rwa_sme: f64,
    pub initial_equity: f64,
    /// Exim on-lending funds allotted to the bank, and the part funding
    /// SME loans now (the rest of `funding` is deposits).
    pub onlend_limit: f64,
    pub onlend_used: f64,
    pub pd: PdTable,
}

impl Bank {
    pub fn new(bank_type: usize, equity: f64, pd: PdTable) -> Self {
        Bank {
            bank_type,
            equity,
            reserves: equity,
            funding: 0.0,
            loans: 0.0,
            rwa: 0.0,
            rwa_sme: 0.0,
            initial_equity: equity,
            onlend_limit: 0.0,
            onlend_used: 0.0,
            pd,
        }
    }

    /// Books a new loan of `principal` with risk-weighted amount `rwa`.
    pub fn book_loan(&mut self, principal: f64, rwa: f64, sme: bool) {
        self.loans += principal;
        self.funding += principal;
        self.rwa += rwa;
        if sme {
            self.rwa_sme += rwa;
        }
    }

    /// Books the end of a loan: `received` is what the bank got back
    /// (principal plus interest if repaid, the recovery if defaulted).
    pub fn close_loan(&mut self, principal: f64, rwa: f64, sme: bool, received: f64) {
        self.loans -= principal;
        self.funding -= principal;
        self.reserves += received - principal;
        self.equity += received - principal;
        self.rwa -= rwa;
        if sme {
            self.rwa_sme -= rwa;
        }
        // Sums of many additions and subtractions drift by rounding; an
        // empty book is exactly zero.
        if self.rwa < 1e-9 {
            self.rwa = 0.0;
        }
        if self.rwa_sme < 1e-9 {
            self.rwa_sme = 0.0;
        }
    }

    /// Pays an expense (funding interest, handling cost, dividend).
    pub fn pay(&mut self, amount: f64) {
        self.reserves -= amount;
        self.equity -= amount;
    }

    /// Receives new capital (recapitalisation).
    pub fn receive_capital(&mut self, amount: f64) {
        self.reserves += amount;
        self.equity += amount;
    }
}

/// Capital a bank may still commit, as risk-weighted assets: equity must
/// cover `min_ratio + buffer` of RWA (Basel; BAM's credit supply E/v,
/// Delli Gatti et al. 2011).
pub fn capital_room(equity: f64, rwa: f64, min_ratio: f64, buffer: f64) -> f64 {
    (equity.max(0.0) / (min_ratio + buffer) - rwa).max(0.0)
}

/// Loan rate, annual: `r = funding + markup + PD·LGD/(1−PD)/τ + h/(A·τ)`,
/// floored, with τ the tenor in years, h the handling cost and A the
/// amount. The risk term makes expected interest cover expected loss.
pub struct PriceInputs {
    pub funding_annual: f64,
    pub markup_annual: f64,
    pub pd: f64,
    pub lgd: f64,
    pub handling_cost_kusd: f64,
    pub amount_kusd: f64,
    pub tenor_months: u32,
    pub floor_annual: f64,
}

pub fn loan_rate(p: &PriceInputs) -> f64 {
    let tenor_years = p.tenor_months.max(1) as f64 / 12.0;
    let pd = p.pd.min(0.999);
    let risk = pd * p.lgd / (1.0 - pd) / tenor_years;
    let handling = p.handling_cost_kusd / (p.amount_kusd * tenor_years);
    (p.funding_annual + p.markup_annual + risk + handling).max(p.floor_annual)
}

/// Learned default frequencies per product and score bucket, with a prior
/// and exponential forgetting.
#[derive(Debug, Clone)]
pub struct PdTable {
    buckets: usize,
    loans: Vec<f64>,
    defaults: Vec<f64>,
    prior: Vec<f64>,
    prior_weight: f64,
}

impl PdTable {
    /// `prior[product][bucket]` as a flat table.
    pub fn new(buckets: usize, prior: Vec<f64>, prior_weight: f64) -> Self {
        assert_eq!(prior.len(), buckets * PRODUCT_COUNT);
        PdTable {
            buckets,
            loans: vec![0.0; buckets * PRODUCT_COUNT],
            defaults: vec![0.0; buckets * PRODUCT_COUNT],
            prior,
            prior_weight,
        }
    }

    pub fn buckets(&self) -> usize {
        self.buckets
    }

    fn cell(&self, product: ProductKind, bucket: usize) -> usize {
        product.index() * self.buckets + bucket
    }

    /// `(defaults + w·prior) / (loans + w)`.
    pub fn estimate(&self, product: ProductKind, bucket: usize) -> f64 {
        let i = self.cell(product, bucket);
        (self.defaults[i] + self.prior_weight * self.prior[i]) / (self.loans[i] + self.prior_weight)
    }

    pub fn observe(&mut self, product: ProductKind, bucket: usize, defaulted: bool) {
        let i = self.cell(product, bucket);
        self.loans[i] += 1.0;
        if defaulted {
            self.defaults[i] += 1.0;
        }
    }

    /// Discounts past observations by `keep` (e.g. 1 − 1/36 a month).
    pub fn decay(&mut self, keep: f64) {
        for x in self.loans.iter_mut().chain(self.defaults.iter_mut()) {
            *x *= keep;
        }
    }
}

/// Bucket of an observed score s ∈ (0, 1).
pub fn bucket_of(score: f64, buckets: usize) -> usize {
    ((score * buckets as f64) as usize).min(buckets - 1)
}

/// Prior PD of a loan in `bucket`: `prior_pd·exp(−slope·(s − ½))·factor`
/// at the bucket's mid score s, capped at 0.9.
pub fn prior_pd(bucket: usize, buckets: usize, prior_pd: f64, slope: f64, factor: f64) -> f64 {
    let s = (bucket as f64 + 0.5) / buckets as f64;
    (prior_pd * exp(-slope * (s - 0.5)) * factor).min(0.9)
}

/// Observed score: the logistic transform of z seen with noise.
pub fn score_of(z_observed: f64) -> f64 {
    1.0 / (1.0 + exp(-z_observed))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 5.31 % funding, 2 % markup, PD 2 %, LGD 50 %, 0.5 kUSD handling on a
    /// 100 kUSD, 6-month loan: 0.0531 + 0.02 + 0.02·0.5/0.98/0.5 + 0.5/(100·0.5).
    #[test]
    fn price_adds_risk_and_handling() {
        let r = loan_rate(&PriceInputs {
            funding_annual: 0.0531,
            markup_annual: 0.02,
            pd: 0.02,
            lgd: 0.5,
            handling_cost_kusd: 0.5,
            amount_kusd: 100.0,
            tenor_months: 6,
            floor_annual: 0.0,
        });
        let expected = 0.0531 + 0.02 + 0.01 / 0.98 / 0.5 + 0.01;
        assert!((r - expected).abs() < 1e-12, "{r} vs {expected}");
    }

    #[test]
    fn small_loans_cost_more_and_the_floor_binds() {
        let base = PriceInputs {
            funding_annual: 0.04,
            markup_annual: 0.0,
            pd: 0.0,
            lgd: 1.0,
            handling_cost_kusd: 0.3,
            amount_kusd: 10.0,
            tenor_months: 3,
            floor_annual: 0.0,
        };
        // 0.3 / (10 · 0.25) = 12 % a year of handling cost.
        assert!((loan_rate(&base) - 0.16).abs() < 1e-12);
        let big = PriceInputs {
            amount_kusd: 1000.0,
            ..base
        };
        assert!((loan_rate(&big) - 0.0412).abs() < 1e-12);
        let floored = PriceInputs {
            floor_annual: 0.0672,
            ..big
        };
        assert_eq!(loan_rate(&floored), 0.0672);
    }

    /// Equity 10, 8 % minimum + 2 % buffer: RWA up to 100.
    #[test]
    fn capital_room_is_equity_over_required_ratio() {
        assert!((capital_room(10.0, 30.0, 0.08, 0.02) - 70.0).abs() < 1e-9);
        assert_eq!(capital_room(10.0, 120.0, 0.08, 0.02), 0.0);
        assert_eq!(capital_room(-5.0, 0.0, 0.08, 0.02), 0.0);
    }

    #[test]
    fn learned_pd_moves_from_prior_to_frequency() {
        let prior = vec![0.05; 2 * PRODUCT_COUNT];
        let mut t = PdTable::new(2, prior, 20.0);
        let p = ProductKind::WorkingCapital;
        assert!((t.estimate(p, 1) - 0.05).abs() < 1e-15);
        for i in 0..80 {
            t.observe(p, 1, i % 4 == 0);
        }
        // (20 + 20·0.05) / (80 + 20) = 0.21
        assert!((t.estimate(p, 1) - 0.21).abs() < 1e-12);
        assert!((t.estimate(p, 0) - 0.05).abs() < 1e-15, "other buckets untouched");
        t.decay(0.5);
        // (10 + 1) / (40 + 20)
        assert!((t.estimate(p, 1) - 11.0 / 60.0).abs() < 1e-12);
    }

    #[test]
    fn balance_sheet_identity_survives_every_operation() {
        let mut b = Bank::new(0, 100.0, PdTable::new(2, vec![0.01; 2 * PRODUCT_COUNT], 1.0));
        let identity = |b: &Bank| b.reserves + b.loans - b.funding - b.equity;
        b.book_loan(500.0, 375.0, true);
        b.pay(3.0);
        b.close_loan(200.0, 150.0, true, 212.0); // repaid with interest
        b.close_loan(300.0, 225.0, true, 120.0); // defaulted, 40 % recovered
        b.receive_capital(50.0);
        assert!(identity(&b).abs() < 1e-9);
        assert!((b.equity - (100.0 - 3.0 + 12.0 - 180.0 + 50.0)).abs() < 1e-9);
        assert_eq!((b.loans, b.funding, b.rwa, b.rwa_sme), (0.0, 0.0, 0.0, 0.0));
    }

    #[test]
    fn buckets_and_prior_fall_with_score() {
        assert_eq!(bucket_of(0.0, 10), 0);
        assert_eq!(bucket_of(0.349, 10), 3);
        assert_eq!(bucket_of(0.999_999, 10), 9);
        let low = prior_pd(0, 10, 0.03, 4.0, 1.0);
        let high = prior_pd(9, 10, 0.03, 4.0, 1.0);
        assert!((low - 0.03 * (1.8f64).exp()).abs() < 1e-12);
        assert!((high - 0.03 * (-1.8f64).exp()).abs() < 1e-12);
        assert!((score_of(0.0) - 0.5).abs() < 1e-15);
    }
}
