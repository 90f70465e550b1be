//! Each shipped policy scenario against its reference with the same seeds
//! (common random numbers): the policy's first-order effect has the
//! intended sign in all but one replication, and on average.

mod common;

use common::{assert_effect, assert_effect_in, values};
use tradefin::experiment::{Summary, run_replications};
use tradefin::scenario::{self, Override};

const REPLICATIONS: usize = 6;

/// A built-in scenario at a size that runs in a fraction of a second.
fn run(name: &str, changes: &[(&str, &str)]) -> Summary {
    let mut overrides = vec![
        Override::new("simulation.firms", "2000"),
        Override::new("simulation.replications", &REPLICATIONS.to_string()),
    ];
    if let Ok(seed) = std::env::var("TRADEFIN_TEST_SEED") {
        overrides.push(Override::new("simulation.seed", &seed));
    }
    overrides.extend(changes.iter().map(|(path, value)| Override::new(path, value)));
    let s = scenario::load(name, &overrides).expect("a valid test scenario");
    Summary::new(&run_replications(&s).expect("the run passes its invariant checks"))
}

/// Every replication has `metric` above `low`.
fn assert_all_above(s: &Summary, metric: &str, low: f64) {
    let v = values(s, metric);
    assert!(v.iter().all(|x| *x > low), "{metric}: {v:?} not all above {low}");
}

/// A rare event: `metric` is positive in at least half the replications.
fn assert_mostly_positive(s: &Summary, metric: &str) {
    let v = values(s, metric);
    let positive = v.iter().filter(|x| **x > 0.0).count();
    assert!(2 * positive >= v.len(), "{metric}: {v:?} mostly zero");
}

/// The calibrated banks' thresholds are low, so few SME rejections are for
/// score or collateral, the ones a guarantee can cure: the effect on the
/// approval rate is a few tenths of a point, measured here on more firms
/// and seeds, with two of ten replications allowed to disagree.
#[test]
fn guarantees_raise_sme_approval_and_create_claims() {
    let bigger = [("simulation.firms", "5000"), ("simulation.replications", "10")];
    let (base, policy) = (run("baseline", &bigger), run("credit_guarantee", &bigger));
    assert_effect_in(&base, &policy, "approval_rate_sme", 1.0, 0.0, 8);
    assert_all_above(&policy, "guarantee_outstanding", 0.0);
    // Most guaranteed loans are secured too: claims are rare.
    assert_mostly_positive(&policy, "guarantee_claims");
    assert_all_above(&policy, "additional_credit_guarantee", 0.0);
    assert_eq!(values(&base, "guarantee_outstanding"), vec![0.0; 10]);
}

#[test]
fn exim_support_lends_and_raises_sme_exports() {
    let (base, policy) = (run("baseline", &[]), run("exim_support", &[]));
    assert_all_above(&policy, "exim_lending", 0.0);
    assert_all_above(&policy, "additional_credit_exim", 0.0);
    assert_effect(&base, &policy, "approval_rate_sme", 1.0, 0.01);
    assert_effect(&base, &policy, "lending_rate_sme", -1.0, 0.0);
    assert_effect(&base, &policy, "exports_total", 1.0, 0.0);
}

#[test]
fn lower_thresholds_raise_sme_approval_and_defaults() {
    let (base, policy) = (run("baseline", &[]), run("lower_threshold", &[]));
    assert_effect(&base, &policy, "approval_rate_sme", 1.0, 0.005);
    assert_effect(&base, &policy, "rejection_share_threshold_sme", -1.0, 0.02);
    assert_effect(&base, &policy, "exports_total", 1.0, 0.0);
}

#[test]
fn the_credit_bureau_lowers_screening_error_for_smes() {
    let (base, policy) = (run("baseline", &[]), run("credit_bureau", &[]));
    assert_all_above(&policy, "bureau_coverage_sme", 0.1);
    assert_effect(&base, &policy, "screening_error_sme", -1.0, 0.002);
}

#[test]
fn export_insurance_raises_insured_exports_and_backs_finance() {
    let (base, policy) = (run("baseline", &[]), run("export_insurance", &[]));
    assert_effect(&base, &policy, "insured_exports", 1.0, 0.0);
    assert_effect(&base, &policy, "insured_export_share", 1.0, 0.02);
    assert_all_above(&policy, "credit_new_insurance_backed", 0.0);
    assert_all_above(&policy, "insurance_claims", 0.0);
    assert_effect(&base, &policy, "fiscal_cost_insurance", 1.0, 0.0);
}

#[test]
fn product_innovation_widens_the_menu_and_raises_sme_credit() {
    let (base, policy) = (run("baseline", &[]), run("product_innovation", &[]));
    for product in ["lc_negotiation", "red_clause", "factoring", "import_lc"] {
        assert_all_above(&policy, &format!("credit_new_{product}"), 0.0);
    }
    assert_effect(&base, &policy, "approval_rate_sme", 1.0, 0.01);
    assert_effect(&base, &policy, "credit_new_sme", 1.0, 0.0);
}

#[test]
fn management_training_raises_management_quality() {
    let (base, policy) = (run("baseline", &[]), run("management_training", &[]));
    assert_all_above(&policy, "trained_share_sme", 0.1);
    assert_all_above(&policy, "fiscal_cost_training", 0.0);
    assert_effect(&base, &policy, "management_quality_sme", 1.0, 0.02);
}

/// Better-managed firms default less; the effect is a few per cent of the
/// level, so this test uses more firms and seeds, and allows three of ten
/// replications to disagree.
#[test]
fn management_training_lowers_defaults() {
    let bigger = [("simulation.firms", "5000"), ("simulation.replications", "10")];
    let (base, policy) = (run("baseline", &bigger), run("management_training", &bigger));
    let (b, p) = (
        values(&base, "firm_default_rate"),
        values(&policy, "firm_default_rate"),
    );
    let lower = p.iter().zip(&b).filter(|(p, b)| p < b).count();
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    assert!(
        lower >= 7 && mean(&p) < mean(&b),
        "baseline {b:?}, training {p:?}"
    );
}

#[test]
fn risk_weight_relief_frees_capital() {
    let (base, policy) = (run("baseline", &[]), run("risk_weight_relief", &[]));
    assert_effect(&base, &policy, "bank_capital_ratio", 1.0, 0.01);
    assert_effect(&base, &policy, "credit_new_sme", 1.0, 0.0);
}

#[test]
fn the_package_and_the_benchmark_finance_more_smes() {
    let base = run("baseline", &[]);
    for name in ["policy_package", "developed_benchmark"] {
        let policy = run(name, &[]);
        assert_effect(&base, &policy, "approval_rate_sme", 1.0, 0.05);
        assert_effect(&base, &policy, "financing_gap_share_sme", -1.0, 0.03);
        assert_effect(&base, &policy, "exports_total", 1.0, 0.0);
        if name == "policy_package" {
            // Subsidies, training and the bureau cost money; the benchmark
            // has no subsidies and its Exim bank lends above its cost of funds.
            assert_effect(&base, &policy, "fiscal_cost_total", 1.0, 0.0);
        }
    }
}

#[test]
fn the_2009_crisis_lowers_exports_and_the_package_softens_it() {
    let calm = run("crisis_2009", &[("shocks", "[]")]);
    let crisis = run("crisis_2009", &[]);
    let package = run("crisis_2009_package", &[]);
    assert_effect(&calm, &crisis, "exports_total", -1.0, 0.0);
    assert_effect(&calm, &crisis, "approval_rate_sme", -1.0, 0.0);
    assert_effect(&crisis, &package, "approval_rate_sme", 1.0, 0.05);
    assert_effect(&crisis, &package, "exports_total", 1.0, 0.0);
}

/// Arrays replace in `extends`, so a policy that changes one thing about
/// the banks restates every bank type. Those copies must equal the
/// baseline's in everything the policy does not mean to change (else a
/// recalibrated baseline leaves stale values in them), and
/// `lower_threshold` halves the baseline's thresholds.
#[test]
fn policy_files_change_the_banks_only_where_they_say() {
    let intended: [(&str, &[&str]); 5] = [
        ("lower_threshold", &["sme_thresholds"]),
        ("export_insurance", &["products"]),
        ("product_innovation", &["products"]),
        ("policy_package", &["products", "unified_risk_management"]),
        (
            "developed_benchmark",
            &[
                "products",
                "unified_risk_management",
                "sme_thresholds",
                "screening_noise",
            ],
        ),
    ];
    let json = |name: &str| serde_json::to_value(scenario::load(name, &[]).unwrap().banks.types).unwrap();
    let base = json("baseline");
    for (name, changed) in intended {
        let policy = json(name);
        let (base, policy) = (base.as_array().unwrap(), policy.as_array().unwrap());
        assert_eq!(base.len(), policy.len(), "{name}");
        for (b, p) in base.iter().zip(policy) {
            for (key, value) in b.as_object().unwrap() {
                if !changed.contains(&key.as_str()) {
                    assert_eq!(&p[key], value, "{name}: {} {key}", b["name"]);
                }
            }
        }
        if name == "lower_threshold" {
            for (b, p) in base.iter().zip(policy) {
                for key in [
                    "min_employees",
                    "min_annual_revenue_kusd",
                    "min_age_months",
                    "min_score",
                ] {
                    let (b, p) = (&b["sme_thresholds"][key], &p["sme_thresholds"][key]);
                    let half = b.as_f64().unwrap() / 2.0;
                    assert!((p.as_f64().unwrap() - half).abs() < 1e-9 * (1.0 + half), "{key}");
                }
            }
        }
    }
}
