//! The central database's results at every level (schema 0012): each assessor's result
//! of each node (agency, unit, product) in each cycle, with its answers, respondents,
//! evidence and follow-ups (`central_*`), and the consolidated node that `score`,
//! `show` and `report` read, chosen from them: the respondent-0 answers (observations,
//! data values, N/A, notes), evidence, finalization and follow-up register of the
//! chosen result (a finalized one before a draft, then the most recently exported, then
//! the lowest assessor id), and the union of every result's respondents by uid, each
//! with its answers. What to merge and why is decided in `src/exchange/merge.rs`;
//! `check` recomputes the consolidated nodes here ([`check_consolidated`]). A merge
//! chooses the nodes with one result in sets ([`CentralTx::choose_nodes`]: the same
//! rows and ids as node by node, in a few statements per run of nodes).

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use rusqlite::{Connection, OptionalExtension, params};

use super::nodes::level_code;
use super::{CentralTx, Result, Store, digest};
use crate::domain::instrument::NodeLevel;

/// One assessor's result for one node, as merged.
pub struct NodeResult<'a> {
    /// The cycle's code.
    pub cycle: &'a str,
    pub level: NodeLevel,
    pub node_id: i64,
    pub assessor_id: &'a str,
    pub assessor_name: &'a str,
    pub import_id: i64,
    pub exported_at: &'a str,
    /// How far the export's audit chain goes: among one assessor's exports, a longer
    /// chain is newer.
    pub chain: i64,
    pub payload_sha256: &'a str,
    pub finalized_at: Option<&'a str>,
    pub finalized_by: Option<&'a str>,
    /// As exported: 2 decimals.
    pub score: Option<String>,
    pub category: Option<&'a str>,
    pub zone: Option<&'a str>,
    /// An agency's follow-up register, closed.
    pub closed_at: Option<&'a str>,
    pub closed_by: Option<&'a str>,
}

/// An answer of a merged result (borrowed from the verified file).
pub struct NewAnswer<'a> {
    pub indicator: &'a str,
    /// The respondent's uid, `""` for none.
    pub respondent: &'a str,
    pub value: Option<u32>,
    pub amount: Option<&'a str>,
    pub source: Option<&'a str>,
    pub na: bool,
    /// Carried from the previous cycle, to be re-checked.
    pub carried: bool,
    pub note: &'a str,
    pub updated_at: &'a str,
    pub updated_by: &'a str,
}

/// A respondent of a merged result.
pub struct NewRespondent<'a> {
    pub uid: &'a str,
    pub role: &'a str,
    pub number: u32,
    pub label: &'a str,
    pub added_at: &'a str,
    pub added_by: &'a str,
    pub removed_at: Option<&'a str>,
    pub removed_by: Option<&'a str>,
    pub removed_reason: Option<&'a str>,
}

/// An evidence reference of a merged result.
pub struct NewEvidence<'a> {
    pub indicator: &'a str,
    pub reference: &'a str,
    pub size: Option<u64>,
    pub sha256: Option<&'a str>,
    pub added_at: &'a str,
    pub added_by: &'a str,
}

/// A follow-up item of a merged agency result.
pub struct NewFollowup<'a> {
    pub kind: &'a str,
    pub reference: &'a str,
    pub status: &'a str,
    pub updated_at: &'a str,
    pub updated_by: &'a str,
}

/// Everything of one result, to store it.
pub struct NewResult<'a, A, R, E, F> {
    pub result: NodeResult<'a>,
    pub answers: A,
    pub respondents: R,
    pub evidence: E,
    pub followups: F,
}

/// What choosing a node's result found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Choice {
    /// How many assessors have a result for the node.
    pub results: usize,
    /// Whether two of them hold different values for one observation or data cell
    /// (same indicator, no respondent): interview answers of different respondents
    /// never conflict, they are all kept.
    pub conflict: bool,
}

/// A respondent of the consolidated node with its answers (indicator, value, na,
/// note, updated_at, updated_by), as the tables hold it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Person {
    uid: String,
    role: String,
    number: i64,
    label: String,
    added_at: String,
    added_by: String,
    removed_at: Option<String>,
    removed_by: Option<String>,
    removed_reason: Option<String>,
    answers: BTreeSet<AnswerCell>,
}

/// (indicator, value, na, carried, note, updated_at, updated_by).
type AnswerCell = (String, Option<i64>, bool, bool, String, String, String);

/// A follow-up item (kind, ref, status, updated_at, updated_by).
type Item = (String, String, String, String, String);

/// What a consolidated node holds besides its respondent-0 answers, evidence and
/// finalization (checked in SQL): its respondents with their answers, and (an agency)
/// its follow-up register.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Consolidated {
    people: Vec<Person>,
    items: Vec<Item>,
    closed: Option<(String, String)>,
}

/// The cycle code's id in `cycle`.
fn cycle_id(conn: &Connection, code: &str) -> rusqlite::Result<Option<i64>> {
    conn.prepare_cached("SELECT id FROM cycle WHERE code = ?1")?
        .query_row([code], |r| r.get(0))
        .optional()
}

/// A result's assessor and, for an agency, when and by whom its follow-up register was
/// closed.
type Ranked = (String, Option<String>, Option<String>);

/// The results of a node, best first.
fn ranked(conn: &Connection, cycle: &str, level: i64, node: i64) -> rusqlite::Result<Vec<Ranked>> {
    conn.prepare_cached(
        "SELECT assessor_id, closed_at, closed_by FROM central_result
         WHERE cycle = ?1 AND level = ?2 AND node_id = ?3
         ORDER BY finalized_at IS NOT NULL DESC, exported_at DESC, assessor_id ASC",
    )?
    .query_map(params![cycle, level, node], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    })?
    .collect()
}

/// The consolidated node the results give: the union of their respondents by uid
/// (each as the best-ranked result holding it has it, with that result's answers),
/// numbered by role as the workstations numbered them where the numbers do not clash,
/// the others after the highest number of their role (in order of number, result and
/// uid: the same for any order of merging); the best result's follow-up register.
fn expected(
    conn: &Connection,
    cycle: &str,
    level: i64,
    node: i64,
) -> rusqlite::Result<Consolidated> {
    let ranked = ranked(conn, cycle, level, node)?;
    let Some((best, closed_at, closed_by)) = ranked.first().cloned() else {
        return Ok(Consolidated::default());
    };
    let rank: HashMap<&str, usize> = ranked
        .iter()
        .enumerate()
        .map(|(k, (a, _, _))| (a.as_str(), k))
        .collect();
    type Row = (
        String,
        String,
        String,
        i64,
        String,
        String,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<Row> = conn
        .prepare_cached(
            "SELECT assessor_id, uid, role, number, label, added_at, added_by, removed_at,
                    removed_by, removed_reason
             FROM central_respondent WHERE cycle = ?1 AND level = ?2 AND node_id = ?3",
        )?
        .query_map(params![cycle, level, node], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                r.get(8)?,
                r.get(9)?,
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    // Each uid from the best-ranked result holding it.
    let mut by_uid: BTreeMap<String, (usize, Row)> = BTreeMap::new();
    for row in rows {
        let k = rank.get(row.0.as_str()).copied().unwrap_or(usize::MAX);
        match by_uid.get(&row.1) {
            Some((held, _)) if *held <= k => {}
            _ => {
                by_uid.insert(row.1.clone(), (k, row));
            }
        }
    }
    let mut list: Vec<(usize, Row)> = by_uid.into_values().collect();
    list.sort_by(|(ka, a), (kb, b)| (&a.2, a.3, ka, &a.1).cmp(&(&b.2, b.3, kb, &b.1)));
    let mut used: HashSet<(String, i64)> = HashSet::new();
    let mut numbers = vec![0i64; list.len()];
    let mut deferred = Vec::new();
    for (k, (_, row)) in list.iter().enumerate() {
        if used.insert((row.2.clone(), row.3)) {
            numbers[k] = row.3;
        } else {
            deferred.push(k);
        }
    }
    for k in deferred {
        let role = &list[k].1.2;
        let next = used
            .iter()
            .filter(|(r, _)| r == role)
            .map(|(_, n)| *n)
            .max()
            .unwrap_or(0)
            + 1;
        used.insert((role.clone(), next));
        numbers[k] = next;
    }
    let mut answers = conn.prepare_cached(
        "SELECT indicator, value, na, carried, note, updated_at, updated_by FROM central_answer
         WHERE cycle = ?1 AND level = ?2 AND node_id = ?3 AND assessor_id = ?4 AND respondent = ?5",
    )?;
    let mut people = Vec::new();
    for (k, (_, row)) in list.into_iter().enumerate() {
        let cells: BTreeSet<AnswerCell> = answers
            .query_map(params![cycle, level, node, row.0, row.1], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        people.push(Person {
            uid: row.1,
            role: row.2,
            number: numbers[k],
            label: row.4,
            added_at: row.5,
            added_by: row.6,
            removed_at: row.7,
            removed_by: row.8,
            removed_reason: row.9,
            answers: cells,
        });
    }
    people.sort();
    let items = if level == 1 {
        conn.prepare_cached(
            "SELECT kind, ref, status, updated_at, updated_by FROM central_followup
             WHERE cycle = ?1 AND node_id = ?2 AND assessor_id = ?3 ORDER BY position",
        )?
        .query_map(params![cycle, node, best], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<rusqlite::Result<_>>()?
    } else {
        Vec::new()
    };
    Ok(Consolidated {
        people,
        items,
        closed: closed_at.zip(closed_by),
    })
}

/// What the tables hold of a consolidated node, in [`expected`]'s terms.
fn actual(
    conn: &Connection,
    cycle_id: i64,
    level: i64,
    node: i64,
) -> rusqlite::Result<Consolidated> {
    type Row = (
        i64,
        String,
        String,
        i64,
        String,
        String,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<Row> = conn
        .prepare_cached(
            "SELECT id, uid, role, number, label, added_at, added_by, removed_at, removed_by,
                    removed_reason
             FROM respondent WHERE cycle_id = ?1 AND level = ?2 AND node_id = ?3",
        )?
        .query_map(params![cycle_id, level, node], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                r.get(8)?,
                r.get(9)?,
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut answers = conn.prepare_cached(
        "SELECT indicator, value, na, carried, note, updated_at, updated_by FROM answer
         WHERE cycle_id = ?1 AND level = ?2 AND node_id = ?3 AND respondent = ?4",
    )?;
    let mut people = Vec::new();
    for row in rows {
        let cells: BTreeSet<AnswerCell> = answers
            .query_map(params![cycle_id, level, node, row.0], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        people.push(Person {
            uid: row.1,
            role: row.2,
            number: row.3,
            label: row.4,
            added_at: row.5,
            added_by: row.6,
            removed_at: row.7,
            removed_by: row.8,
            removed_reason: row.9,
            answers: cells,
        });
    }
    people.sort();
    let (items, closed) = if level == 1 {
        let items = conn
            .prepare_cached(
                "SELECT kind, ref, status, updated_at, updated_by FROM followup
                 WHERE cycle_id = ?1 AND agency_id = ?2 ORDER BY id",
            )?
            .query_map(params![cycle_id, node], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let closed = conn
            .prepare_cached(
                "SELECT closed_at, closed_by FROM followup_register
                 WHERE cycle_id = ?1 AND agency_id = ?2",
            )?
            .query_row(params![cycle_id, node], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        (items, closed)
    } else {
        (Vec::new(), None)
    };
    Ok(Consolidated {
        people,
        items,
        closed,
    })
}

thread_local! {
    /// Choose every node one by one ([`CentralTx::choose_node_by_node`]).
    static BY_NODE: Cell<bool> = const { Cell::new(false) };
    /// Nodes chosen in sets on this thread ([`CentralTx::nodes_chosen_in_sets`]).
    static IN_SETS: Cell<usize> = const { Cell::new(0) };
}

/// How many answers one statement of [`CentralTx::replace_node_result`] writes, largest
/// first: a product's 10-11 answers in two or three statements, a unit's 60 in six.
const ANSWER_CHUNKS: [usize; 4] = [32, 8, 2, 1];
/// The columns of a `central_answer` row written by a merge.
const ANSWER_COLUMNS: usize = 14;

/// The `INSERT` of [`ANSWER_CHUNKS`] rows of `central_answer`, one per size.
fn answer_insert_sql() -> &'static [String; ANSWER_CHUNKS.len()] {
    static SQL: std::sync::OnceLock<[String; ANSWER_CHUNKS.len()]> = std::sync::OnceLock::new();
    SQL.get_or_init(|| {
        ANSWER_CHUNKS.map(|rows| {
            let row = format!("({})", vec!["?"; ANSWER_COLUMNS].join(","));
            format!(
                "INSERT INTO central_answer (cycle, level, node_id, assessor_id, indicator, respondent, \
                 value, amount, source, na, note, updated_at, updated_by, carried) VALUES {}",
                vec![row; rows].join(",")
            )
        })
    })
}

impl CentralTx<'_> {
    /// The id of the cycle `code` in this database, made (with its kind, year and the
    /// cycle it follows) the first time a file of it is merged. Files arrive in any
    /// order: when the cycle it follows is not here yet, the link waits in `meta`
    /// (`cycle.follows.CODE` = the followed code) and is made when a file of that cycle
    /// is merged, so that the central `diff` finds the previous cycle as the
    /// workstation's does whatever the order of the merges.
    pub fn cycle_for(
        &mut self,
        code: &str,
        kind: &str,
        year: Option<i64>,
        follows: Option<&str>,
        now: &str,
    ) -> Result<i64> {
        let held: Option<(i64, String, Option<i64>)> = self.query(
            "SELECT id, kind, follows FROM cycle WHERE code = ?1",
            [code],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        if let Some((id, held_kind, held_follows)) = held {
            if held_kind != kind {
                return Err(super::StoreError::Refused(format!(
                    "the file's cycle {code} is a {kind} cycle, but cycle {code} of this central database \
                     is a {held_kind} one; nothing of this file was merged. One code names one cycle: \
                     ask the assessor which cycle the work belongs to"
                )));
            }
            if held_follows.is_none()
                && let Some(f) = follows
            {
                self.link_follows(id, code, f)?;
            }
            return Ok(id);
        }
        self.exec(
            "INSERT INTO cycle (code, kind, year, follows, started_at) VALUES (?1, ?2, ?3, NULL, ?4)",
            params![code, kind, year, now],
        )?;
        let id = self.conn().last_insert_rowid();
        if let Some(f) = follows {
            self.link_follows(id, code, f)?;
        }
        // The cycles merged before this one that follow it.
        let waiting: Vec<(String, String)> = {
            let mut stmt = self
                .conn()
                .prepare_cached("SELECT key, substr(key, 15) FROM meta WHERE key GLOB 'cycle.follows.*' AND value = ?1")
                .map_err(|e| self.classify(e))?;
            let rows = stmt
                .query_map([code], |r| Ok((r.get(0)?, r.get(1)?)))
                .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
                .map_err(|e| self.classify(e));
            rows?
        };
        for (key, follower) in waiting {
            self.exec(
                "UPDATE cycle SET follows = ?1 WHERE code = ?2 AND follows IS NULL",
                params![id, follower],
            )?;
            self.exec("DELETE FROM meta WHERE key = ?1", [key])?;
        }
        Ok(id)
    }

    /// Links cycle `id` (`code`) to the cycle `follows` it follows, or keeps the link
    /// waiting until a file of that cycle is merged.
    fn link_follows(&mut self, id: i64, code: &str, follows: &str) -> Result<()> {
        match cycle_id(self.conn(), follows).map_err(|e| self.classify(e))? {
            Some(f) => {
                self.exec(
                    "UPDATE cycle SET follows = ?1 WHERE id = ?2",
                    params![f, id],
                )?;
                self.exec(
                    "DELETE FROM meta WHERE key = ?1",
                    [format!("cycle.follows.{code}")],
                )?;
            }
            None => {
                self.exec(
                    "INSERT INTO meta (key, value) VALUES (?1, ?2)
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    params![format!("cycle.follows.{code}"), follows],
                )?;
            }
        }
        Ok(())
    }

    /// The instrument an agency is assessed with in a cycle (`cycle_agency`, schema
    /// 0011, else the agency's own).
    pub fn agency_instrument_in(&self, cycle_id: i64, agency_id: i64) -> Result<Option<i64>> {
        self.query(
            "SELECT coalesce(c.instrument_id, a.instrument_id) FROM agency a
             LEFT JOIN cycle_agency c ON c.cycle_id = ?1 AND c.agency_id = a.id
             WHERE a.id = ?2",
            params![cycle_id, agency_id],
            |r| r.get(0),
        )
    }

    /// Sets the instrument an agency is assessed with in a cycle.
    pub fn set_agency_instrument_in(
        &mut self,
        cycle_id: i64,
        agency_id: i64,
        instrument_id: i64,
    ) -> Result<()> {
        self.exec(
            "INSERT INTO cycle_agency (cycle_id, agency_id, instrument_id) VALUES (?1, ?2, ?3)
             ON CONFLICT (cycle_id, agency_id) DO UPDATE SET instrument_id = excluded.instrument_id",
            params![cycle_id, agency_id, instrument_id],
        )?;
        Ok(())
    }

    /// Whether an assessor's result of the agency, one of its units or products is held
    /// in a cycle (of code `cycle`).
    pub fn agency_has_results(&self, cycle: &str, agency_id: i64) -> Result<bool> {
        Ok(self
            .query(
                "SELECT EXISTS (SELECT 1 FROM central_result r WHERE r.cycle = ?1 AND (
                    (r.level = 1 AND r.node_id = ?2)
                    OR (r.level = 2 AND r.node_id IN (SELECT id FROM unit WHERE agency_id = ?2))
                    OR (r.level = 3 AND r.node_id IN (SELECT p.id FROM product p
                        JOIN unit u ON u.id = p.unit_id WHERE u.agency_id = ?2))))",
                params![cycle, agency_id],
                |r| r.get(0),
            )?
            .unwrap_or(false))
    }

    /// `CHAIN|exported_at|payload_sha256` of the result held for this node and
    /// assessor in this cycle, the chain length written with 20 digits (text order is
    /// the order of the assessor's exports).
    pub fn node_result_stamp(
        &self,
        cycle: &str,
        level: NodeLevel,
        node_id: i64,
        assessor_id: &str,
    ) -> Result<Option<String>> {
        self.query(
            "SELECT printf('%020d|', chain) || exported_at || '|' || payload_sha256 FROM central_result
             WHERE cycle = ?1 AND level = ?2 AND node_id = ?3 AND assessor_id = ?4",
            params![cycle, level_code(level), node_id, assessor_id],
            |r| r.get(0),
        )
    }

    /// Replaces this assessor's result for the node (its answers, respondents,
    /// evidence and follow-ups go with it) by `new`.
    pub fn replace_node_result<'a>(
        &mut self,
        new: NewResult<
            'a,
            impl IntoIterator<Item = NewAnswer<'a>>,
            impl IntoIterator<Item = NewRespondent<'a>>,
            impl IntoIterator<Item = NewEvidence<'a>>,
            impl IntoIterator<Item = NewFollowup<'a>>,
        >,
    ) -> Result<()> {
        let r = &new.result;
        let key = params![r.cycle, level_code(r.level), r.node_id, r.assessor_id];
        // The result this one replaces, if any: one look, where deleting from each
        // table would be five statements for the (usual) new result.
        let held: bool = self
            .query(
                "SELECT EXISTS (SELECT 1 FROM central_result
                                WHERE cycle = ?1 AND level = ?2 AND node_id = ?3 AND assessor_id = ?4)
                     OR EXISTS (SELECT 1 FROM central_answer
                                WHERE cycle = ?1 AND level = ?2 AND node_id = ?3 AND assessor_id = ?4)
                     OR EXISTS (SELECT 1 FROM central_respondent
                                WHERE cycle = ?1 AND level = ?2 AND node_id = ?3 AND assessor_id = ?4)
                     OR EXISTS (SELECT 1 FROM central_evidence
                                WHERE cycle = ?1 AND level = ?2 AND node_id = ?3 AND assessor_id = ?4)
                     OR EXISTS (SELECT 1 FROM central_followup
                                WHERE cycle = ?1 AND level = ?2 AND node_id = ?3 AND assessor_id = ?4)",
                key,
                |r| r.get(0),
            )?
            .unwrap_or(true);
        if held {
            for table in [
                "central_answer",
                "central_respondent",
                "central_evidence",
                "central_followup",
                "central_result",
            ] {
                self.exec(
                    &format!(
                        "DELETE FROM {table}
                         WHERE cycle = ?1 AND level = ?2 AND node_id = ?3 AND assessor_id = ?4"
                    ),
                    key,
                )?;
            }
        }
        self.exec(
            "INSERT INTO central_result (cycle, level, node_id, assessor_id, assessor_name, import_id,
                                         exported_at, chain, payload_sha256, finalized_at, finalized_by,
                                         score, category, zone, closed_at, closed_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
            params![
                r.cycle,
                level_code(r.level),
                r.node_id,
                r.assessor_id,
                r.assessor_name,
                r.import_id,
                r.exported_at,
                r.chain,
                r.payload_sha256,
                r.finalized_at,
                r.finalized_by,
                r.score,
                r.category,
                r.zone,
                r.closed_at,
                r.closed_by
            ],
        )?;
        let (cycle, level, node, who) = (r.cycle, level_code(r.level), r.node_id, r.assessor_id);
        // The answers a few rows to a statement (a statement's own cost was about
        // half of writing a row), each size's statement looked up once per result.
        let mut n = 0;
        let answers: Vec<NewAnswer<'a>> = new.answers.into_iter().collect();
        let mut stmts: [Option<rusqlite::CachedStatement<'_>>; ANSWER_CHUNKS.len()] =
            Default::default();
        let mut rest = &answers[..];
        while !rest.is_empty() {
            let k = ANSWER_CHUNKS
                .iter()
                .position(|&size| size <= rest.len())
                .unwrap_or(ANSWER_CHUNKS.len() - 1);
            let (chunk, tail) = rest.split_at(ANSWER_CHUNKS[k].min(rest.len()));
            rest = tail;
            let stmt = match &mut stmts[k] {
                Some(stmt) => stmt,
                slot => slot.insert(
                    self.conn()
                        .prepare_cached(&answer_insert_sql()[k])
                        .map_err(|e| self.classify(e))?,
                ),
            };
            let bind = |stmt: &mut rusqlite::Statement<'_>| -> rusqlite::Result<usize> {
                for (row, a) in chunk.iter().enumerate() {
                    let at = row * ANSWER_COLUMNS;
                    stmt.raw_bind_parameter(at + 1, cycle)?;
                    stmt.raw_bind_parameter(at + 2, level)?;
                    stmt.raw_bind_parameter(at + 3, node)?;
                    stmt.raw_bind_parameter(at + 4, who)?;
                    stmt.raw_bind_parameter(at + 5, a.indicator)?;
                    stmt.raw_bind_parameter(at + 6, a.respondent)?;
                    stmt.raw_bind_parameter(at + 7, a.value.map(i64::from))?;
                    stmt.raw_bind_parameter(at + 8, a.amount)?;
                    stmt.raw_bind_parameter(at + 9, a.source)?;
                    stmt.raw_bind_parameter(at + 10, i64::from(a.na))?;
                    stmt.raw_bind_parameter(at + 11, a.note)?;
                    stmt.raw_bind_parameter(at + 12, a.updated_at)?;
                    stmt.raw_bind_parameter(at + 13, a.updated_by)?;
                    stmt.raw_bind_parameter(at + 14, i64::from(a.carried))?;
                }
                stmt.raw_execute()
            };
            n += bind(stmt).map_err(|e| self.classify(e))?;
        }
        drop(stmts);
        let mut stmt = self
            .conn()
            .prepare_cached(
                "INSERT INTO central_respondent (cycle, level, node_id, assessor_id, uid, role, number,
                                                 label, added_at, added_by, removed_at, removed_by,
                                                 removed_reason)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            )
            .map_err(|e| self.classify(e))?;
        for p in new.respondents {
            n += stmt
                .execute(params![
                    cycle,
                    level,
                    node,
                    who,
                    p.uid,
                    p.role,
                    i64::from(p.number),
                    p.label,
                    p.added_at,
                    p.added_by,
                    p.removed_at,
                    p.removed_by,
                    p.removed_reason
                ])
                .map_err(|e| self.classify(e))?;
        }
        drop(stmt);
        self.written += n;
        for (n, e) in new.evidence.into_iter().enumerate() {
            self.exec(
                "INSERT INTO central_evidence (cycle, level, node_id, assessor_id, position, indicator,
                                               reference, size, sha256, added_at, added_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                params![
                    cycle,
                    level,
                    node,
                    who,
                    n as i64,
                    e.indicator,
                    e.reference,
                    e.size.map(|s| i64::try_from(s).unwrap_or(i64::MAX)),
                    e.sha256,
                    e.added_at,
                    e.added_by
                ],
            )?;
        }
        for (n, f) in new.followups.into_iter().enumerate() {
            self.exec(
                "INSERT INTO central_followup (cycle, level, node_id, assessor_id, position, kind, ref,
                                               status, updated_at, updated_by)
                 VALUES (?1, 1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    cycle,
                    node,
                    who,
                    n as i64,
                    f.kind,
                    f.reference,
                    f.status,
                    f.updated_at,
                    f.updated_by
                ],
            )?;
        }
        Ok(())
    }

    /// Chooses the consolidated result of each of `nodes`, in their order, as
    /// [`CentralTx::choose_node`] does one by one, and returns what it found for each.
    /// The nodes that have exactly one result and no consolidated respondents, evidence
    /// or follow-ups yet (all of a first merge: the consolidated node is that result as
    /// it is) are put in sets: each run of them in order with a
    /// few `INSERT ... SELECT` from the `central_*` tables instead of some fifteen
    /// statements and a row per answer for each node. The rows, and the ids of the
    /// respondents, evidence and follow-ups (the same order of insertion), are those of
    /// the node-by-node way; a run that a constraint refuses (a respondent's uid held at
    /// another node, two respondents of one result with one role and number) is rolled
    /// back to its savepoint and done node by node, which says why or renumbers as it
    /// always did.
    pub fn choose_nodes(
        &mut self,
        cycle: &str,
        cycle_id: i64,
        nodes: &[(NodeLevel, i64)],
    ) -> Result<Vec<Choice>> {
        let mut out = Vec::with_capacity(nodes.len());
        let mut run: Vec<(NodeLevel, i64, String)> = Vec::new();
        let by_node = BY_NODE.with(Cell::get);
        for &(level, node_id) in nodes {
            // Its results, and whether its consolidated node holds rows that have ids
            // (respondents, evidence, follow-ups): node by node, those are deleted and
            // written again one node after the other, which the ids of the rows written
            // after them follow, so such a node is chosen on its own.
            let held: Option<(i64, Option<String>, bool)> = self.query(
                "SELECT count(*), min(assessor_id),
                        EXISTS (SELECT 1 FROM respondent
                                WHERE cycle_id = ?4 AND level = ?2 AND node_id = ?3)
                        OR EXISTS (SELECT 1 FROM evidence
                                   WHERE cycle_id = ?4 AND level = ?2 AND node_id = ?3)
                        OR (?2 = 1 AND EXISTS (SELECT 1 FROM followup
                                               WHERE cycle_id = ?4 AND agency_id = ?3))
                 FROM central_result WHERE cycle = ?1 AND level = ?2 AND node_id = ?3",
                params![cycle, level_code(level), node_id, cycle_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?;
            match held {
                Some((1, Some(assessor), false)) if !by_node => {
                    run.push((level, node_id, assessor))
                }
                _ => {
                    self.choose_run(cycle, cycle_id, &mut run, &mut out)?;
                    out.push(self.choose_node(cycle, cycle_id, level, node_id)?);
                }
            }
        }
        self.choose_run(cycle, cycle_id, &mut run, &mut out)?;
        Ok(out)
    }

    /// Runs `f` with every node its merges choose chosen one by one, as before the
    /// sets (on this thread): the tests compare both ways row for row.
    #[doc(hidden)]
    pub fn choose_node_by_node<T>(f: impl FnOnce() -> T) -> T {
        struct Reset;
        impl Drop for Reset {
            fn drop(&mut self) {
                BY_NODE.with(|b| b.set(false));
            }
        }
        BY_NODE.with(|b| b.set(true));
        let _reset = Reset;
        f()
    }

    /// How many nodes this thread's merges chose in sets (the tests' check that the
    /// sets are taken).
    #[doc(hidden)]
    pub fn nodes_chosen_in_sets() -> usize {
        IN_SETS.with(Cell::get)
    }

    /// [`CentralTx::choose_nodes`] of a run of nodes with one result each (emptied).
    fn choose_run(
        &mut self,
        cycle: &str,
        cycle_id: i64,
        run: &mut Vec<(NodeLevel, i64, String)>,
        out: &mut Vec<Choice>,
    ) -> Result<()> {
        if run.is_empty() {
            return Ok(());
        }
        let written = self.written;
        self.exec("SAVEPOINT choose_run", [])?;
        match self.choose_run_in_sets(cycle, cycle_id, run) {
            Ok(()) => {
                self.exec("RELEASE choose_run", [])?;
                IN_SETS.with(|n| n.set(n.get() + run.len()));
                out.extend(run.iter().map(|_| Choice {
                    results: 1,
                    conflict: false,
                }));
            }
            Err(_) => {
                self.exec("ROLLBACK TO choose_run", [])?;
                self.exec("RELEASE choose_run", [])?;
                self.written = written;
                for (level, node_id, _) in run.iter() {
                    out.push(self.choose_node(cycle, cycle_id, *level, *node_id)?);
                }
            }
        }
        run.clear();
        Ok(())
    }

    /// The statements of a run: the nodes go into `temp.merge_chosen` with their place
    /// in the run (which orders the rows that get ids) and their one result's assessor;
    /// every join starts from it (`CROSS JOIN` keeps SQLite to that order).
    fn choose_run_in_sets(
        &mut self,
        cycle: &str,
        cycle_id: i64,
        run: &[(NodeLevel, i64, String)],
    ) -> Result<()> {
        self.exec(
            "CREATE TEMP TABLE IF NOT EXISTS merge_chosen (
                 ord INTEGER PRIMARY KEY, level INTEGER NOT NULL, node_id INTEGER NOT NULL,
                 assessor_id TEXT NOT NULL)",
            [],
        )?;
        self.exec("DELETE FROM temp.merge_chosen", [])?;
        {
            let mut stmt = self
                .conn()
                .prepare_cached(
                    "INSERT INTO temp.merge_chosen (ord, level, node_id, assessor_id)
                     VALUES (?1, ?2, ?3, ?4)",
                )
                .map_err(|e| self.classify(e))?;
            for (k, (level, node_id, assessor)) in run.iter().enumerate() {
                stmt.execute(params![k as i64, level_code(*level), node_id, assessor])
                    .map_err(|e| self.classify(e))?;
            }
        }
        // The consolidated rows the nodes had (a result superseded, a resolution).
        for sql in [
            "DELETE FROM answer WHERE cycle_id = ?1
               AND (level, node_id) IN (SELECT level, node_id FROM temp.merge_chosen)",
            "DELETE FROM respondent WHERE cycle_id = ?1
               AND (level, node_id) IN (SELECT level, node_id FROM temp.merge_chosen)",
            "DELETE FROM evidence WHERE cycle_id = ?1
               AND (level, node_id) IN (SELECT level, node_id FROM temp.merge_chosen)",
            "DELETE FROM followup WHERE cycle_id = ?1
               AND agency_id IN (SELECT node_id FROM temp.merge_chosen WHERE level = 1)",
            "DELETE FROM followup_register WHERE cycle_id = ?1
               AND agency_id IN (SELECT node_id FROM temp.merge_chosen WHERE level = 1)",
        ] {
            self.exec(sql, [cycle_id])?;
        }
        for sql in [
            // The observations, data values, N/A and notes (respondent 0).
            "INSERT INTO answer (cycle_id, level, node_id, indicator, respondent, value, amount, source,
                                 na, carried, note, updated_at, updated_by)
             SELECT ?1, t.level, t.node_id, ca.indicator, 0, ca.value, ca.amount, ca.source, ca.na,
                    ca.carried, ca.note, ca.updated_at, ca.updated_by
             FROM temp.merge_chosen t CROSS JOIN central_answer ca
               ON ca.cycle = ?2 AND ca.level = t.level AND ca.node_id = t.node_id
              AND ca.assessor_id = t.assessor_id AND ca.respondent = ''",
            // The respondents, each node's by uid (as `expected` sorts them).
            "INSERT INTO respondent (uid, cycle_id, level, node_id, role, number, label, added_at,
                                     added_by, removed_at, removed_by, removed_reason)
             SELECT cr.uid, ?1, t.level, t.node_id, cr.role, cr.number, cr.label, cr.added_at,
                    cr.added_by, cr.removed_at, cr.removed_by, cr.removed_reason
             FROM temp.merge_chosen t CROSS JOIN central_respondent cr
               ON cr.cycle = ?2 AND cr.level = t.level AND cr.node_id = t.node_id
              AND cr.assessor_id = t.assessor_id
             ORDER BY t.ord, cr.uid",
            // Their answers (an answer of a uid the result does not hold goes nowhere).
            "INSERT INTO answer (cycle_id, level, node_id, indicator, respondent, value, na, carried,
                                 note, updated_at, updated_by)
             SELECT ?1, t.level, t.node_id, ca.indicator, r.id, ca.value, ca.na, ca.carried, ca.note,
                    ca.updated_at, ca.updated_by
             FROM temp.merge_chosen t CROSS JOIN central_answer ca
               ON ca.cycle = ?2 AND ca.level = t.level AND ca.node_id = t.node_id
              AND ca.assessor_id = t.assessor_id AND ca.respondent <> ''
             CROSS JOIN respondent r
               ON r.uid = ca.respondent AND r.cycle_id = ?1 AND r.level = t.level
              AND r.node_id = t.node_id",
            "INSERT INTO evidence (cycle_id, level, node_id, indicator, respondent, reference, size,
                                   sha256, added_at, added_by)
             SELECT ?1, t.level, t.node_id, ce.indicator, 0, ce.reference, ce.size, ce.sha256,
                    ce.added_at, ce.added_by
             FROM temp.merge_chosen t CROSS JOIN central_evidence ce
               ON ce.cycle = ?2 AND ce.level = t.level AND ce.node_id = t.node_id
              AND ce.assessor_id = t.assessor_id
             ORDER BY t.ord, ce.position",
            "INSERT INTO node_state (cycle_id, level, node_id, digest, finalized_at, finalized_by)
             SELECT ?1, t.level, t.node_id, CASE WHEN t.level = 3 THEN NULL ELSE X'' END,
                    r.finalized_at, r.finalized_by
             FROM temp.merge_chosen t CROSS JOIN central_result r
               ON r.cycle = ?2 AND r.level = t.level AND r.node_id = t.node_id
              AND r.assessor_id = t.assessor_id
             WHERE true
             ON CONFLICT (cycle_id, level, node_id)
             DO UPDATE SET finalized_at = excluded.finalized_at, finalized_by = excluded.finalized_by",
            // An agency's follow-up register.
            "INSERT INTO followup (cycle_id, agency_id, kind, ref, status, updated_at, updated_by)
             SELECT ?1, t.node_id, f.kind, f.ref, f.status, f.updated_at, f.updated_by
             FROM temp.merge_chosen t CROSS JOIN central_followup f
               ON f.cycle = ?2 AND f.node_id = t.node_id AND f.assessor_id = t.assessor_id
             WHERE t.level = 1
             ORDER BY t.ord, f.position",
            "INSERT INTO followup_register (cycle_id, agency_id, closed_at, closed_by)
             SELECT ?1, t.node_id, r.closed_at, r.closed_by
             FROM temp.merge_chosen t CROSS JOIN central_result r
               ON r.cycle = ?2 AND r.level = 1 AND r.node_id = t.node_id
              AND r.assessor_id = t.assessor_id
             WHERE t.level = 1 AND r.closed_at IS NOT NULL AND r.closed_by IS NOT NULL",
        ] {
            self.exec(sql, params![cycle_id, cycle])?;
        }
        // A product's resolved conflicts (one look when the cycle has none), then its
        // digest.
        let resolved: bool = self
            .query(
                "SELECT EXISTS (SELECT 1 FROM review_resolution WHERE cycle_id = ?1 AND level = 3)",
                [cycle_id],
                |r| r.get(0),
            )?
            .unwrap_or(true);
        for (level, node_id, _) in run {
            if *level == NodeLevel::Product {
                if resolved {
                    super::review::apply_resolutions_in(self.conn(), cycle, cycle_id, *node_id)
                        .map_err(|e| self.classify(e))?;
                }
                digest::refresh(self.conn(), cycle_id, *node_id).map_err(|e| self.classify(e))?;
            }
        }
        Ok(())
    }

    /// Puts the consolidated node into the tables every reader reads (in the cycle of
    /// id `cycle_id`, code `cycle`): the chosen result's respondent-0 answers,
    /// evidence, finalization and (an agency) follow-up register, and the union of
    /// every result's respondents with their answers; a product's resolved conflicts
    /// and digest. Returns how many results the node has and whether they conflict.
    pub fn choose_node(
        &mut self,
        cycle: &str,
        cycle_id: i64,
        level: NodeLevel,
        node_id: i64,
    ) -> Result<Choice> {
        let lc = level_code(level);
        let ranked = ranked(self.conn(), cycle, lc, node_id).map_err(|e| self.classify(e))?;
        let Some((best, _, _)) = ranked.first().cloned() else {
            return Ok(Choice::default());
        };
        let node = params![cycle_id, lc, node_id];
        self.exec(
            "DELETE FROM answer WHERE cycle_id = ?1 AND level = ?2 AND node_id = ?3",
            node,
        )?;
        self.exec(
            "DELETE FROM respondent WHERE cycle_id = ?1 AND level = ?2 AND node_id = ?3",
            node,
        )?;
        self.exec(
            "DELETE FROM evidence WHERE cycle_id = ?1 AND level = ?2 AND node_id = ?3",
            node,
        )?;
        self.exec(
            "INSERT INTO answer (cycle_id, level, node_id, indicator, respondent, value, amount, source,
                                 na, carried, note, updated_at, updated_by)
             SELECT ?1, level, node_id, indicator, 0, value, amount, source, na, carried, note,
                    updated_at, updated_by
             FROM central_answer
             WHERE cycle = ?2 AND level = ?3 AND node_id = ?4 AND assessor_id = ?5 AND respondent = ''",
            params![cycle_id, cycle, lc, node_id, best],
        )?;
        let consolidated =
            expected(self.conn(), cycle, lc, node_id).map_err(|e| self.classify(e))?;
        for p in &consolidated.people {
            // A uid names one person at one node: the same uid at another node (two
            // workstations made from one database file) would merge two people.
            let elsewhere: Option<String> = self
                .query(
                    &format!("SELECT {} FROM respondent x WHERE x.uid = ?1", path_sql()),
                    [&p.uid],
                    |r| r.get(0),
                )?
                .flatten();
            if let Some(other) = elsewhere {
                let here: Option<String> = self
                    .query(
                        &format!(
                            "SELECT {} FROM (SELECT ?1 AS level, ?2 AS node_id) x",
                            path_sql()
                        ),
                        params![lc, node_id],
                        |r| r.get(0),
                    )?
                    .flatten();
                return Err(super::StoreError::Refused(format!(
                    "respondent {} of {} is a respondent of {} in this central database already: one \
                     respondent at two nodes (two workstations copied from one database file?); nothing \
                     of this file was merged. Ask the assessors which one is right",
                    p.uid,
                    crate::domain::text::sanitize(&here.unwrap_or_default()),
                    crate::domain::text::sanitize(&other)
                )));
            }
            self.exec(
                "INSERT INTO respondent (uid, cycle_id, level, node_id, role, number, label, added_at,
                                         added_by, removed_at, removed_by, removed_reason)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                params![
                    p.uid,
                    cycle_id,
                    lc,
                    node_id,
                    p.role,
                    p.number,
                    p.label,
                    p.added_at,
                    p.added_by,
                    p.removed_at,
                    p.removed_by,
                    p.removed_reason
                ],
            )?;
            let id = self.conn().last_insert_rowid();
            for (indicator, value, na, carried, note, at, by) in &p.answers {
                self.exec(
                    "INSERT INTO answer (cycle_id, level, node_id, indicator, respondent, value, na,
                                         carried, note, updated_at, updated_by)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                    params![
                        cycle_id, lc, node_id, indicator, id, value, na, carried, note, at, by
                    ],
                )?;
            }
        }
        self.exec(
            "INSERT INTO evidence (cycle_id, level, node_id, indicator, respondent, reference, size,
                                   sha256, added_at, added_by)
             SELECT ?1, level, node_id, indicator, 0, reference, size, sha256, added_at, added_by
             FROM central_evidence
             WHERE cycle = ?2 AND level = ?3 AND node_id = ?4 AND assessor_id = ?5 ORDER BY position",
            params![cycle_id, cycle, lc, node_id, best],
        )?;
        self.exec(
            "INSERT INTO node_state (cycle_id, level, node_id, digest, finalized_at, finalized_by)
             SELECT ?1, level, node_id, CASE WHEN level = 3 THEN NULL ELSE X'' END, finalized_at,
                    finalized_by
             FROM central_result
             WHERE cycle = ?2 AND level = ?3 AND node_id = ?4 AND assessor_id = ?5
             ON CONFLICT (cycle_id, level, node_id)
             DO UPDATE SET finalized_at = excluded.finalized_at, finalized_by = excluded.finalized_by",
            params![cycle_id, cycle, lc, node_id, best],
        )?;
        if level == NodeLevel::Agency {
            self.exec(
                "DELETE FROM followup WHERE cycle_id = ?1 AND agency_id = ?2",
                params![cycle_id, node_id],
            )?;
            self.exec(
                "DELETE FROM followup_register WHERE cycle_id = ?1 AND agency_id = ?2",
                params![cycle_id, node_id],
            )?;
            for (kind, reference, status, at, by) in &consolidated.items {
                self.exec(
                    "INSERT INTO followup (cycle_id, agency_id, kind, ref, status, updated_at, updated_by)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![cycle_id, node_id, kind, reference, status, at, by],
                )?;
            }
            if let Some((at, by)) = &consolidated.closed {
                self.exec(
                    "INSERT INTO followup_register (cycle_id, agency_id, closed_at, closed_by)
                     VALUES (?1, ?2, ?3, ?4)",
                    params![cycle_id, node_id, at, by],
                )?;
            }
        }
        if level == NodeLevel::Product {
            // A conflict the central office resolved keeps its value (src/store/review.rs).
            super::review::apply_resolutions_in(self.conn(), cycle, cycle_id, node_id)
                .map_err(|e| self.classify(e))?;
            digest::refresh(self.conn(), cycle_id, node_id).map_err(|e| self.classify(e))?;
        }
        let conflict = ranked.len() > 1
            && !conflict_cells(self.conn(), cycle, lc, node_id)
                .map_err(|e| self.classify(e))?
                .is_empty();
        Ok(Choice {
            results: ranked.len(),
            conflict,
        })
    }
}

/// The indicators of a node whose observation or data cell (no respondent) differs
/// between its assessors' results in a cycle (unanswered, N/A, each value and each
/// data value being different answers).
pub(super) fn conflict_cells(
    conn: &Connection,
    cycle: &str,
    level: i64,
    node: i64,
) -> rusqlite::Result<Vec<String>> {
    let assessors: Vec<String> = conn
        .prepare_cached(
            "SELECT assessor_id FROM central_result WHERE cycle = ?1 AND level = ?2 AND node_id = ?3",
        )?
        .query_map(params![cycle, level, node], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    if assessors.len() < 2 {
        return Ok(Vec::new());
    }
    let mut answers: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut stmt = conn.prepare_cached(
        "SELECT assessor_id, indicator, value, na, amount, carried FROM central_answer
         WHERE cycle = ?1 AND level = ?2 AND node_id = ?3 AND respondent = ''",
    )?;
    let rows = stmt.query_map(params![cycle, level, node], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<i64>>(2)?,
            r.get::<_, bool>(3)?,
            r.get::<_, Option<String>>(4)?,
            r.get::<_, bool>(5)?,
        ))
    })?;
    for row in rows {
        let (assessor, indicator, value, na, amount, carried) = row?;
        let text = match (na, value, amount) {
            (true, _, _) => "N/A".to_string(),
            (_, Some(v), _) => v.to_string(),
            (_, _, Some(a)) => a,
            _ => String::new(),
        };
        // A carried answer is not this cycle's answer yet: another one than a
        // confirmed value.
        let text = if carried {
            format!("{text} (carried)")
        } else {
            text
        };
        answers.entry(indicator).or_default().insert(assessor, text);
    }
    Ok(answers
        .into_iter()
        .filter(|(_, by)| {
            let texts: BTreeSet<&str> = assessors
                .iter()
                .map(|a| by.get(a).map(String::as_str).unwrap_or(""))
                .collect();
            texts.len() > 1
        })
        .map(|(i, _)| i)
        .collect())
}

/// The path of a row with `level` and `node_id` columns (`x` its alias), as SQL.
pub(super) const fn path_sql() -> &'static str {
    "CASE x.level
       WHEN 3 THEN (SELECT a.code || '/' || u.code || '/' || p.code FROM product p
                    JOIN unit u ON u.id = p.unit_id JOIN agency a ON a.id = u.agency_id
                    WHERE p.id = x.node_id)
       WHEN 2 THEN (SELECT a.code || '/' || u.code FROM unit u JOIN agency a ON a.id = u.agency_id
                    WHERE u.id = x.node_id)
       ELSE (SELECT code FROM agency WHERE id = x.node_id) END"
}

/// The central side of `check` for respondents and follow-up registers: every node's
/// respondents (with their answers) are the union its results give, and every agency's
/// register its chosen result's. One line per node that is not.
pub(super) fn check_consolidated(store: &Store) -> Result<Vec<String>> {
    let conn = &store.conn;
    let sql = |e| store.sql(e);
    // Every node some result or some consolidated row names, by cycle code.
    let nodes: BTreeSet<(String, i64, i64)> = conn
        .prepare(
            "SELECT cycle, level, node_id FROM central_result
               WHERE level = 1 OR EXISTS (SELECT 1 FROM central_respondent r
                 WHERE r.cycle = central_result.cycle AND r.level = central_result.level
                   AND r.node_id = central_result.node_id)
             UNION SELECT c.code, r.level, r.node_id FROM respondent r JOIN cycle c ON c.id = r.cycle_id
             UNION SELECT c.code, 1, f.agency_id FROM followup f JOIN cycle c ON c.id = f.cycle_id
             UNION SELECT c.code, 1, f.agency_id FROM followup_register f
                     JOIN cycle c ON c.id = f.cycle_id",
        )
        .and_then(|mut stmt| {
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect()
        })
        .map_err(sql)?;
    let mut problems = Vec::new();
    for (cycle, level, node) in nodes {
        let Some(id) = cycle_id(conn, &cycle).map_err(sql)? else {
            problems.push(format!(
                "merged results of cycle {} have no cycle of that code: changed outside patuh",
                crate::domain::text::sanitize(&cycle)
            ));
            continue;
        };
        let want = expected(conn, &cycle, level, node).map_err(sql)?;
        let have = actual(conn, id, level, node).map_err(sql)?;
        let what = if want.people != have.people {
            "its respondents or their answers are not those its merged results give"
        } else if want.items != have.items || want.closed != have.closed {
            "its follow-up register is not the one its chosen merged result gives"
        } else {
            continue;
        };
        let path: Option<String> = conn
            .query_row(
                &format!(
                    "SELECT {} FROM (SELECT ?1 AS level, ?2 AS node_id) x",
                    path_sql()
                ),
                params![level, node],
                |r| r.get(0),
            )
            .map_err(sql)?;
        problems.push(format!(
            "{}{}: {what}: changed outside patuh",
            crate::domain::text::sanitize(&path.unwrap_or_else(|| format!("node {node}"))),
            if cycle == super::DEFAULT_CYCLE {
                String::new()
            } else {
                format!(" (cycle {})", crate::domain::text::sanitize(&cycle))
            }
        ));
    }
    Ok(problems)
}

/// One result of a unit or an agency whose results conflict (the report's conflicts
/// table), best first within its node: the first is the chosen one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeConflict {
    pub path: String,
    pub assessor_id: String,
    pub assessor_name: String,
    pub score: Option<String>,
    pub zone: Option<String>,
    pub exported_at: String,
    pub finalized: bool,
    /// The indicators whose observation or data cell differs.
    pub cells: Vec<String>,
}

impl Store {
    /// The results of every unit and agency of the current cycle whose results hold
    /// different values for one observation or data cell, by path, the chosen one
    /// first (products: [`Store::conflicting_results`]).
    pub fn conflicting_node_results(&self) -> Result<Vec<NodeConflict>> {
        let conn = &self.conn;
        let sql = |e| self.sql(e);
        let cycle = self.cycle.code.clone();
        let nodes: Vec<(i64, i64, Option<String>)> = conn
            .prepare(&format!(
                "SELECT x.level, x.node_id, {} FROM central_result x
                 WHERE x.cycle = ?1 AND x.level IN (1, 2)
                 GROUP BY x.level, x.node_id HAVING count(*) > 1 ORDER BY 3",
                path_sql()
            ))
            .and_then(|mut stmt| {
                stmt.query_map([&cycle], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                    .collect()
            })
            .map_err(sql)?;
        let mut out = Vec::new();
        for (level, node, path) in nodes {
            let cells = conflict_cells(conn, &cycle, level, node).map_err(sql)?;
            if cells.is_empty() {
                continue;
            }
            let rows: Vec<NodeConflict> = conn
                .prepare_cached(
                    "SELECT assessor_id, assessor_name, score, zone, exported_at, finalized_at IS NOT NULL
                     FROM central_result WHERE cycle = ?1 AND level = ?2 AND node_id = ?3
                     ORDER BY finalized_at IS NOT NULL DESC, exported_at DESC, assessor_id ASC",
                )
                .and_then(|mut stmt| {
                    stmt.query_map(params![cycle, level, node], |r| {
                        Ok(NodeConflict {
                            path: path.clone().unwrap_or_default(),
                            assessor_id: r.get(0)?,
                            assessor_name: r.get(1)?,
                            score: r.get(2)?,
                            zone: r.get(3)?,
                            exported_at: r.get(4)?,
                            finalized: r.get(5)?,
                            cells: cells.clone(),
                        })
                    })?
                    .collect()
                })
                .map_err(sql)?;
            out.extend(rows);
        }
        Ok(out)
    }
}
