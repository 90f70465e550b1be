//! Scenario files: format, defaults, `extends`, `--set` and validation.
//!
//! `load` turns a file or built-in name plus `--set` overrides into a
//! validated [`Scenario`]; docs/SCENARIOS.md describes the format for users.

pub mod builtin;
pub mod diff;
pub mod load;
pub mod merge;
pub mod month;
pub mod params;
pub mod schema;
pub mod validate;

pub use builtin::{BuiltinInfo, builtins};
pub use load::{Override, load};
pub use month::YearMonth;
pub use params::*;
pub use validate::{Problem, validate};

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::Value;

    use super::*;

    /// Leaf paths of `value` with their values; list elements are described
    /// once, by their first element, as `path[]`.
    fn leaves(value: &Value, path: String, out: &mut BTreeMap<String, Value>) {
        match value {
            Value::Object(map) => {
                for (key, inner) in map {
                    let inner_path = if path.is_empty() {
                        key.clone()
                    } else {
                        format!("{path}.{key}")
                    };
                    leaves(inner, inner_path, out);
                }
            }
            Value::Array(items) if items.first().is_some_and(Value::is_object) => {
                leaves(&items[0], format!("{path}[]"), out);
            }
            _ => {
                out.insert(path, value.clone());
            }
        }
    }

    /// docs/SCENARIOS.md lists every key of the format, with the default
    /// `Scenario::default()` has, and no key that does not exist: the docs
    /// cannot drift from params.rs.
    #[test]
    fn scenarios_md_documents_every_key_and_its_default() {
        let docs_path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/SCENARIOS.md");
        let docs = std::fs::read_to_string(&docs_path).unwrap();

        // A list entry's defaults are those of a new entry, not of the
        // default list's first one.
        let mut scenario = Scenario::default();
        scenario.banks.types = vec![BankType::default()];
        scenario.shocks = vec![Shock {
            target: ShockTarget::ForeignDemand,
            from: YearMonth::new(2008, 11),
            to: YearMonth::new(2009, 6),
            multiply: Some(0.75),
            add: Some(0.0),
        }];
        let mut documented = BTreeMap::new();
        leaves(
            &serde_json::to_value(&scenario).unwrap(),
            String::new(),
            &mut documented,
        );
        assert!(documented.len() > 150, "{} leaves", documented.len());
        for path in documented.keys() {
            assert!(
                docs.contains(&format!("`{path}`")),
                "docs/SCENARIOS.md does not mention `{path}`"
            );
        }

        // Rows of the tables headed `| key | default | allowed | meaning |`.
        let mut rows = 0;
        let mut in_key_table = false;
        for line in docs.lines() {
            in_key_table = line.starts_with('|') && (in_key_table || line.starts_with("| key | default |"));
            if !in_key_table || !line.starts_with("| `") {
                continue;
            }
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let path = cells[1].trim_matches('`');
            rows += 1;
            let actual = documented
                .get(path)
                .unwrap_or_else(|| panic!("docs/SCENARIOS.md documents `{path}`, which is not a key"));
            let Some(written) = cells[2].strip_prefix('`').and_then(|c| c.strip_suffix('`')) else {
                continue; // described in words ("file name", "required")
            };
            let written: Value = serde_json::from_str(written)
                .unwrap_or_else(|e| panic!("default of `{path}` in the docs is not JSON: {e}"));
            let same = match (&written, actual) {
                (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
                (a, b) => a == b,
            };
            assert!(
                same,
                "docs give `{path}` the default {written}, params.rs has {actual}"
            );
        }
        assert_eq!(
            rows,
            documented.len(),
            "some key is documented twice or not in a table"
        );
    }
}
