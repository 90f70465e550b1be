//! The JSON Schema of the scenario format (`tradefin schema`), for editors:
//! every key with its description (the doc comments of `params.rs`), its
//! default in its place, and its allowed range (the checks of
//! `validate.rs`).

use schemars::generate::SchemaSettings;
use serde_json::{Value, json};

use super::YearMonth;
use super::load::{PROVENANCE_KEY, SCHEMA_KEY};
use super::params::{Scenario, Shock, ShockTarget};
use super::validate::bounds;

/// The schema, draft 2020-12, with every object inlined so that each key
/// carries the default of its own place.
pub fn schema() -> Value {
    let generator = SchemaSettings::draft2020_12()
        .with(|s| s.inline_subschemas = true)
        .into_generator();
    let mut schema =
        serde_json::to_value(generator.into_root_schema_for::<Scenario>()).expect("a schema serialises");

    // Ranges, from the checks run on a scenario that has every optional
    // value (a shock, a regulatory rate cap, a custom currency).
    let mut full = Scenario::default();
    full.government.regulator.rate_cap_multiple = Some(1.0);
    full.firms.size_class_custom.currency_per_usd = Some(1.0);
    for (multiply, add) in [(Some(1.0), None), (None, Some(0.0))] {
        full.shocks.push(Shock {
            target: ShockTarget::ForeignDemand,
            from: YearMonth::new(2008, 1),
            to: YearMonth::new(2008, 2),
            multiply,
            add,
        });
    }
    for b in bounds(&full) {
        let Some(node) = at(&mut schema, &b.path) else {
            continue;
        };
        if let Some((low, inclusive)) = b.low.filter(|(x, _)| x.is_finite()) {
            let key = if inclusive { "minimum" } else { "exclusiveMinimum" };
            node[key] = json!(low);
        }
        if let Some((high, inclusive)) = b.high.filter(|(x, _)| x.is_finite()) {
            let key = if inclusive { "maximum" } else { "exclusiveMaximum" };
            node[key] = json!(high);
        }
    }

    // Each key's default where it stands (a generic type's default can
    // differ: `world.domestic_demand` is not a default demand process).
    let defaults = serde_json::to_value(Scenario::default()).expect("a scenario serialises");
    set_defaults(&mut schema, &defaults);

    let properties = schema["properties"].as_object_mut().expect("an object schema");
    properties.insert(
        "extends".into(),
        json!({
            "type": "string",
            "description": "The scenario this one changes: a path relative to this file, or a \
                            built-in name such as \"baseline\". Objects merge key by key; \
                            arrays and other values replace."
        }),
    );
    properties.insert(
        SCHEMA_KEY.into(),
        json!({
            "type": "string",
            "description": "Where an editor finds this schema; ignored when a scenario is read."
        }),
    );
    properties.insert(
        PROVENANCE_KEY.into(),
        json!({
            "type": "object",
            "description": "Written by tradefin into results' scenario.json (version, git \
                            commit); ignored when a scenario is read."
        }),
    );
    schema
}

/// The schema of the value at a JSON path (`a.b[0].c`).
fn at<'a>(schema: &'a mut Value, path: &str) -> Option<&'a mut Value> {
    let mut node = schema;
    for part in path.split('.') {
        let (key, indexed) = match part.find('[') {
            Some(i) => (&part[..i], true),
            None => (part, false),
        };
        node = node.get_mut("properties")?.get_mut(key)?;
        if indexed {
            node = node.get_mut("items")?;
        }
    }
    Some(node)
}

fn set_defaults(schema: &mut Value, defaults: &Value) {
    let (Some(properties), Some(values)) = (
        schema.get_mut("properties").and_then(Value::as_object_mut),
        defaults.as_object(),
    ) else {
        return;
    };
    for (key, value) in values {
        if let Some(property) = properties.get_mut(key) {
            property["default"] = value.clone();
            set_defaults(property, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_carry_their_place_s_default_range_and_description() {
        let s = schema();
        let domestic = &s["properties"]["world"]["properties"]["domestic_demand"]["properties"]["cycle_sd"];
        assert_eq!(domestic["default"], json!(0.015));
        assert_eq!(
            (domestic["minimum"].clone(), domestic["maximum"].clone()),
            (json!(0.0), json!(1.0))
        );
        let coverage = &s["properties"]["government"]["properties"]["guarantee"]["properties"]["coverage"];
        assert_eq!(coverage["minimum"], json!(0.0));
        assert_eq!(coverage["maximum"], json!(1.0));
        assert!(coverage["description"].as_str().unwrap().contains("guaranteed"));
        let count = &s["properties"]["banks"]["properties"]["types"]["items"]["properties"]["count"];
        assert_eq!(count["minimum"], json!(1.0));
        assert_eq!(s["additionalProperties"], json!(false));
        assert!(s["properties"]["extends"].is_object());
        let multiply = &s["properties"]["shocks"]["items"]["properties"]["multiply"];
        assert_eq!(multiply["minimum"], json!(0.0));
    }

    /// Every key, at every depth, says what it is.
    #[test]
    fn every_key_has_a_description() {
        fn walk(s: &Value, path: &str, missing: &mut Vec<String>) {
            if let Some(properties) = s.get("properties").and_then(Value::as_object) {
                for (key, sub) in properties {
                    let path = format!("{path}.{key}");
                    if sub.get("description").is_none() {
                        missing.push(path.clone());
                    }
                    walk(sub, &path, missing);
                }
            }
            if let Some(items) = s.get("items") {
                walk(items, &format!("{path}[]"), missing);
            }
        }
        let mut missing = Vec::new();
        walk(&schema(), "", &mut missing);
        assert!(missing.is_empty(), "{missing:?}");
    }
}
