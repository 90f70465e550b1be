//! Replications, their summary across seeds, and the `run` experiment.

pub mod calibration;
pub mod cells;
pub mod compare;
pub mod figures;
pub mod search;
pub mod stats;
pub mod sweep;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use indicatif::{ParallelProgressIterator, ProgressBar, ProgressStyle};
use rayon::prelude::*;

use crate::output;
use crate::scenario::Scenario;
use crate::sim::{ReplicationResult, run_replication, run_replication_cancellable};
use crate::{Cancel, Error, Result};

use cells::{Manifest, Program, ScenarioEntry, Shard, Store};

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
    /// Replications read back from an interrupted run (`--resume`).
    pub resumed: usize,
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
            self.name,
            self.summary.per_replication.len(),
            "metric",
            "mean",
            "95% CI"
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
    // Every replication runs; the error reported is the lowest-numbered
    // replication's, whatever the threads' timing.
    let results: Vec<Result<ReplicationResult>> = (0..s.simulation.replications)
        .into_par_iter()
        .progress_with(bar.clone())
        .map(|r| run_replication(s, r))
        .collect();
    bar.finish_and_clear();
    results.into_iter().collect()
}

/// How a command that writes results treats its output directory.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Continue an interrupted run in the same directory, reading back the
    /// replications (sweep cells) it finished.
    pub resume: bool,
    /// Stop between phases of a month when requested; finished work stays on disk.
    pub cancel: Cancel,
}

/// Runs the replications of `s` (the `index`-th scenario of the command,
/// from 1) that `store` does not hold yet, writing each to it as it
/// finishes, and reads back those it holds. Returns the finished ones in
/// replication order, and whether all are finished (false if cancelled).
fn replications_with_cells(
    s: &Scenario,
    index: usize,
    store: &Store,
    cancel: &Cancel,
) -> Result<(Vec<ReplicationResult>, bool)> {
    let n = s.simulation.replications;
    let bar = ProgressBar::new(n as u64).with_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} replications, {elapsed}")
            .expect("a valid progress template")
            .progress_chars("=> "),
    );
    bar.set_message(s.name.clone());
    let outcomes = (0..n)
        .into_par_iter()
        .progress_with(bar.clone())
        .map(|r| {
            let cell = cells::replication_cell(index, r);
            if store.has(&cell) {
                let path = store.dir().join(&cell);
                let result = cells::decode_replication(&path, &store.get(&cell)?)?;
                if result.replication != r {
                    return Err(Error::Runtime(format!(
                        "{}: holds replication {}, not {r}: delete it and resume",
                        path.display(),
                        result.replication
                    )));
                }
                return Ok(Some(result));
            }
            match run_replication_cancellable(s, r, cancel) {
                Ok(result) => {
                    store.put(&cell, &cells::encode_replication(&result))?;
                    Ok(Some(result))
                }
                Err(e) if e.is_interrupted() => Ok(None),
                Err(e) => Err(e),
            }
        })
        .collect::<Vec<Result<Option<ReplicationResult>>>>()
        // The lowest-numbered replication's error, whatever the timing.
        .into_iter()
        .collect::<Result<Vec<Option<ReplicationResult>>>>();
    bar.finish_and_clear();
    let outcomes = outcomes?;
    let complete = outcomes.iter().all(Option::is_some);
    Ok((outcomes.into_iter().flatten().collect(), complete))
}

/// The manifest of a run or comparison of `scenarios` (named `names`).
fn run_manifest(command: &str, names: &[String], scenarios: &[Scenario]) -> Manifest {
    let entries: Vec<ScenarioEntry> = names
        .iter()
        .zip(scenarios)
        .map(|(name, s)| ScenarioEntry::of(name, s))
        .collect();
    let hashes: Vec<&str> = entries.iter().map(|e| e.hash.as_str()).collect();
    Manifest {
        tradefin: Program::current(),
        command: command.to_string(),
        complete: false,
        scenario_hash: cells::hash_json(&hashes),
        sweep_hash: None,
        shard: None,
        cells_total: scenarios.iter().map(|s| s.simulation.replications as usize).sum(),
        cells: Vec::new(),
        scenarios: entries,
        sweep: None,
    }
}

/// The error an interrupted command returns: what it kept, and where.
fn interrupted(store: &Store, total: usize, unit: &str) -> Error {
    Error::Interrupted(format!(
        "{} of {total} {unit} are kept in {}",
        store.done(),
        store.dir().display()
    ))
}

/// `tradefin run`: all replications of one scenario, summarised and written
/// to `out`. Each replication is kept in `out/cells/` as it finishes until
/// the run is complete; a cancelled run writes `summary.json` with
/// `"complete": false` and returns [`Error::Interrupted`].
pub fn run_scenario(s: &Scenario, out: &Path, options: &Options) -> Result<RunReport> {
    let started = Instant::now();
    let manifest = run_manifest("run", std::slice::from_ref(&s.name), std::slice::from_ref(s));
    let store = Store::open(out, manifest, options.resume, "summary.json", || {
        output::remove_results(out, &output::RUN_FILES)
    })?;
    let resumed = store.resumed;
    let (results, complete) = replications_with_cells(s, 1, &store, &options.cancel)?;
    if !complete {
        output::write_incomplete_run(out, s, &Summary::new(&results))?;
        store.write_manifest(false)?;
        return Err(interrupted(
            &store,
            s.simulation.replications as usize,
            "replications",
        ));
    }
    let summary = Summary::new(&results);
    output::write_run(out, s, &results, &summary)?;
    let monthly = figures::Monthly::new(&results, &figures::charted_metrics());
    let reference = crate::scenario::load("baseline", &[]).ok();
    let report = figures::run_report(s, &summary, &monthly, reference.as_ref())?;
    output::report::write(out, &report)?;
    store.remove()?;
    let mut profile = crate::sim::Profile::default();
    results.iter().for_each(|r| profile.merge(&r.profile));
    let mut timing = Timing::of(s, started);
    timing.replications -= resumed as u64;
    Ok(RunReport {
        name: s.name.clone(),
        resumed,
        timing,
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
    /// Replications read back from an interrupted comparison (`--resume`).
    pub resumed: usize,
    /// Firm-months simulated (burn-in included) in all scenarios and
    /// replications.
    pub firm_months: u64,
    pub elapsed: Duration,
}

/// Runs every scenario (the first is the baseline) with the baseline's
/// seed and number of replications, so that replication r of each uses
/// the same random numbers; writes each scenario's files to `out/<name>/`
/// and `comparison.csv` to `out`. Replications are kept in `out/cells/`
/// until the comparison is complete, as in [`run_scenario`].
pub fn run_comparison(scenarios: &[Scenario], out: &Path, options: &Options) -> Result<ComparisonReport> {
    let started = Instant::now();
    let base = &scenarios[0].simulation;
    let mut names: Vec<String> = Vec::new();
    let mut run = Vec::new();
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
        names.push(name);
        run.push(s);
    }
    let manifest = run_manifest("compare", &names, &run);
    let total = manifest.cells_total;
    let store = Store::open(out, manifest, options.resume, "comparison.csv", || {
        output::remove_results(out, &["comparison.csv", "report.html", "report.md"])?;
        names
            .iter()
            .try_for_each(|name| output::remove_results(&out.join(name), &output::RUN_FILES))
    })?;
    let resumed = store.resumed;
    let mut summaries = Vec::new();
    let mut monthly = Vec::new();
    let mut firm_months = 0u64;
    for (i, (name, s)) in names.iter().zip(&run).enumerate() {
        let read_back = (0..s.simulation.replications)
            .filter(|&r| store.has(&cells::replication_cell(i + 1, r)))
            .count() as u64;
        let (results, complete) = replications_with_cells(s, i + 1, &store, &options.cancel)?;
        let summary = Summary::new(&results);
        if !complete {
            output::write_incomplete_run(&out.join(name), s, &summary)?;
            store.write_manifest(false)?;
            return Err(interrupted(&store, total, "replications (of all scenarios)"));
        }
        output::write_run(&out.join(name), s, &results, &summary)?;
        firm_months += (s.simulation.replications as u64 - read_back)
            * s.simulation.firms as u64
            * (s.simulation.burn_in_months + s.simulation.months) as u64;
        summaries.push(summary);
        monthly.push(figures::Monthly::new(&results, &figures::charted_metrics()));
    }
    let rows = compare::rows(&names, &summaries);
    output::write_comparison(out, &rows)?;
    let report = figures::comparison_report(&run, &names, &rows, &monthly)?;
    output::report::write(out, &report)?;
    store.remove()?;
    Ok(ComparisonReport {
        names,
        rows,
        replications: base.replications as u64,
        resumed,
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

/// The outcome of `tradefin sweep` and `tradefin merge`.
#[derive(Debug)]
pub struct SweepReport {
    pub name: String,
    /// Each point's headline metrics, as printed on the console (empty for
    /// a shard, which writes only its cells).
    pub table: String,
    pub points: usize,
    /// Point-replications of the sweep, or of the shard.
    pub cells: usize,
    /// Point-replications read back from an interrupted sweep (`--resume`).
    pub resumed: usize,
    pub shard: Option<Shard>,
    /// Firm-months simulated (none for a merge).
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

/// Point-replications run at once; each is written to `cells/` as it
/// finishes, and a cancelled sweep stops after the batch it is in.
const SWEEP_BATCH: usize = 32;

/// Options of `tradefin sweep`.
#[derive(Debug, Clone, Default)]
pub struct SweepOptions {
    pub run: Options,
    /// Run only this shard's cells and keep them for `tradefin merge`.
    pub shard: Option<Shard>,
}

/// The files a sweep writes besides `charts/`.
const SWEEP_FILES: [&str; 4] = ["sweep.csv", "sweep_summary.csv", "report.html", "report.md"];

/// Every (point, replication) of a sweep in point-major order, from 0.
fn sweep_cells(sweep: &sweep::Sweep) -> Vec<(usize, u32)> {
    sweep
        .points
        .iter()
        .enumerate()
        .flat_map(|(p, (_, s))| (0..s.simulation.replications).map(move |r| (p, r)))
        .collect()
}

fn sweep_manifest(sweep: &sweep::Sweep, shard: Option<Shard>) -> Manifest {
    let entry = sweep::manifest_entry(sweep);
    let hashes: Vec<&str> = entry.points.iter().map(|p| p.hash.as_str()).collect();
    let total = sweep_cells(sweep).len();
    Manifest {
        tradefin: Program::current(),
        command: "sweep".to_string(),
        complete: false,
        scenario_hash: cells::hash_json(&hashes),
        sweep_hash: Some(cells::hash_json(&entry)),
        shard,
        cells_total: shard.map_or(total, |s| (0..total).filter(|&k| s.owns(k)).count()),
        cells: Vec::new(),
        scenarios: vec![ScenarioEntry::of(&sweep.points[0].1.name, &sweep.points[0].1)],
        sweep: Some(entry),
    }
}

/// `tradefin sweep`: runs every replication of every point (or a shard's
/// share of them), keeping each in `out/cells/` as it finishes. Unsharded,
/// it then writes one row per point and replication to `sweep.csv`, the
/// mean and 95 % CI of each metric per point to `sweep_summary.csv` and
/// the report, and removes the cells; a shard keeps its cells and a
/// manifest for `tradefin merge`.
pub fn run_sweep(sweep: &sweep::Sweep, out: &Path, options: &SweepOptions) -> Result<SweepReport> {
    let started = Instant::now();
    let all = sweep_cells(sweep);
    let mine: Vec<(usize, u32)> = all
        .iter()
        .enumerate()
        .filter(|(k, _)| options.shard.is_none_or(|s| s.owns(*k)))
        .map(|(_, &c)| c)
        .collect();
    let manifest = sweep_manifest(sweep, options.shard);
    let store = Store::open(out, manifest, options.run.resume, "sweep.csv", || {
        output::remove_results(out, &SWEEP_FILES)
    })?;
    let resumed = store.resumed;
    let todo: Vec<(usize, u32)> = mine
        .iter()
        .copied()
        .filter(|&(p, r)| !store.has(&cells::sweep_cell(p + 1, r)))
        .collect();
    let bar = ProgressBar::new(mine.len() as u64).with_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} point-replications, {elapsed}")
            .expect("a valid progress template")
            .progress_chars("=> "),
    );
    bar.set_message(sweep.name.clone());
    bar.inc((mine.len() - todo.len()) as u64);
    let cancel = &options.run.cancel;
    let mut firm_months = 0u64;
    for batch in todo.chunks(SWEEP_BATCH) {
        if cancel.is_requested() {
            break;
        }
        let finished = batch
            .par_iter()
            .map(
                |&(p, r)| match run_replication_cancellable(&sweep.points[p].1, r, cancel) {
                    Ok(result) => {
                        let summary = Summary::new(&[result]);
                        let bytes =
                            cells::encode_sweep_cell(p + 1, r, &summary.names, &summary.per_replication[0]);
                        store.put(&cells::sweep_cell(p + 1, r), &bytes)?;
                        bar.inc(1);
                        Ok(1u64)
                    }
                    Err(e) if e.is_interrupted() => Ok(0),
                    Err(e) => Err(e),
                },
            )
            .collect::<Vec<Result<u64>>>()
            // The first failed cell's error in sweep order, whatever the timing.
            .into_iter()
            .collect::<Result<Vec<u64>>>()?;
        for (&(p, _), done) in batch.iter().zip(finished) {
            let s = &sweep.points[p].1.simulation;
            firm_months += done * s.firms as u64 * (s.burn_in_months + s.months) as u64;
        }
    }
    bar.finish_and_clear();
    let name = sweep.name.clone();
    let report = |table: String, cells: usize, firm_months: u64| SweepReport {
        name: name.clone(),
        table,
        points: sweep.points.len(),
        cells,
        resumed,
        shard: options.shard,
        firm_months,
        elapsed: started.elapsed(),
    };
    if store.done() < mine.len() {
        store.write_manifest(false)?;
        return Err(interrupted(&store, mine.len(), "point-replications"));
    }
    if options.shard.is_some() {
        store.write_manifest(true)?;
        return Ok(report(String::new(), mine.len(), firm_months));
    }
    let table = write_sweep_files(sweep, out, |p, r| {
        let cell = cells::sweep_cell(p + 1, r);
        cells::decode_sweep_cell(&store.dir().join(&cell), &store.get(&cell)?, p + 1, r)
    })?;
    store.remove()?;
    Ok(report(table, mine.len(), firm_months))
}

/// Writes a sweep's files into `out` from its cells, read one at a time in
/// point-major order by `cell(point, replication)` (point from 0) as
/// (metric names, values), so that memory stays flat and the bytes do not
/// depend on how or where the cells were run. Returns the console table.
fn write_sweep_files(
    sweep: &sweep::Sweep,
    out: &Path,
    cell: impl Fn(usize, u32) -> Result<(Vec<String>, Vec<Option<f64>>)>,
) -> Result<String> {
    let mut writer = output::StreamedCsv::create(&out.join("sweep.csv"))?;
    let mut names: Vec<String> = Vec::new();
    // Per point and metric: n, Σx, Σx²; and the same of the paired
    // differences to point 1, whose values per replication are kept (cells
    // come point by point, so point 1's come first).
    let mut sums: Vec<Vec<(f64, f64, f64)>> = Vec::new();
    let mut diff_sums: Vec<Vec<(f64, f64, f64)>> = Vec::new();
    let mut first_point: Vec<Vec<Option<f64>>> = Vec::new();
    for (p, r) in sweep_cells(sweep) {
        let (cell_names, values_r) = cell(p, r)?;
        if names.is_empty() {
            names = cell_names;
            sums = vec![vec![(0.0, 0.0, 0.0); names.len()]; sweep.points.len()];
            diff_sums = sums.clone();
            let mut header = vec!["point".to_string(), "replication".to_string()];
            header.extend(sweep.parameters.iter().cloned());
            header.extend(names.iter().cloned());
            writer.write(&header)?;
        } else if cell_names != names {
            return Err(Error::Runtime(format!(
                "the cell of point {} replication {r} has other metrics than the first cell: cells from different versions of tradefin?",
                p + 1
            )));
        }
        let values = &sweep.points[p].0;
        let mut row = vec![(p + 1).to_string(), r.to_string()];
        row.extend(values.iter().map(output::value_cell));
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
    }
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
    Ok(report.tables.first().map(|t| t.console()).unwrap_or_default())
}

/// `tradefin merge`: joins the cells of a sharded sweep's output
/// directories and writes into `out` exactly the files the unsharded sweep
/// writes. Every shard must be complete, all manifests must agree (program
/// version, scenarios, sweep, number of shards), and every cell must be
/// present exactly once; otherwise a bad-input error names the shards or
/// cells at fault.
pub fn merge_shards(dirs: &[PathBuf], out: &Path) -> Result<SweepReport> {
    let started = Instant::now();
    let manifests: Vec<Manifest> = dirs
        .iter()
        .map(|d| cells::read_manifest(d))
        .collect::<Result<_>>()?;
    let first = &manifests[0];
    let source = |i: usize| dirs[i].display().to_string();
    for (i, m) in manifests.iter().enumerate() {
        let Some(shard) = m.shard else {
            return Err(Error::input(
                source(i),
                format!("holds a `{}` that was not sharded: nothing to merge", m.command),
            ));
        };
        if !m.complete {
            return Err(Error::input(
                source(i),
                format!(
                    "shard {shard} is incomplete ({} of {} point-replications): run it again with --resume",
                    m.cells.len(),
                    m.cells_total
                ),
            ));
        }
        if i > 0 {
            let mut differences = first.differences(m);
            differences.retain(|d| !d.starts_with("shard:"));
            if let (Some(a), Some(b)) = (first.shard, m.shard)
                && a.count != b.count
            {
                differences.push(format!("{} shards there, {} here", a.count, b.count));
            }
            if !differences.is_empty() {
                return Err(Error::input(
                    source(i),
                    format!(
                        "does not belong to the same sweep as {}: {}",
                        source(0),
                        differences.join("; ")
                    ),
                ));
            }
        }
    }
    let entry = first
        .sweep
        .as_ref()
        .ok_or_else(|| Error::input(source(0), "its manifest describes no sweep"))?;
    let base: Scenario = serde_json::from_value(first.scenarios[0].scenario.clone())
        .map_err(|e| Error::input(source(0), format!("its manifest's scenario does not load: {e}")))?;
    let sweep = sweep::from_manifest(entry, &base).map_err(|e| Error::input(source(0), e.to_string()))?;
    // Where each cell is; a cell in no directory or in two is an error.
    let all = sweep_cells(&sweep);
    let mut holder: Vec<Vec<usize>> = vec![Vec::new(); all.len()];
    for (i, m) in manifests.iter().enumerate() {
        let listed: std::collections::BTreeSet<&str> = m.cells.iter().map(String::as_str).collect();
        for (k, &(p, r)) in all.iter().enumerate() {
            let cell = cells::sweep_cell(p + 1, r);
            if listed.contains(cell.as_str()) && dirs[i].join(cells::DIR).join(&cell).is_file() {
                holder[k].push(i);
            }
        }
    }
    let name_of = |k: usize| format!("point {} replication {}", all[k].0 + 1, all[k].1);
    let missing: Vec<String> = (0..all.len())
        .filter(|&k| holder[k].is_empty())
        .map(name_of)
        .collect();
    let twice: Vec<String> = (0..all.len())
        .filter(|&k| holder[k].len() > 1)
        .map(|k| {
            let in_dirs: Vec<String> = holder[k].iter().map(|&i| source(i)).collect();
            format!("{} (in {})", name_of(k), in_dirs.join(" and "))
        })
        .collect();
    let list = |cells: &[String]| {
        let shown: Vec<&str> = cells.iter().take(10).map(String::as_str).collect();
        let more = cells.len().saturating_sub(shown.len());
        format!(
            "{}{}",
            shown.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        )
    };
    let mut problems = Vec::new();
    if !missing.is_empty() {
        let count = first.shard.map_or(0, |s| s.count);
        let mut have: Vec<u32> = manifests
            .iter()
            .filter_map(|m| m.shard.map(|s| s.index))
            .collect();
        have.sort_unstable();
        let absent: Vec<String> = (1..=count)
            .filter(|i| !have.contains(i))
            .map(|i| format!("{i}/{count}"))
            .collect();
        let shards = if absent.is_empty() {
            String::new()
        } else {
            format!(" (shard {} not given)", absent.join(", "))
        };
        problems.push(format!(
            "{} cells missing{shards}: {}",
            missing.len(),
            list(&missing)
        ));
    }
    if !twice.is_empty() {
        problems.push(format!("{} cells present twice: {}", twice.len(), list(&twice)));
    }
    if !problems.is_empty() {
        let given: Vec<String> = (0..dirs.len()).map(source).collect();
        return Err(Error::input(
            format!("merge {}", given.join(" ")),
            problems.join("; "),
        ));
    }
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    output::remove_temporaries(out)?;
    output::remove_results(out, &SWEEP_FILES)?;
    let index_of: std::collections::HashMap<(usize, u32), usize> =
        all.iter().enumerate().map(|(k, &c)| (c, k)).collect();
    let table = write_sweep_files(&sweep, out, |p, r| {
        let dir = &dirs[holder[index_of[&(p, r)]][0]];
        let path = dir.join(cells::DIR).join(cells::sweep_cell(p + 1, r));
        let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        cells::decode_sweep_cell(&path, &text, p + 1, r)
    })?;
    Ok(SweepReport {
        name: sweep.name.clone(),
        table,
        points: sweep.points.len(),
        cells: all.len(),
        resumed: 0,
        shard: None,
        firm_months: 0,
        elapsed: started.elapsed(),
    })
}
