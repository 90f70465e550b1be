//! The world: demand, exchange rate, interest rates and buyer risk, with
//! scenario shocks applied on top.

use crate::math::{exp, ln, ln_1p, powf};
use crate::scenario::{Scenario, Shock, ShockTarget, YearMonth};
use crate::sim::rng::{Draw, Rng};

/// Payment terms of an export order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentTerm {
    CashInAdvance = 0,
    LetterOfCredit = 1,
    DocumentaryCollection = 2,
    OpenAccount = 3,
}

impl PaymentTerm {
    pub const ALL: [PaymentTerm; 4] = [
        PaymentTerm::CashInAdvance,
        PaymentTerm::LetterOfCredit,
        PaymentTerm::DocumentaryCollection,
        PaymentTerm::OpenAccount,
    ];

    pub fn name(self) -> &'static str {
        match self {
            PaymentTerm::CashInAdvance => "cash_in_advance",
            PaymentTerm::LetterOfCredit => "letter_of_credit",
            PaymentTerm::DocumentaryCollection => "documentary_collection",
            PaymentTerm::OpenAccount => "open_account",
        }
    }
}

/// This month's world, after shocks.
#[derive(Debug, Clone, PartialEq)]
pub struct World {
    pub date: YearMonth,
    /// Persistent cycle components (before shocks).
    foreign_cycle: f64,
    domestic_cycle: f64,
    ln_fx_trend: f64,
    pub foreign_demand: f64,
    pub domestic_demand: f64,
    /// The demand indices' trends alone, without cycle or shocks: the
    /// demand firms plan their fixed costs for.
    pub foreign_trend: f64,
    pub domestic_trend: f64,
    pub cny_per_usd: f64,
    pub policy_rate: f64,
    pub deposit_rate: f64,
    /// Per-order default probability: LC issuing bank, documentary
    /// collection, open account, domestic.
    pub default_lc: f64,
    pub default_collection: f64,
    pub default_open_account: f64,
    pub default_domestic: f64,
}

impl World {
    /// The world at simulation month 0 (the first burn-in month).
    pub fn initial(s: &Scenario) -> Self {
        let burn_in = s.simulation.burn_in_months;
        let first = s.simulation.start.plus(-(burn_in as i64));
        // The scenario gives the rate at the start month; burn-in begins
        // that many months of drift earlier.
        let ln_fx = ln(s.world.cny_per_usd) - s.world.fx_drift_annual * burn_in as f64 / 12.0;
        let mut w = World {
            date: first,
            foreign_cycle: 0.0,
            domestic_cycle: 0.0,
            ln_fx_trend: ln_fx,
            foreign_demand: 1.0,
            domestic_demand: 1.0,
            foreign_trend: 1.0,
            domestic_trend: 1.0,
            cny_per_usd: s.world.cny_per_usd,
            policy_rate: 0.0,
            deposit_rate: 0.0,
            default_lc: 0.0,
            default_collection: 0.0,
            default_open_account: 0.0,
            default_domestic: 0.0,
        };
        w.apply(s, 0);
        w
    }

    /// How much exporters' USD costs have risen with CNY appreciation since
    /// `initial_fx`: `(initial_fx / fx)^elasticity`.
    pub fn export_cost_factor(&self, initial_fx: f64, elasticity: f64) -> f64 {
        powf(initial_fx / self.cny_per_usd, elasticity)
    }

    /// Moves to simulation month `t` (≥ 1): `ln D_t = g·t/12 + c_t`,
    /// `c_t = ρ c_{t−1} + σ ε_t`; `ln fx` is a random walk with drift.
    pub fn advance(&mut self, s: &Scenario, t: u32, rng: &mut Rng) {
        let fd = &s.world.foreign_demand;
        let dd = &s.world.domestic_demand;
        self.foreign_cycle = fd.cycle_persistence * self.foreign_cycle + fd.cycle_sd * rng.normal();
        self.domestic_cycle = dd.cycle_persistence * self.domestic_cycle + dd.cycle_sd * rng.normal();
        let fx_sd = s.world.fx_volatility_annual / 12f64.sqrt();
        self.ln_fx_trend += s.world.fx_drift_annual / 12.0 + fx_sd * rng.normal();
        self.date = self.date.plus(1);
        self.apply(s, t);
    }

    /// Effective values for month `t`: process values, then shocks in file order.
    fn apply(&mut self, s: &Scenario, t: u32) {
        let years = t as f64 / 12.0;
        let w = &s.world;
        self.foreign_trend = exp(ln_1p(w.foreign_demand.trend_annual) * years);
        self.domestic_trend = exp(ln_1p(w.domestic_demand.trend_annual) * years);
        self.foreign_demand = exp(ln_1p(w.foreign_demand.trend_annual) * years + self.foreign_cycle);
        self.domestic_demand = exp(ln_1p(w.domestic_demand.trend_annual) * years + self.domestic_cycle);
        self.cny_per_usd = exp(self.ln_fx_trend);
        self.policy_rate = w.policy_rate_annual;
        self.deposit_rate = w.deposit_rate_annual;
        self.default_lc = w.buyer_default.letter_of_credit;
        self.default_collection = w.buyer_default.documentary_collection;
        self.default_open_account = w.buyer_default.open_account;
        self.default_domestic = w.buyer_default.domestic;
        let date = self.date;
        for shock in s.shocks.iter().filter(|k| k.from <= date && date <= k.to) {
            self.apply_shock(shock);
        }
        for p in [
            &mut self.default_lc,
            &mut self.default_collection,
            &mut self.default_open_account,
            &mut self.default_domestic,
        ] {
            *p = p.clamp(0.0, 1.0);
        }
        self.policy_rate = self.policy_rate.max(0.0);
        self.deposit_rate = self.deposit_rate.max(0.0);
        self.foreign_demand = self.foreign_demand.max(0.0);
        self.domestic_demand = self.domestic_demand.max(0.0);
        self.cny_per_usd = self.cny_per_usd.max(1e-6);
    }

    fn apply_shock(&mut self, shock: &Shock) {
        let change = |x: &mut f64| {
            if let Some(m) = shock.multiply {
                *x *= m;
            }
            if let Some(a) = shock.add {
                *x += a;
            }
        };
        match shock.target {
            ShockTarget::ForeignDemand => change(&mut self.foreign_demand),
            ShockTarget::DomesticDemand => change(&mut self.domestic_demand),
            ShockTarget::CnyPerUsd => change(&mut self.cny_per_usd),
            ShockTarget::PolicyRate => change(&mut self.policy_rate),
            ShockTarget::DepositRate => change(&mut self.deposit_rate),
            ShockTarget::BuyerDefault => {
                change(&mut self.default_lc);
                change(&mut self.default_collection);
                change(&mut self.default_open_account);
                change(&mut self.default_domestic);
            }
            ShockTarget::BuyerDefaultLc => change(&mut self.default_lc),
            ShockTarget::BuyerDefaultCollection => change(&mut self.default_collection),
            ShockTarget::BuyerDefaultOpenAccount => change(&mut self.default_open_account),
            ShockTarget::BuyerDefaultDomestic => change(&mut self.default_domestic),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::rng::{Purpose, Streams};

    fn calm() -> Scenario {
        let mut s = Scenario::default();
        s.world.foreign_demand.cycle_sd = 0.0;
        s.world.domestic_demand.cycle_sd = 0.0;
        s.world.fx_volatility_annual = 0.0;
        s
    }

    #[test]
    fn trend_compounds_yearly() {
        let mut s = calm();
        s.world.foreign_demand.trend_annual = 0.2;
        s.simulation.burn_in_months = 12;
        let mut w = World::initial(&s);
        // 8.0 at the start month, 12 months of −6 % drift (in logs) later.
        assert!((w.cny_per_usd - 8.0 * 0.06f64.exp()).abs() < 1e-9);
        let mut rng = Streams::new(1, 0).rng(0, 0, Purpose::World);
        for t in 1..=12 {
            w.advance(&s, t, &mut rng);
        }
        assert_eq!(w.date, s.simulation.start);
        assert!((w.foreign_demand - 1.2).abs() < 1e-12);
        assert!((w.cny_per_usd - 8.0).abs() < 1e-9);
    }

    #[test]
    fn shocks_apply_inside_their_dates_only() {
        let mut s = calm();
        s.world.foreign_demand.trend_annual = 0.0;
        s.simulation.start = YearMonth::new(2008, 1);
        s.simulation.burn_in_months = 0;
        s.shocks.push(Shock {
            target: ShockTarget::ForeignDemand,
            from: YearMonth::new(2008, 3),
            to: YearMonth::new(2008, 4),
            multiply: Some(0.8),
            add: None,
        });
        s.shocks.push(Shock {
            target: ShockTarget::BuyerDefault,
            from: YearMonth::new(2008, 4),
            to: YearMonth::new(2008, 4),
            multiply: None,
            add: Some(0.01),
        });
        let mut w = World::initial(&s);
        let mut rng = Streams::new(1, 0).rng(0, 0, Purpose::World);
        let mut demand = vec![w.foreign_demand];
        for t in 1..6 {
            w.advance(&s, t, &mut rng);
            demand.push(w.foreign_demand);
            if w.date == YearMonth::new(2008, 4) {
                assert!((w.default_open_account - 0.02).abs() < 1e-12);
            } else {
                assert!((w.default_open_account - 0.01).abs() < 1e-12);
            }
        }
        assert_eq!(demand, vec![1.0, 1.0, 0.8, 0.8, 1.0, 1.0]);
    }
}
