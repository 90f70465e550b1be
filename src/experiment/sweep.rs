//! Parameter sweeps (DESIGN.md §6): a base scenario, a design (`grid` or
//! `latin_hypercube`) and the parameters to vary, by their scenario paths.
//! Every point runs every replication with the base's seed (common random
//! numbers across points).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use crate::scenario::load::{deserialize_as, parse_object, read_text};
use crate::scenario::merge::JsonPath;
use crate::scenario::{self, Override, Scenario};
use crate::{Error, Result};

use super::search::latin_hypercube;

/// A sweep file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepFile {
    /// Names the output directory. Default: the file name without `.json`.
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub description: String,
    /// The scenario every point changes: a path relative to the sweep file,
    /// or a built-in name.
    pub base: String,
    pub design: Design,
    /// Points of a Latin hypercube (≥ 1); not used by a grid.
    #[serde(default)]
    pub samples: Option<u32>,
    /// Seed of a Latin hypercube design. Default 1.
    #[serde(default)]
    pub design_seed: Option<u64>,
    /// Scenario path → values (grid: every value; Latin hypercube:
    /// `[low, high]`).
    pub parameters: BTreeMap<String, Vec<Value>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Design {
    /// Every combination of the listed values.
    Grid,
    /// `samples` points, each range cut into that many strata, each used once.
    LatinHypercube,
}

/// A sweep ready to run: its points as scenarios, with the values that
/// define each.
#[derive(Debug)]
pub struct Sweep {
    pub name: String,
    pub description: String,
    /// The base scenario as the sweep file names it.
    pub base: String,
    pub design: Design,
    pub parameters: Vec<String>,
    /// (parameter values, scenario) per point.
    pub points: Vec<(Vec<Value>, Scenario)>,
}

/// Reads a sweep file (or a built-in sweep by name), checks it and builds
/// its points; `overrides` apply to every point before the swept values.
pub fn load(spec: &str, overrides: &[Override]) -> Result<Sweep> {
    let (source, text, dir) = if Path::new(spec).is_file() {
        let text = read_text(Path::new(spec))?;
        let dir = Path::new(spec)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        (spec.to_string(), text.to_string(), Some(dir))
    } else if let Some((name, text)) = builtin(spec) {
        (format!("built-in sweep {name}"), text.to_string(), None)
    } else {
        let names: Vec<&str> = BUILTIN_SWEEPS.iter().map(|(n, _)| *n).collect();
        return Err(Error::input(
            spec,
            format!(
                "no such file, and no built-in sweep of that name (built-ins: {})",
                names.join(", ")
            ),
        ));
    };
    let document = Value::Object(parse_object(&source, &text)?);
    let file: SweepFile = deserialize_as(&document).map_err(|message| Error::input(&source, message))?;
    let bad = |path: &str, message: String| Error::input(&source, format!("{path}: {message}"));
    let base = base_spec(&file, dir.as_deref());
    if !Path::new(&base).is_file() && scenario::builtin::find(&base).is_none() {
        return Err(bad(
            "base",
            format!(
                "{}: no such file (relative to the sweep file), and no built-in scenario of that name \
                 (built-ins: {})",
                Value::from(file.base.as_str()),
                scenario::builtin::names()
            ),
        ));
    }
    if let Some(name) = &file.name
        && let Some(allowed) = scenario::validate::file_name_problem(name)
    {
        return Err(bad("name", format!("{}: {allowed}", Value::from(name.as_str()))));
    }
    if file.parameters.is_empty() {
        return Err(bad("parameters", "must name at least one scenario path".into()));
    }
    let values: Vec<Vec<Value>> = match file.design {
        Design::Grid => {
            for (path, vs) in &file.parameters {
                if vs.is_empty() {
                    return Err(bad(
                        &format!("parameters.{path}"),
                        "must list at least one value".into(),
                    ));
                }
            }
            // Counted before the points are built: a few long lists
            // multiply to more points than memory holds.
            let points = file
                .parameters
                .values()
                .try_fold(1usize, |n, vs| n.checked_mul(vs.len()))
                .filter(|n| *n <= MAX_POINTS);
            if points.is_none() {
                let lengths: Vec<String> = file.parameters.values().map(|vs| vs.len().to_string()).collect();
                return Err(bad(
                    "parameters",
                    format!(
                        "a grid of {} values has more than {MAX_POINTS} points (every combination); \
                         list fewer values, or use a latin_hypercube",
                        lengths.join(" × ")
                    ),
                ));
            }
            grid(&file.parameters.values().cloned().collect::<Vec<_>>())
        }
        Design::LatinHypercube => {
            let samples = file
                .samples
                .filter(|n| (1..=MAX_POINTS as u64).contains(&u64::from(*n)))
                .ok_or_else(|| {
                    let found = file.samples.map_or("none".to_string(), |n| n.to_string());
                    bad(
                        "samples",
                        format!(
                            "{found}: a latin_hypercube needs \"samples\": the number of points, \
                             between 1 and {MAX_POINTS}"
                        ),
                    )
                })?;
            let mut bounds = Vec::new();
            for (path, vs) in &file.parameters {
                match vs.as_slice() {
                    [low, high]
                        if low
                            .as_f64()
                            .zip(high.as_f64())
                            .is_some_and(|(l, h)| l <= h && (h - l).is_finite()) =>
                    {
                        bounds.push((
                            low.as_f64().unwrap_or_default(),
                            high.as_f64().unwrap_or_default(),
                        ));
                    }
                    _ => {
                        return Err(bad(
                            &format!("parameters.{path}"),
                            format!(
                                "{}: a latin_hypercube needs [low, high], two numbers with low ≤ high \
                                 (and high − low a finite number)",
                                short(&Value::Array(vs.clone()))
                            ),
                        ));
                    }
                }
            }
            // A parameter the base scenario holds as a whole number (bank
            // counts, search breadth) is sampled as one: rounded to the
            // nearest integer.
            let base_doc = serde_json::to_value(
                scenario::load(&base_spec(&file, dir.as_deref()), overrides)
                    .map_err(|e| Error::input(&source, format!("{e}")))?,
            )
            .expect("a scenario serialises");
            let whole: Vec<bool> = file
                .parameters
                .keys()
                .map(|path| {
                    JsonPath::parse(path)
                        .ok()
                        .and_then(|p| p.get(&base_doc).cloned())
                        .is_some_and(|v| v.is_u64() || v.is_i64())
                })
                .collect();
            latin_hypercube(&bounds, samples as usize, file.design_seed.unwrap_or(1))
                .into_iter()
                .map(|p| {
                    p.into_iter()
                        .zip(&whole)
                        .map(|(x, &whole)| {
                            if whole {
                                Value::from(x.round() as i64)
                            } else {
                                Value::from(x)
                            }
                        })
                        .collect()
                })
                .collect()
        }
    };
    // The base with the command line's overrides alone: a bad `--set`
    // there is the command line's fault, reported as such.
    scenario::load(&base, overrides).map_err(|e| match e {
        Error::Input { ref source_name, .. } if source_name == "--set" => e,
        e => Error::input(&source, format!("{e}")),
    })?;
    let parameters: Vec<String> = file.parameters.keys().cloned().collect();
    let mut points = Vec::with_capacity(values.len());
    let (values_len, mut cells) = (values.len(), 0u64);
    for point in values {
        let mut all = overrides.to_vec();
        all.extend(
            parameters
                .iter()
                .zip(&point)
                .map(|(path, v)| Override::new(path, &v.to_string())),
        );
        let s = scenario::load(&base, &all).map_err(|e| match e {
            // The last `--set` is the point's own values: say which point.
            Error::Input { source_name, message } if source_name == "--set" => {
                let values: Vec<String> = parameters
                    .iter()
                    .zip(&point)
                    .map(|(path, v)| format!("{path} = {}", short(v)))
                    .collect();
                bad(
                    "parameters",
                    format!("point {} ({}): {message}", points.len() + 1, values.join(", ")),
                )
            }
            e => Error::input(&source, format!("{e}")),
        })?;
        cells += u64::from(s.simulation.replications);
        if cells > MAX_CELLS {
            return Err(bad(
                "parameters",
                format!(
                    "{} points of {} replications are more than {MAX_CELLS} point-replications",
                    values_len, s.simulation.replications
                ),
            ));
        }
        points.push((point, s));
    }
    let name = file.name.clone().unwrap_or_else(|| {
        PathBuf::from(spec)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "sweep".into())
    });
    Ok(Sweep {
        name,
        description: file.description.clone(),
        base: file.base.clone(),
        design: file.design,
        parameters,
        points,
    })
}

/// What a manifest records of a sweep (`cells/manifest.json`).
pub fn manifest_entry(sweep: &Sweep) -> super::cells::SweepEntry {
    use super::cells::{PointEntry, SweepEntry, encode_value, hash_json};
    SweepEntry {
        name: sweep.name.clone(),
        description: sweep.description.clone(),
        base: sweep.base.clone(),
        design: match sweep.design {
            Design::Grid => "grid",
            Design::LatinHypercube => "latin_hypercube",
        }
        .to_string(),
        parameters: sweep.parameters.clone(),
        points: sweep
            .points
            .iter()
            .map(|(values, s)| PointEntry {
                values: values.iter().map(encode_value).collect(),
                replications: s.simulation.replications,
                hash: hash_json(s),
            })
            .collect(),
    }
}

/// Rebuilds a sweep from its manifest entry and its first point's
/// scenario (`tradefin merge`): each point is the first with its swept
/// values set, as `load` sets them.
pub fn from_manifest(entry: &super::cells::SweepEntry, first: &Scenario) -> Result<Sweep> {
    let design = match entry.design.as_str() {
        "grid" => Design::Grid,
        "latin_hypercube" => Design::LatinHypercube,
        other => return Err(Error::input("manifest", format!("design {other}: unknown"))),
    };
    let document = serde_json::to_value(first).expect("a scenario serialises");
    let mut points = Vec::with_capacity(entry.points.len());
    for (p, point) in entry.points.iter().enumerate() {
        let bad = |what: String| Error::input("manifest", format!("point {}: {what}", p + 1));
        let values: Vec<Value> = point
            .values
            .iter()
            .map(|v| super::cells::decode_value(v).ok_or_else(|| bad(format!("bad value {v}"))))
            .collect::<Result<_>>()?;
        if values.len() != entry.parameters.len() {
            return Err(bad("wrong number of values".into()));
        }
        let mut doc = document.clone();
        for (path, v) in entry.parameters.iter().zip(&values) {
            let located = JsonPath::parse(path)
                .and_then(|p| p.locate(&doc))
                .map_err(|e| bad(format!("{path}: {e}")))?;
            located.set(&mut doc, v.clone());
        }
        let mut s: Scenario = serde_json::from_value(doc).map_err(|e| bad(e.to_string()))?;
        s.simulation.replications = point.replications;
        points.push((values, s));
    }
    Ok(Sweep {
        name: entry.name.clone(),
        description: entry.description.clone(),
        base: entry.base.clone(),
        design,
        parameters: entry.parameters.clone(),
        points,
    })
}

/// Most points in a sweep: each is a resolved scenario held in memory.
pub const MAX_POINTS: usize = 10_000;

/// Most point-replications (cells) in a sweep.
pub const MAX_CELLS: u64 = 10_000_000;

/// A value as compact JSON, cut short if long.
fn short(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(80) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

/// The base scenario as `scenario::load` takes it: a path relative to the
/// sweep file if that file exists, else a built-in name (or a path
/// relative to the current directory).
fn base_spec(file: &SweepFile, dir: Option<&Path>) -> String {
    match dir {
        Some(dir) if dir.join(&file.base).is_file() => dir.join(&file.base).display().to_string(),
        _ => file.base.clone(),
    }
}

/// Every combination, the last parameter varying fastest.
fn grid(values: &[Vec<Value>]) -> Vec<Vec<Value>> {
    let mut points = vec![Vec::new()];
    for vs in values {
        points = points
            .into_iter()
            .flat_map(|p| {
                vs.iter().map(move |v| {
                    let mut q = p.clone();
                    q.push(v.clone());
                    q
                })
            })
            .collect();
    }
    points
}

/// `builtin_sweep!("name")` embeds `scenarios/sweeps/name.json`.
macro_rules! builtin_sweep {
    ($name:literal) => {
        (
            $name,
            include_str!(concat!("../../scenarios/sweeps/", $name, ".json")),
        )
    };
}

/// The sweeps shipped in `scenarios/sweeps/`.
pub const BUILTIN_SWEEPS: &[(&str, &str)] = &[
    builtin_sweep!("guarantee_coverage"),
    builtin_sweep!("threshold_by_bureau"),
];

fn builtin(name: &str) -> Option<(&'static str, &'static str)> {
    let name = name.strip_suffix(".json").unwrap_or(name);
    BUILTIN_SWEEPS.iter().copied().find(|(n, _)| *n == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_grid_is_every_combination() {
        let points = grid(&[
            vec![Value::from(1), Value::from(2)],
            vec![Value::from("a"), Value::from("b"), Value::from("c")],
        ]);
        assert_eq!(points.len(), 6);
        assert_eq!(points[0], vec![Value::from(1), Value::from("a")]);
        assert_eq!(points[5], vec![Value::from(2), Value::from("c")]);
    }

    #[test]
    fn every_file_in_scenarios_sweeps_is_embedded() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/sweeps");
        let mut files = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let stem = path.file_stem().unwrap().to_str().unwrap();
            let (_, text) = builtin(stem).unwrap_or_else(|| panic!("{stem} is not in BUILTIN_SWEEPS"));
            assert_eq!(text, std::fs::read_to_string(&path).unwrap());
            files += 1;
        }
        assert_eq!(files, BUILTIN_SWEEPS.len());
    }

    /// Whole-number parameters (the base holds them as integers) are
    /// sampled as whole numbers; the others keep every digit.
    #[test]
    fn a_latin_hypercube_samples_whole_numbers_where_the_scenario_has_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lhs.json");
        std::fs::write(
            &path,
            r#"{"base": "baseline", "design": "latin_hypercube", "samples": 8,
                "parameters": {"banks.search_breadth": [1, 3], "government.regulator.recovery_rate": [0.2, 0.8]}}"#,
        )
        .unwrap();
        let sweep = load(&path.display().to_string(), &[]).unwrap();
        assert_eq!(sweep.points.len(), 8);
        let breadths: Vec<u64> = sweep
            .points
            .iter()
            .map(|(v, s)| {
                assert_eq!(v[0].as_u64(), Some(u64::from(s.banks.search_breadth)));
                v[0].as_u64().expect("a whole number")
            })
            .collect();
        assert!(breadths.iter().all(|b| (1..=3).contains(b)), "{breadths:?}");
        assert!(
            sweep
                .points
                .iter()
                .any(|(v, _)| v[1].as_f64().unwrap().fract() != 0.0)
        );
    }

    #[test]
    fn every_shipped_sweep_loads() {
        for (name, _) in BUILTIN_SWEEPS {
            let sweep = load(name, &[]).unwrap();
            assert!(sweep.points.len() >= 2, "{name}");
        }
    }

    #[test]
    fn sweep_mistakes_name_the_file_and_path() {
        let dir = tempfile::tempdir().unwrap();
        let write = |text: &str| {
            let path = dir.path().join("s.json");
            std::fs::write(&path, text).unwrap();
            path.display().to_string()
        };
        let message = |text: &str| match load(&write(text), &[]) {
            Err(e) => e.to_string(),
            Ok(_) => panic!("accepted {text}"),
        };
        let m = message(
            r#"{"base": "baseline", "design": "grid", "parameters": {"banks.search_breath": [2, 3]}}"#,
        );
        assert!(m.contains("s.json") && m.contains("banks.search_breath"), "{m}");
        let m = message(
            r#"{"base": "baseline", "design": "latin_hypercube", "parameters": {"banks.search_breadth": [2, 3]}}"#,
        );
        assert!(m.contains("samples"), "{m}");
        let m = message(
            r#"{"base": "baseline", "design": "grid", "parameters": {"government.guarantee.coverage": [1.5]}}"#,
        );
        assert!(
            m.contains("government.guarantee.coverage") && m.contains("1.5"),
            "{m}"
        );
        let m = message(r#"{"base": "baseline", "design": "cube", "parameters": {}}"#);
        assert!(m.contains("design"), "{m}");
    }
}
