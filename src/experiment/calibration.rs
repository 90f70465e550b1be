//! Calibration targets (../shared/EVIDENCE.md, T1–T12): each published
//! figure, its band, and how the simulation's records measure it.

use serde::Serialize;

use crate::sim::ReplicationResult;

use super::Summary;
use super::stats::{Estimate, estimate};

/// How one replication's records measure a target.
#[derive(Debug, Clone, Copy)]
enum Measure {
    /// A summary measure (ratio of sums over the reported months).
    Metric(&'static str),
    /// One minus a summary measure (a rejection rate from an approval rate).
    OneMinus(&'static str),
    /// The sum of summary measures with the same denominator (shares).
    Sum(&'static [&'static str]),
    /// Default rates pooled over products: Σ defaulted / Σ outstanding × 12.
    Pooled(&'static [&'static str]),
    /// Default-rate ordering: the largest ratio of a safer class's pooled
    /// rate to the next riskier class's (below 1 when the order holds);
    /// classes with no loans are skipped.
    Ordering(&'static [&'static [&'static str]]),
}

/// One published figure to reproduce.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    pub id: &'static str,
    pub description: &'static str,
    pub low: f64,
    pub high: f64,
    /// The value must be below `high`, not equal to it.
    pub strict_high: bool,
    measure: Measure,
}

const LC_BACKED: &[&str] = &[
    "default_rate_lc_negotiation",
    "default_rate_red_clause",
    "default_rate_packing_loan",
];
const RECEIVABLES_BACKED: &[&str] = &["default_rate_insurance_backed", "default_rate_factoring"];
const WORKING_CAPITAL: &[&str] = &["default_rate_working_capital"];

const fn target(
    id: &'static str,
    description: &'static str,
    low: f64,
    high: f64,
    measure: Measure,
) -> Target {
    Target {
        id,
        description,
        low,
        high,
        strict_high: false,
        measure,
    }
}

/// The targets of ../shared/EVIDENCE.md, in its order. T8 (the payment
/// terms mix) is three targets, one per band.
pub const TARGETS: [Target; 14] = [
    target(
        "T1",
        "trade-finance rejection rate, SMEs",
        0.40,
        0.56,
        Measure::OneMinus("approval_rate_sme"),
    ),
    target(
        "T2",
        "trade-finance rejection rate, large firms",
        0.07,
        0.20,
        Measure::OneMinus("approval_rate_large"),
    ),
    target(
        "T3",
        "SMEs' share of export value",
        0.58,
        0.70,
        Measure::Metric("exports_sme_share"),
    ),
    target(
        "T4",
        "trade finance gap, share of applicants' demand (value)",
        0.08,
        0.20,
        Measure::Metric("financing_gap_share_applicants"),
    ),
    target(
        "T5",
        "annual default rate, LC-backed products",
        0.0,
        0.005,
        Measure::Pooled(LC_BACKED),
    ),
    target(
        "T6",
        "annual default rate, working capital and packing loans",
        0.002,
        0.03,
        Measure::Pooled(&["default_rate_working_capital", "default_rate_packing_loan"]),
    ),
    Target {
        id: "T7",
        description: "default ordering: LC-backed < receivables < working capital",
        low: 0.0,
        high: 1.0,
        strict_high: true,
        measure: Measure::Ordering(&[LC_BACKED, RECEIVABLES_BACKED, WORKING_CAPITAL]),
    },
    target(
        "T8a",
        "payment terms: open account, share of export value",
        0.38,
        0.50,
        Measure::Metric("payment_share_open_account"),
    ),
    target(
        "T8b",
        "payment terms: LC and collection, share of export value",
        0.30,
        0.40,
        Measure::Sum(&[
            "payment_share_letter_of_credit",
            "payment_share_documentary_collection",
        ]),
    ),
    target(
        "T8c",
        "payment terms: cash in advance, share of export value",
        0.15,
        0.25,
        Measure::Metric("payment_share_cash_in_advance"),
    ),
    target(
        "T9",
        "export credit insurance coverage of exports",
        0.01,
        0.10,
        Measure::Metric("insured_export_share"),
    ),
    target(
        "T10",
        "share of firms that export",
        0.15,
        0.30,
        Measure::Metric("exporter_share"),
    ),
    target(
        "T11",
        "firm size tail exponent (Hill, largest 5% by employees)",
        0.9,
        1.3,
        Measure::Metric("size_tail_exponent"),
    ),
    target(
        "T12",
        "nominal export growth in calm years, per year",
        0.10,
        0.25,
        Measure::Metric("export_growth_annual"),
    ),
];

impl Target {
    pub fn contains(&self, x: f64) -> bool {
        x >= self.low
            && if self.strict_high {
                x < self.high
            } else {
                x <= self.high
            }
    }

    /// The band as printed: `[0.4, 0.56]`, `[0, 1)`.
    pub fn band(&self) -> String {
        format!(
            "[{}, {}{}",
            self.low,
            self.high,
            if self.strict_high { ")" } else { "]" }
        )
    }

    /// The target's value in replication `r` (`None` if undefined there).
    fn measure(&self, summary: &Summary, result: &ReplicationResult, r: usize) -> Option<f64> {
        let metric = |name: &str| -> Option<f64> {
            let k = summary.names.iter().position(|n| n == name)?;
            summary.per_replication[r][k]
        };
        match self.measure {
            Measure::Metric(name) => metric(name),
            Measure::OneMinus(name) => metric(name).map(|x| 1.0 - x),
            Measure::Sum(names) => names.iter().map(|n| metric(n)).sum(),
            Measure::Pooled(names) => pooled(result, names),
            Measure::Ordering(classes) => {
                let rates: Vec<f64> = classes.iter().filter_map(|c| pooled(result, c)).collect();
                rates
                    .windows(2)
                    .map(|w| if w[1] > 0.0 { w[0] / w[1] } else { f64::INFINITY })
                    .reduce(f64::max)
            }
        }
    }
}

/// Σ numerators / Σ denominators × scale of `names` over the reported
/// months; `None` if no loans were outstanding.
fn pooled(result: &ReplicationResult, names: &[&str]) -> Option<f64> {
    let columns: Vec<usize> = names
        .iter()
        .filter_map(|name| result.names.iter().position(|n| n == name))
        .collect();
    let (mut num, mut den, mut scale) = (0.0, 0.0, 1.0);
    for month in &result.months {
        for &k in &columns {
            let v = month.values[k];
            num += v.num;
            den += v.den;
            scale = v.scale;
        }
    }
    (den > 0.0).then(|| scale * num / den)
}

/// One row of the calibration table.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub id: &'static str,
    pub target: &'static str,
    pub band_low: f64,
    pub band_high: f64,
    /// Mean over replications, with its 95 % CI.
    pub simulated: Option<f64>,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    pub in_band: bool,
}

/// Every target measured in every replication and summarised.
pub fn table(results: &[ReplicationResult]) -> Vec<Row> {
    let summary = Summary::new(results);
    TARGETS
        .iter()
        .map(|t| {
            let values: Vec<f64> = results
                .iter()
                .enumerate()
                .filter_map(|(r, result)| t.measure(&summary, result, r))
                .collect();
            let e: Option<Estimate> = estimate(&values);
            let mean = e.as_ref().map(|e| e.mean);
            Row {
                id: t.id,
                target: t.description,
                band_low: t.low,
                band_high: t.high,
                simulated: mean,
                ci_low: e.as_ref().and_then(|e| e.ci_low),
                ci_high: e.as_ref().and_then(|e| e.ci_high),
                in_band: mean.is_some_and(|m| t.contains(m)),
            }
        })
        .collect()
}

/// Weighted distance of a table from the band centres (method of
/// simulated moments): Σ ((simulated − centre) / half-width)², each target
/// weighted equally; an undefined target counts as 4 (two half-widths
/// away).
pub fn distance(rows: &[Row]) -> f64 {
    rows.iter()
        .zip(TARGETS.iter())
        .map(|(row, t)| match row.simulated {
            Some(x) if x.is_finite() => {
                let centre = (t.low + t.high) / 2.0;
                let half = (t.high - t.low) / 2.0;
                ((x - centre) / half).powi(2)
            }
            _ => 4.0,
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_contain_their_ends_unless_strict() {
        let t1 = &TARGETS[0];
        assert!(t1.contains(0.40) && t1.contains(0.56) && !t1.contains(0.561));
        let t7 = TARGETS.iter().find(|t| t.id == "T7").unwrap();
        assert!(t7.contains(0.99) && !t7.contains(1.0));
        assert_eq!(t7.band(), "[0, 1)");
        assert_eq!(t1.band(), "[0.4, 0.56]");
    }

    #[test]
    fn distance_is_zero_at_the_centres() {
        let rows: Vec<Row> = TARGETS
            .iter()
            .map(|t| Row {
                id: t.id,
                target: t.description,
                band_low: t.low,
                band_high: t.high,
                simulated: Some((t.low + t.high) / 2.0),
                ci_low: None,
                ci_high: None,
                in_band: true,
            })
            .collect();
        assert_eq!(distance(&rows), 0.0);
        let mut off = rows.clone();
        // T1 at its upper edge: one half-width from the centre.
        off[0].simulated = Some(0.56);
        assert!((distance(&off) - 1.0).abs() < 1e-12);
        off[1].simulated = None;
        assert!((distance(&off) - 5.0).abs() < 1e-12);
    }
}
