//! Transcendental functions from the pure-Rust `libm` crate.
//!
//! `f64::exp`, `ln` and `powf` call the platform's C library, whose results
//! may differ in the last bit between machines (glibc chooses FMA or plain
//! code at run time; macOS has its own library). Routing every such call
//! through one implementation keeps a scenario and seed bit-identical on any
//! machine, not only on one. (`sqrt` and the basic operations are exact in
//! IEEE 754 and need no help.)

#[inline]
pub fn exp(x: f64) -> f64 {
    libm::exp(x)
}

/// Natural logarithm.
#[inline]
pub fn ln(x: f64) -> f64 {
    libm::log(x)
}

/// ln(1 + x), accurate near zero.
#[inline]
pub fn ln_1p(x: f64) -> f64 {
    libm::log1p(x)
}

#[inline]
pub fn powf(x: f64, y: f64) -> f64 {
    libm::pow(x, y)
}

/// Whether `u < (scale·exp(y)).min(cap)`, with the exact same answer as
/// computing it with `exp`, but mostly without `exp`: a cheap estimate of
/// exp(y) (relative error below 2·10⁻⁷) decides whenever `u` is more than
/// 10⁻⁴ (relative) away from the threshold, and `exp` decides the rest.
/// For Bernoulli draws whose probability is an exponential: a firm's
/// monthly operating-loss risk is drawn for every firm, every month, and
/// `exp` was 3 % of a run there.
#[inline]
pub fn below_scaled_exp(u: f64, scale: f64, y: f64, cap: f64) -> bool {
    const MARGIN: f64 = 1e-4;
    let exact = || u < (scale * exp(y)).min(cap);
    let usable = y.abs() <= 700.0 && scale.is_finite() && scale > 0.0 && cap.is_finite() && u.is_finite();
    if !usable {
        return exact();
    }
    if u >= cap {
        return false;
    }
    let estimate = scale * exp_estimate(y);
    // Near the subnormal numbers rounding is no longer relative.
    if estimate < 1e-290 {
        return exact();
    }
    if u >= estimate * (1.0 + MARGIN) {
        false
    } else if u < estimate * (1.0 - MARGIN) {
        true
    } else {
        exact()
    }
}

/// exp(y) for |y| ≤ 700 to a relative error below 2·10⁻⁷: y = k·ln 2 + r
/// with |r| ≤ ln 2 / 2, then 2ᵏ times the degree-6 Taylor polynomial of
/// eʳ (remainder at most |r|⁷/7!·e^|r| < 1.7·10⁻⁷). Only ever compared with
/// a margin of 10⁻⁴ (`below_scaled_exp`), never used as a value.
#[inline]
fn exp_estimate(y: f64) -> f64 {
    debug_assert!(y.abs() <= 700.0);
    let k = (y * std::f64::consts::LOG2_E).round();
    let r = y - k * std::f64::consts::LN_2;
    let poly = 1.0
        + r * (1.0 + r * (0.5 + r * (1.0 / 6.0 + r * (1.0 / 24.0 + r * (1.0 / 120.0 + r * (1.0 / 720.0))))));
    f64::from_bits(((k as i64 + 1023) as u64) << 52) * poly
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_the_standard_library_to_rounding() {
        for &x in &[-3.7, -0.5, 0.0, 1e-9, 0.25, 1.0, 2.5, 40.0] {
            assert!((exp(x) - x.exp()).abs() <= 2.0 * f64::EPSILON * x.exp());
            if x > 0.0 {
                assert!((ln(x) - x.ln()).abs() <= 2.0 * f64::EPSILON * x.ln().abs().max(1.0));
                assert!((powf(x, 2.8) - x.powf(2.8)).abs() <= 4.0 * f64::EPSILON * x.powf(2.8));
            }
        }
        assert!((ln_1p(1e-12) - 1e-12).abs() < 1e-24);
    }

    #[test]
    fn the_estimate_of_exp_is_within_its_stated_error() {
        let mut y = -700.0;
        while y <= 700.0 {
            let relative = (exp_estimate(y) / exp(y) - 1.0).abs();
            assert!(relative < 2e-7, "y = {y}: relative error {relative}");
            y += 0.0137;
        }
    }

    #[test]
    fn below_scaled_exp_answers_as_exp_does() {
        // Random inputs, and u placed exactly at, just below and just
        // above the threshold as `exp` computes it.
        let mut bits = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            bits ^= bits << 13;
            bits ^= bits >> 7;
            bits ^= bits << 17;
            (bits >> 11) as f64 / (1u64 << 53) as f64
        };
        let exact = |u: f64, scale: f64, y: f64, cap: f64| u < (scale * exp(y)).min(cap);
        for _ in 0..200_000 {
            let scale = 10f64.powf(-6.0 * next());
            let y = 20.0 * next() - 10.0;
            let cap = if next() < 0.5 { 0.5 } else { 1.0 };
            let threshold = (scale * exp(y)).min(cap);
            for u in [
                next(),
                threshold,
                f64::from_bits(threshold.to_bits() - 1),
                f64::from_bits(threshold.to_bits() + 1),
                threshold * (1.0 + 1e-4),
                threshold * (1.0 - 1e-4),
            ] {
                assert_eq!(
                    below_scaled_exp(u, scale, y, cap),
                    exact(u, scale, y, cap),
                    "u {u} scale {scale} y {y}"
                );
            }
        }
        for (u, scale, y, cap) in [
            (0.1, 0.0, 1.0, 0.5),
            (0.0, 0.0, 1.0, 0.5),
            (0.1, 1.0, 800.0, 0.5),
            (0.1, 1.0, -800.0, 0.5),
            (0.1, 1.0, f64::NAN, 0.5),
            (0.1, f64::INFINITY, 0.0, 0.5),
            (0.7, 1.0, 0.0, 0.5),
            (0.0, 1e-10, -700.0, 0.5),
            (0.0, 1e-300, -45.0, 0.5),
            (1e-320, 1e-300, -40.0, 0.5),
            (0.0, 1e-6, -3.0, 0.5),
        ] {
            assert_eq!(
                below_scaled_exp(u, scale, y, cap),
                exact(u, scale, y, cap),
                "u {u} scale {scale} y {y}"
            );
        }
    }
}
