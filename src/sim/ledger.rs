//! Money entering and leaving the model in a month.
//!
//! The model's money stock is firms' cash plus banks' reserves. Every change
//! to it goes through one of these explicit flows, so that
//! `Δ stock = net_inflow()` each month: nothing is created or destroyed
//! except through a named flow (checked by `audit`).

/// External flows of one month, kUSD, all non-negative.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Ledger {
    // Inflows.
    /// Buyers paying for orders (cash in advance, receivables, LC proceeds).
    pub buyer_payments: f64,
    /// Seized collateral sold by banks.
    pub collateral_sales: f64,
    /// Deposits raised to fund new loans.
    pub deposits_raised: f64,
    /// Cash entrants bring.
    pub entrant_endowments: f64,
    /// State capital injected into failed banks.
    pub recapitalisation: f64,
    /// Guarantee agency's claims paid to banks.
    pub guarantee_claims: f64,
    /// Exim loans paid out to firms.
    pub exim_disbursed: f64,
    /// Export credit insurer's indemnities (to banks and firms).
    pub insurance_indemnities: f64,
    // Outflows.
    /// Guarantee fees, insurance premiums (the firm's part), and Exim
    /// repayments paid by firms; on-lending interest paid by banks.
    pub guarantee_fees: f64,
    pub insurance_premiums: f64,
    pub exim_repaid: f64,
    pub on_lending_interest: f64,
    pub deposits_repaid: f64,
    pub production_costs: f64,
    pub fixed_costs: f64,
    pub export_entry_costs: f64,
    pub operating_losses: f64,
    /// Profits paid out to firm owners.
    pub owner_payouts: f64,
    /// Cash taken out by owners of exiting firms.
    pub exit_withdrawals: f64,
    pub funding_interest: f64,
    pub handling_costs: f64,
    pub bank_dividends: f64,
}

impl Ledger {
    pub fn net_inflow(&self) -> f64 {
        self.buyer_payments
            + self.collateral_sales
            + self.deposits_raised
            + self.entrant_endowments
            + self.recapitalisation
            + self.guarantee_claims
            + self.exim_disbursed
            + self.insurance_indemnities
            - self.guarantee_fees
            - self.insurance_premiums
            - self.exim_repaid
            - self.on_lending_interest
            - self.deposits_repaid
            - self.production_costs
            - self.fixed_costs
            - self.export_entry_costs
            - self.operating_losses
            - self.owner_payouts
            - self.exit_withdrawals
            - self.funding_interest
            - self.handling_costs
            - self.bank_dividends
    }

    /// Sum of absolute flows, to scale the tolerance of the audit.
    pub fn gross(&self) -> f64 {
        self.buyer_payments
            + self.collateral_sales
            + self.deposits_raised
            + self.entrant_endowments
            + self.recapitalisation
            + self.guarantee_claims
            + self.exim_disbursed
            + self.insurance_indemnities
            + self.guarantee_fees
            + self.insurance_premiums
            + self.exim_repaid
            + self.on_lending_interest
            + self.deposits_repaid
            + self.production_costs
            + self.fixed_costs
            + self.export_entry_costs
            + self.operating_losses
            + self.owner_payouts
            + self.exit_withdrawals
            + self.funding_interest
            + self.handling_costs
            + self.bank_dividends
    }
}
