//! Economic behaviour, checked over several seeds: each test states an
//! expectation and compares a variant with the baseline replication by
//! replication (common random numbers), with a tolerance.

mod common;

use common::{assert_effect, assert_effect_in, values};
use tradefin::experiment::{Summary, run_replications};
use tradefin::scenario::{self, Override};

/// The baseline at a size that runs in a fraction of a second, with
/// `changes` applied as `--set` overrides.
fn run(changes: &[(&str, &str)]) -> Summary {
    run_with(6, 2000, changes)
}

fn run_with(replications: usize, firms: usize, changes: &[(&str, &str)]) -> Summary {
    let mut overrides = vec![
        Override::new("simulation.firms", &firms.to_string()),
        Override::new("simulation.months", "24"),
        Override::new("simulation.replications", &replications.to_string()),
    ];
    // Lets a developer check the tolerances hold for other seeds too.
    if let Ok(seed) = std::env::var("TRADEFIN_TEST_SEED") {
        overrides.push(Override::new("simulation.seed", &seed));
    }
    overrides.extend(changes.iter().map(|(path, value)| Override::new(path, value)));
    let s = scenario::load("baseline", &overrides).expect("a valid test scenario");
    Summary::new(&run_replications(&s).expect("the run passes its invariant checks"))
}

fn all_bank_types(path: &str, value: &str) -> Vec<(String, String)> {
    (0..3)
        .map(|i| (format!("banks.types[{i}].{path}"), value.to_string()))
        .collect()
}

fn as_refs(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect()
}

#[test]
fn smes_are_approved_less_often_than_large_firms() {
    let base = run(&[]);
    let sme = values(&base, "approval_rate_sme");
    let large = values(&base, "approval_rate_large");
    for (s, l) in sme.iter().zip(&large) {
        assert!(s + 0.2 < *l, "SME approval {s} vs large {l}");
    }
}

#[test]
fn higher_sme_thresholds_lower_sme_approval() {
    let stricter = [
        all_bank_types("sme_thresholds.min_score", "0.5"),
        all_bank_types("sme_thresholds.min_collateral_coverage", "1.0"),
    ]
    .concat();
    assert_effect(
        &run(&[]),
        &run(&as_refs(&stricter)),
        "approval_rate_sme",
        -1.0,
        0.05,
    );
}

/// Banks that see creditworthiness badly lend to worse firms: more of the
/// firms they lend to default (defaults per borrower, annualised). The
/// effect is a fifth of the level, so this test uses more firms and seeds.
#[test]
fn noisier_screening_raises_defaults_among_borrowers() {
    let careful = all_bank_types("screening_noise", "0.1");
    let noisy = all_bank_types("screening_noise", "3.0");
    let careful = run_with(10, 4000, &as_refs(&careful));
    let noisy = run_with(10, 4000, &as_refs(&noisy));
    assert_effect_in(&careful, &noisy, "firm_default_rate", 1.0, 0.002, 7);
}

#[test]
fn a_foreign_demand_shock_lowers_exports() {
    let shock =
        r#"[{"target": "world.foreign_demand", "from": "2006-01", "to": "2007-12", "multiply": 0.7}]"#;
    let base = run(&[]);
    let shocked = run(&[("shocks", shock)]);
    assert_effect(&base, &shocked, "exports", -1.0, 0.0);
    // A 30 % fall in demand takes at least a tenth off exports (less, as
    // fewer orders need less finance and fewer are lost).
    let (b, s) = (values(&base, "exports"), values(&shocked, "exports"));
    for (b, s) in b.iter().zip(&s) {
        assert!(s < &(0.9 * b), "exports {s} vs {b}");
    }
}

#[test]
fn less_bank_equity_lowers_approvals() {
    let thin = [
        ("banks.types[0].equity_kusd_per_firm", "2"),
        ("banks.types[1].equity_kusd_per_firm", "1"),
        ("banks.types[2].equity_kusd_per_firm", "0.5"),
    ];
    let (base, thin) = (run(&[]), run(&thin));
    assert_effect(&base, &thin, "approval_rate_all", -1.0, 0.05);
    assert_effect(&base, &thin, "rejection_share_capital_sme", 1.0, 0.05);
}
