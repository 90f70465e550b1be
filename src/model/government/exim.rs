//! The export-import bank: direct lending from a yearly budget, and
//! on-lending of cheap funds to commercial banks.

use crate::model::SizeClass;
use crate::scenario::EximDirect;

use super::eligible;

/// The Exim bank's direct lending book, kUSD.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EximBank {
    /// New lending still allowed this year.
    pub budget_left: f64,
    /// Principal outstanding.
    pub outstanding: f64,
}

impl EximBank {
    /// The loan the Exim bank makes to an applicant with `unfinanced` need,
    /// or `None`: the firm must be eligible (size class, exporting) and
    /// its score as the Exim bank sees it must reach the minimum; the loan
    /// is cut to the largest amount and the budget left.
    pub fn offer(
        &self,
        p: &EximDirect,
        class: SizeClass,
        exporter: bool,
        score: f64,
        unfinanced: f64,
        min_loan: f64,
    ) -> Option<f64> {
        if !eligible(&p.eligible, class) || (p.exporters_only && !exporter) || score < p.min_score {
            return None;
        }
        let amount = unfinanced.min(p.max_amount_kusd).min(self.budget_left);
        (amount >= min_loan).then_some(amount)
    }

    pub fn lend(&mut self, amount: f64) {
        self.budget_left -= amount;
        self.outstanding += amount;
    }

    /// A loan closes: returns (interest earned, principal lost).
    pub fn close(&mut self, principal: f64, received: f64) -> (f64, f64) {
        self.outstanding -= principal;
        if self.outstanding.abs() < 1e-9 {
            self.outstanding = 0.0;
        }
        let gain = received - principal;
        (gain.max(0.0), (-gain).max(0.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exim_lends_to_eligible_exporters_within_its_budget() {
        let p = EximDirect {
            enabled: true,
            max_amount_kusd: 100.0,
            min_score: 0.4,
            ..EximDirect::default()
        };
        let mut e = EximBank {
            budget_left: 150.0,
            outstanding: 0.0,
        };
        assert_eq!(e.offer(&p, SizeClass::Small, true, 0.5, 120.0, 5.0), Some(100.0));
        assert_eq!(
            e.offer(&p, SizeClass::Small, false, 0.5, 120.0, 5.0),
            None,
            "exporters only"
        );
        assert_eq!(
            e.offer(&p, SizeClass::Large, true, 0.5, 120.0, 5.0),
            None,
            "SMEs only"
        );
        assert_eq!(
            e.offer(&p, SizeClass::Small, true, 0.39, 120.0, 5.0),
            None,
            "own screening"
        );
        e.lend(100.0);
        assert_eq!(e.offer(&p, SizeClass::Micro, true, 0.5, 120.0, 5.0), Some(50.0));
        e.lend(48.0);
        assert_eq!(
            e.offer(&p, SizeClass::Micro, true, 0.5, 120.0, 5.0),
            None,
            "budget spent"
        );
        // Repaid with 3 of interest; the other loan is lost entirely.
        assert_eq!(e.close(100.0, 103.0), (3.0, 0.0));
        assert_eq!(e.close(48.0, 0.0), (0.0, 48.0));
        assert_eq!(e.outstanding, 0.0);
    }
}
