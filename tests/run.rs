//! `tradefin run` as a user runs it: the files it writes, the line it ends
//! with, its exit codes, and determinism across runs and thread counts.

mod common;

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use common::assert_success;

/// A small run: enough to exercise every phase, quick enough for CI.
const SMALL: [&str; 8] = [
    "--firms",
    "400",
    "--months",
    "12",
    "--replications",
    "3",
    "--set",
    "simulation.burn_in_months=6",
];

fn tradefin(dir: &Path, args: &[&str], threads: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tradefin"));
    cmd.args(args).current_dir(dir);
    if let Some(n) = threads {
        cmd.env("RAYON_NUM_THREADS", n);
    }
    cmd.output().expect("running tradefin")
}

fn run_small(dir: &Path, out: &str, threads: Option<&str>) -> Output {
    let mut args = vec!["run", "baseline", "--out", out];
    args.extend(SMALL);
    let output = tradefin(dir, &args, threads);
    assert_success(&output);
    output
}

const FILES: [&str; 6] = [
    "scenario.json",
    "timeseries.csv",
    "summary.csv",
    "summary.json",
    "report.html",
    "report.md",
];

#[test]
fn run_writes_its_files_and_reports_throughput() {
    let dir = tempfile::tempdir().unwrap();
    let output = run_small(dir.path(), "out", None);
    let stdout = String::from_utf8(output.stdout).unwrap();
    let last = stdout.lines().last().unwrap();
    assert!(
        last.starts_with("throughput: ") && last.contains("400 firms × 18 months × 3 replications"),
        "{last}"
    );
    assert!(stdout.contains("approval_rate_sme"), "{stdout}");

    let out = dir.path().join("out");
    for file in FILES {
        assert!(out.join(file).is_file(), "{file} missing");
    }
    let leftovers: Vec<_> = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");

    let timeseries = fs::read_to_string(out.join("timeseries.csv")).unwrap();
    let header: Vec<&str> = timeseries.lines().next().unwrap().split(',').collect();
    // The metric names of DESIGN.md §5 that exist without government agents.
    for name in [
        "replication",
        "month",
        "applications_micro",
        "applications_small",
        "applications_medium",
        "applications_large",
        "applications_sme",
        "approval_rate_micro",
        "approval_rate_small",
        "approval_rate_medium",
        "approval_rate_large",
        "approval_rate_sme",
        "approval_rate_all",
        "discouraged_share_sme",
        "financing_need",
        "financing_gap",
        "exports",
        "exports_sme_share",
        "exporters",
        "export_entries",
        "export_exits",
        "lost_export_orders",
        "credit_new_sme",
        "credit_new_large",
        "firm_default_rate",
        "npl_ratio",
        "bank_capital_ratio",
    ] {
        assert!(header.contains(&name), "timeseries.csv lacks {name}");
    }
    // A row per replication and reported month, starting at the start month.
    let rows: Vec<&str> = timeseries.lines().skip(1).collect();
    assert_eq!(rows.len(), 3 * 12);
    assert!(rows[0].starts_with("0,2006-01,"), "{}", rows[0]);
    assert!(rows[35].starts_with("2,2006-12,"), "{}", rows[35]);
    for row in &rows {
        assert_eq!(row.split(',').count(), header.len());
    }

    let summary = fs::read_to_string(out.join("summary.csv")).unwrap();
    assert!(summary.starts_with("metric,mean,sd,ci_low,ci_high,n\n"));
    for name in ["approval_rate_sme", "export_growth_annual", "exports_total"] {
        let row = summary
            .lines()
            .find(|l| l.starts_with(&format!("{name},")))
            .unwrap();
        assert!(row.ends_with(",3"), "{row}");
    }
    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(json["scenario"], "baseline");
    assert_eq!(json["complete"], true);
    // scenario.json records the seed and version and can be run again as it is.
    let resolved: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("scenario.json")).unwrap()).unwrap();
    assert_eq!(resolved["simulation"]["seed"], 20081);
    assert_eq!(resolved["simulation"]["firms"], 400);
    assert_eq!(resolved["tradefin"]["version"], env!("CARGO_PKG_VERSION"));
    let again = tradefin(dir.path(), &["run", "out/scenario.json", "--out", "again"], None);
    assert_eq!(
        again.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    for file in ["timeseries.csv", "summary.csv"] {
        assert_eq!(
            fs::read(out.join(file)).unwrap(),
            fs::read(dir.path().join("again").join(file)).unwrap(),
            "re-running scenario.json changed {file}"
        );
    }
}

fn assert_same_files(a: &Path, b: &Path) {
    for file in FILES {
        let (x, y) = (fs::read(a.join(file)).unwrap(), fs::read(b.join(file)).unwrap());
        assert!(
            x == y,
            "{file} differs between {} and {}",
            a.display(),
            b.display()
        );
    }
}

#[test]
fn same_seed_gives_identical_bytes_across_runs_and_thread_counts() {
    let dir = tempfile::tempdir().unwrap();
    run_small(dir.path(), "first", None);
    run_small(dir.path(), "second", None);
    run_small(dir.path(), "one_thread", Some("1"));
    run_small(dir.path(), "two_threads", Some("2"));
    let p = |name: &str| dir.path().join(name);
    assert_same_files(&p("first"), &p("second"));
    assert_same_files(&p("first"), &p("one_thread"));
    assert_same_files(&p("one_thread"), &p("two_threads"));
}

#[test]
fn another_seed_gives_other_results() {
    let dir = tempfile::tempdir().unwrap();
    run_small(dir.path(), "a", None);
    let mut args = vec!["run", "baseline", "--out", "b", "--seed", "7"];
    args.extend(SMALL);
    assert_eq!(tradefin(dir.path(), &args, None).status.code(), Some(0));
    let a = fs::read(dir.path().join("a/timeseries.csv")).unwrap();
    let b = fs::read(dir.path().join("b/timeseries.csv")).unwrap();
    assert_ne!(a, b);
}

#[test]
fn bad_input_to_run_exits_2_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let output = tradefin(
        dir.path(),
        &[
            "run",
            "baseline",
            "--set",
            "banks.types[0].screening_noise=-1",
            "--out",
            "x",
        ],
        None,
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--set") && stderr.contains("banks.types[0].screening_noise = -1"),
        "{stderr}"
    );
    assert!(!dir.path().join("x").exists());
    let output = tradefin(dir.path(), &["run", "baseline", "--replications", "0"], None);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("simulation.replications = 0"), "{stderr}");
}

/// An output directory that cannot be created is a failure at run time
/// (exit 1) naming the path.
#[test]
fn unwritable_output_exits_1_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("file"), "not a directory").unwrap();
    let mut args = vec!["run", "baseline", "--out", "file/out"];
    args.extend(SMALL);
    let output = tradefin(dir.path(), &args, None);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("file/out"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// `tradefin scenarios` lists every shipped scenario with its description,
/// and each runs by name from a directory without a `scenarios/` folder.
#[test]
fn every_built_in_scenario_is_listed_and_runs_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let listing = tradefin(dir.path(), &["scenarios"], None);
    assert_eq!(listing.status.code(), Some(0));
    let listing = String::from_utf8(listing.stdout).unwrap();
    let mut names = Vec::new();
    for line in listing.lines() {
        let (name, description) = line.split_once(' ').unwrap();
        assert!(description.trim().len() > 40, "{name} has no real description");
        names.push(name.to_string());
    }
    let shipped = fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "json")
        })
        .count();
    assert_eq!(names.len(), shipped, "{names:?}");
    for name in &names {
        let output = tradefin(
            dir.path(),
            &[
                "run",
                name,
                "--out",
                name,
                "--firms",
                "200",
                "--months",
                "3",
                "--replications",
                "1",
            ],
            None,
        );
        assert_success(&output);
        let summary = fs::read_to_string(dir.path().join(name).join("summary.csv")).unwrap();
        assert!(summary.contains("\nfiscal_cost_total,"), "{name}");
    }
}

/// `tradefin calibrate` prints one row per target and writes the table as
/// CSV and JSON; it reports whatever the outcome, with exit code 0.
#[test]
fn calibrate_writes_the_target_table() {
    let dir = tempfile::tempdir().unwrap();
    let output = tradefin(
        dir.path(),
        &[
            "calibrate",
            "--replications",
            "2",
            "--set",
            "simulation.firms=500",
            "--set",
            "simulation.months=12",
            "--out",
            "cal",
        ],
        None,
    );
    assert_success(&output);
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("T1 ") && stdout.contains("T12 "), "{stdout}");
    assert!(stdout.contains("targets in band"), "{stdout}");
    let csv = fs::read_to_string(dir.path().join("cal/calibration.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("id,target,band_low,band_high,simulated,ci_low,ci_high,in_band")
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 14);
    assert!(rows.iter().all(|r| r.ends_with(",true") || r.ends_with(",false")));
    let json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("cal/calibration.json")).unwrap()).unwrap();
    assert_eq!(json["targets"].as_array().unwrap().len(), 14);
}

/// `tradefin compare` runs every scenario with the same seeds: a scenario
/// compared with itself differs by exactly zero in every metric.
#[test]
fn compare_with_itself_gives_zero_differences() {
    let dir = tempfile::tempdir().unwrap();
    let output = tradefin(
        dir.path(),
        &[
            "compare",
            "baseline",
            "baseline",
            "credit_guarantee",
            "--replications",
            "2",
            "--set",
            "simulation.firms=300",
            "--set",
            "simulation.months=6",
            "--out",
            "cmp",
        ],
        None,
    );
    assert_success(&output);
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("approval_rate_sme (baseline: "), "{stdout}");
    assert!(stdout.lines().last().unwrap().starts_with("throughput: "));
    let out = dir.path().join("cmp");
    for scenario in ["baseline", "baseline_2", "credit_guarantee"] {
        assert!(out.join(scenario).join("summary.csv").is_file(), "{scenario}");
    }
    let csv = fs::read_to_string(out.join("comparison.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("scenario,metric,mean,ci_low,ci_high,diff,diff_ci_low,diff_ci_high")
    );
    let mut checked = 0;
    for line in lines.filter(|l| l.starts_with("baseline_2,")) {
        let cells: Vec<&str> = line.split(',').collect();
        if cells[5].is_empty() {
            continue; // undefined in this short run
        }
        assert_eq!(&cells[5..], &["0", "0", "0"], "{line}");
        checked += 1;
    }
    assert!(checked > 50, "{checked} metrics compared");
    // Fewer than two scenarios is bad input.
    let alone = tradefin(dir.path(), &["compare", "baseline"], None);
    assert_eq!(alone.status.code(), Some(2));
}

/// A sweep over one parameter gives, point by point, what separate runs at
/// those values give with the same seeds; its files do not depend on the
/// number of threads.
#[test]
fn a_sweep_equals_separate_runs_and_is_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("h.json"),
        r#"{"base": "baseline", "design": "grid",
            "parameters": {"banks.search_breadth": [1, 3]}}"#,
    )
    .unwrap();
    let small = [
        "--replications",
        "2",
        "--set",
        "simulation.firms=300",
        "--set",
        "simulation.months=6",
    ];
    let sweep = |threads: &str, out: &str| {
        let mut args = vec!["sweep", "h.json", "--out", out];
        args.extend(small);
        let output = tradefin(dir.path(), &args, Some(threads));
        assert_success(&output);
        fs::read_to_string(dir.path().join(out).join("sweep_summary.csv")).unwrap()
    };
    let summary = sweep("2", "s2");
    assert_eq!(summary, sweep("1", "s1"), "thread count changed the summary");
    assert_eq!(
        fs::read(dir.path().join("s2/sweep.csv")).unwrap(),
        fs::read(dir.path().join("s1/sweep.csv")).unwrap()
    );

    for (point, breadth) in [("1", "1"), ("2", "3")] {
        let mut args = vec!["run", "baseline", "--out", breadth, "--set"];
        let set = format!("banks.search_breadth={breadth}");
        args.push(&set);
        args.extend(small);
        assert_success(&tradefin(dir.path(), &args, None));
        let run = fs::read_to_string(dir.path().join(breadth).join("summary.csv")).unwrap();
        for metric in ["approval_rate_sme", "exports", "fiscal_cost_total"] {
            let mean_in_run = run
                .lines()
                .find(|l| l.starts_with(&format!("{metric},")))
                .unwrap()
                .split(',')
                .nth(1)
                .unwrap();
            let mean_in_sweep = summary
                .lines()
                .find(|l| l.starts_with(&format!("{point},{breadth},{metric},")))
                .unwrap()
                .split(',')
                .nth(3)
                .unwrap();
            assert_eq!(mean_in_run, mean_in_sweep, "{metric} at breadth {breadth}");
        }
    }
}
