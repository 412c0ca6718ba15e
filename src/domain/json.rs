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
    let mut denom = x.denom().clone();
    let ten = BigInt::from(10u32);
    let two = BigInt::from(2u32);
    let five = BigInt::from(5u32);
    // A terminating decimal has only 2s and 5s in its denominator; it needs as many
    // places as the larger of the two powers.
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
