//! Management training for SMEs.

/// A trained firm's management quality: `m + gain`, at most 1.
pub fn trained_quality(management: f64, gain: f64) -> f64 {
    (management + gain).min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn training_raises_management_quality_up_to_one() {
        assert!((trained_quality(0.4, 0.15) - 0.55).abs() < 1e-12);
        assert_eq!(trained_quality(0.95, 0.15), 1.0);
    }
}
