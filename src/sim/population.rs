//! The initial population, entrants and guarantee groups.

use rayon::prelude::*;

use crate::math::{exp, ln, powf};
use crate::model::firm::{NEVER, NO_GROUP, PoolBooks};
use crate::model::government::GovernmentState;
use crate::model::{Bank, Firm, Groups, SizeClass, World};
use crate::scenario::Scenario;

use super::credit_market::lasting_screening_error;
use super::pages::vec_on_huge_pages;
use super::parallel::FIRM_CHUNK;
use super::rng::{Draw, Purpose, Rng, Streams};
use super::state::{CreditMonth, FirmMonth, Replication, Setup};

/// Whether a firm is drawn for the first month or enters later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Birth {
    Initial,
    Entrant,
}

/// Draws one firm.
///
/// Productivity φ ~ Pareto(1, k) truncated at `productivity_max`; size
/// ∝ φ^(σ−1) (Melitz 2003; Ghironi & Melitz 2005), which gives a Pareto
/// size tail with exponent k/(σ−1) ≈ 1.2 (Axtell 2001: ≈ 1).
pub fn new_firm(s: &Scenario, setup: &Setup, world: &World, rng: &mut Rng, birth: Birth) -> Firm {
    let f = &s.firms;
    let k = f.productivity_pareto_shape;
    let phi = powf(1.0 - rng.uniform(), -1.0 / k).min(f.productivity_max);
    let size = powf(phi, f.elasticity_of_substitution - 1.0);
    let revenue_per_employee =
        f.revenue_per_employee_kusd_annual / 12.0 * exp(f.revenue_per_employee_dispersion * rng.normal());
    let potential = f.employees_at_min_productivity * size * revenue_per_employee;
    let capacity = match birth {
        Birth::Initial => potential,
        Birth::Entrant => potential * f.capacity.entrant_share_of_potential,
    };
    let ln_phi = ln(phi);
    let management = (rng.beta(f.management.beta_a, f.management.beta_b)
        + f.management.productivity_slope * ln_phi)
        .clamp(0.0, 1.0);
    let export_intensity = (rng.beta(f.export.intensity_beta_a, f.export.intensity_beta_b)
        + f.export.intensity_productivity_slope * ln_phi)
        .clamp(0.05, 0.95);
    let exporter = birth == Birth::Initial
        && phi * exp(f.export.cutoff_dispersion * rng.normal()) > f.export.productivity_cutoff;
    let orders_per_month = (f.orders.per_month_at_min_size * powf(size, f.orders.size_elasticity))
        .round()
        .clamp(1.0, f.orders.per_month_max as f64) as u32;
    let fixed_assets = f.pledgeable_assets_months
        * powf(size, f.pledgeable_assets_size_elasticity)
        * capacity
        * rng.lognormal_mean_one(f.pledgeable_assets_dispersion);
    let (age_months, relationship_months) = match birth {
        Birth::Initial => {
            let age = (-f.demography.initial_age_mean_years * 12.0 * ln(1.0 - rng.uniform())) as u32;
            (age, (rng.uniform() * age as f64) as u32)
        }
        Birth::Entrant => (0, 0),
    };
    let mut firm = Firm {
        ln_productivity: ln_phi,
        potential_kusd: potential,
        revenue_per_employee_kusd: revenue_per_employee,
        margin: (f.gross_margin_base + f.gross_margin_productivity_slope * ln_phi).min(f.gross_margin_max),
        export_intensity,
        management,
        cash_target_months: f.cash_target_months * rng.lognormal_mean_one(f.cash_target_dispersion),
        hidden_quality: f.credit_quality.idiosyncratic_sd * rng.normal(),
        orders_per_month,
        // Drawn by the caller, who knows the slot and its generation.
        main_bank_error: 0.0,
        generation: 0,
        capacity_kusd: capacity,
        cash_kusd: 0.0,
        fixed_assets_kusd: fixed_assets,
        pledged_kusd: 0.0,
        debt_kusd: 0.0,
        debt_general_kusd: 0.0,
        dues: Default::default(),
        age_months,
        relationship_months,
        months_since_default: NEVER,
        defaulted_with_bank: 0,
        main_bank: 0,
        group: NO_GROUP,
        size_class: SizeClass::Micro,
        exporter,
        entry_pending: false,
        bureau_covered: false,
        trained: false,
        insured: false,
        alive: true,
        closing: false,
        belief: f.belief.initial,
        negative_equity_months: 0,
        lost_export_months: 0,
    };
    let sales = firm.expected_sales(world.domestic_demand, world.foreign_demand);
    firm.size_class = setup
        .size_rule
        .classify(firm.employees(), 12.0 * sales, world.cny_per_usd);
    let cash_months = match birth {
        Birth::Initial => firm.cash_target_months,
        Birth::Entrant => f.demography.entrant_cash_months,
    };
    firm.cash_kusd = cash_months * sales * (1.0 - firm.margin);
    let cdf = if firm.size_class.is_sme() {
        &setup.main_bank_cdf_sme
    } else {
        &setup.main_bank_cdf_large
    };
    firm.main_bank = pick(cdf, rng.uniform()) as u16;
    firm
}

/// Index of the first cumulative probability above `u`.
pub fn pick(cdf: &[f64], u: f64) -> usize {
    cdf.iter().position(|&c| u < c).unwrap_or(cdf.len() - 1)
}

/// Puts an SME into a guarantee group with probability `share_of_smes`.
fn maybe_join_group(s: &Scenario, groups: &mut Groups, firm: &mut Firm, id: u32, rng: &mut Rng) {
    let g = &s.firms.guarantee_groups;
    if firm.is_sme() && rng.bernoulli(g.share_of_smes) {
        let size = rng.between(g.min_size, g.max_size) as usize;
        firm.group = groups.join(id, size);
    }
}

impl<'a> Replication<'a> {
    /// Builds replication `r` of a scenario at simulation month 0.
    pub fn new(scenario: &'a Scenario, replication: u32) -> Self {
        let s = scenario;
        let setup = Setup::new(s);
        let streams = Streams::new(s.simulation.seed, replication);
        let world = World::initial(s);
        let n = s.simulation.firms as usize;
        // Room for the largest population of the run (see `enter_firms`),
        // so the vectors never move off their huge pages.
        let months = s.simulation.burn_in_months + s.simulation.months;
        let growth = powf(
            1.0 + s.firms.demography.population_growth_annual,
            months as f64 / 12.0,
        );
        let room = n.max((n as f64 * growth).round() as usize) + 1;
        let mut firms: Vec<Firm> = vec_on_huge_pages(room);
        // Each firm from its own stream, so drawn in parallel, in id order.
        firms.par_extend((0..n).into_par_iter().map(|i| {
            let mut rng = streams.rng(0, i as u64, Purpose::Population);
            let mut firm = new_firm(s, &setup, &world, &mut rng, Birth::Initial);
            firm.main_bank_error = lasting_screening_error(&streams, &firm, firm.main_bank as usize, i);
            firm
        }));
        let mut credit: Vec<CreditMonth> = vec_on_huge_pages(room);
        credit.resize(n, CreditMonth::default());
        let mut month: Vec<FirmMonth> = vec_on_huge_pages(room);
        month.resize(n, FirmMonth::default());
        let mut groups = Groups::default();
        let mut rng = streams.rng(0, 0, Purpose::Groups);
        for (i, firm) in firms.iter_mut().enumerate() {
            maybe_join_group(s, &mut groups, firm, i as u32, &mut rng);
        }
        let mut banks: Vec<Bank> = setup
            .bank_type
            .iter()
            .map(|&ty| {
                let t = &s.banks.types[ty];
                let equity = t.equity_kusd_per_firm * n as f64 / t.count as f64;
                Bank::new(ty, equity, setup.pd_table(s))
            })
            .collect();
        // Exim on-lending funds are allotted in proportion to equity.
        let on_lending = &s.government.exim.on_lending;
        let total_equity: f64 = banks.iter().map(|b| b.equity).sum();
        if on_lending.enabled && total_equity > 0.0 {
            for bank in &mut banks {
                bank.onlend_limit = on_lending.funds * setup.money_scale * bank.equity / total_equity;
            }
        }
        let initial_fx = world.cny_per_usd;
        Replication {
            scenario,
            setup,
            streams,
            replication,
            t: 0,
            world,
            initial_fx,
            credit,
            month,
            firms,
            banks,
            // Loans are read in the order of their firms at settlement.
            loans: vec_on_huge_pages(n),
            queues: Default::default(),
            groups,
            tally: Default::default(),
            ledger: Default::default(),
            government: GovernmentState::new(s),
            accounts: Default::default(),
            defaulted_principal_12m: [0.0; 12],
            recoveries: Vec::new(),
            applicants: Vec::new(),
            books: vec![PoolBooks::default(); n.div_ceil(FIRM_CHUNK)],
            initial_firms: n,
        }
    }

    /// Fills empty slots (and, with population growth, new ones) with
    /// entrants: small, young, no credit record, not exporting. `alive`
    /// firms are alive now, and `vacant` lists every empty slot in id
    /// order; the lowest slots are filled first.
    pub fn enter_firms(&mut self, alive: usize, vacant: &[u32]) -> u32 {
        let s = self.scenario;
        let years = self.t as f64 / 12.0;
        let target = (self.initial_firms as f64
            * powf(1.0 + s.firms.demography.population_growth_annual, years))
        .round() as usize;
        let missing = target.saturating_sub(alive);
        let mut group_rng = self.streams.rng(self.t, 0, Purpose::Groups);
        let appended = missing.saturating_sub(vacant.len());
        let slots = vacant
            .iter()
            .map(|&slot| slot as usize)
            .take(missing)
            .chain(self.firms.len()..self.firms.len() + appended);
        let mut entered = 0;
        for slot in slots {
            if slot == self.firms.len() {
                self.firms.push(Firm::default());
                self.credit.push(CreditMonth::default());
                self.month.push(FirmMonth::default());
            }
            debug_assert!(!self.firms[slot].alive, "slot {slot} is not vacant");
            let generation = self.firms[slot].generation + 1;
            let key = (slot as u64) | ((generation as u64) << 32);
            let mut rng = self.streams.rng(self.t, key, Purpose::Entrant);
            let mut firm = new_firm(s, &self.setup, &self.world, &mut rng, Birth::Entrant);
            firm.generation = generation;
            firm.main_bank_error =
                lasting_screening_error(&self.streams, &firm, firm.main_bank as usize, slot);
            maybe_join_group(s, &mut self.groups, &mut firm, slot as u32, &mut group_rng);
            self.ledger.entrant_endowments += firm.cash_kusd;
            self.firms[slot] = firm;
            self.credit[slot] = CreditMonth::default();
            self.month[slot] = FirmMonth::default();
            entered += 1;
        }
        self.books
            .resize(self.firms.len().div_ceil(FIRM_CHUNK), PoolBooks::default());
        entered
    }
}
