//! Walking untrusted JSON documents (instrument and assignment files) while
//! collecting every problem with its JSON path, instead of stopping at the first.
//! Numbers are read as exact decimals: serde_json keeps their text
//! (feature `arbitrary_precision`), so `21.85` becomes 2185/100, never a float.

use std::fmt;

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Zero};
use serde_json::{Map, Value};

/// One thing wrong with a file, at a JSON path such as `$.indicators[3].weight`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Collects problems while the caller walks a document.
#[derive(Default)]
pub struct Checker {
    pub problems: Vec<Problem>,
}

impl Checker {
    pub fn problem(&mut self, path: &str, message: impl Into<String>) {
        self.problems.push(Problem {
            path: path.to_string(),
            message: message.into(),
        });
    }

    /// A member of an object, reporting its absence when `required`.
    pub fn member<'a>(
        &mut self,
        obj: &'a Map<String, Value>,
        path: &str,
        key: &str,
        required: bool,
    ) -> Option<&'a Value> {
        match obj.get(key) {
            Some(Value::Null) | None => {
                if required {
                    self.problem(&format!("{path}.{key}"), "is missing");
                }
                None
            }
            Some(v) => Some(v),
        }
    }

    pub fn object<'a>(&mut self, v: &'a Value, path: &str) -> Option<&'a Map<String, Value>> {
        match v {
            Value::Object(m) => Some(m),
            other => {
                self.problem(path, format!("must be an object, found {}", kind(other)));
                None
            }
        }
    }

    pub fn array<'a>(&mut self, v: &'a Value, path: &str) -> Option<&'a Vec<Value>> {
        match v {
            Value::Array(a) => Some(a),
            other => {
                self.problem(path, format!("must be a list, found {}", kind(other)));
                None
            }
        }
    }

    pub fn string(
        &mut self,
        obj: &Map<String, Value>,
        path: &str,
        key: &str,
        required: bool,
    ) -> Option<String> {
        match self.member(obj, path, key, required)? {
            Value::String(s) => {
                if s.trim().is_empty() {
                    self.problem(&format!("{path}.{key}"), "must not be empty");
                    None
                } else {
                    Some(s.clone())
                }
            }
            other => {
                self.problem(
                    &format!("{path}.{key}"),
                    format!("must be a string, found {}", kind(other)),
                );
                None
            }
        }
    }

    /// A code or id: 1-64 letters, digits, `-`, `_` or `.`.
    pub fn code(
        &mut self,
        obj: &Map<String, Value>,
        path: &str,
        key: &str,
        required: bool,
    ) -> Option<String> {
        let s = self.string(obj, path, key, required)?;
        if is_code(&s) {
            Some(s)
        } else {
            self.problem(
                &format!("{path}.{key}"),
                format!(
                    "{s:?} is not a valid code: use 1-64 letters, digits, '-', '_' or '.' only"
                ),
            );
            None
        }
    }

    pub fn integer(
        &mut self,
        obj: &Map<String, Value>,
        path: &str,
        key: &str,
        required: bool,
    ) -> Option<i64> {
        match self.member(obj, path, key, required)? {
            Value::Number(n) => match n.as_i64() {
                Some(i) => Some(i),
                None => {
                    self.problem(
                        &format!("{path}.{key}"),
                        format!("must be a whole number, found {n}"),
                    );
                    None
                }
            },
            other => {
                self.problem(
                    &format!("{path}.{key}"),
                    format!("must be a whole number, found {}", kind(other)),
                );
                None
            }
        }
    }

    /// An exact decimal number.
    pub fn decimal(
        &mut self,
        obj: &Map<String, Value>,
        path: &str,
        key: &str,
        required: bool,
    ) -> Option<BigRational> {
        match self.member(obj, path, key, required)? {
            Value::Number(n) => match parse_decimal(&n.to_string()) {
                Some(d) => Some(d),
                None => {
                    self.problem(
                        &format!("{path}.{key}"),
                        format!("{n} is not a usable decimal number"),
                    );
                    None
                }
            },
            other => {
                self.problem(
                    &format!("{path}.{key}"),
                    format!("must be a number, found {}", kind(other)),
                );
                None
            }
        }
    }
}

/// The largest instrument, assignment or export file read (bytes): far above any
/// real one, low enough that a hostile file cannot exhaust memory.
pub const MAX_FILE_BYTES: usize = 64 * 1024 * 1024;

/// Parses JSON text into a value, refusing what serde_json would silently accept:
/// an object with the same key twice (which one would count?). Nesting is limited
/// by serde_json (128 levels), so a hostile file cannot overflow the stack.
pub fn parse_strict(text: &str) -> Result<Value, Problem> {
    let fail = |e: serde_json::Error| Problem {
        path: "$".into(),
        message: format!("not valid JSON: {e}"),
    };
    if text.len() > MAX_FILE_BYTES {
        return Err(Problem {
            path: "$".into(),
            message: format!(
                "the file is {} bytes, more than the {} this reader accepts",
                text.len(),
                MAX_FILE_BYTES
            ),
        });
    }
    check_no_duplicates(text.as_bytes()).map_err(fail)?;
    serde_json::from_str(text).map_err(fail)
}

/// Checks that JSON bytes are one value in which no object has the same key twice
/// (serde_json, and a `serde_json::Value`, keep the last one silently).
pub fn check_no_duplicates(bytes: &[u8]) -> Result<(), serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    serde::Deserialize::deserialize(&mut de)
        .map(|_: NoDuplicates| ())
        .and_then(|()| de.end())
}

/// For `#[serde(deserialize_with = ...)]` on a `serde_json::Value` field of a file
/// read with serde: the value as written, refusing an object with the same key twice
/// anywhere inside it (a plain `Value` would keep the last one).
pub fn strict_value<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
    use serde::de::Error as _;
    let raw: Box<serde_json::value::RawValue> = serde::Deserialize::deserialize(d)?;
    check_no_duplicates(raw.get().as_bytes()).map_err(D::Error::custom)?;
    serde_json::from_str(raw.get()).map_err(D::Error::custom)
}

/// Walks a JSON document only to reject duplicate object keys.
struct NoDuplicates;

impl<'de> serde::Deserialize<'de> for NoDuplicates {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NoDuplicatesVisitor)
    }
}

struct NoDuplicatesVisitor;

impl<'de> serde::de::Visitor<'de> for NoDuplicatesVisitor {
    type Value = NoDuplicates;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
    fn visit_i64<E>(self, _: i64) -> Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
    fn visit_u64<E>(self, _: u64) -> Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
    fn visit_f64<E>(self, _: f64) -> Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
    fn visit_str<E>(self, _: &str) -> Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
    fn visit_unit<E>(self) -> Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<NoDuplicates, A::Error> {
        while seq.next_element::<NoDuplicates>()?.is_some() {}
        Ok(NoDuplicates)
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<NoDuplicates, A::Error> {
        let mut seen = std::collections::HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key.clone()) {
                return Err(serde::de::Error::custom(format!(
                    "duplicate key {key:?} in one object"
                )));
            }
            map.next_value::<NoDuplicates>()?;
        }
        Ok(NoDuplicates)
    }
}

/// Whether `s` is a valid id or code: 1-64 of letters, digits, `-`, `_`, `.`.
pub fn is_code(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// The JSON type name of a value, for messages.
pub fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "true/false",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Parses a JSON number's text (`-12.5`, `3`, `2.185e1`) into an exact rational.
/// Exponents are limited to +-30 so a hostile file cannot make us allocate a huge integer.
pub fn parse_decimal(text: &str) -> Option<BigRational> {
    let (mantissa, exp) = match text.find(['e', 'E']) {
        Some(i) => (&text[..i], text[i + 1..].parse::<i32>().ok()?),
        None => (text, 0),
    };
    if !(-30..=30).contains(&exp) {
        return None;
    }
    let (neg, digits) = match mantissa.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, mantissa),
    };
    let (int_part, frac_part) = match digits.split_once('.') {
        Some((i, f)) => (i, f),
        None => (digits, ""),
    };
    if int_part.is_empty()
        || int_part.len() + frac_part.len() > 60
        || !int_part
            .chars()
            .chain(frac_part.chars())
            .all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let all: BigInt = format!("{int_part}{frac_part}").parse().ok()?;
    let scale = exp - frac_part.len() as i32;
    let ten = BigInt::from(10u32);
    let value = if scale >= 0 {
        BigRational::from_integer(all * num_traits::pow(ten, scale as usize))
    } else {
        BigRational::new(all, num_traits::pow(ten, (-scale) as usize))
    };
    Some(if neg { -value } else { value })
}

/// Renders an exact rational as a short decimal when it is one (`21.85`), else as a fraction.
pub fn decimal_text(x: &BigRational) -> String {
    // A fraction is a finite decimal when its denominator is 2^a * 5^b; it then needs
    // max(a, b) places.
    let mut denom = x.denom().clone();
    let (two, five, ten) = (BigInt::from(2u32), BigInt::from(5u32), BigInt::from(10u32));
    let (mut twos, mut fives) = (0usize, 0usize);
    while (&denom % &two).is_zero() {
        denom /= &two;
        twos += 1;
    }
    while (&denom % &five).is_zero() {
        denom /= &five;
        fives += 1;
    }
    let places = twos.max(fives);
    if !denom.is_one() {
        return format!("{}/{}", x.numer(), x.denom());
    }
    let scaled = x * BigRational::from_integer(num_traits::pow(ten, places));
    let n = scaled.to_integer();
    if places == 0 {
        return n.to_string();
    }
    let neg = n < BigInt::zero();
    let digits = if neg { (-n).to_string() } else { n.to_string() };
    let digits = format!("{digits:0>width$}", width = places + 1);
    let (i, f) = digits.split_at(digits.len() - places);
    format!("{}{i}.{f}", if neg { "-" } else { "" })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(n: i64, d: i64) -> BigRational {
        BigRational::new(n.into(), d.into())
    }

    #[test]
    fn decimals_are_exact() {
        assert_eq!(parse_decimal("21.85"), Some(r(2185, 100)));
        assert_eq!(parse_decimal("30"), Some(r(30, 1)));
        assert_eq!(parse_decimal("-0.5"), Some(r(-1, 2)));
        assert_eq!(parse_decimal("2.185e1"), Some(r(2185, 100)));
        assert_eq!(parse_decimal("1E-2"), Some(r(1, 100)));
        assert_eq!(parse_decimal("1e999"), None);
        assert_eq!(parse_decimal("abc"), None);
        assert_eq!(parse_decimal(".5"), None);
    }

    #[test]
    fn decimal_text_round_trips() {
        for s in ["21.85", "30", "0.05", "-1.5", "100"] {
            assert_eq!(decimal_text(&parse_decimal(s).unwrap()), s);
        }
        assert_eq!(decimal_text(&r(1, 3)), "1/3");
    }

    #[test]
    fn strict_parsing() {
        assert!(parse_strict(r#"{"a": 1, "b": {"c": [1, 2.50, "x"]}}"#).is_ok());
        let e = parse_strict(r#"{"a": 1, "b": {"c": 1, "c": 2}}"#).unwrap_err();
        assert!(e.message.contains("duplicate key \"c\""), "{e}");
        assert!(e.message.contains("line 1"), "{e}");
        let deep = "[".repeat(100_000) + &"]".repeat(100_000);
        assert!(
            parse_strict(&deep)
                .unwrap_err()
                .message
                .contains("recursion limit")
        );
        assert!(parse_strict("{} trailing").is_err());
        // Numbers keep their text (exact decimals).
        let v = parse_strict("{\"w\": 21.850}").unwrap();
        assert_eq!(v["w"].to_string(), "21.850");
    }

    #[test]
    fn codes() {
        assert!(is_code("IZIN-USAHA"));
        assert!(is_code("kepatuhan-2021.v1_a"));
        assert!(!is_code(""));
        assert!(!is_code("a b"));
        assert!(!is_code("a/b"));
        assert!(!is_code("é"));
        assert!(!is_code(&"a".repeat(65)));
    }
}
