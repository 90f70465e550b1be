//! Size classes: micro, small, medium, large, by employees and revenue.

use crate::scenario::{ClassThreshold, Firms, SizeClassDefinition, SizeClassPreset, ThresholdRule};

/// A firm's size class. SMEs are every class but `Large`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[repr(u8)]
pub enum SizeClass {
    #[default]
    Micro = 0,
    Small = 1,
    Medium = 2,
    Large = 3,
}

impl SizeClass {
    pub const ALL: [SizeClass; 4] = [
        SizeClass::Micro,
        SizeClass::Small,
        SizeClass::Medium,
        SizeClass::Large,
    ];

    pub fn is_sme(self) -> bool {
        self != SizeClass::Large
    }

    pub fn name(self) -> &'static str {
        match self {
            SizeClass::Micro => "micro",
            SizeClass::Small => "small",
            SizeClass::Medium => "medium",
            SizeClass::Large => "large",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// The classification rule in force (a preset or the custom definition).
#[derive(Debug, Clone)]
pub struct SizeRule {
    definition: SizeClassDefinition,
}

impl SizeRule {
    pub fn from_params(firms: &Firms) -> Self {
        let definition = match firms.size_classes {
            SizeClassPreset::Custom => firms.size_class_custom.clone(),
            preset => SizeClassDefinition::preset(preset),
        };
        SizeRule { definition }
    }

    /// Class of a firm with `employees` and annual revenue in kUSD, when the
    /// CNY trades at `cny_per_usd`. A firm is in the highest class whose
    /// lower bounds it meets (both bounds under the Chinese rule, either
    /// under the EU one).
    pub fn classify(&self, employees: f64, annual_revenue_kusd: f64, cny_per_usd: f64) -> SizeClass {
        let d = &self.definition;
        let rate = d.currency_per_usd.unwrap_or(cny_per_usd);
        let revenue_millions = annual_revenue_kusd * rate / 1000.0;
        let meets = |t: &ClassThreshold| {
            let by_employees = employees >= t.employees;
            let by_revenue = revenue_millions >= t.revenue_millions;
            match d.rule {
                ThresholdRule::All => by_employees && by_revenue,
                ThresholdRule::Any => by_employees || by_revenue,
            }
        };
        if meets(&d.large) {
            SizeClass::Large
        } else if meets(&d.medium) {
            SizeClass::Medium
        } else if meets(&d.small) {
            SizeClass::Small
        } else {
            SizeClass::Micro
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(preset: SizeClassPreset) -> SizeRule {
        SizeRule::from_params(&Firms {
            size_classes: preset,
            ..Firms::default()
        })
    }

    /// China 2011: both tests must be met. At CNY 6.83/USD, CNY 400 m is
    /// 58,565 kUSD and CNY 3 m is 439 kUSD.
    #[test]
    fn china_2011_needs_both_employees_and_revenue() {
        let r = rule(SizeClassPreset::China2011);
        let fx = 6.83;
        assert_eq!(r.classify(1200.0, 60_000.0, fx), SizeClass::Large);
        // Enough employees but revenue just under CNY 400 m: medium.
        assert_eq!(r.classify(1200.0, 58_000.0, fx), SizeClass::Medium);
        assert_eq!(r.classify(300.0, 2_929.0, fx), SizeClass::Medium); // CNY 20.005 m
        assert_eq!(r.classify(300.0, 2_927.0, fx), SizeClass::Small); // CNY 19.99 m
        assert_eq!(r.classify(20.0, 440.0, fx), SizeClass::Small);
        assert_eq!(r.classify(19.0, 5_000.0, fx), SizeClass::Micro);
        assert_eq!(r.classify(25.0, 400.0, fx), SizeClass::Micro); // CNY 2.73 m
    }

    #[test]
    fn revenue_thresholds_move_with_the_exchange_rate() {
        let r = rule(SizeClassPreset::China2011);
        // 450 kUSD is CNY 3.6 m at 8.0 but CNY 2.7 m at 6.0.
        assert_eq!(r.classify(50.0, 450.0, 8.0), SizeClass::Small);
        assert_eq!(r.classify(50.0, 450.0, 6.0), SizeClass::Micro);
    }

    #[test]
    fn china_2003_has_no_micro_class() {
        let r = rule(SizeClassPreset::China2003);
        assert_eq!(r.classify(1.0, 1.0, 8.0), SizeClass::Small);
        assert_eq!(r.classify(2000.0, 40_000.0, 8.0), SizeClass::Large); // CNY 320 m
        assert_eq!(r.classify(1500.0, 40_000.0, 8.0), SizeClass::Medium);
    }

    /// EU: either test lifts a firm; EUR 50 m at 0.68 EUR/USD is 73,530 kUSD.
    #[test]
    fn eu_uses_either_test() {
        let r = rule(SizeClassPreset::Eu);
        assert_eq!(r.classify(260.0, 1_000.0, 8.0), SizeClass::Large);
        assert_eq!(r.classify(100.0, 74_000.0, 8.0), SizeClass::Large);
        assert_eq!(r.classify(100.0, 73_000.0, 8.0), SizeClass::Medium);
        assert_eq!(r.classify(9.0, 2_000.0, 8.0), SizeClass::Micro); // EUR 1.36 m
        assert_eq!(r.classify(9.0, 3_000.0, 8.0), SizeClass::Small); // EUR 2.04 m
    }

    #[test]
    fn us_sba_only_splits_at_500_employees() {
        let r = rule(SizeClassPreset::UsSba);
        assert_eq!(r.classify(499.0, 1e9, 8.0), SizeClass::Small);
        assert_eq!(r.classify(500.0, 1.0, 8.0), SizeClass::Large);
        assert_eq!(r.classify(1.0, 1.0, 8.0), SizeClass::Small);
    }

    #[test]
    fn japan_splits_at_20_and_300_employees() {
        let r = rule(SizeClassPreset::Japan);
        assert_eq!(r.classify(20.0, 1e6, 8.0), SizeClass::Micro);
        assert_eq!(r.classify(21.0, 1e6, 8.0), SizeClass::Small);
        assert_eq!(r.classify(300.0, 1e6, 8.0), SizeClass::Small);
        assert_eq!(r.classify(301.0, 1.0, 8.0), SizeClass::Large);
    }
}
