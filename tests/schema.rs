//! `tradefin schema`: a JSON Schema (draft 2020-12) of the scenario format
//! that accepts every shipped scenario file as written and rejects what
//! the loader rejects. The validator below covers the keywords the schema
//! uses; an unknown keyword fails the test, so it cannot pass vacuously.

use std::process::Command;

use serde_json::Value;

fn schema() -> Value {
    let output = Command::new(env!("CARGO_BIN_EXE_tradefin"))
        .arg("schema")
        .output()
        .expect("running tradefin");
    assert_eq!(output.status.code(), Some(0));
    serde_json::from_slice(&output.stdout).expect("the schema is JSON")
}

const KEYWORDS: &[&str] = &[
    "$schema",
    "title",
    "description",
    "default",
    "type",
    "format",
    "properties",
    "additionalProperties",
    "required",
    "items",
    "enum",
    "const",
    "anyOf",
    "oneOf",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "pattern",
];

fn is_type(v: &Value, t: &str) -> bool {
    match t {
        "null" => v.is_null(),
        "boolean" => v.is_boolean(),
        "string" => v.is_string(),
        "object" => v.is_object(),
        "array" => v.is_array(),
        "number" => v.is_number(),
        "integer" => v.as_f64().is_some_and(|x| x.fract() == 0.0),
        other => panic!("unknown type {other}"),
    }
}

/// Problems of `v` against `schema`, with their paths.
fn check(schema: &Value, v: &Value, path: &str, out: &mut Vec<String>) {
    let s = schema.as_object().expect("a schema is an object");
    for key in s.keys() {
        assert!(
            KEYWORDS.contains(&key.as_str()),
            "keyword {key} at {path} not covered"
        );
    }
    let mut fail = |why: String| out.push(format!("{path}: {why}"));
    if let Some(t) = s.get("type") {
        let types: Vec<&str> = match t {
            Value::String(t) => vec![t.as_str()],
            Value::Array(ts) => ts.iter().map(|t| t.as_str().unwrap()).collect(),
            _ => panic!("bad type at {path}"),
        };
        if !types.iter().any(|t| is_type(v, t)) {
            return fail(format!("{v} is not {types:?}"));
        }
    }
    if let Some(c) = s.get("const")
        && c != v
    {
        fail(format!("{v} is not {c}"));
    }
    if let Some(Value::Array(options)) = s.get("enum")
        && !options.contains(v)
    {
        fail(format!("{v} is not one of {options:?}"));
    }
    for (key, exactly_one) in [("anyOf", false), ("oneOf", true)] {
        if let Some(Value::Array(branches)) = s.get(key) {
            let passing = branches
                .iter()
                .filter(|b| {
                    let mut e = Vec::new();
                    check(b, v, path, &mut e);
                    e.is_empty()
                })
                .count();
            if passing == 0 || (exactly_one && passing > 1) {
                fail(format!("{v} matches {passing} branches of {key}"));
            }
        }
    }
    if let Some(x) = v.as_f64() {
        let bound = |k: &str| s.get(k).and_then(Value::as_f64);
        if bound("minimum").is_some_and(|m| x < m)
            || bound("maximum").is_some_and(|m| x > m)
            || bound("exclusiveMinimum").is_some_and(|m| x <= m)
            || bound("exclusiveMaximum").is_some_and(|m| x >= m)
        {
            fail(format!("{x} out of range"));
        }
    }
    if let (Some(Value::String(pattern)), Some(text)) = (s.get("pattern"), v.as_str()) {
        assert_eq!(pattern, "^[0-9]{4}-(0[1-9]|1[0-2])$", "pattern at {path}");
        let ok = text.len() == 7
            && text[..4].chars().all(|c| c.is_ascii_digit())
            && &text[4..5] == "-"
            && matches!(text[5..].parse::<u32>(), Ok(1..=12));
        if !ok {
            fail(format!("{text} is not YYYY-MM"));
        }
    }
    if let Some(object) = v.as_object() {
        let properties = s.get("properties").and_then(Value::as_object);
        for (key, value) in object {
            match properties.and_then(|p| p.get(key)) {
                Some(sub) => check(sub, value, &format!("{path}.{key}"), out),
                None if s.get("additionalProperties") == Some(&Value::Bool(false)) => {
                    out.push(format!("{path}: unknown key {key}"))
                }
                None => {}
            }
        }
        if let Some(Value::Array(required)) = s.get("required") {
            for key in required {
                if !object.contains_key(key.as_str().unwrap()) {
                    out.push(format!("{path}: missing {key}"));
                }
            }
        }
    }
    if let (Some(items), Some(array)) = (s.get("items"), v.as_array()) {
        for (i, item) in array.iter().enumerate() {
            check(items, item, &format!("{path}[{i}]"), out);
        }
    }
}

fn problems(schema: &Value, v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    check(schema, v, "", &mut out);
    out
}

#[test]
fn the_schema_accepts_every_shipped_scenario_and_rejects_mistakes() {
    let schema = schema();
    assert_eq!(schema["$schema"], "https://json-schema.org/draft/2020-12/schema");
    assert!(!schema.to_string().contains("$ref"), "every subschema is inlined");

    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<_> = std::fs::read_dir(dir.join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.push(dir.join("docs/calibration_start.json"));
    for file in &files {
        let document: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        assert_eq!(
            problems(&schema, &document),
            Vec::<String>::new(),
            "{}",
            file.display()
        );
    }
    // The resolved scenario too, as `tradefin check` prints it.
    let resolved = serde_json::to_value(tradefin::scenario::load("policy_package", &[]).unwrap()).unwrap();
    assert_eq!(problems(&schema, &resolved), Vec::<String>::new());

    for (bad, why) in [
        (r#"{"simulation": {"firms": 0}}"#, "simulation.firms"),
        (r#"{"government": {"guarantee": {"coverage": 1.5}}}"#, "coverage"),
        (
            r#"{"banks": {"types": [{"products": ["forfaiting"]}]}}"#,
            "products[0]",
        ),
        (r#"{"world": {"fx_drift": 0.1}}"#, "unknown key fx_drift"),
        (r#"{"simulation": {"start": "2008-13"}}"#, "not YYYY-MM"),
    ] {
        let found = problems(&schema, &serde_json::from_str(bad).unwrap());
        assert!(found.iter().any(|p| p.contains(why)), "{bad}: {found:?}");
    }
}
