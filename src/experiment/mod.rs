//! Replications, their summary across seeds, and the `run` experiment.

pub mod calibration;
pub mod compare;
pub mod figures;
pub mod search;
pub mod stats;
pub mod sweep;

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use indicatif::{ParallelProgressIterator, ProgressBar, ProgressStyle};
use rayon::prelude::*;

use crate::Result;
use crate::output;
use crate::scenario::Scenario;
use crate::sim::{ReplicationResult, run_replication};

use stats::{Estimate, annual_growth, estimate};

/// Per-replication values of every summary measure, in output order.
#[derive(Debug, Clone)]
pub struct Summary {
    pub names: Vec<String>,
    /// `per_replication[r][k]`: measure k of replication r (`None` if
    /// undefined, e.g. no SME applied in the whole run).
    pub per_replication: Vec<Vec<Option<f64>>>,
    pub estimates: Vec<Option<Estimate>>,
}

impl Summary {
    /// Summarises replications: each metric's ratio of sums over the
    /// reported months, plus `export_growth_annual` (compound annual growth
    /// of monthly exports, from an OLS fit of their log), `exports_total`
    /// and `fiscal_cost_total` (sums over the reported months), and
    /// `size_tail_exponent` (of firm employment in the last month).
    pub fn new(results: &[ReplicationResult]) -> Self {
        let metric_names: Vec<&str> = results.first().map(|r| r.names.clone()).unwrap_or_default();
        let mut names: Vec<String> = metric_names.iter().map(|n| n.to_string()).collect();
        names.push("export_growth_annual".to_string());
        names.push("exports_total".to_string());
        names.push("fiscal_cost_total".to_string());
        names.push("size_tail_exponent".to_string());
        let exports = metric_names.iter().position(|&n| n == "exports");
        let fiscal = metric_names.iter().position(|&n| n == "fiscal_cost");
        let per_replication: Vec<Vec<Option<f64>>> = results
            .iter()
            .map(|r| {
                let mut row: Vec<Option<f64>> = (0..metric_names.len())
                    .map(|k| {
                        let (num, den) = r
                            .months
                            .iter()
                            .fold((0.0, 0.0), |(n, d), m| (n + m.values[k].num, d + m.values[k].den));
                        let scale = r.months.first().map_or(1.0, |m| m.values[k].scale);
                        (den != 0.0).then(|| scale * num / den)
                    })
                    .collect();
                let series: Vec<f64> = exports
                    .map(|k| r.months.iter().map(|m| m.values[k].num).collect())
                    .unwrap_or_default();
                row.push(annual_growth(&series));
                row.push(exports.map(|_| series.iter().sum()));
                row.push(fiscal.map(|k| r.months.iter().map(|m| m.values[k].num).sum()));
                row.push(r.size_tail_exponent);
                row
            })
            .collect();
        let estimates = (0..names.len())
            .map(|k| {
                let values: Vec<f64> = per_replication.iter().filter_map(|row| row[k]).collect();
                estimate(&values)
            })
            .collect();
        Summary {
            names,
            per_replication,
            estimates,
        }
    }

    pub fn get(&self, name: &str) -> Option<&Estimate> {
        let k = self.names.iter().position(|n| n == name)?;
        self.estimates[k].as_ref()
    }
}

/// The outcome of `tradefin run`.
#[derive(Debug)]
pub struct RunReport {
    pub name: String,
    pub timing: Timing,
    pub summary: Summary,
    /// Time per phase, summed over replications (`tradefin run --profile`).
    pub profile: crate::sim::Profile,
}

/// Metrics shown on the console after a run.
pub const HEADLINE: [&str; 13] = [
    "approval_rate_sme",
    "approval_rate_large",
    "discouraged_share_sme",
    "financing_gap_share",
    "exports",
    "export_growth_annual",
    "exports_sme_share",
    "exporter_share",
    "lost_export_orders",
    "firm_default_rate",
    "npl_ratio",
    "bank_capital_ratio",
    "fiscal_cost_total",
];

impl RunReport {
    pub fn throughput_line(&self) -> String {
        self.timing.throughput_line()
    }

    /// The headline metrics with 95 % confidence intervals.
    pub fn console_summary(&self) -> String {
        let mut out = format!(
            "{}: {} replications\n{:<24} {:>14}  {:>29}\n",
            self.name, self.timing.replications, "metric", "mean", "95% CI"
        );
        for name in HEADLINE {
            let _ = match self.summary.get(name) {
                Some(e) => {
                    let m = magnitude(e);
                    match (e.ci_low, e.ci_high) {
                        (Some(lo), Some(hi)) => writeln!(
                            out,
                            "{name:<24} {:>14}  [{:>12}, {:>12}]",
                            fmt_like(e.mean, m),
                            fmt_like(lo, m),
                            fmt_like(hi, m)
                        ),
                        _ => writeln!(out, "{name:<24} {:>14}", fmt_like(e.mean, m)),
                    }
                }
                None => writeln!(out, "{name:<24} {:>14}", "n/a"),
            };
        }
        out
    }
}

/// Four decimals for shares, whole thousands grouped for levels.
pub(crate) fn fmt_num(x: f64) -> String {
    if x.abs() >= 1000.0 {
        let s = format!("{:.0}", x.abs());
        let mut grouped = String::new();
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(c);
        }
        if x < 0.0 { format!("-{grouped}") } else { grouped }
    } else {
        format!("{x:.4}")
    }
}

/// `x` with as many decimals as numbers of `magnitude` need: none from
/// 100 (thousands grouped), 1 from 10, 2 from 1, else 4.
pub(crate) fn fmt_like(x: f64, magnitude: f64) -> String {
    let m = magnitude.abs();
    if m >= 100.0 {
        if x.abs() >= 1000.0 {
            fmt_num(x)
        } else {
            format!("{x:.0}")
        }
    } else if m >= 10.0 {
        format!("{x:.1}")
    } else if m >= 1.0 {
        format!("{x:.2}")
    } else {
        format!("{x:.4}")
    }
}

pub(crate) fn signed_like(x: f64, magnitude: f64) -> String {
    let s = fmt_like(x, magnitude);
    if x >= 0.0 { format!("+{s}") } else { s }
}

/// The largest absolute value among an estimate's mean and bounds.
pub(crate) fn magnitude(e: &Estimate) -> f64 {
    [Some(e.mean), e.ci_low, e.ci_high]
        .into_iter()
        .flatten()
        .fold(0.0, |m, x| m.max(x.abs()))
}

/// Runs every replication of `s` in parallel (results are identical for
/// any number of threads) and returns them in replication order, or the
/// first failed replication's error.
pub fn run_replications(s: &Scenario) -> Result<Vec<ReplicationResult>> {
    let n = s.simulation.replications as u64;
    let bar = ProgressBar::new(n).with_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} replications, {elapsed}")
            .expect("a valid progress template")
            .progress_chars("=> "),
    );
    bar.set_message(s.name.clone());
    let results = (0..s.simulation.replications)
        .into_par_iter()
        .progress_with(bar.clone())
        .map(|r| run_replication(s, r))
        .collect();
    bar.finish_and_clear();
    results
}

/// `tradefin run`: all replications of one scenario, summarised and written
/// to `out`.
pub fn run_scenario(s: &Scenario, out: &Path) -> Result<RunReport> {
    let started = Instant::now();
    let results = run_replications(s)?;
    let summary = Summary::new(&results);
    output::write_run(out, s, &results, &summary)?;
    let monthly = figures::Monthly::new(&results, &figures::charted_metrics());
    let reference = crate::scenario::load("baseline", &[]).ok();
    let report = figures::run_report(s, &summary, &monthly, reference.as_ref())?;
    output::report::write(out, &report)?;
    let mut profile = crate::sim::Profile::default();
    results.iter().for_each(|r| profile.merge(&r.profile));
    Ok(RunReport {
        name: s.name.clone(),
        timing: Timing::of(s, started),
        summary,
        profile,
    })
}

/// The outcome of `tradefin calibrate`.
#[derive(Debug)]
pub struct CalibrationReport {
    pub name: String,
    pub rows: Vec<calibration::Row>,
    pub timing: Timing,
}

/// Work done and time taken, for the throughput line.
#[derive(Debug, Clone)]
pub struct Timing {
    pub firms: u64,
    pub months_simulated: u64,
    pub replications: u64,
    pub elapsed: Duration,
}

impl Timing {
    fn of(s: &Scenario, started: Instant) -> Self {
        Timing {
            firms: s.simulation.firms as u64,
            months_simulated: (s.simulation.burn_in_months + s.simulation.months) as u64,
            replications: s.simulation.replications as u64,
            elapsed: started.elapsed(),
        }
    }

    /// Firms × simulated months (burn-in included) × replications per second.
    pub fn throughput_line(&self) -> String {
        let firm_months = (self.firms * self.months_simulated * self.replications) as f64;
        let seconds = self.elapsed.as_secs_f64().max(1e-9);
        format!(
            "throughput: {:.1} M firm-months/s ({} firms × {} months × {} replications in {:.1} s)",
            firm_months / seconds / 1e6,
            self.firms,
            self.months_simulated,
            self.replications,
            seconds
        )
    }
}

/// `tradefin calibrate`: runs `s` and measures every calibration target,
/// writing the table to `out`.
pub fn calibrate(s: &Scenario, out: &Path) -> Result<CalibrationReport> {
    let started = Instant::now();
    let rows = calibration::table(&run_replications(s)?);
    output::write_calibration(out, s, &rows)?;
    Ok(CalibrationReport {
        name: s.name.clone(),
        rows,
        timing: Timing::of(s, started),
    })
}

impl CalibrationReport {
    /// The table as printed on the console.
    pub fn console_table(&self) -> String {
        let mut out = format!(
            "{}: calibration targets ({} replications)\n{:<4} {:<58} {:>14} {:>9}  {:>21}  in band\n",
            self.name, self.timing.replications, "id", "target", "band", "simulated", "95% CI"
        );
        let num = |x: Option<f64>| x.map_or_else(|| "n/a".to_string(), |v| format!("{v:.4}"));
        for r in &self.rows {
            let target: String = r.target.chars().take(58).collect();
            let band = calibration::TARGETS
                .iter()
                .find(|t| t.id == r.id)
                .map(|t| t.band())
                .unwrap_or_default();
            let ci = match (r.ci_low, r.ci_high) {
                (Some(lo), Some(hi)) => format!("[{lo:.4}, {hi:.4}]"),
                _ => String::new(),
            };
            let _ = writeln!(
                out,
                "{:<4} {target:<58} {band:>14} {:>9}  {ci:>21}  {}",
                r.id,
                num(r.simulated),
                if r.in_band { "yes" } else { "NO" }
            );
        }
        let passed = self.rows.iter().filter(|r| r.in_band).count();
        let _ = writeln!(out, "{passed} of {} targets in band", self.rows.len());
        out
    }
}

/// The outcome of `tradefin calibrate --search`.
#[derive(Debug)]
pub struct SearchReport {
    pub best: search::Point,
    /// The best point's changes to the scenario, as `--set` arguments.
    pub changes: Vec<String>,
    pub calibration: CalibrationReport,
    pub timing: Timing,
}

/// `tradefin calibrate --search N`: searches the free parameters of `s`
/// and writes every point to `out/search.csv`.
pub fn calibration_search(
    s: &Scenario,
    n: usize,
    design_seed: u64,
    out: &Path,
    progress: impl FnMut(usize, &search::Point),
) -> Result<SearchReport> {
    let started = Instant::now();
    let (points, best) = search::search(s, n, design_seed, progress)?;
    output::write_search(out, s, &points)?;
    let best = points[best].clone();
    let mut timing = Timing::of(s, started);
    timing.replications *= points.len() as u64;
    Ok(SearchReport {
        changes: search::changes(s, &best.values),
        calibration: CalibrationReport {
            name: format!("{} at the best point", s.name),
            rows: best.rows.clone(),
            timing: Timing::of(s, started),
        },
        best,
        timing,
    })
}

impl SearchReport {
    pub fn console(&self) -> String {
        let mut out = self.calibration.console_table();
        let _ = writeln!(
            out,
            "distance to the band centres {:.3}; best point:",
            self.best.distance
        );
        for (p, x) in search::FREE.iter().zip(&self.best.values) {
            let _ = writeln!(out, "  {:<78} {x:.4}", p.name);
        }
        let _ = writeln!(out, "as changes to the scenario:");
        for c in &self.changes {
            let _ = writeln!(out, "  --set {c}");
        }
        out
    }
}

/// The outcome of `tradefin compare` (and of the showcase).
#[derive(Debug)]
pub struct ComparisonReport {
    /// Scenario names as written to disk, the baseline first.
    pub names: Vec<String>,
    pub rows: Vec<compare::Row>,
    pub replications: u64,
    /// Firm-months simulated (burn-in included) in all scenarios and
    /// replications.
    pub firm_months: u64,
    pub elapsed: Duration,
}

/// Runs every scenario (the first is the baseline) with the baseline's
/// seed and number of replications, so that replication r of each uses
/// the same random numbers; writes each scenario's files to `out/<name>/`
/// and `comparison.csv` to `out`.
pub fn run_comparison(scenarios: &[Scenario], out: &Path) -> Result<ComparisonReport> {
    let started = Instant::now();
    let base = &scenarios[0].simulation;
    let mut names: Vec<String> = Vec::new();
    let mut summaries = Vec::new();
    let mut monthly = Vec::new();
    let mut run = Vec::new();
    let mut firm_months = 0u64;
    for s in scenarios {
        let mut s = s.clone();
        s.simulation.seed = base.seed;
        s.simulation.replications = base.replications;
        // Two scenarios of the same name get their own directories.
        let mut name = s.name.clone();
        let mut k = 2;
        while names.contains(&name) {
            name = format!("{}_{k}", s.name);
            k += 1;
        }
        let results = run_replications(&s)?;
        let summary = Summary::new(&results);
        output::write_run(&out.join(&name), &s, &results, &summary)?;
        firm_months += s.simulation.replications as u64
            * s.simulation.firms as u64
            * (s.simulation.burn_in_months + s.simulation.months) as u64;
        names.push(name);
        summaries.push(summary);
        monthly.push(figures::Monthly::new(&results, &figures::charted_metrics()));
        run.push(s);
    }
    let rows = compare::rows(&names, &summaries);
    output::write_comparison(out, &rows)?;
    let report = figures::comparison_report(&run, &names, &rows, &monthly)?;
    output::report::write(out, &report)?;
    Ok(ComparisonReport {
        names,
        rows,
        replications: base.replications as u64,
        firm_months,
        elapsed: started.elapsed(),
    })
}

impl ComparisonReport {
    pub fn console_table(&self) -> String {
        let others = self.names.len() - 1;
        format!(
            "{others} scenario{} against {}, {} replications each (paired differences, 95% CI)\n{}",
            if others == 1 { "" } else { "s" },
            self.names[0],
            self.replications,
            compare::console_table(&self.rows, &self.names)
        )
    }

    pub fn throughput_line(&self) -> String {
        let seconds = self.elapsed.as_secs_f64().max(1e-9);
        format!(
            "throughput: {:.1} M firm-months/s ({} scenarios × {} replications, {:.1} M firm-months in {:.1} s)",
            self.firm_months as f64 / seconds / 1e6,
            self.names.len(),
            self.replications,
            self.firm_months as f64 / 1e6,
            seconds
        )
    }
}

/// The outcome of `tradefin sweep`.
#[derive(Debug)]
pub struct SweepReport {
    pub name: String,
    /// Each point's headline metrics, as printed on the console.
    pub table: String,
    pub points: usize,
    pub cells: usize,
    pub firm_months: u64,
    pub elapsed: Duration,
}

impl SweepReport {
    pub fn throughput_line(&self) -> String {
        let seconds = self.elapsed.as_secs_f64().max(1e-9);
        format!(
            "throughput: {:.1} M firm-months/s ({} points, {} point-replications, {:.1} M firm-months in {:.1} s)",
            self.firm_months as f64 / seconds / 1e6,
            self.points,
            self.cells,
            self.firm_months as f64 / 1e6,
            seconds
        )
    }
}

/// Point-replications run at once; their rows are written in order before
/// the next batch starts, so memory stays flat and the file's bytes do not
/// depend on the number of threads.
const SWEEP_BATCH: usize = 32;

/// `tradefin sweep`: runs every replication of every point, streaming one
/// row per point and replication to `sweep.csv`, then writes the mean and
/// 95 % CI of each metric per point to `sweep_summary.csv`.
pub fn run_sweep(sweep: &sweep::Sweep, out: &Path) -> Result<SweepReport> {
    let started = Instant::now();
    let cells: Vec<(usize, u32)> = sweep
        .points
        .iter()
        .enumerate()
        .flat_map(|(p, (_, s))| (0..s.simulation.replications).map(move |r| (p, r)))
        .collect();
    let bar = ProgressBar::new(cells.len() as u64).with_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} point-replications, {elapsed}")
            .expect("a valid progress template")
            .progress_chars("=> "),
    );
    bar.set_message(sweep.name.clone());
    let mut writer = output::StreamedCsv::create(&out.join("sweep.csv"))?;
    let mut names: Vec<String> = Vec::new();
    // Per point and metric: n, Σx, Σx²; and the same of the paired
    // differences to point 1, whose values per replication are kept (cells
    // run point by point, so point 1's come first).
    let mut sums: Vec<Vec<(f64, f64, f64)>> = Vec::new();
    let mut diff_sums: Vec<Vec<(f64, f64, f64)>> = Vec::new();
    let mut first_point: Vec<Vec<Option<f64>>> = Vec::new();
    let mut firm_months = 0u64;
    for batch in cells.chunks(SWEEP_BATCH) {
        // A failed cell stops the sweep; sweep.csv stays under its
        // temporary name, so no file looks complete.
        let rows: Vec<(usize, u32, Summary)> = batch
            .par_iter()
            .map(|&(p, r)| Ok((p, r, Summary::new(&[run_replication(&sweep.points[p].1, r)?]))))
            .collect::<Result<_>>()?;
        for (p, r, summary) in rows {
            if names.is_empty() {
                names = summary.names.clone();
                sums = vec![vec![(0.0, 0.0, 0.0); names.len()]; sweep.points.len()];
                diff_sums = sums.clone();
                let mut header = vec!["point".to_string(), "replication".to_string()];
                header.extend(sweep.parameters.iter().cloned());
                header.extend(names.iter().cloned());
                writer.write(&header)?;
            }
            let (values, s) = &sweep.points[p];
            let mut row = vec![(p + 1).to_string(), r.to_string()];
            row.extend(values.iter().map(output::value_cell));
            let values_r = &summary.per_replication[0];
            if p == 0 {
                let r = r as usize;
                if first_point.len() <= r {
                    first_point.resize(r + 1, Vec::new());
                }
                first_point[r] = values_r.clone();
            }
            let reference = first_point.get(r as usize);
            for (k, x) in values_r.iter().enumerate() {
                row.push(output::number_cell(*x));
                if let Some(x) = x {
                    let acc = &mut sums[p][k];
                    *acc = (acc.0 + 1.0, acc.1 + x, acc.2 + x * x);
                    if let Some(b) = reference.and_then(|row| row.get(k).copied().flatten()) {
                        let d = x - b;
                        let acc = &mut diff_sums[p][k];
                        *acc = (acc.0 + 1.0, acc.1 + d, acc.2 + d * d);
                    }
                }
            }
            writer.write(&row)?;
            firm_months +=
                s.simulation.firms as u64 * (s.simulation.burn_in_months + s.simulation.months) as u64;
            bar.inc(1);
        }
    }
    bar.finish_and_clear();
    writer.finish()?;
    let estimate_all = |sums: &[Vec<(f64, f64, f64)>]| -> Vec<Vec<Option<stats::Estimate>>> {
        sums.iter()
            .map(|point| {
                point
                    .iter()
                    .map(|&(n, sum, squares)| stats::from_sums(n, sum, squares))
                    .collect()
            })
            .collect()
    };
    let estimates = estimate_all(&sums);
    output::write_sweep_summary(out, sweep, &names, &estimates, &estimate_all(&diff_sums))?;
    let report = figures::sweep_report(sweep, &names, &estimates)?;
    output::report::write(out, &report)?;
    Ok(SweepReport {
        name: sweep.name.clone(),
        table: report.tables.first().map(|t| t.console()).unwrap_or_default(),
        points: sweep.points.len(),
        cells: cells.len(),
        firm_months,
        elapsed: started.elapsed(),
    })
}
