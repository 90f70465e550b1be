//! Calendar months, written `"YYYY-MM"` in scenario files and output.

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A calendar month. Ordered, and convertible to a month index so that
/// "months between" is a subtraction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth {
    year: i32,
    /// 1 to 12.
    month: u32,
}

impl YearMonth {
    /// Panics on a month outside 1..=12; use `parse` for user input.
    pub const fn new(year: i32, month: u32) -> Self {
        assert!(month >= 1 && month <= 12);
        YearMonth { year, month }
    }

    pub fn year(self) -> i32 {
        self.year
    }

    /// 1 = January.
    pub fn month(self) -> u32 {
        self.month
    }

    /// Months since year 0, for arithmetic.
    pub fn index(self) -> i64 {
        self.year as i64 * 12 + (self.month as i64 - 1)
    }

    pub fn from_index(index: i64) -> Self {
        YearMonth {
            year: index.div_euclid(12) as i32,
            month: index.rem_euclid(12) as u32 + 1,
        }
    }

    /// This month shifted by `months` (may be negative).
    pub fn plus(self, months: i64) -> Self {
        YearMonth::from_index(self.index() + months)
    }

    /// Parses `"YYYY-MM"` (four-digit year 1000–9999).
    pub fn parse(text: &str) -> Option<Self> {
        let (y, m) = text.split_once('-')?;
        if y.len() != 4 || m.len() != 2 || !y.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
            return None;
        }
        let year: i32 = y.parse().ok()?;
        let month: u32 = m.parse().ok()?;
        ((1000..=9999).contains(&year) && (1..=12).contains(&month)).then_some(YearMonth { year, month })
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl schemars::JsonSchema for YearMonth {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "YearMonth".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])$",
            "description": "A calendar month, \"YYYY-MM\"."
        })
    }
}

impl Serialize for YearMonth {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for YearMonth {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MonthVisitor;
        impl Visitor<'_> for MonthVisitor {
            type Value = YearMonth;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a month written \"YYYY-MM\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<YearMonth, E> {
                YearMonth::parse(v).ok_or_else(|| {
                    E::custom(format!(
                        "invalid month \"{v}\", expected \"YYYY-MM\" (e.g. \"2008-11\")"
                    ))
                })
            }
        }
        deserializer.deserialize_str(MonthVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        let m = YearMonth::parse("2008-11").unwrap();
        assert_eq!((m.year(), m.month()), (2008, 11));
        assert_eq!(m.to_string(), "2008-11");
        assert_eq!(m.plus(2).to_string(), "2009-01");
        assert_eq!(m.plus(-11).to_string(), "2007-12");
    }

    #[test]
    fn rejects_malformed() {
        for bad in ["2008-13", "2008-00", "2008-1", "08-11", "2008/11", "", "2008-1x"] {
            assert!(YearMonth::parse(bad).is_none(), "{bad}");
        }
    }
}
