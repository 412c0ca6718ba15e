//! The assignment: the work package the central office gives an assessor, a list of
//! agencies with their service units and products, assessed with one instrument.
//! See docs/assignment-format.md.

use std::collections::HashSet;

use serde_json::Value;

use super::json::{Checker, Problem};
use super::model::Kind;

pub const FORMAT: &str = "patuh-assignment";
pub const FORMAT_VERSION: i64 = 1;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub instrument_id: String,
    pub instrument_version: String,
    pub title: String,
    pub agencies: Vec<AgencyEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgencyEntry {
    pub code: String,
    pub name: String,
    pub kind: Kind,
    pub units: Vec<UnitEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitEntry {
    pub code: String,
    pub name: String,
    pub products: Vec<ProductEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductEntry {
    pub code: String,
    pub name: String,
}

impl Assignment {
    /// Parses and validates an assignment file's text; on failure, every problem found.
    pub fn parse(text: &str) -> Result<Assignment, Vec<Problem>> {
        let value: Value = super::json::parse_strict(text).map_err(|p| vec![p])?;
        let mut c = Checker::default();
        match build(&mut c, &value) {
            Some(a) if c.problems.is_empty() => Ok(a),
            _ => {
                if c.problems.is_empty() {
                    c.problem("$", "is not a valid assignment");
                }
                Err(c.problems)
            }
        }
    }

    pub fn product_count(&self) -> usize {
        self.agencies
            .iter()
            .flat_map(|a| &a.units)
            .map(|u| u.products.len())
            .sum()
    }
}

fn checked_name(
    c: &mut Checker,
    obj: &serde_json::Map<String, Value>,
    path: &str,
) -> Option<String> {
    let n = c.string(obj, path, "name", true)?;
    if n.chars().count() > 300 {
        c.problem(&format!("{path}.name"), "is longer than 300 characters");
        return None;
    }
    Some(n)
}

fn build(c: &mut Checker, value: &Value) -> Option<Assignment> {
    let root = c.object(value, "$")?;
    match root.get("format") {
        Some(Value::String(f)) if f == FORMAT => {}
        Some(other) => c.problem(
            "$.format",
            format!("must be \"{FORMAT}\", found {other}: is this an assignment file?"),
        ),
        None => c.problem("$.format", format!("is missing: must be \"{FORMAT}\"")),
    }
    match c.integer(root, "$", "format_version", true) {
        Some(FORMAT_VERSION) | None => {}
        Some(v) => c.problem(
            "$.format_version",
            format!("{v} is not supported: this patuh reads version {FORMAT_VERSION}"),
        ),
    }
    let instrument = c
        .member(root, "$", "instrument", true)
        .and_then(|v| c.object(v, "$.instrument"));
    let (iid, iver) = match instrument {
        Some(o) => (
            c.code(o, "$.instrument", "id", true),
            c.code(o, "$.instrument", "version", true),
        ),
        None => (None, None),
    };
    let title = c.string(root, "$", "title", true).unwrap_or_default();
    let mut agencies = Vec::new();
    if let Some(list) = c
        .member(root, "$", "agencies", true)
        .and_then(|v| c.array(v, "$.agencies"))
    {
        if list.is_empty() {
            c.problem("$.agencies", "holds no agencies");
        }
        let mut seen = HashSet::new();
        for (i, a) in list.iter().enumerate() {
            let path = format!("$.agencies[{i}]");
            let Some(obj) = c.object(a, &path) else {
                continue;
            };
            let code = c.code(obj, &path, "code", true);
            if let Some(code) = &code
                && !seen.insert(code.clone())
            {
                c.problem(
                    &format!("{path}.code"),
                    format!("duplicate agency code {code:?}: each agency appears once"),
                );
            }
            let name = checked_name(c, obj, &path);
            let kind = c
                .string(obj, &path, "kind", true)
                .and_then(|k| match k.parse::<Kind>() {
                    Ok(k) => Some(k),
                    Err(e) => {
                        c.problem(&format!("{path}.kind"), e);
                        None
                    }
                });
            let units = units(c, obj, &path);
            if let (Some(code), Some(name), Some(kind)) = (code, name, kind) {
                agencies.push(AgencyEntry {
                    code,
                    name,
                    kind,
                    units,
                });
            }
        }
    }
    Some(Assignment {
        instrument_id: iid?,
        instrument_version: iver?,
        title,
        agencies,
    })
}

fn units(c: &mut Checker, obj: &serde_json::Map<String, Value>, path: &str) -> Vec<UnitEntry> {
    let mut out = Vec::new();
    let Some(list) = c
        .member(obj, path, "units", true)
        .and_then(|v| c.array(v, &format!("{path}.units")))
    else {
        return out;
    };
    let mut seen = HashSet::new();
    for (i, u) in list.iter().enumerate() {
        let up = format!("{path}.units[{i}]");
        let Some(uo) = c.object(u, &up) else { continue };
        let code = c.code(uo, &up, "code", true);
        if let Some(code) = &code
            && !seen.insert(code.clone())
        {
            c.problem(
                &format!("{up}.code"),
                format!("duplicate unit code {code:?} within this agency"),
            );
        }
        let name = checked_name(c, uo, &up);
        let mut products = Vec::new();
        if let Some(plist) = c
            .member(uo, &up, "products", true)
            .and_then(|v| c.array(v, &format!("{up}.products")))
        {
            let mut pseen = HashSet::new();
            for (j, p) in plist.iter().enumerate() {
                let pp = format!("{up}.products[{j}]");
                let Some(po) = c.object(p, &pp) else { continue };
                let code = c.code(po, &pp, "code", true);
                if let Some(code) = &code
                    && !pseen.insert(code.clone())
                {
                    c.problem(
                        &format!("{pp}.code"),
                        format!("duplicate product code {code:?} within this unit"),
                    );
                }
                let name = checked_name(c, po, &pp);
                if let (Some(code), Some(name)) = (code, name) {
                    products.push(ProductEntry { code, name });
                }
            }
        }
        if let (Some(code), Some(name)) = (code, name) {
            out.push(UnitEntry {
                code,
                name,
                products,
            });
        }
    }
    out
}
