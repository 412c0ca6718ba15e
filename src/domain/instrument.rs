//! The instrument (rubric): dimensions, indicators, scales and zone bands, read from a
//! `patuh-instrument` file and validated rule by rule. The rubric is data, never code:
//! everything the scoring engine needs comes from here. See docs/instrument-format.md.

use std::collections::HashSet;

use num_rational::BigRational;
use num_traits::{Signed, Zero};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::instrument_v2 as v2;
use super::json::{Checker, Problem};
use super::text::{Lang, Text};

pub use super::instrument_v2::{NodeLevel, Qualifier, Role, Source, Zone};

pub const FORMAT: &str = "patuh-instrument";
/// The newest format version this patuh reads; every older one is read too.
pub const FORMAT_VERSION: i64 = 2;

/// How agency scores are rolled up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggregate {
    /// Mean of all the agency's product scores (the default).
    Products,
    /// Mean of the agency's unit scores.
    Units,
}

impl Aggregate {
    pub fn as_str(self) -> &'static str {
        match self {
            Aggregate::Products => "products",
            Aggregate::Units => "units",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Dimension {
    pub id: String,
    pub label: Text,
    /// Given for every dimension (summing to 100) or for none.
    pub weight: Option<BigRational>,
    /// The node its indicators are answered for (always `Product` in format 1).
    pub level: NodeLevel,
}

#[derive(Debug, Clone)]
pub struct Level {
    pub value: u32,
    pub label: Text,
}

#[derive(Debug, Clone)]
pub struct Indicator {
    pub id: String,
    /// Index into [`Instrument::dimensions`].
    pub dimension: usize,
    pub label: Text,
    pub guidance: Option<Text>,
    pub weight: BigRational,
    /// The highest value; a tick is 1, a 0-3 scale is 3.
    pub max: u32,
    pub levels: Vec<Level>,
    /// Where its value comes from (always `Observation` in format 1).
    pub source: Source,
}

impl Indicator {
    /// The label of a value on this indicator's scale, if the instrument names it.
    pub fn level_label(&self, value: u32, lang: Lang) -> Option<&str> {
        self.levels
            .iter()
            .find(|l| l.value == value)
            .map(|l| l.label.get(lang))
    }
}

#[derive(Debug, Clone)]
pub struct Band {
    pub code: String,
    pub label: Text,
    pub min: BigRational,
    pub color: Option<String>,
    /// Index into [`Instrument::zones`]: given for every band or for none.
    pub zone: Option<usize>,
}

/// A validated instrument.
#[derive(Debug, Clone)]
pub struct Instrument {
    pub id: String,
    pub version: String,
    pub year: Option<i64>,
    pub title: Text,
    pub description: Option<Text>,
    pub aggregate: Aggregate,
    /// The file's `format_version` (1 or 2).
    pub format_version: u32,
    /// Respondent roles of interview indicators (format 2).
    pub roles: Vec<Role>,
    /// Zones grouping the bands; empty when the bands are not grouped (format 2).
    pub zones: Vec<Zone>,
    /// The opinion suffix granted on a completed follow-up register (format 2).
    pub qualifier: Option<Qualifier>,
    pub dimensions: Vec<Dimension>,
    pub indicators: Vec<Indicator>,
    /// Sorted by strictly increasing `min`, the first at 0.
    pub bands: Vec<Band>,
    /// Canonical JSON (compact, keys sorted): what is stored and hashed.
    pub canonical: String,
    /// SHA-256 of `canonical`, lowercase hex.
    pub sha256: String,
}

impl Instrument {
    /// Parses and validates an instrument file's text; on failure, every problem found.
    pub fn parse(text: &str) -> Result<Instrument, Vec<Problem>> {
        let value: Value = super::json::parse_strict(text).map_err(|p| vec![p])?;
        Self::from_value(&value)
    }

    pub fn from_value(value: &Value) -> Result<Instrument, Vec<Problem>> {
        let mut c = Checker::default();
        let parsed = build(&mut c, value);
        match parsed {
            Some(i) if c.problems.is_empty() => Ok(i),
            _ => {
                if c.problems.is_empty() {
                    c.problem("$", "is not a valid instrument");
                }
                Err(c.problems)
            }
        }
    }

    pub fn indicator_index(&self, id: &str) -> Option<usize> {
        self.indicators.iter().position(|i| i.id == id)
    }

    /// Whether dimension weights are given (else the product is one flat weighted checklist).
    pub fn has_dimension_weights(&self) -> bool {
        self.dimensions.iter().all(|d| d.weight.is_some())
    }

    /// The band a rounded score (in hundredths) falls in: the greatest `min` <= score.
    pub fn band_for(&self, hundredths: i64) -> &Band {
        let score = BigRational::new(hundredths.into(), 100.into());
        self.bands
            .iter()
            .rev()
            .find(|b| b.min <= score)
            .unwrap_or(&self.bands[0])
    }

    /// Index of the band a rounded score falls in.
    pub fn band_index(&self, hundredths: i64) -> usize {
        let score = BigRational::new(hundredths.into(), 100.into());
        self.bands.iter().rposition(|b| b.min <= score).unwrap_or(0)
    }
}

pub(super) fn text(c: &mut Checker, v: Option<&Value>, path: &str, required: bool) -> Option<Text> {
    let Some(v) = v else {
        if required {
            c.problem(path, "is missing");
        }
        return None;
    };
    if let Value::String(s) = v {
        // A bare string is accepted as the Indonesian text.
        if s.trim().is_empty() {
            c.problem(path, "must not be empty");
            return None;
        }
        return Some(Text::new(s.clone(), None));
    }
    let obj = c.object(v, path)?;
    let id = match obj.get("id") {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
        _ => {
            c.problem(
                &format!("{path}.id"),
                "the Indonesian text is missing: every label needs \"id\"",
            );
            None
        }
    };
    let en = c.string(obj, path, "en", false);
    id.map(|id| Text::new(id, en))
}

fn build(c: &mut Checker, value: &Value) -> Option<Instrument> {
    let root = c.object(value, "$")?;
    match root.get("format") {
        Some(Value::String(f)) if f == FORMAT => {}
        Some(other) => c.problem(
            "$.format",
            format!("must be \"{FORMAT}\", found {other}: is this an instrument file?"),
        ),
        None => c.problem("$.format", format!("is missing: must be \"{FORMAT}\"")),
    }
    // An unreadable version is reported and the rest read as the newest format, so
    // that every other problem is listed too.
    let format_version = match c.integer(root, "$", "format_version", true) {
        Some(v @ 1..=FORMAT_VERSION) => v as u32,
        None => FORMAT_VERSION as u32,
        Some(v) if v > FORMAT_VERSION => {
            c.problem(
                "$.format_version",
                format!(
                    "{v} is newer than this patuh understands ({FORMAT_VERSION}): update patuh"
                ),
            );
            FORMAT_VERSION as u32
        }
        Some(v) => {
            c.problem(
                "$.format_version",
                format!("{v} is not supported (expected 1 or {FORMAT_VERSION})"),
            );
            FORMAT_VERSION as u32
        }
    };
    let is_v2 = format_version >= 2;
    if !is_v2 {
        v2::refuse_in_version_1(c, root);
    }
    let id = c.code(root, "$", "id", true);
    let version = c.code(root, "$", "version", true);
    let year = c.integer(root, "$", "year", false);
    let title = text(c, root.get("title"), "$.title", true);
    let description = text(c, root.get("description"), "$.description", false);
    let aggregate = match root.get("aggregate") {
        None | Some(Value::Null) => Some(Aggregate::Products),
        Some(Value::String(s)) if s == "products" => Some(Aggregate::Products),
        Some(Value::String(s)) if s == "units" => Some(Aggregate::Units),
        Some(other) => {
            c.problem(
                "$.aggregate",
                format!("must be \"products\" or \"units\", found {other}"),
            );
            None
        }
    };

    let (roles, zones, qualifier) = if is_v2 {
        (
            v2::roles(c, root.get("roles")),
            v2::zones(c, root.get("zones")),
            v2::qualifier(c, root.get("qualifier")),
        )
    } else {
        (Vec::new(), Vec::new(), None)
    };
    let dimensions = dimensions(c, root.get("dimensions"), is_v2);
    let indicators = indicators(c, root.get("indicators"), &dimensions, &roles, is_v2);
    let (bands, zoned) = bands(c, root.get("bands"), &zones, is_v2);
    if is_v2 {
        let aggregate_given = !matches!(root.get("aggregate"), None | Some(Value::Null));
        v2::cross_checks(
            c,
            aggregate,
            aggregate_given,
            &dimensions,
            &bands,
            &zoned,
            &zones,
        );
    }

    let canonical = value.to_string();
    let sha256 = hex::encode(Sha256::digest(canonical.as_bytes()));
    Some(Instrument {
        id: id?,
        version: version?,
        year,
        title: title?,
        description,
        aggregate: aggregate?,
        format_version,
        roles,
        zones,
        qualifier,
        dimensions,
        indicators,
        bands,
        canonical,
        sha256,
    })
}

fn dimensions(c: &mut Checker, v: Option<&Value>, is_v2: bool) -> Vec<Dimension> {
    let Some(list) = v.and_then(|v| c.array(v, "$.dimensions")) else {
        if v.is_none() {
            c.problem("$.dimensions", "is missing");
        }
        return Vec::new();
    };
    if list.is_empty() {
        c.problem("$.dimensions", "must hold at least one dimension");
    }
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for (i, d) in list.iter().enumerate() {
        let path = format!("$.dimensions[{i}]");
        let Some(obj) = c.object(d, &path) else {
            continue;
        };
        let id = c.code(obj, &path, "id", true);
        if let Some(id) = &id
            && !seen.insert(id.clone())
        {
            c.problem(
                &format!("{path}.id"),
                format!("duplicate dimension id {id:?}"),
            );
        }
        let label = text(c, obj.get("label"), &format!("{path}.label"), true);
        let weight = c.decimal(obj, &path, "weight", false);
        if let Some(w) = &weight
            && !w.is_positive()
        {
            c.problem(&format!("{path}.weight"), "must be greater than 0");
        }
        let level = if is_v2 {
            v2::level(c, obj, &path, false)
        } else {
            Some(NodeLevel::Product)
        };
        if let (Some(id), Some(label), Some(level)) = (id, label, level) {
            out.push(Dimension {
                id,
                label,
                weight,
                level,
            });
        }
    }
    let weighted = out.iter().filter(|d| d.weight.is_some()).count();
    if weighted > 0 && weighted < out.len() {
        c.problem(
            "$.dimensions",
            format!(
                "dimension weights are given for {weighted} of {} dimensions: give a weight for every dimension or for none",
                out.len()
            ),
        );
    } else if weighted > 0 {
        let sum: BigRational = out.iter().filter_map(|d| d.weight.clone()).sum();
        let hundred = BigRational::from_integer(100.into());
        let tolerance = BigRational::new(1.into(), 100.into());
        if (&sum - &hundred).abs() > tolerance {
            c.problem(
                "$.dimensions",
                format!(
                    "dimension weights sum to {}, they must sum to 100 (within 0.01)",
                    super::json::decimal_text(&sum)
                ),
            );
        }
    }
    out
}

fn indicators(
    c: &mut Checker,
    v: Option<&Value>,
    dims: &[Dimension],
    roles: &[Role],
    is_v2: bool,
) -> Vec<Indicator> {
    let Some(list) = v.and_then(|v| c.array(v, "$.indicators")) else {
        if v.is_none() {
            c.problem("$.indicators", "is missing: an instrument needs indicators");
        }
        return Vec::new();
    };
    if list.is_empty() {
        c.problem(
            "$.indicators",
            "holds no indicators: an instrument needs at least one",
        );
    }
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for (i, d) in list.iter().enumerate() {
        let path = format!("$.indicators[{i}]");
        let Some(obj) = c.object(d, &path) else {
            continue;
        };
        let id = c.code(obj, &path, "id", true);
        if let Some(id) = &id
            && !seen.insert(id.clone())
        {
            c.problem(
                &format!("{path}.id"),
                format!("duplicate indicator id {id:?}"),
            );
        }
        let dimension = c.string(obj, &path, "dimension", true).and_then(|dim| {
            let found = dims.iter().position(|d| d.id == dim);
            if found.is_none() {
                c.problem(
                    &format!("{path}.dimension"),
                    format!("unknown dimension {dim:?}: it is not in $.dimensions"),
                );
            }
            found
        });
        let label = text(c, obj.get("label"), &format!("{path}.label"), true);
        let guidance = text(c, obj.get("guidance"), &format!("{path}.guidance"), false);
        let weight = c.decimal(obj, &path, "weight", true);
        if let Some(w) = &weight
            && !w.is_positive()
        {
            c.problem(&format!("{path}.weight"), "must be greater than 0");
        }
        let source = if is_v2 {
            v2::source(c, obj, &path, dimension.map(|d| &dims[d]), roles)
        } else {
            Some(Source::Observation)
        };
        let scale_path = format!("{path}.scale");
        let max_given = matches!(
            obj.get("scale"),
            Some(Value::Object(s)) if !matches!(s.get("max"), None | Some(Value::Null))
        );
        let (max, levels) = if is_v2 && v2::is_data(obj) && !max_given {
            c.problem(&format!("{scale_path}.max"), v2::DATA_NEEDS_MAX);
            (None, Vec::new())
        } else {
            scale(c, obj.get("scale"), &scale_path)
        };
        if let (Some(id), Some(dimension), Some(label), Some(weight), Some(max), Some(source)) =
            (id, dimension, label, weight, max, source)
            && weight.is_positive()
        {
            out.push(Indicator {
                id,
                dimension,
                label,
                guidance,
                weight,
                max,
                levels,
                source,
            });
        }
    }
    out
}

/// The colours a band may ask for (the terminal's basic colours).
pub const COLORS: [&str; 7] = ["red", "yellow", "green", "blue", "cyan", "magenta", "gray"];

/// The largest scale allowed: keeps values meaningful on a keyboard and arithmetic small.
pub const MAX_SCALE: i64 = 100;

fn scale(c: &mut Checker, v: Option<&Value>, path: &str) -> (Option<u32>, Vec<Level>) {
    let Some(v) = v else {
        c.problem(path, "is missing: give {\"max\": 1} for a tick");
        return (None, Vec::new());
    };
    let Some(obj) = c.object(v, path) else {
        return (None, Vec::new());
    };
    let max = match c.integer(obj, path, "max", true) {
        Some(m) if m < 1 => {
            c.problem(
                &format!("{path}.max"),
                format!("is {m}, must be at least 1"),
            );
            None
        }
        Some(m) if m > MAX_SCALE => {
            c.problem(
                &format!("{path}.max"),
                format!("is {m}, must be at most {MAX_SCALE}"),
            );
            None
        }
        Some(m) => u32::try_from(m).ok(),
        None => None,
    };
    let mut levels = Vec::new();
    if let Some(list) = c
        .member(obj, path, "levels", false)
        .and_then(|l| c.array(l, &format!("{path}.levels")))
    {
        let mut seen = HashSet::new();
        for (i, l) in list.iter().enumerate() {
            let lp = format!("{path}.levels[{i}]");
            let Some(lo) = c.object(l, &lp) else {
                continue;
            };
            let value = c.integer(lo, &lp, "value", true);
            let label = text(c, lo.get("label"), &format!("{lp}.label"), true);
            let Some(value) = value else { continue };
            if value < 0 || max.is_some_and(|m| value > i64::from(m)) {
                c.problem(
                    &format!("{lp}.value"),
                    format!("{value} is outside the scale 0..{}", max.unwrap_or(0)),
                );
                continue;
            }
            if !seen.insert(value) {
                c.problem(&format!("{lp}.value"), format!("duplicate level {value}"));
                continue;
            }
            if let (Ok(value), Some(label)) = (u32::try_from(value), label) {
                levels.push(Level { value, label });
            }
        }
    }
    levels.sort_by_key(|l| l.value);
    (max, levels)
}

/// The bands, and per band object (by its index in the file) whether it names a zone,
/// even an unknown one.
fn bands(
    c: &mut Checker,
    v: Option<&Value>,
    zones: &[Zone],
    is_v2: bool,
) -> (Vec<Band>, Vec<(usize, bool)>) {
    let Some(list) = v.and_then(|v| c.array(v, "$.bands")) else {
        if v.is_none() {
            c.problem("$.bands", "is missing");
        }
        return (Vec::new(), Vec::new());
    };
    let mut zoned = Vec::new();
    if list.is_empty() {
        c.problem("$.bands", "must hold at least one band, starting at min 0");
    }
    let mut out: Vec<Band> = Vec::new();
    let mut seen = HashSet::new();
    let hundred = BigRational::from_integer(100.into());
    for (i, b) in list.iter().enumerate() {
        let path = format!("$.bands[{i}]");
        let Some(obj) = c.object(b, &path) else {
            continue;
        };
        let code = c.code(obj, &path, "code", true);
        if let Some(code) = &code
            && !seen.insert(code.clone())
        {
            c.problem(
                &format!("{path}.code"),
                format!("duplicate band code {code:?}"),
            );
        }
        let label = text(c, obj.get("label"), &format!("{path}.label"), true);
        let min = c.decimal(obj, &path, "min", true);
        if let Some(m) = &min {
            if i == 0 && !m.is_zero() {
                c.problem(
                    &format!("{path}.min"),
                    "the first band must start at 0 so that every score has a zone",
                );
            }
            if m > &hundred {
                c.problem(&format!("{path}.min"), "must be at most 100");
            }
            if m.is_negative() {
                c.problem(&format!("{path}.min"), "must not be negative");
            }
            if let Some(prev) = out.last()
                && m <= &prev.min
            {
                c.problem(
                    &format!("{path}.min"),
                    format!(
                        "must be greater than the previous band's min ({}): list bands from lowest to highest",
                        super::json::decimal_text(&prev.min)
                    ),
                );
            }
        }
        let color = c.string(obj, &path, "color", false);
        if let Some(col) = &color
            && !COLORS.contains(&col.as_str())
        {
            c.problem(
                &format!("{path}.color"),
                format!("unknown color {col:?}: use one of {}", COLORS.join(", ")),
            );
        }
        let zone = if is_v2 {
            zoned.push((i, !matches!(obj.get("zone"), None | Some(Value::Null))));
            v2::band_zone(c, obj, &path, zones)
        } else {
            None
        };
        if let (Some(code), Some(label), Some(min)) = (code, label, min) {
            out.push(Band {
                code,
                label,
                min,
                color,
                zone,
            });
        }
    }
    (out, zoned)
}
