//! What one scenario changes relative to another, leaf by leaf.

use serde_json::Value;

use super::Scenario;

/// Every leaf of `other` that differs from `base`, as (path, value) in the
/// `--set` syntax (`banks.types[0].rate_cap`): numbers to four significant
/// digits, other values as JSON. A list whose length differs (shocks, bank
/// types) is one entry with the whole list.
pub fn differences(base: &Scenario, other: &Scenario) -> Vec<(String, String)> {
    let before = serde_json::to_value(base).expect("a scenario serialises");
    let after = serde_json::to_value(other).expect("a scenario serialises");
    let mut out = Vec::new();
    diff(&before, &after, String::new(), &mut out);
    out
}

fn diff(a: &Value, b: &Value, path: String, out: &mut Vec<(String, String)>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, v) in y {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                match x.get(k) {
                    Some(u) => diff(u, v, p, out),
                    None => out.push((p, v.to_string())),
                }
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (u, v)) in x.iter().zip(y).enumerate() {
                diff(u, v, format!("{path}[{i}]"), out);
            }
        }
        _ if a != b => out.push((path, short(b))),
        _ => {}
    }
}

/// A number to four significant digits, other values as JSON.
pub(crate) fn short(v: &Value) -> String {
    match v.as_f64() {
        Some(x) if v.is_f64() && x != 0.0 => {
            let digits = (3 - x.abs().log10().floor() as i32).max(0) as usize;
            let text = format!("{x:.digits$}");
            if text.contains('.') {
                text.trim_end_matches('0').trim_end_matches('.').to_string()
            } else {
                text
            }
        }
        _ => v.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_name_each_changed_leaf() {
        let base = Scenario::default();
        assert!(differences(&base, &base).is_empty());
        let mut other = base.clone();
        other.government.guarantee.coverage = 0.8;
        other.banks.types[0].count += 1;
        other.shocks.clear();
        let d = differences(&base, &other);
        assert!(
            d.contains(&("government.guarantee.coverage".to_string(), "0.8".to_string())),
            "{d:?}"
        );
        assert!(
            d.contains(&(
                "banks.types[0].count".to_string(),
                (base.banks.types[0].count + 1).to_string()
            )),
            "{d:?}"
        );
        assert_eq!(d.len(), 2 + usize::from(!base.shocks.is_empty()), "{d:?}");
    }
}
