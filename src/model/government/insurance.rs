//! The export credit insurer: who insures, what it costs, and what an
//! insured receivable pays when the buyer defaults.

use crate::scenario::Insurance;

/// Whether a firm insures its open-account and collection export orders
/// this month: the benefit it perceives — `awareness × m × p × indemnity`
/// per kUSD, plus `financing_value` if insurance would let it borrow —
/// must exceed the premium it pays (low risk awareness keeps SMEs
/// uninsured; Sinosure reached few SMEs).
pub fn insures(
    p: &Insurance,
    management: f64,
    buyer_default: f64,
    sme: bool,
    financing_motive: bool,
) -> bool {
    let perceived = p.risk_awareness * management * buyer_default * p.indemnity_share;
    let financing = if financing_motive { p.financing_value } else { 0.0 };
    perceived + financing > premium_rate_paid(p, sme)
}

/// Premium per kUSD insured the firm pays itself.
pub fn premium_rate_paid(p: &Insurance, sme: bool) -> f64 {
    let subsidy = if sme { p.sme_premium_subsidy } else { 0.0 };
    p.premium_rate * (1.0 - subsidy)
}

/// What one pool of insured receivables falling due pays, given what
/// buyers pay (`good` of `face`) and what a bank lent against it (`owed`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InsuredSettlement {
    /// Paid to the bank from buyers' payments, and by the insurer (the
    /// policy is assigned to the bank, which is paid at once).
    pub bank_from_buyers: f64,
    pub bank_from_insurer: f64,
    /// The rest of the indemnity, paid to the firm after the claim delay.
    pub firm_indemnity: f64,
    /// What the bank is still owed.
    pub shortfall: f64,
}

/// The insurer pays `indemnity_share` of what buyers fail to pay.
pub fn settle(face: f64, good: f64, owed: f64, indemnity_share: f64) -> InsuredSettlement {
    let indemnity = indemnity_share * (face - good).max(0.0);
    let bank_from_buyers = good.min(owed);
    let bank_from_insurer = indemnity.min(owed - bank_from_buyers);
    InsuredSettlement {
        bank_from_buyers,
        bank_from_insurer,
        firm_indemnity: indemnity - bank_from_insurer,
        shortfall: owed - bank_from_buyers - bank_from_insurer,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Receivables of 100, of which buyers pay 60, 90 % indemnity = 36;
    /// a bank owed 80 takes 60 from buyers and 20 from the insurer; the
    /// firm gets the other 16 after the delay.
    #[test]
    fn indemnity_pays_the_bank_first_then_the_firm() {
        let s = settle(100.0, 60.0, 80.0, 0.9);
        assert_eq!(s.bank_from_buyers, 60.0);
        assert!((s.bank_from_insurer - 20.0).abs() < 1e-12);
        assert!((s.firm_indemnity - 16.0).abs() < 1e-12);
        assert!(s.shortfall.abs() < 1e-12);
        // Buyers pay 10 of 100, indemnity 81: a bank owed 95 gets 10 + 81
        // and is short 4.
        let t = settle(100.0, 10.0, 95.0, 0.9);
        assert!((t.bank_from_insurer - 81.0).abs() < 1e-12);
        assert!((t.shortfall - 4.0).abs() < 1e-12);
        assert_eq!(t.firm_indemnity, 0.0);
        // Without a loan, the whole indemnity goes to the firm.
        assert!((settle(100.0, 60.0, 0.0, 0.9).firm_indemnity - 36.0).abs() < 1e-12);
    }

    /// Open-account default risk 1 %, 90 % indemnity: a firm with m = 0.5
    /// and awareness 2 perceives 0.9 % per kUSD, above a 0.6 % premium but
    /// not above 1 %; a subsidy of half the premium, or a need to borrow,
    /// changes its mind; m = 0.2 perceives only 0.36 %.
    #[test]
    fn take_up_weighs_perceived_risk_against_the_premium() {
        let p = Insurance {
            enabled: true,
            premium_rate: 0.006,
            indemnity_share: 0.9,
            risk_awareness: 2.0,
            financing_value: 0.01,
            sme_premium_subsidy: 0.5,
            ..Insurance::default()
        };
        assert!(insures(&p, 0.5, 0.01, false, false));
        assert!(!insures(&p, 0.2, 0.01, false, false));
        let dear = Insurance {
            premium_rate: 0.01,
            ..p.clone()
        };
        assert!(!insures(&dear, 0.5, 0.01, false, false));
        assert!(
            insures(&dear, 0.5, 0.01, true, false),
            "the subsidy halves the premium"
        );
        assert!(
            insures(&dear, 0.2, 0.01, false, true),
            "insurance to borrow against"
        );
        assert!((premium_rate_paid(&dear, true) - 0.005).abs() < 1e-15);
    }
}
