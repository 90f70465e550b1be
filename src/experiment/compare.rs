//! Comparisons: scenarios run with the same replication seeds (common
//! random numbers), and each one's paired difference to the first, the
//! baseline, with a 95 % CI by Student's t on the per-replication
//! differences.

use std::fmt::Write as _;

use super::stats::{Estimate, estimate};
use super::{Summary, fmt_like, magnitude, signed_like};

/// Metrics shown on the console in a comparison (DESIGN.md §7), in order.
pub const HEADLINE: [&str; 9] = [
    "approval_rate_sme",
    "discouraged_share_sme",
    "financing_gap_share",
    "exports",
    "export_growth_annual",
    "exports_sme_share",
    "firm_default_rate",
    "fiscal_cost_total",
    EXPORTS_PER_FISCAL_DOLLAR,
];

/// Extra exports over the run per kUSD of extra fiscal cost, against the
/// baseline: Δ `exports_total` / Δ `fiscal_cost_total`, replication by
/// replication. Undefined unless the policy costs more than the baseline
/// in every replication (a ratio over a cost near zero says nothing).
pub const EXPORTS_PER_FISCAL_DOLLAR: &str = "exports_per_fiscal_dollar";

/// One row of `comparison.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub scenario: String,
    pub metric: String,
    pub level: Option<Estimate>,
    pub diff: Option<Estimate>,
}

/// Every metric of every scenario with its paired difference to the
/// baseline (`summaries[0]`). All summaries must come from the same
/// replications of the same seed.
pub fn rows(names: &[String], summaries: &[Summary]) -> Vec<Row> {
    let base = &summaries[0];
    let mut out = Vec::new();
    for (name, s) in names.iter().zip(summaries) {
        for (k, metric) in s.names.iter().enumerate() {
            let diffs: Vec<f64> = paired(base, s, k).collect();
            out.push(Row {
                scenario: name.clone(),
                metric: metric.clone(),
                level: s.estimates[k],
                diff: estimate(&diffs),
            });
        }
        out.push(Row {
            scenario: name.clone(),
            metric: EXPORTS_PER_FISCAL_DOLLAR.to_string(),
            level: None,
            diff: exports_per_fiscal_dollar(base, s),
        });
    }
    out
}

/// Per-replication differences `s − base` of metric `k`, where both are
/// defined.
fn paired<'a>(base: &'a Summary, s: &'a Summary, k: usize) -> impl Iterator<Item = f64> + 'a {
    s.per_replication
        .iter()
        .zip(&base.per_replication)
        .filter_map(move |(row, b)| Some(row[k]? - b[k]?))
}

fn exports_per_fiscal_dollar(base: &Summary, s: &Summary) -> Option<Estimate> {
    let column = |name: &str| s.names.iter().position(|n| n == name);
    let (exports, fiscal) = (column("exports_total")?, column("fiscal_cost_total")?);
    let d_exports: Vec<f64> = paired(base, s, exports).collect();
    let d_fiscal: Vec<f64> = paired(base, s, fiscal).collect();
    if d_fiscal.is_empty() || d_fiscal.iter().any(|c| *c <= 0.0) || d_exports.len() != d_fiscal.len() {
        return None;
    }
    let ratios: Vec<f64> = d_exports.iter().zip(&d_fiscal).map(|(e, c)| e / c).collect();
    estimate(&ratios)
}

/// The headline metrics as a console table: for each metric the baseline's
/// level, then each scenario's difference with its 95 % CI.
pub fn console_table(rows: &[Row], names: &[String]) -> String {
    let mut out = String::new();
    let width = names.iter().map(|n| n.len()).max().unwrap_or(8).max(8);
    for metric in HEADLINE {
        let find = |scenario: &str| rows.iter().find(|r| r.scenario == scenario && r.metric == metric);
        match find(&names[0]).and_then(|r| r.level.as_ref()) {
            Some(level) => {
                let _ = writeln!(
                    out,
                    "{metric} ({}: {})",
                    names[0],
                    fmt_like(level.mean, magnitude(level))
                );
            }
            None => {
                let _ = writeln!(out, "{metric} (difference to {})", names[0]);
            }
        }
        for name in &names[1..] {
            let line = match find(name).and_then(|r| r.diff.as_ref()) {
                Some(d) => {
                    let m = magnitude(d);
                    match (d.ci_low, d.ci_high) {
                        (Some(lo), Some(hi)) => {
                            let mark = if lo > 0.0 || hi < 0.0 { "" } else { "  (n.s.)" };
                            format!(
                                "{:>12}  [{:>12}, {:>12}]{mark}",
                                signed_like(d.mean, m),
                                signed_like(lo, m),
                                signed_like(hi, m)
                            )
                        }
                        _ => format!("{:>12}", signed_like(d.mean, m)),
                    }
                }
                None => format!("{:>12}", "n/a"),
            };
            let _ = writeln!(out, "  {name:<width$}  {line}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(values: &[[f64; 3]]) -> Summary {
        let names = vec![
            "a".to_string(),
            "exports_total".to_string(),
            "fiscal_cost_total".to_string(),
        ];
        let per_replication: Vec<Vec<Option<f64>>> = values
            .iter()
            .map(|v| v.iter().map(|x| Some(*x)).collect())
            .collect();
        let estimates = (0..3)
            .map(|k| estimate(&per_replication.iter().map(|r| r[k].unwrap()).collect::<Vec<_>>()))
            .collect();
        Summary {
            names,
            per_replication,
            estimates,
        }
    }

    /// Differences 1, 2, 3, 6 (mean 3, sd √(14/3)); t₀.₉₇₅,₃ = 3.182446.
    #[test]
    fn paired_differences_by_hand() {
        let base = summary(&[
            [1.0, 100.0, 0.0],
            [2.0, 100.0, 0.0],
            [3.0, 100.0, 0.0],
            [4.0, 100.0, 0.0],
        ]);
        let policy = summary(&[
            [2.0, 110.0, 5.0],
            [4.0, 120.0, 5.0],
            [6.0, 100.0, 10.0],
            [10.0, 130.0, 10.0],
        ]);
        let names = vec!["base".to_string(), "policy".to_string()];
        let rows = rows(&names, &[base, policy]);
        let a = rows
            .iter()
            .find(|r| r.scenario == "policy" && r.metric == "a")
            .unwrap();
        let d = a.diff.as_ref().unwrap();
        assert_eq!(d.mean, 3.0);
        let half = 3.182_446_305_284_263 * (14.0f64 / 3.0).sqrt() / 2.0;
        assert!((d.ci_low.unwrap() - (3.0 - half)).abs() < 1e-9);
        assert!((d.ci_high.unwrap() - (3.0 + half)).abs() < 1e-9);
        // Extra exports per kUSD of fiscal cost: 10/5, 20/5, 0/10, 30/10.
        let e = rows
            .iter()
            .find(|r| r.scenario == "policy" && r.metric == EXPORTS_PER_FISCAL_DOLLAR)
            .unwrap();
        assert_eq!(e.diff.as_ref().unwrap().mean, (2.0 + 4.0 + 0.0 + 3.0) / 4.0);
        // The baseline against itself: zero differences, and no ratio.
        let own = rows
            .iter()
            .find(|r| r.scenario == "base" && r.metric == "a")
            .unwrap();
        let d = own.diff.as_ref().unwrap();
        assert_eq!((d.mean, d.ci_low, d.ci_high), (0.0, Some(0.0), Some(0.0)));
        let own_ratio = rows
            .iter()
            .find(|r| r.scenario == "base" && r.metric == EXPORTS_PER_FISCAL_DOLLAR)
            .unwrap();
        assert!(own_ratio.diff.is_none());
    }
}
