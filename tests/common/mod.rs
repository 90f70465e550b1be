//! Helpers shared by the tests: per-replication values and paired
//! comparisons over common random numbers; comparing output trees.

// Each test crate uses some of these; the rest would warn as unused.
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

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

/// Every file under `dir`, relative to it, sorted.
pub fn files(dir: &Path) -> Vec<PathBuf> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                out.push(path.strip_prefix(root).unwrap().to_path_buf());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// The same files with the same bytes.
pub fn assert_same_tree(expected: &Path, actual: &Path) {
    let (a, b) = (files(expected), files(actual));
    assert_eq!(
        a,
        b,
        "{} and {} hold other files",
        expected.display(),
        actual.display()
    );
    for file in a {
        assert!(
            fs::read(expected.join(&file)).unwrap() == fs::read(actual.join(&file)).unwrap(),
            "{} differs between {} and {}",
            file.display(),
            expected.display(),
            actual.display()
        );
    }
}

/// Runs the built binary in `dir`.
pub fn tradefin(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tradefin"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("running tradefin")
}

/// Exit code 0, or the failure's stderr.
pub fn assert_success(output: &Output) {
    assert_eq!(
        output.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}
