//! Extreme but valid parameters (issue 7): one firm, one bank, banks
//! without capital, full guarantee cover, every buyer defaulting, no
//! demand, every firm or no firm exporting, nothing recovered, no loan
//! affordable, and all of them at once. Each must run to completion with
//! money conserved, balance sheets balanced, the engine's invariant
//! checks passing and every metric finite or absent — or be rejected up
//! front with a reason. And every shipped scenario passes the invariant
//! checks at its own size.

use tradefin::experiment::Summary;
use tradefin::scenario::{self, Override, Scenario};
use tradefin::sim::{Replication, audit, invariants, month, run_replication};

/// `base` with `sets` (PATH=VALUE) on a small population.
fn scenario(base: &str, sets: &[&str]) -> Scenario {
    let mut overrides = vec![
        Override::new("simulation.firms", "300"),
        Override::new("simulation.burn_in_months", "6"),
        Override::new("simulation.months", "18"),
        Override::new("simulation.replications", "2"),
    ];
    overrides.extend(sets.iter().map(|s| Override::parse(s).unwrap()));
    scenario::load(base, &overrides).unwrap_or_else(|e| panic!("{base} {sets:?}: {e}"))
}

/// Runs every replication month by month under the full audit and the
/// invariant checks, then through `run_replication`; returns the summary.
fn runs_clean(s: &Scenario) -> Summary {
    for r in 0..s.simulation.replications {
        let mut rep = Replication::new(s, r);
        for t in 0..s.simulation.burn_in_months + s.simulation.months {
            let before = audit::money(&rep);
            let metrics = month::step(&mut rep);
            let problems = audit::audit(&rep, before);
            assert!(problems.is_empty(), "replication {r}, month {t}: {problems:#?}");
            if let Err(v) = invariants::check_month(&rep, &metrics) {
                panic!("{v}");
            }
            for (name, v) in &metrics {
                assert!(
                    v.get().is_none_or(f64::is_finite),
                    "replication {r}, month {t}: {name} = {v:?}"
                );
            }
        }
    }
    let results: Vec<_> = (0..s.simulation.replications)
        .map(|r| run_replication(s, r).unwrap_or_else(|e| panic!("{e}")))
        .collect();
    let summary = Summary::new(&results);
    for (name, estimate) in summary.names.iter().zip(&summary.estimates) {
        if let Some(e) = estimate {
            assert!(e.mean.is_finite(), "{name}: {e:?}");
        }
    }
    summary
}

fn mean(summary: &Summary, name: &str) -> f64 {
    summary.get(name).map(|e| e.mean).unwrap_or(f64::NAN)
}

#[test]
fn one_firm() {
    for base in ["baseline", "policy_package"] {
        let s = runs_clean(&scenario(base, &["simulation.firms=1"]));
        assert_eq!(mean(&s, "firms"), 1.0, "{base}: the population stays at one firm");
    }
    // Guarantee groups need two firms; with one, there are none.
    runs_clean(&scenario(
        "baseline",
        &["simulation.firms=1", "firms.guarantee_groups.share_of_smes=1"],
    ));
}

#[test]
fn one_bank() {
    for firms in ["simulation.firms=1", "simulation.firms=300"] {
        runs_clean(&scenario(
            "baseline",
            &[firms, r#"banks.types=[{"name": "only", "count": 1}]"#],
        ));
    }
}

#[test]
fn every_bank_without_capital() {
    let sets: Vec<String> = (0..3)
        .map(|i| format!("banks.types[{i}].equity_kusd_per_firm=0"))
        .collect();
    let sets: Vec<&str> = sets.iter().map(String::as_str).collect();
    let s = runs_clean(&scenario("baseline", &sets));
    // Capital limits lending: without it, banks lend nothing.
    assert_eq!(mean(&s, "credit_new_sme"), 0.0);
    runs_clean(&scenario("policy_package", &sets));
}

#[test]
fn guarantee_coverage_one() {
    let s = runs_clean(&scenario(
        "credit_guarantee",
        &[
            "government.guarantee.coverage=1",
            "government.guarantee.leverage=50",
        ],
    ));
    assert!(mean(&s, "guarantee_outstanding") > 0.0);
}

#[test]
fn every_buyer_defaulting() {
    let sets = [
        "world.buyer_default.letter_of_credit=1",
        "world.buyer_default.documentary_collection=1",
        "world.buyer_default.open_account=1",
        "world.buyer_default.domestic=1",
        "world.lc_discrepancy_base=1",
    ];
    for base in ["baseline", "policy_package"] {
        let s = runs_clean(&scenario(base, &sets));
        assert!(mean(&s, "firm_default_rate") > 0.0, "{base}");
    }
}

#[test]
fn no_demand_at_all() {
    let shocks = r#"shocks=[
        {"target": "world.foreign_demand", "from": "2000-01", "to": "2100-12", "multiply": 0},
        {"target": "world.domestic_demand", "from": "2000-01", "to": "2100-12", "multiply": 0}]"#;
    let s = runs_clean(&scenario("baseline", &[shocks]));
    assert_eq!(mean(&s, "exports"), 0.0);
}

#[test]
fn every_firm_exporting_and_none() {
    let all = runs_clean(&scenario(
        "baseline",
        &[
            "firms.export.productivity_cutoff=1",
            "firms.export.cutoff_dispersion=0",
            "firms.export.exit_hazard_annual=0",
        ],
    ));
    // Every initial firm exports; entrants start without exporting.
    assert!(
        mean(&all, "exporter_share") > 0.8,
        "{:?}",
        all.get("exporter_share")
    );
    let none = runs_clean(&scenario(
        "baseline",
        &[
            "firms.export.productivity_cutoff=1e12",
            "firms.export.entry_consideration_annual=0",
        ],
    ));
    assert_eq!(mean(&none, "exports"), 0.0);
}

#[test]
fn nothing_recovered_and_no_loan_affordable() {
    runs_clean(&scenario(
        "policy_package",
        &[
            "government.regulator.recovery_rate=0",
            "government.regulator.receivables_recovery_rate=0",
            "government.insurance.indemnity_share=0",
        ],
    ));
    let s = runs_clean(&scenario(
        "baseline",
        &["government.regulator.rate_cap_multiple=0"],
    ));
    assert_eq!(mean(&s, "credit_new_sme"), 0.0);
}

#[test]
fn everything_at_once() {
    let mut sets = vec![
        "simulation.firms=2",
        r#"banks.types=[{"name": "only", "count": 1, "equity_kusd_per_firm": 0}]"#,
        "government.guarantee.coverage=1",
        "world.buyer_default.open_account=1",
        "world.buyer_default.domestic=1",
        "government.regulator.recovery_rate=0",
        "firms.guarantee_groups.share_of_smes=1",
        "firms.export.productivity_cutoff=1",
        "firms.export.cutoff_dispersion=0",
    ];
    runs_clean(&scenario("policy_package", &sets));
    sets[0] = "simulation.firms=500";
    runs_clean(&scenario("policy_package", &sets));
}

/// A normal run of every shipped scenario, at its own size, passes the
/// engine's invariant checks in every month (one replication each).
#[test]
fn every_shipped_scenario_passes_the_invariant_checks() {
    for builtin in scenario::builtins().unwrap() {
        let mut s = scenario::load(&builtin.name, &[]).unwrap();
        s.simulation.replications = 1;
        if let Err(e) = run_replication(&s, 0) {
            panic!("{}: {e}", builtin.name);
        }
    }
}

/// When the checks fire, the run stops with a runtime error (exit code 1)
/// and leaves no result file under its final name. No valid scenario gets
/// there, so the state is corrupted behind validation's back.
#[test]
fn a_violation_writes_no_result_file() {
    let mut s = scenario("baseline", &[]);
    s.banks.types[0].equity_kusd_per_firm = f64::NAN;
    let dir = tempfile::tempdir().unwrap();
    let options = tradefin::experiment::Options::default();
    let error = tradefin::experiment::run_scenario(&s, &dir.path().join("run"), &options).unwrap_err();
    assert!(!error.is_input());
    assert!(
        error.to_string().starts_with(
            "the simulation reached an impossible state: replication 0, month 2005-07 (simulation month 0, burn-in): bank 0 "
        ),
        "{error}"
    );
    // Only the finished replications' cells (none here) may be there.
    assert_eq!(result_files(&dir.path().join("run")), Vec::<String>::new());

    let good = scenario("baseline", &[]);
    let sweep = tradefin::experiment::sweep::Sweep {
        name: "broken".into(),
        description: String::new(),
        base: "baseline".into(),
        design: tradefin::experiment::sweep::Design::Grid,
        parameters: vec!["banks.types[0].equity_kusd_per_firm".into()],
        points: vec![
            (vec![serde_json::json!(1.0)], good),
            (vec![serde_json::json!("NaN")], s),
        ],
    };
    let out = dir.path().join("sweep");
    let options = tradefin::experiment::SweepOptions::default();
    let error = tradefin::experiment::run_sweep(&sweep, &out, &options).unwrap_err();
    assert!(matches!(error, tradefin::Error::Invariant(_)), "{error}");
    assert_eq!(result_files(&out), Vec::<String>::new());
}

/// The files in `dir` under a final name, besides the `cells/` kept for
/// `--resume` (none if `dir` was never made).
fn result_files(dir: &std::path::Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| !name.starts_with('.') && name != "cells")
        .collect()
}
