//! Statistics across replications.

use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::math::{exp, ln};

/// Mean, standard deviation and 95 % confidence interval of a sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub mean: f64,
    /// `None` with fewer than two observations.
    pub sd: Option<f64>,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    pub n: usize,
}

/// Two-sided 95 % Student-t critical value with `df` degrees of freedom.
pub fn t_critical_95(df: usize) -> f64 {
    StudentsT::new(0.0, 1.0, df as f64).map_or(f64::NAN, |t| t.inverse_cdf(0.975))
}

/// Estimate of the mean of `values` (n − 1 in the variance; Student t
/// interval `mean ± t₀.₉₇₅,ₙ₋₁ · sd/√n`). `None` for an empty sample.
pub fn estimate(values: &[f64]) -> Option<Estimate> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    // Summed in index order: the result never depends on thread timing.
    let mean = values.iter().sum::<f64>() / n as f64;
    if n == 1 {
        return Some(Estimate {
            mean,
            sd: None,
            ci_low: None,
            ci_high: None,
            n,
        });
    }
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let sd = var.sqrt();
    let half = t_critical_95(n - 1) * sd / (n as f64).sqrt();
    Some(Estimate {
        mean,
        sd: Some(sd),
        ci_low: Some(mean - half),
        ci_high: Some(mean + half),
        n,
    })
}

/// The estimate `estimate` would give, from running sums of a sample: its
/// size n, Σx and Σx² (for sweeps, whose rows are streamed to disk).
pub fn from_sums(n: f64, sum: f64, squares: f64) -> Option<Estimate> {
    if n < 1.0 {
        return None;
    }
    let mean = sum / n;
    if n < 2.0 {
        return Some(Estimate {
            mean,
            sd: None,
            ci_low: None,
            ci_high: None,
            n: 1,
        });
    }
    let sd = ((squares - n * mean * mean) / (n - 1.0)).max(0.0).sqrt();
    let half = t_critical_95(n as usize - 1) * sd / n.sqrt();
    Some(Estimate {
        mean,
        sd: Some(sd),
        ci_low: Some(mean - half),
        ci_high: Some(mean + half),
        n: n as usize,
    })
}

/// Compound annual growth of a monthly series from the slope b of an OLS
/// fit of ln(x) on the month: `exp(12·b) − 1`. Uses the months with x > 0;
/// `None` with fewer than two.
pub fn annual_growth(series: &[f64]) -> Option<f64> {
    let points: Vec<(f64, f64)> = series
        .iter()
        .enumerate()
        .filter(|(_, x)| **x > 0.0)
        .map(|(i, x)| (i as f64, ln(*x)))
        .collect();
    if points.len() < 2 {
        return None;
    }
    let n = points.len() as f64;
    let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    Some(exp(12.0 * sxy / sxx) - 1.0)
}

/// Share of the largest firms the size-distribution tail exponent is
/// estimated on.
pub const SIZE_TAIL_SHARE: f64 = 0.05;

/// Hill (1975) estimate of the Pareto tail exponent of `sizes` from its
/// largest `tail_share` (at least 10 values): `k / Σ_{i≤k} ln(x_(i) /
/// x_(k+1))`, with x_(1) ≥ x_(2) ≥ … . `None` with fewer than 11 positive
/// sizes. Zipf's law is an exponent of 1 (Axtell 2001).
pub fn hill_tail_exponent(sizes: &[f64], tail_share: f64) -> Option<f64> {
    let mut x: Vec<f64> = sizes.iter().copied().filter(|s| *s > 0.0).collect();
    if x.len() < 11 {
        return None;
    }
    x.sort_by(|a, b| b.total_cmp(a));
    let k = ((tail_share * x.len() as f64).round() as usize).clamp(10, x.len() - 1);
    let threshold = x[k];
    let sum: f64 = x[..k].iter().map(|v| ln(v / threshold)).sum();
    (sum > 0.0).then(|| k as f64 / sum)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Exact quantiles of a Pareto(1, α) sample: x_i = (n / i)^(1/α). The
    /// estimate recovers α to within the discreteness of the quantiles.
    #[test]
    fn hill_recovers_a_pareto_exponent() {
        for alpha in [0.9, 1.2, 2.0] {
            let n = 20_000;
            let sizes: Vec<f64> = (1..=n).map(|i| (n as f64 / i as f64).powf(1.0 / alpha)).collect();
            let a = hill_tail_exponent(&sizes, 0.05).unwrap();
            assert!((a - alpha).abs() < 0.02 * alpha, "{a} vs {alpha}");
        }
        assert!(hill_tail_exponent(&[1.0; 5], 0.05).is_none());
        assert!(hill_tail_exponent(&[2.0; 50], 0.05).is_none(), "no tail");
    }

    /// 1, 2, 3, 4: mean 2.5, sd √(5/3), t₀.₉₇₅,₃ = 3.182446.
    #[test]
    fn student_t_interval_by_hand() {
        let e = estimate(&[1.0, 2.0, 3.0, 4.0]).unwrap();
        assert_eq!(e.mean, 2.5);
        let sd = (5.0f64 / 3.0).sqrt();
        assert!((e.sd.unwrap() - sd).abs() < 1e-12);
        let half = 3.182_446_305_284_263 * sd / 2.0;
        assert!((e.ci_low.unwrap() - (2.5 - half)).abs() < 1e-9);
        assert!((e.ci_high.unwrap() - (2.5 + half)).abs() < 1e-9);
        assert_eq!(e.n, 4);
    }

    #[test]
    fn single_and_empty_samples() {
        let e = estimate(&[7.0]).unwrap();
        assert_eq!((e.mean, e.sd, e.ci_low, e.n), (7.0, None, None, 1));
        assert!(estimate(&[]).is_none());
    }

    #[test]
    fn growth_of_a_geometric_series() {
        // 1 % a month compounds to 12.68 % a year.
        let series: Vec<f64> = (0..36).map(|i| 100.0 * 1.01f64.powi(i)).collect();
        let g = annual_growth(&series).unwrap();
        assert!((g - (1.01f64.powi(12) - 1.0)).abs() < 1e-12);
        assert!(annual_growth(&[5.0]).is_none());
        assert!(annual_growth(&[0.0, 0.0, 3.0]).is_none());
    }
}
