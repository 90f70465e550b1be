//! The report and the CSV files as a user gets them: `report.html` is
//! well-formed, self-contained (no URL, every link resolves to a file
//! beside it) and holds one SVG per chart; each CSV parses with a header
//! and exactly the columns docs/OUTPUT.md documents.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;
use std::process::Command;

fn tradefin(dir: &Path, args: &[&str]) {
    let output = Command::new(env!("CARGO_BIN_EXE_tradefin"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the tradefin binary runs");
    assert!(
        output.status.success(),
        "tradefin {args:?} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A quick comparison: three scenarios, small.
const SMALL: [&str; 6] = [
    "--replications",
    "3",
    "--set",
    "simulation.firms=500",
    "--set",
    "simulation.months=12",
];

/// Checks `out/report.html` and `out/report.md` and returns the number of
/// charts.
fn check_report(out: &Path, expect_in_html: &[&str]) -> usize {
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    // Well-formed as XML (the <!DOCTYPE html> declaration allowed).
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..roxmltree::ParsingOptions::default()
    };
    let doc = roxmltree::Document::parse_with_options(&html, options)
        .unwrap_or_else(|e| panic!("report.html is not well-formed: {e}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "html");
    for tag in ["head", "title", "style", "body", "h1"] {
        assert!(root.descendants().any(|n| n.has_tag_name(tag)), "no <{tag}>");
    }
    // Self-contained: nothing fetched, no address anywhere.
    for forbidden in [
        "http:", "https:", "//", "url(", "@import", "<script", "<link", "<img",
    ] {
        assert!(!html.contains(forbidden), "report.html contains {forbidden:?}");
    }
    assert!(!root.descendants().any(|n| n.attribute("src").is_some()));
    // Every link is a file beside the report.
    let links: Vec<&str> = root.descendants().filter_map(|n| n.attribute("href")).collect();
    assert!(!links.is_empty());
    for link in &links {
        assert!(out.join(link).is_file(), "report.html links to missing {link}");
    }
    // One inline SVG per chart file, and every chart file well-formed.
    let inline = root.descendants().filter(|n| n.has_tag_name("svg")).count();
    let charts: Vec<_> = fs::read_dir(out.join("charts"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(charts.iter().all(|p| p.extension().is_some_and(|e| e == "svg")));
    assert_eq!(inline, charts.len(), "one <svg> per chart");
    for chart in &charts {
        let svg = fs::read_to_string(chart).unwrap();
        let doc = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{}: {e}", chart.display()));
        assert_eq!(doc.root_element().tag_name().name(), "svg");
        let name = chart.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            links.contains(&format!("charts/{name}").as_str()),
            "{name} not linked"
        );
    }
    for text in expect_in_html {
        assert!(html.contains(text), "report.html lacks {text:?}");
    }
    let md = fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.starts_with("# tradefin"));
    assert!(md.contains("## What was run") && md.contains("## Files"));
    assert_eq!(md.matches("](charts/").count(), charts.len());
    charts.len()
}

/// The backticked names in the first column of the `| column |` tables
/// under the `## heading` of docs/OUTPUT.md, in order (`a`, `b` in one
/// cell counts both).
fn documented_columns(heading: &str) -> Vec<String> {
    let doc = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/OUTPUT.md")).unwrap();
    let section = doc
        .split("\n## ")
        .find(|s| s.starts_with(heading))
        .unwrap_or_else(|| panic!("OUTPUT.md has no section {heading}"));
    let mut names = Vec::new();
    let mut in_table = false;
    for line in section.lines() {
        if line.starts_with("| column |") {
            in_table = true;
            continue;
        }
        if in_table {
            if !line.starts_with('|') {
                in_table = false;
                continue;
            }
            let first = line.split('|').nth(1).unwrap_or_default();
            names.extend(
                first
                    .split('`')
                    .skip(1)
                    .step_by(2)
                    .map(str::to_string)
                    .filter(|n| !n.is_empty()),
            );
        }
    }
    names
}

/// Parses a CSV file: its header and rows, every row as long as the
/// header, every cell a number or empty except in the `text` columns.
fn parse_csv(path: &Path, text: &[&str]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| {
            let r = r.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            r.iter().map(str::to_string).collect()
        })
        .collect();
    assert!(!rows.is_empty(), "{} has no rows", path.display());
    for row in &rows {
        assert_eq!(row.len(), header.len());
        for (name, cell) in header.iter().zip(row) {
            assert!(
                text.contains(&name.as_str())
                    || cell.is_empty()
                    || cell.parse::<f64>().is_ok_and(f64::is_finite),
                "{}: {name} = {cell:?} is not a number",
                path.display()
            );
        }
    }
    (header, rows)
}

#[test]
fn a_comparison_writes_a_self_contained_report_and_documented_csvs() {
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec![
        "compare",
        "baseline",
        "credit_guarantee",
        "exim_support",
        "--out",
        "cmp",
    ];
    args.extend(SMALL);
    tradefin(dir.path(), &args);
    let out = dir.path().join("cmp");
    // Five effect charts, approval by size, seven time series.
    let charts = check_report(
        &out,
        &[
            "What was run",
            "Headline results",
            "government.guarantee.enabled&#160;=&#160;true",
            "credit_guarantee",
            "effect_exports_total",
            "approval_by_size",
            "timeseries_exports",
        ],
    );
    assert_eq!(charts, 5 + 1 + 7);

    let (header, rows) = parse_csv(&out.join("comparison.csv"), &["scenario", "metric"]);
    assert_eq!(header, documented_columns("`comparison.csv`"));
    let scenarios: BTreeSet<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(scenarios.len(), 3);
    for name in ["baseline", "credit_guarantee", "exim_support"] {
        let run = out.join(name);
        let (header, _) = parse_csv(&run.join("timeseries.csv"), &["month"]);
        assert_eq!(header, documented_columns("`timeseries.csv`"));
        let (header, summary) = parse_csv(&run.join("summary.csv"), &["metric"]);
        assert_eq!(header, documented_columns("`summary.csv` and `summary.json`"));
        // Every metric of timeseries.csv is summarised, then the four extras.
        let metrics: Vec<&str> = summary.iter().map(|r| r[0].as_str()).collect();
        let mut expected: Vec<String> = documented_columns("`timeseries.csv`").split_off(2);
        expected.extend(
            [
                "export_growth_annual",
                "exports_total",
                "fiscal_cost_total",
                "size_tail_exponent",
            ]
            .map(String::from),
        );
        assert_eq!(metrics, expected);
    }
}

#[test]
fn a_run_and_a_sweep_write_reports_too() {
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec!["run", "credit_guarantee", "--out", "run"];
    args.extend(SMALL);
    tradefin(dir.path(), &args);
    // Approval by size and seven time series; the changes are listed
    // against the built-in baseline.
    let charts = check_report(
        &dir.path().join("run"),
        &[
            "government.guarantee.enabled&#160;=&#160;true",
            "Headline results",
        ],
    );
    assert_eq!(charts, 8);

    let mut args = vec!["sweep", "threshold_by_bureau", "--out", "sweep"];
    args.extend(SMALL);
    tradefin(dir.path(), &args);
    let out = dir.path().join("sweep");
    // A grid: a response curve per headline metric against the first
    // parameter, a line per value of the second.
    let charts = check_report(&out, &["Results by point", "precision_gain = 0.6"]);
    assert_eq!(charts, 5);
    let parameters = [
        "banks.types[0].sme_thresholds.min_score",
        "government.bureau.precision_gain",
    ];
    let (header, rows) = parse_csv(&out.join("sweep.csv"), &[]);
    assert_eq!(
        header[..4],
        ["point", "replication", parameters[0], parameters[1]]
    );
    assert_eq!(rows.len(), 12 * 3);
    let (summary_header, summary) = parse_csv(&out.join("sweep_summary.csv"), &["metric"]);
    let metrics: Vec<String> = header[4..].to_vec();
    assert_eq!(
        summary_header,
        [
            "point",
            parameters[0],
            parameters[1],
            "metric",
            "mean",
            "ci_low",
            "ci_high",
            "n",
            "diff",
            "diff_ci_low",
            "diff_ci_high"
        ]
    );
    // A row per point and metric, the metrics those of sweep.csv; point 1
    // differs from itself by exactly 0.
    assert_eq!(summary.len(), 12 * metrics.len());
    for row in summary.iter().take(metrics.len()).filter(|r| !r[4].is_empty()) {
        assert_eq!(row[8..], ["0", "0", "0"], "{row:?}");
    }
    assert_eq!(
        summary
            .iter()
            .take(metrics.len())
            .map(|r| r[3].clone())
            .collect::<Vec<_>>(),
        metrics
    );
}
