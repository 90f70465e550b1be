//! The credit bureau: which firms it covers, by size class, as coverage
//! grows over time.

use crate::model::SizeClass;
use crate::scenario::Bureau;

/// Coverage of a size class `years` (fractional, so it grows a little each
/// month) after `simulation.start`, and the starting coverage during
/// burn-in: `base + growth × years`, capped at 1 (World Bank Doing
/// Business: registries grow by adding borrowers).
pub fn coverage(p: &Bureau, class: SizeClass, years: f64) -> f64 {
    let base = match class {
        SizeClass::Micro => p.coverage.micro,
        SizeClass::Small => p.coverage.small,
        SizeClass::Medium => p.coverage.medium,
        SizeClass::Large => p.coverage.large,
    };
    (base + p.coverage_growth_annual * years.max(0.0)).min(1.0)
}

/// A firm with fixed rank u ~ U(0, 1) is covered while u < coverage: as
/// coverage grows the same firms stay covered (unless a firm changes size
/// class, whose coverage differs).
pub fn covers(p: &Bureau, class: SizeClass, years: f64, rank: f64) -> bool {
    p.enabled && rank < coverage(p, class, years)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coverage_grows_each_year_up_to_everyone() {
        let p = Bureau {
            enabled: true,
            coverage_growth_annual: 0.1,
            ..Bureau::default()
        };
        assert!((coverage(&p, SizeClass::Micro, 0.0) - 0.1).abs() < 1e-12);
        assert!((coverage(&p, SizeClass::Micro, 2.5) - 0.35).abs() < 1e-12);
        assert!(
            (coverage(&p, SizeClass::Micro, -1.0) - 0.1).abs() < 1e-12,
            "burn-in"
        );
        assert_eq!(coverage(&p, SizeClass::Large, 5.0), 1.0);
        assert!(!covers(&p, SizeClass::Small, 0.0, 0.31));
        assert!(covers(&p, SizeClass::Small, 1.0, 0.31));
        let off = Bureau {
            enabled: false,
            ..p.clone()
        };
        assert!(!covers(&off, SizeClass::Large, 5.0, 0.0));
    }
}
