//! Property: whatever the (valid) parameters, money is conserved and every
//! balance sheet balances in every month — nothing is created or destroyed
//! except through an explicit flow — and no metric is NaN or infinite.

use proptest::prelude::*;

use tradefin::model::government::AGENTS;
use tradefin::scenario::{self, Override, Scenario};
use tradefin::sim::{Replication, audit, month};

/// A scenario drawn from wide but valid ranges, as `--set` overrides on the
/// baseline so that validation vets it like user input.
fn scenario_strategy() -> impl Strategy<Value = Scenario> {
    let a = (
        20u32..300,
        0u32..12,
        6u32..30,
        1u32..5,
        prop::collection::vec(0.0f64..40.0, 3),
        0.0f64..3.0,
        0.0f64..=1.0,
        0.0f64..=1.0,
        2u32..6,
        any::<u64>(),
    );
    let b = (
        0.0f64..0.5,
        0.0f64..0.3,
        0.0f64..1.0,
        0.0f64..5.0,
        0.0f64..2.0,
        any::<bool>(),
        0.0f64..20.0,
        0.5f64..4.0,
        -0.3f64..0.5,
        0.0f64..0.2,
        any::<bool>(),
    );
    // Government programmes, each on or off, and their main settings.
    let c = (
        prop::collection::vec(any::<bool>(), 6),
        0.05f64..=1.0,
        0.0f64..20_000.0,
        0.0f64..=1.0,
        0u32..=6,
        any::<bool>(),
    );
    (a, b, c).prop_map(
        |(
            (firms, burn_in, months, breadth, equity, noise, recovery, groups, group_max, seed),
            (oa_default, domestic_default, loss_p, loss_size, shock, urm, min_loan, cap, growth, buffer, full_menu),
            (programmes, coverage, money, share, delay, recourse),
        )| {
            let mut sets: Vec<(String, String)> = vec![
                ("simulation.firms".into(), firms.to_string()),
                ("simulation.burn_in_months".into(), burn_in.to_string()),
                ("simulation.months".into(), months.to_string()),
                ("simulation.replications".into(), "1".into()),
                ("simulation.seed".into(), seed.to_string()),
                ("banks.search_breadth".into(), breadth.to_string()),
                ("government.regulator.recovery_rate".into(), recovery.to_string()),
                ("firms.guarantee_groups.share_of_smes".into(), groups.to_string()),
                ("firms.guarantee_groups.max_size".into(), group_max.to_string()),
                ("world.buyer_default.open_account".into(), oa_default.to_string()),
                ("world.buyer_default.domestic".into(), domestic_default.to_string()),
                ("firms.operating_loss.probability_annual".into(), loss_p.to_string()),
                ("firms.operating_loss.size_months".into(), loss_size.to_string()),
                ("banks.min_loan_kusd".into(), min_loan.to_string()),
                ("firms.demography.population_growth_annual".into(), growth.to_string()),
                (
                    "shocks".into(),
                    format!(
                        r#"[{{"target": "world.foreign_demand", "from": "2006-06", "to": "2006-12", "multiply": {shock}}}]"#
                    ),
                ),
            ];
            for (i, e) in equity.iter().enumerate() {
                let t = format!("banks.types[{i}]");
                sets.push((format!("{t}.equity_kusd_per_firm"), e.to_string()));
                sets.push((format!("{t}.screening_noise"), noise.to_string()));
                sets.push((format!("{t}.unified_risk_management"), urm.to_string()));
                sets.push((format!("{t}.rate_cap_multiple"), cap.to_string()));
                sets.push((format!("{t}.capital_buffer"), buffer.to_string()));
                if full_menu {
                    sets.push((
                        format!("{t}.products"),
                        r#"["lc_negotiation", "red_clause", "packing_loan", "insurance_backed",
                            "factoring", "import_lc", "working_capital"]"#
                            .into(),
                    ));
                }
            }
            let on = |k: usize| programmes[k].to_string();
            sets.extend([
                ("government.guarantee.enabled".into(), on(0)),
                ("government.guarantee.coverage".into(), coverage.to_string()),
                ("government.guarantee.fund".into(), money.to_string()),
                ("government.exim.direct.enabled".into(), on(1)),
                ("government.exim.direct.budget".into(), money.to_string()),
                ("government.exim.on_lending.enabled".into(), on(2)),
                ("government.exim.on_lending.funds".into(), money.to_string()),
                ("government.insurance.enabled".into(), on(3)),
                ("government.insurance.reach".into(), share.to_string()),
                ("government.insurance.sme_premium_subsidy".into(), share.to_string()),
                ("government.insurance.claim_delay_months".into(), delay.to_string()),
                ("government.bureau.enabled".into(), on(4)),
                ("government.training.enabled".into(), on(5)),
                ("government.training.share_annual".into(), share.to_string()),
                ("banks.products.factoring.recourse".into(), recourse.to_string()),
            ]);
            let overrides: Vec<Override> = sets.iter().map(|(p, v)| Override::new(p, v)).collect();
            scenario::load("baseline", &overrides).expect("generated scenarios are valid")
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn money_is_conserved_and_metrics_are_finite(s in scenario_strategy()) {
        let mut rep = Replication::new(&s, 0);
        let total = s.simulation.burn_in_months + s.simulation.months;
        for t in 0..total {
            let before = audit::money(&rep);
            let values = month::step(&mut rep);
            let problems = audit::audit(&rep, before);
            prop_assert!(problems.is_empty(), "month {t}: {problems:#?}");
            for (name, value) in values {
                prop_assert!(value.num.is_finite() && value.den.is_finite(), "{name} at month {t}: {value:?}");
                if let Some(x) = value.get() {
                    prop_assert!(x.is_finite(), "{name} at month {t} = {x}");
                }
            }
        }
    }
}

/// The audit is not vacuous: it notices money that appears from nowhere
/// and a balance sheet that does not balance.
#[test]
fn the_audit_catches_created_money_and_broken_books() {
    let mut s = scenario::load("baseline", &[Override::new("simulation.firms", "50")]).unwrap();
    s.simulation.burn_in_months = 0;
    let mut rep = Replication::new(&s, 0);
    let before = audit::money(&rep);
    month::step(&mut rep);
    assert!(audit::audit(&rep, before).is_empty());
    let before = audit::money(&rep);
    month::step(&mut rep);
    rep.firms[3].cash_kusd += 1.0;
    let problems = audit::audit(&rep, before);
    assert!(
        problems.iter().any(|p| p.contains("money changed")),
        "{problems:?}"
    );
    rep.firms[3].cash_kusd -= 1.0;
    rep.banks[0].equity += 1.0;
    let problems = audit::audit(&rep, before);
    assert!(
        problems.iter().any(|p| p.contains("balance sheet")),
        "{problems:?}"
    );
}

/// The fiscal cost is the sum of the government agents' net costs, and
/// each agent's accounts agree with the money that moved between it and
/// the rest of the model, month by month.
#[test]
fn fiscal_cost_is_the_sum_of_the_agents_flows() {
    for name in ["policy_package", "crisis_2009_package", "developed_benchmark"] {
        let s = scenario::load(name, &[Override::new("simulation.firms", "1500")]).unwrap();
        let mut rep = Replication::new(&s, 0);
        let mut costs = [0.0; 6];
        let total = s.simulation.burn_in_months + s.simulation.months;
        for t in 0..total {
            let exim_before = rep.government.exim.outstanding;
            let values = month::step(&mut rep);
            let get = |metric: &str| {
                values
                    .iter()
                    .find(|(n, _)| *n == metric)
                    .and_then(|(_, v)| v.get())
                    .unwrap_or_else(|| panic!("{metric} undefined"))
            };
            let agents = AGENTS.map(|a| get(&format!("fiscal_cost_{a}")));
            let sum: f64 = agents.iter().sum();
            let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * (1.0 + a.abs() + b.abs());
            assert!(close(get("fiscal_cost"), sum), "{name} month {t}");

            // Against the money flows of the ledger.
            let (a, l) = (&rep.accounts, &rep.ledger);
            assert!(
                close(agents[0], l.guarantee_claims - l.guarantee_fees),
                "{name} month {t}"
            );
            assert!(
                close(agents[2], l.insurance_indemnities - l.insurance_premiums),
                "{name} month {t}: insurance"
            );
            assert!(close(agents[5], l.recapitalisation), "{name} month {t}");
            assert!(
                close(a.on_lending_interest, l.on_lending_interest),
                "{name} month {t}"
            );
            // Exim: interest less losses is what came back less the
            // principal of the loans that closed.
            let principal_closed = l.exim_disbursed - (rep.government.exim.outstanding - exim_before);
            assert!(
                close(a.exim_interest - a.exim_losses, l.exim_repaid - principal_closed),
                "{name} month {t}: exim"
            );
            for (c, x) in costs.iter_mut().zip(agents) {
                *c += x;
            }
        }
        // Every programme of these scenarios was active.
        let g = &s.government;
        let enabled = [
            g.guarantee.enabled,
            g.exim.direct.enabled || g.exim.on_lending.enabled,
            g.insurance.enabled,
            g.bureau.enabled,
            g.training.enabled,
        ];
        for ((agent, cost), on) in AGENTS.iter().zip(costs).zip(enabled) {
            assert_eq!(cost != 0.0, on, "{name}: {agent} flows {cost}");
        }
    }
}
