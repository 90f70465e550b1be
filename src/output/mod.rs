//! Result files (DESIGN.md §8). Every file is written under a temporary
//! name and renamed when complete, so an interrupted run never leaves a
//! half-written file under a final name. Files hold no timestamps or host
//! names: identical runs give identical bytes.

pub mod charts;
pub mod report;

use std::fs;
use std::io::Write;
use std::path::Path;

use serde::Serialize;

use crate::experiment::Summary;
use crate::experiment::calibration::{Row, TARGETS};
use crate::experiment::search::{FREE, Point};
use crate::scenario::Scenario;
use crate::sim::ReplicationResult;
use crate::{Error, Result};

/// Version and commit of the program that wrote a result.
#[derive(Debug, Clone, Serialize)]
pub struct Provenance {
    pub version: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub git_commit: Option<&'static str>,
}

impl Provenance {
    pub fn current() -> Self {
        Provenance {
            version: env!("CARGO_PKG_VERSION"),
            git_commit: option_env!("TRADEFIN_GIT_COMMIT"),
        }
    }
}

/// `scenario.json`: the resolved scenario, loadable as it is, with the
/// program's provenance under the reserved key `tradefin`.
#[derive(Serialize)]
struct ResolvedScenario<'a> {
    tradefin: Provenance,
    #[serde(flatten)]
    scenario: &'a Scenario,
}

/// Writes `bytes` to `path` through a temporary file in the same directory.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{file_name}.tmp"));
    let write = || -> std::io::Result<()> {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    };
    // On failure (a full disk, a directory that cannot be written) the
    // temporary goes and the error names the file the user asked for.
    write().map_err(|e| {
        let _ = fs::remove_file(&tmp);
        Error::io(path, e)
    })
}

/// The temporary name `write_atomic` and `StreamedCsv` write under.
pub fn is_temporary(file_name: &str) -> bool {
    file_name.starts_with('.') && file_name.ends_with(".tmp")
}

/// Removes the temporaries an interrupted or killed writer left in `dir`
/// and its subdirectories; returns how many it removed.
pub fn remove_temporaries(dir: &Path) -> Result<usize> {
    let mut removed = 0;
    let Ok(entries) = fs::read_dir(dir) else {
        return Ok(0);
    };
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let path = entry.path();
        let kind = entry.file_type().map_err(|e| Error::io(&path, e))?;
        if kind.is_dir() {
            removed += remove_temporaries(&path)?;
        } else if is_temporary(&entry.file_name().to_string_lossy()) {
            fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// Removes the result files a command writes into `dir` (`files`, and the
/// SVG files under `charts/`), so that a new run leaves no file of an
/// earlier one beside its own. Other files are left alone.
pub fn remove_results(dir: &Path, files: &[&str]) -> Result<()> {
    let remove = |path: &Path| match fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::io(path, e)),
        _ => Ok(()),
    };
    for file in files {
        remove(&dir.join(file))?;
    }
    let charts = dir.join("charts");
    if let Ok(entries) = fs::read_dir(&charts) {
        for entry in entries {
            let path = entry.map_err(|e| Error::io(&charts, e))?.path();
            if path.extension().is_some_and(|x| x == "svg") {
                remove(&path)?;
            }
        }
        // Only if nothing else is in it.
        let _ = fs::remove_dir(&charts);
    }
    Ok(())
}

/// The files `write_run` and the report write for one scenario.
pub const RUN_FILES: [&str; 6] = [
    "scenario.json",
    "timeseries.csv",
    "summary.csv",
    "summary.json",
    "report.html",
    "report.md",
];

fn csv_bytes(rows: impl FnOnce(&mut csv::Writer<Vec<u8>>) -> csv::Result<()>) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    // Writing to memory cannot fail.
    rows(&mut w).expect("CSV into memory");
    w.into_inner().expect("CSV into memory")
}

/// A number as CSV/JSON text: shortest round-trip form, empty if undefined.
fn cell(x: Option<f64>) -> String {
    x.map_or_else(String::new, |v| format!("{v}"))
}

/// `timeseries.csv`: one row per (replication, month), one column per metric.
pub fn timeseries_csv(results: &[ReplicationResult]) -> Vec<u8> {
    csv_bytes(|w| {
        let names = results.first().map(|r| r.names.clone()).unwrap_or_default();
        w.write_record(["replication", "month"].into_iter().chain(names.iter().copied()))?;
        for r in results {
            for m in &r.months {
                let mut row = vec![r.replication.to_string(), m.date.to_string()];
                row.extend(m.values.iter().map(|v| cell(v.get())));
                w.write_record(&row)?;
            }
        }
        Ok(())
    })
}

/// `summary.csv`: metric, mean, sd, ci_low, ci_high, n.
pub fn summary_csv(summary: &Summary) -> Vec<u8> {
    csv_bytes(|w| {
        w.write_record(["metric", "mean", "sd", "ci_low", "ci_high", "n"])?;
        for (name, e) in summary.names.iter().zip(&summary.estimates) {
            let row = match e {
                Some(e) => [
                    name.clone(),
                    cell(Some(e.mean)),
                    cell(e.sd),
                    cell(e.ci_low),
                    cell(e.ci_high),
                    e.n.to_string(),
                ],
                None => [
                    name.clone(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    "0".into(),
                ],
            };
            w.write_record(&row)?;
        }
        Ok(())
    })
}

#[derive(Serialize)]
struct SummaryRow<'a> {
    metric: &'a str,
    mean: Option<f64>,
    sd: Option<f64>,
    ci_low: Option<f64>,
    ci_high: Option<f64>,
    n: usize,
}

#[derive(Serialize)]
struct SummaryJson<'a> {
    scenario: &'a str,
    replications: usize,
    complete: bool,
    metrics: Vec<SummaryRow<'a>>,
}

/// `summary.json`: the same rows as `summary.csv`, `null` where undefined.
/// `complete` is false for an interrupted run (its rows then summarise the
/// replications finished so far).
pub fn summary_json(name: &str, summary: &Summary, complete: bool) -> Vec<u8> {
    let metrics = summary
        .names
        .iter()
        .zip(&summary.estimates)
        .map(|(metric, e)| SummaryRow {
            metric,
            mean: e.map(|e| e.mean),
            sd: e.and_then(|e| e.sd),
            ci_low: e.and_then(|e| e.ci_low),
            ci_high: e.and_then(|e| e.ci_high),
            n: e.map_or(0, |e| e.n),
        })
        .collect();
    let doc = SummaryJson {
        scenario: name,
        replications: summary.per_replication.len(),
        complete,
        metrics,
    };
    let mut bytes = serde_json::to_vec_pretty(&doc).expect("JSON into memory");
    bytes.push(b'\n');
    bytes
}

pub fn scenario_json(s: &Scenario) -> Vec<u8> {
    let doc = ResolvedScenario {
        tradefin: Provenance::current(),
        scenario: s,
    };
    let mut bytes = serde_json::to_vec_pretty(&doc).expect("JSON into memory");
    bytes.push(b'\n');
    bytes
}

/// `calibration.csv`: one row per target.
pub fn calibration_csv(rows: &[Row]) -> Vec<u8> {
    csv_bytes(|w| {
        w.write_record([
            "id",
            "target",
            "band_low",
            "band_high",
            "simulated",
            "ci_low",
            "ci_high",
            "in_band",
        ])?;
        for r in rows {
            w.write_record([
                r.id.to_string(),
                r.target.to_string(),
                cell(Some(r.band_low)),
                cell(Some(r.band_high)),
                cell(r.simulated),
                cell(r.ci_low),
                cell(r.ci_high),
                r.in_band.to_string(),
            ])?;
        }
        Ok(())
    })
}

#[derive(Serialize)]
struct CalibrationJson<'a> {
    scenario: &'a str,
    replications: usize,
    targets_in_band: usize,
    targets: &'a [Row],
}

/// `calibration.json`: the same rows, `null` where undefined.
pub fn calibration_json(name: &str, replications: usize, rows: &[Row]) -> Vec<u8> {
    let doc = CalibrationJson {
        scenario: name,
        replications,
        targets_in_band: rows.iter().filter(|r| r.in_band).count(),
        targets: rows,
    };
    let mut bytes = serde_json::to_vec_pretty(&doc).expect("JSON into memory");
    bytes.push(b'\n');
    bytes
}

/// Writes a calibration's files into `out` (created if needed).
pub fn write_calibration(out: &Path, s: &Scenario, rows: &[Row]) -> Result<()> {
    fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    write_atomic(&out.join("scenario.json"), &scenario_json(s))?;
    write_atomic(&out.join("calibration.csv"), &calibration_csv(rows))?;
    let replications = s.simulation.replications as usize;
    write_atomic(
        &out.join("calibration.json"),
        &calibration_json(&s.name, replications, rows),
    )?;
    Ok(())
}

/// `search.csv`: one row per point of a calibration search: the free
/// parameters, the distance, targets in band, and each target's mean.
pub fn search_csv(points: &[Point]) -> Vec<u8> {
    csv_bytes(|w| {
        let mut header = vec!["point".to_string()];
        header.extend(FREE.iter().map(|p| p.name.to_string()));
        header.extend(["distance".to_string(), "in_band".to_string()]);
        header.extend(TARGETS.iter().map(|t| t.id.to_string()));
        w.write_record(&header)?;
        for (i, p) in points.iter().enumerate() {
            let mut row = vec![(i + 1).to_string()];
            row.extend(p.values.iter().map(|x| cell(Some(*x))));
            row.extend([cell(Some(p.distance)), p.in_band.to_string()]);
            row.extend(p.rows.iter().map(|r| cell(r.simulated)));
            w.write_record(&row)?;
        }
        Ok(())
    })
}

/// Writes a search's files into `out` (created if needed).
pub fn write_search(out: &Path, s: &Scenario, points: &[Point]) -> Result<()> {
    fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    write_atomic(&out.join("scenario.json"), &scenario_json(s))?;
    write_atomic(&out.join("search.csv"), &search_csv(points))?;
    Ok(())
}

/// `comparison.csv`: scenario, metric, mean and 95 % CI, and the paired
/// difference to the baseline with its 95 % CI.
pub fn comparison_csv(rows: &[crate::experiment::compare::Row]) -> Vec<u8> {
    csv_bytes(|w| {
        w.write_record([
            "scenario",
            "metric",
            "mean",
            "ci_low",
            "ci_high",
            "diff",
            "diff_ci_low",
            "diff_ci_high",
        ])?;
        for r in rows {
            let l = r.level.as_ref();
            let d = r.diff.as_ref();
            w.write_record([
                r.scenario.clone(),
                r.metric.clone(),
                cell(l.map(|e| e.mean)),
                cell(l.and_then(|e| e.ci_low)),
                cell(l.and_then(|e| e.ci_high)),
                cell(d.map(|e| e.mean)),
                cell(d.and_then(|e| e.ci_low)),
                cell(d.and_then(|e| e.ci_high)),
            ])?;
        }
        Ok(())
    })
}

/// Writes `comparison.csv` into `out` (created if needed).
pub fn write_comparison(out: &Path, rows: &[crate::experiment::compare::Row]) -> Result<()> {
    fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    write_atomic(&out.join("comparison.csv"), &comparison_csv(rows))
}

/// A CSV file written row by row under a temporary name and renamed when
/// `finish`ed, so that a large file never sits in memory and an
/// interrupted run leaves no file that looks whole.
pub struct StreamedCsv {
    writer: Option<csv::Writer<std::io::BufWriter<fs::File>>>,
    tmp: std::path::PathBuf,
    path: std::path::PathBuf,
}

/// A file dropped before `finish` (an error, a cancelled sweep) removes its
/// temporary.
impl Drop for StreamedCsv {
    fn drop(&mut self) {
        if self.writer.take().is_some() {
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

impl StreamedCsv {
    pub fn create(path: &Path) -> Result<Self> {
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = path.with_file_name(format!(".{name}.tmp"));
        let file = fs::File::create(&tmp).map_err(|e| Error::io(path, e))?;
        Ok(StreamedCsv {
            writer: Some(csv::Writer::from_writer(std::io::BufWriter::new(file))),
            tmp,
            path: path.to_path_buf(),
        })
    }

    pub fn write(&mut self, row: &[String]) -> Result<()> {
        let Some(writer) = self.writer.as_mut() else {
            return Ok(());
        };
        writer
            .write_record(row)
            .map_err(|e| Error::io(&self.path, csv_io(e)))
    }

    pub fn finish(mut self) -> Result<()> {
        let Some(writer) = self.writer.take() else {
            return Ok(());
        };
        let result = (|| {
            let file = writer
                .into_inner()
                .map_err(|e| e.into_error())?
                .into_inner()
                .map_err(|e| e.into_error())?;
            file.sync_all()?;
            fs::rename(&self.tmp, &self.path)
        })();
        result.map_err(|e| {
            let _ = fs::remove_file(&self.tmp);
            Error::io(&self.path, e)
        })
    }
}

/// The operating system's error inside a CSV error, so that "No space left
/// on device" reads as it is.
fn csv_io(e: csv::Error) -> std::io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => std::io::Error::other(format!("{other:?}")),
    }
}

/// A number cell (empty if undefined).
pub fn number_cell(x: Option<f64>) -> String {
    cell(x)
}

/// A parameter value as a CSV cell: numbers and strings as they are,
/// anything else as JSON.
pub fn value_cell(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Number(n) => n.as_f64().map_or_else(|| n.to_string(), |x| cell(Some(x))),
        other => other.to_string(),
    }
}

/// `sweep_summary.csv`: per point, its parameter values and each metric's
/// mean and 95 % CI over replications (`estimates[p][k]`: metric k at
/// point p), and the paired difference to point 1 with its 95 % CI
/// (`diffs[p][k]`).
pub fn write_sweep_summary(
    out: &Path,
    sweep: &crate::experiment::sweep::Sweep,
    names: &[String],
    estimates: &[Vec<Option<crate::experiment::stats::Estimate>>],
    diffs: &[Vec<Option<crate::experiment::stats::Estimate>>],
) -> Result<()> {
    let mut w = StreamedCsv::create(&out.join("sweep_summary.csv"))?;
    let mut header = vec!["point".to_string()];
    header.extend(sweep.parameters.iter().cloned());
    header.extend(
        [
            "metric",
            "mean",
            "ci_low",
            "ci_high",
            "n",
            "diff",
            "diff_ci_low",
            "diff_ci_high",
        ]
        .map(String::from),
    );
    w.write(&header)?;
    for (p, (((values, _), point_estimates), point_diffs)) in
        sweep.points.iter().zip(estimates).zip(diffs).enumerate()
    {
        for ((name, e), d) in names.iter().zip(point_estimates).zip(point_diffs) {
            let mut row = vec![(p + 1).to_string()];
            row.extend(values.iter().map(value_cell));
            row.extend([
                name.clone(),
                cell(e.map(|e| e.mean)),
                cell(e.and_then(|e| e.ci_low)),
                cell(e.and_then(|e| e.ci_high)),
                e.map_or(0, |e| e.n).to_string(),
                cell(d.map(|d| d.mean)),
                cell(d.and_then(|d| d.ci_low)),
                cell(d.and_then(|d| d.ci_high)),
            ]);
            w.write(&row)?;
        }
    }
    w.finish()
}

/// Writes a run's files into `out` (created if needed).
pub fn write_run(out: &Path, s: &Scenario, results: &[ReplicationResult], summary: &Summary) -> Result<()> {
    fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    write_atomic(&out.join("scenario.json"), &scenario_json(s))?;
    write_atomic(&out.join("timeseries.csv"), &timeseries_csv(results))?;
    write_atomic(&out.join("summary.csv"), &summary_csv(summary))?;
    write_atomic(&out.join("summary.json"), &summary_json(&s.name, summary, true))?;
    Ok(())
}

/// What an interrupted run leaves beside its cells: `scenario.json`, and
/// `summary.json` with `"complete": false` summarising the replications
/// finished so far.
pub fn write_incomplete_run(out: &Path, s: &Scenario, summary: &Summary) -> Result<()> {
    fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    write_atomic(&out.join("scenario.json"), &scenario_json(s))?;
    write_atomic(&out.join("summary.json"), &summary_json(&s.name, summary, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A full disk: the temporary is a link to /dev/full, where every
    /// write fails with ENOSPC. The error names the file asked for, and
    /// neither it nor the temporary is left.
    #[test]
    fn a_full_disk_leaves_no_file_under_the_final_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("summary.csv");
        std::os::unix::fs::symlink("/dev/full", dir.path().join(".summary.csv.tmp")).unwrap();
        let e = write_atomic(&path, b"metric,mean\n").unwrap_err();
        let message = format!("{e}: {}", std::error::Error::source(&e).unwrap());
        assert!(
            message.contains("summary.csv") && message.contains("No space left"),
            "{message}"
        );
        assert!(!path.exists());
        assert!(!dir.path().join(".summary.csv.tmp").exists());

        let path = dir.path().join("sweep.csv");
        std::os::unix::fs::symlink("/dev/full", dir.path().join(".sweep.csv.tmp")).unwrap();
        let mut w = StreamedCsv::create(&path).unwrap();
        let row = vec!["x".repeat(100); 10];
        let mut failed = None;
        for _ in 0..1000 {
            if let Err(e) = w.write(&row) {
                failed = Some(e);
                break;
            }
        }
        let e = match failed {
            Some(e) => e,
            None => w.finish().unwrap_err(),
        };
        assert!(e.to_string().contains("sweep.csv"), "{e}");
        assert!(!path.exists());
    }

    /// A streamed file dropped before `finish` (an error elsewhere, a
    /// cancelled sweep) leaves no temporary.
    #[test]
    fn an_unfinished_streamed_file_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sweep.csv");
        let mut w = StreamedCsv::create(&path).unwrap();
        w.write(&["a".to_string()]).unwrap();
        drop(w);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn temporaries_are_removed_and_results_alone_are() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("charts")).unwrap();
        for f in [
            ".a.tmp",
            "charts/.b.svg.tmp",
            "keep.txt",
            "summary.csv",
            "charts/x.svg",
        ] {
            std::fs::write(d.join(f), "x").unwrap();
        }
        assert_eq!(remove_temporaries(d).unwrap(), 2);
        remove_results(d, &RUN_FILES).unwrap();
        let mut left: Vec<String> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, ["keep.txt"]);
    }
}
