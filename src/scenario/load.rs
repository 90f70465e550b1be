//! From a scenario file (or built-in name) and `--set` overrides to a
//! validated [`Scenario`].
//!
//! 1. `spec` names a file if one exists at that path, else a built-in
//!    (`baseline` or `baseline.json`).
//! 2. Each file of the `extends` chain is parsed and deserialized on its own
//!    (without `extends`), so an unknown key or a wrong type is reported
//!    against the file that contains it.
//! 3. The chain is merged root first ([`merge`]). `name` and `description`
//!    are not inherited: they come from the top file, `name` defaulting to
//!    its file stem (or the built-in's name) and `description` to "".
//! 4. Defaults are filled in by deserializing; the scenario is serialized
//!    back to a complete document, in which each `--set` path must exist.
//! 5. The result is validated ([`validate`]).
//!
//! Errors are [`Error::Input`] whose source is the file (as the user or the
//! `extends` chain named it; `builtin:NAME` for a built-in) or `--set`.
//! Syntax and type errors stop at the first one. Validation reports every
//! problem, one per line, as `<source>: <path> = <value>: <what is allowed>`;
//! a problem is blamed on the last `--set` touching its path, else on the
//! most-derived file that sets the path (or a path the rule depends on),
//! else on the top file.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::builtin;
use super::merge::{JsonPath, Segment, merge};
use super::params::Scenario;
use super::validate::{Problem, validate};
use crate::{Error, Result};

/// The source named in errors caused by an override.
const SET: &str = "--set";

/// One `--set PATH=VALUE`: replaces the value at PATH in the resolved
/// scenario. PATH is dotted, with indices as `types[1]` or `types.1`.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    pub path: String,
    pub value: Value,
}

impl Override {
    /// VALUE is read as JSON, or taken as a string if it is not valid JSON
    /// (`name=my_run`, `simulation.start=2008-11`). The path is checked by
    /// [`load`].
    pub fn new(path: &str, value: &str) -> Self {
        Override {
            path: path.trim().to_string(),
            value: serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.to_string())),
        }
    }

    /// Parses `PATH=VALUE`.
    pub fn parse(text: &str) -> Result<Self> {
        match text.split_once('=') {
            Some((path, value)) if !path.trim().is_empty() => Ok(Override::new(path, value)),
            _ => Err(Error::input(
                SET,
                format!("`{text}`: expected PATH=VALUE, e.g. banks.search_breadth=3"),
            )),
        }
    }
}

/// Reads, merges, overrides and validates a scenario; see the module doc.
pub fn load(spec: &str, overrides: &[Override]) -> Result<Scenario> {
    let top = if Path::new(spec).is_file() {
        Origin::File(PathBuf::from(spec))
    } else if let Some((name, text)) = builtin::find(spec) {
        Origin::Builtin { name, text }
    } else {
        return Err(Error::input(
            spec,
            format!(
                "no such file, and no built-in scenario of that name (built-ins: {})",
                builtin::names()
            ),
        ));
    };
    let top_name = top.default_name();
    let layers = read_chain(top)?;

    // The defaults are the bottom layer, so that a key a partly given
    // object omits takes its default in that place (`world.domestic_demand`
    // has its own defaults, not those of a generic demand process).
    let mut merged = to_document(&Scenario::default())?;
    if let Value::Object(map) = &mut merged {
        map.remove("name");
    }
    for layer in layers.iter().rev() {
        merge(&mut merged, layer.document.clone());
    }
    if let Value::Object(map) = &mut merged {
        map.entry("name").or_insert(Value::String(top_name));
    }
    // Each file deserialized alone, so the merge should too; blame the top
    // file if it somehow does not.
    let mut scenario = deserialize(&merged).map_err(|message| Error::input(&layers[0].source, message))?;

    let mut applied = Vec::new();
    for o in overrides {
        let mut document = to_document(&scenario)?;
        let path = JsonPath::parse(&o.path)
            .and_then(|path| match path.is_root() {
                true => Err("empty path".to_string()),
                false => path.locate(&document),
            })
            .map_err(|message| Error::input(SET, format!("{} = {}: {message}", o.path, short(&o.value))))?;
        path.set(&mut document, o.value.clone());
        scenario = deserialize(&document).map_err(|message| Error::input(SET, message))?;
        applied.push(path);
    }

    let problems = validate(&scenario);
    let Some((first, rest)) = problems.split_first() else {
        return Ok(scenario);
    };
    let mut message = first.to_string();
    for problem in rest {
        message += &format!("\n{}: {problem}", blame(problem, &layers, &applied));
    }
    Err(Error::input(blame(first, &layers, &applied), message))
}

/// Where a scenario document comes from.
enum Origin {
    File(PathBuf),
    Builtin { name: &'static str, text: &'static str },
}

impl Origin {
    fn source_name(&self) -> String {
        match self {
            Origin::File(path) => path.display().to_string(),
            Origin::Builtin { name, .. } => builtin::source_name(name),
        }
    }

    /// Names the same file however it was reached, to detect cycles.
    fn identity(&self) -> Result<String> {
        match self {
            Origin::File(path) => match std::fs::canonicalize(path) {
                Ok(path) => Ok(path.display().to_string()),
                Err(e) => Err(Error::io(path, e)),
            },
            Origin::Builtin { name, .. } => Ok(builtin::source_name(name)),
        }
    }

    fn text(&self) -> Result<String> {
        match self {
            Origin::File(path) => read_text(path),
            Origin::Builtin { text, .. } => Ok(text.to_string()),
        }
    }

    fn default_name(&self) -> String {
        match self {
            Origin::File(path) => path
                .file_stem()
                .map(|stem| stem.to_string_lossy().into_owned())
                .unwrap_or_default(),
            Origin::Builtin { name, .. } => name.to_string(),
        }
    }

    /// The scenario `extends` names: a file relative to this one, else a
    /// built-in. Built-ins extend only built-ins.
    fn parent(&self, extends: &str) -> Result<Origin, String> {
        if let Origin::File(path) = self {
            let candidate = path.parent().unwrap_or(Path::new("")).join(extends);
            if candidate.is_file() {
                return Ok(Origin::File(candidate));
            }
            if let Some((name, text)) = builtin::find(extends) {
                return Ok(Origin::Builtin { name, text });
            }
            return Err(format!(
                "no file {} and no built-in scenario of that name (built-ins: {})",
                candidate.display(),
                builtin::names()
            ));
        }
        builtin::find(extends)
            .map(|(name, text)| Origin::Builtin { name, text })
            .ok_or_else(|| {
                format!(
                    "no built-in scenario of that name (built-ins: {})",
                    builtin::names()
                )
            })
    }
}

/// One file of the `extends` chain: its own keys, without `extends` (and,
/// below the top file, without `name` and `description`).
struct Layer {
    source: String,
    document: Value,
}

/// Reserved top-level key for the version and commit that wrote a resolved
/// scenario.
pub const PROVENANCE_KEY: &str = "tradefin";

/// Reserved top-level key where an editor looks for the JSON Schema.
pub const SCHEMA_KEY: &str = "$schema";

/// The chain from the top file to its root ancestor, each file checked on
/// its own.
fn read_chain(top: Origin) -> Result<Vec<Layer>> {
    let mut layers: Vec<Layer> = Vec::new();
    let mut identities = Vec::new();
    let mut origin = top;
    loop {
        let source = origin.source_name();
        identities.push(origin.identity()?);
        let mut object = parse_object(&source, &origin.text()?)?;
        let extends = object.remove("extends");
        // Keys that change nothing: the provenance tradefin writes into
        // results/*/scenario.json (so a resolved scenario can be run again
        // as it is), and an editor's pointer to the JSON Schema.
        type Allowed = fn(&Value) -> bool;
        let reserved: [(&str, Allowed, &str); 2] = [
            (
                PROVENANCE_KEY,
                Value::is_object,
                "an object (it is written by tradefin)",
            ),
            (SCHEMA_KEY, Value::is_string, "a string (the schema's location)"),
        ];
        for (key, allowed, what) in reserved {
            if let Some(value) = object.remove(key)
                && !allowed(&value)
            {
                return Err(Error::input(
                    &source,
                    format!("{key} = {}: must be {what}", short(&value)),
                ));
            }
        }
        let mut document = Value::Object(object);
        deserialize(&document).map_err(|message| Error::input(&source, message))?;
        if let (false, Value::Object(map)) = (layers.is_empty(), &mut document) {
            map.remove("name");
            map.remove("description");
        }
        layers.push(Layer { source, document });

        let Some(extends) = extends else {
            return Ok(layers);
        };
        let source = &layers[layers.len() - 1].source;
        let Value::String(parent_name) = &extends else {
            return Err(Error::input(
                source,
                format!(
                    "extends = {extends}: must be a string: a scenario file (relative to this one) \
                     or a built-in ({})",
                    builtin::names()
                ),
            ));
        };
        let parent = origin
            .parent(parent_name)
            .map_err(|message| Error::input(source, format!("extends = \"{parent_name}\": {message}")))?;
        let parent_identity = parent.identity()?;
        if let Some(start) = identities.iter().position(|id| *id == parent_identity) {
            let chain: Vec<&str> = layers[start..]
                .iter()
                .chain([&layers[start]])
                .map(|layer| layer.source.as_str())
                .collect();
            return Err(Error::input(
                source,
                format!(
                    "extends = \"{parent_name}\": cyclic extends: {}",
                    chain.join(" → ")
                ),
            ));
        }
        origin = parent;
    }
}

/// Reads a scenario or sweep file as text. Bytes that are not UTF-8 are
/// bad input (exit code 2), not a failure to read; a byte order mark,
/// which some editors write, is skipped.
pub(crate) fn read_text(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    match String::from_utf8(bytes) {
        Ok(text) => Ok(text.strip_prefix('\u{feff}').map(str::to_string).unwrap_or(text)),
        Err(e) => {
            let offset = e.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(&e.into_bytes()[..offset]).into_owned();
            let line = text.matches('\n').count() + 1;
            let column = text.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            Err(Error::input(
                path.display().to_string(),
                format!(
                    "line {line} column {column}: not UTF-8 text (byte {offset}); save the file as UTF-8"
                ),
            ))
        }
    }
}

/// Parses JSON text like `serde_json::from_str::<Value>`, but a key given
/// twice in one object is an error naming its path: serde_json would keep
/// the last silently, and a user who writes `coverage` twice meant one of
/// them. Nesting deeper than serde_json's limit (128) is an error too.
pub(crate) fn parse_json(text: &str) -> Result<Value, String> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value = match serde_path_to_error::deserialize(&mut de) {
        Ok(Strict(value)) => value,
        Err(e) => return Err(parse_error(Some(e.path()), e.inner())),
    };
    de.end().map_err(|e| parse_error(None, &e))?;
    Ok(value)
}

/// `line 3 column 3: expected `,` or `}``, or for a duplicate key
/// `a.b: the key is given twice in one object (line 3 column 9); keep one`.
fn parse_error(at: Option<&serde_path_to_error::Path>, e: &serde_json::Error) -> String {
    let full = e.to_string();
    let position = format!(" at line {} column {}", e.line(), e.column());
    let what = match full.strip_suffix(&position).unwrap_or(&full) {
        "recursion limit exceeded" => "arrays and objects nested more than 128 deep",
        what => what,
    };
    let (Some(key), Some(at)) = (what.strip_prefix(DUPLICATE), at) else {
        return format!("line {} column {}: {what}", e.line(), e.column());
    };
    let mut path = JsonPath::default();
    for segment in at.iter() {
        path.0.push(match segment {
            serde_path_to_error::Segment::Seq { index } => Segment::Index(*index),
            serde_path_to_error::Segment::Map { key } => Segment::Key(key.clone()),
            _ => break,
        });
    }
    path.0.push(Segment::Key(key.to_string()));
    format!(
        "{path}: the key is given twice in one object (line {} column {}); keep one",
        e.line(),
        e.column()
    )
}

const DUPLICATE: &str = "duplicate key: ";

/// A JSON value that rejects duplicate keys (see [`parse_json`]).
struct Strict(Value);

impl<'de> serde::Deserialize<'de> for Strict {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(Strict)
    }
}

struct StrictVisitor;

impl<'de> serde::de::Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Strict(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                return Err(serde::de::Error::custom(format!("{DUPLICATE}{key}")));
            }
            let Strict(value) = map.next_value()?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

/// Parses a file's text; the top level must be an object.
pub(crate) fn parse_object(source: &str, text: &str) -> Result<Map<String, Value>> {
    match parse_json(text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => Err(Error::input(
            source,
            format!(
                "the top level must be a JSON object ({{ ... }}), not {}",
                short(&other)
            ),
        )),
        Err(message) => Err(Error::input(source, message)),
    }
}

fn deserialize(document: &Value) -> Result<Scenario, String> {
    deserialize_as(document)
}

/// Deserializes a document, explaining a failure in the scenario format's
/// terms with its JSON path (also used for sweep files).
pub(crate) fn deserialize_as<T: serde::de::DeserializeOwned>(document: &Value) -> Result<T, String> {
    serde_path_to_error::deserialize(document).map_err(|e| {
        let mut path = JsonPath::default();
        for segment in e.path().iter() {
            path.0.push(match segment {
                serde_path_to_error::Segment::Seq { index } => Segment::Index(*index),
                serde_path_to_error::Segment::Map { key } => Segment::Key(key.clone()),
                serde_path_to_error::Segment::Enum { variant } => Segment::Key(variant.clone()),
                serde_path_to_error::Segment::Unknown => break,
            });
        }
        explain(&path, path.get(document), &e.inner().to_string())
    })
}

fn to_document(scenario: &Scenario) -> Result<Value> {
    serde_json::to_value(scenario).map_err(|e| Error::Runtime(format!("serializing the scenario: {e}")))
}

/// Rewrites serde's message in the scenario format's terms:
/// `simulation.firms = -5: must be a whole number between 1 and 10000000`.
fn explain(path: &JsonPath, value: Option<&Value>, message: &str) -> String {
    let at = |text: String| match path.is_root() {
        true => text,
        false => format!("{path}: {text}"),
    };
    if message.starts_with("unknown field") {
        return at(format!("{message}{}", suggestion(message)));
    }
    if let Some(field) = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next())
    {
        let mut path = path.clone();
        path.0.push(Segment::Key(field.to_string()));
        return format!("{path}: missing; this key is required");
    }
    let Some(value) = value.filter(|_| !message.starts_with("missing field")) else {
        return at(message.to_string());
    };
    let value = short(value);
    let allowed = if let Some(expected) = ["invalid type: ", "invalid value: "]
        .iter()
        .find(|prefix| message.starts_with(*prefix))
        .and_then(|_| message.rsplit_once(", expected "))
        .map(|(_, expected)| expected)
    {
        let range = super::validate::allowed_range(&path.to_string());
        format!("must be {}", plain_expected(expected, &value, range.as_deref()))
    } else if let Some(variants) = message
        .strip_prefix("unknown variant ")
        .and_then(|rest| rest.split_once(", expected "))
        .map(|(_, variants)| variants)
    {
        format!("must be {}", variants.replace('`', "\""))
    } else if message.contains(&value) {
        return at(message.to_string());
    } else {
        message.to_string()
    };
    let prefix = if path.is_root() {
        String::new()
    } else {
        format!("{path} = ")
    };
    format!("{prefix}{value}: {allowed}")
}

/// serde's name for an expected type, in words.
/// `range` is what validation allows at the place (`between 1 and 1200`),
/// when it checks one.
fn plain_expected(expected: &str, value: &str, range: Option<&str>) -> String {
    let integer = matches!(
        expected,
        "u8" | "u16" | "u32" | "u64" | "usize" | "i8" | "i16" | "i32" | "i64"
    );
    match range {
        Some(range) if integer => return format!("a whole number {range}"),
        Some(range) if range.starts_with("a ") => return range.to_string(),
        Some(range) if matches!(expected, "f32" | "f64") => return format!("a number {range}"),
        _ => {}
    }
    let too_large = !value.starts_with('-') && value.parse::<u64>().is_ok();
    let max = match expected {
        "u8" => Some(u8::MAX as u64),
        "u16" => Some(u16::MAX as u64),
        "u32" => Some(u32::MAX as u64),
        "u64" | "usize" => Some(u64::MAX),
        _ => None,
    };
    match expected {
        _ if max.is_some() && too_large => format!("a whole number ≤ {}", max.unwrap_or_default()),
        _ if max.is_some() => "a whole number ≥ 0".to_string(),
        "i8" | "i16" | "i32" | "i64" => "a whole number".to_string(),
        "f32" | "f64" => "a number".to_string(),
        "a boolean" => "true or false".to_string(),
        "a sequence" => "a list".to_string(),
        "a map" => "an object".to_string(),
        "string or map" => "a string".to_string(),
        _ if expected.starts_with("struct ") => "an object".to_string(),
        _ => expected.to_string(),
    }
}

/// `"; did you mean `capital`?"` for `unknown field `captial`, expected one
/// of ... `capital` ...`, when one expected key is a small edit away.
fn suggestion(message: &str) -> String {
    let mut quoted = message.split('`').skip(1).step_by(2);
    let Some(unknown) = quoted.next() else {
        return String::new();
    };
    closest(unknown, quoted)
        .map(|key| format!("; did you mean `{key}`?"))
        .unwrap_or_default()
}

/// The candidate a small edit away from `unknown` (at most 2 edits, and
/// at most a third of its length), the nearest if several are.
pub(crate) fn closest<'a>(unknown: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .map(|key| (edit_distance(unknown, key), key))
        .filter(|(distance, key)| *distance <= 2.min(key.len() / 3).max(1))
        .min()
        .map(|(_, key)| key)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitute = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitute.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

/// A value as compact JSON, cut short if long.
fn short(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(80) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

/// The source a validation problem is blamed on.
fn blame<'a>(problem: &Problem, layers: &'a [Layer], applied: &[JsonPath]) -> &'a str {
    let paths: Vec<JsonPath> = std::iter::once(&problem.path)
        .chain(&problem.related)
        .filter_map(|text| JsonPath::parse(text).ok())
        .collect();
    if applied
        .iter()
        .any(|set| paths.iter().any(|path| set.overlaps(path)))
    {
        return SET;
    }
    layers
        .iter()
        .find(|layer| paths.iter().any(|path| path.is_set_in(&layer.document)))
        .unwrap_or(&layers[0])
        .source
        .as_str()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use serde_json::json;

    use super::*;
    use crate::scenario::{SizeClassPreset, TermMix, World, YearMonth};

    /// A value printed in shortest round-trip form (as sweeps print the
    /// values they set) is read back to the same bits: serde_json's
    /// `float_roundtrip` parser, not its faster approximate one.
    #[test]
    fn set_values_read_back_to_the_same_bits() {
        let mut bits = 0x9E37_79B9_7F4A_7C15_u64;
        for _ in 0..100_000 {
            bits = crate::sim::rng::mix(bits);
            let x = crate::sim::rng::unit(bits) * 10f64.powi((bits % 9) as i32 - 4);
            let o = Override::new("banks.prior_pd", &x.to_string());
            assert_eq!(o.value.as_f64().map(f64::to_bits), Some(x.to_bits()), "{x}");
        }
    }

    /// Writes `files` (name, JSON text) into a fresh directory.
    fn files(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        dir
    }

    fn path(dir: &tempfile::TempDir, name: &str) -> String {
        dir.path().join(name).display().to_string()
    }

    /// (source, message) of a failed load.
    fn failure(spec: &str, overrides: &[Override]) -> (String, String) {
        match load(spec, overrides) {
            Err(Error::Input { source_name, message }) => (source_name, message),
            other => panic!("expected an input error, got {other:?}"),
        }
    }

    /// A partly given object keeps the defaults of its own place: the
    /// domestic demand process's, a product's terms.
    #[test]
    fn omitted_keys_take_the_default_of_their_place() {
        let dir = files(&[(
            "f.json",
            r#"{"extends": "baseline",
                "banks": {"products": {"factoring": {"recourse": false}}},
                "world": {"domestic_demand": {"trend_annual": 0.05}}}"#,
        )]);
        let s = load(&path(&dir, "f.json"), &[]).unwrap();
        let defaults = Scenario::default();
        assert!(!s.banks.products.factoring.recourse);
        assert_eq!(s.banks.products.factoring.tenor_months, 0);
        assert_eq!(
            s.banks.products.factoring.advance_ratio,
            defaults.banks.products.factoring.advance_ratio
        );
        assert_eq!(s.world.domestic_demand.trend_annual, 0.05);
        assert_eq!(
            s.world.domestic_demand.cycle_sd,
            defaults.world.domestic_demand.cycle_sd
        );
        assert_ne!(
            defaults.world.domestic_demand.cycle_sd,
            crate::scenario::DemandProcess::default().cycle_sd,
            "the test needs a place whose default differs from its type's"
        );
    }

    fn set(text: &str) -> Override {
        Override::parse(text).unwrap()
    }

    #[test]
    fn extends_a_relative_path_and_does_not_inherit_name_or_description() {
        let dir = files(&[
            (
                "base.json",
                r#"{"name": "base", "description": "the parent",
                    "simulation": {"months": 12, "firms": 500}, "world": {"cny_per_usd": 7.5}}"#,
            ),
            (
                "policies/child.json",
                r#"{"extends": "../base.json", "simulation": {"months": 24}}"#,
            ),
        ]);
        let s = load(&path(&dir, "policies/child.json"), &[]).unwrap();
        assert_eq!((s.name.as_str(), s.description.as_str()), ("child", ""));
        assert_eq!((s.simulation.months, s.simulation.firms), (24, 500));
        assert_eq!(s.world.cny_per_usd, 7.5);
        assert_eq!(s.world.fx_drift_annual, World::default().fx_drift_annual);
    }

    #[test]
    fn extends_a_builtin_when_no_such_file_exists() {
        let baseline = load("baseline", &[]).unwrap();
        for extends in ["baseline", "baseline.json"] {
            let text = format!(r#"{{"extends": "{extends}", "simulation": {{"seed": 7}}}}"#);
            let dir = files(&[("policy.json", &text)]);
            let s = load(&path(&dir, "policy.json"), &[]).unwrap();
            assert_eq!(s.name, "policy");
            assert_eq!(s.simulation.seed, 7);
            assert_eq!(s.banks, baseline.banks);
        }
    }

    #[test]
    fn an_explicit_name_wins_and_a_builtin_is_named_after_itself() {
        let dir = files(&[("file.json", r#"{"name": "mine", "description": "d"}"#)]);
        let s = load(&path(&dir, "file.json"), &[]).unwrap();
        assert_eq!((s.name.as_str(), s.description.as_str()), ("mine", "d"));
        assert_eq!(load("baseline.json", &[]).unwrap().name, "baseline");
    }

    #[test]
    fn detects_cycles_and_lists_the_chain() {
        let dir = files(&[
            ("a.json", r#"{"extends": "b.json"}"#),
            ("b.json", r#"{"extends": "./a.json"}"#),
            ("self.json", r#"{"extends": "self.json"}"#),
        ]);
        let (a, b) = (path(&dir, "a.json"), path(&dir, "b.json"));
        assert_eq!(
            failure(&a, &[]),
            (
                b.clone(),
                format!("extends = \"./a.json\": cyclic extends: {a} → {b} → {a}")
            )
        );
        let me = path(&dir, "self.json");
        assert_eq!(
            failure(&me, &[]),
            (
                me.clone(),
                format!("extends = \"self.json\": cyclic extends: {me} → {me}")
            )
        );
    }

    #[test]
    fn names_a_missing_parent() {
        let dir = files(&[("child.json", r#"{"extends": "nope.json"}"#)]);
        let child = path(&dir, "child.json");
        let expected = format!(
            "extends = \"nope.json\": no file {} and no built-in scenario of that name (built-ins: {})",
            path(&dir, "nope.json"),
            builtin::names()
        );
        assert_eq!(failure(&child, &[]), (child, expected));
    }

    #[test]
    fn names_an_unknown_spec() {
        let (source, message) = failure("no/such/scenario.json", &[]);
        assert_eq!(source, "no/such/scenario.json");
        assert!(
            message.starts_with("no such file, and no built-in scenario of that name (built-ins: baseline")
        );
    }

    #[test]
    fn reports_unknown_keys_and_wrong_types_in_the_file_that_has_them() {
        let dir = files(&[
            (
                "base.json",
                r#"{"banks": {"types": [{"name": "a", "screning_noise": 1}]}}"#,
            ),
            ("child.json", r#"{"extends": "base.json"}"#),
            (
                "types.json",
                r#"{"extends": "base.json", "simulation": {"firms": -5}}"#,
            ),
        ]);
        let (source, message) = failure(&path(&dir, "child.json"), &[]);
        assert_eq!(source, path(&dir, "base.json"));
        assert!(
            message.starts_with(
                "banks.types[0].screning_noise: unknown field `screning_noise`, expected one of `name`"
            ),
            "{message}"
        );
        assert!(
            message.ends_with("; did you mean `screening_noise`?"),
            "{message}"
        );
        assert_eq!(
            failure(&path(&dir, "types.json"), &[]),
            (
                path(&dir, "types.json"),
                "simulation.firms = -5: must be a whole number between 1 and 10000000".to_string()
            )
        );
    }

    #[test]
    fn explains_serde_errors_in_scenario_terms() {
        let cases = [
            (r#"{"simulaton": {}}"#, "did you mean `simulation`?"),
            (
                r#"{"simulation": {"firms": 5000000000}}"#,
                "simulation.firms = 5000000000: must be a whole number between 1 and 10000000",
            ),
            (
                r#"{"simulation": {"firms": 1.5}}"#,
                "simulation.firms = 1.5: must be a whole number between 1 and 10000000",
            ),
            // A type error states the range validation would check.
            (
                r#"{"simulation": {"firms": 1e20}}"#,
                "simulation.firms = 1e+20: must be a whole number between 1 and 10000000",
            ),
            (
                r#"{"banks": {"types": [{}, {"count": "NaN"}]}}"#,
                "banks.types[1].count = \"NaN\": must be a whole number ≥ 1",
            ),
            (
                r#"{"world": {"cny_per_usd": "x"}}"#,
                "world.cny_per_usd = \"x\": must be a number > 0",
            ),
            (
                r#"{"simulation": {"seed": 18446744073709551616}}"#,
                "simulation.seed = 1.8446744073709552e+19: must be a whole number ≥ 0",
            ),
            (
                r#"{"simulation": {"seed": 1, "replications": 5000000000}}"#,
                "simulation.replications = 5000000000: must be a whole number between 1 and 1000000",
            ),
            (r#"{"world": 5}"#, "world = 5: must be an object"),
            (
                r#"{"simulation": {"start": 5}}"#,
                "simulation.start = 5: must be a month written \"YYYY-MM\"",
            ),
            (
                r#"{"simulation": {"start": "2008-13"}}"#,
                "simulation.start: invalid month \"2008-13\", expected \"YYYY-MM\" (e.g. \"2008-11\")",
            ),
            (
                r#"{"banks": {"types": [{"large_firm_priority": 1}]}}"#,
                "banks.types[0].large_firm_priority = 1: must be true or false",
            ),
            (
                r#"{"firms": {"size_classes": "mars"}}"#,
                "firms.size_classes = \"mars\": must be one of \"china_2011\", \"china_2003\", \"eu\", \"us_sba\", \"japan\", \"custom\"",
            ),
            (
                r#"{"shocks": [{"from": "2008-01", "to": "2008-02", "add": 1}]}"#,
                "shocks[0].target: missing; this key is required",
            ),
            (
                "[1, 2]",
                "the top level must be a JSON object ({ ... }), not [1,2]",
            ),
            (
                "{\n  \"a\": 1\n  \"b\": 2}",
                "line 3 column 3: expected `,` or `}`",
            ),
        ];
        for (text, expected) in cases {
            let dir = files(&[("x.json", text)]);
            let (source, message) = failure(&path(&dir, "x.json"), &[]);
            assert_eq!(source, path(&dir, "x.json"));
            assert!(
                message.ends_with(expected),
                "{text}: got {message:?}, expected {expected:?}"
            );
        }
    }

    #[test]
    fn set_accepts_both_index_syntaxes_json_and_bare_strings() {
        let s = load(
            "baseline",
            &[
                set("banks.types[1].count=9"),
                set("banks.types.2.name=rural"),
                set("simulation.start=2008-11"),
                set("government.regulator.rate_cap_multiple=4"),
                set(r#"world.payment_terms.micro={"open_account": 1}"#),
            ],
        )
        .unwrap();
        assert_eq!(s.banks.types[1].count, 9);
        assert_eq!(s.banks.types[2].name, "rural");
        assert_eq!(s.simulation.start, YearMonth::new(2008, 11));
        assert_eq!(s.government.regulator.rate_cap_multiple, Some(4.0));
        // A replaced object is filled with defaults again.
        assert_eq!(
            s.world.payment_terms.micro.cash_in_advance,
            TermMix::default().cash_in_advance
        );
        assert_eq!(s.world.payment_terms.micro.open_account, 1.0);
    }

    #[test]
    fn set_can_address_what_an_earlier_set_created() {
        let s = load(
            "baseline",
            &[
                set(r#"banks.types=[{"name": "only"}]"#),
                set("banks.types[0].count=3"),
            ],
        )
        .unwrap();
        assert_eq!((s.banks.types.len(), s.banks.types[0].count), (1, 3));
    }

    #[test]
    fn set_rejects_unknown_paths_with_the_valid_keys() {
        let (source, message) = failure("baseline", &[set("simulation.firm=10")]);
        assert_eq!(source, "--set");
        assert_eq!(
            message,
            "simulation.firm = 10: unknown key `firm` in `simulation`; valid keys: \
             burn_in_months, firms, months, replications, seed, start; did you mean `firms`?"
        );
        assert_eq!(
            failure("baseline", &[set("banks.types[3].count=1")]),
            (
                "--set".to_string(),
                "banks.types[3].count = 1: index 3 is out of range: `banks.types` has 3 entries".to_string()
            )
        );
        assert_eq!(
            failure("baseline", &[set("banks..count=1")]),
            (
                "--set".to_string(),
                "banks..count = 1: empty key (two dots in a row, or a dot at either end)".to_string()
            )
        );
        assert_eq!(
            failure("baseline", &[set("simulation.months=-1")]),
            (
                "--set".to_string(),
                "simulation.months = -1: must be a whole number between 1 and 1200".to_string()
            )
        );
    }

    #[test]
    fn override_parse_needs_an_equals_sign() {
        let Err(Error::Input { source_name, message }) = Override::parse("simulation.months") else {
            panic!("accepted an override without `=`");
        };
        assert_eq!(source_name, "--set");
        assert_eq!(
            message,
            "`simulation.months`: expected PATH=VALUE, e.g. banks.search_breadth=3"
        );
        assert!(Override::parse("=3").is_err());
        assert_eq!(Override::parse("a.b= 3").unwrap().value, json!(3));
        assert_eq!(Override::new("name", "my run").value, json!("my run"));
    }

    #[test]
    fn validation_problems_are_blamed_on_the_file_or_set_that_caused_them() {
        let dir = files(&[
            (
                "base.json",
                r#"{"government": {"regulator": {"recovery_rate": 1.4}}, "world": {"payment_terms": {"term_months_max": 2}}}"#,
            ),
            (
                "child.json",
                r#"{"extends": "base.json", "simulation": {"months": 0}}"#,
            ),
            (
                "fixed.json",
                r#"{"extends": "base.json", "government": {"regulator": {"recovery_rate": 0.5}}, "world": {"payment_terms": {"term_months_max": 3}}}"#,
            ),
            (
                "cross.json",
                r#"{"extends": "base.json", "government": {"regulator": {"recovery_rate": 0.5}}, "world": {"payment_terms": {"term_months_min": 3}}}"#,
            ),
        ]);
        let (base, child) = (path(&dir, "base.json"), path(&dir, "child.json"));
        // Every problem, one per line, each with its own source.
        assert_eq!(
            failure(&child, &[]),
            (
                child.clone(),
                format!(
                    "simulation.months = 0: must be between 1 and 1200\n\
                     {base}: government.regulator.recovery_rate = 1.4: must be between 0 and 1"
                )
            )
        );
        assert_eq!(
            failure(
                &path(&dir, "fixed.json"),
                &[set("government.regulator.recovery_rate=-0.1")]
            ),
            (
                "--set".to_string(),
                "government.regulator.recovery_rate = -0.1: must be between 0 and 1".to_string()
            )
        );
        // A rule on two fields set in different files blames the more derived one.
        assert_eq!(
            failure(&path(&dir, "cross.json"), &[]),
            (
                path(&dir, "cross.json"),
                "world.payment_terms.term_months_max = 2: must be ≥ term_months_min (3)".to_string()
            )
        );
        let dir = files(&[(
            "plain.json",
            r#"{"banks": {"products": {"working_capital": {"tenor_months": 0}}}}"#,
        )]);
        assert_eq!(
            failure(&path(&dir, "plain.json"), &[]).0,
            path(&dir, "plain.json")
        );
    }

    #[test]
    fn a_problem_nobody_set_is_blamed_on_the_top_file() {
        let layers = [
            Layer {
                source: "top.json".to_string(),
                document: json!({"world": {}}),
            },
            Layer {
                source: "parent.json".to_string(),
                document: json!({"banks": {"types": []}}),
            },
        ];
        let problem = |path: &str, related: &[&str]| Problem {
            path: path.to_string(),
            value: "0".to_string(),
            allowed: "must be ≥ 1".to_string(),
            related: related.iter().map(|r| r.to_string()).collect(),
        };
        assert_eq!(
            blame(&problem("simulation.months", &[]), &layers, &[]),
            "top.json"
        );
        assert_eq!(
            blame(&problem("banks.types[*].count", &[]), &layers, &[]),
            "parent.json"
        );
        assert_eq!(
            blame(&problem("world.a", &["banks.types"]), &layers, &[]),
            "parent.json"
        );
        let applied = [JsonPath::parse("simulation").unwrap()];
        assert_eq!(
            blame(&problem("simulation.months", &[]), &layers, &applied),
            "--set"
        );
    }

    #[test]
    fn resolved_output_round_trips_including_infinite_thresholds() {
        // `large` is an object: a string is a type error, blamed on --set.
        let (source, message) = failure("baseline", &[set("firms.size_class_custom.large=inf")]);
        assert_eq!(source, "--set");
        assert_eq!(
            message,
            "firms.size_class_custom.large = \"inf\": must be an object"
        );

        let overrides = [
            set("firms.size_classes=custom"),
            set("firms.size_class_custom.medium.revenue_millions=inf"),
            set("firms.size_class_custom.large.revenue_millions=\"inf\""),
        ];
        let s = load("baseline", &overrides).unwrap();
        assert_eq!(s.firms.size_classes, SizeClassPreset::Custom);
        assert_eq!(s.firms.size_class_custom.medium.revenue_millions, f64::INFINITY);
        let text = serde_json::to_string_pretty(&s).unwrap();
        assert!(text.contains(r#""revenue_millions": "inf""#), "{text}");
        let dir = files(&[("resolved.json", &text)]);
        assert_eq!(load(&path(&dir, "resolved.json"), &[]).unwrap(), s);
    }

    #[test]
    fn a_spec_that_is_a_directory_is_not_a_file() {
        let dir = files(&[]);
        assert!(Path::new(&path(&dir, "")).is_dir());
        assert_eq!(
            failure(&path(&dir, ""), &[]).1.split(" (").next(),
            Some("no such file, and no built-in scenario of that name")
        );
    }
}
