//! The review side of `check` on a central database (schema 0008): the review tables
//! hold exactly what the review rows of the central log say, replayed in order (the
//! states by `crate::domain::review`), and every resolved cell of `observation` holds
//! its resolution.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::Connection;

use super::central_log::{self, LogRow};
use super::review::{
    APPROVE, CHOSEN_ASSESSOR, RESOLVE, RESUBMIT, RETURN, REVOKE, SEND, node_path_sql,
};
use super::{Result, Store};
use crate::domain::review::{Decision, NodeReview, ReviewState, level_of_code};
use crate::domain::text::sanitize;

/// (cycle, level, path, indicator): a comment's key in [`Replayed`].
type CommentKey = (String, i64, String, String);
/// (take, value, reason, at, by): a resolution in [`Replayed`].
type ResolutionRow = (Option<String>, Option<i64>, String, String, String);

/// What the review rows of the central log say the review tables hold.
#[derive(Debug, Default, PartialEq, Eq)]
struct Replayed {
    /// (cycle, level, path) -> (state, decided_at, decided_by).
    states: BTreeMap<(String, i64, String), (String, String, String)>,
    /// (cycle, level, path, indicator) -> (comment, at, by).
    comments: BTreeMap<CommentKey, (String, String, String)>,
    /// (cycle, path, indicator) -> (take, value, reason, at, by).
    resolutions: BTreeMap<(String, String, String), ResolutionRow>,
    /// public key -> (fingerprint, reason, at, by).
    revoked: BTreeMap<String, (String, String, String, String)>,
    /// (assessor, seq) -> (at, sha256, file).
    sent: BTreeMap<(String, i64), (String, String, String)>,
}

/// Replays the review rows of the central log; a row that does not follow from the
/// ones before is named.
fn replay(rows: &[(LogRow, String)]) -> std::result::Result<Replayed, String> {
    let mut out = Replayed::default();
    let mut nodes: BTreeMap<(String, i64, String), NodeReview> = BTreeMap::new();
    for (row, _) in rows {
        let bad = |why: &str| {
            format!(
                "central log row {} ({} {}): {why}: the log was edited outside patuh",
                row.seq,
                row.action,
                sanitize(&row.subject)
            )
        };
        let review_action = matches!(row.action.as_str(), APPROVE | RETURN | RESUBMIT | RESOLVE);
        if !review_action && !matches!(row.action.as_str(), REVOKE | SEND) {
            continue;
        }
        let d: serde_json::Value =
            serde_json::from_str(&row.detail).map_err(|_| bad("its detail is not JSON"))?;
        let text = |k: &str| d.get(k).and_then(|v| v.as_str()).map(str::to_string);
        let by = text("by").unwrap_or_default();
        match row.action.as_str() {
            REVOKE => {
                out.revoked.insert(
                    row.subject.clone(),
                    (
                        text("fingerprint").unwrap_or_default(),
                        text("reason").unwrap_or_default(),
                        row.at.clone(),
                        by,
                    ),
                );
                continue;
            }
            SEND => {
                let seq = d.get("seq").and_then(|v| v.as_i64()).unwrap_or_default();
                out.sent.insert(
                    (row.subject.clone(), seq),
                    (
                        row.at.clone(),
                        row.sha256.clone(),
                        text("file").unwrap_or_default(),
                    ),
                );
                continue;
            }
            _ => {}
        }
        let cycle = text("cycle").ok_or_else(|| bad("it names no cycle"))?;
        let level = d
            .get("level")
            .and_then(|v| v.as_i64())
            .filter(|l| level_of_code(*l).is_some())
            .ok_or_else(|| bad("it names no level"))?;
        let key = (cycle.clone(), level, row.subject.clone());
        if row.action == RESOLVE {
            let indicator = text("indicator").ok_or_else(|| bad("it names no indicator"))?;
            out.resolutions.insert(
                (cycle, row.subject.clone(), indicator),
                (
                    text("take"),
                    d.get("value").and_then(|v| v.as_i64()),
                    text("reason").unwrap_or_default(),
                    row.at.clone(),
                    by,
                ),
            );
            continue;
        }
        let decision = match row.action.as_str() {
            APPROVE => Decision::Approve,
            RETURN => Decision::Return {
                indicator: text("indicator"),
                comment: text("comment").ok_or_else(|| bad("it holds no comment"))?,
            },
            _ => Decision::Resubmit,
        };
        let node = nodes.entry(key.clone()).or_default();
        let before = node.state();
        node.apply(&decision)
            .map_err(|_| bad("it does not follow from the decisions before it"))?;
        out.states.insert(
            key.clone(),
            (node.state().code().into(), row.at.clone(), by.clone()),
        );
        // The comments as the tables keep them: each with the return that wrote it.
        let clear = match &decision {
            Decision::Approve => true,
            Decision::Return { .. } => before != ReviewState::Returned,
            Decision::Resubmit => false,
        };
        let (c, l, p) = key;
        if clear {
            out.comments
                .retain(|(kc, kl, kp, _), _| !(*kc == c && *kl == l && *kp == p));
        }
        if let Decision::Return { indicator, comment } = decision {
            out.comments.insert(
                (c, l, p, indicator.unwrap_or_default()),
                (comment, row.at.clone(), by),
            );
        }
    }
    Ok(out)
}

/// What the review tables hold, in the replay's terms.
fn held(conn: &Connection) -> rusqlite::Result<Replayed> {
    let mut out = Replayed::default();
    let sql = format!(
        "SELECT c.code, r.level, {}, r.state, r.decided_at, r.decided_by
         FROM review r JOIN cycle c ON c.id = r.cycle_id",
        node_path_sql("r")
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map([], |r| {
        Ok((
            (
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, Option<String>>(2)?,
            ),
            (r.get(3)?, r.get(4)?, r.get(5)?),
        ))
    })?;
    for row in rows {
        let ((c, l, p), v) = row?;
        out.states.insert((c, l, p.unwrap_or_default()), v);
    }
    let sql = format!(
        "SELECT c.code, r.level, {}, r.indicator, r.comment, r.at, r.by
         FROM review_comment r JOIN cycle c ON c.id = r.cycle_id",
        node_path_sql("r")
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map([], |r| {
        Ok((
            (
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, String>(3)?,
            ),
            (r.get(4)?, r.get(5)?, r.get(6)?),
        ))
    })?;
    for row in rows {
        let ((c, l, p, i), v) = row?;
        out.comments.insert((c, l, p.unwrap_or_default(), i), v);
    }
    let sql = format!(
        "SELECT c.code, {}, r.indicator, r.take, r.value, r.reason, r.at, r.by
         FROM review_resolution r JOIN cycle c ON c.id = r.cycle_id",
        node_path_sql("r")
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map([], |r| {
        Ok((
            (
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, String>(2)?,
            ),
            (r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?),
        ))
    })?;
    for row in rows {
        let ((c, p, i), v) = row?;
        out.resolutions.insert((c, p.unwrap_or_default(), i), v);
    }
    let mut stmt = conn.prepare(
        "SELECT public_key, fingerprint, reason, revoked_at, revoked_by FROM revoked_key",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?),
        ))
    })?;
    for row in rows {
        let (k, v) = row?;
        out.revoked.insert(k, v);
    }
    let mut stmt = conn
        .prepare("SELECT assessor_id, seq, sent_at, payload_sha256, file_name FROM review_sent")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            (r.get::<_, String>(0)?, r.get::<_, i64>(1)?),
            (r.get(2)?, r.get(3)?, r.get(4)?),
        ))
    })?;
    for row in rows {
        let (k, v) = row?;
        out.sent.insert(k, v);
    }
    Ok(out)
}

/// The consolidated cells a resolution holds that do not hold its value: (path,
/// indicator). Checked here because `central::check_chosen` leaves resolved cells out.
fn resolved_cells_off(conn: &Connection) -> rusqlite::Result<Vec<(String, String)>> {
    let sql = format!(
        "WITH expected AS (
           SELECT r.node_id AS product_id, r.indicator, o.value, o.na, o.note, o.updated_at, o.updated_by
             FROM review_resolution r JOIN assessor_observation o
               ON o.product_id = r.node_id AND o.assessor_id = r.take AND o.indicator = r.indicator
             WHERE r.level = 3 AND r.take IS NOT NULL
               AND r.cycle_id = (SELECT id FROM cycle WHERE code = (SELECT value FROM meta WHERE key = 'cycle.current'))
           UNION ALL
           SELECT r.node_id, r.indicator, r.value, 0,
                  coalesce((SELECT o.note FROM assessor_observation o WHERE o.product_id = r.node_id
                            AND o.indicator = r.indicator AND o.assessor_id = ({chosen})), ''),
                  r.at, r.by
             FROM review_resolution r
             WHERE r.level = 3 AND r.take IS NULL
               AND r.cycle_id = (SELECT id FROM cycle WHERE code = (SELECT value FROM meta WHERE key = 'cycle.current'))),
         held AS (
           SELECT o.node_id AS product_id, o.indicator, o.value, o.na, o.note, o.updated_at, o.updated_by
             FROM answer o JOIN review_resolution r
               ON o.cycle_id = r.cycle_id AND o.level = 3 AND o.respondent = 0
              AND r.node_id = o.node_id AND r.indicator = o.indicator
             WHERE r.level = 3
               AND r.cycle_id = (SELECT id FROM cycle WHERE code = (SELECT value FROM meta WHERE key = 'cycle.current')))
         SELECT DISTINCT (SELECT a.code || '/' || u.code || '/' || p.code FROM product p
                          JOIN unit u ON u.id = p.unit_id JOIN agency a ON a.id = u.agency_id
                          WHERE p.id = x.product_id), x.indicator
         FROM (SELECT * FROM (SELECT * FROM held EXCEPT SELECT * FROM expected)
               UNION ALL SELECT * FROM (SELECT * FROM expected EXCEPT SELECT * FROM held)) x
         ORDER BY 1, 2 LIMIT 20",
        chosen = CHOSEN_ASSESSOR.replace("?1", "r.node_id")
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, Option<String>>(0)?.unwrap_or_default(),
            r.get(1)?,
        ))
    })?;
    rows.collect()
}

/// The review side of `check` on a central database: the review tables hold exactly
/// what the review rows of the central log say, in order; and every resolved cell of
/// `observation` holds its resolution. One line per problem.
pub(super) fn check(store: &Store) -> Result<Vec<String>> {
    let conn = &store.conn;
    let sql = |e| store.sql(e);
    let rows = central_log::rows(conn).map_err(sql)?;
    let expected = match replay(&rows) {
        Ok(r) => r,
        Err(line) => return Ok(vec![line]),
    };
    let held = held(conn).map_err(sql)?;
    let mut problems = Vec::new();
    let mut diff = |what: &str, a: Vec<String>, b: Vec<String>| {
        let a: BTreeSet<String> = a.into_iter().collect();
        let b: BTreeSet<String> = b.into_iter().collect();
        for x in a.difference(&b).take(10) {
            problems.push(format!(
                "the review tables hold {what} {} which the central log does not give: changed outside patuh",
                sanitize(x)
            ));
        }
        for x in b.difference(&a).take(10) {
            problems.push(format!(
                "the central log gives {what} {} which the review tables do not hold: changed outside patuh",
                sanitize(x)
            ));
        }
    };
    let lines = |r: &Replayed| -> [Vec<String>; 5] {
        [
            r.states
                .iter()
                .map(|(k, v)| format!("{k:?} {v:?}"))
                .collect(),
            r.comments
                .iter()
                .map(|(k, v)| format!("{k:?} {v:?}"))
                .collect(),
            r.resolutions
                .iter()
                .map(|(k, v)| format!("{k:?} {v:?}"))
                .collect(),
            r.revoked
                .iter()
                .map(|(k, v)| format!("{k:?} {v:?}"))
                .collect(),
            r.sent.iter().map(|(k, v)| format!("{k:?} {v:?}")).collect(),
        ]
    };
    let [hs, hc, hr, hk, hx] = lines(&held);
    let [es, ec, er, ek, ex] = lines(&expected);
    diff("the review state", hs, es);
    diff("the review comment", hc, ec);
    diff("the resolution", hr, er);
    diff("the revoked key", hk, ek);
    diff("the return file", hx, ex);
    for (path, indicator) in resolved_cells_off(conn).map_err(sql)? {
        problems.push(format!(
            "{} {}: the consolidated value is not the one its conflict was resolved to: changed outside patuh",
            sanitize(&path),
            sanitize(&indicator)
        ));
    }
    Ok(problems)
}
