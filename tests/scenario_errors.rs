//! `tradefin check` on bad scenario files: each must exit with code 2 and an
//! error naming the file (or `--set`), the JSON path and the offending
//! value, never a panic.

use std::path::Path;
use std::process::{Command, Output};

fn tradefin(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tradefin"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("running tradefin")
}

/// Writes `files` into a fresh directory.
fn files(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

/// Runs `tradefin ARGS` in `dir`, expects bad input (exit code 2) and an
/// error containing every one of `expected`; returns stderr.
fn rejects(dir: &Path, args: &[&str], expected: &[&str]) -> String {
    let output = tradefin(dir, args);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(
        output.status.code(),
        Some(2),
        "tradefin {args:?}: stderr: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(output.stdout.is_empty(), "printed a scenario for bad input");
    for part in expected {
        assert!(stderr.contains(part), "stderr lacks {part:?}: {stderr}");
    }
    stderr
}

fn check_file(text: &str, expected: &[&str]) -> String {
    let dir = files(&[("bad.json", text)]);
    rejects(dir.path(), &["check", "bad.json"], expected)
}

#[test]
fn unknown_key() {
    check_file(
        r#"{"banks": {"search_bredth": 3}}"#,
        &[
            "tradefin: bad.json: banks.search_bredth: unknown field `search_bredth`",
            "did you mean `search_breadth`?",
        ],
    );
}

#[test]
fn wrong_type() {
    check_file(
        r#"{"simulation": {"months": "many"}}"#,
        &["tradefin: bad.json: simulation.months = \"many\": must be a whole number ≥ 0"],
    );
}

#[test]
fn probability_outside_0_1() {
    check_file(
        r#"{"government": {"regulator": {"recovery_rate": 1.4}}}"#,
        &["tradefin: bad.json: government.regulator.recovery_rate = 1.4: must be between 0 and 1"],
    );
}

#[test]
fn negative_count() {
    check_file(
        r#"{"simulation": {"firms": -5}}"#,
        &["tradefin: bad.json: simulation.firms = -5: must be a whole number ≥ 0"],
    );
}

#[test]
fn zero_count() {
    check_file(
        r#"{"banks": {"types": [{"name": "only", "count": 0}]}}"#,
        &["tradefin: bad.json: banks.types[0].count = 0: must be ≥ 1"],
    );
}

#[test]
fn shock_from_after_to() {
    check_file(
        r#"{"shocks": [{"target": "world.foreign_demand", "from": "2009-03", "to": "2008-11", "multiply": 0.8}]}"#,
        &[r#"tradefin: bad.json: shocks[0].from = "2009-03": must not be after shocks[0].to ("2008-11")"#],
    );
}

#[test]
fn every_validation_problem_is_reported() {
    let stderr = check_file(
        r#"{"simulation": {"replications": 0}, "world": {"lc_discrepancy_base": -0.2}}"#,
        &[
            "tradefin: bad.json: simulation.replications = 0: must be between 1 and 1000000\n",
            "\nbad.json: world.lc_discrepancy_base = -0.2: must be between 0 and 1",
        ],
    );
    assert_eq!(stderr.lines().count(), 2, "{stderr}");
}

#[test]
fn cyclic_extends() {
    let dir = files(&[
        ("a.json", r#"{"extends": "b.json"}"#),
        ("b.json", r#"{"extends": "a.json"}"#),
    ]);
    rejects(
        dir.path(),
        &["check", "a.json"],
        &[r#"tradefin: b.json: extends = "a.json": cyclic extends: a.json → b.json → a.json"#],
    );
}

#[test]
fn missing_extends() {
    let dir = files(&[("child.json", r#"{"extends": "parent.json"}"#)]);
    rejects(
        dir.path(),
        &["check", "child.json"],
        &[r#"tradefin: child.json: extends = "parent.json": no file parent.json and no built-in scenario"#],
    );
}

#[test]
fn problem_in_a_parent_names_the_parent() {
    let dir = files(&[
        ("parent.json", r#"{"banks": {"search_breadth": 0}}"#),
        ("child.json", r#"{"extends": "parent.json"}"#),
    ]);
    rejects(
        dir.path(),
        &["check", "child.json"],
        &["tradefin: parent.json: banks.search_breadth = 0: must be ≥ 1"],
    );
}

#[test]
fn unknown_set_path() {
    let dir = files(&[]);
    rejects(
        dir.path(),
        &["check", "baseline", "--set", "banks.search_bredth=3"],
        &[
            "tradefin: --set: banks.search_bredth = 3: unknown key `search_bredth` in `banks`; valid keys: ",
            "search_breadth",
        ],
    );
}

#[test]
fn set_value_out_of_range() {
    let dir = files(&[]);
    rejects(
        dir.path(),
        &["check", "baseline", "--set", "banks.types.1.count=0"],
        &["tradefin: --set: banks.types[1].count = 0: must be ≥ 1"],
    );
}

#[test]
fn malformed_json_gives_line_and_column() {
    check_file(
        "{\n  \"simulation\": {\"months\": 12}\n  \"world\": {}\n}\n",
        &["tradefin: bad.json: line 3 column 3: expected `,` or `}`"],
    );
}

#[test]
fn unknown_scenario_name() {
    let dir = files(&[]);
    rejects(
        dir.path(),
        &["check", "baseline_typo"],
        &[
            "tradefin: baseline_typo: no such file, and no built-in scenario of that name (built-ins: baseline",
        ],
    );
}

/// Built-ins are embedded: `check baseline` works from any directory, and
/// its output is a scenario file that loads back to the same scenario.
#[test]
fn check_baseline_from_anywhere_and_round_trip() {
    let dir = files(&[]);
    let output = tradefin(dir.path(), &["check", "baseline"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let resolved = String::from_utf8(output.stdout).unwrap();
    assert!(resolved.contains(r#""name": "baseline""#), "{resolved}");

    std::fs::write(dir.path().join("resolved.json"), &resolved).unwrap();
    let again = tradefin(dir.path(), &["check", "resolved.json"]);
    assert_eq!(
        again.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert_eq!(String::from_utf8(again.stdout).unwrap(), resolved);
}

/// Mistakes in a policy file are reported at their place in the
/// government section, and in a bank's product menu.
#[test]
fn government_and_product_mistakes() {
    check_file(
        r#"{"extends": "credit_guarantee", "government": {"guarantee": {"coverage": 1.5}}}"#,
        &[
            "bad.json",
            "government.guarantee.coverage",
            "1.5",
            "must be between 0 and 1",
        ],
    );
    check_file(
        r#"{"extends": "baseline", "government": {"insurance": {"enabled": true, "premium": 0.01}}}"#,
        &["bad.json", "government.insurance", "premium"],
    );
    check_file(
        r#"{"extends": "baseline", "banks": {"types": [{"name": "a", "products": ["forfaiting"]}]}}"#,
        &["bad.json", "banks.types[0].products", "forfaiting"],
    );
    let dir = files(&[]);
    rejects(
        dir.path(),
        &[
            "check",
            "baseline",
            "--set",
            "banks.products.import_lc.recourse=false",
        ],
        &[
            "--set",
            "banks.products.import_lc.recourse",
            "only factoring may be without recourse",
        ],
    );
}
