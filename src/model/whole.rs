//! Whole numbers in request bodies. JSON Schema (and so the OpenAPI document, and every
//! client generated from it) counts `5.0` as an integer; serde's integer types refuse it.
//! Request fields that are integers accept both, so the document and the server agree;
//! `5.5` is still refused with a clear message.

use serde::de::{self, Deserializer, Visitor};
use std::collections::BTreeMap;
use std::fmt;

struct Whole;

impl Visitor<'_> for Whole {
    type Value = i64;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a whole number")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<i64, E> {
        Ok(v)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<i64, E> {
        i64::try_from(v).map_err(|_| E::custom("the number is too large"))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<i64, E> {
        // Beyond 2^53 a float is no longer an exact whole number.
        if v.fract() == 0.0 && v.abs() <= 9_007_199_254_740_992.0 {
            Ok(v as i64)
        } else {
            Err(E::custom(format!("invalid type: {v} is not a whole number")))
        }
    }
}

pub fn i64<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    d.deserialize_any(Whole)
}

pub fn i32<'de, D: Deserializer<'de>>(d: D) -> Result<i32, D::Error> {
    let n = d.deserialize_any(Whole)?;
    i32::try_from(n).map_err(|_| de::Error::custom("the number is out of range"))
}

/// A whole number or null.
pub fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let v: Option<serde_json::Number> = serde::Deserialize::deserialize(d)?;
    v.map(|n| i64(n).map_err(de::Error::custom)).transpose()
}

pub fn opt_i32<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i32>, D::Error> {
    struct W;
    impl<'de> Visitor<'de> for W {
        type Value = Option<i32>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a whole number or null")
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            let n = d.deserialize_any(Whole)?;
            i32::try_from(n).map(Some).map_err(|_| de::Error::custom("the number is out of range"))
        }
    }
    d.deserialize_option(W)
}

/// `{ "resource": amount }` with whole-number amounts, or null.
pub fn opt_map<'de, D: Deserializer<'de>>(d: D) -> Result<Option<BTreeMap<String, i64>>, D::Error> {
    #[derive(serde::Deserialize)]
    struct Amount(#[serde(deserialize_with = "opt_i64")] Option<i64>);
    // A null amount is one not given: the plan's amount applies.
    let m: Option<BTreeMap<String, Amount>> = serde::Deserialize::deserialize(d)?;
    Ok(m.map(|m| m.into_iter().filter_map(|(k, Amount(v))| v.map(|v| (k, v))).collect()))
}

#[cfg(test)]
mod tests {
    #[derive(serde::Deserialize)]
    struct T {
        #[serde(deserialize_with = "super::i64")]
        n: i64,
        #[serde(default, deserialize_with = "super::opt_i32")]
        v: Option<i32>,
        #[serde(default, deserialize_with = "super::opt_map")]
        m: Option<std::collections::BTreeMap<String, i64>>,
    }

    #[test]
    fn whole_floats_are_integers() {
        let t: T = serde_json::from_str(r#"{"n": 5.0, "v": -3.0, "m": {"a": 2.0, "b": 7}}"#).unwrap();
        assert_eq!((t.n, t.v), (5, Some(-3)));
        assert_eq!(t.m.unwrap()["a"], 2);
        let t: T = serde_json::from_str(r#"{"n": 5, "v": null, "m": {"a": null, "b": 1}}"#).unwrap();
        assert_eq!(t.m.unwrap().into_iter().collect::<Vec<_>>(), [("b".to_string(), 1)]);
        let t: T = serde_json::from_str(r#"{"n": 5, "v": null}"#).unwrap();
        assert_eq!((t.n, t.v, t.m), (5, None, None));
        assert!(serde_json::from_str::<T>(r#"{"n": 5.5}"#).is_err());
        assert!(serde_json::from_str::<T>(r#"{"n": 1, "v": 3000000000}"#).is_err());
        assert!(serde_json::from_str::<T>(r#"{"n": "5"}"#).is_err());
    }
}
