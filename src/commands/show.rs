//! `patuh show PATH` and `patuh score`: a node's checklist (its own indicators, with
//! each respondent's answer and each data value), scores, categories, zones, dimension
//! scores and, per agency, the qualifier and opinion, for a person or as JSON. `show`
//! prints the workstation's marks (`tui::ui::value_box`) and `score` follows the
//! reports' rule for what was not assessed (`exchange::report::Progress`).

use std::path::Path;

use anyhow::{Result, anyhow};
use num_rational::BigRational;
use serde_json::{Value as Json, json};

use super::{open, score_json};
use crate::domain::instrument::{Indicator, NodeLevel, Source};
use crate::domain::method::{self, NodeValue};
use crate::domain::model::{
    AgencyIx, Carried, Dataset, IndicatorIx, Ix, NodeRef, ScoreBook, Summary, next_category,
};
use crate::domain::scoring::{Rounded, next_zone};
use crate::domain::text::sanitize;
use crate::domain::{Instrument, Lang, Value};
use crate::exchange::report::Progress;
use crate::store::{AuditRow, Store};

/// A word of the command line's output in the user's language.
fn word(lang: Lang, en: &'static str, id: &'static str) -> &'static str {
    match lang {
        Lang::En => en,
        Lang::Id => id,
    }
}

/// "agency", "unit", "product" (or in Indonesian).
pub fn level_word(level: NodeLevel, lang: Lang) -> &'static str {
    match level {
        NodeLevel::Agency => word(lang, "agency", "instansi"),
        NodeLevel::Unit => word(lang, "unit", "unit"),
        NodeLevel::Product => word(lang, "product", "produk"),
    }
}

/// "72.50 kuning (Kepatuhan Sedang)", with zones "93.07 A hijau (Kualitas
/// Tertinggi)", or "no score (nothing applicable)".
pub fn describe(s: &Summary, instrument: &Instrument, lang: Lang) -> String {
    match s.score.as_ref() {
        Some(score) => {
            let v = method::verdict(instrument, score);
            let zone = match v.zone {
                Some(z) => format!(" {}", z.code),
                None => String::new(),
            };
            format!(
                "{} {}{zone} ({})",
                v.rounded,
                v.category(),
                sanitize(v.band.label.get(lang))
            )
        }
        None => "no score (nothing applicable)".into(),
    }
}

/// A number to two decimals as JSON (exact), or null.
fn rounded_json(x: Option<&BigRational>) -> Json {
    score_json(x.map(Rounded::of))
}

/// An exact decimal as a JSON number (`82.35`), or its rounding when it has none.
fn decimal_json(x: &BigRational) -> Json {
    let text = crate::domain::json::decimal_text(x);
    text.parse::<serde_json::Number>()
        .map(Json::Number)
        .unwrap_or_else(|_| rounded_json(Some(x)))
}

/// (score, zone, category) of a node's summary as JSON.
fn verdict_json(s: &Summary, instrument: &Instrument) -> (Json, Json, Json) {
    match s.score.as_ref() {
        Some(score) => {
            let v = method::verdict(instrument, score);
            (
                score_json(Some(v.rounded)),
                json!(v.zone_code()),
                json!(v.category()),
            )
        }
        None => (Json::Null, Json::Null, Json::Null),
    }
}

/// `[{"id", "score"}]` for every dimension of the instrument (null where it has none).
fn dimensions_json(instrument: &Instrument, dims: &[Option<BigRational>]) -> Json {
    Json::Array(
        instrument
            .dimensions
            .iter()
            .enumerate()
            .map(|(d, dim)| json!({"id": dim.id, "score": rounded_json(dims.get(d).and_then(Option::as_ref))}))
            .collect(),
    )
}

/// "input 88.89, proses 87.50, output -" for a person.
fn dimensions_text(instrument: &Instrument, dims: &[Option<BigRational>]) -> String {
    instrument
        .dimensions
        .iter()
        .enumerate()
        .map(|(d, dim)| {
            format!(
                "{} {}",
                dim.id,
                dims.get(d)
                    .and_then(Option::as_ref)
                    .map_or("-".to_string(), |x| Rounded::of(x).to_string())
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The summary, verdict and dimensions of any node, as `score --json` and `show --json`
/// write them.
fn node_json(ds: &Dataset, book: &ScoreBook, node: NodeRef) -> serde_json::Map<String, Json> {
    let instrument = ds.instrument_of(node);
    let s = book.summary(ds, node);
    let (score, zone, category) = verdict_json(&s, instrument);
    let mut m = serde_json::Map::new();
    m.insert("score".into(), score);
    m.insert("zone".into(), zone);
    m.insert("category".into(), category);
    m.insert(
        "dimensions".into(),
        dimensions_json(instrument, &book.dimensions(ds, node)),
    );
    m.insert("answered".into(), json!(s.answered));
    m.insert("total".into(), json!(s.total));
    m.insert("progress".into(), json!(Progress::of(&s).code()));
    m
}

/// An agency's qualifier (true, false, null) and opinion (the Indonesian label, or
/// null without a score).
fn opinion_json(ds: &Dataset, book: &ScoreBook, a: AgencyIx) -> (Json, Json) {
    (
        book.qualifier(a).map_or(Json::Null, Json::Bool),
        book.opinion(ds, a)
            .map_or(Json::Null, |t| json!(t.get(Lang::Id))),
    )
}

/// The name of any node.
fn name_of(ds: &Dataset, node: NodeRef) -> &str {
    match node {
        NodeRef::Agency(a) => &ds.agencies[a].name,
        NodeRef::Unit(u) => &ds.units[u].name,
        NodeRef::Product(p) => &ds.products[p].name,
    }
}

fn find(ds: &Dataset, path: &str, db: &Path) -> Result<NodeRef> {
    ds.find_node(path).ok_or_else(|| {
        if path.split('/').count() == 3 {
            anyhow!(
                "no product {path} in {}: write AGENCY/UNIT/PRODUCT by codes; list them with `patuh score`",
                db.display()
            )
        } else {
            anyhow!(
                "no agency or unit {path} in {}: write AGENCY, AGENCY/UNIT or AGENCY/UNIT/PRODUCT by codes; \
                 list them with `patuh score`",
                db.display()
            )
        }
    })
}

/// The reopenings of one node, oldest first.
fn reopenings(store: &Store, path: &str) -> Result<Vec<AuditRow>> {
    Ok(store
        .cycle_history(path, None)?
        .into_iter()
        .filter(|r| r.action == "reopen")
        .collect())
}

/// The checklist's marks and what they mean.
fn legend(lang: Lang) -> String {
    let na = crate::tui::text::ui(lang).na;
    let mark = |v: Value, max: u32| crate::tui::ui::value_box(v, max, na);
    let (yes, no, open, not_app, scale, scale_open) = match lang {
        Lang::Id => (
            "ada",
            "tidak ada",
            "belum dijawab",
            "tidak berlaku",
            "nilai pada skala",
            "skala belum dijawab",
        ),
        Lang::En => (
            "present",
            "absent",
            "unanswered",
            "not applicable",
            "level on a scale",
            "scale unanswered",
        ),
    };
    format!(
        "  {}: {} {yes}  {} {no}  {} {open}  {} {not_app}  {} {scale}  {} {scale_open}",
        match lang {
            Lang::Id => "tanda",
            Lang::En => "marks",
        },
        mark(Value::Level(1), 1),
        mark(Value::Level(0), 1),
        mark(Value::Unanswered, 1),
        mark(Value::NotApplicable, 1),
        mark(Value::Level(2), 3),
        mark(Value::Unanswered, 3).trim_start(),
    )
}

/// A carried value as JSON: the level, "N/A", or null.
fn carried_value_json(v: Value) -> Json {
    match v {
        Value::Level(l) => json!(l),
        Value::NotApplicable => json!("N/A"),
        Value::Unanswered => Json::Null,
    }
}

/// What is carried into an indicator of a node, for a person: the node's own value
/// and each respondent's, `""` when nothing is.
fn carried_text(ds: &Dataset, node: NodeRef, k: usize, lang: Lang) -> String {
    let inst = ds.instrument_of(node);
    let ind = &inst.indicators[k];
    let i = IndicatorIx::new(k);
    let na = crate::tui::text::ui(lang).na;
    let mut parts = Vec::new();
    match ds.carried(node, i) {
        Some(Carried::Value(v)) => parts.push(match (&ind.source, v) {
            (Source::Observation, v) => crate::tui::ui::value_box(*v, ind.max, na)
                .trim()
                .to_string(),
            (_, _) => na.trim().to_string(),
        }),
        Some(Carried::Data(d)) => parts.push(format!(
            "{}/{} ({})",
            d.text(),
            ind.max,
            sanitize(d.source())
        )),
        None => {}
    }
    if let Source::Interview { role } = &ind.source {
        for (r, resp) in ds.roster(node, *role) {
            match ds.carried_answer(node, r, i) {
                Some(Value::Level(l)) => parts.push(format!("{}:{l}", resp.number)),
                Some(_) => parts.push(format!("{}:{}", resp.number, na.trim())),
                None => {}
            }
        }
    }
    if parts.is_empty() {
        return String::new();
    }
    format!(
        "  {}: {}",
        word(lang, "carried, to re-check", "dibawa, periksa ulang"),
        parts.join(" ")
    )
}

/// One own indicator of a node as `show --json` writes it.
fn indicator_json(ds: &Dataset, node: NodeRef, k: usize) -> Json {
    let inst = ds.instrument_of(node);
    let ind = &inst.indicators[k];
    let i = IndicatorIx::new(k);
    let own = ds.value(node, i);
    let answer = ds.answer(node, i);
    let node_value = answer.node_value(ind.max);
    let mut m = serde_json::Map::new();
    m.insert("id".into(), json!(ind.id));
    m.insert("dimension".into(), json!(inst.dimensions[ind.dimension].id));
    m.insert("source".into(), json!(ind.source.as_str()));
    let value = match (&ind.source, &node_value) {
        (Source::Observation, _) => match own {
            Value::Level(l) => json!(l),
            _ => Json::Null,
        },
        (Source::Data { .. }, NodeValue::Value(x)) => decimal_json(x),
        (_, NodeValue::Value(x)) => rounded_json(Some(x)),
        _ => Json::Null,
    };
    m.insert("value".into(), value);
    m.insert("na".into(), json!(node_value == NodeValue::NotApplicable));
    m.insert("note".into(), json!(ds.note(node, i)));
    m.insert("evidence".into(), json!(ds.evidence_count(node, i)));
    // Carried from the previous cycle, to be re-checked: shown, never counted.
    let own_carried = ds.carried(node, i);
    let any_carried = own_carried.is_some()
        || match &ind.source {
            Source::Interview { role } => ds
                .roster(node, *role)
                .into_iter()
                .any(|(r, _)| ds.carried_answer(node, r, i).is_some()),
            _ => false,
        };
    m.insert("carried".into(), json!(any_carried));
    m.insert(
        "carried_value".into(),
        match own_carried {
            Some(Carried::Value(v)) => carried_value_json(*v),
            Some(Carried::Data(d)) => decimal_json(d.value()),
            None => Json::Null,
        },
    );
    match &ind.source {
        Source::Interview { role } => {
            let (answered, required) = method::progress(inst, k, &answer);
            m.insert("role".into(), json!(inst.roles[*role].id));
            m.insert("answered".into(), json!(answered));
            m.insert("required".into(), json!(required));
            let respondents: Vec<Json> = ds
                .roster(node, *role)
                .into_iter()
                .map(|(r, resp)| {
                    let v = ds.respondent_value(node, r, i);
                    let mut entry = json!({
                        "n": resp.number,
                        "label": resp.label,
                        "value": match v { Value::Level(l) => json!(l), _ => Json::Null },
                        "na": v == Value::NotApplicable,
                    });
                    // Only an answer carried from the previous cycle says so.
                    if let (Some(c), Some(m)) =
                        (ds.carried_answer(node, r, i), entry.as_object_mut())
                    {
                        m.insert("carried".into(), json!(true));
                        m.insert("carried_value".into(), carried_value_json(c));
                    }
                    entry
                })
                .collect();
            m.insert("respondents".into(), Json::Array(respondents));
        }
        Source::Data { .. } => {
            m.insert(
                "source_of_value".into(),
                ds.data(node, i).map_or(Json::Null, |d| json!(d.source())),
            );
            if let Some(Carried::Data(d)) = own_carried {
                m.insert("carried_source".into(), json!(d.source()));
            }
        }
        Source::Observation => {}
    }
    Json::Object(m)
}

/// One own indicator of a node for a person: the mark, the id, the label, respondents'
/// answers or the data value's source, the note.
fn indicator_line(ds: &Dataset, node: NodeRef, k: usize, lang: Lang) -> String {
    let inst = ds.instrument_of(node);
    let ind: &Indicator = &inst.indicators[k];
    let i = IndicatorIx::new(k);
    let na = crate::tui::text::ui(lang).na;
    let answer = ds.answer(node, i);
    let mark = match (&ind.source, answer.node_value(ind.max)) {
        (Source::Observation, _) => crate::tui::ui::value_box(ds.value(node, i), ind.max, na),
        (_, NodeValue::NotApplicable) => na.to_string(),
        (_, NodeValue::Unanswered) => format!(" ·/{}", ind.max),
        (Source::Data { .. }, NodeValue::Value(x)) => {
            format!("{}/{}", crate::domain::json::decimal_text(&x), ind.max)
        }
        (_, NodeValue::Value(x)) => format!("{}/{}", Rounded::of(&x), ind.max),
    };
    let mut extra = String::new();
    match &ind.source {
        Source::Interview { role } => {
            let (answered, required) = method::progress(inst, k, &answer);
            let answers: Vec<String> = ds
                .roster(node, *role)
                .into_iter()
                .map(|(r, resp)| {
                    let v = ds.respondent_value(node, r, i);
                    format!(
                        "{}:{}",
                        resp.number,
                        match v {
                            Value::Level(l) => l.to_string(),
                            Value::NotApplicable => na.trim().to_string(),
                            Value::Unanswered => "-".to_string(),
                        }
                    )
                })
                .collect();
            extra = format!(
                "  [{} {answered}/{required}{}{}]",
                inst.roles[*role].id,
                if answers.is_empty() { "" } else { ": " },
                answers.join(" ")
            );
        }
        Source::Data { .. } => {
            if let Some(d) = ds.data(node, i) {
                extra = format!("  ({})", sanitize(d.source()));
            }
        }
        Source::Observation => {}
    }
    extra.push_str(&carried_text(ds, node, k, lang));
    let note = ds.note(node, i);
    format!(
        "    {mark:>5} {:<28} {}{extra}{}",
        ind.id,
        sanitize(ind.label.get(lang)),
        if note.is_empty() {
            String::new()
        } else {
            format!("  note: {}", sanitize(note))
        }
    )
}

/// The path to the next category as JSON, or null at the top or without a score.
fn next_json(ds: &Dataset, node: NodeRef) -> Json {
    let Some(n) = next_category(ds, node) else {
        return Json::Null;
    };
    let inst = ds.instrument_of(node);
    json!({
        "category": inst.bands[n.band].code,
        "points": score_json(Some(n.points)),
        "reachable": n.reachable,
        "steps": n.steps.iter().map(|s| json!({
            "path": ds.node_path(s.node),
            "indicator": inst.indicators[s.indicator.index()].id,
        })).collect::<Vec<_>>(),
    })
}

pub fn show(db: &Path, path: &str, as_json: bool, lang: Lang) -> Result<()> {
    let store = open(db)?;
    let ds = store.load()?;
    let node = find(&ds, path, db)?;
    let instrument = ds.instrument_of(node);
    let book = ScoreBook::compute(&ds);
    let s = book.summary(&ds, node);
    let own: Vec<usize> = instrument.indicators_at(node.level()).collect();
    if as_json {
        let reopens: Vec<_> = reopenings(&store, path)?
            .iter()
            .map(|r| json!({"at": r.at, "who": r.who, "reason": r.new}))
            .collect();
        let mut out = serde_json::Map::new();
        out.insert("path".into(), json!(path));
        out.insert("name".into(), json!(name_of(&ds, node)));
        out.insert("level".into(), json!(node.level().as_str()));
        out.insert(
            "instrument".into(),
            json!({"id": instrument.id, "version": instrument.version, "sha256": instrument.sha256}),
        );
        out.extend(node_json(&ds, &book, node));
        out.insert("cycle".into(), json!(store.cycle().code));
        out.insert("carried".into(), json!(ds.carried_count(node)));
        out.insert("finalized".into(), json!(ds.finalized(node)));
        out.insert("reopened".into(), Json::Array(reopens));
        out.insert("review".into(), super::review::review_json(&store, path)?);
        out.insert("next".into(), next_json(&ds, node));
        match node {
            NodeRef::Agency(a) => {
                let (qualifier, opinion) = opinion_json(&ds, &book, a);
                out.insert("qualifier".into(), qualifier);
                out.insert("opinion".into(), opinion);
                let register = ds.followups(a);
                out.insert(
                    "followups".into(),
                    json!({
                        "closed": register.closed,
                        "items": register.items.iter().map(|i| json!({
                            "kind": i.kind.as_str(), "ref": i.reference, "status": i.status.as_str(),
                        })).collect::<Vec<_>>(),
                    }),
                );
                let units: Vec<Json> = ds.agencies[a]
                    .units
                    .iter()
                    .map(|&u| {
                        let mut m = node_json(&ds, &book, NodeRef::Unit(u));
                        m.insert("code".into(), json!(ds.units[u].code));
                        m.insert("name".into(), json!(ds.units[u].name));
                        Json::Object(m)
                    })
                    .collect();
                out.insert("units".into(), Json::Array(units));
            }
            NodeRef::Unit(u) => {
                let products: Vec<Json> = ds.units[u]
                    .products
                    .iter()
                    .map(|&p| {
                        let mut m = node_json(&ds, &book, NodeRef::Product(p));
                        m.insert("code".into(), json!(ds.products[p].code));
                        m.insert("name".into(), json!(ds.products[p].name));
                        Json::Object(m)
                    })
                    .collect();
                out.insert("products".into(), Json::Array(products));
            }
            NodeRef::Product(_) => {}
        }
        let indicators: Vec<Json> = own.iter().map(|&k| indicator_json(&ds, node, k)).collect();
        out.insert("indicators".into(), Json::Array(indicators));
        println!("{}", serde_json::to_string_pretty(&Json::Object(out))?);
        return Ok(());
    }
    match node {
        NodeRef::Product(p) => {
            let unit = &ds.units[ds.products[p].unit];
            let agency = &ds.agencies[unit.agency];
            println!(
                "{path}  {}\n  {} / {}",
                sanitize(&ds.products[p].name),
                sanitize(&agency.name),
                sanitize(&unit.name)
            );
        }
        NodeRef::Unit(u) => println!(
            "{path}  {}\n  {}",
            sanitize(&ds.units[u].name),
            sanitize(&ds.agencies[ds.units[u].agency].name)
        ),
        NodeRef::Agency(a) => println!("{path}  {}", sanitize(&ds.agencies[a].name)),
    }
    println!(
        "  instrument {} v{}{}{}",
        instrument.id,
        instrument.version,
        if store.cycle().code == crate::store::DEFAULT_CYCLE {
            String::new()
        } else {
            format!(
                "  {} {}",
                word(lang, "cycle", "siklus"),
                sanitize(&store.cycle().code)
            )
        },
        if ds.finalized(node) {
            "  [finalized]"
        } else {
            ""
        }
    );
    let carried = ds.carried_count(node);
    if carried > 0 {
        println!(
            "  {carried} {}",
            word(
                lang,
                "answer(s) carried from the previous cycle, to be re-checked:\n  \
                 not counted until confirmed (`patuh confirm PATH [INDICATOR]`) or changed",
                "jawaban dibawa dari siklus sebelumnya, perlu diperiksa ulang:\n  \
                 tidak dihitung sampai dikonfirmasi (`patuh confirm PATH [INDIKATOR]`) atau diubah"
            )
        );
    }
    if Progress::of(&s) == Progress::NotAssessed {
        println!("  not assessed yet: 0/{} answered", s.total);
    } else {
        println!(
            "  score {}  answered {}/{}",
            describe(&s, instrument, lang),
            s.answered,
            s.total
        );
    }
    println!(
        "  {}: {}",
        word(lang, "dimensions", "dimensi"),
        dimensions_text(instrument, &book.dimensions(&ds, node))
    );
    if let NodeRef::Agency(a) = node {
        let qualifier = match book.qualifier(a) {
            Some(true) => word(lang, "granted", "diberikan"),
            Some(false) => word(lang, "not granted", "tidak diberikan"),
            None if instrument.qualifier.is_none() => word(
                lang,
                "none in this instrument",
                "tidak ada pada instrumen ini",
            ),
            None => word(
                lang,
                "unknown until the follow-up register is closed",
                "belum diketahui sampai register tindak lanjut ditutup",
            ),
        };
        if let Some(o) = book.opinion(&ds, a) {
            println!(
                "  {}: {}",
                word(lang, "opinion", "opini"),
                sanitize(o.get(lang))
            );
        }
        println!("  {}: {qualifier}", word(lang, "qualifier", "kualifikasi"));
        let register = ds.followups(a);
        for item in &register.items {
            println!(
                "    {} {} {}",
                item.kind,
                sanitize(&item.reference),
                item.status
            );
        }
    }
    for r in reopenings(&store, path)? {
        println!(
            "  reopened at {} by {}: {}",
            sanitize(&r.at),
            sanitize(&r.who),
            sanitize(r.new.as_deref().unwrap_or(""))
        );
    }
    for line in super::review::review_lines(&store, path)? {
        println!("{line}");
    }
    match node {
        NodeRef::Product(p) if instrument.is_observation_checklist() => {
            if let Some(nz) = next_zone(instrument, &ds.products[p].values) {
                let ids: Vec<&str> = nz
                    .fulfil
                    .iter()
                    .map(|&i| instrument.indicators[i].id.as_str())
                    .collect();
                println!(
                    "  to {}: +{} points, fulfil {}",
                    instrument.bands[nz.band].code,
                    nz.points,
                    ids.join(", ")
                );
            }
        }
        _ => {
            if let Some(n) = next_category(&ds, node) {
                let steps: Vec<String> = n
                    .steps
                    .iter()
                    .take(8)
                    .map(|s| {
                        format!(
                            "{} at {}",
                            instrument.indicators[s.indicator.index()].id,
                            ds.node_path(s.node)
                        )
                    })
                    .collect();
                println!(
                    "  to {}: +{} points, fulfil {}{}",
                    instrument.bands[n.band].code,
                    n.points,
                    steps.join(", "),
                    if n.steps.len() > 8 {
                        format!(" and {} more", n.steps.len() - 8)
                    } else {
                        String::new()
                    }
                );
            }
        }
    }
    let children: Vec<NodeRef> = match node {
        NodeRef::Agency(a) => ds.agencies[a]
            .units
            .iter()
            .map(|&u| NodeRef::Unit(u))
            .collect(),
        NodeRef::Unit(u) => ds.units[u]
            .products
            .iter()
            .map(|&p| NodeRef::Product(p))
            .collect(),
        NodeRef::Product(_) => Vec::new(),
    };
    for c in children {
        let s = book.summary(&ds, c);
        let assessed = Progress::of(&s) != Progress::NotAssessed;
        println!(
            "    {} {:<24} {}",
            level_word(c.level(), lang),
            ds.node_path(c),
            if assessed {
                describe(&s, instrument, lang)
            } else {
                Progress::NotAssessed.label(lang).to_string()
            }
        );
    }
    if own.is_empty() {
        return Ok(());
    }
    println!("{}", legend(lang));
    for (d, dim) in instrument.dimensions.iter().enumerate() {
        if !own.iter().any(|&k| instrument.indicators[k].dimension == d) {
            continue;
        }
        println!("  {} ({})", sanitize(dim.label.get(lang)), dim.id);
        for &k in &own {
            if instrument.indicators[k].dimension == d {
                println!("{}", indicator_line(&ds, node, k, lang));
            }
        }
    }
    Ok(())
}

pub fn score(db: &Path, agency: Option<&str>, as_json: bool, lang: Lang) -> Result<()> {
    let store = open(db)?;
    let ds = store.load()?;
    let book = ScoreBook::compute(&ds);
    let agencies: Vec<AgencyIx> = match agency {
        Some(code) => vec![ds.find_agency(code).ok_or_else(|| {
            anyhow!(
                "no agency {code} in {}; run `patuh score` to list them",
                db.display()
            )
        })?],
        None => ds.agencies.ids().collect(),
    };
    if as_json {
        // The review state of every node (docs/review.md).
        let states = store.review_states()?;
        // Written straight, one node at a time: neither a nation's tree (half a
        // gigabyte) nor each node's (a fifth of the time) is built; the text is the
        // same, keys in the order a JSON object's map sorts them.
        let doc = ScoreDoc {
            agencies: Nodes {
                out: &ScoreOut {
                    ds: &ds,
                    book: &book,
                    states: &states,
                },
                nodes: agencies.iter().map(|&a| NodeRef::Agency(a)).collect(),
            },
        };
        let stdout = std::io::stdout();
        let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
        serde_json::to_writer_pretty(&mut out, &doc)?;
        std::io::Write::write_all(&mut out, b"\n")?;
        std::io::Write::flush(&mut out)?;
        // The process ends here: freeing a nation's dataset one allocation at a
        // time would only take longer.
        std::mem::forget(book);
        std::mem::forget(ds);
        return Ok(());
    }
    if ds.agencies.is_empty() {
        println!(
            "No agencies in {} yet: import an assignment with `patuh assignment import FILE` (or `patuh init --demo`).",
            db.display()
        );
        return Ok(());
    }
    let line = |indent: usize, node: NodeRef, code: &str, name: &str| {
        let instrument = ds.instrument_of(node);
        let s = book.summary(&ds, node);
        let assessed = Progress::of(&s) != Progress::NotAssessed;
        let score = s
            .rounded()
            .filter(|_| assessed)
            .map(|r: Rounded| r.to_string())
            .unwrap_or_else(|| "-".into());
        // Format 1: the band's label, as always; with levels, zones or an opinion:
        // the category and, for an agency, its opinion.
        let plain = instrument.format_version < 2;
        let zone = match (s.score.as_ref(), node) {
            (_, _) if !assessed => Progress::NotAssessed.label(lang).to_string(),
            (None, _) => String::new(),
            (Some(x), _) if plain => method::verdict(instrument, x)
                .band
                .label
                .get(lang)
                .to_string(),
            (Some(x), NodeRef::Agency(a)) => {
                let v = method::verdict(instrument, x);
                let opinion = book
                    .opinion(&ds, a)
                    .map(|o| o.get(lang).to_string())
                    .unwrap_or_default();
                format!("{} {opinion}", v.category())
            }
            (Some(x), _) => {
                let v = method::verdict(instrument, x);
                format!("{} {}", v.category(), v.band.label.get(lang))
            }
        };
        let label: String = format!("{}{} {}", " ".repeat(indent), code, sanitize(name))
            .chars()
            .take(52)
            .collect();
        println!(
            "{label:<52} {score:>6}  {:<22} {:>5}/{}",
            sanitize(&zone),
            s.answered,
            s.total
        );
        if !plain && !matches!(node, NodeRef::Product(_)) && assessed {
            println!(
                "{}  {}: {}",
                " ".repeat(indent),
                word(lang, "dimensions", "dimensi"),
                dimensions_text(instrument, &book.dimensions(&ds, node))
            );
        }
    };
    for &a in &agencies {
        let ag = &ds.agencies[a];
        line(0, NodeRef::Agency(a), &ag.code, &ag.name);
        for &u in &ag.units {
            line(2, NodeRef::Unit(u), &ds.units[u].code, &ds.units[u].name);
            for &p in &ds.units[u].products {
                let pr = &ds.products[p];
                line(4, NodeRef::Product(p), &pr.code, &pr.name);
            }
        }
    }
    Ok(())
}

/// `score --json`'s document: `{"agencies": [...]}`.
#[derive(serde::Serialize)]
struct ScoreDoc<'a> {
    agencies: Nodes<'a>,
}

/// What `score --json` reads its nodes from.
struct ScoreOut<'a> {
    ds: &'a Dataset,
    book: &'a ScoreBook,
    states: &'a std::collections::HashMap<String, crate::domain::review::ReviewState>,
}

/// A list of nodes of `score --json`, each written as it comes.
struct Nodes<'a> {
    out: &'a ScoreOut<'a>,
    nodes: Vec<NodeRef>,
}

impl serde::Serialize for Nodes<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(Some(self.nodes.len()))?;
        for &node in &self.nodes {
            seq.serialize_element(&NodeOut {
                out: self.out,
                node,
            })?;
        }
        seq.end()
    }
}

/// One node of `score --json` with the nodes below it.
struct NodeOut<'a> {
    out: &'a ScoreOut<'a>,
    node: NodeRef,
}

/// A field of a node, as it is written.
enum Field<'a> {
    Json(Json),
    Text(&'a str),
    Bool(bool),
    Count(u64),
    Below(Nodes<'a>),
}

impl serde::Serialize for Field<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            Field::Json(j) => j.serialize(s),
            Field::Text(t) => s.serialize_str(t),
            Field::Bool(b) => s.serialize_bool(*b),
            Field::Count(n) => s.serialize_u64(*n),
            Field::Below(n) => n.serialize(s),
        }
    }
}

impl serde::Serialize for NodeOut<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let ScoreOut { ds, book, states } = *self.out;
        let node = self.node;
        let instrument = ds.instrument_of(node);
        let sum = book.summary(ds, node);
        let (score, zone, category) = verdict_json(&sum, instrument);
        let review = crate::exchange::review::state_of(states, &ds.node_path(node)).code();
        let mut fields: Vec<(&str, Field<'_>)> = vec![
            ("score", Field::Json(score)),
            ("zone", Field::Json(zone)),
            ("category", Field::Json(category)),
            (
                "dimensions",
                Field::Json(dimensions_json(instrument, &book.dimensions(ds, node))),
            ),
            ("answered", Field::Count(sum.answered)),
            ("total", Field::Count(sum.total)),
            ("progress", Field::Text(Progress::of(&sum).code())),
            ("finalized", Field::Bool(ds.finalized(node))),
            ("review", Field::Text(review)),
        ];
        let below = |nodes: Vec<NodeRef>| {
            Field::Below(Nodes {
                out: self.out,
                nodes,
            })
        };
        match node {
            NodeRef::Product(p) => {
                fields.push(("code", Field::Text(&ds.products[p].code)));
                fields.push(("name", Field::Text(&ds.products[p].name)));
            }
            NodeRef::Unit(u) => {
                let unit = &ds.units[u];
                fields.push(("code", Field::Text(&unit.code)));
                fields.push(("name", Field::Text(&unit.name)));
                let products = unit.products.iter().map(|&p| NodeRef::Product(p));
                fields.push(("products", below(products.collect())));
            }
            NodeRef::Agency(a) => {
                let ag = &ds.agencies[a];
                let (qualifier, opinion) = opinion_json(ds, book, a);
                fields.push(("code", Field::Text(&ag.code)));
                fields.push(("name", Field::Text(&ag.name)));
                fields.push(("kind", Field::Text(ag.kind.as_str())));
                fields.push((
                    "instrument",
                    Field::Json(json!({"id": instrument.id, "version": instrument.version})),
                ));
                fields.push(("qualifier", Field::Json(qualifier)));
                fields.push(("opinion", Field::Json(opinion)));
                let units = ag.units.iter().map(|&u| NodeRef::Unit(u));
                fields.push(("units", below(units.collect())));
            }
        }
        // The order of a JSON object's keys in a `serde_json::Map`: sorted.
        fields.sort_by(|a, b| a.0.cmp(b.0));
        let mut m = s.serialize_map(Some(fields.len()))?;
        for (k, v) in &fields {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}
