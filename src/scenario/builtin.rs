//! The scenarios shipped in `scenarios/`, embedded in the binary so that
//! `tradefin run baseline` works from any directory.

use serde_json::Value;

use crate::{Error, Result};

/// `builtin!("name")` embeds `scenarios/name.json`.
macro_rules! builtin {
    ($name:literal) => {
        ($name, include_str!(concat!("../../scenarios/", $name, ".json")))
    };
}

/// Name and text of each built-in scenario. To add one, put the file in
/// `scenarios/` and add a line here (a test checks that none is missing).
const BUILTINS: &[(&str, &str)] = &[
    builtin!("baseline"),
    builtin!("credit_guarantee"),
    builtin!("exim_support"),
    builtin!("lower_threshold"),
    builtin!("credit_bureau"),
    builtin!("export_insurance"),
    builtin!("product_innovation"),
    builtin!("management_training"),
    builtin!("risk_weight_relief"),
    builtin!("policy_package"),
    builtin!("developed_benchmark"),
    builtin!("crisis_2009"),
    builtin!("crisis_2009_package"),
];

/// A built-in scenario, as `tradefin scenarios` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuiltinInfo {
    pub name: String,
    pub description: String,
}

/// Every built-in scenario with the `description` written in its file.
pub fn builtins() -> Result<Vec<BuiltinInfo>> {
    BUILTINS
        .iter()
        .map(|(name, text)| {
            let document: Value = serde_json::from_str(text)
                .map_err(|e| Error::input(source_name(name), format!("not valid JSON: {e}")))?;
            let description = document
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or_default();
            Ok(BuiltinInfo {
                name: name.to_string(),
                description: description.to_string(),
            })
        })
        .collect()
}

/// The built-in called `name` or `name.json`: its name and text.
pub(crate) fn find(name: &str) -> Option<(&'static str, &'static str)> {
    let name = name.strip_suffix(".json").unwrap_or(name);
    BUILTINS.iter().copied().find(|(builtin, _)| *builtin == name)
}

/// "baseline, ..." for error messages.
pub(crate) fn names() -> String {
    BUILTINS
        .iter()
        .map(|(name, _)| *name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// How a built-in is named in error messages.
pub(crate) fn source_name(name: &str) -> String {
    format!("builtin:{name}")
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::scenario::load;

    #[test]
    fn every_file_in_scenarios_is_embedded() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
        let mut files = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "json") {
                files += 1;
                let stem = path.file_stem().unwrap().to_str().unwrap();
                let (_, text) = find(stem).unwrap_or_else(|| {
                    panic!(
                        "{} is not embedded: add builtin!(\"{stem}\") to BUILTINS",
                        path.display()
                    )
                });
                assert_eq!(text, std::fs::read_to_string(&path).unwrap());
            }
        }
        assert!(files >= 1);
        assert_eq!(
            files,
            BUILTINS.len(),
            "BUILTINS names a file that is not in scenarios/"
        );
    }

    #[test]
    fn every_builtin_loads_validates_and_is_described() {
        let infos = builtins().unwrap();
        assert_eq!(infos.len(), BUILTINS.len());
        for info in infos {
            let scenario = load(&info.name, &[]).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(
                scenario.name, info.name,
                "a built-in's `name` must be its file name"
            );
            assert!(!info.description.is_empty(), "{} has no description", info.name);
            assert_eq!(scenario.description, info.description);
        }
    }

    #[test]
    fn finds_with_or_without_extension() {
        assert_eq!(find("baseline").map(|b| b.0), Some("baseline"));
        assert_eq!(find("baseline.json").map(|b| b.0), Some("baseline"));
        assert_eq!(find("nonesuch"), None);
        assert!(names().contains("baseline"));
    }
}
