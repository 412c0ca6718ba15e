//! The assignment: the work package the central office gives an assessor, a list of
//! agencies with their service units and products, each assessed with an instrument.
//! Version 1 names one instrument for every agency and no cycle (it goes to the current
//! cycle); version 2 names its cycle (issue 14) and may name an instrument per agency.
//! See docs/assignment-format.md.

use std::collections::HashSet;

use serde_json::Value;

use super::cycle::{CycleKind, DEFAULT_CYCLE, year_problem};
use super::json::{Checker, Problem};
use super::model::Kind;

pub const FORMAT: &str = "patuh-assignment";
/// The newest version this patuh reads (and every one before it).
pub const FORMAT_VERSION: i64 = 2;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// The instrument of every agency that names none of its own (version 1: of every
    /// agency). Empty when a version-2 file names none at the top (then every agency
    /// names its own).
    pub instrument_id: String,
    pub instrument_version: String,
    pub title: String,
    pub agencies: Vec<AgencyEntry>,
    /// The cycle the assignment is for (version 2); None: the current cycle.
    pub cycle: Option<CycleEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgencyEntry {
    pub code: String,
    pub name: String,
    pub kind: Kind,
    pub units: Vec<UnitEntry>,
    /// Version 2: the instrument this agency is assessed with in the cycle (id,
    /// version), when it is not the file's.
    pub instrument: Option<(String, String)>,
}

/// The cycle a version-2 assignment is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CycleEntry {
    /// E.g. `2026-penilaian`.
    pub code: String,
    pub kind: CycleKind,
    pub year: Option<i32>,
    /// The code of the cycle it follows.
    pub follows: Option<String>,
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

    /// The instrument (id, version) agency number `i` is assessed with.
    pub fn instrument_of(&self, i: usize) -> (&str, &str) {
        match self.agencies.get(i).and_then(|a| a.instrument.as_ref()) {
            Some((id, version)) => (id, version),
            None => (&self.instrument_id, &self.instrument_version),
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
    let version = c.integer(root, "$", "format_version", true);
    match version {
        Some(1 | 2) | None => {}
        Some(v) => c.problem(
            "$.format_version",
            format!("{v} is not supported: this patuh reads versions 1 and 2 (1: one instrument, the current cycle; 2: a cycle named)"),
        ),
    }
    let v2 = version == Some(2);
    let cycle = if v2 {
        cycle_entry(c, root)
    } else {
        if root.contains_key("cycle") {
            c.problem(
                "$.cycle",
                "a version-1 assignment names no cycle (it goes to the current one): write \"format_version\": 2 to name one",
            );
        }
        None
    };
    // Version 2: the top-level instrument is the default of the agencies that name none.
    let instrument = c
        .member(root, "$", "instrument", !v2)
        .and_then(|v| c.object(v, "$.instrument"));
    let (iid, iver) = match instrument {
        Some(o) => (
            c.code(o, "$.instrument", "id", true),
            c.code(o, "$.instrument", "version", true),
        ),
        None if v2 => (Some(String::new()), Some(String::new())),
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
            let own = if v2 {
                c.member(obj, &path, "instrument", false)
                    .and_then(|v| c.object(v, &format!("{path}.instrument")))
                    .map(|o| {
                        let at = format!("{path}.instrument");
                        (c.code(o, &at, "id", true), c.code(o, &at, "version", true))
                    })
            } else {
                if obj.contains_key("instrument") {
                    c.problem(
                        &format!("{path}.instrument"),
                        "a version-1 assignment names one instrument for all: write \"format_version\": 2 to name one per agency",
                    );
                }
                None
            };
            let instrument = match own {
                Some((Some(id), Some(version))) => Some((id, version)),
                Some(_) => continue,
                None => None,
            };
            if instrument.is_none() && iid.as_deref() == Some("") {
                c.problem(
                    &format!("{path}.instrument"),
                    "is missing: the file names no instrument for all agencies, so each names its own",
                );
            }
            if let (Some(code), Some(name), Some(kind)) = (code, name, kind) {
                agencies.push(AgencyEntry {
                    code,
                    name,
                    kind,
                    units,
                    instrument,
                });
            }
        }
    }
    Some(Assignment {
        instrument_id: iid?,
        instrument_version: iver?,
        title,
        agencies,
        cycle,
    })
}

/// A version-2 file's `cycle`: `{"id", "kind", "year"?, "follows"?}`.
fn cycle_entry(c: &mut Checker, root: &serde_json::Map<String, Value>) -> Option<CycleEntry> {
    let o = c
        .member(root, "$", "cycle", true)
        .and_then(|v| c.object(v, "$.cycle"))?;
    let code = c.code(o, "$.cycle", "id", true);
    if code.as_deref() == Some(DEFAULT_CYCLE) {
        c.problem(
            "$.cycle.id",
            "\"default\" is the cycle of the work made before cycles: name the cycle, e.g. 2026-penilaian",
        );
    }
    let kind = c
        .string(o, "$.cycle", "kind", true)
        .and_then(|k| match k.parse::<CycleKind>() {
            Ok(k) => Some(k),
            Err(e) => {
                c.problem("$.cycle.kind", e);
                None
            }
        });
    let year = match c.integer(o, "$.cycle", "year", false) {
        Some(y) => match year_problem(y) {
            Some(p) => {
                c.problem("$.cycle.year", p);
                None
            }
            None => i32::try_from(y).ok(),
        },
        None => None,
    };
    let follows = c.code(o, "$.cycle", "follows", false);
    if follows.is_some() && follows == code {
        c.problem("$.cycle.follows", "a cycle cannot follow itself");
    }
    Some(CycleEntry {
        code: code?,
        kind: kind?,
        year,
        follows,
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
