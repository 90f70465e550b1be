//! The credit guarantee agency: a fund that backs guarantees up to a
//! leverage cap, screens applicants itself, earns fees and pays claims.

use crate::scenario::GuaranteeAgency;

/// The agency's fund and its outstanding guarantees, kUSD.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GuaranteeFund {
    pub fund: f64,
    pub initial_fund: f64,
    /// Guaranteed amounts outstanding: coverage × owed on each loan.
    pub outstanding: f64,
}

impl GuaranteeFund {
    pub fn new(fund: f64) -> Self {
        GuaranteeFund {
            fund,
            initial_fund: fund,
            outstanding: 0.0,
        }
    }

    /// New guarantees the leverage cap still allows: `leverage × fund −
    /// outstanding`, at least 0 (an exhausted fund guarantees nothing).
    pub fn capacity(&self, leverage: f64) -> f64 {
        (leverage * self.fund.max(0.0) - self.outstanding).max(0.0)
    }

    /// The loan the agency agrees to guarantee, or `None`: the applicant's
    /// score as the agency sees it must reach its minimum, and the loan is
    /// cut to the largest amount and to what the leverage cap allows.
    /// `owed_per_kusd` is what one kUSD lent will owe at maturity.
    pub fn accept(
        &self,
        p: &GuaranteeAgency,
        agency_score: f64,
        requested: f64,
        owed_per_kusd: f64,
    ) -> Option<f64> {
        if agency_score < p.min_score {
            return None;
        }
        // A guarantee that covers nothing uses no capacity.
        let by_capacity = if p.coverage > 0.0 {
            self.capacity(p.leverage) / (p.coverage * owed_per_kusd)
        } else {
            f64::INFINITY
        };
        let amount = requested.min(p.max_amount_kusd).min(by_capacity);
        (amount > 0.0).then_some(amount)
    }

    /// Books a new guarantee of `coverage × owed` and its fee.
    pub fn issue(&mut self, covered: f64, fee: f64) {
        self.outstanding += covered;
        self.fund += fee;
    }

    /// A guaranteed loan ends: its cover leaves the books and, if the
    /// lender recovered less than it was owed, the agency pays `coverage`
    /// of the loss after recoveries. Returns the claim.
    pub fn release(&mut self, coverage: f64, owed: f64, received: f64) -> f64 {
        self.outstanding = (self.outstanding - coverage * owed).max(0.0);
        if self.outstanding < 1e-9 {
            self.outstanding = 0.0;
        }
        let claim = coverage * (owed - received).max(0.0);
        self.fund -= claim;
        claim
    }

    /// Each January the budget restores the fund toward its initial size,
    /// by at most `budget`. Returns the transfer.
    pub fn replenish(&mut self, budget: f64) -> f64 {
        let transfer = (self.initial_fund - self.fund).clamp(0.0, budget);
        self.fund += transfer;
        transfer
    }
}

/// Fee on a guarantee: the annual rate on the covered amount over the tenor.
pub fn fee(rate_annual: f64, covered: f64, tenor_months: u32) -> f64 {
    rate_annual * covered * tenor_months as f64 / 12.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agency() -> GuaranteeAgency {
        GuaranteeAgency {
            enabled: true,
            coverage: 0.5,
            leverage: 4.0,
            max_amount_kusd: 300.0,
            min_score: 0.3,
            ..GuaranteeAgency::default()
        }
    }

    /// Fund 100 × leverage 4 = 400 of cover; 350 used leaves 50, which at
    /// 50 % coverage of 1.05 owed per kUSD allows 95.2 kUSD of loan.
    #[test]
    fn leverage_caps_new_guarantees() {
        let mut g = GuaranteeFund::new(100.0);
        let p = agency();
        assert_eq!(g.accept(&p, 0.5, 200.0, 1.05), Some(200.0));
        assert_eq!(g.accept(&p, 0.5, 500.0, 1.05), Some(300.0), "largest amount");
        assert_eq!(
            g.accept(&p, 0.29, 200.0, 1.05),
            None,
            "agency's own minimum score"
        );
        g.issue(350.0, 2.0);
        assert_eq!(g.fund, 102.0);
        let allowed = g.accept(&p, 0.5, 200.0, 1.05).unwrap();
        assert!((allowed - (408.0 - 350.0) / (0.5 * 1.05)).abs() < 1e-9);
        g.outstanding = 500.0;
        assert_eq!(g.accept(&p, 0.9, 200.0, 1.05), None);
    }

    /// A loan owing 100 with 70 % cover recovers 40: the agency pays
    /// 0.7 × 60 = 42 and the cover of 70 leaves the books.
    #[test]
    fn claims_cover_the_loss_after_recoveries() {
        let mut g = GuaranteeFund::new(100.0);
        g.issue(70.0, 0.0);
        let claim = g.release(0.7, 100.0, 40.0);
        assert!((claim - 42.0).abs() < 1e-12);
        assert_eq!(g.outstanding, 0.0);
        assert!((g.fund - 58.0).abs() < 1e-12);
        // A repaid loan costs nothing.
        g.issue(70.0, 0.0);
        assert_eq!(g.release(0.7, 100.0, 100.0), 0.0);
        // The budget restores the fund by at most 30.
        assert_eq!(g.replenish(30.0), 30.0);
        assert!((g.replenish(30.0) - 12.0).abs() < 1e-12);
        assert!((g.fund - 100.0).abs() < 1e-12);
    }

    #[test]
    fn fee_is_annual_rate_over_the_tenor() {
        assert!((fee(0.015, 70.0, 4) - 0.35).abs() < 1e-12);
    }
}
