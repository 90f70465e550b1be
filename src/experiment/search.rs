//! Calibration search: a Latin hypercube over the free parameters, each
//! point scored by its weighted distance to the targets' band centres
//! (method of simulated moments), then a second, narrower hypercube
//! around the best point. The same design seed gives the same design.

use crate::scenario::Scenario;
use crate::sim::rng::{Draw, Purpose, Streams};

use super::calibration::{self, Row};
use super::run_replications;

/// A parameter the calibration may move, with the range searched. A
/// multiplier scales the scenario's own values; otherwise the value is set.
pub struct FreeParameter {
    pub name: &'static str,
    pub low: f64,
    pub high: f64,
    apply: fn(&mut Scenario, f64),
}

fn each_bank_type(s: &mut Scenario, f: impl Fn(&mut crate::scenario::BankType)) {
    s.banks.types.iter_mut().for_each(f);
}

/// The free parameters and their ranges (docs/CALIBRATION.md says why
/// these).
pub const FREE: [FreeParameter; 8] = [
    FreeParameter {
        name: "banks.documentation_rejection_base",
        low: 0.1,
        high: 0.4,
        apply: |s, x| s.banks.documentation_rejection_base = x,
    },
    FreeParameter {
        name: "× banks.types[*].sme_thresholds (employees, revenue, age, score, collateral)",
        low: 0.15,
        high: 1.1,
        apply: |s, x| {
            each_bank_type(s, |t| {
                let th = &mut t.sme_thresholds;
                th.min_employees *= x;
                th.min_annual_revenue_kusd *= x;
                th.min_age_months *= x;
                th.min_score *= x;
                th.min_collateral_coverage *= x;
            })
        },
    },
    FreeParameter {
        name: "× banks.types[*].screening_noise",
        low: 0.3,
        high: 1.3,
        apply: |s, x| each_bank_type(s, |t| t.screening_noise *= x),
    },
    FreeParameter {
        name: "× banks.types[*].rate_cap_multiple",
        low: 0.9,
        high: 1.6,
        apply: |s, x| each_bank_type(s, |t| t.rate_cap_multiple *= x),
    },
    FreeParameter {
        name: "firms.belief.discouragement_threshold",
        low: 0.05,
        high: 0.3,
        apply: |s, x| s.firms.belief.discouragement_threshold = x,
    },
    FreeParameter {
        name: "firms.cash_target_months",
        low: 0.8,
        high: 2.5,
        apply: |s, x| s.firms.cash_target_months = x,
    },
    FreeParameter {
        name: "firms.export.intensity_productivity_slope",
        low: -0.15,
        high: -0.05,
        apply: |s, x| s.firms.export.intensity_productivity_slope = x,
    },
    FreeParameter {
        name: "firms.productivity_max",
        low: 8.0,
        high: 20.0,
        apply: |s, x| s.firms.productivity_max = x,
    },
];

/// One evaluated point.
#[derive(Debug, Clone)]
pub struct Point {
    pub values: Vec<f64>,
    pub distance: f64,
    pub in_band: usize,
    pub rows: Vec<Row>,
}

/// `n` points of a Latin hypercube in the box `[low, high]` per dimension:
/// each dimension's range is cut into n strata, each stratum used once, in
/// an order and at a position drawn from `seed`.
pub fn latin_hypercube(bounds: &[(f64, f64)], n: usize, seed: u64) -> Vec<Vec<f64>> {
    let streams = Streams::new(seed, 0);
    let mut points = vec![vec![0.0; bounds.len()]; n];
    for (d, &(low, high)) in bounds.iter().enumerate() {
        let mut rng = streams.rng(0, d as u64, Purpose::Design);
        let mut strata: Vec<usize> = (0..n).collect();
        // Fisher–Yates.
        for i in (1..n).rev() {
            let j = ((rng.uniform() * (i + 1) as f64) as usize).min(i);
            strata.swap(i, j);
        }
        for (point, stratum) in points.iter_mut().zip(strata) {
            let u = (stratum as f64 + rng.uniform()) / n as f64;
            point[d] = low + u * (high - low);
        }
    }
    points
}

/// The scenario at one point of the search.
pub fn at(base: &Scenario, values: &[f64]) -> Scenario {
    let mut s = base.clone();
    for (p, &x) in FREE.iter().zip(values) {
        (p.apply)(&mut s, x);
    }
    s
}

/// Runs and scores one point.
pub fn evaluate(base: &Scenario, values: &[f64]) -> crate::Result<Point> {
    let rows = calibration::table(&run_replications(&at(base, values))?);
    Ok(Point {
        values: values.to_vec(),
        distance: calibration::distance(&rows),
        in_band: rows.iter().filter(|r| r.in_band).count(),
        rows,
    })
}

/// The search: `n` points over the full ranges, then `n / 2` in a box a
/// quarter of each range wide around the best; every point of both
/// stages, in order, and the index of the best.
pub fn search(
    base: &Scenario,
    n: usize,
    seed: u64,
    mut progress: impl FnMut(usize, &Point),
) -> crate::Result<(Vec<Point>, usize)> {
    let full: Vec<(f64, f64)> = FREE.iter().map(|p| (p.low, p.high)).collect();
    let mut points = Vec::new();
    for values in latin_hypercube(&full, n, seed) {
        let p = evaluate(base, &values)?;
        progress(points.len(), &p);
        points.push(p);
    }
    let best = best_of(&points);
    let narrow: Vec<(f64, f64)> = full
        .iter()
        .zip(&points[best].values)
        .map(|(&(low, high), &x)| {
            let half = (high - low) / 8.0;
            ((x - half).max(low), (x + half).min(high))
        })
        .collect();
    for values in latin_hypercube(&narrow, (n / 2).max(1), seed.wrapping_add(1)) {
        let p = evaluate(base, &values)?;
        progress(points.len(), &p);
        points.push(p);
    }
    let best = best_of(&points);
    Ok((points, best))
}

/// Most targets in band first, then the smallest distance.
fn best_of(points: &[Point]) -> usize {
    (0..points.len())
        .min_by(|&a, &b| {
            let (a, b) = (&points[a], &points[b]);
            b.in_band.cmp(&a.in_band).then(a.distance.total_cmp(&b.distance))
        })
        .expect("at least one point")
}

/// The parameter values a point changes, as `--set PATH=VALUE` lines:
/// every leaf of the resolved scenario that differs from `base`, numbers
/// to four significant digits.
pub fn changes(base: &Scenario, values: &[f64]) -> Vec<String> {
    crate::scenario::diff::differences(base, &at(base, values))
        .into_iter()
        .map(|(path, value)| format!("{path}={value}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_latin_hypercube_uses_every_stratum_once() {
        let bounds = [(0.0, 1.0), (10.0, 20.0)];
        let points = latin_hypercube(&bounds, 8, 3);
        for (d, &(low, high)) in bounds.iter().enumerate() {
            let mut strata: Vec<usize> = points
                .iter()
                .map(|p| ((p[d] - low) / (high - low) * 8.0) as usize)
                .collect();
            strata.sort();
            assert_eq!(strata, (0..8).collect::<Vec<_>>());
        }
        assert_eq!(points, latin_hypercube(&bounds, 8, 3), "reproducible");
        assert_ne!(points, latin_hypercube(&bounds, 8, 4));
    }

    #[test]
    fn changes_lists_the_leaves_a_point_moves() {
        let base = Scenario::default();
        let mut values: Vec<f64> = vec![0.0; FREE.len()];
        // Multipliers at 1 and absolute values at the defaults change nothing…
        values[0] = base.banks.documentation_rejection_base;
        values[1] = 1.0;
        values[2] = 1.0;
        values[3] = 1.0;
        values[4] = base.firms.belief.discouragement_threshold;
        values[5] = base.firms.cash_target_months;
        values[6] = base.firms.export.intensity_productivity_slope;
        values[7] = base.firms.productivity_max;
        assert!(changes(&base, &values).is_empty());
        // …except what is moved.
        values[0] = 0.25;
        values[5] = 2.0;
        assert_eq!(
            changes(&base, &values),
            vec![
                "banks.documentation_rejection_base=0.25".to_string(),
                "firms.cash_target_months=2".to_string(),
            ]
        );
    }
}
