//! The central assignment file (`patuh-central-assignment`, format version 1): who
//! assesses which agencies, as the central office decides it. `patuh central assign
//! FILE` sets it on the central database; from then on a merge refuses a file with
//! results for an agency not assigned to its assessor, and any change of the catalog
//! (src/exchange/merge.rs). docs/export-format.md describes the file.
//!
//! ```json
//! {"format": "patuh-central-assignment", "format_version": 1,
//!  "assessors": [{"id": "198706152010122001", "name": "Siti Rahma", "agencies": ["81", "8171"]}]}
//! ```

use std::collections::HashSet;

use serde_json::Value;

use crate::domain::json::{Checker, kind, parse_strict};
use crate::domain::{Problem, text::sanitize};

pub const FORMAT: &str = "patuh-central-assignment";
pub const FORMAT_VERSION: i64 = 1;

/// One assessor's agencies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessor {
    pub id: String,
    /// For the people reading the file; not checked against anything.
    pub name: Option<String>,
    pub agencies: Vec<String>,
}

/// A central assignment file, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CentralAssignment {
    pub assessors: Vec<Assessor>,
}

impl CentralAssignment {
    /// Parses and checks the file's text; every problem with its JSON path.
    pub fn parse(text: &str) -> Result<CentralAssignment, Vec<Problem>> {
        let value = parse_strict(text).map_err(|p| vec![p])?;
        let mut c = Checker::default();
        let assessors = build(&mut c, &value);
        match assessors {
            Some(assessors) if c.problems.is_empty() => Ok(CentralAssignment { assessors }),
            _ => {
                if c.problems.is_empty() {
                    c.problem("$", "is not a valid central assignment");
                }
                Err(c.problems)
            }
        }
    }

    /// Every (assessor id, agency code) pair.
    pub fn pairs(&self) -> Vec<(String, String)> {
        self.assessors
            .iter()
            .flat_map(|a| a.agencies.iter().map(|g| (a.id.clone(), g.clone())))
            .collect()
    }
}

/// Refuses members other than `known`: a new field means a new format version.
fn only(c: &mut Checker, obj: &serde_json::Map<String, Value>, path: &str, known: &[&str]) {
    for key in obj.keys() {
        if !known.contains(&key.as_str()) {
            c.problem(
                &format!("{path}.{}", sanitize(key)),
                format!(
                    "is not a field of a central assignment (known: {})",
                    known.join(", ")
                ),
            );
        }
    }
}

fn build(c: &mut Checker, value: &Value) -> Option<Vec<Assessor>> {
    let root = c.object(value, "$")?;
    only(c, root, "$", &["format", "format_version", "assessors"]);
    match root.get("format") {
        Some(Value::String(f)) if f == FORMAT => {}
        Some(other) => c.problem(
            "$.format",
            format!(
                "must be \"{FORMAT}\", found {}: is this a central assignment file?",
                sanitize(&other.to_string())
            ),
        ),
        None => c.problem("$.format", format!("is missing: must be \"{FORMAT}\"")),
    }
    match c.integer(root, "$", "format_version", true) {
        Some(FORMAT_VERSION) | None => {}
        Some(v) if v > FORMAT_VERSION => c.problem(
            "$.format_version",
            format!(
                "{v}: made by a newer patuh (this one reads version {FORMAT_VERSION}); update patuh"
            ),
        ),
        Some(v) => c.problem(
            "$.format_version",
            format!("{v} is not supported: this patuh reads version {FORMAT_VERSION}"),
        ),
    }
    let list = c
        .member(root, "$", "assessors", true)
        .and_then(|v| c.array(v, "$.assessors"))?;
    let mut out = Vec::new();
    let mut ids = HashSet::new();
    for (i, a) in list.iter().enumerate() {
        let path = format!("$.assessors[{i}]");
        let Some(obj) = c.object(a, &path) else {
            continue;
        };
        only(c, obj, &path, &["id", "name", "agencies"]);
        let id = c.code(obj, &path, "id", true);
        if let Some(id) = &id
            && !ids.insert(id.clone())
        {
            c.problem(
                &format!("{path}.id"),
                format!("assessor {id:?} appears twice: list each assessor once, with all their agencies"),
            );
        }
        let name = c.string(obj, &path, "name", false);
        let mut agencies = Vec::new();
        if let Some(codes) = c
            .member(obj, &path, "agencies", true)
            .and_then(|v| c.array(v, &format!("{path}.agencies")))
        {
            let mut seen = HashSet::new();
            for (j, code) in codes.iter().enumerate() {
                let at = format!("{path}.agencies[{j}]");
                match code {
                    Value::String(s) if crate::domain::json::is_code(s) => {
                        if seen.insert(s.clone()) {
                            agencies.push(s.clone());
                        } else {
                            c.problem(&at, format!("agency {s:?} is listed twice"));
                        }
                    }
                    Value::String(s) => c.problem(
                        &at,
                        format!(
                            "{:?} is not a valid agency code: use 1-64 letters, digits, '-', '_' or '.' only",
                            sanitize(s)
                        ),
                    ),
                    other => c.problem(
                        &at,
                        format!("must be an agency code (text), found {}", kind(other)),
                    ),
                }
            }
        }
        if let Some(id) = id {
            out.push(Assessor { id, name, agencies });
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_central_assignment_is_read_and_every_problem_named() {
        let a = CentralAssignment::parse(
            r#"{"format":"patuh-central-assignment","format_version":1,
                "assessors":[{"id":"ASN-1","name":"Siti","agencies":["81","8171"]},
                             {"id":"ASN-2","agencies":[]}]}"#,
        )
        .expect("valid");
        assert_eq!(
            a.pairs(),
            [
                ("ASN-1".into(), "81".into()),
                ("ASN-1".into(), "8171".into())
            ]
        );
        let problems = CentralAssignment::parse(
            r#"{"format":"patuh-central-assignment","format_version":2,"extra":1,
                "assessors":[{"id":"ASN 1","agencies":["81","81",7]},{"id":"B","agencies":["x"]},
                             {"id":"B","agencies":[]}]}"#,
        )
        .expect_err("invalid");
        let text: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        for needle in [
            "$.format_version: 2: made by a newer patuh",
            "$.extra: is not a field",
            "$.assessors[0].id: \"ASN 1\" is not a valid code",
            "$.assessors[0].agencies[1]: agency \"81\" is listed twice",
            "$.assessors[0].agencies[2]: must be an agency code (text), found a number",
            "$.assessors[2].id: assessor \"B\" appears twice",
        ] {
            assert!(
                text.iter().any(|t| t.starts_with(needle)),
                "{needle} in {text:#?}"
            );
        }
        let dup = CentralAssignment::parse(
            r#"{"format":"patuh-central-assignment","format_version":1,"assessors":[],"assessors":[]}"#,
        )
        .expect_err("duplicate key");
        assert!(dup[0].to_string().contains("assessors"), "{dup:?}");
    }
}
