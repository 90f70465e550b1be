//! What is recorded each month (DESIGN.md §5) and how it is summarised.
//!
//! Every metric is a ratio `scale × numerator / denominator` (a level has
//! denominator 1). A month's value is that ratio; a replication's summary is
//! the ratio of the sums over the reported months, so a rate is weighted by
//! its denominator (the approval rate over a run is approvals / requests,
//! not the mean of monthly rates) and a level is its monthly mean. A ratio
//! with a zero denominator is undefined: an empty cell, never NaN.

use crate::model::PaymentTerm;
use crate::model::government::AGENTS;
use crate::model::product::{PRODUCT_COUNT, ProductKind};
use crate::sim::credit_market::REJECTION_REASONS;
use crate::sim::parallel::{Sums, sum_over_firms_read};
use crate::sim::state::Replication;

/// Raw counts and sums of one month, filled by the phases.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    /// By size class (micro, small, medium, large).
    pub need_firms: [u32; 4],
    pub discouraged: [u32; 4],
    pub applications: [u32; 4],
    pub approvals: [u32; 4],
    pub financing_need: [f64; 4],
    pub financing_gap: [f64; 4],
    /// Need and unfinanced need of the firms that applied.
    pub applicants_need: f64,
    pub applicants_gap: f64,
    /// SME rejections by reason (threshold, exposure, price, capital, one
    /// per bank and product asked; documentation, one per firm and month).
    pub sme_rejections: [u32; REJECTION_REASONS],
    pub credit_new: [f64; PRODUCT_COUNT],
    /// New credit and rate × amount, SMEs then large firms.
    pub credit_new_by_sme: [f64; 2],
    pub rate_weighted_by_sme: [f64; 2],
    pub order_value_by_term: [f64; 4],
    pub exports: f64,
    pub exports_sme: f64,
    pub lost_export_orders: f64,
    pub export_entries: u32,
    pub export_exits: u32,
    pub firm_entries: u32,
    pub firm_exits: u32,
    /// Defaults of firms that had debt at the start of the month.
    pub borrower_defaults: u32,
    /// Defaults of guarantors whose guarantee was called (with or without
    /// debt of their own).
    pub chain_defaults: u32,
    /// Firms with debt at the start of the month.
    pub borrowers: u32,
    pub outstanding_principal: [f64; PRODUCT_COUNT],
    pub defaulted_principal: [f64; PRODUCT_COUNT],
    pub recapitalisation: f64,
    /// SME screenings by banks, and the sum of their absolute errors on
    /// the score |s − s_true|.
    pub sme_screened: u32,
    pub sme_screening_error: f64,
    /// Export value insured this month.
    pub insured_exports: f64,
    /// Guarantee claims paid and Exim direct loans made.
    pub guarantee_claims: f64,
    pub exim_lending: f64,
    /// Credit approved with public support, and the part that would not
    /// have been approved without it, by programme (guarantee, Exim,
    /// insurance) and in all.
    pub supported: [f64; 3],
    pub additional: [f64; 3],
    pub supported_any: f64,
    pub additional_any: f64,
}

/// One metric's value in one month: `scale × num / den`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Value {
    pub num: f64,
    pub den: f64,
    pub scale: f64,
}

impl Value {
    pub fn level(x: f64) -> Self {
        Value {
            num: x,
            den: 1.0,
            scale: 1.0,
        }
    }

    pub fn ratio(num: f64, den: f64) -> Self {
        Value { num, den, scale: 1.0 }
    }

    /// A monthly rate expressed per year (× 12).
    pub fn annualised(num: f64, den: f64) -> Self {
        Value {
            num,
            den,
            scale: 12.0,
        }
    }

    /// The value, or `None` when the denominator is zero.
    pub fn get(&self) -> Option<f64> {
        (self.den != 0.0).then(|| self.scale * self.num / self.den)
    }
}

fn sum<T: Copy + Into<f64>>(xs: &[T]) -> f64 {
    xs.iter().map(|&x| x.into()).sum()
}

/// The month's metrics, in the order of the output columns.
pub fn measure(rep: &Replication) -> Vec<(&'static str, Value)> {
    let t = &rep.tally;
    let sme = 0..3;
    let mut m: Vec<(&'static str, Value)> = Vec::with_capacity(64);
    const APPLICATIONS: [&str; 4] = [
        "applications_micro",
        "applications_small",
        "applications_medium",
        "applications_large",
    ];
    const APPROVAL: [&str; 4] = [
        "approval_rate_micro",
        "approval_rate_small",
        "approval_rate_medium",
        "approval_rate_large",
    ];
    for (name, count) in APPLICATIONS.iter().zip(t.applications) {
        m.push((name, Value::level(count as f64)));
    }
    m.push((
        "applications_sme",
        Value::level(sum(&t.applications[sme.clone()])),
    ));
    for ((name, approvals), applications) in APPROVAL.iter().zip(t.approvals).zip(t.applications) {
        m.push((name, Value::ratio(approvals as f64, applications as f64)));
    }
    m.push((
        "approval_rate_sme",
        Value::ratio(sum(&t.approvals[sme.clone()]), sum(&t.applications[sme.clone()])),
    ));
    m.push((
        "approval_rate_all",
        Value::ratio(sum(&t.approvals), sum(&t.applications)),
    ));
    m.push((
        "discouraged_share_sme",
        Value::ratio(sum(&t.discouraged[sme.clone()]), sum(&t.need_firms[sme.clone()])),
    ));
    let need = sum(&t.financing_need);
    let gap = sum(&t.financing_gap);
    m.push(("financing_need", Value::level(need)));
    m.push(("financing_gap", Value::level(gap)));
    m.push(("financing_gap_share", Value::ratio(gap, need)));
    m.push((
        "financing_gap_share_sme",
        Value::ratio(
            sum(&t.financing_gap[sme.clone()]),
            sum(&t.financing_need[sme.clone()]),
        ),
    ));
    m.push((
        "financing_gap_share_applicants",
        Value::ratio(t.applicants_gap, t.applicants_need),
    ));

    let census: Census = sum_over_firms_read(&rep.firms, |f, c: &mut Census| {
        if !f.alive {
            return;
        }
        c.alive += 1;
        c.exporters += f.exporter as u32;
        if f.is_sme() {
            c.smes += 1;
            c.smes_covered += f.bureau_covered as u32;
            c.smes_trained += f.trained as u32;
            c.sme_management += f.management;
        }
    });
    let (alive, exporters) = (census.alive as f64, census.exporters as f64);
    m.push(("exports", Value::level(t.exports)));
    m.push(("exports_sme_share", Value::ratio(t.exports_sme, t.exports)));
    m.push(("exporters", Value::level(exporters)));
    m.push(("exporter_share", Value::ratio(exporters, alive)));
    m.push(("export_entries", Value::level(t.export_entries as f64)));
    m.push(("export_exits", Value::level(t.export_exits as f64)));
    m.push(("lost_export_orders", Value::level(t.lost_export_orders)));
    let terms: f64 = t.order_value_by_term.iter().sum();
    const TERM_SHARE: [&str; 4] = [
        "payment_share_cash_in_advance",
        "payment_share_letter_of_credit",
        "payment_share_documentary_collection",
        "payment_share_open_account",
    ];
    for term in PaymentTerm::ALL {
        m.push((
            TERM_SHARE[term as usize],
            Value::ratio(t.order_value_by_term[term as usize], terms),
        ));
    }

    m.push(("credit_new_sme", Value::level(t.credit_new_by_sme[0])));
    m.push(("credit_new_large", Value::level(t.credit_new_by_sme[1])));
    const CREDIT_NEW: [&str; PRODUCT_COUNT] = [
        "credit_new_lc_negotiation",
        "credit_new_red_clause",
        "credit_new_packing_loan",
        "credit_new_insurance_backed",
        "credit_new_factoring",
        "credit_new_import_lc",
        "credit_new_working_capital",
    ];
    const DEFAULT_RATE: [&str; PRODUCT_COUNT] = [
        "default_rate_lc_negotiation",
        "default_rate_red_clause",
        "default_rate_packing_loan",
        "default_rate_insurance_backed",
        "default_rate_factoring",
        "default_rate_import_lc",
        "default_rate_working_capital",
    ];
    for p in ProductKind::ALL {
        debug_assert!(CREDIT_NEW[p.index()].ends_with(p.name()));
        m.push((CREDIT_NEW[p.index()], Value::level(t.credit_new[p.index()])));
    }
    m.push((
        "lending_rate_sme",
        Value::ratio(t.rate_weighted_by_sme[0], t.credit_new_by_sme[0]),
    ));
    m.push((
        "lending_rate_large",
        Value::ratio(t.rate_weighted_by_sme[1], t.credit_new_by_sme[1]),
    ));
    for p in ProductKind::ALL {
        debug_assert!(DEFAULT_RATE[p.index()].ends_with(p.name()));
        m.push((
            DEFAULT_RATE[p.index()],
            Value::annualised(
                t.defaulted_principal[p.index()],
                t.outstanding_principal[p.index()],
            ),
        ));
    }
    m.push((
        "firm_default_rate",
        Value::annualised(t.borrower_defaults as f64, t.borrowers as f64),
    ));
    m.push(("guarantee_chain_defaults", Value::level(t.chain_defaults as f64)));

    let outstanding: f64 = rep.banks.iter().map(|b| b.loans).sum();
    let bad: f64 = rep.defaulted_principal_12m.iter().sum();
    m.push(("npl_ratio", Value::ratio(bad, outstanding + bad)));
    let equity: f64 = rep.banks.iter().map(|b| b.equity).sum();
    let rwa: f64 = rep.banks.iter().map(|b| b.rwa).sum();
    m.push(("bank_capital_ratio", Value::ratio(equity, rwa)));
    m.push(("bank_recapitalisation", Value::level(t.recapitalisation)));

    // Government programmes.
    let g = &rep.government;
    m.push(("guarantee_outstanding", Value::level(g.guarantee.outstanding)));
    m.push(("guarantee_fund", Value::level(g.guarantee.fund)));
    m.push(("guarantee_claims", Value::level(t.guarantee_claims)));
    m.push(("exim_lending", Value::level(t.exim_lending)));
    m.push(("exim_outstanding", Value::level(g.exim.outstanding)));
    m.push(("insured_exports", Value::level(t.insured_exports)));
    m.push(("insured_export_share", Value::ratio(t.insured_exports, t.exports)));
    m.push(("insurance_claims", Value::level(rep.accounts.insurance_claims)));
    m.push(("supported_credit", Value::level(t.supported_any)));
    m.push(("additional_credit", Value::level(t.additional_any)));
    const PROGRAMMES: [(&str, &str); 3] = [
        ("supported_credit_guarantee", "additional_credit_guarantee"),
        ("supported_credit_exim", "additional_credit_exim"),
        ("supported_credit_insurance", "additional_credit_insurance"),
    ];
    for (p, (supported, additional)) in PROGRAMMES.iter().enumerate() {
        m.push((supported, Value::level(t.supported[p])));
        m.push((additional, Value::level(t.additional[p])));
    }
    let (sme_count, covered, trained, management) = (
        census.smes as f64,
        census.smes_covered as f64,
        census.smes_trained as f64,
        census.sme_management,
    );
    m.push(("bureau_coverage_sme", Value::ratio(covered, sme_count)));
    m.push((
        "screening_error_sme",
        Value::ratio(t.sme_screening_error, t.sme_screened as f64),
    ));
    m.push(("trained_share_sme", Value::ratio(trained, sme_count)));
    m.push(("management_quality_sme", Value::ratio(management, sme_count)));
    let net = rep.accounts.net_cost();
    m.push(("fiscal_cost", Value::level(net.iter().sum())));
    const FISCAL: [&str; 6] = [
        "fiscal_cost_guarantee",
        "fiscal_cost_exim",
        "fiscal_cost_insurance",
        "fiscal_cost_bureau",
        "fiscal_cost_training",
        "fiscal_cost_recapitalisation",
    ];
    for (agent, name) in AGENTS.iter().zip(FISCAL) {
        debug_assert!(name.ends_with(agent));
    }
    for (name, cost) in FISCAL.iter().zip(net) {
        m.push((name, Value::level(cost)));
    }

    let rejections = sum(&t.sme_rejections);
    const REJECTION: [&str; 5] = [
        "rejection_share_threshold_sme",
        "rejection_share_exposure_sme",
        "rejection_share_price_sme",
        "rejection_share_capital_sme",
        "rejection_share_documentation_sme",
    ];
    for (reason, name) in REJECTION.iter().enumerate() {
        m.push((name, Value::ratio(t.sme_rejections[reason] as f64, rejections)));
    }

    m.push(("firms", Value::level(alive)));
    m.push(("firm_entries", Value::level(t.firm_entries as f64)));
    m.push(("firm_exits", Value::level(t.firm_exits as f64)));
    m
}

/// Counts of the living firms taken for the month's metrics, in one
/// parallel pass (`parallel::sum_over_firms_read`).
#[derive(Default)]
struct Census {
    alive: u32,
    exporters: u32,
    smes: u32,
    smes_covered: u32,
    smes_trained: u32,
    /// Sum of SMEs' management quality.
    sme_management: f64,
}

impl Sums for Census {
    fn add(&mut self, later: Self) {
        self.alive += later.alive;
        self.exporters += later.exporters;
        self.smes += later.smes;
        self.smes_covered += later.smes_covered;
        self.smes_trained += later.smes_trained;
        self.sme_management += later.sme_management;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_ratios_with_undefined_zero_denominators() {
        assert_eq!(Value::level(3.5).get(), Some(3.5));
        assert_eq!(Value::ratio(1.0, 4.0).get(), Some(0.25));
        assert_eq!(Value::annualised(1.0, 4.0).get(), Some(3.0));
        assert_eq!(Value::ratio(0.0, 0.0).get(), None);
    }
}
