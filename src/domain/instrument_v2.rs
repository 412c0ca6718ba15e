//! What instrument format version 2 adds to a `patuh-instrument` file, read and checked
//! rule by rule: the level a dimension is answered at (product, unit, agency), the
//! respondent roles of interviews, an indicator's source (observation, interview or
//! another institution's data), zones grouping the bands, and the opinion qualifier.
//! Version 1 files keep meaning exactly what they meant: none of these fields is
//! allowed in them, so a version 1 file is never read differently. The types live here
//! and are re-exported by [`super::instrument`]; see docs/instrument-format.md.

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

use serde_json::{Map, Value};

use super::instrument::{Aggregate, Band, COLORS, Dimension};
use super::json::Checker;
use super::text::Text;

/// The node an indicator is answered for: a service product (the default and the
/// only level of format 1), a service unit, or the agency itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum NodeLevel {
    #[default]
    Product,
    Unit,
    Agency,
}

impl NodeLevel {
    pub const ALL: [NodeLevel; 3] = [NodeLevel::Product, NodeLevel::Unit, NodeLevel::Agency];

    /// The word used in instrument files and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            NodeLevel::Product => "product",
            NodeLevel::Unit => "unit",
            NodeLevel::Agency => "agency",
        }
    }
}

impl fmt::Display for NodeLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for NodeLevel {
    type Err = String;
    fn from_str(s: &str) -> Result<NodeLevel, String> {
        NodeLevel::ALL
            .into_iter()
            .find(|l| l.as_str() == s)
            .ok_or_else(|| format!("unknown level {s:?}: use \"product\", \"unit\" or \"agency\""))
    }
}

/// A kind of respondent interviewed at a node, e.g. `pelaksana` (4 staff per unit) or
/// `pengguna` (30 service users per agency). Respondents are positions or numbers,
/// never names (Law 27/2022).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    pub id: String,
    pub label: Text,
    /// The node its respondents are interviewed at.
    pub level: NodeLevel,
    /// How many respondents of this role a node needs: an interview indicator counts
    /// this many answers towards progress.
    pub respondents: u32,
}

/// Where an indicator's value comes from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Source {
    /// The assessor looks and records a level (format 1's only kind).
    #[default]
    Observation,
    /// Respondents of a role answer; the node's value is the mean of their answers.
    Interview {
        /// Index into [`super::instrument::Instrument::roles`].
        role: usize,
    },
    /// An exact decimal in 0..=max taken from another institution's data.
    Data {
        /// The data set the values come from, as the instrument names it.
        from: Option<Text>,
    },
}

impl Source {
    pub fn as_str(&self) -> &'static str {
        match self {
            Source::Observation => "observation",
            Source::Interview { .. } => "interview",
            Source::Data { .. } => "data",
        }
    }

    /// The role of an interview indicator.
    pub fn role(&self) -> Option<usize> {
        match self {
            Source::Interview { role } => Some(*role),
            _ => None,
        }
    }
}

/// A group of bands (categories), e.g. zona hijau for categories A and B.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zone {
    pub code: String,
    pub label: Text,
    pub color: Option<String>,
}

/// The suffix added to an agency's opinion when its follow-up register is closed with
/// every item completed, e.g. "Tanpa Maladministrasi".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Qualifier {
    pub code: String,
    pub label: Text,
}

/// The most respondents one role may ask for at one node.
pub const MAX_RESPONDENTS: i64 = 1000;

const V2_ONLY: &str = "is a format version 2 field: set \"format_version\": 2 to use it";

/// Reports every format-2 field a format-1 file uses: such a file would silently mean
/// something else if they were ignored.
pub(super) fn refuse_in_version_1(c: &mut Checker, root: &Map<String, Value>) {
    for key in ["roles", "zones", "qualifier"] {
        if root.contains_key(key) {
            c.problem(&format!("$.{key}"), V2_ONLY);
        }
    }
    let nested: [(&str, &[&str]); 3] = [
        ("dimensions", &["level"]),
        ("indicators", &["source", "role", "data_source"]),
        ("bands", &["zone"]),
    ];
    for (list, keys) in nested {
        let Some(Value::Array(items)) = root.get(list) else {
            continue;
        };
        for (i, item) in items.iter().enumerate() {
            let Value::Object(obj) = item else { continue };
            for key in keys {
                if obj.contains_key(*key) {
                    c.problem(&format!("$.{list}[{i}].{key}"), V2_ONLY);
                }
            }
        }
    }
}

/// A node level field (`dimensions[].level`, `roles[].level`).
pub(super) fn level(
    c: &mut Checker,
    obj: &Map<String, Value>,
    path: &str,
    required: bool,
) -> Option<NodeLevel> {
    if !required && c.member(obj, path, "level", false).is_none() {
        return Some(NodeLevel::Product);
    }
    let s = c.string(obj, path, "level", required)?;
    match s.parse() {
        Ok(l) => Some(l),
        Err(e) => {
            c.problem(&format!("{path}.level"), e);
            None
        }
    }
}

pub(super) fn roles(c: &mut Checker, v: Option<&Value>) -> Vec<Role> {
    let Some(list) = v.and_then(|v| c.array(v, "$.roles")) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for (i, r) in list.iter().enumerate() {
        let path = format!("$.roles[{i}]");
        let Some(obj) = c.object(r, &path) else {
            continue;
        };
        let id = c.code(obj, &path, "id", true);
        if let Some(id) = &id
            && !seen.insert(id.clone())
        {
            c.problem(&format!("{path}.id"), format!("duplicate role id {id:?}"));
        }
        let label = super::instrument::text(c, obj.get("label"), &format!("{path}.label"), true);
        let level = level(c, obj, &path, true);
        let respondents = match c.integer(obj, &path, "respondents", true) {
            Some(n) if n < 1 => {
                c.problem(
                    &format!("{path}.respondents"),
                    format!("is {n}: a role needs at least 1 respondent per node"),
                );
                None
            }
            Some(n) if n > MAX_RESPONDENTS => {
                c.problem(
                    &format!("{path}.respondents"),
                    format!("is {n}, must be at most {MAX_RESPONDENTS}"),
                );
                None
            }
            Some(n) => u32::try_from(n).ok(),
            None => None,
        };
        if let (Some(id), Some(label), Some(level), Some(respondents)) =
            (id, label, level, respondents)
        {
            out.push(Role {
                id,
                label,
                level,
                respondents,
            });
        }
    }
    out
}

/// Whether an indicator object is a `data` indicator (read before its scale, whose
/// `max` such an indicator must give).
pub(super) fn is_data(obj: &Map<String, Value>) -> bool {
    matches!(obj.get("source"), Some(Value::String(s)) if s == "data")
}

/// An indicator's `source` (and `role`, `data_source`), checked against its dimension's
/// level. `dimension` is None when the indicator's dimension is unknown.
pub(super) fn source(
    c: &mut Checker,
    obj: &Map<String, Value>,
    path: &str,
    dimension: Option<&Dimension>,
    roles: &[Role],
) -> Option<Source> {
    let kind = match c.member(obj, path, "source", false) {
        None => "observation".to_string(),
        Some(_) => c.string(obj, path, "source", true)?,
    };
    let role_named = c.member(obj, path, "role", false).is_some();
    let data_named = c.member(obj, path, "data_source", false).is_some();
    if kind != "interview" && role_named {
        c.problem(
            &format!("{path}.role"),
            format!(
                "only an interview indicator names a role; this one's source is {kind:?}: remove \"role\" or set \"source\": \"interview\""
            ),
        );
    }
    if kind != "data" && data_named {
        c.problem(
            &format!("{path}.data_source"),
            format!(
                "only a data indicator names a data source; this one's source is {kind:?}: remove \"data_source\" or set \"source\": \"data\""
            ),
        );
    }
    match kind.as_str() {
        "observation" => Some(Source::Observation),
        "data" => {
            let from = super::instrument::text(
                c,
                obj.get("data_source"),
                &format!("{path}.data_source"),
                false,
            );
            Some(Source::Data { from })
        }
        "interview" => {
            if !role_named {
                c.problem(
                    &format!("{path}.role"),
                    "is missing: an interview indicator names the role (in $.roles) whose respondents answer it",
                );
                return None;
            }
            let role_id = c.string(obj, path, "role", true)?;
            let Some(r) = roles.iter().position(|r| r.id == role_id) else {
                c.problem(
                    &format!("{path}.role"),
                    format!("unknown role {role_id:?}: it is not in $.roles"),
                );
                return None;
            };
            if let Some(d) = dimension
                && d.level != roles[r].level
            {
                c.problem(
                    &format!("{path}.role"),
                    format!(
                        "role {role_id:?} is interviewed per {}, but dimension {:?} is answered per {}: use a role of level {:?}",
                        roles[r].level, d.id, d.level, d.level.as_str()
                    ),
                );
                return None;
            }
            Some(Source::Interview { role: r })
        }
        other => {
            c.problem(
                &format!("{path}.source"),
                format!("unknown source {other:?}: use \"observation\", \"interview\" or \"data\""),
            );
            None
        }
    }
}

/// The message for a `data` indicator without `scale.max`.
pub(super) const DATA_NEEDS_MAX: &str = "is missing: a data indicator needs the highest value of its source's scale (e.g. 100 for an index 0-100), since its values are decimals in 0..max";

pub(super) fn zones(c: &mut Checker, v: Option<&Value>) -> Vec<Zone> {
    let Some(list) = v.and_then(|v| c.array(v, "$.zones")) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for (i, z) in list.iter().enumerate() {
        let path = format!("$.zones[{i}]");
        let Some(obj) = c.object(z, &path) else {
            continue;
        };
        let code = c.code(obj, &path, "code", true);
        if let Some(code) = &code
            && !seen.insert(code.clone())
        {
            c.problem(
                &format!("{path}.code"),
                format!("duplicate zone code {code:?}"),
            );
        }
        let label = super::instrument::text(c, obj.get("label"), &format!("{path}.label"), true);
        let color = c.string(obj, &path, "color", false);
        if let Some(col) = &color
            && !COLORS.contains(&col.as_str())
        {
            c.problem(
                &format!("{path}.color"),
                format!("unknown color {col:?}: use one of {}", COLORS.join(", ")),
            );
        }
        if let (Some(code), Some(label)) = (code, label) {
            out.push(Zone { code, label, color });
        }
    }
    out
}

/// A band's `zone`: an index into `zones`.
pub(super) fn band_zone(
    c: &mut Checker,
    obj: &Map<String, Value>,
    path: &str,
    zones: &[Zone],
) -> Option<usize> {
    let code = c.string(obj, path, "zone", false)?;
    let found = zones.iter().position(|z| z.code == code);
    if found.is_none() {
        c.problem(
            &format!("{path}.zone"),
            format!("unknown zone {code:?}: it is not in $.zones"),
        );
    }
    found
}

pub(super) fn qualifier(c: &mut Checker, v: Option<&Value>) -> Option<Qualifier> {
    let obj = match v {
        None | Some(Value::Null) => return None,
        Some(v) => c.object(v, "$.qualifier")?,
    };
    let code = c.code(obj, "$.qualifier", "code", true);
    let label = super::instrument::text(c, obj.get("label"), "$.qualifier.label", true);
    Some(Qualifier {
        code: code?,
        label: label?,
    })
}

/// The rules that span several parts of a file: levels against dimension weights and
/// `aggregate`, bands against zones. `zoned` holds, per band object (by its index in the
/// file), whether it names a `zone` (even an unknown one).
pub(super) fn cross_checks(
    c: &mut Checker,
    aggregate: Option<Aggregate>,
    aggregate_given: bool,
    dims: &[Dimension],
    bands: &[Band],
    zoned: &[(usize, bool)],
    zones: &[Zone],
) {
    let levels: Vec<NodeLevel> = {
        let mut l: Vec<NodeLevel> = dims.iter().map(|d| d.level).collect();
        l.sort();
        l.dedup();
        l
    };
    if levels.len() > 1 && dims.iter().all(|d| d.weight.is_none()) {
        let names: Vec<&str> = levels.iter().map(|l| l.as_str()).collect();
        c.problem(
            "$.dimensions",
            format!(
                "dimensions are answered at different levels ({}) but have no weights: give every dimension a \"weight\" (summing to 100), since a unit's score weighs dimensions answered at different nodes",
                names.join(", ")
            ),
        );
    }
    if aggregate == Some(Aggregate::Products)
        && let Some(d) = dims.iter().find(|d| d.level != NodeLevel::Product)
    {
        let given = if aggregate_given {
            "is \"products\""
        } else {
            "is \"products\" (the default when it is not given)"
        };
        c.problem(
            "$.aggregate",
            format!(
                "{given}, but dimension {:?} is answered per {}: a mean of product scores would leave it out; set \"aggregate\": \"units\"",
                d.id, d.level
            ),
        );
    }
    let with_zone = zoned.iter().filter(|(_, z)| *z).count();
    if with_zone > 0 && with_zone < zoned.len() {
        let missing: Vec<String> = zoned
            .iter()
            .filter(|(_, z)| !*z)
            .map(|(i, _)| format!("$.bands[{i}]"))
            .collect();
        c.problem(
            "$.bands",
            format!(
                "{with_zone} of {} bands name a zone, but not {}: give every band a \"zone\" or none",
                zoned.len(),
                missing.join(", ")
            ),
        );
    }
    for (z, zone) in zones.iter().enumerate() {
        if !bands.iter().any(|b| b.zone == Some(z)) {
            c.problem(
                &format!("$.zones[{z}]"),
                format!(
                    "zone {:?} is named by no band: name it in a band's \"zone\" or remove it",
                    zone.code
                ),
            );
        }
    }
}

/// Questions about levels, roles and zones that the scoring and the screens ask.
impl super::instrument::Instrument {
    /// The level indicator `i` is answered at (its dimension's).
    pub fn level_of(&self, i: usize) -> NodeLevel {
        self.dimensions[self.indicators[i].dimension].level
    }

    /// Whether every dimension is answered per product: the format-1 method, whose
    /// unit and agency scores are means of product scores.
    pub fn is_product_only(&self) -> bool {
        self.dimensions
            .iter()
            .all(|d| d.level == NodeLevel::Product)
    }

    /// Whether the instrument is a product-level observation checklist (every format-1
    /// instrument): every dimension answered per product, every indicator observed.
    /// Such an instrument is scored by the integer product scorer and means.
    pub fn is_observation_checklist(&self) -> bool {
        self.is_product_only()
            && self
                .indicators
                .iter()
                .all(|i| matches!(i.source, Source::Observation))
    }

    /// Indices of the interview indicators asked of `role`, in instrument order: the
    /// order of a respondent's answers.
    pub fn role_indicators(&self, role: usize) -> impl Iterator<Item = usize> + '_ {
        (0..self.indicators.len()).filter(move |&i| self.indicators[i].source.role() == Some(role))
    }

    /// The position of interview indicator `i` among its role's indicators (None for
    /// another source).
    pub fn interview_slot(&self, i: usize) -> Option<usize> {
        let role = self.indicators.get(i)?.source.role()?;
        Some(self.role_indicators(role).take_while(|&k| k < i).count())
    }

    /// Indices of the indicators answered at `level`, in instrument order.
    pub fn indicators_at(&self, level: NodeLevel) -> impl Iterator<Item = usize> + '_ {
        (0..self.indicators.len()).filter(move |&i| self.level_of(i) == level)
    }

    /// How many answers indicator `i` needs at one node: its role's respondents for an
    /// interview, else 1.
    pub fn required_answers(&self, i: usize) -> u32 {
        match self.indicators[i].source {
            Source::Interview { role } => self.roles.get(role).map_or(1, |r| r.respondents),
            _ => 1,
        }
    }

    pub fn role_index(&self, id: &str) -> Option<usize> {
        self.roles.iter().position(|r| r.id == id)
    }

    /// The zone a band belongs to, when the instrument groups its bands into zones.
    pub fn zone_of(&self, band: &Band) -> Option<&Zone> {
        band.zone.and_then(|z| self.zones.get(z))
    }
}
