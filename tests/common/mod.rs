//! Helpers shared by the behavioural tests: per-replication values and
//! paired comparisons over common random numbers.

// Each test crate uses some of these; the rest would warn as unused.
#![allow(dead_code)]

use tradefin::experiment::Summary;

/// Per-replication values of `metric`.
pub fn values(summary: &Summary, metric: &str) -> Vec<f64> {
    let k = summary
        .names
        .iter()
        .position(|n| n == metric)
        .unwrap_or_else(|| panic!("unknown metric {metric}"));
    summary
        .per_replication
        .iter()
        .map(|row| row[k].unwrap_or_else(|| panic!("{metric} undefined")))
        .collect()
}

/// Asserts `variant − base` has `sign` in all replications but one and
/// on average by more than `min_effect`.
pub fn assert_effect(base: &Summary, variant: &Summary, metric: &str, sign: f64, min_effect: f64) {
    let n = base.per_replication.len();
    assert_effect_in(base, variant, metric, sign, min_effect, n - 1);
}

/// As `assert_effect`, with at least `min_agreeing` replications agreeing.
pub fn assert_effect_in(
    base: &Summary,
    variant: &Summary,
    metric: &str,
    sign: f64,
    min_effect: f64,
    min_agreeing: usize,
) {
    let (b, v) = (values(base, metric), values(variant, metric));
    let diffs: Vec<f64> = v.iter().zip(&b).map(|(v, b)| sign * (v - b)).collect();
    let agreeing = diffs.iter().filter(|d| **d > 0.0).count();
    let mean = diffs.iter().sum::<f64>() / diffs.len() as f64;
    assert!(
        agreeing >= min_agreeing && mean > min_effect,
        "{metric}: expected {} change of more than {min_effect}; base {b:?}, variant {v:?}",
        if sign > 0.0 { "an upward" } else { "a downward" }
    );
}
