//! The scenario format: every parameter of the model, with its default.
//!
//! Each field's doc comment gives its meaning, unit and allowed range; the
//! default is the value in the `Default` impl beside it. `validate.rs` enforces
//! the ranges and `docs/SCENARIOS.md` lists them for users. Money is in
//! thousands of US dollars (kUSD); rates are annual decimals unless the name
//! says otherwise.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::month::YearMonth;

/// A complete scenario. Every key has a default, so a file only states what
/// it changes (usually by `extends`-ing the baseline).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Scenario {
    /// Short identifier; names the output directory. Default: the file name
    /// without `.json`.
    pub name: String,
    /// What the scenario represents and why.
    pub description: String,
    pub simulation: Simulation,
    pub world: World,
    pub firms: Firms,
    pub banks: Banks,
    pub government: Government,
    /// Temporary changes to the world, by date range.
    pub shocks: Vec<Shock>,
}

/// Run length, population and replications.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Simulation {
    /// First reported month, `"YYYY-MM"`. Default `"2006-01"`.
    pub start: YearMonth,
    /// Reported months (≥ 1). Default 36.
    pub months: u32,
    /// Months simulated before `start` and never reported (≥ 0). Default 24.
    pub burn_in_months: u32,
    /// Scenario seed; replication r uses streams keyed by (seed, r). Default 20081.
    pub seed: u64,
    /// Independent replications (≥ 1). Default 8.
    pub replications: u32,
    /// Number of firms at the start (≥ 1). Default 10000.
    pub firms: u32,
}

impl Default for Simulation {
    fn default() -> Self {
        Simulation {
            start: YearMonth::new(2006, 1),
            months: 36,
            burn_in_months: 24,
            seed: 20081,
            replications: 8,
            firms: 10_000,
        }
    }
}

// ---------------------------------------------------------------- world

/// The environment every agent faces: demand, exchange rate, interest rates,
/// buyers' payment terms and their default risk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct World {
    /// Foreign demand index (1.0 at the first simulated month).
    pub foreign_demand: DemandProcess,
    /// Domestic demand index (1.0 at the first simulated month).
    pub domestic_demand: DemandProcess,
    /// CNY per USD at `simulation.start` (> 0). Default 8.0 (January 2006).
    pub cny_per_usd: f64,
    /// Trend of the CNY/USD rate per year; negative is appreciation of the
    /// CNY (≥ −0.5, ≤ 0.5). Default −0.06 (≈ 6 % a year, 2005–2008).
    pub fx_drift_annual: f64,
    /// Volatility of the CNY/USD rate per year (≥ 0, ≤ 1). Default 0.02.
    pub fx_volatility_annual: f64,
    /// Elasticity of exporters' USD production cost to CNY appreciation,
    /// the share of cost paid in CNY and not passed on to buyers:
    /// cost × (initial rate / current rate)^elasticity (in [0, 1]). Default 0.3.
    pub export_cost_fx_elasticity: f64,
    /// Benchmark one-year lending rate (≥ 0, ≤ 1). Default 0.0747 (China 2008).
    pub policy_rate_annual: f64,
    /// One-year deposit rate, banks' base funding cost (≥ 0, ≤ 1). Default 0.0414.
    pub deposit_rate_annual: f64,
    /// Payment-term mix of export orders by firm size, and their length.
    pub payment_terms: PaymentTerms,
    /// Probability that an order is not paid, by payment term.
    pub buyer_default: BuyerDefault,
    /// Probability that an LC presentation has discrepancies: `base × (1 − m)`
    /// for management quality m (in [0, 1]). Default 0.4.
    pub lc_discrepancy_base: f64,
}

impl Default for World {
    fn default() -> Self {
        World {
            foreign_demand: DemandProcess {
                trend_annual: 0.12,
                cycle_persistence: 0.9,
                cycle_sd: 0.02,
            },
            domestic_demand: DemandProcess {
                trend_annual: 0.10,
                cycle_persistence: 0.9,
                cycle_sd: 0.015,
            },
            cny_per_usd: 8.0,
            fx_drift_annual: -0.06,
            fx_volatility_annual: 0.02,
            export_cost_fx_elasticity: 0.3,
            policy_rate_annual: 0.0747,
            deposit_rate_annual: 0.0414,
            payment_terms: PaymentTerms::default(),
            buyer_default: BuyerDefault::default(),
            lc_discrepancy_base: 0.4,
        }
    }
}

/// A demand index: `ln D_t = g·t/12 + c_t`, `c_t = ρ c_{t−1} + σ ε_t`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct DemandProcess {
    /// Trend growth per year (≥ −0.5, ≤ 1).
    pub trend_annual: f64,
    /// Monthly persistence ρ of the cycle (in [0, 1)).
    pub cycle_persistence: f64,
    /// Monthly standard deviation σ of cycle innovations (≥ 0, ≤ 1).
    pub cycle_sd: f64,
}

impl Default for DemandProcess {
    fn default() -> Self {
        DemandProcess {
            trend_annual: 0.1,
            cycle_persistence: 0.9,
            cycle_sd: 0.02,
        }
    }
}

/// Which payment terms export orders carry, by the exporter's size class
/// (small firms get worse terms), and how long buyers take to pay.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct PaymentTerms {
    pub micro: TermMix,
    pub small: TermMix,
    pub medium: TermMix,
    pub large: TermMix,
    /// Shortest term in months for non-cash terms (≥ 1). Default 1.
    pub term_months_min: u32,
    /// Longest term in months (≥ term_months_min, ≤ 4). Default 3.
    pub term_months_max: u32,
    /// Share of LC orders whose LC carries a red clause, letting the
    /// exporter draw an advance before shipment (in [0, 1]). Default 0.1.
    pub red_clause_share: f64,
}

impl Default for PaymentTerms {
    fn default() -> Self {
        PaymentTerms {
            micro: TermMix::new(0.16, 0.12, 0.12, 0.60),
            small: TermMix::new(0.18, 0.16, 0.14, 0.52),
            medium: TermMix::new(0.20, 0.22, 0.14, 0.44),
            large: TermMix::new(0.22, 0.26, 0.14, 0.38),
            term_months_min: 1,
            term_months_max: 3,
            red_clause_share: 0.1,
        }
    }
}

/// Relative weights of the four payment terms (each ≥ 0, sum > 0; they are
/// normalised). Source for the mix: IMF (Asmundson et al. 2011).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct TermMix {
    /// Weight of cash in advance (≥ 0).
    pub cash_in_advance: f64,
    /// Weight of letters of credit (≥ 0).
    pub letter_of_credit: f64,
    /// Weight of documentary collection (≥ 0).
    pub documentary_collection: f64,
    /// Weight of open account (≥ 0).
    pub open_account: f64,
}

impl TermMix {
    pub const fn new(cia: f64, lc: f64, dc: f64, oa: f64) -> Self {
        TermMix {
            cash_in_advance: cia,
            letter_of_credit: lc,
            documentary_collection: dc,
            open_account: oa,
        }
    }
}

impl Default for TermMix {
    fn default() -> Self {
        TermMix::new(0.2, 0.2, 0.15, 0.45)
    }
}

/// Probability that a single order is never paid, by payment term (each in
/// [0, 1]). An LC fails only if the issuing bank fails or the documents are
/// discrepant and the buyer then refuses (documentary-collection risk).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct BuyerDefault {
    /// LC-issuing bank default. Default 0.0005.
    pub letter_of_credit: f64,
    /// Default 0.005.
    pub documentary_collection: f64,
    /// Default 0.01.
    pub open_account: f64,
    /// Domestic buyers (sales on one month's trade credit). Default 0.005.
    pub domestic: f64,
}

impl Default for BuyerDefault {
    fn default() -> Self {
        BuyerDefault {
            letter_of_credit: 0.0005,
            documentary_collection: 0.005,
            open_account: 0.01,
            domestic: 0.005,
        }
    }
}

// ---------------------------------------------------------------- firms

/// The firm population and firm behaviour.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Firms {
    /// Shape k of the Pareto productivity distribution φ ~ Pareto(1, k)
    /// (> 1). Default 3.4 (Ghironi & Melitz 2005).
    pub productivity_pareto_shape: f64,
    /// Upper truncation of productivity (> 1). Default 10 (calibrated):
    /// the largest firm is then about 630 times the smallest.
    pub productivity_max: f64,
    /// Elasticity of substitution σ; size ∝ φ^(σ−1) (> 1). Default 3.8 (Melitz 2003).
    pub elasticity_of_substitution: f64,
    /// Employees of a firm with φ = 1 (> 0). Default 8.
    pub employees_at_min_productivity: f64,
    /// Median revenue per employee, kUSD per year (> 0). Default 90.
    pub revenue_per_employee_kusd_annual: f64,
    /// Log-sd of revenue per employee across firms (≥ 0). Default 0.4.
    pub revenue_per_employee_dispersion: f64,
    /// Gross margin `base + slope·ln φ`, capped at `gross_margin_max`.
    /// Base in [0, 1). Default 0.12.
    pub gross_margin_base: f64,
    /// (≥ 0). Default 0.04.
    pub gross_margin_productivity_slope: f64,
    /// In (0, 1). Default 0.4.
    pub gross_margin_max: f64,
    /// Monthly fixed cost as a share of expected monthly sales at trend
    /// demand: it does not fall when a cycle or shock cuts orders (in [0, 1)).
    /// Default 0.05.
    pub fixed_cost_share: f64,
    /// Cash firms keep, in months of production cost, before paying out
    /// profits to owners (≥ 0). Default 0.845 (calibrated).
    pub cash_target_months: f64,
    /// Log-sd of the cash target across firms (≥ 0). Default 0.5.
    pub cash_target_dispersion: f64,
    /// Share of cash above the target (plus any debt) paid out each month
    /// (in [0, 1]). Default 0.5.
    pub payout_share: f64,
    /// Safety margin added to a financing need, as a share of production
    /// cost (≥ 0, ≤ 1). Default 0.05.
    pub need_buffer_share: f64,
    /// Share of the receivables due over its planning horizon a firm does
    /// not count on when it sets cash aside for loans due: buyers may
    /// default (in [0, 1]).
    /// Default 0.2.
    pub receipts_prudence: f64,
    /// Months ahead, beyond the current one, for which a firm sets cash
    /// aside for loans falling due (in [0, 6]). Default 1.
    pub planning_horizon_months: u32,
    /// Share of exporters' production cost spent on imported inputs, which
    /// import LCs can finance (in [0, 1]). Default 0.3 (processing trade).
    pub imported_input_share: f64,
    /// Pledgeable fixed assets in months of capacity at φ = 1 (≥ 0). Default 2.5.
    pub pledgeable_assets_months: f64,
    /// Elasticity of pledgeable assets (in months) to size (≥ 0, ≤ 1): larger
    /// firms have more tangible assets per unit of sales. Default 0.1.
    pub pledgeable_assets_size_elasticity: f64,
    /// Log-sd of pledgeable assets across firms (≥ 0). Default 0.6.
    pub pledgeable_assets_dispersion: f64,
    /// Management quality m ~ Beta(a, b) shifted by `slope·ln φ`, clamped to [0, 1].
    pub management: Management,
    /// Exporting: who exports, how much, entry and exit.
    pub export: Export,
    /// How many orders a firm gets and how much they vary.
    pub orders: Orders,
    /// How capacity grows and shrinks.
    pub capacity: Capacity,
    /// Firms' learned belief of being approved (discouraged borrowers).
    pub belief: Belief,
    /// The index of true creditworthiness banks try to see.
    pub credit_quality: CreditQuality,
    /// Idiosyncratic operating losses whose frequency falls with creditworthiness.
    pub operating_loss: OperatingLoss,
    /// Exit and entry.
    pub demography: Demography,
    /// Mutual-guarantee groups among related SMEs.
    pub guarantee_groups: GuaranteeGroups,
    /// Size-class definition: `"china_2011"`, `"china_2003"`, `"eu"`,
    /// `"us_sba"`, `"japan"` or `"custom"` (then `size_class_custom` applies).
    /// Default `"china_2011"`.
    pub size_classes: SizeClassPreset,
    /// Thresholds used when `size_classes` is `"custom"`.
    pub size_class_custom: SizeClassDefinition,
}

impl Default for Firms {
    fn default() -> Self {
        Firms {
            productivity_pareto_shape: 3.4,
            productivity_max: 10.0,
            elasticity_of_substitution: 3.8,
            employees_at_min_productivity: 8.0,
            revenue_per_employee_kusd_annual: 90.0,
            revenue_per_employee_dispersion: 0.4,
            gross_margin_base: 0.12,
            gross_margin_productivity_slope: 0.04,
            gross_margin_max: 0.4,
            fixed_cost_share: 0.05,
            cash_target_months: 0.845,
            cash_target_dispersion: 0.5,
            payout_share: 0.5,
            need_buffer_share: 0.05,
            receipts_prudence: 0.2,
            planning_horizon_months: 1,
            imported_input_share: 0.3,
            pledgeable_assets_months: 2.5,
            pledgeable_assets_size_elasticity: 0.1,
            pledgeable_assets_dispersion: 0.6,
            management: Management::default(),
            export: Export::default(),
            orders: Orders::default(),
            capacity: Capacity::default(),
            belief: Belief::default(),
            credit_quality: CreditQuality::default(),
            operating_loss: OperatingLoss::default(),
            demography: Demography::default(),
            guarantee_groups: GuaranteeGroups::default(),
            size_classes: SizeClassPreset::China2011,
            size_class_custom: SizeClassDefinition::preset(SizeClassPreset::China2011),
        }
    }
}

/// Management quality m ∈ [0, 1]: `m = clamp(Beta(a, b) + slope·ln φ, 0, 1)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Management {
    /// (> 0). Default 2.
    pub beta_a: f64,
    /// (> 0). Default 3.
    pub beta_b: f64,
    /// (≥ 0). Default 0.1.
    pub productivity_slope: f64,
}

impl Default for Management {
    fn default() -> Self {
        Management {
            beta_a: 2.0,
            beta_b: 3.0,
            productivity_slope: 0.1,
        }
    }
}

/// Export participation, intensity, entry and exit (Melitz 2003; Chaney 2016).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Export {
    /// Initially a firm exports if φ·exp(dispersion·ε) exceeds this (≥ 1). Default 1.6.
    pub productivity_cutoff: f64,
    /// Log-sd of the noise on the cutoff test (≥ 0). Default 0.3.
    pub cutoff_dispersion: f64,
    /// Export intensity (share of capacity sold abroad) ~ Beta(a, b) (> 0). Default 2.
    pub intensity_beta_a: f64,
    /// (> 0). Default 2.
    pub intensity_beta_b: f64,
    /// Change in export intensity per unit of ln φ; intensity is kept in
    /// [0.05, 0.95] (≥ −1, ≤ 1). Default −0.144 (calibrated): in China, processing
    /// exporters are less productive and export more of their output
    /// (Lu 2010; Dai, Maitra & Yu 2016).
    pub intensity_productivity_slope: f64,
    /// Sunk cost of entering export markets, in months of capacity (≥ 0). Default 1.5.
    pub entry_cost_months: f64,
    /// Months of expected export profit a firm sets against the sunk cost (≥ 1). Default 24.
    pub entry_payback_months: f64,
    /// Share of non-exporters that consider entry in a year (in [0, 1]). Default 0.25.
    pub entry_consideration_annual: f64,
    /// Yearly probability that an exporter stops for reasons outside the
    /// model (in [0, 1]). Default 0.04.
    pub exit_hazard_annual: f64,
    /// An exporter that loses more than `exit_lost_share` of its export
    /// orders for lack of finance this many months in a row stops exporting
    /// (≥ 1). Default 6.
    pub exit_after_lost_months: u32,
    /// (in [0, 1]). Default 0.3.
    pub exit_lost_share: f64,
}

impl Default for Export {
    fn default() -> Self {
        Export {
            productivity_cutoff: 1.6,
            cutoff_dispersion: 0.3,
            intensity_beta_a: 2.0,
            intensity_beta_b: 2.0,
            intensity_productivity_slope: -0.144,
            entry_cost_months: 1.5,
            entry_payback_months: 24.0,
            entry_consideration_annual: 0.25,
            exit_hazard_annual: 0.04,
            exit_after_lost_months: 6,
            exit_lost_share: 0.3,
        }
    }
}

/// Orders: each month a firm receives `n = max(1, round(base·size^e))`
/// orders with total value `capacity × demand × lognormal(dispersion)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Orders {
    /// Export orders a month for a firm of size 1 (≥ 1). Default 3.
    pub per_month_at_min_size: f64,
    /// Elasticity of the number of orders to size (≥ 0, ≤ 1). Default 0.25.
    pub size_elasticity: f64,
    /// Maximum export orders a month (≥ 1, ≤ 64). Default 12.
    pub per_month_max: u32,
    /// Log-sd of a firm's monthly demand around its capacity (≥ 0, ≤ 2). Default 0.15.
    pub value_dispersion: f64,
}

impl Default for Orders {
    fn default() -> Self {
        Orders {
            per_month_at_min_size: 3.0,
            size_elasticity: 0.25,
            per_month_max: 12,
            value_dispersion: 0.15,
        }
    }
}

/// Capacity dynamics:
/// `Δ ln K = reversion·(ln K* − ln K) + profit_elasticity·π − lost_orders_elasticity·ℓ`
/// with K* the productivity-given potential, π the month's gross profit over
/// expected sales and ℓ the share of orders lost for lack of finance
/// (the change is clamped to ±0.2 a month).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Capacity {
    /// Monthly speed of reversion to potential (in [0, 1]). Default 0.03.
    pub reversion: f64,
    /// (≥ 0). Default 0.3.
    pub profit_elasticity: f64,
    /// (≥ 0). Default 0.1.
    pub lost_orders_elasticity: f64,
    /// Entrants start at this share of their potential (in (0, 1]). Default 0.3.
    pub entrant_share_of_potential: f64,
}

impl Default for Capacity {
    fn default() -> Self {
        Capacity {
            reversion: 0.03,
            profit_elasticity: 0.3,
            lost_orders_elasticity: 0.1,
            entrant_share_of_potential: 0.3,
        }
    }
}

/// Discouraged borrowers: each firm's belief b of approval is updated
/// `b ← (1−λ) b + λ·outcome` after each request; a firm with b below the
/// threshold does not apply, and its belief recovers toward `initial` at
/// `recovery` a month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Belief {
    /// (in [0, 1]). Default 0.7.
    pub initial: f64,
    /// λ (in [0, 1]). Default 0.3.
    pub learning_rate: f64,
    /// (in [0, 1]). Default 0.221 (calibrated).
    pub discouragement_threshold: f64,
    /// (in [0, 1]). Default 0.1.
    pub recovery: f64,
}

impl Default for Belief {
    fn default() -> Self {
        Belief {
            initial: 0.7,
            learning_rate: 0.3,
            discouragement_threshold: 0.221,
            recovery: 0.1,
        }
    }
}

/// True creditworthiness `z = intercept + w_φ ln φ + w_m (m − ½) +
/// w_liq·min(cash/cost, 3) − w_lev·debt/(12·sales) + w_age·ln(1 +
/// age_years) + u`, with u a permanent firm effect ~ N(0, sd²). All weights
/// are ≥ 0.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct CreditQuality {
    /// Default 1.0.
    pub productivity_weight: f64,
    /// Default 1.5.
    pub management_weight: f64,
    /// Default 0.3.
    pub liquidity_weight: f64,
    /// Default 1.0.
    pub leverage_weight: f64,
    /// Default 0.3.
    pub age_weight: f64,
    /// Default 0.7.
    pub idiosyncratic_sd: f64,
    /// Constant (any real). Default −0.8.
    pub intercept: f64,
}

impl Default for CreditQuality {
    fn default() -> Self {
        CreditQuality {
            productivity_weight: 1.0,
            management_weight: 1.5,
            liquidity_weight: 0.3,
            leverage_weight: 1.0,
            age_weight: 0.3,
            idiosyncratic_sd: 0.7,
            intercept: -0.8,
        }
    }
}

/// Operating losses (accidents, failed batches, fraud): monthly probability
/// `p = (1 − (1 − annual)^(1/12)) · exp(−elasticity·z)` (capped at 0.5),
/// each costing `size_months` of expected sales. They make default risk depend on the true
/// creditworthiness z that banks screen for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct OperatingLoss {
    /// Yearly probability at z = 0 (in [0, 1]). Default 0.06.
    pub probability_annual: f64,
    /// (≥ 0). Default 1.0.
    pub score_elasticity: f64,
    /// Loss in months of expected sales (≥ 0). Default 1.5.
    pub size_months: f64,
}

impl Default for OperatingLoss {
    fn default() -> Self {
        OperatingLoss {
            probability_annual: 0.06,
            score_elasticity: 1.0,
            size_months: 1.5,
        }
    }
}

/// Exit and entry of firms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Demography {
    /// Yearly exit probability for reasons outside the model (in [0, 1]). Default 0.04.
    pub exit_hazard_annual: f64,
    /// A firm with negative equity this many months in a row exits (≥ 1). Default 3.
    pub negative_equity_exit_months: u32,
    /// Probability that a firm that defaults exits (in [0, 1]). Default 0.8.
    pub defaulter_exit_probability: f64,
    /// Mean age of the initial firms in years (> 0). Default 8.
    pub initial_age_mean_years: f64,
    /// Entrants' cash in months of their production cost (≥ 0). Default 1.0.
    pub entrant_cash_months: f64,
    /// Yearly growth of the target population; entrants replace exits and
    /// add this growth (≥ −0.5, ≤ 1). Default 0.
    pub population_growth_annual: f64,
}

impl Default for Demography {
    fn default() -> Self {
        Demography {
            exit_hazard_annual: 0.04,
            negative_equity_exit_months: 3,
            defaulter_exit_probability: 0.8,
            initial_age_mean_years: 8.0,
            entrant_cash_months: 1.0,
            population_growth_annual: 0.0,
        }
    }
}

/// Mutual-guarantee groups: related SMEs guarantee each other's bank loans;
/// when one defaults its guarantors must pay, and may default in turn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct GuaranteeGroups {
    /// Share of SMEs in a group (in [0, 1]). Default 0.25.
    pub share_of_smes: f64,
    /// (≥ 2). Default 2.
    pub min_size: u32,
    /// (≥ min_size, ≤ 64). Default 5.
    pub max_size: u32,
}

impl Default for GuaranteeGroups {
    fn default() -> Self {
        GuaranteeGroups {
            share_of_smes: 0.25,
            min_size: 2,
            max_size: 5,
        }
    }
}

/// Named size-class definitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SizeClassPreset {
    /// China 2011 industrial standard (the default).
    #[serde(rename = "china_2011")]
    China2011,
    /// China 2003 standard: no micro class.
    #[serde(rename = "china_2003")]
    China2003,
    /// EU Recommendation 2003/361/EC (balance-sheet test not modelled).
    Eu,
    /// US SBA size standard for manufacturing (500 employees).
    UsSba,
    /// Japan SME Basic Act, manufacturing (paid-in capital not modelled).
    Japan,
    /// `firms.size_class_custom`.
    Custom,
}

/// How the two tests (employees, revenue) combine for a class's lower bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ThresholdRule {
    /// A firm belongs to a class only if it meets both lower bounds (China).
    All,
    /// Meeting either lower bound is enough (EU: large if ≥ 250 employees or
    /// turnover above €50 m).
    Any,
}

/// Lower bounds of the micro/small/medium/large classes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct SizeClassDefinition {
    pub rule: ThresholdRule,
    /// Units of the threshold currency per USD; `null` means CNY at the
    /// simulated exchange rate.
    pub currency_per_usd: Option<f64>,
    pub small: ClassThreshold,
    pub medium: ClassThreshold,
    pub large: ClassThreshold,
}

impl Default for SizeClassDefinition {
    fn default() -> Self {
        SizeClassDefinition::preset(SizeClassPreset::China2011)
    }
}

/// Lower bound of one class. A class with both bounds at or above the next
/// class's is empty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ClassThreshold {
    /// (≥ 0, or `"inf"`: no firm reaches the class by this test).
    #[serde(with = "number_or_inf")]
    #[schemars(schema_with = "number_or_inf::schema")]
    pub employees: f64,
    /// Annual revenue in millions of the threshold currency (≥ 0, or `"inf"`).
    #[serde(with = "number_or_inf")]
    #[schemars(schema_with = "number_or_inf::schema")]
    pub revenue_millions: f64,
}

/// Thresholds may be infinite (a test no firm passes), which JSON numbers
/// cannot say: serde_json would write `null` and then fail to read it back.
/// Infinity is written and read as the string `"inf"`.
mod number_or_inf {
    use std::fmt;

    use schemars::{Schema, SchemaGenerator, json_schema};

    use serde::de::{self, Visitor};
    use serde::{Deserializer, Serializer};

    /// A number, or the string `"inf"`.
    pub fn schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "anyOf": [{ "type": "number" }, { "const": "inf" }]
        })
    }

    pub fn serialize<S: Serializer>(x: &f64, serializer: S) -> Result<S::Ok, S::Error> {
        if *x == f64::INFINITY {
            serializer.serialize_str("inf")
        } else {
            serializer.serialize_f64(*x)
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
        struct NumberOrInf;
        impl Visitor<'_> for NumberOrInf {
            type Value = f64;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number or \"inf\"")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<f64, E> {
                Ok(v)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<f64, E> {
                Ok(v as f64)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<f64, E> {
                Ok(v as f64)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<f64, E> {
                match v {
                    "inf" => Ok(f64::INFINITY),
                    _ => Err(E::invalid_value(de::Unexpected::Str(v), &self)),
                }
            }
        }
        deserializer.deserialize_any(NumberOrInf)
    }
}

impl Default for ClassThreshold {
    fn default() -> Self {
        ClassThreshold {
            employees: 0.0,
            revenue_millions: 0.0,
        }
    }
}

impl SizeClassDefinition {
    /// The thresholds of a named definition. For `Custom` this returns the
    /// China 2011 thresholds, the starting point of a custom definition.
    pub fn preset(preset: SizeClassPreset) -> Self {
        let t = |employees: f64, revenue_millions: f64| ClassThreshold {
            employees,
            revenue_millions,
        };
        match preset {
            // NBS/MIIT 2011 standard for industry: large ≥ 1000 employees and
            // ≥ CNY 400 m; medium ≥ 300 and ≥ 20 m; small ≥ 20 and ≥ 3 m.
            SizeClassPreset::China2011 | SizeClassPreset::Custom => SizeClassDefinition {
                rule: ThresholdRule::All,
                currency_per_usd: None,
                small: t(20.0, 3.0),
                medium: t(300.0, 20.0),
                large: t(1000.0, 400.0),
            },
            // 2003 standard for industry: large ≥ 2000 employees and ≥ CNY
            // 300 m sales (the assets test is not modelled); medium ≥ 300 and
            // ≥ 30 m; no micro class.
            SizeClassPreset::China2003 => SizeClassDefinition {
                rule: ThresholdRule::All,
                currency_per_usd: None,
                small: t(0.0, 0.0),
                medium: t(300.0, 30.0),
                large: t(2000.0, 300.0),
            },
            // Commission Recommendation 2003/361/EC at EUR 0.68 per USD (2008).
            SizeClassPreset::Eu => SizeClassDefinition {
                rule: ThresholdRule::Any,
                currency_per_usd: Some(0.68),
                small: t(10.0, 2.0),
                medium: t(50.0, 10.0),
                large: t(250.0, 50.0),
            },
            // SBA manufacturing standard: small business below 500 employees;
            // no micro or medium class.
            SizeClassPreset::UsSba => SizeClassDefinition {
                rule: ThresholdRule::Any,
                currency_per_usd: Some(1.0),
                small: t(0.0, 0.0),
                medium: t(500.0, f64::INFINITY),
                large: t(500.0, f64::INFINITY),
            },
            // SME Basic Act, manufacturing: SME up to 300 employees, "small
            // enterprise" up to 20; no separate small/medium split.
            SizeClassPreset::Japan => SizeClassDefinition {
                rule: ThresholdRule::Any,
                currency_per_usd: Some(103.0),
                small: t(21.0, f64::INFINITY),
                medium: t(301.0, f64::INFINITY),
                large: t(301.0, f64::INFINITY),
            },
        }
    }
}

// ---------------------------------------------------------------- banks

/// The banking sector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Banks {
    /// H: banks a firm may visit in a month, main bank first (≥ 1).
    /// Default 2 (Delli Gatti et al. 2011).
    pub search_breadth: u32,
    /// Score buckets in which banks learn default frequencies (≥ 2, ≤ 50). Default 10.
    pub pd_buckets: u32,
    /// Memory of the learned default frequencies: observations are
    /// discounted by 1/memory a month (≥ 1). Default 36.
    pub pd_memory_months: f64,
    /// Prior probability that a loan defaults, at the middle score (in (0, 1)). Default 0.03.
    pub prior_pd: f64,
    /// Prior PD falls as `exp(−slope·(s − ½))` with score s ∈ [0, 1] (≥ 0). Default 4.
    pub prior_pd_slope: f64,
    /// Weight of the prior, in loans (≥ 0). Default 20.
    pub prior_weight: f64,
    /// Screening noise falls by this share over a relationship (in [0, 1]). Default 0.4.
    pub relationship_noise_reduction: f64,
    /// Relationship length, months, at which the reduction is complete (≥ 1). Default 36.
    pub relationship_full_months: f64,
    /// Share of the variance of a credit officer's error that persists for
    /// a bank–firm pair; the rest is drawn afresh each month (in [0, 1]).
    /// Default 0.5.
    pub screening_error_persistence: f64,
    /// Smallest loss given default a bank assumes, whatever the collateral:
    /// enforcement is slow and costly (in [0, 1]). Default 0.1.
    pub lgd_floor: f64,
    /// Reduction in loss given default a bank without unified risk
    /// management credits for the joint guarantee of a firm's group (in [0, 1]).
    /// Default 0.3.
    pub group_guarantee_lgd_credit: f64,
    /// Smallest loan a bank makes, kUSD (≥ 0). Default 5.
    pub min_loan_kusd: f64,
    /// Probability that a firm's application fails banks' documentation
    /// and know-your-customer checks in a month, `base × (1 − m)` for
    /// management quality m; every bank then declines it (in [0, 1]).
    /// Default 0.185 (calibrated, docs/CALIBRATION.md; ADB Trade Finance
    /// Gaps surveys: KYC and incomplete documents are leading reasons for
    /// rejection).
    pub documentation_rejection_base: f64,
    /// Share of equity above the capital target paid as dividends each month
    /// (in [0, 1]). Default 0.1.
    pub dividend_payout_share: f64,
    /// Equity is held up to (1 + headroom) × the capital needed for current
    /// risk-weighted assets, and never below the bank's initial equity
    /// before dividends are paid (≥ 0). Default 0.5.
    pub capital_target_headroom: f64,
    /// A failed bank (equity < 0) is recapitalised to this share of its
    /// initial equity (in (0, 10]). Default 1.
    pub recapitalisation_share: f64,
    /// Terms of each trade finance product.
    pub products: Products,
    /// Bank types; each type has `count` identical banks.
    pub types: Vec<BankType>,
}

impl Banks {
    /// The smallest amount the credit market lends or looks for:
    /// `min_loan_kusd`, and above zero even when that is 0, so that a
    /// firm's need rounded down to nothing ends its search.
    pub fn min_lent_kusd(&self) -> f64 {
        self.min_loan_kusd.max(1e-9)
    }
}

impl Default for Banks {
    fn default() -> Self {
        Banks {
            search_breadth: 2,
            pd_buckets: 10,
            pd_memory_months: 36.0,
            prior_pd: 0.03,
            prior_pd_slope: 4.0,
            prior_weight: 20.0,
            relationship_noise_reduction: 0.4,
            relationship_full_months: 36.0,
            screening_error_persistence: 0.5,
            lgd_floor: 0.1,
            group_guarantee_lgd_credit: 0.3,
            min_loan_kusd: 5.0,
            documentation_rejection_base: 0.185,
            dividend_payout_share: 0.1,
            capital_target_headroom: 0.5,
            recapitalisation_share: 1.0,
            products: Products::default(),
            types: default_bank_types(),
        }
    }
}

/// The trade finance products a bank may offer (DESIGN.md §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProductKind {
    /// Post-shipment: advance against an LC receivable (the cheapest).
    LcNegotiation,
    /// Pre-shipment: advance the buyer's LC authorises through a red
    /// clause; the issuing bank, not the exporter, carries the risk.
    RedClause,
    /// Pre-shipment: loan against this month's LC-backed export orders.
    PackingLoan,
    /// Post-shipment: advance against an export receivable insured by the
    /// export credit insurer; the indemnity is assigned to the bank.
    InsuranceBacked,
    /// Post-shipment: advance against an open-account or collection
    /// receivable, with or without recourse to the firm.
    Factoring,
    /// Import LC / import bill advance: pays for imported inputs.
    ImportLc,
    /// Generic short-term loan, secured by collateral.
    WorkingCapital,
}

/// Terms of each product.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Products {
    pub lc_negotiation: ProductTerms,
    pub red_clause: ProductTerms,
    pub packing_loan: ProductTerms,
    pub insurance_backed: ProductTerms,
    pub factoring: ProductTerms,
    pub import_lc: ProductTerms,
    pub working_capital: ProductTerms,
}

impl Default for Products {
    fn default() -> Self {
        // Receivable-backed products fall due with their receivable
        // (tenor 0) and lose little: the receivable pays first.
        let backed = |advance_ratio, loss_given_default, prior_pd_factor| ProductTerms {
            advance_ratio,
            tenor_months: 0,
            loss_given_default,
            uses_collateral: false,
            prior_pd_factor,
            recourse: true,
        };
        Products {
            lc_negotiation: backed(0.9, 0.3, 0.1),
            // ICC: LC risk is the issuing bank's; red-clause advances are
            // repaid by it if the exporter fails to ship.
            red_clause: backed(0.3, 0.3, 0.1),
            packing_loan: backed(0.8, 0.5, 0.4),
            insurance_backed: backed(0.8, 0.6, 0.5),
            factoring: backed(0.8, 0.6, 0.6),
            // Usance import LCs run about 126 days (ICC 2011).
            import_lc: ProductTerms {
                advance_ratio: 0.9,
                tenor_months: 4,
                loss_given_default: 0.8,
                uses_collateral: false,
                prior_pd_factor: 0.8,
                recourse: true,
            },
            // The generic secured loan is the default product.
            working_capital: ProductTerms::default(),
        }
    }
}

/// One product's terms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ProductTerms {
    /// Largest loan as a share of the backing asset (in (0, 1]).
    pub advance_ratio: f64,
    /// Tenor in months (≥ 1, ≤ 6). Products backed by a receivable
    /// (`lc_negotiation`, `red_clause`, `packing_loan`, `insurance_backed`,
    /// `factoring`) must have 0: they fall due with the receivable.
    pub tenor_months: u32,
    /// Loss given default before collateral (in [0, 1]).
    pub loss_given_default: f64,
    /// Whether collateral is pledged and the bank's collateral threshold applies.
    pub uses_collateral: bool,
    /// Multiplies the prior PD (≥ 0): LC-backed lending is safer.
    pub prior_pd_factor: f64,
    /// Whether the bank may claim from the firm what the backing receivable
    /// does not pay. Only `factoring` may be without recourse (then the
    /// bank bears the buyer's default). Default true.
    pub recourse: bool,
}

impl Default for ProductTerms {
    fn default() -> Self {
        ProductTerms {
            advance_ratio: 1.0,
            tenor_months: 4,
            loss_given_default: 1.0,
            uses_collateral: true,
            prior_pd_factor: 1.0,
            recourse: true,
        }
    }
}

/// One type of bank. `count` identical banks share the type's equity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct BankType {
    /// Label used in output (non-empty).
    pub name: String,
    /// Number of banks of this type (≥ 1).
    pub count: u32,
    /// Equity of the whole type, kUSD per initial firm, split equally among
    /// its banks; scales with `simulation.firms` (≥ 0).
    pub equity_kusd_per_firm: f64,
    /// Funding cost above the deposit rate (≥ 0, ≤ 0.5).
    pub funding_spread_annual: f64,
    /// Lending markup over funding cost (≥ 0, ≤ 0.5).
    pub markup_annual: f64,
    /// Capital held above the regulatory minimum ratio (≥ 0, ≤ 0.5).
    pub capital_buffer: f64,
    /// Standard deviation of the credit officers' error on the score z (≥ 0).
    pub screening_noise: f64,
    /// Fixed cost of handling one loan, kUSD (≥ 0).
    pub handling_cost_kusd: f64,
    /// The bank lends at no more than this multiple of the policy rate
    /// (≥ 0); above it the applicant is rationed (Stiglitz & Weiss 1981).
    pub rate_cap_multiple: f64,
    /// When capital is short, large firms are served first.
    pub large_firm_priority: bool,
    /// Sees a guarantee group's total debt and limits lending to the group
    /// as a whole; without it a bank sees each firm alone and counts
    /// group guarantees as protection.
    pub unified_risk_management: bool,
    /// Largest share of the bank's lending capacity (risk-weighted) that
    /// may go to SMEs (in [0, 1]).
    pub sme_quota_share: f64,
    /// A borrower's (or, with unified risk management, a group's) total debt
    /// may not exceed this many months of its expected sales (≥ 0).
    pub max_debt_to_monthly_revenue: f64,
    /// Products offered (`lc_negotiation`, `red_clause`, `packing_loan`,
    /// `insurance_backed`, `factoring`, `import_lc`, `working_capital`);
    /// "single mode" banks offer working capital and packing loans only.
    /// At least one.
    pub products: Vec<ProductKind>,
    /// Relative weight of this type as main bank of SMEs (≥ 0).
    pub main_bank_weight_sme: f64,
    /// Relative weight of this type as main bank of large firms (≥ 0).
    pub main_bank_weight_large: f64,
    /// Hard thresholds applied to SME applicants.
    pub sme_thresholds: SmeThresholds,
}

impl Default for BankType {
    fn default() -> Self {
        BankType {
            name: "bank".to_string(),
            count: 1,
            equity_kusd_per_firm: 10.0,
            funding_spread_annual: 0.005,
            markup_annual: 0.02,
            capital_buffer: 0.02,
            screening_noise: 0.8,
            handling_cost_kusd: 0.3,
            rate_cap_multiple: 1.5,
            large_firm_priority: true,
            unified_risk_management: false,
            sme_quota_share: 1.0,
            max_debt_to_monthly_revenue: 4.0,
            products: vec![ProductKind::WorkingCapital, ProductKind::PackingLoan],
            main_bank_weight_sme: 1.0,
            main_bank_weight_large: 1.0,
            sme_thresholds: SmeThresholds::default(),
        }
    }
}

/// Hard lending thresholds for SME applicants; an SME failing any of them is
/// rejected whatever the price.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct SmeThresholds {
    /// (≥ 0). Default 0.
    pub min_employees: f64,
    /// Annual revenue, kUSD (≥ 0). Default 0.
    pub min_annual_revenue_kusd: f64,
    /// Age in months (≥ 0). Default 0.
    pub min_age_months: f64,
    /// Minimum observed score s ∈ [0, 1] (in [0, 1]). Default 0.
    pub min_score: f64,
    /// Collateral value × recovery rate ÷ loan, for products that use
    /// collateral (≥ 0). Default 0.
    pub min_collateral_coverage: f64,
    /// Reject a firm the bank knows defaulted within this many months (≥ 0). Default 24.
    pub min_months_since_default: f64,
}

impl Default for SmeThresholds {
    fn default() -> Self {
        SmeThresholds {
            min_employees: 0.0,
            min_annual_revenue_kusd: 0.0,
            min_age_months: 0.0,
            min_score: 0.0,
            min_collateral_coverage: 0.0,
            min_months_since_default: 24.0,
        }
    }
}

fn default_bank_types() -> Vec<BankType> {
    vec![
        BankType {
            name: "state_owned".to_string(),
            count: 4,
            equity_kusd_per_firm: 12.0,
            funding_spread_annual: 0.0,
            markup_annual: 0.02,
            screening_noise: 0.566,
            handling_cost_kusd: 0.4,
            rate_cap_multiple: 1.74,
            large_firm_priority: true,
            main_bank_weight_sme: 0.35,
            main_bank_weight_large: 0.75,
            sme_thresholds: SmeThresholds {
                min_employees: 4.73,
                min_annual_revenue_kusd: 237.0,
                min_age_months: 8.52,
                min_score: 0.0828,
                min_collateral_coverage: 0.166,
                min_months_since_default: 36.0,
            },
            ..BankType::default()
        },
        BankType {
            name: "joint_stock".to_string(),
            count: 3,
            equity_kusd_per_firm: 6.0,
            funding_spread_annual: 0.004,
            markup_annual: 0.025,
            screening_noise: 0.727,
            handling_cost_kusd: 0.3,
            rate_cap_multiple: 2.01,
            large_firm_priority: true,
            main_bank_weight_sme: 0.35,
            main_bank_weight_large: 0.25,
            sme_thresholds: SmeThresholds {
                min_employees: 2.37,
                min_annual_revenue_kusd: 118.0,
                min_age_months: 5.68,
                min_score: 0.071,
                min_collateral_coverage: 0.118,
                min_months_since_default: 24.0,
            },
            ..BankType::default()
        },
        BankType {
            name: "city_commercial".to_string(),
            count: 6,
            equity_kusd_per_firm: 4.0,
            funding_spread_annual: 0.008,
            markup_annual: 0.03,
            screening_noise: 0.889,
            handling_cost_kusd: 0.25,
            rate_cap_multiple: 2.28,
            large_firm_priority: false,
            main_bank_weight_sme: 0.30,
            main_bank_weight_large: 0.0,
            sme_thresholds: SmeThresholds {
                min_employees: 0.0,
                min_annual_revenue_kusd: 47.3,
                min_age_months: 2.84,
                min_score: 0.0592,
                min_collateral_coverage: 0.0947,
                min_months_since_default: 24.0,
            },
            ..BankType::default()
        },
    ]
}

// ---------------------------------------------------------------- government

/// Population for which government programmes' money amounts (`fund`,
/// `replenishment`, `budget`, `funds`) are stated: they are scaled by
/// `simulation.firms / REFERENCE_FIRMS`, so that a policy keeps its weight
/// in the economy whatever the population simulated.
pub const REFERENCE_FIRMS: f64 = 10_000.0;

/// Government agents (DESIGN.md §2). Each keeps its own accounts; their
/// net cost is the fiscal cost. All programmes are off by default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Government {
    pub regulator: Regulator,
    /// Credit guarantee agency.
    pub guarantee: GuaranteeAgency,
    /// Export-import bank.
    pub exim: Exim,
    /// Export credit insurer.
    pub insurance: Insurance,
    /// Credit information system.
    pub bureau: Bureau,
    /// Management training for SMEs.
    pub training: Training,
}

/// Which size classes a programme serves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Eligibility {
    /// Serves micro firms.
    pub micro: bool,
    /// Serves small firms.
    pub small: bool,
    /// Serves medium firms.
    pub medium: bool,
    /// Serves large firms.
    pub large: bool,
}

impl Default for Eligibility {
    /// SMEs only.
    fn default() -> Self {
        Eligibility {
            micro: true,
            small: true,
            medium: true,
            large: false,
        }
    }
}

/// A public credit guarantee agency. A firm a bank rejects for its score
/// or its collateral may ask for a guarantee; if the agency accepts, the
/// bank re-evaluates with `coverage` of the loan carrying the agency's risk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct GuaranteeAgency {
    /// Default false.
    pub enabled: bool,
    /// Share of the loan (principal and interest) guaranteed (in [0, 1]; 0
    /// guarantees nothing).
    /// Default 0.7 (partial cover keeps banks screening: Beck, Klapper &
    /// Mendoza 2010).
    pub coverage: f64,
    /// Annual fee on the guaranteed amount, paid by the firm when the loan
    /// is made (in [0, 0.2]). Default 0.015.
    pub fee: f64,
    /// The agency's fund, kUSD for 10,000 firms (≥ 0). Default 50000.
    pub fund: f64,
    /// New guarantees stop while outstanding guarantees exceed `leverage ×
    /// fund` (≥ 0). Default 5.
    pub leverage: f64,
    /// Size classes served. Default SMEs.
    pub eligible: Eligibility,
    /// Largest loan guaranteed, kUSD (≥ 0). Default 2000.
    pub max_amount_kusd: f64,
    /// Standard deviation of the agency's error on the score z (≥ 0). Default 0.8.
    pub screening_noise: f64,
    /// Smallest observed score s ∈ [0, 1] the agency accepts (in [0, 1]). Default 0.2.
    pub min_score: f64,
    /// Each January the budget restores the fund toward its initial size,
    /// by at most this much, kUSD for 10,000 firms (≥ 0). Default 10000.
    pub replenishment: f64,
}

impl Default for GuaranteeAgency {
    fn default() -> Self {
        GuaranteeAgency {
            enabled: false,
            coverage: 0.7,
            fee: 0.015,
            fund: 50_000.0,
            leverage: 5.0,
            eligible: Eligibility::default(),
            max_amount_kusd: 2_000.0,
            screening_noise: 0.8,
            min_score: 0.2,
            replenishment: 10_000.0,
        }
    }
}

/// The export-import bank.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Exim {
    /// Lending to exporters the commercial banks did not finance.
    pub direct: EximDirect,
    /// Cheap funds lent to commercial banks for SME trade finance.
    pub on_lending: OnLending,
}

/// Direct Exim lending: after the commercial banks, an eligible exporter
/// with finance still missing applies to the Exim bank, which screens it
/// itself and lends at a concessional rate from a yearly budget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct EximDirect {
    /// Default false.
    pub enabled: bool,
    /// New lending a year, kUSD for 10,000 firms; resets each January (≥ 0).
    /// Default 100000.
    pub budget: f64,
    /// Concessional loan rate (≥ 0, ≤ 1). Default 0.0531 (China's 2009
    /// benchmark rate).
    pub rate_annual: f64,
    /// Size classes served. Default SMEs.
    pub eligible: Eligibility,
    /// Lends only to firms that export. Default true.
    pub exporters_only: bool,
    /// Largest loan, kUSD (≥ 0). Default 1000.
    pub max_amount_kusd: f64,
    /// Standard deviation of the Exim bank's error on z (≥ 0). Default 0.6.
    pub screening_noise: f64,
    /// Smallest observed score accepted (in [0, 1]). Default 0.3.
    pub min_score: f64,
    /// Tenor in months (≥ 1, ≤ 6). Default 6.
    pub tenor_months: u32,
}

impl Default for EximDirect {
    fn default() -> Self {
        EximDirect {
            enabled: false,
            budget: 100_000.0,
            rate_annual: 0.0531,
            eligible: Eligibility::default(),
            exporters_only: true,
            max_amount_kusd: 1_000.0,
            screening_noise: 0.6,
            min_score: 0.3,
            tenor_months: 6,
        }
    }
}

/// Exim on-lending: funds lent to commercial banks at `rate_annual`,
/// earmarked for trade finance to SMEs. Each bank gets a share in
/// proportion to its equity; an SME loan funded from it costs the bank the
/// on-lending rate instead of its deposit funding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct OnLending {
    /// Default false.
    pub enabled: bool,
    /// Funds available, kUSD for 10,000 firms (≥ 0). Default 200000.
    pub funds: f64,
    /// Rate banks pay on them (≥ 0, ≤ 1). Default 0.02.
    pub rate_annual: f64,
}

impl Default for OnLending {
    fn default() -> Self {
        OnLending {
            enabled: false,
            funds: 200_000.0,
            rate_annual: 0.02,
        }
    }
}

/// The export credit insurer (Sinosure-like). A firm it reaches insures
/// its open-account and collection export orders of a month when the
/// benefit it sees exceeds the premium it pays: `awareness × m × p ×
/// indemnity_share (+ financing value, if short of finance and its main
/// bank lends against insured receivables) > premium × (1 − subsidy)`,
/// with p the buyer default probability and m management quality.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Insurance {
    /// Default false.
    pub enabled: bool,
    /// Premium as a share of the insured export value (in [0, 0.2]).
    /// Default 0.006 (Sinosure short-term cover, 2004: 0.4–0.8 %).
    pub premium_rate: f64,
    /// Share of an unpaid insured receivable the insurer pays (in [0, 1]).
    /// Default 0.9 (90–95 %).
    pub indemnity_share: f64,
    /// Months between the buyer's default and the indemnity reaching the
    /// firm (≥ 0, ≤ 6); a bank the policy is assigned to is paid at once.
    /// Default 4.
    pub claim_delay_months: u32,
    /// Share of an SME's premium paid by the budget (in [0, 1]). Default 0.
    pub sme_premium_subsidy: f64,
    /// Share of SMEs the insurer serves (in [0, 1]); it serves every large
    /// firm. Default 0.3.
    pub reach: f64,
    /// How many times the true buyer default risk a firm with management
    /// quality 1 perceives (≥ 0). Default 1.
    pub risk_awareness: f64,
    /// Value per kUSD insured of being able to borrow against it, for a
    /// firm short of finance whose main bank offers `insurance_backed`
    /// (≥ 0, ≤ 1). Default 0.01.
    pub financing_value: f64,
}

impl Default for Insurance {
    fn default() -> Self {
        Insurance {
            enabled: false,
            premium_rate: 0.006,
            indemnity_share: 0.9,
            claim_delay_months: 4,
            sme_premium_subsidy: 0.0,
            reach: 0.3,
            risk_awareness: 1.0,
            financing_value: 0.01,
        }
    }
}

/// Shares by size class (each in [0, 1]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ByClass {
    /// Micro firms (in [0, 1]).
    pub micro: f64,
    /// Small firms (in [0, 1]).
    pub small: f64,
    /// Medium firms (in [0, 1]).
    pub medium: f64,
    /// Large firms (in [0, 1]).
    pub large: f64,
}

impl Default for ByClass {
    fn default() -> Self {
        ByClass {
            micro: 0.1,
            small: 0.3,
            medium: 0.6,
            large: 0.9,
        }
    }
}

/// A credit information system. Each firm has a fixed rank u ~ U(0, 1)
/// and is covered while u < coverage of its class + growth × years since
/// `simulation.start` (capped at 1). Banks see covered firms with less
/// noise and, with shared records, every covered firm's past defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Bureau {
    /// Default false.
    pub enabled: bool,
    /// Coverage at the start of the reported period, by class. Default
    /// micro 0.1, small 0.3, medium 0.6, large 0.9.
    pub coverage: ByClass,
    /// Coverage added per year, in share points (≥ 0, ≤ 1). Default 0.05.
    pub coverage_growth_annual: f64,
    /// Share of a bank's screening noise removed for covered firms (in [0, 1]). Default 0.4.
    pub precision_gain: f64,
    /// A covered firm's defaults are seen by every bank, not only the one
    /// it defaulted with. Default true.
    pub shared_defaults: bool,
    /// Running cost per covered firm, kUSD a year (≥ 0). Default 0.05.
    pub cost_per_covered_firm_kusd_annual: f64,
}

impl Default for Bureau {
    fn default() -> Self {
        Bureau {
            enabled: false,
            coverage: ByClass::default(),
            coverage_growth_annual: 0.05,
            precision_gain: 0.4,
            shared_defaults: true,
            cost_per_covered_firm_kusd_annual: 0.05,
        }
    }
}

/// Management training: each year a share of the untrained SMEs is
/// trained once, raising management quality m (which lowers document
/// errors and default risk and raises insurance take-up).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Training {
    /// Default false.
    pub enabled: bool,
    /// Share of untrained SMEs trained per year (in [0, 1]). Default 0.1.
    pub share_annual: f64,
    /// Added to m, capped at 1 (in [0, 1]). Default 0.15.
    pub management_gain: f64,
    /// Cost per firm trained, kUSD (≥ 0). Default 2.
    pub cost_per_firm_kusd: f64,
}

impl Default for Training {
    fn default() -> Self {
        Training {
            enabled: false,
            share_annual: 0.1,
            management_gain: 0.15,
            cost_per_firm_kusd: 2.0,
        }
    }
}

/// Banking regulation and the legal system.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Regulator {
    /// Minimum ratio of equity to risk-weighted assets (in (0, 1)). Default 0.08.
    pub min_capital_ratio: f64,
    /// Share of pledged collateral value a bank recovers through the courts
    /// (in [0, 1]). Default 0.4.
    pub recovery_rate: f64,
    /// Share of a defaulted firm's own receivables (not assigned to a bank)
    /// its creditors collect: buyers of a failed supplier dispute, delay
    /// and set off (in [0, 1]). Default 0.5.
    pub receivables_recovery_rate: f64,
    /// Risk weights by exposure.
    pub risk_weights: RiskWeights,
    /// Regulatory cap on loan rates as a multiple of the policy rate (≥ 0);
    /// `null` means none (China removed it for commercial banks in 2004).
    pub rate_cap_multiple: Option<f64>,
    /// Floor on loan rates as a multiple of the policy rate (≥ 0). Default 0.9.
    pub rate_floor_multiple: f64,
}

impl Default for Regulator {
    fn default() -> Self {
        Regulator {
            min_capital_ratio: 0.08,
            recovery_rate: 0.4,
            receivables_recovery_rate: 0.5,
            risk_weights: RiskWeights::default(),
            rate_cap_multiple: None,
            rate_floor_multiple: 0.9,
        }
    }
}

/// Risk weights (each ≥ 0, ≤ 12.5).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct RiskWeights {
    /// Loans to large firms. Default 1.0.
    pub corporate: f64,
    /// Loans to SMEs. Default 1.0 (China before the 2012 rules' 75 %).
    pub sme: f64,
    /// Self-liquidating exposures backed by export LCs (LC negotiation,
    /// red-clause and packing loans). Default 0.2.
    pub lc_backed: f64,
    /// The part of a loan guaranteed by the public guarantee agency. Default 0.2.
    pub guaranteed: f64,
    /// The part of a receivable-backed loan covered by export credit
    /// insurance (the indemnity share). Default 0.2.
    pub insured: f64,
}

impl Default for RiskWeights {
    fn default() -> Self {
        RiskWeights {
            corporate: 1.0,
            sme: 1.0,
            lc_backed: 0.2,
            guaranteed: 0.2,
            insured: 0.2,
        }
    }
}

// ---------------------------------------------------------------- shocks

/// A temporary change to a world variable from `from` to `to` inclusive:
/// exactly one of `multiply` and `add`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Shock {
    pub target: ShockTarget,
    pub from: YearMonth,
    pub to: YearMonth,
    /// Multiplies the target over the range (≥ 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multiply: Option<f64>,
    /// Added to the target over the range (any finite number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub add: Option<f64>,
}

/// What a shock changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum ShockTarget {
    #[serde(rename = "world.foreign_demand")]
    ForeignDemand,
    #[serde(rename = "world.domestic_demand")]
    DomesticDemand,
    #[serde(rename = "world.cny_per_usd")]
    CnyPerUsd,
    #[serde(rename = "world.policy_rate_annual")]
    PolicyRate,
    #[serde(rename = "world.deposit_rate_annual")]
    DepositRate,
    /// All buyer default probabilities at once.
    #[serde(rename = "world.buyer_default")]
    BuyerDefault,
    #[serde(rename = "world.buyer_default.letter_of_credit")]
    BuyerDefaultLc,
    #[serde(rename = "world.buyer_default.documentary_collection")]
    BuyerDefaultCollection,
    #[serde(rename = "world.buyer_default.open_account")]
    BuyerDefaultOpenAccount,
    #[serde(rename = "world.buyer_default.domestic")]
    BuyerDefaultDomestic,
}
