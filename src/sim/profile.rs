//! Wall time spent in each phase of the month, for `tradefin run
//! --profile`. Timings go to the console only, never into result files
//! (DESIGN.md §8: identical runs give identical bytes).

use std::fmt::Write as _;
use std::time::Duration;

/// Time per phase, summed over months (and over replications when added
/// up); the index is the phase's position in `month::PHASES`, then metrics.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Profile {
    pub phases: Vec<(&'static str, Duration)>,
    /// Firm-months simulated (burn-in included).
    pub firm_months: u64,
}

impl Profile {
    /// Adds `elapsed` to phase `name` (phases keep their first-seen order).
    pub fn add(&mut self, name: &'static str, elapsed: Duration) {
        match self.phases.iter_mut().find(|(n, _)| *n == name) {
            Some((_, total)) => *total += elapsed,
            None => self.phases.push((name, elapsed)),
        }
    }

    /// Adds another profile, phase by phase.
    pub fn merge(&mut self, other: &Profile) {
        for &(name, elapsed) in &other.phases {
            self.add(name, elapsed);
        }
        self.firm_months += other.firm_months;
    }

    pub fn total(&self) -> Duration {
        self.phases.iter().map(|(_, d)| *d).sum()
    }

    /// One line per phase: seconds (summed over replications, so over
    /// threads when replications run in parallel), share of the total and
    /// nanoseconds per firm-month.
    pub fn table(&self) -> String {
        let total = self.total().as_secs_f64().max(1e-12);
        let firm_months = self.firm_months.max(1) as f64;
        let mut out = format!(
            "{:<18} {:>10} {:>7} {:>16}\n",
            "phase", "seconds", "share", "ns/firm-month"
        );
        for &(name, elapsed) in self.phases.iter().chain([("total", self.total())].iter()) {
            let secs = elapsed.as_secs_f64();
            let _ = writeln!(
                out,
                "{name:<18} {secs:>10.3} {:>6.1}% {:>16.1}",
                100.0 * secs / total,
                secs * 1e9 / firm_months
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merging_adds_phase_by_phase_in_first_seen_order() {
        let mut a = Profile::default();
        a.add("orders", Duration::from_millis(3));
        a.add("settlement", Duration::from_millis(1));
        a.firm_months = 10;
        let mut b = Profile::default();
        b.add("settlement", Duration::from_millis(2));
        b.add("orders", Duration::from_millis(1));
        b.firm_months = 5;
        a.merge(&b);
        assert_eq!(
            a.phases,
            vec![
                ("orders", Duration::from_millis(4)),
                ("settlement", Duration::from_millis(3))
            ]
        );
        assert_eq!(a.firm_months, 15);
        assert_eq!(a.total(), Duration::from_millis(7));
        let table = a.table();
        assert!(table.contains("orders"), "{table}");
        assert!(table.lines().last().unwrap().starts_with("total"), "{table}");
    }
}
