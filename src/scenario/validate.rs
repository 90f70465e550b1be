//! Range and consistency checks on a deserialized scenario: every range
//! written in the doc comments of `params.rs`, plus the rules that tie
//! fields together. Types (whole numbers, known keys, month format) are
//! already enforced by deserialization.
//!
//! Rules that involve more than one field report the field named first in
//! the rule and list the others in [`Problem::related`], so that `load` can
//! blame whichever file set any of them.

use std::collections::HashSet;
use std::fmt;

use serde::Serialize;

use super::params::*;

/// One value outside its allowed range. Displays as
/// `government.regulator.recovery_rate = 1.4: must be between 0 and 1`.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// JSON path, `banks.types[1].count`; `[*]` stands for every element.
    pub path: String,
    /// The value found, as JSON.
    pub value: String,
    /// What is allowed, e.g. `must be between 0 and 1`.
    pub allowed: String,
    /// Other paths the rule depends on (`term_months_min` for a rule on
    /// `term_months_max`).
    pub related: Vec<String>,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} = {}: {}", self.path, self.value, self.allowed)
    }
}

/// Every problem in `s`, in document order; empty if it is valid.
pub fn validate(s: &Scenario) -> Vec<Problem> {
    check(s).problems
}

/// The allowed range of a numeric parameter at a JSON path (`[0]` for
/// array elements), as JSON Schema keywords.
#[derive(Debug, Clone, PartialEq)]
pub struct Bounds {
    pub path: String,
    /// `(value, inclusive)`.
    pub low: Option<(f64, bool)>,
    pub high: Option<(f64, bool)>,
}

/// What validation allows for the number at `path` (`banks.types[2].count`
/// is looked up as `banks.types[0].count`), without "must be":
/// `between 1 and 1200`, `≥ 0`. Lets a type error state the whole range.
pub fn allowed_range(path: &str) -> Option<String> {
    let mut normalized = String::with_capacity(path.len());
    let mut in_index = false;
    for ch in path.chars() {
        match ch {
            '[' => {
                in_index = true;
                normalized.push_str("[0");
            }
            ']' => {
                in_index = false;
                normalized.push(']');
            }
            _ if in_index => {}
            _ => normalized.push(ch),
        }
    }
    let text = check(&Scenario::default())
        .ranges
        .into_iter()
        .find(|(p, _)| *p == normalized)?
        .1
        .to_string();
    Some(text.strip_prefix("must be ").unwrap_or(&text).to_string())
}

/// The range of every numeric parameter of `s` that its checks cover
/// (optional values only where `s` has them).
pub fn bounds(s: &Scenario) -> Vec<Bounds> {
    check(s)
        .ranges
        .into_iter()
        .map(|(path, r)| Bounds {
            path,
            low: r.low,
            high: r.high,
        })
        .collect()
}

fn check(s: &Scenario) -> Checker {
    let mut c = Checker::default();
    if let Some(allowed) = file_name_problem(&s.name) {
        c.problem("name", &s.name, allowed);
    }
    c.section("simulation", |c| simulation(c, &s.simulation));
    c.section("world", |c| world(c, &s.world));
    c.section("firms", |c| firms(c, &s.firms));
    c.section("banks", |c| banks(c, &s.banks));
    c.section("government", |c| government(c, &s.government));
    for (i, shock) in s.shocks.iter().enumerate() {
        c.section(&format!("shocks[{i}]"), |c| self::shock(c, i, shock));
    }
    c
}

/// Why `name` cannot name an output directory, if it cannot: it must be
/// one non-empty path component the file system accepts everywhere.
pub fn file_name_problem(name: &str) -> Option<&'static str> {
    let bad = name.is_empty()
        || name.contains(['/', '\\'])
        || name == "."
        || name == ".."
        || name.chars().any(char::is_control)
        || name.len() > MAX_NAME_BYTES;
    bad.then_some(
        "must be a non-empty file name of at most 200 bytes, without `/`, `\\` or control characters",
    )
}

/// Longest `name` (it names the output directory; file systems allow 255).
pub const MAX_NAME_BYTES: usize = 200;

/// Upper bounds that keep a typo from asking for more memory or time than
/// any machine has: about 1 kB per firm is held at once per replication
/// running, and a simulation month is held per reported month.
pub const MAX_MONTHS: u32 = 1200;
pub const MAX_REPLICATIONS: u32 = 1_000_000;
pub const MAX_FIRMS: u32 = 10_000_000;
pub const MAX_REPLICATION_MONTHS: u64 = 2_000_000;

/// Largest magnitude of any parameter whose range is otherwise open
/// (`≥ 0`, any number): 1e12 kUSD is a thousand times world GDP, and
/// products of a few such numbers stay far from overflowing.
pub const MAX_MAGNITUDE: f64 = 1e12;

/// Largest standard deviation of a log-normal spread (`*_dispersion`,
/// `idiosyncratic_sd`): at 10, draws already span 40 orders of magnitude.
pub const MAX_DISPERSION: f64 = 10.0;

/// Largest ratio of the biggest firm's size to the smallest's, as a power
/// of ten: size is φ^(σ−1) with φ up to `productivity_max`.
pub const MAX_SIZE_RANGE_DECADES: f64 = 30.0;

/// Most banks in all (`banks.types[*].count` summed): bank ids are 16-bit
/// in the hot loop, and each bank keeps a learning table.
pub const MAX_BANKS: u64 = 10_000;

fn simulation(c: &mut Checker, s: &Simulation) {
    c.range("months", s.months, 1.0, MAX_MONTHS as f64);
    c.range("burn_in_months", s.burn_in_months, 0.0, MAX_MONTHS as f64);
    c.range("replications", s.replications, 1.0, MAX_REPLICATIONS as f64);
    c.range("firms", s.firms, 1.0, MAX_FIRMS as f64);
    let replication_months = u64::from(s.replications) * u64::from(s.months);
    if s.replications <= MAX_REPLICATIONS
        && s.months <= MAX_MONTHS
        && replication_months > MAX_REPLICATION_MONTHS
    {
        let allowed = format!(
            "replications × months must be at most {MAX_REPLICATION_MONTHS} (the monthly results of \
             every replication, about 2 kB a month, are held in memory); here {} × {} = {replication_months}",
            s.replications, s.months
        );
        c.problem_related("replications", &s.replications, &allowed, &["months"]);
    }
}

fn world(c: &mut Checker, w: &World) {
    for (key, demand) in [
        ("foreign_demand", &w.foreign_demand),
        ("domestic_demand", &w.domestic_demand),
    ] {
        c.section(key, |c| {
            c.range("trend_annual", demand.trend_annual, -0.5, 1.0);
            c.within(
                "cycle_persistence",
                demand.cycle_persistence,
                Range::at_least(0.0).below(1.0),
            );
            c.range("cycle_sd", demand.cycle_sd, 0.0, 1.0);
        });
    }
    c.above("cny_per_usd", w.cny_per_usd, 0.0);
    c.range("fx_drift_annual", w.fx_drift_annual, -0.5, 0.5);
    c.range("fx_volatility_annual", w.fx_volatility_annual, 0.0, 1.0);
    c.range("export_cost_fx_elasticity", w.export_cost_fx_elasticity, 0.0, 1.0);
    c.range("policy_rate_annual", w.policy_rate_annual, 0.0, 1.0);
    c.range("deposit_rate_annual", w.deposit_rate_annual, 0.0, 1.0);
    c.section("payment_terms", |c| {
        let p = &w.payment_terms;
        for (key, mix) in [
            ("micro", &p.micro),
            ("small", &p.small),
            ("medium", &p.medium),
            ("large", &p.large),
        ] {
            c.section(key, |c| term_mix(c, mix));
        }
        c.at_least("term_months_min", p.term_months_min, 1.0);
        c.at_most("term_months_max", p.term_months_max, 4.0);
        if p.term_months_max < p.term_months_min {
            let allowed = format!("must be ≥ term_months_min ({})", p.term_months_min);
            c.problem_related(
                "term_months_max",
                &p.term_months_max,
                &allowed,
                &["term_months_min"],
            );
        }
        c.probability("red_clause_share", p.red_clause_share);
    });
    c.section("buyer_default", |c| {
        let b = &w.buyer_default;
        c.probability("letter_of_credit", b.letter_of_credit);
        c.probability("documentary_collection", b.documentary_collection);
        c.probability("open_account", b.open_account);
        c.probability("domestic", b.domestic);
    });
    c.probability("lc_discrepancy_base", w.lc_discrepancy_base);
}

fn term_mix(c: &mut Checker, m: &TermMix) {
    let weights = [
        ("cash_in_advance", m.cash_in_advance),
        ("letter_of_credit", m.letter_of_credit),
        ("documentary_collection", m.documentary_collection),
        ("open_account", m.open_account),
    ];
    let mut all_valid = true;
    for (key, weight) in weights {
        all_valid &= c.at_least(key, weight, 0.0);
    }
    if all_valid && weights.iter().map(|(_, w)| w).sum::<f64>() <= 0.0 {
        c.problem(
            "",
            m,
            "weights must not all be 0 (they are normalised to sum to 1)",
        );
    }
}

fn firms(c: &mut Checker, f: &Firms) {
    c.above("productivity_pareto_shape", f.productivity_pareto_shape, 1.0);
    c.above("productivity_max", f.productivity_max, 1.0);
    let sigma_ok = c.above("elasticity_of_substitution", f.elasticity_of_substitution, 1.0);
    let decades = (f.elasticity_of_substitution - 1.0) * f.productivity_max.log10();
    if sigma_ok && f.productivity_max.is_finite() && decades > MAX_SIZE_RANGE_DECADES {
        let allowed = format!(
            "must keep the largest firm at most 1e{MAX_SIZE_RANGE_DECADES} times the smallest: size is \
             φ^(σ−1) with φ up to productivity_max ({}), and (σ − 1) × log10(productivity_max) = {decades:.1}",
            Number(f.productivity_max)
        );
        c.problem_related(
            "elasticity_of_substitution",
            &f.elasticity_of_substitution,
            &allowed,
            &["productivity_max"],
        );
    }
    c.above(
        "employees_at_min_productivity",
        f.employees_at_min_productivity,
        0.0,
    );
    c.above(
        "revenue_per_employee_kusd_annual",
        f.revenue_per_employee_kusd_annual,
        0.0,
    );
    c.range(
        "revenue_per_employee_dispersion",
        f.revenue_per_employee_dispersion,
        0.0,
        MAX_DISPERSION,
    );
    c.within(
        "gross_margin_base",
        f.gross_margin_base,
        Range::at_least(0.0).below(1.0),
    );
    c.at_least(
        "gross_margin_productivity_slope",
        f.gross_margin_productivity_slope,
        0.0,
    );
    c.within(
        "gross_margin_max",
        f.gross_margin_max,
        Range::above(0.0).below(1.0),
    );
    c.within(
        "fixed_cost_share",
        f.fixed_cost_share,
        Range::at_least(0.0).below(1.0),
    );
    c.at_least("cash_target_months", f.cash_target_months, 0.0);
    c.range(
        "cash_target_dispersion",
        f.cash_target_dispersion,
        0.0,
        MAX_DISPERSION,
    );
    c.probability("payout_share", f.payout_share);
    c.range("need_buffer_share", f.need_buffer_share, 0.0, 1.0);
    c.probability("receipts_prudence", f.receipts_prudence);
    c.range("planning_horizon_months", f.planning_horizon_months, 0.0, 6.0);
    c.probability("imported_input_share", f.imported_input_share);
    c.at_least("pledgeable_assets_months", f.pledgeable_assets_months, 0.0);
    c.range(
        "pledgeable_assets_size_elasticity",
        f.pledgeable_assets_size_elasticity,
        0.0,
        1.0,
    );
    c.range(
        "pledgeable_assets_dispersion",
        f.pledgeable_assets_dispersion,
        0.0,
        MAX_DISPERSION,
    );
    c.section("management", |c| {
        let m = &f.management;
        c.above("beta_a", m.beta_a, 0.0);
        c.above("beta_b", m.beta_b, 0.0);
        c.at_least("productivity_slope", m.productivity_slope, 0.0);
    });
    c.section("export", |c| {
        let e = &f.export;
        c.at_least("productivity_cutoff", e.productivity_cutoff, 1.0);
        c.range("cutoff_dispersion", e.cutoff_dispersion, 0.0, MAX_DISPERSION);
        c.above("intensity_beta_a", e.intensity_beta_a, 0.0);
        c.above("intensity_beta_b", e.intensity_beta_b, 0.0);
        c.range(
            "intensity_productivity_slope",
            e.intensity_productivity_slope,
            -1.0,
            1.0,
        );
        c.at_least("entry_cost_months", e.entry_cost_months, 0.0);
        c.at_least("entry_payback_months", e.entry_payback_months, 1.0);
        c.probability("entry_consideration_annual", e.entry_consideration_annual);
        c.probability("exit_hazard_annual", e.exit_hazard_annual);
        c.at_least("exit_after_lost_months", e.exit_after_lost_months, 1.0);
        c.probability("exit_lost_share", e.exit_lost_share);
    });
    c.section("orders", |c| {
        let o = &f.orders;
        c.at_least("per_month_at_min_size", o.per_month_at_min_size, 1.0);
        c.range("size_elasticity", o.size_elasticity, 0.0, 1.0);
        c.range("per_month_max", o.per_month_max, 1.0, 64.0);
        c.range("value_dispersion", o.value_dispersion, 0.0, 2.0);
    });
    c.section("capacity", |c| {
        let k = &f.capacity;
        c.probability("reversion", k.reversion);
        c.at_least("profit_elasticity", k.profit_elasticity, 0.0);
        c.at_least("lost_orders_elasticity", k.lost_orders_elasticity, 0.0);
        c.within(
            "entrant_share_of_potential",
            k.entrant_share_of_potential,
            Range::above(0.0).at_most(1.0),
        );
    });
    c.section("belief", |c| {
        let b = &f.belief;
        c.probability("initial", b.initial);
        c.probability("learning_rate", b.learning_rate);
        c.probability("discouragement_threshold", b.discouragement_threshold);
        c.probability("recovery", b.recovery);
    });
    c.section("credit_quality", |c| {
        let q = &f.credit_quality;
        c.at_least("productivity_weight", q.productivity_weight, 0.0);
        c.at_least("management_weight", q.management_weight, 0.0);
        c.at_least("liquidity_weight", q.liquidity_weight, 0.0);
        c.at_least("leverage_weight", q.leverage_weight, 0.0);
        c.at_least("age_weight", q.age_weight, 0.0);
        c.range("idiosyncratic_sd", q.idiosyncratic_sd, 0.0, MAX_DISPERSION);
        c.within("intercept", q.intercept, Range::any());
    });
    c.section("operating_loss", |c| {
        let l = &f.operating_loss;
        c.probability("probability_annual", l.probability_annual);
        c.at_least("score_elasticity", l.score_elasticity, 0.0);
        c.at_least("size_months", l.size_months, 0.0);
    });
    c.section("demography", |c| {
        let d = &f.demography;
        c.probability("exit_hazard_annual", d.exit_hazard_annual);
        c.at_least("negative_equity_exit_months", d.negative_equity_exit_months, 1.0);
        c.probability("defaulter_exit_probability", d.defaulter_exit_probability);
        c.above("initial_age_mean_years", d.initial_age_mean_years, 0.0);
        c.at_least("entrant_cash_months", d.entrant_cash_months, 0.0);
        c.range("population_growth_annual", d.population_growth_annual, -0.5, 1.0);
    });
    c.section("guarantee_groups", |c| {
        let g = &f.guarantee_groups;
        c.probability("share_of_smes", g.share_of_smes);
        c.at_least("min_size", g.min_size, 2.0);
        c.at_most("max_size", g.max_size, 64.0);
        if g.max_size < g.min_size {
            let allowed = format!("must be ≥ min_size ({})", g.min_size);
            c.problem_related("max_size", &g.max_size, &allowed, &["min_size"]);
        }
    });
    c.section("size_class_custom", |c| size_classes(c, &f.size_class_custom));
}

/// Thresholds may be `"inf"` (a class no firm reaches by that test) and
/// must not fall from one class to the next.
fn size_classes(c: &mut Checker, d: &SizeClassDefinition) {
    if let Some(rate) = d.currency_per_usd {
        c.above("currency_per_usd", rate, 0.0);
    }
    let classes = [("small", &d.small), ("medium", &d.medium), ("large", &d.large)];
    for (class, t) in classes {
        c.within(
            &format!("{class}.employees"),
            t.employees,
            Range::at_least(0.0).or_infinite(),
        );
        c.within(
            &format!("{class}.revenue_millions"),
            t.revenue_millions,
            Range::at_least(0.0).or_infinite(),
        );
    }
    for pair in classes.windows(2) {
        let ((lower, l), (upper, u)) = (pair[0], pair[1]);
        for (test, lower_bound, upper_bound) in [
            ("employees", l.employees, u.employees),
            ("revenue_millions", l.revenue_millions, u.revenue_millions),
        ] {
            if upper_bound < lower_bound {
                let (path, below) = (format!("{upper}.{test}"), format!("{lower}.{test}"));
                let allowed = format!("must be ≥ {below} ({})", Number(lower_bound));
                c.problem_related(&path, &Number(upper_bound), &allowed, &[&below]);
            }
        }
    }
}

fn banks(c: &mut Checker, b: &Banks) {
    c.at_least("search_breadth", b.search_breadth, 1.0);
    c.range("pd_buckets", b.pd_buckets, 2.0, 50.0);
    c.at_least("pd_memory_months", b.pd_memory_months, 1.0);
    c.within("prior_pd", b.prior_pd, Range::above(0.0).below(1.0));
    c.at_least("prior_pd_slope", b.prior_pd_slope, 0.0);
    c.at_least("prior_weight", b.prior_weight, 0.0);
    c.probability("relationship_noise_reduction", b.relationship_noise_reduction);
    c.at_least("relationship_full_months", b.relationship_full_months, 1.0);
    c.range("lgd_floor", b.lgd_floor, 0.0, 1.0);
    c.probability("screening_error_persistence", b.screening_error_persistence);
    c.range(
        "group_guarantee_lgd_credit",
        b.group_guarantee_lgd_credit,
        0.0,
        1.0,
    );
    c.at_least("min_loan_kusd", b.min_loan_kusd, 0.0);
    c.probability("documentation_rejection_base", b.documentation_rejection_base);
    c.probability("dividend_payout_share", b.dividend_payout_share);
    c.at_least("capital_target_headroom", b.capital_target_headroom, 0.0);
    c.within(
        "recapitalisation_share",
        b.recapitalisation_share,
        Range::above(0.0).at_most(10.0),
    );
    c.section("products", |c| {
        for kind in ProductKind::ALL {
            c.section(kind.name(), |c| product(c, kind, kind.terms(&b.products)));
        }
    });

    if b.types.is_empty() {
        c.problem("types", &b.types, "must list at least one bank type");
    }
    let total: u64 = b.types.iter().map(|t| u64::from(t.count)).sum();
    if total > MAX_BANKS {
        let counts: Vec<u32> = b.types.iter().map(|t| t.count).collect();
        c.problem(
            "types[*].count",
            &counts,
            &format!("must add up to at most {MAX_BANKS} banks (they add up to {total})"),
        );
    }
    let mut names = HashSet::new();
    for (i, t) in b.types.iter().enumerate() {
        c.section(&format!("types[{i}]"), |c| {
            if t.name.is_empty() {
                c.problem("name", &t.name, "must not be empty");
            } else if !names.insert(t.name.as_str()) {
                c.problem("name", &t.name, "must be unique; another bank type has this name");
            }
            bank_type(c, t);
        });
    }
    // Large-firm weights may all be zero: large firms then pick their main
    // bank with the SME weights.
    let sme_weights: Vec<f64> = b.types.iter().map(|t| t.main_bank_weight_sme).collect();
    let sme_weight_sum: f64 = sme_weights.iter().sum();
    if !b.types.is_empty() && sme_weights.iter().all(|w| *w >= 0.0) && sme_weight_sum <= 0.0 {
        c.problem(
            "types[*].main_bank_weight_sme",
            &sme_weights,
            "must not all be 0: SMEs need at least one bank type to choose as main bank",
        );
    }
}

fn product(c: &mut Checker, kind: ProductKind, p: &ProductTerms) {
    c.within("advance_ratio", p.advance_ratio, Range::above(0.0).at_most(1.0));
    // 0 = "until the backing receivable is due", which only products
    // backed by a receivable can mean.
    if kind.receivable_backed() {
        if p.tenor_months != 0 {
            c.problem(
                "tenor_months",
                &p.tenor_months,
                "must be 0: a receivable-backed loan falls due with the receivable that backs it",
            );
        }
    } else if p.tenor_months == 0 {
        c.problem(
            "tenor_months",
            &p.tenor_months,
            "must be between 1 and 6 (0, \"until the backing receivable is due\", \
             is allowed only for products backed by a receivable)",
        );
    } else {
        c.range("tenor_months", p.tenor_months, 1.0, 6.0);
    }
    c.probability("loss_given_default", p.loss_given_default);
    c.at_least("prior_pd_factor", p.prior_pd_factor, 0.0);
    if !p.recourse && kind != ProductKind::Factoring {
        c.problem(
            "recourse",
            &p.recourse,
            "must be true: only factoring may be without recourse",
        );
    }
}

fn bank_type(c: &mut Checker, t: &BankType) {
    c.at_least("count", t.count, 1.0);
    c.at_least("equity_kusd_per_firm", t.equity_kusd_per_firm, 0.0);
    c.range("funding_spread_annual", t.funding_spread_annual, 0.0, 0.5);
    c.range("markup_annual", t.markup_annual, 0.0, 0.5);
    c.range("capital_buffer", t.capital_buffer, 0.0, 0.5);
    c.at_least("screening_noise", t.screening_noise, 0.0);
    c.at_least("handling_cost_kusd", t.handling_cost_kusd, 0.0);
    c.at_least("rate_cap_multiple", t.rate_cap_multiple, 0.0);
    c.probability("sme_quota_share", t.sme_quota_share);
    c.at_least("max_debt_to_monthly_revenue", t.max_debt_to_monthly_revenue, 0.0);
    if t.products.is_empty() {
        c.problem("products", &t.products, "must list at least one product");
    }
    let mut seen = HashSet::new();
    if let Some(twice) = t.products.iter().find(|p| !seen.insert(**p)) {
        let twice = serde_json::to_string(twice).unwrap_or_default();
        c.problem(
            "products",
            &t.products,
            &format!("must not list a product twice ({twice})"),
        );
    }
    c.at_least("main_bank_weight_sme", t.main_bank_weight_sme, 0.0);
    c.at_least("main_bank_weight_large", t.main_bank_weight_large, 0.0);
    c.section("sme_thresholds", |c| {
        let s = &t.sme_thresholds;
        c.at_least("min_employees", s.min_employees, 0.0);
        c.at_least("min_annual_revenue_kusd", s.min_annual_revenue_kusd, 0.0);
        c.at_least("min_age_months", s.min_age_months, 0.0);
        c.probability("min_score", s.min_score);
        c.at_least("min_collateral_coverage", s.min_collateral_coverage, 0.0);
        c.at_least("min_months_since_default", s.min_months_since_default, 0.0);
    });
}

fn government(c: &mut Checker, g: &Government) {
    c.section("regulator", |c| regulator(c, &g.regulator));
    c.section("guarantee", |c| {
        let a = &g.guarantee;
        c.probability("coverage", a.coverage);
        c.range("fee", a.fee, 0.0, 0.2);
        c.at_least("fund", a.fund, 0.0);
        c.at_least("leverage", a.leverage, 0.0);
        c.at_least("max_amount_kusd", a.max_amount_kusd, 0.0);
        c.at_least("screening_noise", a.screening_noise, 0.0);
        c.probability("min_score", a.min_score);
        c.at_least("replenishment", a.replenishment, 0.0);
    });
    c.section("exim.direct", |c| {
        let d = &g.exim.direct;
        c.at_least("budget", d.budget, 0.0);
        c.range("rate_annual", d.rate_annual, 0.0, 1.0);
        c.at_least("max_amount_kusd", d.max_amount_kusd, 0.0);
        c.at_least("screening_noise", d.screening_noise, 0.0);
        c.probability("min_score", d.min_score);
        c.range("tenor_months", d.tenor_months, 1.0, 6.0);
    });
    c.section("exim.on_lending", |c| {
        let o = &g.exim.on_lending;
        c.at_least("funds", o.funds, 0.0);
        c.range("rate_annual", o.rate_annual, 0.0, 1.0);
    });
    c.section("insurance", |c| {
        let i = &g.insurance;
        c.range("premium_rate", i.premium_rate, 0.0, 0.2);
        c.probability("indemnity_share", i.indemnity_share);
        c.range("claim_delay_months", i.claim_delay_months, 0.0, 6.0);
        c.probability("sme_premium_subsidy", i.sme_premium_subsidy);
        c.probability("reach", i.reach);
        c.at_least("risk_awareness", i.risk_awareness, 0.0);
        c.range("financing_value", i.financing_value, 0.0, 1.0);
    });
    c.section("bureau", |c| {
        let b = &g.bureau;
        c.section("coverage", |c| {
            c.probability("micro", b.coverage.micro);
            c.probability("small", b.coverage.small);
            c.probability("medium", b.coverage.medium);
            c.probability("large", b.coverage.large);
        });
        c.probability("coverage_growth_annual", b.coverage_growth_annual);
        c.probability("precision_gain", b.precision_gain);
        c.at_least(
            "cost_per_covered_firm_kusd_annual",
            b.cost_per_covered_firm_kusd_annual,
            0.0,
        );
    });
    c.section("training", |c| {
        let t = &g.training;
        c.probability("share_annual", t.share_annual);
        c.probability("management_gain", t.management_gain);
        c.at_least("cost_per_firm_kusd", t.cost_per_firm_kusd, 0.0);
    });
}

fn regulator(c: &mut Checker, r: &Regulator) {
    c.within(
        "min_capital_ratio",
        r.min_capital_ratio,
        Range::above(0.0).below(1.0),
    );
    c.probability("recovery_rate", r.recovery_rate);
    c.probability("receivables_recovery_rate", r.receivables_recovery_rate);
    c.section("risk_weights", |c| {
        let w = &r.risk_weights;
        c.range("corporate", w.corporate, 0.0, 12.5);
        c.range("sme", w.sme, 0.0, 12.5);
        c.range("lc_backed", w.lc_backed, 0.0, 12.5);
        c.range("guaranteed", w.guaranteed, 0.0, 12.5);
        c.range("insured", w.insured, 0.0, 12.5);
    });
    if let Some(cap) = r.rate_cap_multiple {
        c.at_least("rate_cap_multiple", cap, 0.0);
    }
    c.at_least("rate_floor_multiple", r.rate_floor_multiple, 0.0);
}

fn shock(c: &mut Checker, i: usize, s: &Shock) {
    if s.from > s.to {
        let allowed = format!("must not be after shocks[{i}].to (\"{}\")", s.to);
        c.problem_related("from", &s.from, &allowed, &["to"]);
    }
    match (s.multiply, s.add) {
        (Some(factor), None) => {
            c.at_least("multiply", factor, 0.0);
        }
        (None, Some(term)) => {
            c.within("add", term, Range::any());
        }
        (Some(_), Some(_)) => c.problem("", s, "must have exactly one of `multiply` and `add`, not both"),
        (None, None) => c.problem("", s, "must have one of `multiply` (a factor ≥ 0) or `add`"),
    }
}

/// An interval of allowed numbers; finite unless `or_infinite`.
#[derive(Debug, Clone, Copy)]
struct Range {
    low: Option<(f64, bool)>,
    high: Option<(f64, bool)>,
    infinite_allowed: bool,
}

impl Range {
    fn any() -> Self {
        Range {
            low: None,
            high: None,
            infinite_allowed: false,
        }
    }
    fn at_least(low: f64) -> Self {
        Range {
            low: Some((low, true)),
            ..Range::any()
        }
    }
    fn above(low: f64) -> Self {
        Range {
            low: Some((low, false)),
            ..Range::any()
        }
    }
    fn at_most(self, high: f64) -> Self {
        Range {
            high: Some((high, true)),
            ..self
        }
    }
    fn below(self, high: f64) -> Self {
        Range {
            high: Some((high, false)),
            ..self
        }
    }
    fn or_infinite(self) -> Self {
        Range {
            infinite_allowed: true,
            ..self
        }
    }

    fn contains(&self, x: f64) -> bool {
        if x == f64::INFINITY && self.infinite_allowed {
            return self.high.is_none();
        }
        x.is_finite()
            && self
                .low
                .is_none_or(|(low, inclusive)| x > low || (inclusive && x == low))
            && self
                .high
                .is_none_or(|(high, inclusive)| x < high || (inclusive && x == high))
    }
}

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bound = |(x, inclusive): (f64, bool), op_inclusive, op_exclusive| {
            format!(
                "{} {}",
                if inclusive { op_inclusive } else { op_exclusive },
                Number(x)
            )
        };
        let finite = match (self.low, self.high) {
            (Some((low, true)), Some((high, true))) => {
                format!("must be between {} and {}", Number(low), Number(high))
            }
            (Some(low), Some(high)) => {
                format!("must be {} and {}", bound(low, "≥", ">"), bound(high, "≤", "<"))
            }
            (Some(low), None) => format!("must be {}", bound(low, "≥", ">")),
            (None, Some(high)) => format!("must be {}", bound(high, "≤", "<")),
            (None, None) => "must be a finite number".to_string(),
        };
        if self.infinite_allowed {
            write!(f, "{finite} or \"inf\"")
        } else {
            f.write_str(&finite)
        }
    }
}

/// A number as the user would write it in JSON: `1.4`, `20`, `"inf"`.
struct Number(f64);

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            x if x == f64::INFINITY => f.write_str("\"inf\""),
            x => write!(f, "{x}"),
        }
    }
}

/// Serializes as the scenario format writes thresholds: `"inf"` or a number.
impl Serialize for Number {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            x if x == f64::INFINITY => serializer.serialize_str("inf"),
            x => serializer.serialize_f64(x),
        }
    }
}

/// Collects problems; `section` scopes the paths of the checks inside it.
#[derive(Default)]
struct Checker {
    prefix: String,
    problems: Vec<Problem>,
    /// Every range checked, by path.
    ranges: Vec<(String, Range)>,
}

impl Checker {
    fn section(&mut self, key: &str, checks: impl FnOnce(&mut Checker)) {
        let inner = self.path(key);
        let outer = std::mem::replace(&mut self.prefix, inner);
        checks(self);
        self.prefix = outer;
    }

    /// Checks `x` against `range`; returns whether it passed. A range
    /// open above still stops at ±[`MAX_MAGNITUDE`].
    fn within<T: Copy + Into<f64> + Serialize>(&mut self, key: &str, x: T, range: Range) -> bool {
        self.ranges.push((self.path(key), range));
        let ok = range.contains(x.into());
        if !ok {
            let value = if x.into().is_finite() {
                json(&x)
            } else {
                Number(x.into()).to_string()
            };
            self.push(key, value, range.to_string(), &[]);
            return false;
        }
        let huge = x.into().is_finite() && x.into().abs() > MAX_MAGNITUDE;
        if huge && (range.high.is_none() || range.low.is_none()) {
            let allowed = format!(
                "must be at most {} in absolute value{} (larger numbers are taken for a typo: they \
                 would overflow the model's arithmetic)",
                Number(MAX_MAGNITUDE),
                if range.infinite_allowed {
                    ", or \"inf\""
                } else {
                    ""
                }
            );
            self.push(key, json(&x), allowed, &[]);
            return false;
        }
        true
    }

    fn probability(&mut self, key: &str, x: f64) -> bool {
        self.range(key, x, 0.0, 1.0)
    }

    fn range<T: Copy + Into<f64> + Serialize>(&mut self, key: &str, x: T, low: f64, high: f64) -> bool {
        self.within(key, x, Range::at_least(low).at_most(high))
    }

    fn at_least<T: Copy + Into<f64> + Serialize>(&mut self, key: &str, x: T, low: f64) -> bool {
        self.within(key, x, Range::at_least(low))
    }

    fn at_most<T: Copy + Into<f64> + Serialize>(&mut self, key: &str, x: T, high: f64) -> bool {
        self.within(key, x, Range::any().at_most(high))
    }

    fn above(&mut self, key: &str, x: f64, low: f64) -> bool {
        self.within(key, x, Range::above(low))
    }

    /// A problem at `key` (the section itself when empty).
    fn problem<T: Serialize + ?Sized>(&mut self, key: &str, value: &T, allowed: &str) {
        self.problem_related(key, value, allowed, &[]);
    }

    fn problem_related<T: Serialize + ?Sized>(
        &mut self,
        key: &str,
        value: &T,
        allowed: &str,
        related: &[&str],
    ) {
        self.push(key, json(value), allowed.to_string(), related);
    }

    fn push(&mut self, key: &str, value: String, allowed: String, related: &[&str]) {
        let related = related.iter().map(|r| self.path(r)).collect();
        self.problems.push(Problem {
            path: self.path(key),
            value,
            allowed,
            related,
        });
    }

    fn path(&self, key: &str) -> String {
        match (self.prefix.is_empty(), key.is_empty()) {
            (_, true) => self.prefix.clone(),
            (true, false) => key.to_string(),
            (false, false) => format!("{}.{key}", self.prefix),
        }
    }
}

/// A value as JSON text, shortened if long.
fn json<T: Serialize + ?Sized>(value: &T) -> String {
    let text = serde_json::to_string(value).unwrap_or_else(|_| "?".to_string());
    match text.char_indices().nth(120) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;
    use crate::scenario::YearMonth;
    use crate::scenario::merge::JsonPath;

    /// The messages for `s` after `change`, one per problem.
    fn problems(change: impl FnOnce(&mut Scenario)) -> Vec<String> {
        let mut s = Scenario {
            name: "test".to_string(),
            ..Scenario::default()
        };
        change(&mut s);
        validate(&s).iter().map(Problem::to_string).collect()
    }

    #[test]
    fn the_defaults_are_valid() {
        assert_eq!(problems(|_| {}), Vec::<String>::new());
    }

    #[test]
    fn one_case_per_rule() {
        type Change = Box<dyn FnOnce(&mut Scenario)>;
        let cases: Vec<(Change, &str)> = vec![
            (
                Box::new(|s| s.government.regulator.recovery_rate = 1.4),
                "government.regulator.recovery_rate = 1.4: must be between 0 and 1",
            ),
            (
                Box::new(|s| s.simulation.firms = 0),
                "simulation.firms = 0: must be between 1 and 10000000",
            ),
            (
                Box::new(|s| s.simulation.months = 0),
                "simulation.months = 0: must be between 1 and 1200",
            ),
            (
                Box::new(|s| s.simulation.replications = 0),
                "simulation.replications = 0: must be between 1 and 1000000",
            ),
            (
                Box::new(|s| s.banks.types[0].count = 0),
                "banks.types[0].count = 0: must be ≥ 1",
            ),
            (
                Box::new(|s| s.banks.types[1].equity_kusd_per_firm = -2.5),
                "banks.types[1].equity_kusd_per_firm = -2.5: must be ≥ 0",
            ),
            (
                Box::new(|s| s.world.cny_per_usd = 0.0),
                "world.cny_per_usd = 0.0: must be > 0",
            ),
            (
                Box::new(|s| s.world.fx_drift_annual = 0.6),
                "world.fx_drift_annual = 0.6: must be between -0.5 and 0.5",
            ),
            (
                Box::new(|s| s.world.foreign_demand.cycle_persistence = 1.0),
                "world.foreign_demand.cycle_persistence = 1.0: must be ≥ 0 and < 1",
            ),
            (
                Box::new(|s| s.firms.capacity.entrant_share_of_potential = 0.0),
                "firms.capacity.entrant_share_of_potential = 0.0: must be > 0 and ≤ 1",
            ),
            (
                Box::new(|s| s.government.regulator.min_capital_ratio = 1.0),
                "government.regulator.min_capital_ratio = 1.0: must be > 0 and < 1",
            ),
            (
                Box::new(|s| s.firms.orders.per_month_max = 65),
                "firms.orders.per_month_max = 65: must be between 1 and 64",
            ),
            (
                Box::new(|s| s.firms.credit_quality.intercept = f64::NAN),
                "firms.credit_quality.intercept = NaN: must be a finite number",
            ),
            (
                Box::new(|s| s.banks.products.working_capital.recourse = false),
                "banks.products.working_capital.recourse = false: must be true: only factoring may be without recourse",
            ),
            (
                Box::new(|s| s.government.guarantee.coverage = 1.5),
                "government.guarantee.coverage = 1.5: must be between 0 and 1",
            ),
            (
                Box::new(|s| s.government.insurance.claim_delay_months = 7),
                "government.insurance.claim_delay_months = 7: must be between 0 and 6",
            ),
            (
                Box::new(|s| s.world.payment_terms.term_months_min = 0),
                "world.payment_terms.term_months_min = 0: must be ≥ 1",
            ),
            (
                Box::new(|s| s.world.payment_terms.term_months_max = 5),
                "world.payment_terms.term_months_max = 5: must be ≤ 4",
            ),
            (
                Box::new(|s| s.world.payment_terms.term_months_min = 4),
                "world.payment_terms.term_months_max = 3: must be ≥ term_months_min (4)",
            ),
            (
                Box::new(|s| s.world.payment_terms.small.open_account = -0.1),
                "world.payment_terms.small.open_account = -0.1: must be ≥ 0",
            ),
            (
                Box::new(|s| s.world.payment_terms.large = TermMix::new(0.0, 0.0, 0.0, 0.0)),
                "world.payment_terms.large = {\"cash_in_advance\":0.0,\"letter_of_credit\":0.0,\
                 \"documentary_collection\":0.0,\"open_account\":0.0}: \
                 weights must not all be 0 (they are normalised to sum to 1)",
            ),
            (
                Box::new(|s| s.firms.guarantee_groups.min_size = 1),
                "firms.guarantee_groups.min_size = 1: must be ≥ 2",
            ),
            (
                Box::new(|s| s.firms.guarantee_groups.min_size = 6),
                "firms.guarantee_groups.max_size = 5: must be ≥ min_size (6)",
            ),
            (
                Box::new(|s| s.firms.guarantee_groups.max_size = 65),
                "firms.guarantee_groups.max_size = 65: must be ≤ 64",
            ),
            (
                Box::new(|s| s.banks.types.clear()),
                "banks.types = []: must list at least one bank type",
            ),
            (
                Box::new(|s| s.banks.types[2].name.clear()),
                "banks.types[2].name = \"\": must not be empty",
            ),
            (
                Box::new(|s| s.banks.types[2].name = s.banks.types[0].name.clone()),
                "banks.types[2].name = \"state_owned\": must be unique; another bank type has this name",
            ),
            (
                Box::new(|s| s.banks.types[0].products.clear()),
                "banks.types[0].products = []: must list at least one product",
            ),
            (
                Box::new(|s| {
                    s.banks.types[0].products = vec![ProductKind::PackingLoan, ProductKind::PackingLoan]
                }),
                "banks.types[0].products = [\"packing_loan\",\"packing_loan\"]: \
                 must not list a product twice (\"packing_loan\")",
            ),
            (
                Box::new(|s| {
                    s.banks
                        .types
                        .iter_mut()
                        .for_each(|t| t.main_bank_weight_sme = 0.0)
                }),
                "banks.types[*].main_bank_weight_sme = [0.0,0.0,0.0]: \
                 must not all be 0: SMEs need at least one bank type to choose as main bank",
            ),
            (
                Box::new(|s| s.banks.types[0].main_bank_weight_large = -1.0),
                "banks.types[0].main_bank_weight_large = -1.0: must be ≥ 0",
            ),
            (
                Box::new(|s| s.banks.products.working_capital.tenor_months = 0),
                "banks.products.working_capital.tenor_months = 0: must be between 1 and 6 \
                 (0, \"until the backing receivable is due\", is allowed only for products backed by a receivable)",
            ),
            (
                Box::new(|s| s.banks.products.packing_loan.tenor_months = 2),
                "banks.products.packing_loan.tenor_months = 2: must be 0: a receivable-backed loan falls due with the receivable that backs it",
            ),
            (
                Box::new(|s| s.firms.size_class_custom.currency_per_usd = Some(0.0)),
                "firms.size_class_custom.currency_per_usd = 0.0: must be > 0",
            ),
            (
                Box::new(|s| s.firms.size_class_custom.small.employees = -1.0),
                "firms.size_class_custom.small.employees = -1.0: must be ≥ 0 or \"inf\"",
            ),
            (
                Box::new(|s| s.firms.size_class_custom.medium.employees = 10.0),
                "firms.size_class_custom.medium.employees = 10.0: must be ≥ small.employees (20)",
            ),
            (
                Box::new(|s| s.firms.size_class_custom.medium.revenue_millions = f64::INFINITY),
                "firms.size_class_custom.large.revenue_millions = 400.0: must be ≥ medium.revenue_millions (\"inf\")",
            ),
            (
                Box::new(|s| s.government.regulator.rate_cap_multiple = Some(-1.0)),
                "government.regulator.rate_cap_multiple = -1.0: must be ≥ 0",
            ),
            (
                Box::new(|s| s.name = "a/b".to_string()),
                "name = \"a/b\": must be a non-empty file name of at most 200 bytes, without `/`, `\\` or \
                 control characters",
            ),
            (
                Box::new(|s| s.name = "tab\there".to_string()),
                "name = \"tab\\there\": must be a non-empty file name of at most 200 bytes, without `/`, `\\` \
                 or control characters",
            ),
            // Limits that keep a typo from overflowing memory or arithmetic.
            (
                Box::new(|s| s.simulation.burn_in_months = u32::MAX),
                "simulation.burn_in_months = 4294967295: must be between 0 and 1200",
            ),
            (
                Box::new(|s| s.simulation.replications = 100_000),
                "simulation.replications = 100000: replications × months must be at most 2000000 (the \
                 monthly results of every replication, about 2 kB a month, are held in memory); here \
                 100000 × 36 = 3600000",
            ),
            (
                Box::new(|s| s.banks.types[0].count = u32::MAX),
                "banks.types[*].count = [4294967295,3,6]: must add up to at most 10000 banks (they add up \
                 to 4294967304)",
            ),
            (
                Box::new(|s| s.banks.types[1].equity_kusd_per_firm = 1e308),
                "banks.types[1].equity_kusd_per_firm = 1e+308: must be at most 1000000000000 in absolute \
                 value (larger numbers are taken for a typo: they would overflow the model's arithmetic)",
            ),
            (
                Box::new(|s| s.firms.size_class_custom.large.employees = 1e15),
                "firms.size_class_custom.large.employees = 1000000000000000.0: must be at most 1000000000000 in absolute \
                 value, or \"inf\" (larger numbers are taken for a typo: they would overflow the model's \
                 arithmetic)",
            ),
            (
                Box::new(|s| s.firms.revenue_per_employee_dispersion = 1e3),
                "firms.revenue_per_employee_dispersion = 1000.0: must be between 0 and 10",
            ),
            (
                Box::new(|s| s.firms.elasticity_of_substitution = 40.0),
                "firms.elasticity_of_substitution = 40.0: must keep the largest firm at most 1e30 times \
                 the smallest: size is φ^(σ−1) with φ up to productivity_max (10), and (σ − 1) × \
                 log10(productivity_max) = 39.0",
            ),
        ];
        for (change, expected) in cases {
            assert_eq!(problems(change), vec![expected.to_string()]);
        }
    }

    #[test]
    fn large_firm_weights_may_all_be_zero_and_thresholds_may_be_infinite() {
        assert_eq!(
            problems(|s| {
                s.banks
                    .types
                    .iter_mut()
                    .for_each(|t| t.main_bank_weight_large = 0.0);
                s.firms.size_class_custom = SizeClassDefinition::preset(SizeClassPreset::Japan);
            }),
            Vec::<String>::new()
        );
    }

    #[test]
    fn shocks_need_ordered_dates_and_exactly_one_change() {
        let shock = |from: (i32, u32), to: (i32, u32), multiply, add| Shock {
            target: ShockTarget::ForeignDemand,
            from: YearMonth::new(from.0, from.1),
            to: YearMonth::new(to.0, to.1),
            multiply,
            add,
        };
        let with = |shocks: Vec<Shock>| problems(|s| s.shocks = shocks);
        assert_eq!(
            with(vec![shock((2008, 11), (2009, 6), Some(0.7), None)]),
            Vec::<String>::new()
        );
        assert_eq!(
            with(vec![
                shock((2008, 11), (2009, 6), None, Some(-0.01)),
                shock((2009, 3), (2008, 11), Some(0.7), None)
            ]),
            vec!["shocks[1].from = \"2009-03\": must not be after shocks[1].to (\"2008-11\")"]
        );
        assert_eq!(
            with(vec![shock((2008, 11), (2008, 11), Some(-0.5), None)]),
            vec!["shocks[0].multiply = -0.5: must be ≥ 0"]
        );
        assert_eq!(
            with(vec![shock((2008, 11), (2008, 12), Some(0.5), Some(1.0))]),
            vec![
                "shocks[0] = {\"target\":\"world.foreign_demand\",\"from\":\"2008-11\",\"to\":\"2008-12\",\
                 \"multiply\":0.5,\"add\":1.0}: must have exactly one of `multiply` and `add`, not both"
            ]
        );
        assert_eq!(
            with(vec![shock((2008, 11), (2008, 12), None, None)]),
            vec![
                "shocks[0] = {\"target\":\"world.foreign_demand\",\"from\":\"2008-11\",\"to\":\"2008-12\"}: \
                 must have one of `multiply` (a factor ≥ 0) or `add`"
            ]
        );
    }

    #[test]
    fn reports_every_problem_in_document_order() {
        let found = problems(|s| {
            s.simulation.firms = 0;
            s.government.regulator.recovery_rate = -1.0;
        });
        assert_eq!(found.len(), 2);
        assert!(found[0].starts_with("simulation.firms") && found[1].starts_with("government.regulator"));
    }

    /// Every number in the scenario is range-checked, at the path it has in
    /// the JSON document: set every non-integer number to an absurd value
    /// and expect a problem at each one. Catches a new parameter added to
    /// params.rs without a check here, and a misspelt path.
    #[test]
    fn every_real_parameter_is_checked_at_its_json_path() {
        // Parameters for which any finite real is allowed.
        const ANY_REAL: &[&str] = &["firms.credit_quality.intercept", "shocks[0].add"];
        let mut s = Scenario {
            name: "test".to_string(),
            ..Scenario::default()
        };
        s.government.regulator.rate_cap_multiple = Some(1.0);
        s.firms.size_class_custom.currency_per_usd = Some(1.0);
        s.shocks.push(Shock {
            target: ShockTarget::ForeignDemand,
            from: YearMonth::new(2008, 1),
            to: YearMonth::new(2008, 2),
            multiply: Some(1.0),
            add: None,
        });
        let document = serde_json::to_value(&s).unwrap();
        let mut reals = Vec::new();
        collect_reals(&document, String::new(), &mut reals);
        assert!(reals.len() > 100, "only {} real parameters found", reals.len());

        for extreme in [-1e300, 1e300] {
            let mut absurd = document.clone();
            for path in &reals {
                JsonPath::parse(path)
                    .unwrap()
                    .set(&mut absurd, Value::from(extreme));
            }
            let absurd: Scenario = serde_json::from_value(absurd).unwrap();
            let flagged: Vec<String> = validate(&absurd).into_iter().map(|p| p.path).collect();
            for path in &flagged {
                let located = JsonPath::parse(path).unwrap();
                let exists = located
                    .segments()
                    .iter()
                    .any(|s| matches!(s, crate::scenario::merge::Segment::AnyIndex))
                    || located.get(&document).is_some();
                assert!(
                    exists,
                    "problem reported at `{path}`, which is not in the document"
                );
            }
            if extreme < 0.0 {
                for path in reals.iter().filter(|p| !ANY_REAL.contains(&p.as_str())) {
                    assert!(flagged.contains(path), "{path} = {extreme:e} passed validation");
                }
            }
        }
    }

    fn collect_reals(value: &Value, path: String, out: &mut Vec<String>) {
        let join = |key: &str| {
            if path.is_empty() {
                key.to_string()
            } else {
                format!("{path}.{key}")
            }
        };
        match value {
            Value::Number(n) if n.is_f64() => out.push(path),
            Value::Object(map) => map.iter().for_each(|(k, v)| collect_reals(v, join(k), out)),
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    collect_reals(item, format!("{path}[{i}]"), out);
                }
            }
            _ => {}
        }
    }
}
