//! `patuh review ...`, `patuh central revoke`, `patuh inbox` and the review's part of
//! `show`, `score` and `log`: the central office's review of the merged work and the
//! assessor's side of it, from the command line. The work is done in
//! `crate::exchange::review` and `crate::exchange::inbox`; here it is printed for a
//! person or as JSON (names from files pass through `sanitize`). Every command that
//! changes a central database holds its lock for the whole command
//! (`store::lock::central`): two merges, or a merge and a review, never interleave.

use std::path::{Path, PathBuf};

use anyhow::{Result, anyhow};
use serde_json::json;

use super::{open, open_to_change};
use crate::cli::{InboxArgs, ReviewCmd};
use crate::domain::model::ScoreBook;
use crate::domain::review::ReviewState;
use crate::domain::text::sanitize;
use crate::exchange::keys::{Identity, TrustedKeys, keys_dir};
use crate::exchange::review::{self as rv, Decided, Pick};
use crate::exchange::{inbox, report::Progress};
use crate::store::lock::{self, LockGuard};
use crate::store::{ItemStatus, ROLE_CENTRAL, ROLE_KEY, Store};

/// The central database named with --db: never the workstation's own by default.
pub fn central_db(db: Option<PathBuf>) -> Result<PathBuf> {
    db.ok_or_else(|| {
        anyhow!("name the central database with --db CENTRAL.db (or PATUH_DB): review decisions are made there")
    })
}

/// The lock of a command changing a central database (waiting for another such
/// command, saying so once), then the database, which must be a central one.
pub fn open_central_to_change(db: &Path, command: &str) -> Result<(Store, LockGuard)> {
    let guard = lock::central(db, command, |h| {
        eprintln!(
            "waiting: {} is in use by {h}; this command goes on when it is done",
            db.display()
        )
    })?;
    let store = Store::open(db)?;
    rv::require_central(&store)?;
    Ok((store, guard))
}

/// Runs `patuh review ...` (a subcommand; without one, `ui` opens the reviewer's
/// workstation).
pub fn run(
    db: Option<PathBuf>,
    cmd: Option<ReviewCmd>,
    ui: Option<super::Workstation>,
) -> Result<()> {
    let db = central_db(db)?;
    let Some(cmd) = cmd else {
        let store = open(&db)?;
        rv::require_central(&store)?;
        drop(store);
        return match ui {
            Some(ui) => ui(&db),
            None => Err(anyhow!(
                "this build of patuh has no reviewer's workstation; use the review commands (`patuh review --help`)"
            )),
        };
    };
    match cmd {
        ReviewCmd::Approve { path } => {
            let (mut store, _lock) = open_central_to_change(&db, "review approve")?;
            match rv::approve(&mut store, &path)? {
                Decided::Changed(_) => println!(
                    "Approved {}: it counts in `patuh report --approved-only`; recorded in the central log",
                    sanitize(&path)
                ),
                Decided::Unchanged(_) => {
                    println!("{} is approved already; nothing changed", sanitize(&path))
                }
            }
            Ok(())
        }
        ReviewCmd::Return {
            path,
            indicator,
            comment,
        } => {
            let (mut store, _lock) = open_central_to_change(&db, "review return")?;
            let d = rv::return_node(&mut store, &path, indicator.as_deref(), &comment)?;
            let n = match d {
                Decided::Changed(r) => r.comments.len(),
                Decided::Unchanged(_) => 0,
            };
            println!(
                "Returned {}{} with the comment; {n} comment(s) on it now. Write the assessor's file with \
                 `patuh --db {} review send --assessor ID --out FILE`",
                sanitize(&path),
                indicator
                    .as_deref()
                    .map(|i| format!(" ({})", sanitize(i)))
                    .unwrap_or_default(),
                db.display()
            );
            Ok(())
        }
        ReviewCmd::Resolve {
            path,
            indicator,
            take,
            value,
            reason,
        } => {
            let pick = match (take, value) {
                (Some(a), _) => Pick::Take(a),
                (None, Some(v)) => Pick::Value(v),
                (None, None) => return Err(anyhow!("give --take ASSESSOR or --value N")),
            };
            let (mut store, _lock) = open_central_to_change(&db, "review resolve")?;
            let (old, new) = rv::resolve(&mut store, &path, &indicator, &pick, &reason)?;
            let show = |s: &str| {
                if s.is_empty() {
                    "(unanswered)".to_string()
                } else {
                    s.to_string()
                }
            };
            println!(
                "Resolved {} {}: {} -> {} ({}); recorded in the central log, checked by `patuh check`",
                sanitize(&path),
                sanitize(&indicator),
                show(&old),
                show(&new),
                match &pick {
                    Pick::Take(a) => format!("the value of assessor {}", sanitize(a)),
                    Pick::Value(_) => "the value entered".into(),
                }
            );
            Ok(())
        }
        ReviewCmd::List { state, json } => list(&db, state.as_deref(), json),
        ReviewCmd::Flags {
            path,
            min_seconds,
            json,
        } => flags(&db, path.as_deref(), min_seconds, json),
        ReviewCmd::Send { assessor, out } => {
            let identity = Identity::load(&keys_dir()?).map_err(|e| {
                anyhow!(
                    "{e}\n(the return file is signed with the central office's key: on this machine, \
                     `patuh keys init --name \"Kantor Pusat\" --id pusat` once, and give the assessors the \
                     line `patuh keys show --line` prints)"
                )
            })?;
            let (mut store, _lock) = open_central_to_change(&db, "review send")?;
            let s = rv::send(&mut store, &identity, &assessor, &out)?;
            println!(
                "Wrote {} for assessor {}: return file number {}, {} node(s) ({} returned, {} comment(s))",
                out.display(),
                sanitize(&assessor),
                s.seq,
                s.nodes,
                s.returned,
                s.comments
            );
            println!("  signed with key {}", s.fingerprint);
            println!("  payload sha256: {}", s.payload_sha256);
            println!(
                "The assessor applies it with `patuh inbox {} --trusted FILE`, FILE holding this office's line \
                 (`patuh keys show --line`)",
                out.display()
            );
            Ok(())
        }
    }
}

fn list(db: &Path, state: Option<&str>, as_json: bool) -> Result<()> {
    let store = open(db)?;
    rv::require_central(&store)?;
    let wanted = state.and_then(ReviewState::parse);
    let entries = store.review_overview()?;
    let ds = store.load()?;
    let book = ScoreBook::compute(&ds);
    let mut out = Vec::new();
    for e in entries {
        if wanted.is_some_and(|w| w != e.state) {
            continue;
        }
        let summary = ds.find_node(&e.path).map(|n| book.summary(&ds, n));
        let conflict = if e.level == crate::domain::NodeLevel::Product {
            store.conflict_cells(e.node_id)?
        } else {
            Vec::new()
        };
        out.push((e, summary, conflict));
    }
    if as_json {
        let list: Vec<_> = out
            .iter()
            .map(|(e, s, conflict)| {
                json!({
                    "path": e.path,
                    "state": e.state.code(),
                    "assessor": e.assessors.first().cloned().unwrap_or_default(),
                    "assessors": e.assessors,
                    "level": rv::level_word(e.level),
                    "answered": s.as_ref().map(|s| s.answered),
                    "total": s.as_ref().map(|s| s.total),
                    "progress": s.as_ref().map(|s| Progress::of(s).code()),
                    "conflicts": conflict,
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(());
    }
    if out.is_empty() {
        println!(
            "Nothing to review in {}{}",
            db.display(),
            state.map(|s| format!(" in state {s}")).unwrap_or_default()
        );
        return Ok(());
    }
    println!(
        "{:<34} {:<12} {:<20} {:>9}  conflicts",
        "path", "state", "assessor", "answered"
    );
    for (e, s, conflict) in &out {
        println!(
            "{:<34} {:<12} {:<20} {:>9}  {}",
            sanitize(&e.path),
            e.state.code(),
            sanitize(&e.assessors.join(",")),
            s.as_ref()
                .map(|s| format!("{}/{}", s.answered, s.total))
                .unwrap_or_default(),
            sanitize(&conflict.join(", "))
        );
    }
    Ok(())
}

fn flags(db: &Path, path: Option<&str>, min_seconds: u32, as_json: bool) -> Result<()> {
    let store = open(db)?;
    rv::require_central(&store)?;
    if let Some(p) = path {
        store.node(p)?;
    }
    let flags = crate::exchange::flags::central_flags(&store, path, min_seconds)?;
    if as_json {
        let list: Vec<_> = flags
            .iter()
            .map(|f| {
                json!({"path": f.path, "assessor": f.assessor, "flag": f.flag.code(),
                       "explanation": f.flag.explain()})
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(());
    }
    if flags.is_empty() {
        println!(
            "No flags (fast: under {min_seconds} s per indicator; same answers of every respondent; \
             values changed after finalization)"
        );
        return Ok(());
    }
    println!("Flags that deserve a look (never a rejection: read them, then decide):");
    for f in &flags {
        println!(
            "  {} ({}): {}",
            sanitize(&f.path),
            sanitize(&f.assessor),
            f.flag.explain()
        );
    }
    Ok(())
}

/// `patuh central revoke KEY-ID --reason TEXT`.
pub fn revoke(db: Option<PathBuf>, key_id: &str, reason: &str) -> Result<()> {
    let db = central_db(db)?;
    let (mut store, _lock) = open_central_to_change(&db, "central revoke")?;
    let r = rv::revoke(&mut store, key_id, reason)?;
    if !r.new {
        println!("Key {} was revoked already; nothing changed", r.fingerprint);
        return Ok(());
    }
    println!(
        "Revoked key {}{}: files signed by it are refused from now on; the reports mark what was merged from it",
        r.fingerprint,
        if r.assessors.is_empty() {
            String::new()
        } else {
            format!(" (assessor {})", sanitize(&r.assessors.join(", ")))
        }
    );
    Ok(())
}

/// `patuh inbox [FILE] [--trusted KEYS] [--confirm PATH [INDICATOR]] [--json]`.
pub fn inbox_cmd(db: &Path, args: &InboxArgs) -> Result<()> {
    if is_central(&open(db)?)? {
        return Err(anyhow!(
            "{}: a central database; return files are applied on the assessor's workstation \
             (`patuh --db WORKSTATION.db inbox FILE`)",
            db.display()
        ));
    }
    if let Some(c) = &args.confirm {
        let path = c.first().cloned().unwrap_or_default();
        let indicator = c.get(1).map(String::as_str);
        let (mut store, _lock) = open_to_change(db)?;
        if store.confirm_returned(&path, indicator)? {
            println!(
                "Confirmed {}{} as it is; recorded in the audit log (it goes to the central office with your next export)",
                sanitize(&path),
                indicator
                    .map(|i| format!(" {}", sanitize(i)))
                    .unwrap_or_default()
            );
            return Ok(());
        }
        return Err(anyhow!(
            "{}{} is not an open returned item of the last return file applied here; see them with `patuh inbox`",
            sanitize(&path),
            indicator
                .map(|i| format!(" {}", sanitize(i)))
                .unwrap_or_default()
        ));
    }
    if let Some(file) = &args.file {
        let bytes = inbox::read(file)?;
        let trusted = args.trusted.as_deref().map(TrustedKeys::load).transpose()?;
        let me = Identity::load(&keys_dir()?)?;
        let (mut store, _lock) = open_to_change(db)?;
        let (checked, applied) = inbox::apply(
            &bytes,
            &file.display().to_string(),
            &mut store,
            &me.id,
            trusted.as_ref(),
        )
        .map_err(|e| anyhow!("{}: refused: {e}", file.display()))?;
        match applied {
            inbox::Applied::Already { applied_at } => println!(
                "{}: applied already at {}; nothing changed",
                file.display(),
                sanitize(&applied_at)
            ),
            inbox::Applied::New { nodes, items } => println!(
                "{}: applied return file number {} of {} (key {}, sent {}): {nodes} node(s), {items} returned item(s)",
                file.display(),
                checked.payload.seq,
                sanitize(&checked.payload.central.name),
                checked.fingerprint,
                sanitize(&checked.payload.sent_at)
            ),
        }
        drop(store);
        return print_items(&open(db)?, args.json);
    }
    print_items(&open(db)?, args.json)
}

fn print_items(store: &Store, as_json: bool) -> Result<()> {
    let items = store.returned_items()?;
    if as_json {
        let list: Vec<_> = items
            .iter()
            .map(|i| {
                json!({"path": i.path, "indicator": i.indicator, "comment": i.comment,
                       "status": i.status.code()})
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(());
    }
    if items.is_empty() {
        println!(
            "Nothing returned by the central office (no return file applied, or nothing returned in it)"
        );
        return Ok(());
    }
    let open = items
        .iter()
        .filter(|i| i.status == ItemStatus::Open)
        .count();
    println!(
        "Returned by the central office: {} item(s), {open} open (change the indicator, or confirm it as it is: \
         `patuh inbox --confirm PATH [INDICATOR]`)",
        items.len()
    );
    for i in &items {
        println!(
            "  [{}] {}{}: {}",
            i.status.code(),
            sanitize(&i.path),
            i.indicator
                .as_deref()
                .map(|x| format!(" {}", sanitize(x)))
                .unwrap_or_default(),
            sanitize(&i.comment).replace('\n', " ")
        );
    }
    Ok(())
}

fn is_central(store: &Store) -> Result<bool> {
    Ok(store.meta(ROLE_KEY)?.as_deref() == Some(ROLE_CENTRAL))
}

/// A node's review as `show --json` prints it: `{"state", "comments": [{"indicator",
/// "comment"}]}` (on a workstation each comment with its `status` too; on a central
/// database, once decided, when and by whom, and the conflicts resolved).
pub fn review_json(store: &Store, path: &str) -> Result<serde_json::Value> {
    if is_central(store)? {
        let node = store.node(path)?;
        let r = store.node_review(&node)?;
        let comments: Vec<_> = r
            .comments
            .iter()
            .map(|(i, c)| json!({"indicator": (!i.is_empty()).then_some(i), "comment": c}))
            .collect();
        let resolutions: Vec<_> = store
            .resolutions(node.db_id)?
            .iter()
            .map(|x| {
                json!({"indicator": x.indicator, "take": x.take, "value": x.value,
                       "reason": x.reason, "at": x.at, "by": x.by})
            })
            .collect();
        // The same object as a workstation's while nothing was decided: `show --json`
        // of a product reads alike on both sides.
        let mut out = json!({"state": r.state.code(), "comments": comments});
        if let (Some(at), Some(by)) = (r.decided_at, r.decided_by) {
            out["decided_at"] = json!(at);
            out["decided_by"] = json!(by);
        }
        if !resolutions.is_empty() {
            out["resolutions"] = json!(resolutions);
        }
        return Ok(out);
    }
    let state = rv::state_of(&store.review_states()?, path);
    let comments: Vec<_> = store
        .returned_items()?
        .into_iter()
        .filter(|i| i.path == path)
        .map(|i| json!({"indicator": i.indicator, "comment": i.comment, "status": i.status.code()}))
        .collect();
    Ok(json!({"state": state.code(), "comments": comments}))
}

/// The lines `show` prints about a node's review (none when nothing was decided).
pub fn review_lines(store: &Store, path: &str) -> Result<Vec<String>> {
    let j = review_json(store, path)?;
    let state = j["state"].as_str().unwrap_or("unreviewed");
    let comments = j["comments"].as_array().cloned().unwrap_or_default();
    if state == "unreviewed" && comments.is_empty() {
        return Ok(Vec::new());
    }
    let mut lines = vec![format!("  review: {state}")];
    for c in comments {
        lines.push(format!(
            "    {}{}: {}",
            c["status"]
                .as_str()
                .map(|s| format!("[{s}] "))
                .unwrap_or_default(),
            c["indicator"]
                .as_str()
                .map(|s| sanitize(s).into_owned())
                .unwrap_or_else(|| "(the whole)".into()),
            sanitize(c["comment"].as_str().unwrap_or_default()).replace('\n', " ")
        ));
    }
    Ok(lines)
}

/// `patuh log PATH` on a central database: the review decisions on PATH (and under
/// it) from the central log, with the chain's status, and the history each assessor's
/// merged export files carry for it (their audit rows).
pub fn central_log(
    store: &Store,
    path: &str,
    indicator: Option<&str>,
    as_json: bool,
) -> Result<()> {
    let node = store.node(path)?;
    if let Some(i) = indicator {
        let instrument = store.node_instrument(&node)?;
        if instrument.indicator_index(i).is_none() {
            return Err(anyhow!(
                "instrument {} has no indicator {i:?}; see the ids with `patuh show {path}`",
                instrument.id
            ));
        }
    }
    let problems = store.central_log_problems()?;
    let decisions: Vec<_> = store
        .review_log(path)?
        .into_iter()
        .filter(|r| {
            indicator.is_none_or(|i| {
                let d: serde_json::Value = serde_json::from_str(&r.detail).unwrap_or_default();
                d["indicator"].as_str().is_none_or(|x| x == i)
            })
        })
        .collect();
    // The merged history: each assessor's current file's audit rows for the node.
    let under = format!("{path}/");
    let mut merged = Vec::new();
    store.each_result_file(|assessor, paths, version, payload| -> Result<()> {
        if !paths.iter().any(|p| p == path || p.starts_with(&under)) {
            return Ok(());
        }
        let payload = crate::exchange::bundle2::payload_of(version, &payload)?;
        for e in &payload.audit {
            let Some(c) = &e.content else { continue };
            let on = c.path == path || c.path.starts_with(&under);
            let ind_ok = indicator.is_none_or(|i| c.indicator.as_deref().is_none_or(|x| x == i));
            if on && ind_ok {
                merged.push((assessor.to_string(), e.seq, c.clone()));
            }
        }
        Ok(())
    })?;
    if as_json {
        let review: Vec<_> = decisions
            .iter()
            .map(|r| {
                json!({"seq": r.seq, "at": r.at, "action": r.action, "path": r.subject,
                       "detail": serde_json::from_str::<serde_json::Value>(&r.detail).unwrap_or_default()})
            })
            .collect();
        let entries: Vec<_> = merged
            .iter()
            .map(|(a, seq, c)| {
                json!({"assessor": a, "seq": seq, "at": c.at, "who": c.who, "path": c.path,
                       "indicator": c.indicator, "action": c.action, "old": c.old, "new": c.new})
            })
            .collect();
        let out = json!({
            "path": path,
            "indicator": indicator,
            "central": true,
            "chain": {"intact": problems.is_empty(), "problems": problems},
            "review": review,
            "entries": entries,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    println!(
        "{path}{}: {} review decision(s) in the central log of {}",
        indicator.map(|i| format!(" {i}")).unwrap_or_default(),
        decisions.len(),
        store.path().display()
    );
    if problems.is_empty() {
        println!("central log: intact");
    } else {
        println!("central log: BROKEN: {}; run `patuh check`", problems[0]);
    }
    for r in &decisions {
        let d: serde_json::Value = serde_json::from_str(&r.detail).unwrap_or_default();
        let what = match r.action.as_str() {
            crate::store::review::APPROVE => "approved".to_string(),
            crate::store::review::RETURN => format!(
                "returned{}: \"{}\"",
                d["indicator"]
                    .as_str()
                    .map(|i| format!(" ({})", sanitize(i)))
                    .unwrap_or_default(),
                sanitize(d["comment"].as_str().unwrap_or_default()).replace('\n', " ")
            ),
            crate::store::review::RESUBMIT => format!(
                "resubmitted by a merge of {}",
                sanitize(d["file"].as_str().unwrap_or_default())
            ),
            crate::store::review::RESOLVE => format!(
                "conflict on {} resolved: {:?} -> {:?} ({}), reason: \"{}\"",
                sanitize(d["indicator"].as_str().unwrap_or_default()),
                d["old"].as_str().unwrap_or_default(),
                d["new"].as_str().unwrap_or_default(),
                match d["take"].as_str() {
                    Some(a) => format!("assessor {}'s value", sanitize(a)),
                    None => "a value entered".into(),
                },
                sanitize(d["reason"].as_str().unwrap_or_default())
            ),
            other => sanitize(other).into_owned(),
        };
        println!(
            "  #{:<6} {}  {}  {} {}",
            r.seq,
            sanitize(&r.at),
            sanitize(d["by"].as_str().unwrap_or_default()),
            sanitize(&r.subject),
            what
        );
    }
    if !merged.is_empty() {
        println!(
            "history in the merged export files ({} row(s), each assessor's current file):",
            merged.len()
        );
        for (a, seq, c) in &merged {
            let row = crate::store::AuditRow {
                seq: *seq,
                at: c.at.clone(),
                who: c.who.clone(),
                path: c.path.clone(),
                indicator: c.indicator.clone(),
                action: c.action.clone(),
                old: c.old.clone(),
                new: c.new.clone(),
                prev_hash: String::new(),
                cycle: c.cycle.clone(),
                respondent: c.respondent.clone(),
            };
            println!(
                "  {} #{:<6} {}  {}  {} {}{}",
                sanitize(a),
                seq,
                sanitize(&c.at),
                sanitize(&c.who),
                sanitize(&c.path),
                c.indicator
                    .as_deref()
                    .map(|i| format!("{} ", sanitize(i)))
                    .unwrap_or_default(),
                super::history::describe(&row)
            );
        }
    }
    Ok(())
}
