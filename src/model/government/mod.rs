//! Government agents (DESIGN.md §2): the credit guarantee agency, the
//! export-import bank, the export credit insurer, the credit bureau and the
//! training programme, each with its rules and its own accounts. The
//! regulator keeps no accounts: its rules are parameters of the credit
//! market and of settlement.

pub mod bureau;
pub mod exim;
pub mod guarantee;
pub mod insurance;
pub mod training;

use crate::model::SizeClass;
use crate::scenario::{Eligibility, REFERENCE_FIRMS, Scenario};

pub use exim::EximBank;
pub use guarantee::GuaranteeFund;

/// The state of the government agents that carry stocks from month to month.
#[derive(Debug, Clone, Default)]
pub struct GovernmentState {
    pub guarantee: GuaranteeFund,
    pub exim: EximBank,
}

impl GovernmentState {
    pub fn new(s: &Scenario) -> Self {
        let g = &s.government.guarantee;
        let fund = if g.enabled { g.fund * money_scale(s) } else { 0.0 };
        let d = &s.government.exim.direct;
        GovernmentState {
            guarantee: GuaranteeFund::new(fund),
            exim: EximBank {
                budget_left: if d.enabled { d.budget * money_scale(s) } else { 0.0 },
                outstanding: 0.0,
            },
        }
    }
}

/// Factor applied to programmes' money amounts, stated for 10,000 firms.
pub fn money_scale(s: &Scenario) -> f64 {
    s.simulation.firms as f64 / REFERENCE_FIRMS
}

/// Whether a programme serves a size class.
pub fn eligible(e: &Eligibility, class: SizeClass) -> bool {
    match class {
        SizeClass::Micro => e.micro,
        SizeClass::Small => e.small,
        SizeClass::Medium => e.medium,
        SizeClass::Large => e.large,
    }
}

/// One month's flows of every government agent, kUSD (all ≥ 0).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Accounts {
    /// Guarantee agency: fees received, claims paid to banks.
    pub guarantee_fees: f64,
    pub guarantee_claims: f64,
    /// Exim direct lending: interest received and principal lost on loans
    /// closed this month, and the cost of funding the loans outstanding.
    pub exim_interest: f64,
    pub exim_losses: f64,
    pub exim_funding_cost: f64,
    /// Exim on-lending: interest banks paid, and the cost of the funds.
    pub on_lending_interest: f64,
    pub on_lending_funding_cost: f64,
    /// Export credit insurer: premiums (the firms' part and the budget's
    /// subsidy), and indemnities paid.
    pub insurance_premiums: f64,
    pub insurance_subsidies: f64,
    pub insurance_claims: f64,
    pub bureau_cost: f64,
    pub training_cost: f64,
    /// Capital injected into failed banks.
    pub recapitalisation: f64,
}

/// Agents whose net cost makes up the fiscal cost.
pub const AGENTS: [&str; 6] = [
    "guarantee",
    "exim",
    "insurance",
    "bureau",
    "training",
    "recapitalisation",
];

impl Accounts {
    /// Net cost of each agent, in the order of `AGENTS` (negative: a
    /// surplus). Fiscal cost = claims, losses, subsidies, programme costs
    /// and recapitalisations − fees, premiums and interest received.
    pub fn net_cost(&self) -> [f64; 6] {
        [
            self.guarantee_claims - self.guarantee_fees,
            self.exim_losses + self.exim_funding_cost - self.exim_interest + self.on_lending_funding_cost
                - self.on_lending_interest,
            self.insurance_claims + self.insurance_subsidies - self.insurance_premiums,
            self.bureau_cost,
            self.training_cost,
            self.recapitalisation,
        ]
    }

    pub fn fiscal_cost(&self) -> f64 {
        self.net_cost().iter().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fees 3 vs claims 10; Exim: interest 2, losses 5, funding 1,
    /// on-lending interest 0.5 vs funding 0.8; insurer: premiums 4 (1 of
    /// them subsidy) vs claims 6; bureau 0.7; training 2; recap 9.
    #[test]
    fn fiscal_cost_is_the_sum_of_the_agents_net_costs() {
        let a = Accounts {
            guarantee_fees: 3.0,
            guarantee_claims: 10.0,
            exim_interest: 2.0,
            exim_losses: 5.0,
            exim_funding_cost: 1.0,
            on_lending_interest: 0.5,
            on_lending_funding_cost: 0.8,
            insurance_premiums: 4.0,
            insurance_subsidies: 1.0,
            insurance_claims: 6.0,
            bureau_cost: 0.7,
            training_cost: 2.0,
            recapitalisation: 9.0,
        };
        let net = a.net_cost();
        assert_eq!(net[0], 7.0);
        assert!((net[1] - 4.3).abs() < 1e-12);
        assert_eq!(net[2], 3.0);
        assert_eq!(&net[3..], &[0.7, 2.0, 9.0]);
        assert!((a.fiscal_cost() - 26.0).abs() < 1e-12);
    }

    #[test]
    fn eligibility_by_class() {
        let e = Eligibility::default();
        assert!(eligible(&e, SizeClass::Micro) && eligible(&e, SizeClass::Medium));
        assert!(!eligible(&e, SizeClass::Large));
    }
}
