//! Recorded values keep the digits that were entered (ISO/IEC 17025 §7.5.1: original observations).
//! `Decimal` accepts a JSON string ("10.000") or number and keeps its text; arithmetic uses f64.

use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub struct Decimal {
    text: String,
    value: f64,
}

impl Decimal {
    pub fn parse(text: &str) -> Result<Decimal, String> {
        let text = text.trim();
        let mantissa = text.strip_prefix(['+', '-']).unwrap_or(text);
        let (mantissa, exponent) = match mantissa.split_once(['e', 'E']) {
            Some((m, e)) => (m, Some(e)),
            None => (mantissa, None),
        };
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let digits_ok = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        let exponent_ok = exponent.is_none_or(|e| {
            let e = e.strip_prefix(['+', '-']).unwrap_or(e);
            !e.is_empty() && digits_ok(e)
        });
        let ok = !int.is_empty()
            && digits_ok(int)
            && digits_ok(frac)
            && exponent_ok
            && !(mantissa.ends_with('.'));
        let value = text.parse::<f64>().ok().filter(|v| v.is_finite());
        match (ok, value) {
            (true, Some(value)) => Ok(Decimal {
                text: text.to_string(),
                value,
            }),
            _ => Err(format!(
                "{text:?} is not a decimal number such as 10.000 or -1.5e-3"
            )),
        }
    }

    /// Zero, written `0`.
    pub fn zero() -> Decimal {
        Decimal {
            text: "0".into(),
            value: 0.0,
        }
    }

    pub fn value(&self) -> f64 {
        self.value
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The decimal places as entered: `"1000.003"` 3, `"1.5e-3"` 4, `"120"` and `"1.2e3"` 0.
    pub fn decimals(&self) -> i32 {
        let text = self.text.trim_start_matches(['+', '-']);
        let (mantissa, exponent) = text.split_once(['e', 'E']).unwrap_or((text, "0"));
        let fraction = mantissa.split_once('.').map_or(0, |(_, f)| f.len() as i32);
        (fraction - exponent.parse::<i32>().unwrap_or(0)).max(0)
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl serde::Serialize for Decimal {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<'de> serde::Deserialize<'de> for Decimal {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Decimal;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a decimal number, preferably as a string to keep its digits (\"10.000\")",
                )
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Decimal, E> {
                Decimal::parse(v).map_err(E::custom)
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Decimal, E> {
                Decimal::parse(&v.to_string()).map_err(E::custom)
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Decimal, E> {
                Decimal::parse(&v.to_string()).map_err(E::custom)
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Decimal, E> {
                Decimal::parse(&v.to_string()).map_err(E::custom)
            }
        }
        d.deserialize_any(Visitor)
    }
}

impl utoipa::PartialSchema for Decimal {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(
                "A decimal number as entered, e.g. \"10.000\" (a JSON number is accepted too)",
            ))
            .examples(["10.000"])
            .into()
    }
}
impl utoipa::ToSchema for Decimal {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_places_as_entered() {
        for (text, places) in [
            ("1000.003", 3),
            ("1.5e-3", 4),
            ("120", 0),
            ("1.2e3", 0),
            ("-0.50", 2),
        ] {
            assert_eq!(
                Decimal::parse(text).map(|d| d.decimals()),
                Ok(places),
                "{text}"
            );
        }
    }

    #[test]
    fn keeps_the_digits_entered() {
        let d: Decimal = serde_json::from_str("\"10.000\"").expect("decimal");
        assert_eq!(d.as_str(), "10.000");
        assert_eq!(d.value(), 10.0);
        assert_eq!(
            serde_json::to_string(&d).ok().as_deref(),
            Some("\"10.000\"")
        );
        assert!(serde_json::from_str::<Decimal>("-1.5e-3").is_ok());
        for bad in [
            "\"\"", "\"1,5\"", "\"1.\"", "\".5\"", "\"NaN\"", "\"1e\"", "\"abc\"",
        ] {
            assert!(serde_json::from_str::<Decimal>(bad).is_err(), "{bad}");
        }
    }
}
