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
}
