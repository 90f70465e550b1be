//! What a report shows, built from results: the headline tables and the
//! charts of a run, a comparison and a sweep (DESIGN.md §8). Rendering is
//! in `output::charts` and `output::report`.

use serde_json::Value;

use super::compare::{self, EXPORTS_PER_FISCAL_DOLLAR};
use super::stats::{Estimate, estimate};
use super::sweep::{Design, Sweep};
use super::{Summary, fmt_like, magnitude, signed_like};
use crate::Result;
use crate::output::Provenance;
use crate::output::charts::{self, BarChart, BarColours, Chart, Interval, Line, LineChart, SEQUENTIAL};
use crate::output::report::{Cell, Report, ScenarioEntry, Table};
use crate::scenario::Scenario;
use crate::scenario::diff::differences;
use crate::sim::ReplicationResult;

/// Each metric's mean and 95 % CI across replications, month by month.
#[derive(Debug, Clone)]
pub struct Monthly {
    /// `"YYYY-MM"` of each reported month.
    pub months: Vec<String>,
    pub metrics: Vec<String>,
    /// `values[k][t]`: metric k in month t.
    pub values: Vec<Vec<Option<Estimate>>>,
}

impl Monthly {
    /// The estimates of `metrics` from replications that share their
    /// calendar (all replications of one scenario do).
    pub fn new(results: &[ReplicationResult], metrics: &[&str]) -> Self {
        let Some(first) = results.first() else {
            return Monthly {
                months: Vec::new(),
                metrics: Vec::new(),
                values: Vec::new(),
            };
        };
        let months = first.months.iter().map(|m| m.date.to_string()).collect();
        let mut kept = Vec::new();
        let mut values = Vec::new();
        for metric in metrics {
            let Some(k) = first.names.iter().position(|n| n == metric) else {
                continue;
            };
            kept.push(metric.to_string());
            values.push(
                (0..first.months.len())
                    .map(|t| {
                        let xs: Vec<f64> = results
                            .iter()
                            .filter_map(|r| r.months.get(t).and_then(|m| m.values[k].get()))
                            .collect();
                        estimate(&xs)
                    })
                    .collect(),
            );
        }
        Monthly {
            months,
            metrics: kept,
            values,
        }
    }

    fn series(&self, metric: &str) -> Option<&[Option<Estimate>]> {
        let k = self.metrics.iter().position(|m| m == metric)?;
        Some(&self.values[k])
    }
}

/// How a metric is shown: a title, its unit on a chart, and the factor
/// from the unit in the files to that unit.
struct Display {
    metric: &'static str,
    title: &'static str,
    unit: &'static str,
    scale: f64,
}

const fn shown(metric: &'static str, title: &'static str, unit: &'static str, scale: f64) -> Display {
    Display {
        metric,
        title,
        unit,
        scale,
    }
}

/// The metrics charted over time, in report order.
const TIME_SERIES: [Display; 7] = [
    shown(
        "approval_rate_sme",
        "SME approval rate",
        "% of SME applicants",
        100.0,
    ),
    shown(
        "discouraged_share_sme",
        "Discouraged SMEs",
        "% of SMEs with a financing need",
        100.0,
    ),
    shown(
        "financing_gap_share",
        "Financing gap",
        "% of financing need",
        100.0,
    ),
    shown("exports", "Exports", "USD million a month", 0.001),
    shown(
        "exports_sme_share",
        "SMEs' share of exports",
        "% of export value",
        100.0,
    ),
    shown(
        "firm_default_rate",
        "Firm default rate",
        "% of indebted firms a year",
        100.0,
    ),
    shown("fiscal_cost", "Fiscal cost", "USD million a month", 0.001),
];

/// The metrics `Monthly` keeps for the charts.
pub fn charted_metrics() -> Vec<&'static str> {
    TIME_SERIES.iter().map(|d| d.metric).collect()
}

/// Title and unit (as in the files) of the metrics in report tables.
fn label(metric: &str) -> (&'static str, &'static str) {
    match metric {
        "approval_rate_sme" => ("SME approval rate", "share of applicants"),
        "approval_rate_large" => ("large-firm approval rate", "share of applicants"),
        "discouraged_share_sme" => ("discouraged SMEs", "share of SMEs in need"),
        "financing_gap_share" => ("financing gap", "share of need"),
        "exports" => ("exports", "kUSD a month"),
        "export_growth_annual" => ("export growth", "a year"),
        "exports_sme_share" => ("SMEs' export share", "share"),
        "exporter_share" => ("exporters", "share of firms"),
        "lost_export_orders" => ("lost export orders", "kUSD a month"),
        "firm_default_rate" => ("firm default rate", "a year"),
        "npl_ratio" => ("NPL ratio", "share"),
        "bank_capital_ratio" => ("bank capital ratio", "share of RWA"),
        "fiscal_cost_total" => ("fiscal cost over the run", "kUSD"),
        "exports_total" => ("exports over the run", "kUSD"),
        EXPORTS_PER_FISCAL_DOLLAR => ("exports per fiscal $", "extra USD per USD"),
        _ => ("", ""),
    }
}

fn interval(e: &Estimate, scale: f64) -> Interval {
    Interval {
        mean: e.mean * scale,
        low: e.ci_low.map(|x| x * scale),
        high: e.ci_high.map(|x| x * scale),
    }
}

/// A level: its mean, and its CI on a second line.
fn level_cell(e: Option<&Estimate>) -> Cell {
    match e {
        Some(e) => {
            let m = magnitude(e);
            Cell {
                text: fmt_like(e.mean, m),
                detail: e
                    .ci_low
                    .zip(e.ci_high)
                    .map(|(l, h)| format!("[{}, {}]", fmt_like(l, m), fmt_like(h, m))),
                muted: false,
            }
        }
        None => Cell::plain("n/a"),
    }
}

/// A paired difference: signed, muted when its CI contains 0.
fn diff_cell(e: Option<&Estimate>) -> Cell {
    match e {
        Some(e) => {
            let m = magnitude(e);
            let ci = e.ci_low.zip(e.ci_high);
            Cell {
                text: signed_like(e.mean, m),
                detail: ci.map(|(l, h)| format!("[{}, {}]", signed_like(l, m), signed_like(h, m))),
                muted: ci.is_some_and(|(l, h)| l <= 0.0 && h >= 0.0),
            }
        }
        None => Cell::plain("n/a"),
    }
}

/// One line chart per metric in `TIME_SERIES`: one line per scenario with
/// its 95 % band.
fn time_series_charts(names: &[String], monthly: &[Monthly]) -> Result<Vec<Chart>> {
    let mut out = Vec::new();
    let months = monthly.first().map(|m| m.months.clone()).unwrap_or_default();
    // Scenarios over other months (a crisis scenario against the baseline)
    // are drawn month by month from the first reported month.
    let same_calendar = monthly.iter().all(|m| m.months == months);
    for d in &TIME_SERIES {
        let lines: Vec<Line> = names
            .iter()
            .zip(monthly)
            .filter_map(|(name, m)| {
                let series = m.series(d.metric)?;
                Some(Line {
                    label: name.clone(),
                    points: series
                        .iter()
                        .enumerate()
                        .map(|(t, e)| (t as f64, e.as_ref().map(|e| interval(e, d.scale))))
                        .collect(),
                })
            })
            .collect();
        if lines.iter().all(|l| l.points.iter().all(|(_, v)| v.is_none())) {
            continue;
        }
        let spec = LineChart {
            title: d.title.to_string(),
            x_desc: if same_calendar {
                "month".into()
            } else {
                "month (from each scenario's start)".into()
            },
            y_desc: d.unit.to_string(),
            x_labels: same_calendar.then(|| months.clone()),
            lines,
            markers: false,
            joined: true,
        };
        out.push(Chart {
            file: format!("timeseries_{}", d.metric),
            title: format!("{} over time", d.title),
            caption: format!(
                "{}, {}: the mean over replications each month, with its 95% confidence band.",
                d.title, d.unit
            ),
            svg: charts::line_chart(&spec)?,
        });
    }
    Ok(out)
}

const SIZE_CLASSES: [&str; 4] = ["micro", "small", "medium", "large"];

/// Approval rates by size class: a row per scenario, a bar per class.
fn size_class_chart(names: &[String], level: impl Fn(usize, &str) -> Option<Estimate>) -> Result<Chart> {
    let spec = BarChart {
        title: "Approval rate by firm size".into(),
        x_desc: "% of applicants granted a loan".into(),
        rows: names.to_vec(),
        series: SIZE_CLASSES
            .iter()
            .map(|class| {
                let metric = format!("approval_rate_{class}");
                (
                    class.to_string(),
                    (0..names.len())
                        .map(|i| level(i, &metric).map(|e| interval(&e, 100.0)))
                        .collect(),
                )
            })
            .collect(),
        colours: BarColours::Series(SEQUENTIAL.to_vec()),
    };
    Ok(Chart {
        file: "approval_by_size".into(),
        title: "Approval rate by firm size".into(),
        caption: "Share of applicants granted at least one loan over the run, by size class, with 95% confidence intervals."
            .into(),
        svg: charts::bar_chart(&spec)?,
    })
}

/// How a policy effect is shown.
enum Effect {
    /// Scaled by a factor (×100 for shares in points, ÷1000 for kUSD).
    Scaled(f64),
    /// As a percentage of the baseline's mean.
    PercentOfBaseline,
}

/// The policy effects charted as bars, in report order.
const EFFECTS: [(&str, &str, &str, Effect); 5] = [
    (
        "approval_rate_sme",
        "SME approval rate",
        "difference in percentage points",
        Effect::Scaled(100.0),
    ),
    (
        "financing_gap_share",
        "Financing gap",
        "difference in percentage points of need",
        Effect::Scaled(100.0),
    ),
    (
        "exports_total",
        "Exports over the run",
        "difference in % of the baseline's exports",
        Effect::PercentOfBaseline,
    ),
    (
        "firm_default_rate",
        "Firm default rate",
        "difference in percentage points a year",
        Effect::Scaled(100.0),
    ),
    (
        "fiscal_cost_total",
        "Fiscal cost over the run",
        "difference in USD million",
        Effect::Scaled(0.001),
    ),
];

/// A bar chart per effect: each scenario's paired difference to the
/// baseline with its 95 % CI.
fn effect_charts(names: &[String], rows: &[compare::Row]) -> Result<Vec<Chart>> {
    let find =
        |scenario: &str, metric: &str| rows.iter().find(|r| r.scenario == scenario && r.metric == metric);
    let mut out = Vec::new();
    for (metric, title, unit, effect) in &EFFECTS {
        let scale = match effect {
            Effect::Scaled(f) => Some(*f),
            Effect::PercentOfBaseline => find(&names[0], metric)
                .and_then(|r| r.level)
                .filter(|e| e.mean != 0.0)
                .map(|e| 100.0 / e.mean),
        };
        let Some(scale) = scale else { continue };
        let values: Vec<Option<Interval>> = names[1..]
            .iter()
            .map(|n| find(n, metric).and_then(|r| r.diff).map(|d| interval(&d, scale)))
            .collect();
        let spec = BarChart {
            title: format!("{title}: effect of each scenario"),
            x_desc: unit.to_string(),
            rows: names[1..].to_vec(),
            series: vec![(String::new(), values)],
            colours: BarColours::Rows { first: 1 },
        };
        out.push(Chart {
            file: format!("effect_{metric}"),
            title: format!("{title}: effect of each scenario"),
            caption: format!(
                "{title}, {unit}, against {}: the mean of the paired differences over replications, \
                 with its 95% confidence interval as a whisker. A whisker that crosses 0 is not a \
                 significant difference.",
                names[0]
            ),
            svg: charts::bar_chart(&spec)?,
        });
    }
    Ok(out)
}

fn provenance() -> String {
    let p = Provenance::current();
    match p.git_commit {
        Some(c) => format!("{} (commit {c})", p.version),
        None => p.version.to_string(),
    }
}

/// What every report says about a run: replications (as given), seed,
/// firms, period and the program's version.
fn run_facts(s: &Scenario, replications: String) -> Vec<(String, String)> {
    vec![
        ("replications".to_string(), replications),
        ("seed".to_string(), s.simulation.seed.to_string()),
        ("firms".to_string(), s.simulation.firms.to_string()),
        ("period".to_string(), period(s)),
        ("tradefin".to_string(), provenance()),
    ]
}

/// The reported period of a scenario, in words.
fn period(s: &Scenario) -> String {
    let sim = &s.simulation;
    let end = sim.start.plus(sim.months as i64 - 1);
    format!(
        "{} to {end} ({} months reported, after {} months of burn-in)",
        sim.start, sim.months, sim.burn_in_months
    )
}

/// Changes other than the name and description, which always differ.
fn changes(reference: &Scenario, s: &Scenario) -> Vec<(String, String)> {
    differences(reference, s)
        .into_iter()
        .filter(|(p, _)| p != "name" && p != "description")
        .collect()
}

fn run_files(prefix: &str) -> Vec<(String, String)> {
    [
        (
            "summary.csv",
            "each metric's mean, standard deviation and 95% CI over replications",
        ),
        ("timeseries.csv", "every metric, month by month, per replication"),
        ("summary.json", "the same as summary.csv, as JSON"),
        (
            "scenario.json",
            "the fully resolved scenario, with the program's version",
        ),
    ]
    .iter()
    .map(|(f, what)| (format!("{prefix}{f}"), what.to_string()))
    .collect()
}

/// The report of a comparison: the scenarios, the headline table of paired
/// differences, the effect bars, approval by size and the time series.
pub fn comparison_report(
    scenarios: &[Scenario],
    names: &[String],
    rows: &[compare::Row],
    monthly: &[Monthly],
) -> Result<Report> {
    let base = &scenarios[0];
    let sim = &base.simulation;
    let mut facts = vec![
        ("baseline".to_string(), names[0].clone()),
        (
            "scenarios compared with it".to_string(),
            (names.len() - 1).to_string(),
        ),
    ];
    facts.extend(run_facts(
        base,
        format!(
            "{} per scenario; replication r of every scenario uses the same random numbers (common random numbers)",
            sim.replications
        ),
    ));
    let entries = scenarios
        .iter()
        .zip(names)
        .map(|(s, n)| ScenarioEntry {
            name: n.clone(),
            description: s.description.clone(),
            changes: changes(base, s),
        })
        .collect();
    let find =
        |scenario: &str, metric: &str| rows.iter().find(|r| r.scenario == scenario && r.metric == metric);
    let mut header = vec!["scenario".to_string()];
    let mut units = vec![String::new()];
    for metric in compare::HEADLINE {
        let (title, unit) = label(metric);
        header.push(title.to_string());
        units.push(unit.to_string());
    }
    let mut table_rows = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let mut row = vec![Cell::plain(name.clone())];
        for metric in compare::HEADLINE {
            let r = find(name, metric);
            row.push(if i == 0 {
                match metric {
                    EXPORTS_PER_FISCAL_DOLLAR => Cell::plain("–"),
                    _ => level_cell(r.and_then(|r| r.level.as_ref())),
                }
            } else {
                diff_cell(r.and_then(|r| r.diff.as_ref()))
            });
        }
        table_rows.push(row);
    }
    let table = Table {
        title: "Headline results".into(),
        note: format!(
            "The first row is the baseline's level: the mean over replications, with its 95% confidence interval below. \
             Every other row is that scenario's difference to {}: the mean of the paired differences, replication by \
             replication, with its 95% CI (Student t). Greyed differences are not significant at 5% (the CI contains 0). \
             Extra exports per fiscal dollar is the change in exports over the run divided by the change in fiscal cost, \
             shown only where the scenario costs more in every replication. Column names in comparison.csv: {}.",
            names[0],
            compare::HEADLINE.join(", ")
        ),
        header,
        units,
        rows: table_rows,
    };
    let mut charts = effect_charts(names, rows)?;
    charts.push(size_class_chart(names, |i, metric| {
        find(&names[i], metric).and_then(|r| r.level)
    })?);
    charts.extend(time_series_charts(names, monthly)?);
    let mut files = vec![(
        "comparison.csv".to_string(),
        "every metric of every scenario: mean and 95% CI, and the paired difference to the baseline with its 95% CI"
            .to_string(),
    )];
    for name in names {
        files.extend(run_files(&format!("{name}/")));
    }
    Ok(Report {
        title: format!("tradefin: {} scenarios against {}", names.len() - 1, names[0]),
        summary: format!(
            "Each scenario was run {} times with the same random numbers as {}, so their differences come from \
             the policy, not from luck. Below: what each scenario changes, the headline differences with 95% \
             confidence intervals, and charts.",
            sim.replications, names[0]
        ),
        facts,
        reference: names[0].clone(),
        scenarios: entries,
        tables: vec![table],
        charts,
        files,
    })
}

/// The report of a single run: the scenario, its headline metrics and
/// their CIs, approval by size and the time series. Changes are listed
/// relative to `reference` (the built-in baseline) when given.
pub fn run_report(
    s: &Scenario,
    summary: &Summary,
    monthly: &Monthly,
    reference: Option<&Scenario>,
) -> Result<Report> {
    let sim = &s.simulation;
    let mut facts = vec![("scenario".to_string(), s.name.clone())];
    facts.extend(run_facts(s, sim.replications.to_string()));
    let rows = super::HEADLINE
        .iter()
        .map(|metric| {
            let (title, unit) = label(metric);
            let e = summary.get(metric);
            vec![
                Cell::plain(format!("{title} ({metric})")),
                Cell::plain(unit),
                e.map_or_else(
                    || Cell::plain("n/a"),
                    |e| Cell::plain(fmt_like(e.mean, magnitude(e))),
                ),
                Cell::plain(
                    e.and_then(|e| {
                        let m = magnitude(e);
                        e.ci_low
                            .zip(e.ci_high)
                            .map(|(l, h)| format!("[{}, {}]", fmt_like(l, m), fmt_like(h, m)))
                    })
                    .unwrap_or_default(),
                ),
            ]
        })
        .collect();
    let table = Table {
        title: "Headline results".into(),
        note: "Each metric over the reported months, averaged over replications, with its 95% confidence \
               interval across replications (Student t). Every metric is in summary.csv."
            .into(),
        header: vec!["metric".into(), "unit".into(), "mean".into(), "95% CI".into()],
        units: Vec::new(),
        rows,
    };
    let names = vec![s.name.clone()];
    let mut charts = vec![size_class_chart(&names, |_, metric| {
        summary.get(metric).copied()
    })?];
    charts.extend(time_series_charts(&names, std::slice::from_ref(monthly))?);
    let reference_name = reference.map_or_else(String::new, |r| r.name.clone());
    Ok(Report {
        title: format!("tradefin: {}", s.name),
        summary: format!(
            "{} replications of the scenario {}: the headline metrics with 95% confidence intervals, and charts.",
            sim.replications, s.name
        ),
        facts,
        reference: format!("the built-in {reference_name}"),
        scenarios: vec![ScenarioEntry {
            name: s.name.clone(),
            description: s.description.clone(),
            changes: reference.map(|r| changes(r, s)).unwrap_or_default(),
        }],
        tables: vec![table],
        charts,
        files: run_files(""),
    })
}

/// Metrics in a sweep's table and response curves.
const SWEEP_METRICS: [Display; 5] = [
    shown(
        "approval_rate_sme",
        "SME approval rate",
        "% of SME applicants",
        100.0,
    ),
    shown(
        "financing_gap_share",
        "Financing gap",
        "% of financing need",
        100.0,
    ),
    shown("exports_total", "Exports over the run", "USD million", 0.001),
    shown(
        "firm_default_rate",
        "Firm default rate",
        "% of indebted firms a year",
        100.0,
    ),
    shown(
        "fiscal_cost_total",
        "Fiscal cost over the run",
        "USD million",
        0.001,
    ),
];

/// A line's points: x and the value there, if defined.
type Points = Vec<(f64, Option<Interval>)>;

/// A parameter value as a number on an axis.
fn numeric(v: &Value) -> Option<f64> {
    v.as_f64().or_else(|| v.as_bool().map(f64::from))
}

/// A parameter value for tables and legends: numbers to four significant
/// digits (the CSV files keep every digit), strings as they are.
fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => crate::scenario::diff::short(other),
    }
}

/// The report of a sweep: the design, a table per point and the response
/// curves with 95 % bands. `estimates[p][k]` is metric `names[k]` at point p.
pub fn sweep_report(sweep: &Sweep, names: &[String], estimates: &[Vec<Option<Estimate>>]) -> Result<Report> {
    let base = &sweep.points[0].1;
    let sim = &base.simulation;
    let k_of = |metric: &str| names.iter().position(|n| n == metric);
    let design = match sweep.design {
        Design::Grid => "grid (every combination of the listed values)",
        Design::LatinHypercube => "Latin hypercube",
    };
    let mut facts = vec![
        ("sweep".to_string(), sweep.name.clone()),
        ("base scenario".to_string(), sweep.base.clone()),
        ("design".to_string(), design.to_string()),
        ("parameters".to_string(), sweep.parameters.join(", ")),
        ("points".to_string(), sweep.points.len().to_string()),
    ];
    facts.extend(run_facts(
        base,
        format!(
            "{} per point; replication r of every point uses the same random numbers",
            sim.replications
        ),
    ));
    // Parameters by their last component, the whole path underneath.
    let mut header = vec!["point".to_string()];
    header.extend(sweep.parameters.iter().map(|p| short_path(p).to_string()));
    let mut units = vec![String::new()];
    units.extend(sweep.parameters.iter().cloned());
    for d in &SWEEP_METRICS {
        let (title, unit) = label(d.metric);
        header.push(title.to_string());
        units.push(unit.to_string());
    }
    let rows = sweep
        .points
        .iter()
        .enumerate()
        .map(|(p, (values, _))| {
            let mut row = vec![Cell::plain((p + 1).to_string())];
            row.extend(values.iter().map(|v| Cell::plain(value_text(v))));
            for d in &SWEEP_METRICS {
                row.push(level_cell(k_of(d.metric).and_then(|k| estimates[p][k].as_ref())));
            }
            row
        })
        .collect();
    let table = Table {
        title: "Results by point".into(),
        note: "Each metric's mean over the point's replications, with its 95% confidence interval below. \
               Every metric is in sweep_summary.csv, every replication in sweep.csv."
            .into(),
        header,
        units,
        rows,
    };
    let mut charts = Vec::new();
    let grid_like = sweep.design == Design::Grid;
    // A grid: the first parameter on the x axis, a line per combination of
    // the others. Otherwise: each parameter on its own x axis, points only.
    let axes: Vec<usize> = if grid_like {
        vec![0]
    } else {
        (0..sweep.parameters.len()).collect()
    };
    for &axis in &axes {
        let parameter = &sweep.parameters[axis];
        let categorical = sweep.points.iter().any(|(v, _)| numeric(&v[axis]).is_none());
        let mut categories: Vec<String> = Vec::new();
        if categorical {
            for (v, _) in &sweep.points {
                let t = value_text(&v[axis]);
                if !categories.contains(&t) {
                    categories.push(t);
                }
            }
        }
        let x_of = |v: &Value| -> f64 {
            if categorical {
                let t = value_text(v);
                categories.iter().position(|c| *c == t).unwrap_or(0) as f64
            } else {
                numeric(v).unwrap_or(0.0)
            }
        };
        for d in &SWEEP_METRICS {
            let Some(k) = k_of(d.metric) else { continue };
            let mut groups: Vec<(String, Points)> = Vec::new();
            for (p, (values, _)) in sweep.points.iter().enumerate() {
                let key = if grid_like {
                    values
                        .iter()
                        .enumerate()
                        .filter(|(j, _)| *j != axis)
                        .map(|(j, v)| format!("{} = {}", short_path(&sweep.parameters[j]), value_text(v)))
                        .collect::<Vec<_>>()
                        .join(", ")
                } else {
                    String::new()
                };
                let point = (
                    x_of(&values[axis]),
                    estimates[p][k].as_ref().map(|e| interval(e, d.scale)),
                );
                match groups.iter_mut().find(|(g, _)| *g == key) {
                    Some((_, pts)) => pts.push(point),
                    None => groups.push((key, vec![point])),
                }
            }
            for (_, pts) in &mut groups {
                pts.sort_by(|a, b| a.0.total_cmp(&b.0));
            }
            let lines: Vec<Line> = groups
                .into_iter()
                .map(|(label, points)| Line {
                    label: if label.is_empty() {
                        sweep.name.clone()
                    } else {
                        label
                    },
                    points,
                })
                .collect();
            let spec = LineChart {
                title: format!("{} by {}", d.title, short_path(parameter)),
                x_desc: parameter.clone(),
                y_desc: d.unit.to_string(),
                x_labels: categorical.then(|| categories.clone()),
                lines,
                markers: true,
                joined: grid_like,
            };
            let file = format!("response_{}_{}", d.metric, file_safe(parameter));
            charts.push(Chart {
                caption: format!(
                    "{}, {}, at each value of {parameter}: the mean over replications with its 95% confidence {}.",
                    d.title,
                    d.unit,
                    if grid_like { "band" } else { "interval" }
                ),
                title: format!("{} by {}", d.title, short_path(parameter)),
                file,
                svg: charts::line_chart(&spec)?,
            });
        }
    }
    Ok(Report {
        title: format!("tradefin sweep: {}", sweep.name),
        summary: if sweep.description.is_empty() {
            format!(
                "{} points of {}, each run {} times.",
                sweep.points.len(),
                sweep.base,
                sim.replications
            )
        } else {
            sweep.description.clone()
        },
        facts,
        reference: String::new(),
        scenarios: Vec::new(),
        tables: vec![table],
        charts,
        files: vec![
            (
                "sweep_summary.csv".into(),
                "per point: each metric's mean and 95% CI over replications".into(),
            ),
            (
                "sweep.csv".into(),
                "one row per point and replication: the parameter values and every summary metric".into(),
            ),
        ],
    })
}

/// The last component of a scenario path, for titles and legends:
/// `banks.types[0].sme_thresholds.min_score` → `min_score`.
fn short_path(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}

fn file_safe(path: &str) -> String {
    path.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}
