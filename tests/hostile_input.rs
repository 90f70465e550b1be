//! Hostile input (issue 7): the scenario and sweep loaders are fed
//! thousands of generated and mutated documents — wrong types, huge and
//! negative numbers, NaN-like strings, deep nesting, empty lists, unicode
//! and duplicated keys, truncated files, zero counts, and every key of the
//! shipped scenarios and sweeps deleted or replaced. Each must either be
//! rejected with an error that names the file and a place in it (a JSON
//! path, or a line and column for broken JSON), or load as a valid
//! scenario that then runs (small) with finite metrics. Nothing may panic.
//!
//! Deterministic: the documents come from a fixed list and a seeded
//! generator. `cargo test --release --test hostile_input -- --nocapture`
//! prints how many documents were tried and what they produced.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};

use tradefin::Error;
use tradefin::experiment::sweep;
use tradefin::scenario::{self, Scenario};
use tradefin::sim::run_replication;

/// SplitMix64: a tiny, portable generator for the test's choices.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// A document to try: what it is (for failure reports), its bytes, and
/// the path a mutation changed (if any).
struct Doc {
    label: String,
    bytes: Vec<u8>,
    /// The top-level key a mutation changed: an error must name it (or a
    /// line and column, if the mutation broke the JSON).
    place: Option<String>,
}

impl Doc {
    fn text(label: impl Into<String>, text: impl Into<String>) -> Self {
        Doc {
            label: label.into(),
            bytes: text.into().into_bytes(),
            place: None,
        }
    }

    fn at(mut self, path: &[PathStep]) -> Self {
        self.place = match path.first() {
            Some(PathStep::Key(key)) => Some(key.clone()),
            _ => None,
        };
        self
    }
}

/// Replacement values, written as raw JSON text (some are not valid JSON).
const REPLACEMENTS: &[&str] = &[
    // wrong types
    "\"x\"",
    "true",
    "null",
    "[]",
    "{}",
    "[1, \"a\"]",
    "{\"k\": 1}",
    // extreme, negative and odd numbers
    "1e308",
    "-1e308",
    "1e20",
    "-1",
    "0",
    "0.5",
    "-0.0",
    "1e-320",
    "4294967296",
    "18446744073709551616",
    "-9223372036854775809",
    "1e999",
    // NaN-like strings and bare words
    "\"NaN\"",
    "\"inf\"",
    "\"-Infinity\"",
    "NaN",
    "-Infinity",
    "\"\"",
    "\"2008-13\"",
    "\"ключ 🚀\"",
    "\"\\u0000\"",
    "\"\\ud800\"",
];

/// Every path of `value` (objects and arrays included), root excluded.
fn paths(value: &Value, prefix: &mut Vec<PathStep>, out: &mut Vec<Vec<PathStep>>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                prefix.push(PathStep::Key(key.clone()));
                out.push(prefix.clone());
                paths(inner, prefix, out);
                prefix.pop();
            }
        }
        Value::Array(items) => {
            for (i, inner) in items.iter().enumerate() {
                prefix.push(PathStep::Index(i));
                out.push(prefix.clone());
                paths(inner, prefix, out);
                prefix.pop();
            }
        }
        _ => {}
    }
}

#[derive(Clone, Debug)]
enum PathStep {
    Key(String),
    Index(usize),
}

fn show(path: &[PathStep]) -> String {
    let mut text = String::new();
    for step in path {
        match step {
            PathStep::Key(k) if text.is_empty() => text += k,
            PathStep::Key(k) => text += &format!(".{k}"),
            PathStep::Index(i) => text += &format!("[{i}]"),
        }
    }
    text
}

/// A placeholder string no document contains, replaced by raw text after
/// serialising.
const HOLE: &str = "\u{1}hole\u{1}";

fn slot<'a>(doc: &'a mut Value, path: &[PathStep]) -> Option<&'a mut Value> {
    let mut at = doc;
    for step in path {
        at = match (step, at) {
            (PathStep::Key(k), Value::Object(map)) => map.get_mut(k)?,
            (PathStep::Index(i), Value::Array(items)) => items.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(at)
}

/// `doc` with the value at `path` replaced by `raw` JSON text.
fn replaced(doc: &Value, path: &[PathStep], raw: &str) -> String {
    let mut doc = doc.clone();
    *slot(&mut doc, path).expect("the path exists") = Value::String(HOLE.into());
    let hole = serde_json::to_string(&Value::String(HOLE.into())).unwrap();
    serde_json::to_string_pretty(&doc)
        .unwrap()
        .replacen(&hole, raw, 1)
}

/// `doc` without the key or element at `path`.
fn deleted(doc: &Value, path: &[PathStep]) -> String {
    let mut doc = doc.clone();
    let (last, parent) = path.split_last().unwrap();
    match (last, slot(&mut doc, parent).unwrap()) {
        (PathStep::Key(k), Value::Object(map)) => {
            map.remove(k);
        }
        (PathStep::Index(i), Value::Array(items)) => {
            items.remove(*i);
        }
        _ => unreachable!(),
    }
    doc.to_string()
}

/// `doc` with the object at `path` given an extra key (`raw` text, so it
/// may repeat an existing key).
fn with_key(doc: &Value, path: &[PathStep], key: &str, raw: &str) -> String {
    let mut doc = doc.clone();
    let Some(Value::Object(map)) = slot(&mut doc, path) else {
        unreachable!()
    };
    map.insert(HOLE.into(), Value::Null);
    let hole = serde_json::to_string(&Value::String(HOLE.into())).unwrap();
    let key = serde_json::to_string(key).unwrap();
    doc.to_string()
        .replacen(&format!("{hole}:null"), &format!("{key}:{raw}"), 1)
}

/// Mutations of `doc`: each path deleted, replaced (by `per_path` values
/// drawn from `REPLACEMENTS`), and each object given a unicode key and a
/// duplicate of its first key.
fn mutations(name: &str, doc: &Value, per_path: usize, rng: &mut Rng, out: &mut Vec<Doc>) {
    let mut all = Vec::new();
    paths(doc, &mut Vec::new(), &mut all);
    for path in &all {
        let at = show(path);
        out.push(Doc::text(format!("{name}: delete {at}"), deleted(doc, path)).at(path));
        for _ in 0..per_path {
            let raw = rng.pick(REPLACEMENTS);
            out.push(Doc::text(format!("{name}: {at} = {raw}"), replaced(doc, path, raw)).at(path));
        }
    }
    let mut objects = vec![Vec::new()];
    objects.extend(all.into_iter().filter(|p| {
        let mut d = doc.clone();
        matches!(slot(&mut d, p), Some(Value::Object(_)))
    }));
    for path in &objects {
        let at = show(path);
        let mut d = doc.clone();
        let Some(Value::Object(map)) = slot(&mut d, path) else {
            unreachable!()
        };
        let first = map.iter().next().map(|(k, v)| (k.clone(), v.to_string()));
        for key in ["ключ", "🚀", "", "\u{0}", "simulation\u{200b}"] {
            out.push(
                Doc::text(
                    format!("{name}: {at} gets key {key:?}"),
                    with_key(doc, path, key, "1"),
                )
                .at(path),
            );
        }
        if let Some((key, value)) = first {
            let whole = [path.clone(), vec![PathStep::Key(key.clone())]].concat();
            out.push(
                Doc::text(
                    format!("{name}: {at}.{key} given twice"),
                    with_key(doc, path, &key, &value),
                )
                .at(&whole),
            );
        }
    }
}

/// Documents of no particular scenario: broken, deep, huge, empty, random.
fn structural(rng: &mut Rng, out: &mut Vec<Doc>) {
    let deep = |open: &str, close: &str, n: usize| format!("{}{}", open.repeat(n), close.repeat(n));
    for n in [100, 129, 10_000] {
        out.push(Doc::text(format!("[ nested {n} deep"), deep("[", "]", n)));
        out.push(Doc::text(
            format!("{{\"a\": nested {n} deep"),
            deep("{\"a\":", "}", n).replace("{\"a\":}", "{\"a\":1}"),
        ));
        out.push(Doc::text(
            format!("simulation holding arrays {n} deep"),
            format!("{{\"simulation\": {}}}", deep("[", "]", n)),
        ));
        out.push(Doc::text(format!("unclosed [ × {n}"), "[".repeat(n)));
    }
    out.push(Doc::text(
        "a 100,000-digit number",
        format!("{{\"simulation\": {{\"firms\": {}}}}}", "9".repeat(100_000)),
    ));
    out.push(Doc::text(
        "a 1 MB name",
        format!("{{\"name\": \"{}\"}}", "n".repeat(1 << 20)),
    ));
    let many: Vec<String> = (0..10_000).map(|i| format!("\"k{i}\": {i}")).collect();
    out.push(Doc::text(
        "10,000 unknown keys",
        format!("{{{}}}", many.join(",")),
    ));
    for text in [
        "",
        " \n\t",
        "null",
        "[]",
        "{}",
        "1",
        "\"baseline\"",
        "\u{feff}{}",
        "{\"simulation\": {}}",
        "{\"banks\": {\"types\": []}}",
        "{\"shocks\": []}",
        "{\"shocks\": [{}]}",
        "{\"banks\": {\"types\": [{}]}}",
        "{\"simulation\": {\"firms\": 0}}",
        "{\"simulation\": {\"months\": 0}}",
        "{\"simulation\": {\"replications\": 0}}",
        "{\"simulation\": {\"firms\": 1e20}}",
        "{\"simulation\": {\"firms\": 100000000000000000000}}",
        "{\"banks\": {\"types\": [{\"name\": \"a\", \"count\": 0}]}}",
        "{\"simulation\": {\"burn_in_months\": 4294967295, \"months\": 1200}}",
        "{\"banks\": {\"types\": [{\"name\": \"a\", \"count\": 4294967295}, {\"name\": \"b\", \"count\": 4294967295}]}}",
        "{\"extends\": \"\"}",
        "{\"extends\": \"nope.json\"}",
        "{\"extends\": \".\"}",
        "{\"extends\": \"..\"}",
        "{\"extends\": \"/\"}",
        "{\"extends\": \"doc.json\"}",
        "{\"extends\": \"baseline\\u0000\"}",
        "{\"extends\": 5}",
        "{\"extends\": null}",
        "{\"extends\": [\"baseline\"]}",
        "{\"tradefin\": 1}",
        "{\"$schema\": {}}",
        "{\"name\": \"\"}",
        "{\"name\": \"a/b\"}",
        "{\"name\": \"..\"}",
        "{\"name\": \"a\\u0000b\"}",
        "{\"name\": \"tab\\there\"}",
        "{\"name\": \"ключ🚀\"}",
        "{\"simulation\": {\"start\": \"0000-01\"}}",
        "{\"simulation\": {\"start\": \"9999-12\", \"months\": 1200}}",
        "{\"simulation\": {\"seed\": -1}}",
        "{\"simulation\": {\"seed\": 18446744073709551615}}",
        "{\"world\": {\"cny_per_usd\": 0}}",
        "{\"world\": {\"cny_per_usd\": \"inf\"}}",
        "{\"firms\": {\"size_class_custom\": {\"large\": {\"employees\": \"inf\"}}}}",
        "{\"firms\": {\"size_class_custom\": {\"large\": {\"employees\": \"-inf\"}}}}",
        "{\"firms\": {\"size_class_custom\": {\"large\": {\"employees\": \"NaN\"}}}}",
    ] {
        out.push(Doc::text(
            format!("literal {:?}", text.chars().take(60).collect::<String>()),
            text,
        ));
    }
    // Random bytes, and soups of JSON tokens.
    for i in 0..150 {
        let n = rng.below(200);
        let bytes: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
        out.push(Doc {
            label: format!("random bytes #{i}"),
            bytes,
            place: None,
        });
    }
    const TOKENS: &[&str] = &[
        "{",
        "}",
        "[",
        "]",
        ":",
        ",",
        "\"simulation\"",
        "\"firms\"",
        "\"banks\"",
        "\"types\"",
        "1",
        "-1e308",
        "true",
        "null",
        "\"x\"",
        "0",
        "\"name\"",
        "\"count\"",
    ];
    for i in 0..300 {
        let n = 1 + rng.below(40);
        let text: String = (0..n).map(|_| *rng.pick(TOKENS)).collect::<Vec<_>>().join("");
        out.push(Doc::text(format!("token soup #{i}"), text));
    }
}

/// Every byte prefix of `text` (not only at character boundaries: a file
/// cut mid-character is not UTF-8).
fn prefixes(name: &str, text: &str, step: usize, out: &mut Vec<Doc>) {
    let bytes = text.as_bytes();
    for end in (0..bytes.len()).step_by(step) {
        out.push(Doc {
            label: format!("{name} cut after {end} bytes"),
            bytes: bytes[..end].to_vec(),
            place: None,
        });
    }
}

fn shipped(dir: &str) -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut files: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

fn scenario_documents() -> Vec<Doc> {
    let mut rng = Rng(7);
    let mut out = Vec::new();
    let resolved = serde_json::to_value(scenario::load("baseline", &[]).unwrap()).unwrap();
    mutations("resolved baseline", &resolved, 8, &mut rng, &mut out);
    for (name, text) in shipped("scenarios") {
        let doc: Value = serde_json::from_str(&text).unwrap();
        out.push(Doc::text(format!("{name} as shipped"), text.clone()));
        mutations(&name, &doc, 4, &mut rng, &mut out);
        prefixes(
            &name,
            &text,
            if name == "baseline.json" { 1 } else { 13 },
            &mut out,
        );
    }
    let pretty = serde_json::to_string_pretty(&resolved).unwrap();
    prefixes("resolved baseline", &pretty, 29, &mut out);
    structural(&mut rng, &mut out);
    out
}

fn sweep_documents() -> Vec<Doc> {
    let mut rng = Rng(11);
    let mut out = Vec::new();
    for (name, text) in shipped("scenarios/sweeps") {
        let doc: Value = serde_json::from_str(&text).unwrap();
        out.push(Doc::text(format!("{name} as shipped"), text.clone()));
        mutations(&name, &doc, 12, &mut rng, &mut out);
        prefixes(&name, &text, 1, &mut out);
    }
    let sweep = |design: &str, extra: &str, parameters: Value| {
        format!(r#"{{"base": "baseline", "design": "{design}"{extra}, "parameters": {parameters}}}"#)
    };
    let hundred: Vec<f64> = (0..100).map(|i| i as f64 / 100.0).collect();
    let generated = [
        sweep("grid", "", json!({})),
        sweep("grid", "", json!({"banks.search_breadth": []})),
        sweep("grid", "", json!({"banks.search_bredth": [1, 2]})),
        sweep("grid", "", json!({"": [1]})),
        sweep("grid", "", json!({"banks..count": [1]})),
        sweep("grid", "", json!({"banks.types[9].count": [1]})),
        sweep("grid", "", json!({"simulation.firms": [0, 1e20]})),
        sweep("grid", "", json!({"simulation.months": [0]})),
        sweep("grid", "", json!({"simulation.replications": [0]})),
        sweep("grid", "", json!({"simulation.replications": [1000000, 999999]})),
        sweep("grid", "", json!({"government.guarantee.coverage": ["NaN", "inf", null, [], {}]})),
        sweep("grid", "", json!({"world.cny_per_usd": [1e308, -1e308]})),
        sweep("grid", "", json!({"banks.types": [[]]})),
        sweep(
            "grid",
            "",
            json!({"a.b": hundred, "c.d": hundred, "e.f": hundred, "g.h": hundred, "i.j": hundred}),
        ),
        sweep("latin_hypercube", "", json!({"banks.search_breadth": [1, 3]})),
        sweep("latin_hypercube", r#", "samples": 0"#, json!({"banks.search_breadth": [1, 3]})),
        sweep("latin_hypercube", r#", "samples": 4294967295"#, json!({"banks.search_breadth": [1, 3]})),
        sweep("latin_hypercube", r#", "samples": -1"#, json!({"banks.search_breadth": [1, 3]})),
        sweep("latin_hypercube", r#", "samples": 3"#, json!({"banks.search_breadth": [3, 1]})),
        sweep("latin_hypercube", r#", "samples": 3"#, json!({"banks.search_breadth": [1]})),
        sweep("latin_hypercube", r#", "samples": 3"#, json!({"banks.search_breadth": ["a", 1]})),
        sweep("latin_hypercube", r#", "samples": 3"#, json!({"world.cny_per_usd": [-1e308, 1e308]})),
        sweep("latin_hypercube", r#", "samples": 3"#, json!({"world.cny_per_usd": [1e300, 1e308]})),
        sweep("latin_hypercube", r#", "samples": 3"#, json!({"simulation.firms": [1, 1e20]})),
        sweep("latin_hypercube", r#", "samples": 3, "design_seed": -5"#, json!({"banks.search_breadth": [1, 3]})),
        sweep("cube", "", json!({"banks.search_breadth": [1]})),
        r#"{"base": "nope", "design": "grid", "parameters": {"banks.search_breadth": [1]}}"#.to_string(),
        r#"{"base": "doc.json", "design": "grid", "parameters": {"banks.search_breadth": [1]}}"#.to_string(),
        r#"{"base": 5, "design": "grid", "parameters": {"banks.search_breadth": [1]}}"#.to_string(),
        r#"{"name": "", "base": "baseline", "design": "grid", "parameters": {"banks.search_breadth": [1]}}"#.to_string(),
        r#"{"name": "a/b", "base": "baseline", "design": "grid", "parameters": {"banks.search_breadth": [1]}}"#.to_string(),
        r#"{"name": "ок🚀", "base": "baseline", "design": "grid", "parameters": {"banks.search_breadth": [1]}}"#.to_string(),
        format!(r#"{{"base": "baseline", "design": "grid", "parameters": {{"banks.search_breadth": {}}}}}"#, "[".repeat(10_000)),
        format!(r#"{{"base": "baseline", "design": "grid", "parameters": {{"banks.search_breadth": [{}]}}}}"#, "[".repeat(100) + &"]".repeat(100)),
    ];
    for (i, text) in generated.into_iter().enumerate() {
        out.push(Doc::text(format!("generated sweep #{i}"), text));
    }
    structural(&mut rng, &mut out);
    out
}

/// Whether one line of an error message names a place: a line and
/// column, or a JSON path before ` = ` or `: `.
fn names_a_place(line: &str) -> bool {
    if let Some(rest) = line.strip_prefix("line ") {
        let mut words = rest.split(' ');
        return words.next().is_some_and(|n| n.parse::<u32>().is_ok())
            && words.next() == Some("column")
            && words
                .next()
                .is_some_and(|n| n.trim_end_matches(':').parse::<u32>().is_ok());
    }
    if line.starts_with("the top level must be a JSON object") {
        return true;
    }
    let end = [line.find(" = "), line.find(": ")].into_iter().flatten().min();
    end.is_some_and(|end| end > 0 && !line[..end].contains(' '))
}

/// Whether a message says what is wrong or allowed (not just where).
fn says_what(message: &str) -> bool {
    message.starts_with("the top level must be a JSON object")
        || message
            .split_once(": ")
            .is_some_and(|(_, what)| what.trim().chars().filter(|c| c.is_alphabetic()).count() >= 4)
}

#[derive(Default)]
struct Tally {
    tried: usize,
    rejected: usize,
    valid_ran: usize,
    /// A few examples of rejection messages, by their first words.
    kinds: BTreeMap<String, (usize, String)>,
    failures: Vec<String>,
    loading: std::time::Duration,
    running: std::time::Duration,
}

impl Tally {
    fn rejected(&mut self, message: &str) {
        self.rejected += 1;
        let kind: String = message
            .split(": ")
            .last()
            .unwrap_or("")
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ");
        let entry = self.kinds.entry(kind).or_insert((0, message.to_string()));
        entry.0 += 1;
    }

    fn print(&self, what: &str) {
        println!(
            "{what}: {} documents tried: {} rejected with a message naming the file and place, {} valid and ran with finite metrics, {} failures",
            self.tried,
            self.rejected,
            self.valid_ran,
            self.failures.len()
        );
        println!(
            "  {:.1} s loading, {:.1} s running the valid ones",
            self.loading.as_secs_f64(),
            self.running.as_secs_f64()
        );
        let mut kinds: Vec<_> = self.kinds.iter().collect();
        kinds.sort_by_key(|(_, (n, _))| std::cmp::Reverse(*n));
        for (_, (n, example)) in kinds.iter().take(12) {
            let example: String = example.chars().take(150).collect();
            println!("  {n:>6} × {example}");
        }
    }

    fn assert_clean(&self) {
        assert!(
            self.failures.is_empty(),
            "{} of {} documents failed:\n{}",
            self.failures.len(),
            self.tried,
            self.failures
                .iter()
                .take(40)
                .cloned()
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

/// Shrinks a valid scenario to a few months of a few firms, so that every
/// valid document can be run.
fn tiny(mut s: Scenario) -> Scenario {
    s.simulation.firms = s.simulation.firms.min(40);
    s.simulation.months = s.simulation.months.min(3);
    s.simulation.burn_in_months = s.simulation.burn_in_months.min(2);
    s.simulation.replications = 1;
    s
}

/// Runs replication 0 of `s`, shrunk; a description of what went wrong.
fn runs_finite(s: &Scenario) -> Result<(), String> {
    let s = tiny(s.clone());
    let result = catch_unwind(AssertUnwindSafe(|| run_replication(&s, 0)))
        .map_err(|panic| format!("the run panicked: {}", panic_text(&panic)))?
        .map_err(|e| format!("the run failed: {e}"))?;
    for month in &result.months {
        for (name, v) in result.names.iter().zip(&month.values) {
            if !(v.num.is_finite() && v.den.is_finite() && v.get().is_none_or(f64::is_finite)) {
                return Err(format!("{} {name} = {v:?}", month.date));
            }
        }
    }
    Ok(())
}

fn panic_text(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

/// Loads every document from `dir/doc.json` with `load`; `check` vets a
/// valid result. Returns the tally and, per document, whether it was
/// rejected (for the sample run through the binary).
fn try_all<T>(
    docs: &[Doc],
    load: impl Fn(&str) -> tradefin::Result<T>,
    check: impl Fn(&T) -> Result<(), String>,
) -> (Tally, Vec<bool>) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("doc.json");
    let file_name = file.display().to_string();
    let mut tally = Tally::default();
    let mut rejected = Vec::new();
    for doc in docs {
        std::fs::write(&file, &doc.bytes).unwrap();
        tally.tried += 1;
        let started = std::time::Instant::now();
        let outcome = catch_unwind(AssertUnwindSafe(|| load(&file_name)));
        tally.loading += started.elapsed();
        let mut fail = |why: String| {
            let why: String = why.chars().take(300).collect();
            tally.failures.push(format!("{}: {why}", doc.label))
        };
        match outcome {
            Err(panic) => fail(format!("the loader panicked: {}", panic_text(&panic))),
            Ok(Err(Error::Input { source_name, message })) => {
                rejected.push(true);
                let first = message.lines().next().unwrap_or("");
                if !(source_name == file_name || source_name.starts_with("builtin:")) {
                    fail(format!("blamed on {source_name:?}, not the file: {message}"));
                } else if doc
                    .place
                    .as_ref()
                    .is_some_and(|place| !first.starts_with("line ") && !first.contains(place.as_str()))
                {
                    fail(format!(
                        "the message does not name the changed key {:?}: {message}",
                        doc.place
                    ));
                } else if !message.lines().all(|l| {
                    let l = l.strip_prefix(&format!("{file_name}: ")).unwrap_or(l);
                    names_a_place(l) || l.starts_with("builtin:")
                }) || !says_what(first)
                {
                    fail(format!(
                        "the message does not name a place and what is wrong: {message}"
                    ));
                } else {
                    tally.rejected(&message);
                }
            }
            Ok(Err(other)) => {
                rejected.push(true);
                fail(format!("not an input error (exit code 2): {other:?}"));
            }
            Ok(Ok(value)) => {
                rejected.push(false);
                let started = std::time::Instant::now();
                let checked = check(&value);
                tally.running += started.elapsed();
                match checked {
                    Ok(()) => tally.valid_ran += 1,
                    Err(why) => fail(format!("valid, but {why}")),
                }
            }
        }
        if rejected.len() < tally.tried {
            rejected.push(true);
        }
    }
    (tally, rejected)
}

#[test]
fn scenario_loader_survives_generated_and_mutated_documents() {
    let started = std::time::Instant::now();
    let docs = scenario_documents();
    println!(
        "generated {} documents in {:.1} s",
        docs.len(),
        started.elapsed().as_secs_f64()
    );
    let (tally, _) = try_all(&docs, |file| scenario::load(file, &[]), runs_finite);
    tally.print("scenario loader");
    assert!(tally.tried >= 5000, "only {} documents", tally.tried);
    assert!(
        tally.rejected > 1000 && tally.valid_ran > 500,
        "too one-sided to test anything"
    );
    tally.assert_clean();
}

#[test]
fn sweep_loader_survives_generated_and_mutated_documents() {
    let docs = sweep_documents();
    let run_ends = |s: &sweep::Sweep| -> Result<(), String> {
        let (first, last) = (&s.points[0].1, &s.points[s.points.len() - 1].1);
        runs_finite(first).and_then(|()| runs_finite(last))
    };
    let (tally, _) = try_all(&docs, |file| sweep::load(file, &[]), run_ends);
    tally.print("sweep loader");
    assert!(tally.tried >= 1000, "only {} documents", tally.tried);
    assert!(
        tally.rejected > 500 && tally.valid_ran > 50,
        "too one-sided to test anything"
    );
    tally.assert_clean();
}

/// A sample of the documents through the real binary: `check` exits 2
/// with `tradefin: FILE: ...` for the rejected ones and 0 for the valid,
/// `run` (small) exits 0 for the valid; never a panic or backtrace.
#[test]
fn the_binary_exits_2_naming_the_file_for_a_sample() {
    let docs = scenario_documents();
    let (_, rejected) = try_all(&docs, |file| scenario::load(file, &[]), |_| Ok(()));
    let sweeps = sweep_documents();
    let (_, sweeps_rejected) = try_all(&sweeps, |file| sweep::load(file, &[]), |_| Ok(()));
    let dir = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_tradefin");
    let mut counts = BTreeMap::new();
    let mut sample = |docs: &[Doc], rejected: &[bool], wanted_bad: usize, wanted_good: usize, kind: &str| {
        let bad: Vec<usize> = (0..docs.len()).filter(|&i| rejected[i]).collect();
        let good: Vec<usize> = (0..docs.len()).filter(|&i| !rejected[i]).collect();
        let chosen = bad
            .iter()
            .step_by((bad.len() / wanted_bad).max(1))
            .map(|&i| (i, true))
            .chain(
                good.iter()
                    .step_by((good.len() / wanted_good).max(1))
                    .map(|&i| (i, false)),
            );
        for (i, is_bad) in chosen {
            let file = dir.path().join(format!("doc{i}.json"));
            std::fs::write(&file, &docs[i].bytes).unwrap();
            let file = file.display().to_string();
            let out = dir.path().join(format!("out{i}"));
            let args: Vec<String> = match (kind, is_bad) {
                ("scenario", true) => vec!["check".into(), file.clone()],
                ("scenario", false) => vec![
                    "run".into(),
                    file.clone(),
                    "--firms".into(),
                    "40".into(),
                    "--months".into(),
                    "3".into(),
                    "--replications".into(),
                    "1".into(),
                    "--set".into(),
                    "simulation.burn_in_months=2".into(),
                    "--out".into(),
                    out.display().to_string(),
                ],
                (_, _) => vec![
                    "sweep".into(),
                    file.clone(),
                    "--firms".into(),
                    "40".into(),
                    "--months".into(),
                    "2".into(),
                    "--replications".into(),
                    "1".into(),
                    "--set".into(),
                    "simulation.burn_in_months=1".into(),
                    "--out".into(),
                    out.display().to_string(),
                ],
            };
            let output = Command::new(bin).args(&args).output().unwrap();
            let stderr = String::from_utf8_lossy(&output.stderr);
            let label = &docs[i].label;
            assert!(
                !stderr.contains("panicked") && !stderr.contains("backtrace"),
                "{label}: {stderr}"
            );
            if is_bad {
                assert_eq!(output.status.code(), Some(2), "{label}: {args:?}: {stderr}");
                let first = stderr.lines().next().unwrap_or("");
                assert!(
                    first.starts_with(&format!("tradefin: {file}: "))
                        || first.starts_with("tradefin: builtin:"),
                    "{label}: {stderr}"
                );
                *counts.entry(format!("{kind}: rejected, exit 2")).or_insert(0) += 1;
            } else {
                assert_eq!(output.status.code(), Some(0), "{label}: {args:?}: {stderr}");
                let csv = std::fs::read_to_string(out.join(if kind == "scenario" {
                    "timeseries.csv"
                } else {
                    "sweep.csv"
                }))
                .unwrap();
                let bad_cell = csv.lines().flat_map(|l| l.split(',')).any(|cell| {
                    ["NaN", "inf", "-inf"].contains(&cell.to_lowercase().as_str()) || cell == "NaN"
                });
                assert!(!bad_cell, "{label}: {csv}");
                *counts.entry(format!("{kind}: valid, ran, exit 0")).or_insert(0) += 1;
            }
        }
    };
    sample(&docs, &rejected, 100, 25, "scenario");
    sample(&sweeps, &sweeps_rejected, 30, 8, "sweep");
    println!("through the binary: {counts:?}");
    assert!(counts.values().sum::<usize>() >= 150, "{counts:?}");
}
