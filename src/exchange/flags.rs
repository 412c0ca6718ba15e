//! Flags that deserve a look (issue 15, docs/review.md): paradata computed from the
//! audit rows the merged exports carry — a product filled in faster than N seconds per
//! indicator, every respondent of a node giving the same answers, values changed after
//! finalization — each explained in words for the reviewer, never an automatic
//! rejection.

use std::collections::{BTreeMap, BTreeSet};

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::Result;
use crate::domain::text::sanitize;
use crate::store::Store;

/// The default of `--min-seconds`: a product filled in faster than this per
/// indicator answered is flagged.
pub const MIN_SECONDS_PER_INDICATOR: u32 = 10;

/// One audit row as the flags read it: from an export's audit chain (the full rows of
/// its nodes). `respondent` is the respondent's uid on rows of interview answers
/// (export format 2); None on observation rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParaRow {
    pub seq: i64,
    pub at: String,
    pub path: String,
    pub indicator: Option<String>,
    pub action: String,
    pub old: Option<String>,
    pub new: Option<String>,
    pub respondent: Option<String>,
}

/// Something in how a node was filled in that deserves a look. Never a rejection: the
/// reviewer reads the explanation and decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Flag {
    /// Every answer given within `seconds`, under `limit` seconds per indicator.
    Fast {
        seconds: i64,
        indicators: usize,
        limit: u32,
    },
    /// Every respondent of the node gave the same answers.
    SameAnswers {
        respondents: usize,
        indicators: usize,
    },
    /// Values changed after the node was finalized (it was reopened).
    ChangedAfterFinal {
        finalized_at: String,
        reopened: Vec<(String, String)>,
        /// (indicator, old, new) of each value changed after the first finalization.
        changes: Vec<(String, String, String)>,
    },
}

impl Flag {
    /// A short code for scripts.
    pub fn code(&self) -> &'static str {
        match self {
            Flag::Fast { .. } => "fast",
            Flag::SameAnswers { .. } => "same_answers",
            Flag::ChangedAfterFinal { .. } => "changed_after_final",
        }
    }

    /// What the flag means, for the reviewer.
    pub fn explain(&self) -> String {
        let value = |s: &str| {
            if s.is_empty() {
                "(unanswered)".to_string()
            } else {
                sanitize(s).into_owned()
            }
        };
        match self {
            Flag::Fast {
                seconds,
                indicators,
                limit,
            } => format!(
                "filled in fast: {indicators} indicators answered within {seconds} s ({:.1} s each; \
                 the flag is under {limit} s per indicator): were they observed at the counter?",
                *seconds as f64 / *indicators as f64
            ),
            Flag::SameAnswers {
                respondents,
                indicators,
            } => format!(
                "all {respondents} respondents gave the same answers to all {indicators} indicators: \
                 were they asked one by one?"
            ),
            Flag::ChangedAfterFinal {
                finalized_at,
                reopened,
                changes,
            } => {
                let reasons: Vec<String> = reopened
                    .iter()
                    .map(|(at, why)| {
                        format!("reopened at {} (\"{}\")", sanitize(at), sanitize(why))
                    })
                    .collect();
                let list: Vec<String> = changes
                    .iter()
                    .map(|(i, o, n)| format!("{} {} -> {}", sanitize(i), value(o), value(n)))
                    .collect();
                format!(
                    "values changed after finalization: finalized at {}, {}; then {}",
                    sanitize(finalized_at),
                    reasons.join(", "),
                    list.join(", ")
                )
            }
        }
    }
}

fn seconds_between(a: &str, b: &str) -> Option<i64> {
    let a = OffsetDateTime::parse(a, &Rfc3339).ok()?;
    let b = OffsetDateTime::parse(b, &Rfc3339).ok()?;
    Some((b - a).whole_seconds())
}

/// At least this many indicators answered before speed is judged: one or two quick
/// answers say nothing.
const FAST_MIN_INDICATORS: usize = 3;

/// The flags of every node the rows speak of, by path (rows in the order logged).
/// `min_seconds`: a node answered faster than this per indicator is flagged.
pub fn flags_of(rows: &[ParaRow], min_seconds: u32) -> BTreeMap<String, Vec<Flag>> {
    let mut by_path: BTreeMap<&str, Vec<&ParaRow>> = BTreeMap::new();
    for r in rows {
        by_path.entry(&r.path).or_default().push(r);
    }
    let mut out: BTreeMap<String, Vec<Flag>> = BTreeMap::new();
    for (path, rows) in by_path {
        let mut flags = Vec::new();
        // Fast: the answers (value rows giving a value or N/A) of the node.
        let answers: Vec<&&ParaRow> = rows
            .iter()
            .filter(|r| r.action == "value" && r.new.as_deref().is_some_and(|n| !n.is_empty()))
            .collect();
        let indicators: BTreeSet<(&Option<String>, &Option<String>)> = answers
            .iter()
            .map(|r| (&r.indicator, &r.respondent))
            .collect();
        if indicators.len() >= FAST_MIN_INDICATORS
            && let (Some(first), Some(last)) = (answers.first(), answers.last())
            && let Some(seconds) = seconds_between(&first.at, &last.at)
            && seconds < i64::from(min_seconds) * indicators.len() as i64
        {
            flags.push(Flag::Fast {
                seconds: seconds.max(0),
                indicators: indicators.len(),
                limit: min_seconds,
            });
        }
        // Same answers: the last answer of each respondent to each indicator.
        let mut by_respondent: BTreeMap<&str, BTreeMap<&str, &str>> = BTreeMap::new();
        for r in &rows {
            if r.action != "value" {
                continue;
            }
            if let (Some(who), Some(ind)) = (&r.respondent, &r.indicator) {
                by_respondent
                    .entry(who)
                    .or_default()
                    .insert(ind, r.new.as_deref().unwrap_or(""));
            }
        }
        by_respondent
            .values_mut()
            .for_each(|m| m.retain(|_, v| !v.is_empty()));
        let answered: Vec<&BTreeMap<&str, &str>> =
            by_respondent.values().filter(|m| !m.is_empty()).collect();
        if answered.len() >= 2 && answered.windows(2).all(|w| w[0] == w[1]) {
            flags.push(Flag::SameAnswers {
                respondents: answered.len(),
                indicators: answered[0].len(),
            });
        }
        // Changed after finalization.
        let mut finalized_at: Option<&str> = None;
        let mut reopened = Vec::new();
        let mut changes = Vec::new();
        for r in &rows {
            match r.action.as_str() {
                "finalize" if finalized_at.is_none() => finalized_at = Some(&r.at),
                "reopen" if finalized_at.is_some() => {
                    reopened.push((r.at.clone(), r.new.clone().unwrap_or_default()))
                }
                "value" if finalized_at.is_some() => changes.push((
                    r.indicator.clone().unwrap_or_default(),
                    r.old.clone().unwrap_or_default(),
                    r.new.clone().unwrap_or_default(),
                )),
                _ => {}
            }
        }
        if let Some(at) = finalized_at
            && !changes.is_empty()
        {
            flags.push(Flag::ChangedAfterFinal {
                finalized_at: at.to_string(),
                reopened,
                changes,
            });
        }
        if !flags.is_empty() {
            out.insert(path.to_string(), flags);
        }
    }
    out
}

/// A flag of one assessor's result for one node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagEntry {
    pub path: String,
    pub assessor: String,
    pub flag: Flag,
}

/// The flags of the results a central database holds (each assessor's current result
/// of each node in the current cycle), from the audit rows of the export files they
/// came from; only of `path` (and what is under it) when given.
pub fn central_flags(
    store: &Store,
    path: Option<&str>,
    min_seconds: u32,
) -> Result<Vec<FlagEntry>> {
    let mut out = Vec::new();
    let under = path.map(|p| format!("{p}/"));
    let wanted = |p: &str| match (path, &under) {
        (Some(x), Some(u)) => p == x || p.starts_with(u.as_str()),
        _ => true,
    };
    store.each_result_file(|assessor, paths, version, payload| -> Result<()> {
        if !paths.iter().any(|p| wanted(p)) {
            return Ok(());
        }
        let payload = super::bundle2::payload_of(version, &payload)?;
        let rows: Vec<ParaRow> = payload
            .audit
            .iter()
            .filter_map(|e| {
                let c = e.content.as_ref()?;
                (paths.contains(&c.path) && wanted(&c.path)).then(|| ParaRow {
                    seq: e.seq,
                    at: c.at.clone(),
                    path: c.path.clone(),
                    indicator: c.indicator.clone(),
                    action: c.action.clone(),
                    old: c.old.clone(),
                    new: c.new.clone(),
                    // The respondent's uid (format 2): answers of different
                    // respondents are compared for "same answers".
                    respondent: c.respondent.clone(),
                })
            })
            .collect();
        for (p, flags) in flags_of(&rows, min_seconds) {
            for flag in flags {
                out.push(FlagEntry {
                    path: p.clone(),
                    assessor: assessor.to_string(),
                    flag,
                });
            }
        }
        Ok(())
    })?;
    out.sort_by(|a, b| (&a.path, &a.assessor).cmp(&(&b.path, &b.assessor)));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(
        seq: i64,
        at: &str,
        path: &str,
        ind: &str,
        action: &str,
        old: &str,
        new: &str,
    ) -> ParaRow {
        ParaRow {
            seq,
            at: at.into(),
            path: path.into(),
            indicator: (!ind.is_empty()).then(|| ind.to_string()),
            action: action.into(),
            old: Some(old.into()),
            new: Some(new.into()),
            respondent: None,
        }
    }

    const P: &str = "81/DPMPTSP/NIB";

    #[test]
    fn a_product_filled_in_too_fast_is_flagged_and_explained() {
        // Five indicators within 20 s: 4 s each, under 10.
        let rows: Vec<ParaRow> = (0..5)
            .map(|i| {
                row(
                    i + 1,
                    &format!("2025-03-01T08:00:{:02}Z", i * 5),
                    P,
                    &format!("ind{i}"),
                    "value",
                    "",
                    "1",
                )
            })
            .collect();
        let flags = flags_of(&rows, 10);
        let f = &flags[P];
        assert_eq!(
            f,
            &[Flag::Fast {
                seconds: 20,
                indicators: 5,
                limit: 10
            }]
        );
        assert!(
            f[0].explain()
                .contains("5 indicators answered within 20 s (4.0 s each")
        );
        // At 4 s per indicator a limit of 4 does not flag it; neither does a slow fill.
        assert!(flags_of(&rows, 4).is_empty());
        let slow: Vec<ParaRow> = (0..5)
            .map(|i| {
                row(
                    i + 1,
                    &format!("2025-03-01T08:{:02}:00Z", i * 2),
                    P,
                    &format!("ind{i}"),
                    "value",
                    "",
                    "1",
                )
            })
            .collect();
        assert!(flags_of(&slow, 10).is_empty());
        // Two quick answers say nothing; notes and clearing do not count as answers.
        let few = vec![
            row(1, "2025-03-01T08:00:00Z", P, "a", "value", "", "1"),
            row(2, "2025-03-01T08:00:01Z", P, "b", "value", "", "0"),
            row(3, "2025-03-01T08:00:02Z", P, "c", "note", "", "x"),
            row(4, "2025-03-01T08:00:03Z", P, "a", "value", "1", ""),
        ];
        assert!(flags_of(&few, 10).is_empty());
    }

    #[test]
    fn respondents_giving_the_same_answers_are_flagged() {
        let answer = |seq: i64, who: &str, ind: &str, v: &str| ParaRow {
            respondent: Some(who.into()),
            ..row(
                seq,
                &format!("2025-03-01T0{}:00:00Z", seq % 10),
                "81/DPMPTSP",
                ind,
                "value",
                "",
                v,
            )
        };
        let same = vec![
            answer(1, "r1", "ramah", "3"),
            answer(2, "r1", "cepat", "2"),
            answer(3, "r2", "ramah", "3"),
            answer(4, "r2", "cepat", "1"),
            answer(5, "r2", "cepat", "2"), // corrected to r1's answer
            answer(6, "r3", "cepat", "2"),
            answer(7, "r3", "ramah", "3"),
        ];
        let flags = flags_of(&same, 0);
        assert_eq!(
            flags["81/DPMPTSP"],
            [Flag::SameAnswers {
                respondents: 3,
                indicators: 2
            }]
        );
        assert!(
            flags["81/DPMPTSP"][0]
                .explain()
                .contains("all 3 respondents")
        );
        let mut differ = same.clone();
        differ.push(answer(8, "r3", "ramah", "2"));
        assert!(flags_of(&differ, 0).is_empty());
        // One respondent, or rows without respondents (observations): nothing to compare.
        assert!(flags_of(&same[..2], 0).is_empty());
        let observations: Vec<ParaRow> = same
            .iter()
            .map(|r| ParaRow {
                respondent: None,
                ..r.clone()
            })
            .collect();
        assert!(flags_of(&observations, 0).is_empty());
    }

    #[test]
    fn values_changed_after_finalization_are_flagged_with_the_reason() {
        let rows = vec![
            row(1, "2025-03-01T08:00:00Z", P, "biaya", "value", "", "1"),
            row(2, "2025-03-01T09:00:00Z", P, "", "finalize", "", ""),
            row(
                3,
                "2025-03-02T08:00:00Z",
                P,
                "",
                "reopen",
                "",
                "salah ketik",
            ),
            row(4, "2025-03-02T08:01:00Z", P, "biaya", "value", "1", "0"),
            row(5, "2025-03-02T08:02:00Z", P, "biaya", "note", "", "ralat"),
            row(6, "2025-03-02T08:03:00Z", P, "", "finalize", "", ""),
        ];
        let flags = flags_of(&rows, 0);
        let Flag::ChangedAfterFinal {
            finalized_at,
            reopened,
            changes,
        } = &flags[P][0]
        else {
            panic!("{flags:?}");
        };
        assert_eq!(finalized_at, "2025-03-01T09:00:00Z");
        assert_eq!(reopened[0].1, "salah ketik");
        assert_eq!(changes, &[("biaya".into(), "1".into(), "0".into())]);
        let text = flags[P][0].explain();
        assert!(text.contains("biaya 1 -> 0"), "{text}");
        assert!(text.contains("\"salah ketik\""), "{text}");
        // Finalized, reopened and finalized again without a change: no flag.
        let unchanged: Vec<ParaRow> = rows.iter().filter(|r| r.seq != 4).cloned().collect();
        assert!(flags_of(&unchanged, 0).is_empty());
    }
}
