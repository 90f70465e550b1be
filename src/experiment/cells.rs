//! Finished work on disk, so that nothing is lost to Ctrl-C, SIGTERM or
//! SIGKILL: every replication of a run or comparison, and every
//! (point, replication) of a sweep, is written to `<out>/cells/` as soon as
//! it finishes, beside a `manifest.json` that says what the directory holds.
//! `--resume` reads the cells back instead of running them again; the
//! numbers are stored in Rust's shortest round-trip notation, so they come
//! back bit for bit and the final files are byte-identical to an
//! uninterrupted run. docs/OUTPUT.md describes the files.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::metrics;
use crate::output::{self, write_atomic};
use crate::scenario::{Scenario, YearMonth};
use crate::sim::{MonthRecord, Profile, ReplicationResult};
use crate::{Error, Result};

/// The cells' directory under an output directory.
pub const DIR: &str = "cells";
/// The manifest's file name inside [`DIR`].
pub const MANIFEST: &str = "manifest.json";

/// FNV-1a, 64 bits: a hash that is the same on every platform and in every
/// version (unlike `std`'s `DefaultHasher`), enough to tell runs apart.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The hash of a value's compact JSON, as 16 hex digits.
pub fn hash_json<T: Serialize + ?Sized>(x: &T) -> String {
    let bytes = serde_json::to_vec(x).expect("JSON into memory");
    format!("{:016x}", fnv1a64(&bytes))
}

/// The program that wrote a manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Program {
    pub version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git_commit: Option<String>,
}

impl Program {
    pub fn current() -> Self {
        let p = output::Provenance::current();
        Program {
            version: p.version.to_string(),
            git_commit: p.git_commit.map(str::to_string),
        }
    }
}

impl std::fmt::Display for Program {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.git_commit {
            Some(c) => write!(f, "{} (commit {})", self.version, &c[..c.len().min(12)]),
            None => write!(f, "{}", self.version),
        }
    }
}

/// A scenario of a run or comparison, or the first point of a sweep.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScenarioEntry {
    pub name: String,
    pub hash: String,
    pub replications: u32,
    /// The resolved scenario, as in `scenario.json`.
    pub scenario: Value,
}

impl ScenarioEntry {
    pub fn of(name: &str, s: &Scenario) -> Self {
        ScenarioEntry {
            name: name.to_string(),
            hash: hash_json(s),
            replications: s.simulation.replications,
            scenario: serde_json::to_value(s).expect("a scenario serialises"),
        }
    }
}

/// One shard of a sweep: `index` of `count`, both counted from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    /// Cell `k` (point-major order, counted from 0) belongs to shard
    /// `k mod count + 1`.
    pub fn owns(&self, k: usize) -> bool {
        k % self.count as usize == (self.index - 1) as usize
    }
}

impl Shard {
    /// The shard to run, from `--shard I/N` (I counted from 1), else from
    /// `--shards N` with `JOB_COMPLETION_INDEX` (Kubernetes Indexed Jobs,
    /// counted from 0), else from `SLURM_ARRAY_TASK_ID` and
    /// `SLURM_ARRAY_TASK_COUNT` (normalised by `SLURM_ARRAY_TASK_MIN` and
    /// `SLURM_ARRAY_TASK_STEP`, so `--array=1-4`, `--array=0-3` and
    /// `--array=0-6:2` all work); `None` when none is given.
    pub fn resolve(
        flag: Option<&str>,
        shards: Option<u32>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<Shard>> {
        if let Some(text) = flag {
            if shards.is_some() {
                return Err(Error::input(
                    "--shard",
                    "give either --shard I/N or --shards N (with JOB_COMPLETION_INDEX), not both",
                ));
            }
            let parsed = text
                .split_once('/')
                .and_then(|(i, n)| Some((i.trim().parse::<u32>().ok()?, n.trim().parse::<u32>().ok()?)));
            return match parsed {
                Some((index, count)) if count >= 1 && (1..=count).contains(&index) => {
                    Ok(Some(Shard { index, count }))
                }
                Some((index, count)) if count >= 1 => Err(Error::input(
                    "--shard",
                    format!("{text}: shard {index} is out of range: shards are numbered 1 to {count}"),
                )),
                _ => Err(Error::input(
                    "--shard",
                    format!("{text}: expected I/N with 1 ≤ I ≤ N, e.g. --shard 1/4"),
                )),
            };
        }
        let number = |name: &str| -> Result<Option<i64>> {
            match env(name) {
                None => Ok(None),
                Some(v) if v.trim().is_empty() => Ok(None),
                Some(v) => v
                    .trim()
                    .parse::<i64>()
                    .map(Some)
                    .map_err(|_| Error::input(name, format!("{v}: must be a whole number"))),
            }
        };
        if let Some(count) = shards {
            if count == 0 {
                return Err(Error::input("--shards", "0: must be at least 1"));
            }
            let index = number("JOB_COMPLETION_INDEX")?.ok_or_else(|| {
                Error::input(
                    "--shards",
                    "needs JOB_COMPLETION_INDEX (set by a Kubernetes Indexed Job); elsewhere use --shard I/N",
                )
            })?;
            if !(0..i64::from(count)).contains(&index) {
                return Err(Error::input(
                    "JOB_COMPLETION_INDEX",
                    format!("{index}: out of range for --shards {count} (0 to {})", count - 1),
                ));
            }
            return Ok(Some(Shard {
                index: index as u32 + 1,
                count,
            }));
        }
        let (Some(id), Some(count)) = (number("SLURM_ARRAY_TASK_ID")?, number("SLURM_ARRAY_TASK_COUNT")?)
        else {
            return Ok(None);
        };
        let min = number("SLURM_ARRAY_TASK_MIN")?.unwrap_or(0);
        let step = number("SLURM_ARRAY_TASK_STEP")?.unwrap_or(1).max(1);
        let offset = id - min;
        if count < 1 || offset < 0 || offset % step != 0 || offset / step >= count {
            return Err(Error::input(
                "SLURM_ARRAY_TASK_ID",
                format!(
                    "{id}: not one of {count} array tasks starting at SLURM_ARRAY_TASK_MIN={min} in steps of {step}"
                ),
            ));
        }
        Ok(Some(Shard {
            index: (offset / step) as u32 + 1,
            count: count as u32,
        }))
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// A sweep as a manifest records it: enough to write its files from the
/// cells alone (`tradefin merge`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepEntry {
    pub name: String,
    pub description: String,
    pub base: String,
    pub design: String,
    pub parameters: Vec<String>,
    pub points: Vec<PointEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PointEntry {
    /// The swept values, each encoded by [`encode_value`] so that numbers
    /// survive the JSON round trip bit for bit.
    pub values: Vec<String>,
    pub replications: u32,
    pub hash: String,
}

/// `cells/manifest.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub tradefin: Program,
    /// `run`, `compare` or `sweep`.
    pub command: String,
    /// False until every cell is on disk (and, for a run or comparison,
    /// until its final files are written).
    pub complete: bool,
    /// Hash of every resolved scenario (every point of a sweep).
    pub scenario_hash: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sweep_hash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<Shard>,
    /// Cells this directory is to hold (a shard's share of a sweep).
    pub cells_total: usize,
    /// Cells on disk when the manifest was written; the cell files are the
    /// truth after a SIGKILL.
    pub cells: Vec<String>,
    pub scenarios: Vec<ScenarioEntry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sweep: Option<SweepEntry>,
}

impl Manifest {
    /// What differs between the run a directory holds (`self`) and the one
    /// asked for (`now`), one line each; empty if they are the same run.
    pub fn differences(&self, now: &Manifest) -> Vec<String> {
        let mut out = Vec::new();
        if self.tradefin != now.tradefin {
            out.push(format!(
                "tradefin version: {} there, {} now",
                self.tradefin, now.tradefin
            ));
        }
        if self.command != now.command {
            out.push(format!("command: {} there, {} now", self.command, now.command));
        }
        if self.shard != now.shard {
            let show = |s: Option<Shard>| s.map_or_else(|| "none".to_string(), |s| s.to_string());
            out.push(format!(
                "shard: {} there, {} now",
                show(self.shard),
                show(now.shard)
            ));
        }
        let names = |m: &Manifest| m.scenarios.iter().map(|s| s.name.clone()).collect::<Vec<_>>();
        if self.sweep.is_none() && names(self) != names(now) {
            out.push(format!(
                "scenarios: {} there, {} now",
                names(self).join(", "),
                names(now).join(", ")
            ));
        } else {
            for (then, now) in self.scenarios.iter().zip(&now.scenarios) {
                if then.hash == now.hash {
                    continue;
                }
                let changes = serde_json::from_value::<Scenario>(then.scenario.clone())
                    .ok()
                    .zip(serde_json::from_value::<Scenario>(now.scenario.clone()).ok())
                    .map(|(a, b)| crate::scenario::diff::differences(&a, &b))
                    .unwrap_or_default();
                let what = if self.sweep.is_some() {
                    "the scenario".to_string()
                } else {
                    format!("scenario {}", then.name)
                };
                if changes.is_empty() {
                    out.push(format!("{what} differs"));
                }
                for (path, value) in changes.into_iter().take(8) {
                    let before = crate::scenario::merge::JsonPath::parse(&path)
                        .ok()
                        .and_then(|p| p.get(&then.scenario).cloned())
                        .map_or_else(|| "unset".to_string(), |v| v.to_string());
                    out.push(format!("{what}: {path} = {before} there, {value} now"));
                }
            }
        }
        if let (Some(a), Some(b)) = (&self.sweep, &now.sweep)
            && a != b
        {
            let mut what = Vec::new();
            if a.parameters != b.parameters {
                what.push(format!(
                    "parameters {} there, {} now",
                    a.parameters.join(", "),
                    b.parameters.join(", ")
                ));
            }
            if a.design != b.design {
                what.push(format!("design {} there, {} now", a.design, b.design));
            }
            if a.points.len() != b.points.len() {
                what.push(format!("{} points there, {} now", a.points.len(), b.points.len()));
            } else if a.points != b.points {
                what.push("the points' values or replications".to_string());
            }
            if what.is_empty() {
                what.push("its name or description".to_string());
            }
            out.push(format!("sweep: {}", what.join("; ")));
        }
        if out.is_empty() && (self.scenario_hash != now.scenario_hash || self.sweep_hash != now.sweep_hash) {
            out.push("the scenarios differ".to_string());
        }
        out
    }
}

/// The cells directory of one command's output directory.
pub struct Store {
    dir: PathBuf,
    manifest: Mutex<Manifest>,
    done: Mutex<BTreeSet<String>>,
    /// Cells found on disk when the store was opened (`--resume`).
    pub resumed: usize,
}

impl Store {
    /// Opens `out/cells` for `manifest`'s run.
    ///
    /// Always: creates `out` and removes temporaries a killed writer left
    /// anywhere under it. With `resume` and a manifest on disk: refuses
    /// (bad input) if the directory holds another run, else keeps its
    /// cells. Otherwise starts afresh: removes the old cells and calls
    /// `stale` to remove an earlier run's result files.
    ///
    /// `--resume` where no manifest is but `finished` (a file only a
    /// complete run writes, such as `summary.json`) is, is refused: the
    /// directory holds finished results, not an interrupted run, and they
    /// are not overwritten.
    pub fn open(
        out: &Path,
        manifest: Manifest,
        resume: bool,
        finished: &str,
        stale: impl FnOnce() -> Result<()>,
    ) -> Result<Store> {
        let dir = out.join(DIR);
        let path = dir.join(MANIFEST);
        if resume && !path.is_file() && out.join(finished).is_file() {
            return Err(Error::input(
                out.display().to_string(),
                format!(
                    "nothing to resume: the directory holds finished results ({finished}) and no {DIR}/{MANIFEST}; \
                     run without --resume to run again"
                ),
            ));
        }
        fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
        output::remove_temporaries(out)?;
        let mut done = BTreeSet::new();
        if resume && path.is_file() {
            let text = fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
            let there: Manifest = serde_json::from_str(&text).map_err(|e| {
                Error::input(
                    path.display().to_string(),
                    format!("not a tradefin manifest: {e}"),
                )
            })?;
            let differences = there.differences(&manifest);
            if !differences.is_empty() {
                return Err(Error::input(
                    out.display().to_string(),
                    format!(
                        "cannot resume: the directory holds another run ({}); run without --resume to start afresh, or choose another --out",
                        differences.join("; ")
                    ),
                ));
            }
            for entry in fs::read_dir(&dir).map_err(|e| Error::io(&dir, e))? {
                let name = entry.map_err(|e| Error::io(&dir, e))?.file_name();
                let name = name.to_string_lossy();
                if name.ends_with(".cell") {
                    done.insert(name.into_owned());
                }
            }
        } else {
            match fs::remove_dir_all(&dir) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(Error::io(&dir, e)),
                _ => {}
            }
            stale()?;
        }
        fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        let store = Store {
            dir,
            manifest: Mutex::new(manifest),
            resumed: done.len(),
            done: Mutex::new(done),
        };
        store.write_manifest(false)?;
        Ok(store)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn has(&self, cell: &str) -> bool {
        self.done.lock().expect("cells lock").contains(cell)
    }

    pub fn done(&self) -> usize {
        self.done.lock().expect("cells lock").len()
    }

    /// Writes a finished cell (atomically).
    pub fn put(&self, cell: &str, bytes: &[u8]) -> Result<()> {
        write_atomic(&self.dir.join(cell), bytes)?;
        self.done.lock().expect("cells lock").insert(cell.to_string());
        Ok(())
    }

    pub fn get(&self, cell: &str) -> Result<String> {
        let path = self.dir.join(cell);
        fs::read_to_string(&path).map_err(|e| Error::io(&path, e))
    }

    /// Rewrites the manifest with the cells on disk and `complete`.
    pub fn write_manifest(&self, complete: bool) -> Result<()> {
        let mut m = self.manifest.lock().expect("manifest lock");
        m.complete = complete;
        m.cells = self.done.lock().expect("cells lock").iter().cloned().collect();
        let mut bytes = serde_json::to_vec_pretty(&*m).expect("JSON into memory");
        bytes.push(b'\n');
        write_atomic(&self.dir.join(MANIFEST), &bytes)
    }

    /// The work is done and its final files are written: the cells go.
    pub fn remove(self) -> Result<()> {
        fs::remove_dir_all(&self.dir).map_err(|e| Error::io(&self.dir, e))
    }
}

/// Reads a shard directory's manifest (`tradefin merge`).
pub fn read_manifest(out: &Path) -> Result<Manifest> {
    let path = out.join(DIR).join(MANIFEST);
    let text = fs::read_to_string(&path).map_err(|e| {
        Error::input(
            out.display().to_string(),
            format!("no readable {DIR}/{MANIFEST} ({e}): not the output of `tradefin sweep --shard`"),
        )
    })?;
    serde_json::from_str(&text).map_err(|e| {
        Error::input(
            path.display().to_string(),
            format!("not a tradefin manifest: {e}"),
        )
    })
}

/// A float in Rust's shortest round-trip notation (`{:?}`: `0.1`, `1e300`,
/// `NaN`, `inf`), which `str::parse` reads back to the same bits.
fn float(x: f64) -> String {
    format!("{x:?}")
}

fn parse_float(text: &str) -> Option<f64> {
    text.parse().ok()
}

/// A swept value as text that reads back exactly: `u:3`, `i:-3`,
/// `f:0.35`, or `j:` and its JSON for anything else (strings, booleans).
pub fn encode_value(v: &Value) -> String {
    match v {
        Value::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
            (Some(u), _, _) => format!("u:{u}"),
            (_, Some(i), _) => format!("i:{i}"),
            (_, _, Some(f)) => format!("f:{}", float(f)),
            _ => format!("j:{v}"),
        },
        other => format!("j:{other}"),
    }
}

pub fn decode_value(text: &str) -> Option<Value> {
    let (tag, rest) = text.split_once(':')?;
    match tag {
        "u" => rest.parse::<u64>().ok().map(Value::from),
        "i" => rest.parse::<i64>().ok().map(Value::from),
        "f" => parse_float(rest)
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number),
        "j" => serde_json::from_str(rest).ok(),
        _ => None,
    }
}

/// Metric names read back from cells, as the `&'static str` that
/// `ReplicationResult` holds: each distinct name is stored once.
fn intern(name: &str) -> &'static str {
    static NAMES: OnceLock<Mutex<Vec<&'static str>>> = OnceLock::new();
    let mut names = NAMES
        .get_or_init(|| Mutex::new(Vec::new()))
        .lock()
        .expect("names lock");
    if let Some(n) = names.iter().find(|n| **n == name) {
        return n;
    }
    let n: &'static str = Box::leak(name.to_string().into_boxed_str());
    names.push(n);
    n
}

/// The cell of replication `r` of the `scenario`-th scenario (from 1).
pub fn replication_cell(scenario: usize, r: u32) -> String {
    format!("s{scenario:03}-r{r:05}.cell")
}

/// The cell of replication `r` (from 0) of point `point` (from 1), as in
/// `sweep.csv`.
pub fn sweep_cell(point: usize, r: u32) -> String {
    format!("p{point:05}-r{r:05}.cell")
}

const REPLICATION_FORMAT: &str = "tradefin-replication 1";
const SWEEP_FORMAT: &str = "tradefin-sweep-cell 1";
/// The last line of a cell: a cell without it was cut short.
const END: &str = "end\n";

/// A replication as text: its number, size-tail exponent, metric names,
/// then a line per month with each metric's numerator, denominator and
/// scale.
pub fn encode_replication(r: &ReplicationResult) -> Vec<u8> {
    let mut out = format!("{REPLICATION_FORMAT}\nreplication {}\n", r.replication);
    let _ = writeln!(
        out,
        "size_tail_exponent {}",
        r.size_tail_exponent.map_or_else(|| "-".to_string(), float)
    );
    let _ = writeln!(out, "metrics {}", r.names.join(" "));
    for m in &r.months {
        out.push_str(&m.date.to_string());
        for v in &m.values {
            let _ = write!(out, " {} {} {}", float(v.num), float(v.den), float(v.scale));
        }
        out.push('\n');
    }
    out.push_str(END);
    out.into_bytes()
}

fn corrupt(path: &Path, line: usize, what: &str) -> Error {
    Error::Runtime(format!(
        "{}: line {line}: {what}: the cell is damaged; delete it and resume to run it again",
        path.display()
    ))
}

pub fn decode_replication(path: &Path, text: &str) -> Result<ReplicationResult> {
    let text = text
        .strip_suffix(END)
        .ok_or_else(|| corrupt(path, text.lines().count(), "cut short (no `end` line)"))?;
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l));
    let mut next = |what: &str| {
        lines
            .next()
            .ok_or_else(|| corrupt(path, 0, &format!("missing {what}")))
    };
    let (n, header) = next("header")?;
    if header != REPLICATION_FORMAT {
        return Err(corrupt(path, n, "not a replication cell"));
    }
    let field = |(n, line): (usize, &str), key: &str| -> Result<String> {
        line.strip_prefix(key)
            .and_then(|rest| rest.strip_prefix(' '))
            .map(str::to_string)
            .ok_or_else(|| corrupt(path, n, &format!("expected `{key} …`")))
    };
    let line = next("replication")?;
    let replication: u32 = field(line, "replication")?
        .parse()
        .map_err(|_| corrupt(path, line.0, "bad replication"))?;
    let line = next("size_tail_exponent")?;
    let tail = field(line, "size_tail_exponent")?;
    let size_tail_exponent = match tail.as_str() {
        "-" => None,
        t => Some(parse_float(t).ok_or_else(|| corrupt(path, line.0, "bad number"))?),
    };
    let line = next("metrics")?;
    let names: Vec<&'static str> = field(line, "metrics")?.split(' ').map(intern).collect();
    let mut months = Vec::new();
    for (n, line) in lines {
        let mut words = line.split(' ');
        let date = words
            .next()
            .and_then(YearMonth::parse)
            .ok_or_else(|| corrupt(path, n, "bad month"))?;
        let numbers: Vec<f64> = words
            .map(|w| parse_float(w).ok_or_else(|| corrupt(path, n, &format!("bad number `{w}`"))))
            .collect::<Result<_>>()?;
        if numbers.len() != 3 * names.len() {
            return Err(corrupt(path, n, "wrong number of values"));
        }
        let values = numbers
            .chunks(3)
            .map(|v| metrics::Value {
                num: v[0],
                den: v[1],
                scale: v[2],
            })
            .collect();
        months.push(MonthRecord { date, values });
    }
    Ok(ReplicationResult {
        replication,
        names,
        months,
        size_tail_exponent,
        profile: Profile::default(),
    })
}

/// A sweep cell: the replication's value of every summary measure.
pub fn encode_sweep_cell(point: usize, r: u32, names: &[String], values: &[Option<f64>]) -> Vec<u8> {
    let mut out = format!("{SWEEP_FORMAT}\npoint {point}\nreplication {r}\n");
    for (name, v) in names.iter().zip(values) {
        let _ = writeln!(out, "{name} {}", v.map_or_else(|| "-".to_string(), float));
    }
    out.push_str(END);
    out.into_bytes()
}

/// Reads a sweep cell written for `point` and `r`: names and values.
pub fn decode_sweep_cell(
    path: &Path,
    text: &str,
    point: usize,
    r: u32,
) -> Result<(Vec<String>, Vec<Option<f64>>)> {
    let text = text
        .strip_suffix(END)
        .ok_or_else(|| corrupt(path, text.lines().count(), "cut short (no `end` line)"))?;
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l));
    let expect = |line: Option<(usize, &str)>, want: &str| -> Result<()> {
        match line {
            Some((_, l)) if l == want => Ok(()),
            Some((n, _)) => Err(corrupt(path, n, &format!("expected `{want}`"))),
            None => Err(corrupt(path, 0, &format!("missing `{want}`"))),
        }
    };
    expect(lines.next(), SWEEP_FORMAT)?;
    expect(lines.next(), &format!("point {point}"))?;
    expect(lines.next(), &format!("replication {r}"))?;
    let mut names = Vec::new();
    let mut values = Vec::new();
    for (n, line) in lines {
        let (name, value) = line
            .split_once(' ')
            .ok_or_else(|| corrupt(path, n, "expected `metric value`"))?;
        names.push(name.to_string());
        values.push(match value {
            "-" => None,
            v => Some(parse_float(v).ok_or_else(|| corrupt(path, n, &format!("bad number `{v}`")))?),
        });
    }
    Ok((names, values))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// FNV-1a test vectors (Fowler, Noll, Vo).
    #[test]
    fn fnv_matches_the_reference_vectors() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn floats_come_back_bit_for_bit() {
        let hard = [
            0.1,
            1.0 / 3.0,
            -0.0,
            5e-324,
            f64::MAX,
            f64::MIN_POSITIVE,
            1e300,
            123_456_789.123_456_78,
            0.300_000_000_000_000_04,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        for x in hard {
            assert_eq!(parse_float(&float(x)).unwrap().to_bits(), x.to_bits(), "{x:?}");
        }
        assert!(parse_float(&float(f64::NAN)).unwrap().is_nan());
        // A pseudo-random sweep of bit patterns.
        let mut bits = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..100_000 {
            bits = bits
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let x = f64::from_bits(bits);
            if x.is_finite() {
                assert_eq!(parse_float(&float(x)).unwrap().to_bits(), bits);
            }
        }
    }

    #[test]
    fn swept_values_come_back_exactly() {
        for v in [
            Value::from(3u64),
            Value::from(-3i64),
            Value::from(0.123_456_789_012_345_67),
            Value::from("a b: c"),
            Value::Bool(true),
            serde_json::json!([1, 2]),
        ] {
            let back = decode_value(&encode_value(&v)).unwrap();
            assert_eq!(back, v);
            if let (Some(a), Some(b)) = (back.as_f64(), v.as_f64()) {
                assert_eq!(a.to_bits(), b.to_bits());
            }
        }
    }

    #[test]
    fn a_replication_cell_round_trips() {
        let r = ReplicationResult {
            replication: 7,
            names: vec!["exports", "approval_rate_sme"],
            months: vec![MonthRecord {
                date: YearMonth::parse("2006-01").unwrap(),
                values: vec![
                    metrics::Value::level(1.0 / 3.0),
                    metrics::Value::annualised(0.1, 0.0),
                ],
            }],
            size_tail_exponent: Some(1.234_567_890_123_456_7),
            profile: Profile::default(),
        };
        let path = Path::new("x.cell");
        let text = String::from_utf8(encode_replication(&r)).unwrap();
        let back = decode_replication(path, &text).unwrap();
        assert_eq!(back.replication, 7);
        assert_eq!(back.names, r.names);
        assert_eq!(back.size_tail_exponent, r.size_tail_exponent);
        assert_eq!(back.months[0].values[0].num.to_bits(), (1.0f64 / 3.0).to_bits());
        assert_eq!(back.months[0].values[1].scale, 12.0);
        assert_eq!(encode_replication(&back), text.as_bytes());
        let damaged = &text[..text.len() - 3];
        assert!(decode_replication(path, damaged).is_err());
    }

    #[test]
    fn a_sweep_cell_round_trips_and_checks_its_key() {
        let names = vec!["a".to_string(), "b".to_string()];
        let values = vec![Some(0.1 + 0.2), None];
        let text = String::from_utf8(encode_sweep_cell(3, 1, &names, &values)).unwrap();
        let (n, v) = decode_sweep_cell(Path::new("c"), &text, 3, 1).unwrap();
        assert_eq!((n, v), (names, values));
        assert!(decode_sweep_cell(Path::new("c"), &text, 3, 2).is_err());
        assert!(decode_sweep_cell(Path::new("c"), &text[..text.len() - 4], 3, 1).is_err());
    }

    #[test]
    fn shards_come_from_the_flag_slurm_or_kubernetes() {
        let none = |_: &str| None;
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
        };
        let shard = |index, count| Some(Shard { index, count });
        assert_eq!(Shard::resolve(Some("2/4"), None, none).unwrap(), shard(2, 4));
        assert_eq!(Shard::resolve(None, None, none).unwrap(), None);
        for bad in ["0/4", "5/4", "1/0", "x", "1-4"] {
            let e = Shard::resolve(Some(bad), None, none).unwrap_err();
            assert!(e.is_input() && e.to_string().contains(bad), "{e}");
        }
        // --array=1-4 and --array=0-3: the first task is shard 1.
        let one_based = env(&[
            ("SLURM_ARRAY_TASK_ID", "1"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
            ("SLURM_ARRAY_TASK_MIN", "1"),
        ]);
        assert_eq!(Shard::resolve(None, None, one_based).unwrap(), shard(1, 4));
        let zero_based = env(&[("SLURM_ARRAY_TASK_ID", "3"), ("SLURM_ARRAY_TASK_COUNT", "4")]);
        assert_eq!(Shard::resolve(None, None, zero_based).unwrap(), shard(4, 4));
        let stepped = env(&[
            ("SLURM_ARRAY_TASK_ID", "6"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
            ("SLURM_ARRAY_TASK_MIN", "0"),
            ("SLURM_ARRAY_TASK_STEP", "2"),
        ]);
        assert_eq!(Shard::resolve(None, None, stepped).unwrap(), shard(4, 4));
        let outside = env(&[("SLURM_ARRAY_TASK_ID", "4"), ("SLURM_ARRAY_TASK_COUNT", "4")]);
        assert!(Shard::resolve(None, None, outside).unwrap_err().is_input());
        let k8s = env(&[("JOB_COMPLETION_INDEX", "0")]);
        assert_eq!(Shard::resolve(None, Some(3), k8s).unwrap(), shard(1, 3));
        let k8s = env(&[("JOB_COMPLETION_INDEX", "3")]);
        assert!(Shard::resolve(None, Some(3), k8s).unwrap_err().is_input());
        assert!(Shard::resolve(None, Some(3), none).unwrap_err().is_input());
    }

    #[test]
    fn shards_split_cells_round_robin() {
        let shards: Vec<Shard> = (1..=3).map(|index| Shard { index, count: 3 }).collect();
        for k in 0..10 {
            assert_eq!(shards.iter().filter(|s| s.owns(k)).count(), 1);
        }
        assert!(shards[0].owns(0) && shards[1].owns(4) && shards[2].owns(8));
    }
}
