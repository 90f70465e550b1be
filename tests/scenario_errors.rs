//! `tradefin check` on bad scenario files: each must exit with code 2 and an
//! error naming the file (or `--set`), the JSON path and the offending
//! value, never a panic.

mod common;

use std::path::Path;

use common::tradefin;

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
        &["tradefin: bad.json: simulation.months = \"many\": must be a whole number between 1 and 1200"],
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
        &["tradefin: bad.json: simulation.firms = -5: must be a whole number between 1 and 10000000"],
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

// Regressions found by tests/hostile_input.rs (issue 7).

/// Bug: `burn_in_months` had no upper limit, and burn-in + months wrapped
/// around in 32 bits: 4294967295 + 12 silently ran 11 months.
#[test]
fn burn_in_months_has_a_limit() {
    check_file(
        r#"{"simulation": {"burn_in_months": 4294967295, "months": 12}}"#,
        &["tradefin: bad.json: simulation.burn_in_months = 4294967295: must be between 0 and 1200"],
    );
}

/// Bug: bank ids are 16-bit and the last one marks the Exim bank; 70,000
/// banks ran without complaint (and 4 billion tried to allocate them).
#[test]
fn too_many_banks_are_rejected() {
    check_file(
        r#"{"banks": {"types": [{"name": "a", "count": 70000}]}}"#,
        &["tradefin: bad.json: banks.types[*].count = [70000]: must add up to at most 10000 banks"],
    );
}

/// Bug: amounts such as 1e308 passed validation (≥ 0) and wrote NaN and
/// inf into timeseries.csv; huge dispersions and elasticities did too.
#[test]
fn numbers_that_would_overflow_are_rejected_up_front() {
    check_file(
        r#"{"banks": {"types": [{"name": "a", "equity_kusd_per_firm": 1e308}]}}"#,
        &[
            "tradefin: bad.json: banks.types[0].equity_kusd_per_firm = 1e+308: must be at most 1000000000000 in absolute value",
            "taken for a typo",
        ],
    );
    check_file(
        r#"{"firms": {"revenue_per_employee_dispersion": 1000}}"#,
        &["tradefin: bad.json: firms.revenue_per_employee_dispersion = 1000.0: must be between 0 and 10"],
    );
    check_file(
        r#"{"firms": {"elasticity_of_substitution": 1000}}"#,
        &[
            "tradefin: bad.json: firms.elasticity_of_substitution = 1000.0: must keep the largest firm at most 1e30 times the smallest",
        ],
    );
    check_file(
        r#"{"simulation": {"replications": 1000000, "months": 1200}}"#,
        &[
            "tradefin: bad.json: simulation.replications = 1000000: replications × months must be at most 2000000",
        ],
    );
}

/// Bug: a key given twice silently kept the last value.
#[test]
fn a_key_given_twice_is_an_error() {
    check_file(
        "{\"government\": {\"guarantee\": {\"coverage\": 0.5,\n \"coverage\": 0.7}}}",
        &[
            "tradefin: bad.json: government.guarantee.coverage: the key is given twice in one object (line 2 column 11); keep one",
        ],
    );
}

/// Bug: a file that is not UTF-8 was an I/O failure (exit code 1, no
/// position); a byte order mark was a syntax error.
#[test]
fn text_encoding() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("latin1.json"), b"{\n \"name\": \"caf\xe9\"}").unwrap();
    rejects(
        dir.path(),
        &["check", "latin1.json"],
        &["tradefin: latin1.json: line 2 column 14: not UTF-8 text (byte 15); save the file as UTF-8"],
    );
    std::fs::write(
        dir.path().join("bom.json"),
        "\u{feff}{\"simulation\": {\"seed\": 5}}",
    )
    .unwrap();
    let output = tradefin(dir.path(), &["check", "bom.json"]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("\"seed\": 5"));
}

/// 10,000 nested arrays: an error, not a stack overflow.
#[test]
fn deep_nesting() {
    let text = format!("{{\"world\": {}{}}}", "[".repeat(10_000), "]".repeat(10_000));
    check_file(
        &text,
        &["tradefin: bad.json: line 1 column 137: arrays and objects nested more than 128 deep"],
    );
}

/// Bug: an empty key was printed as nothing (`: unknown field ...`).
#[test]
fn a_key_a_dotted_path_cannot_show_is_quoted() {
    check_file(
        r#"{"world": {"": 1}}"#,
        &[r#"tradefin: bad.json: world[""]: unknown field ``"#],
    );
}

fn sweep_file(text: &str, expected: &[&str]) -> String {
    let dir = files(&[("s.json", text)]);
    rejects(dir.path(), &["sweep", "s.json"], expected)
}

/// Bugs: a latin_hypercube of 4 billion samples, or a grid of a few long
/// lists, allocated every point before anything was checked (an abort);
/// an unbounded range gave infinite or NaN samples.
#[test]
fn sweeps_too_large_to_hold_are_rejected() {
    sweep_file(
        r#"{"base": "baseline", "design": "latin_hypercube", "samples": 4000000000,
            "parameters": {"banks.search_breadth": [1, 3]}}"#,
        &[
            "tradefin: s.json: samples: 4000000000: a latin_hypercube needs \"samples\": the number of points, between 1 and 10000",
        ],
    );
    let hundred: Vec<String> = (0..100).map(|i| i.to_string()).collect();
    let list = format!("[{}]", hundred.join(","));
    sweep_file(
        &format!(
            r#"{{"base": "baseline", "design": "grid", "parameters": {{"a": {list}, "b": {list}, "c": {list}}}}}"#
        ),
        &["tradefin: s.json: parameters: a grid of 100 × 100 × 100 values has more than 10000 points"],
    );
    sweep_file(
        r#"{"base": "baseline", "design": "latin_hypercube", "samples": 4,
            "parameters": {"world.cny_per_usd": [-1e308, 1e308]}}"#,
        &[
            "tradefin: s.json: parameters.world.cny_per_usd: [-1e+308,1e+308]: a latin_hypercube needs [low, high]",
        ],
    );
}

/// Sweep mistakes name their place: a missing key, a base that does not
/// exist, the point whose value is out of range, a file that is not an
/// object.
#[test]
fn sweep_mistakes_name_their_place() {
    sweep_file(
        r#"{"design": "grid", "parameters": {"banks.search_breadth": [1]}}"#,
        &["tradefin: s.json: base: missing; this key is required"],
    );
    sweep_file(
        r#"{"base": "nope", "design": "grid", "parameters": {"banks.search_breadth": [1]}}"#,
        &[
            "tradefin: s.json: base: \"nope\": no such file (relative to the sweep file), and no built-in scenario",
        ],
    );
    sweep_file(
        r#"{"base": "baseline", "design": "grid", "parameters": {"government.guarantee.coverage": [0.5, 1.5]}}"#,
        &[
            "tradefin: s.json: parameters: point 2 (government.guarantee.coverage = 1.5): government.guarantee.coverage = 1.5: must be between 0 and 1",
        ],
    );
    sweep_file(
        "[1, 2]",
        &["tradefin: s.json: the top level must be a JSON object ({ ... }), not [1,2]"],
    );
    sweep_file(
        r#"{"name": "a/b", "base": "baseline", "design": "grid", "parameters": {"banks.search_breadth": [1]}}"#,
        &["tradefin: s.json: name: \"a/b\": must be a non-empty file name"],
    );
}
