//! `patuh cycle list|show|open|start` and `patuh confirm`: the cycles of a database
//! (the mentoring, the assessment, year after year), the current one, a new one started
//! (with `--carry`, the previous cycle's answers copied to be re-checked), and carried
//! answers confirmed as they are.

use std::path::Path;

use anyhow::{Result, anyhow, bail};
use serde_json::json;

use super::{open, open_to_change, score_json};
use crate::cli::{CycleCmd, CycleKindArg};
use crate::domain::cycle::CycleKind;
use crate::domain::instrument::Source;
use crate::domain::model::{NodeRef, ScoreBook};
use crate::domain::text::sanitize;
use crate::domain::{Lang, method};
use crate::store::{CycleRow, NewCycle};

fn word(lang: Lang, en: &'static str, id: &'static str) -> &'static str {
    match lang {
        Lang::En => en,
        Lang::Id => id,
    }
}

/// "assessment (penilaian)" or, in Indonesian, "penilaian".
fn kind_text(kind: CycleKind, lang: Lang) -> String {
    match lang {
        Lang::En => format!("{} ({})", kind.as_str(), kind.word_id()),
        Lang::Id => kind.word_id().to_string(),
    }
}

fn year_text(c: &CycleRow) -> String {
    c.year.map_or("-".into(), |y| y.to_string())
}

pub fn run(db: &Path, cmd: CycleCmd, lang: Lang) -> Result<()> {
    match cmd {
        CycleCmd::List { json } => list(db, json, lang),
        CycleCmd::Show { id, json } => show(db, &id, json, lang),
        CycleCmd::Open { id } => {
            let (mut store, _lock) = open_to_change(db)?;
            let row = store.cycle_by_code(&id)?;
            if store.open_cycle(&id)? {
                println!(
                    "{}: {} {}",
                    sanitize(&row.code),
                    word(
                        lang,
                        "is the current cycle now",
                        "kini siklus yang berjalan"
                    ),
                    word(
                        lang,
                        "(the workstation and every command work on it)",
                        "(workstation dan setiap perintah bekerja padanya)"
                    )
                );
            } else {
                println!(
                    "{}: {}",
                    sanitize(&row.code),
                    word(
                        lang,
                        "is the current cycle already; nothing changed",
                        "sudah siklus yang berjalan; tidak ada yang berubah"
                    )
                );
            }
            Ok(())
        }
        CycleCmd::Start {
            id,
            kind,
            year,
            follows,
            carry,
        } => start(db, &id, kind, year, follows.as_deref(), carry, lang),
    }
}

fn list(db: &Path, as_json: bool, lang: Lang) -> Result<()> {
    let store = open(db)?;
    let cycles = store.cycles()?;
    if as_json {
        let list: Vec<_> = cycles
            .iter()
            .map(|c| {
                json!({"id": c.code, "kind": c.kind.as_str(), "year": c.year,
                       "follows": c.follows, "current": c.current})
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(());
    }
    println!("{} {}:", word(lang, "Cycles in", "Siklus di"), db.display());
    for c in &cycles {
        let line = format!(
            "{} {:<24} {:<26} {:>4}  {}",
            if c.current { "*" } else { " " },
            sanitize(&c.code),
            kind_text(c.kind, lang),
            year_text(c),
            c.follows
                .as_deref()
                .map(|f| format!("{} {}", word(lang, "follows", "setelah"), sanitize(f)))
                .unwrap_or_default()
        );
        println!("{}", line.trim_end());
    }
    println!(
        "{}",
        word(
            lang,
            "(* the current cycle: `patuh cycle open ID` changes it;\n   `patuh --cycle ID COMMAND` works on another for one command)",
            "(* siklus yang berjalan: `patuh cycle open ID` menggantinya;\n   `patuh --cycle ID PERINTAH` bekerja pada siklus lain untuk satu perintah)"
        )
    );
    Ok(())
}

fn show(db: &Path, code: &str, as_json: bool, lang: Lang) -> Result<()> {
    let mut store = open(db)?;
    let row = store.cycle_by_code(code)?;
    store.use_cycle(code)?;
    let ds = store.load()?;
    let book = ScoreBook::compute(&ds);
    let mut agencies = Vec::new();
    let (mut answered, mut total, mut carried) = (0u64, 0u64, 0usize);
    for (a, ag) in ds.agencies.iter_enumerated() {
        let node = NodeRef::Agency(a);
        let s = book.summary(&ds, node);
        let inst = ds.instrument_of(node);
        let mut held = ds.carried_count(node);
        for &u in &ag.units {
            held += ds.carried_count(NodeRef::Unit(u));
            for &p in &ds.units[u].products {
                held += ds.carried_count(NodeRef::Product(p));
            }
        }
        answered += s.answered;
        total += s.total;
        carried += held;
        agencies.push((a, s, inst, held));
    }
    if as_json {
        let list: Vec<_> = agencies
            .iter()
            .map(|(a, s, inst, held)| {
                let verdict = s.score.as_ref().map(|x| method::verdict(inst, x));
                json!({
                    "code": ds.agencies[*a].code,
                    "name": ds.agencies[*a].name,
                    "instrument": {"id": inst.id, "version": inst.version},
                    "score": score_json(verdict.as_ref().map(|v| v.rounded).filter(|_| s.answered > 0)),
                    "category": verdict.as_ref().filter(|_| s.answered > 0).map(|v| v.category()),
                    "answered": s.answered,
                    "total": s.total,
                    "carried": held,
                })
            })
            .collect();
        let out = json!({
            "id": row.code, "kind": row.kind.as_str(), "year": row.year, "follows": row.follows,
            "current": row.current, "started_at": row.started_at,
            "answered": answered, "total": total, "carried": carried,
            "agencies": list,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    println!(
        "{}: {}, {}{}{}",
        sanitize(&row.code),
        kind_text(row.kind, lang),
        year_text(&row),
        row.follows
            .as_deref()
            .map(|f| format!(", {} {}", word(lang, "follows", "setelah"), sanitize(f)))
            .unwrap_or_default(),
        if row.current {
            word(lang, "  [current]", "  [berjalan]")
        } else {
            ""
        }
    );
    if let Some(at) = &row.started_at {
        println!("  {} {}", word(lang, "started", "dimulai"), sanitize(at));
    }
    println!("  {} {answered}/{total}", word(lang, "answered", "dijawab"),);
    println!(
        "  {} {carried}",
        word(
            lang,
            "carried from the previous cycle, to be re-checked:",
            "dibawa dari siklus sebelumnya, perlu diperiksa ulang:"
        )
    );
    for (a, s, inst, held) in &agencies {
        let ag = &ds.agencies[*a];
        let score = match (&s.score, s.answered) {
            (Some(x), 1..) => {
                let v = method::verdict(inst, x);
                format!("{} {}", v.rounded, v.category())
            }
            _ => "-".to_string(),
        };
        let name: String = format!("{} {}", ag.code, sanitize(&ag.name))
            .chars()
            .take(30)
            .collect();
        let line = format!(
            "  {name:<30} {:<18} {score:>12} {:>5}/{:<5}{}",
            format!("{} v{}", inst.id, inst.version),
            s.answered,
            s.total,
            if *held > 0 {
                format!(" +{held} {}", word(lang, "carried", "dibawa"))
            } else {
                String::new()
            }
        );
        println!("{}", line.trim_end());
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn start(
    db: &Path,
    code: &str,
    kind: CycleKindArg,
    year: Option<i32>,
    follows: Option<&str>,
    carry: bool,
    lang: Lang,
) -> Result<()> {
    let (mut store, _lock) = open_to_change(db)?;
    let kind = match kind {
        CycleKindArg::Mentoring => CycleKind::Mentoring,
        CycleKindArg::Assessment => CycleKind::Assessment,
    };
    let started = store.start_cycle(
        &NewCycle {
            code,
            kind,
            year,
            follows,
        },
        carry,
    )?;
    let c = &started.cycle;
    println!(
        "{} {} ({}{}){}; {}",
        if started.created {
            word(lang, "Started cycle", "Siklus dimulai:")
        } else {
            word(
                lang,
                "Started cycle (made by its assignment)",
                "Siklus dimulai (dibuat oleh penugasannya):",
            )
        },
        sanitize(&c.code),
        kind_text(c.kind, lang),
        c.year.map(|y| format!(", {y}")).unwrap_or_default(),
        c.follows
            .as_deref()
            .map(|f| format!(", {} {}", word(lang, "following", "setelah"), sanitize(f)))
            .unwrap_or_default(),
        word(
            lang,
            "it is the current cycle now",
            "kini siklus yang berjalan"
        )
    );
    if let Some(k) = &started.carried {
        println!(
            "{} {} {}, {} {} {} {} {}.",
            word(lang, "Carried", "Dibawa"),
            k.answers,
            word(lang, "answers", "jawaban"),
            k.data,
            word(lang, "data values and", "nilai data dan"),
            k.respondents,
            word(lang, "respondents from", "responden dari"),
            sanitize(&k.from)
        );
        println!(
            "{}",
            word(
                lang,
                "They are to be re-checked: each counts once confirmed as it is (`patuh confirm PATH [INDICATOR]`) \
                 or changed (`patuh record ...`); `patuh show PATH` marks them.",
                "Semuanya perlu diperiksa ulang: masing-masing dihitung setelah dikonfirmasi apa adanya \
                 (`patuh confirm PATH [INDIKATOR]`) atau diubah (`patuh record ...`); `patuh show PATH` menandainya."
            )
        );
        if k.left_out + k.respondents_left_out > 0 {
            println!(
                "{} {} {} {} {}",
                word(lang, "Not carried:", "Tidak dibawa:"),
                k.left_out,
                word(lang, "answers and", "jawaban dan"),
                k.respondents_left_out,
                word(
                    lang,
                    "respondents the new cycle's instrument has no place for (another indicator, level, kind or scale).",
                    "responden yang tidak ada tempatnya pada instrumen siklus baru (indikator, tingkat, jenis atau skala lain)."
                )
            );
        }
    }
    Ok(())
}

/// `patuh confirm PATH [INDICATOR] [--respondent N]`.
pub fn confirm(
    db: &Path,
    path: &str,
    indicator: Option<&str>,
    respondent: Option<u32>,
    lang: Lang,
) -> Result<()> {
    let (mut store, _lock) = open_to_change(db)?;
    let node = store.node(path)?;
    let instrument = store.node_instrument(&node)?;
    if let Some(id) = indicator {
        let Some(k) = instrument.indicator_index(id) else {
            bail!(
                "instrument {} has no indicator {id:?}; see the ids with `patuh show {path}`",
                instrument.id
            );
        };
        if instrument.level_of(k) != node.level {
            bail!(
                "{path}: indicator {id} is answered per {}, not per {}; nothing was changed",
                instrument.level_of(k),
                node.level
            );
        }
    }
    let resp = match (indicator, respondent) {
        (Some(id), Some(n)) => {
            let k = instrument.indicator_index(id).unwrap_or_default();
            let Source::Interview { role } = instrument.indicators[k].source else {
                bail!(
                    "{path}: indicator {id} is answered by {}, not by respondents: confirm it without \
                     --respondent; nothing was changed",
                    instrument.indicators[k].source.as_str()
                );
            };
            Some(store.respondent(&node, &instrument.roles[role].id, n)?)
        }
        _ => None,
    };
    let done = store
        .confirm_carried(&node, indicator, resp.as_ref())
        .map_err(|e| anyhow!("{e}"))?;
    for c in &done {
        println!(
            "{} {path} {}{} = {}",
            word(lang, "Confirmed", "Dikonfirmasi"),
            sanitize(&c.indicator),
            c.respondent
                .as_ref()
                .map(|(role, n)| format!(" {} {n}", sanitize(role)))
                .unwrap_or_default(),
            if c.value.is_empty() {
                "-".to_string()
            } else {
                sanitize(&c.value).into_owned()
            }
        );
    }
    super::assess::print_scores_up(&store, &node, lang)
}
