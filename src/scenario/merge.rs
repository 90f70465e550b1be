//! Operations on scenario documents as JSON values: the deep merge behind
//! `extends`, and the dotted paths (`banks.types[1].count`) that `--set` and
//! error messages use.

use std::fmt;

use serde_json::Value;

/// Merges `overlay` into `base`: objects merge key by key (recursively);
/// anything else in `overlay` — an array, a scalar or `null` — replaces what
/// `base` had. `null` is kept as a value, so a child can clear an optional
/// parameter its parent set (`"rate_cap_multiple": null`).
pub fn merge(base: &mut Value, overlay: Value) {
    match (base, overlay) {
        (Value::Object(base), Value::Object(overlay)) => {
            for (key, value) in overlay {
                match base.get_mut(&key) {
                    Some(slot) => merge(slot, value),
                    None => {
                        base.insert(key, value);
                    }
                }
            }
        }
        (slot, value) => *slot = value,
    }
}

/// One step of a [`JsonPath`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// An object key. A key made of digits also indexes an array
    /// (`banks.types.1`), decided when the path is looked up.
    Key(String),
    /// `[3]`.
    Index(usize),
    /// `[*]`: every element; only in validation problems, never in `--set`.
    AnyIndex,
}

/// A path into a scenario document, written `banks.types[1].count` (or
/// `banks.types.1.count` on the command line).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct JsonPath(pub Vec<Segment>);

impl JsonPath {
    /// Parses `a.b[1].c`, `a.b.1.c` and `a[*].b`; the path of the whole
    /// document is the empty string.
    pub fn parse(text: &str) -> Result<JsonPath, String> {
        let mut segments = Vec::new();
        if text.is_empty() {
            return Ok(JsonPath(segments));
        }
        for piece in text.split('.') {
            let (key, mut brackets) = piece.split_at(piece.find('[').unwrap_or(piece.len()));
            if key.is_empty() {
                return Err("empty key (two dots in a row, or a dot at either end)".to_string());
            }
            if key.contains(']') {
                return Err(format!("unmatched `]` in `{piece}`"));
            }
            segments.push(Segment::Key(key.to_string()));
            while !brackets.is_empty() {
                let close = brackets
                    .find(']')
                    .filter(|_| brackets.starts_with('['))
                    .ok_or_else(|| format!("expected `[INDEX]` after `{key}`"))?;
                let inside = &brackets[1..close];
                segments.push(match inside {
                    "*" => Segment::AnyIndex,
                    _ => Segment::Index(
                        inside
                            .parse()
                            .map_err(|_| format!("`[{inside}]` is not an index (a whole number ≥ 0)"))?,
                    ),
                });
                brackets = &brackets[close + 1..];
            }
        }
        Ok(JsonPath(segments))
    }

    pub fn segments(&self) -> &[Segment] {
        &self.0
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// True if one path is a prefix of the other (or they are equal): a
    /// value set at one path contributes to the value at the other. `[*]`
    /// matches any index.
    pub fn overlaps(&self, other: &JsonPath) -> bool {
        self.0.iter().zip(&other.0).all(|pair| match pair {
            (Segment::AnyIndex, Segment::Index(_) | Segment::AnyIndex)
            | (Segment::Index(_), Segment::AnyIndex) => true,
            (a, b) => a == b,
        })
    }

    /// Looks the path up in `doc` and returns it in canonical form (array
    /// steps as `[i]`). The error explains where the lookup failed and, at an
    /// object, lists the keys that exist there.
    pub fn locate(&self, doc: &Value) -> Result<JsonPath, String> {
        let mut here = JsonPath::default();
        let mut value = doc;
        for segment in &self.0 {
            let step = match (value, segment) {
                (Value::Object(map), Segment::Key(key)) => match map.get(key) {
                    Some(_) => Segment::Key(key.clone()),
                    None => {
                        let hint = super::load::closest(key, map.keys().map(String::as_str))
                            .map(|k| format!("; did you mean `{k}`?"))
                            .unwrap_or_default();
                        return Err(format!(
                            "unknown key `{key}` in {}; valid keys: {}{hint}",
                            here.describe(),
                            keys(map)
                        ));
                    }
                },
                (Value::Array(items), Segment::Index(_) | Segment::Key(_)) => {
                    let index = match segment {
                        Segment::Index(i) => *i,
                        Segment::Key(key) => key.parse().map_err(|_| {
                            format!(
                                "{} is a list; index it with a number, e.g. `{here}[0]`",
                                here.describe()
                            )
                        })?,
                        Segment::AnyIndex => unreachable!("matched above"),
                    };
                    if index >= items.len() {
                        return Err(format!(
                            "index {index} is out of range: {} has {} entries",
                            here.describe(),
                            items.len()
                        ));
                    }
                    Segment::Index(index)
                }
                (Value::Object(map), Segment::Index(_)) => {
                    return Err(format!(
                        "{} is an object, not a list; valid keys: {}",
                        here.describe(),
                        keys(map)
                    ));
                }
                (_, Segment::AnyIndex) => return Err("`[*]` cannot be used here".to_string()),
                (scalar, _) => {
                    return Err(format!("{} is {} and has no keys", here.describe(), kind(scalar)));
                }
            };
            value = match &step {
                Segment::Key(key) => &value[key.as_str()],
                Segment::Index(i) => &value[*i],
                Segment::AnyIndex => unreachable!("never produced"),
            };
            here.0.push(step);
        }
        Ok(here)
    }

    /// The value at a canonical path, if there is one.
    pub fn get<'a>(&self, doc: &'a Value) -> Option<&'a Value> {
        self.0.iter().try_fold(doc, |value, segment| match segment {
            Segment::Key(key) => value.as_object()?.get(key),
            Segment::Index(i) => value.as_array()?.get(*i),
            Segment::AnyIndex => None,
        })
    }

    /// Replaces the value at a canonical path that exists in `doc`
    /// (see [`JsonPath::locate`]); returns false if it does not.
    pub fn set(&self, doc: &mut Value, new: Value) -> bool {
        let slot = self.0.iter().try_fold(doc, |value, segment| match segment {
            Segment::Key(key) => value.as_object_mut()?.get_mut(key),
            Segment::Index(i) => value.as_array_mut()?.get_mut(*i),
            Segment::AnyIndex => None,
        });
        match slot {
            Some(slot) => {
                *slot = new;
                true
            }
            None => false,
        }
    }

    /// Whether a file's own document sets this path (or part of it). Arrays
    /// and scalars replace wholesale when merged, so a file that has an
    /// array on the way sets everything inside it.
    pub fn is_set_in(&self, raw: &Value) -> bool {
        let mut value = raw;
        for segment in &self.0 {
            match (value, segment) {
                (Value::Object(map), Segment::Key(key)) => match map.get(key) {
                    Some(inner) => value = inner,
                    None => return false,
                },
                (Value::Object(_), _) => return false,
                _ => return true,
            }
        }
        true
    }

    /// `` `banks.types` `` or "the top level", for messages.
    fn describe(&self) -> String {
        if self.is_root() {
            "the top level".to_string()
        } else {
            format!("`{self}`")
        }
    }
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                // A key a dotted path cannot show (empty, with a dot,
                // bracket, space or control character) is quoted:
                // `world[""]`, `["a.b"]`.
                Segment::Key(key) if !plain(key) => write!(f, "[{}]", Value::from(key.as_str()))?,
                Segment::Key(key) if i == 0 => f.write_str(key)?,
                Segment::Key(key) => write!(f, ".{key}")?,
                Segment::Index(index) => write!(f, "[{index}]")?,
                Segment::AnyIndex => f.write_str("[*]")?,
            }
        }
        Ok(())
    }
}

fn plain(key: &str) -> bool {
    !key.is_empty()
        && !key
            .chars()
            .any(|c| matches!(c, '.' | '[' | ']' | '"') || c.is_whitespace() || c.is_control())
}

fn keys(map: &serde_json::Map<String, Value>) -> String {
    map.keys().map(String::as_str).collect::<Vec<_>>().join(", ")
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn merged(mut base: Value, overlay: Value) -> Value {
        merge(&mut base, overlay);
        base
    }

    #[test]
    fn objects_merge_key_by_key() {
        let base = json!({"world": {"a": 1, "b": {"c": 2, "d": 3}}, "x": 0});
        let overlay = json!({"world": {"b": {"d": 4, "e": 5}}});
        assert_eq!(
            merged(base, overlay),
            json!({"world": {"a": 1, "b": {"c": 2, "d": 4, "e": 5}}, "x": 0})
        );
    }

    #[test]
    fn arrays_replace_whole() {
        let base = json!({"types": [{"name": "a", "count": 4}, {"name": "b"}]});
        let overlay = json!({"types": [{"count": 2}]});
        assert_eq!(merged(base, overlay), json!({"types": [{"count": 2}]}));
    }

    #[test]
    fn scalars_replace_and_change_type() {
        let base = json!({"a": 1, "b": "x", "c": {"d": 1}});
        let overlay = json!({"a": 2.5, "b": true, "c": 7});
        assert_eq!(merged(base, overlay), json!({"a": 2.5, "b": true, "c": 7}));
    }

    #[test]
    fn null_replaces_and_is_replaced() {
        let base = json!({"cap": 1.5, "floor": null});
        let overlay = json!({"cap": null, "floor": 0.9});
        assert_eq!(merged(base, overlay), json!({"cap": null, "floor": 0.9}));
    }

    #[test]
    fn parses_both_index_syntaxes() {
        let doc = json!({"banks": {"types": [{"count": 1}, {"count": 2}]}});
        for text in ["banks.types[1].count", "banks.types.1.count"] {
            let path = JsonPath::parse(text).unwrap().locate(&doc).unwrap();
            assert_eq!(path.to_string(), "banks.types[1].count");
            assert_eq!(path.get(&doc), Some(&json!(2)));
        }
        assert_eq!(JsonPath::parse("a[*].b").unwrap().to_string(), "a[*].b");
        assert_eq!(JsonPath::parse("a[0][2]").unwrap().to_string(), "a[0][2]");
    }

    #[test]
    fn rejects_malformed_paths() {
        for bad in ["a..b", ".a", "a.", "a[x]", "a[1", "a]b", "a[1]x"] {
            assert!(JsonPath::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn locate_explains_failures() {
        let doc = json!({"banks": {"types": [{"count": 1}], "search_breadth": 2}});
        let fail = |text: &str| JsonPath::parse(text).unwrap().locate(&doc).unwrap_err();
        assert_eq!(
            fail("banks.typo"),
            "unknown key `typo` in `banks`; valid keys: search_breadth, types"
        );
        assert_eq!(
            fail("bank"),
            "unknown key `bank` in the top level; valid keys: banks; did you mean `banks`?"
        );
        assert_eq!(
            fail("banks.types[3].count"),
            "index 3 is out of range: `banks.types` has 1 entries"
        );
        assert_eq!(
            fail("banks.types.first"),
            "`banks.types` is a list; index it with a number, e.g. `banks.types[0]`"
        );
        assert_eq!(
            fail("banks.search_breadth.x"),
            "`banks.search_breadth` is a number and has no keys"
        );
    }

    #[test]
    fn set_replaces_in_place() {
        let mut doc = json!({"a": {"b": [1, 2]}});
        assert!(JsonPath::parse("a.b[1]").unwrap().set(&mut doc, json!(5)));
        assert_eq!(doc, json!({"a": {"b": [1, 5]}}));
        assert!(!JsonPath::parse("a.c").unwrap().set(&mut doc, json!(5)));
    }

    #[test]
    fn a_file_sets_paths_it_contains_or_arrays_on_the_way() {
        let raw = json!({"banks": {"types": [{"name": "x"}]}, "world": {"cny_per_usd": 7}});
        let sets = |text: &str| JsonPath::parse(text).unwrap().is_set_in(&raw);
        assert!(sets("world.cny_per_usd"));
        assert!(sets("world"));
        assert!(sets("banks.types[0].count"));
        assert!(sets("banks.types[*].main_bank_weight_sme"));
        assert!(!sets("world.fx_drift_annual"));
        assert!(!sets("simulation.months"));
    }

    #[test]
    fn overlap_is_prefix_either_way() {
        let p = |text: &str| JsonPath::parse(text).unwrap();
        assert!(p("banks.types").overlaps(&p("banks.types[1].count")));
        assert!(p("banks.types[1].count").overlaps(&p("banks.types")));
        assert!(p("banks.types[*].name").overlaps(&p("banks.types[2]")));
        assert!(!p("banks.types[0]").overlaps(&p("banks.types[1].count")));
        assert!(!p("world.a").overlaps(&p("world.b")));
    }
}
