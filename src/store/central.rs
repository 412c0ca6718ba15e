//! The central database's side of the store: claiming a new database as central, the
//! reads and writes of a merge (schema 0002: the import log, assessor keys, each
//! assessor's results, where names came from; and the chosen result in the tables of
//! 0001), and the report's list of conflicting results. What to merge and why is
//! decided in `src/exchange/merge.rs`; here is only how it is stored.
//!
//! A merge is one `BEGIN IMMEDIATE` transaction ([`CentralTx`]); its statements are
//! prepared once per connection (a nation's merge runs some of them a million times;
//! parsing them each time was a good part of its time).

use std::path::Path;

use rusqlite::{OptionalExtension, Params, Row, Transaction, TransactionBehavior, params};

use super::{ROLE_CENTRAL, ROLE_KEY, Result, Store, StoreError, central_log, classify};

/// What a database is, as `claim_central` found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CentralClaim {
    /// A central database (now, or already before).
    Central,
    /// A database whose role is something else (the value, as stored).
    OtherRole(String),
    /// A workstation's database: it holds an assessor's own work.
    Workstation,
}

/// One merged file, as the import log keeps it.
pub struct ImportRow<'a> {
    pub payload_sha256: &'a str,
    pub assessor_id: &'a str,
    pub public_key: &'a str,
    /// `exported_at` normalised (text order is time order).
    pub exported_at: &'a str,
    pub file_name: &'a str,
    pub merged_at: &'a str,
    pub products: i64,
    pub payload: &'a [u8],
    pub signature: &'a str,
    /// How far the export's audit chain goes (its last seq).
    pub chain: i64,
    /// The file's format version: `payload` is JSON (1) or its zstd frame (2).
    pub format_version: i64,
}

/// An agency as the central database holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CentralAgency {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub instrument_id: i64,
}

/// One result of a product that has results of several assessors (the report's
/// conflicts table), best first within its product: the first is the chosen one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConflictResult {
    pub product_id: i64,
    pub assessor_id: String,
    pub assessor_name: String,
    pub score: Option<String>,
    pub zone: Option<String>,
    pub exported_at: String,
    pub finalized: bool,
}

impl Store {
    /// Makes a new database a central one, in one transaction with the look at what it
    /// holds (so that two merges starting on one new file at once both see it as
    /// central, and a merge that has begun is never mistaken for a workstation's work).
    /// What a database is follows from what it holds, not from its `role` alone (one
    /// row anyone can write): a database with audit rows is a workstation's whatever
    /// its role says; one with observations and no role too. Making a database central
    /// is the first row of its own log (src/store/central_log.rs).
    pub fn claim_central(&mut self) -> Result<CentralClaim> {
        let path = self.path.clone();
        let sql = |e| classify(&path, e);
        let now = self.now();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql)?;
        let role: Option<String> = tx
            .query_row("SELECT value FROM meta WHERE key = ?1", [ROLE_KEY], |r| {
                r.get(0)
            })
            .optional()
            .map_err(sql)?;
        let (audit, observations): (bool, bool) = tx
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM audit), EXISTS (SELECT 1 FROM answer)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(sql)?;
        let claim = match role {
            _ if audit => CentralClaim::Workstation,
            Some(r) if r == ROLE_CENTRAL => CentralClaim::Central,
            Some(other) => CentralClaim::OtherRole(other),
            None if observations => CentralClaim::Workstation,
            None => {
                tx.execute(
                    "INSERT INTO meta (key, value) VALUES (?1, ?2)",
                    [ROLE_KEY, ROLE_CENTRAL],
                )
                .map_err(sql)?;
                central_log::append(&tx, &now, central_log::CENTRAL, "", "", "").map_err(sql)?;
                CentralClaim::Central
            }
        };
        tx.commit().map_err(sql)?;
        Ok(claim)
    }

    /// Replaces the central assignment (who assesses which agencies) by `pairs`
    /// (assessor id, agency code), in one transaction with its row in the central log
    /// (`subject` the file as given, `sha256` of its bytes, `detail` its version).
    /// Refused on a database that is not central.
    pub fn set_central_assignment(
        &mut self,
        pairs: &[(String, String)],
        subject: &str,
        sha256: &str,
        detail: &str,
    ) -> Result<()> {
        match self.claim_central()? {
            CentralClaim::Central => {}
            _ => {
                return Err(StoreError::Refused(format!(
                    "{}: not a central database; the central assignment is set on the central office's                      database (`patuh --db central.db central assign FILE`)",
                    self.path.display()
                )));
            }
        }
        let now = self.now();
        let path = self.path.clone();
        let sql = |e| classify(&path, e);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql)?;
        tx.execute("DELETE FROM central_assignment", [])
            .map_err(sql)?;
        {
            let mut stmt = tx
                .prepare(
                    "INSERT OR IGNORE INTO central_assignment (assessor_id, agency_code) VALUES (?1, ?2)",
                )
                .map_err(sql)?;
            for (assessor, agency) in pairs {
                stmt.execute(params![assessor, agency]).map_err(sql)?;
            }
        }
        central_log::append(&tx, &now, central_log::ASSIGN, subject, sha256, detail)
            .map_err(sql)?;
        tx.commit().map_err(sql)
    }

    /// Begins the merge of one file: one `BEGIN IMMEDIATE` transaction, rolled back
    /// unless [`CentralTx::commit`] is called.
    pub fn central_tx(&mut self) -> Result<CentralTx<'_>> {
        // Room for every statement of a merge, so that none is parsed again.
        self.conn.set_prepared_statement_cache_capacity(128);
        let path = &self.path;
        let cycle = self.cycle.id;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| classify(path, e))?;
        Ok(CentralTx {
            tx,
            path,
            cycle,
            written: 0,
        })
    }

    /// The results of every product with results of several assessors, by product,
    /// the chosen one first (the merge's order: finalized, then newest, then lowest id).
    pub fn conflicting_results(&self) -> Result<Vec<ConflictResult>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT r.product_id, r.assessor_id, r.assessor_name, r.score, r.zone, r.exported_at,
                        r.finalized_at IS NOT NULL
                 FROM assessor_result r JOIN conflict c ON c.product_id = r.product_id
                 ORDER BY r.product_id,
                          r.finalized_at IS NOT NULL DESC, r.exported_at DESC, r.assessor_id ASC",
            )
            .map_err(|e| self.sql(e))?;
        stmt.query_map([], |r| {
            Ok(ConflictResult {
                product_id: r.get(0)?,
                assessor_id: r.get(1)?,
                assessor_name: r.get(2)?,
                score: r.get(3)?,
                zone: r.get(4)?,
                exported_at: r.get(5)?,
                finalized: r.get(6)?,
            })
        })
        .and_then(|rows| rows.collect())
        .map_err(|e| self.sql(e))
    }
}

/// The transaction of one file's merge.
pub struct CentralTx<'s> {
    tx: Transaction<'s>,
    path: &'s Path,
    /// The cycle the chosen results go into (the current one).
    pub(super) cycle: i64,
    /// Rows written besides the import row: a file that writes none is a replay.
    pub(super) written: usize,
}

impl CentralTx<'_> {
    pub(super) fn query<T>(
        &self,
        sql: &str,
        p: impl Params,
        f: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Option<T>> {
        self.tx
            .prepare_cached(sql)
            .and_then(|mut stmt| stmt.query_row(p, f).optional())
            .map_err(|e| classify(self.path, e))
    }

    pub(super) fn exec(&mut self, sql: &str, p: impl Params) -> Result<usize> {
        let n = self
            .tx
            .prepare_cached(sql)
            .and_then(|mut stmt| stmt.execute(p))
            .map_err(|e| classify(self.path, e))?;
        self.written += n;
        Ok(n)
    }

    /// The transaction's connection, for the review's reads and writes
    /// (src/store/review.rs).
    pub(super) fn conn(&self) -> &rusqlite::Connection {
        &self.tx
    }

    /// An SQLite error in the user's words, naming the database.
    pub(super) fn classify(&self, e: rusqlite::Error) -> StoreError {
        classify(self.path, e)
    }

    /// Rows written so far besides the import row.
    pub fn written(&self) -> usize {
        self.written
    }

    pub fn commit(self) -> Result<()> {
        self.tx.commit().map_err(|e| classify(self.path, e))
    }

    /// Appends a row to the central database's own log (src/store/central_log.rs).
    pub fn log(
        &mut self,
        at: &str,
        action: &str,
        subject: &str,
        sha256: &str,
        detail: &str,
    ) -> Result<()> {
        central_log::append(&self.tx, at, action, subject, sha256, detail)
            .map_err(|e| classify(self.path, e))
    }

    /// The agencies assigned to an assessor by the central assignment, or None when
    /// the central office never set one (`patuh central assign`): merges then work as
    /// before it existed.
    pub fn assigned_agencies(
        &self,
        assessor_id: &str,
    ) -> Result<Option<std::collections::BTreeSet<String>>> {
        let set: bool = self
            .query(
                "SELECT EXISTS (SELECT 1 FROM central_log WHERE action = ?1)",
                [central_log::ASSIGN],
                |r| r.get(0),
            )?
            .unwrap_or(false);
        if !set {
            return Ok(None);
        }
        let mut stmt = self
            .tx
            .prepare_cached("SELECT agency_code FROM central_assignment WHERE assessor_id = ?1")
            .map_err(|e| classify(self.path, e))?;
        let codes = stmt
            .query_map([assessor_id], |r| r.get(0))
            .and_then(|rows| rows.collect())
            .map_err(|e| classify(self.path, e))?;
        Ok(Some(codes))
    }

    /// When this very payload was merged, if it was.
    pub fn merged_at(&self, payload_sha256: &str) -> Result<Option<String>> {
        self.query(
            "SELECT merged_at FROM import_file WHERE payload_sha256 = ?1",
            [payload_sha256],
            |r| r.get(0),
        )
    }

    /// Logs the file being merged; returns its id (results refer to it).
    pub fn insert_import(&mut self, f: &ImportRow<'_>) -> Result<i64> {
        self.tx
            .prepare_cached(
                "INSERT INTO import_file (payload_sha256, assessor_id, public_key, exported_at, file_name,
                                          merged_at, products, payload, signature, chain, format_version)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )
            .and_then(|mut stmt| {
                stmt.execute(params![
                    f.payload_sha256,
                    f.assessor_id,
                    f.public_key,
                    f.exported_at,
                    f.file_name,
                    f.merged_at,
                    f.products,
                    f.payload,
                    f.signature,
                    f.chain,
                    f.format_version
                ])
            })
            .map_err(|e| classify(self.path, e))?;
        Ok(self.tx.last_insert_rowid())
    }

    /// The assessor a public key is registered for.
    pub fn key_owner(&self, public_key: &str) -> Result<Option<String>> {
        self.query(
            "SELECT assessor_id FROM assessor_key WHERE public_key = ?1",
            [public_key],
            |r| r.get(0),
        )
    }

    /// The fingerprint of a key registered for an assessor, if any.
    pub fn key_of_assessor(&self, assessor_id: &str) -> Result<Option<String>> {
        self.query(
            "SELECT fingerprint FROM assessor_key WHERE assessor_id = ?1 LIMIT 1",
            [assessor_id],
            |r| r.get(0),
        )
    }

    pub fn register_key(
        &mut self,
        public_key: &str,
        fingerprint: &str,
        assessor_id: &str,
        name: &str,
        now: &str,
    ) -> Result<()> {
        self.exec(
            "INSERT INTO assessor_key (public_key, fingerprint, assessor_id, name, first_merged_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![public_key, fingerprint, assessor_id, name, now],
        )?;
        Ok(())
    }

    /// The id and SHA-256 of an instrument held under this id and version.
    pub fn instrument(&self, code: &str, version: &str) -> Result<Option<(i64, String)>> {
        self.query(
            "SELECT id, sha256 FROM instrument WHERE code = ?1 AND version = ?2",
            params![code, version],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
    }

    pub fn insert_instrument(
        &mut self,
        code: &str,
        version: &str,
        sha256: &str,
        body: &str,
        now: &str,
    ) -> Result<i64> {
        self.exec(
            "INSERT INTO instrument (code, version, sha256, body, imported_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![code, version, sha256, body, now],
        )?;
        Ok(self.tx.last_insert_rowid())
    }

    /// The stamp of the export whose names `path` (CODE, CODE/CODE or CODE/CODE/CODE)
    /// has now.
    pub fn name_stamp(&self, path: &str) -> Result<Option<String>> {
        self.query(
            "SELECT stamp FROM name_source WHERE path = ?1",
            [path],
            |r| r.get(0),
        )
    }

    pub fn set_name_stamp(&mut self, path: &str, stamp: &str) -> Result<()> {
        self.exec(
            "INSERT INTO name_source (path, stamp) VALUES (?1, ?2)
             ON CONFLICT (path) DO UPDATE SET stamp = excluded.stamp",
            params![path, stamp],
        )?;
        Ok(())
    }

    pub fn agency(&self, code: &str) -> Result<Option<CentralAgency>> {
        self.query(
            "SELECT id, name, kind, instrument_id FROM agency WHERE code = ?1",
            [code],
            |r| {
                Ok(CentralAgency {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    kind: r.get(2)?,
                    instrument_id: r.get(3)?,
                })
            },
        )
    }

    pub fn insert_agency(
        &mut self,
        code: &str,
        name: &str,
        kind: &str,
        instrument_id: i64,
    ) -> Result<i64> {
        self.exec(
            "INSERT INTO agency (code, name, kind, instrument_id) VALUES (?1, ?2, ?3, ?4)",
            params![code, name, kind, instrument_id],
        )?;
        Ok(self.tx.last_insert_rowid())
    }

    pub fn rename_agency(&mut self, id: i64, name: &str, kind: &str) -> Result<()> {
        self.exec(
            "UPDATE agency SET name = ?1, kind = ?2 WHERE id = ?3",
            params![name, kind, id],
        )?;
        Ok(())
    }

    /// The id and name of a unit of an agency.
    pub fn unit(&self, agency_id: i64, code: &str) -> Result<Option<(i64, String)>> {
        self.query(
            "SELECT id, name FROM unit WHERE agency_id = ?1 AND code = ?2",
            params![agency_id, code],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
    }

    pub fn insert_unit(&mut self, agency_id: i64, code: &str, name: &str) -> Result<i64> {
        self.exec(
            "INSERT INTO unit (agency_id, code, name) VALUES (?1, ?2, ?3)",
            params![agency_id, code, name],
        )?;
        Ok(self.tx.last_insert_rowid())
    }

    pub fn rename_unit(&mut self, id: i64, name: &str) -> Result<()> {
        self.exec("UPDATE unit SET name = ?1 WHERE id = ?2", params![name, id])?;
        Ok(())
    }

    /// The id and name of a product of a unit.
    pub fn product(&self, unit_id: i64, code: &str) -> Result<Option<(i64, String)>> {
        self.query(
            "SELECT id, name FROM product WHERE unit_id = ?1 AND code = ?2",
            params![unit_id, code],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
    }

    pub fn insert_product(&mut self, unit_id: i64, code: &str, name: &str) -> Result<i64> {
        self.exec(
            "INSERT INTO product (unit_id, code, name) VALUES (?1, ?2, ?3)",
            params![unit_id, code, name],
        )?;
        let id = self.tx.last_insert_rowid();
        super::catalog::new_product_state(&self.tx, self.cycle, id)
            .map_err(|e| classify(self.path, e))?;
        Ok(id)
    }

    pub fn rename_product(&mut self, id: i64, name: &str) -> Result<()> {
        self.exec(
            "UPDATE product SET name = ?1 WHERE id = ?2",
            params![name, id],
        )?;
        Ok(())
    }
}

/// One merged file as the import log keeps it, for `check` to verify and merge again.
#[derive(Debug, Clone)]
pub struct MergedFile {
    pub file_name: String,
    pub payload_sha256: String,
    pub assessor_id: String,
    /// `ed25519:BASE64`.
    pub public_key: String,
    /// Base64 of the signature.
    pub signature: String,
    /// The signed payload bytes: JSON (format 1) or its zstd frame (format 2).
    pub payload: Vec<u8>,
    pub format_version: i64,
}

impl Store {
    /// A new, empty, current database in a private temporary file that SQLite removes
    /// when it is closed (messages name `path`): where `check` merges a central
    /// database's files again.
    pub fn scratch(path: &Path) -> Result<Store> {
        let sql = |e| classify(path, e);
        let mut conn = rusqlite::Connection::open("").map_err(sql)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(sql)?;
        super::schema::migrate(&mut conn, path, 0)?;
        Store::with(conn, path)
    }

    /// Whether the database holds merged files (it is a central database by content).
    pub fn holds_merged_files(&self) -> Result<bool> {
        self.conn
            .query_row("SELECT EXISTS (SELECT 1 FROM import_file)", [], |r| {
                r.get(0)
            })
            .map_err(|e| self.sql(e))
    }

    /// Calls `f` with every merged file, in the order merged, one at a time (a
    /// nation's payloads are gigabytes together).
    pub fn each_merged_file<E: From<super::StoreError>>(
        &self,
        mut f: impl FnMut(MergedFile) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        let sql = |e| E::from(self.sql(e));
        let ids: Vec<i64> = self
            .conn
            .prepare("SELECT id FROM import_file ORDER BY id")
            .and_then(|mut stmt| stmt.query_map([], |r| r.get(0))?.collect())
            .map_err(sql)?;
        for id in ids {
            let file = self
                .conn
                .query_row(
                    "SELECT file_name, payload_sha256, assessor_id, public_key, signature, payload,
                            format_version
                     FROM import_file WHERE id = ?1",
                    [id],
                    |r| {
                        Ok(MergedFile {
                            file_name: r.get(0)?,
                            payload_sha256: r.get(1)?,
                            assessor_id: r.get(2)?,
                            public_key: r.get(3)?,
                            signature: r.get(4)?,
                            payload: r.get(5)?,
                            format_version: r.get(6)?,
                        })
                    },
                )
                .map_err(sql)?;
            f(file)?;
        }
        Ok(())
    }

    /// Every assessor's results as lines of text keyed by product path (sorted): what
    /// merging the stored files must give again. Database ids and merge times aside.
    /// Every assessor's results as lines of text keyed by cycle and node path (sorted):
    /// what merging the stored files must give again. Database ids and merge times
    /// aside.
    pub fn central_results(&self) -> Result<Vec<String>> {
        let path = super::central_levels::path_sql();
        let key = format!("x.cycle || ' ' || {path} || ' '");
        let queries = [
            format!(
                "SELECT 'result ' || {key} || json_array(x.assessor_id, x.assessor_name, x.exported_at,
                        x.chain, x.payload_sha256, x.finalized_at, x.finalized_by, x.score, x.category,
                        x.zone, x.closed_at, x.closed_by)
                 FROM central_result x"
            ),
            format!(
                "SELECT 'answer ' || {key} || json_array(x.assessor_id, x.indicator, x.respondent,
                        x.value, x.amount, x.source, x.na, x.carried, x.note, x.updated_at, x.updated_by)
                 FROM central_answer x"
            ),
            format!(
                "SELECT 'respondent ' || {key} || json_array(x.assessor_id, x.uid, x.role, x.number,
                        x.label, x.added_at, x.added_by, x.removed_at, x.removed_by, x.removed_reason)
                 FROM central_respondent x"
            ),
            format!(
                "SELECT 'evidence ' || {key} || json_array(x.assessor_id, x.position, x.indicator,
                        x.reference, x.size, x.sha256, x.added_at, x.added_by)
                 FROM central_evidence x"
            ),
            format!(
                "SELECT 'followup ' || {key} || json_array(x.assessor_id, x.position, x.kind, x.ref,
                        x.status, x.updated_at, x.updated_by)
                 FROM central_followup x"
            ),
        ];
        let mut lines = Vec::new();
        for q in &queries {
            let mut stmt = self.conn.prepare(q).map_err(|e| self.sql(e))?;
            let rows = stmt
                .query_map([], |r| r.get::<_, String>(0))
                .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
                .map_err(|e| self.sql(e))?;
            lines.extend(rows);
        }
        lines.sort();
        Ok(lines)
    }
}

/// The central side of `check` that needs no payload read (src/store/mod.rs): every
/// node's answers of respondent 0, evidence and finalization, at every level and in
/// every cycle, are its chosen result's (as `CentralTx::choose_node` puts them), its
/// respondents and follow-up register those its results give
/// (`central_levels::check_consolidated`), and every merged file's key is registered
/// for its assessor. One line per node or file that is not.
pub(super) fn check_chosen(store: &Store) -> Result<Vec<String>> {
    const CHOSEN: &str = "WITH chosen AS (
            SELECT c.id AS cycle_id, level, node_id, assessor_id, finalized_at, finalized_by FROM (
                SELECT r.*, row_number() OVER (PARTITION BY cycle, level, node_id
                    ORDER BY finalized_at IS NOT NULL DESC, exported_at DESC, assessor_id ASC) AS n
                FROM central_result r) x
            JOIN cycle c ON c.code = x.cycle
            WHERE n = 1),
        given AS (
            SELECT ch.cycle_id, o.level, o.node_id, o.indicator, o.value, o.amount, o.source, o.na,
                   o.carried, o.note, o.updated_at, o.updated_by
            FROM central_answer o JOIN cycle c ON c.code = o.cycle
            JOIN chosen ch ON ch.cycle_id = c.id AND ch.level = o.level AND ch.node_id = o.node_id
                          AND ch.assessor_id = o.assessor_id
            WHERE o.respondent = ''),
        given_evidence AS (
            SELECT ch.cycle_id, e.level, e.node_id, e.indicator, e.reference, e.size, e.sha256,
                   e.added_at, e.added_by
            FROM central_evidence e JOIN cycle c ON c.code = e.cycle
            JOIN chosen ch ON ch.cycle_id = c.id AND ch.level = e.level AND ch.node_id = e.node_id
                          AND ch.assessor_id = e.assessor_id)";
    const ANSWER: &str = "cycle_id, level, node_id, indicator, value, amount, source, na, carried, \
                          note, updated_at, updated_by";
    const EVIDENCE: &str =
        "cycle_id, level, node_id, indicator, reference, size, sha256, added_at, added_by";
    let differs = [
        (
            "its answers",
            format!(
                "{CHOSEN}
                 SELECT DISTINCT cycle_id, level, node_id FROM (
                   SELECT * FROM (SELECT {ANSWER} FROM answer WHERE respondent = 0
                                  EXCEPT SELECT * FROM given)
                   UNION ALL
                   SELECT * FROM (SELECT * FROM given
                                  EXCEPT SELECT {ANSWER} FROM answer WHERE respondent = 0)) x
                 -- A resolved conflict holds its resolution instead (checked in review.rs).
                 WHERE NOT EXISTS (SELECT 1 FROM review_resolution r
                                   WHERE r.cycle_id = x.cycle_id AND r.level = x.level
                                     AND r.node_id = x.node_id AND r.indicator = x.indicator)"
            ),
        ),
        (
            "its evidence",
            format!(
                "{CHOSEN}
                 SELECT DISTINCT cycle_id, level, node_id FROM (
                   SELECT * FROM (SELECT {EVIDENCE} FROM evidence EXCEPT SELECT * FROM given_evidence)
                   UNION ALL
                   SELECT * FROM (SELECT * FROM given_evidence EXCEPT SELECT {EVIDENCE} FROM evidence))"
            ),
        ),
        (
            "its finalization",
            format!(
                "{CHOSEN}
                 SELECT s.cycle_id, s.level, s.node_id FROM node_state s
                 LEFT JOIN chosen c ON c.cycle_id = s.cycle_id AND c.level = s.level AND c.node_id = s.node_id
                 WHERE s.finalized_at IS NOT c.finalized_at OR s.finalized_by IS NOT c.finalized_by
                 UNION
                 SELECT c.cycle_id, c.level, c.node_id FROM chosen c
                 WHERE c.finalized_at IS NOT NULL AND NOT EXISTS (
                   SELECT 1 FROM node_state s
                   WHERE s.cycle_id = c.cycle_id AND s.level = c.level AND s.node_id = c.node_id)"
            ),
        ),
    ];
    let mut problems = Vec::new();
    let path = super::central_levels::path_sql();
    for (what, q) in &differs {
        let sql = format!(
            "SELECT DISTINCT {path}, (SELECT code FROM cycle WHERE id = x.cycle_id), x.level
             FROM ({q}) x ORDER BY 1 LIMIT 20"
        );
        let mut stmt = store.conn.prepare(&sql).map_err(|e| store.sql(e))?;
        let paths: Vec<(Option<String>, Option<String>, i64)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .and_then(|rows| rows.collect())
            .map_err(|e| store.sql(e))?;
        for (path, cycle, level) in paths {
            let cycle = cycle.unwrap_or_default();
            // A product's answers of respondent 0 are its observations.
            let what = if level == 3 && *what == "its answers" {
                "its observations"
            } else {
                what
            };
            problems.push(format!(
                "{}{}: {what} are not those of its chosen merged result: changed outside patuh",
                crate::domain::text::sanitize(&path.unwrap_or_default()),
                if cycle == super::DEFAULT_CYCLE {
                    String::new()
                } else {
                    format!(" (cycle {})", crate::domain::text::sanitize(&cycle))
                }
            ));
        }
    }
    problems.extend(super::central_levels::check_consolidated(store)?);
    let mut stmt = store
        .conn
        .prepare(
            "SELECT f.file_name, f.assessor_id FROM import_file f
             WHERE NOT EXISTS (SELECT 1 FROM assessor_key k
                               WHERE k.public_key = f.public_key AND k.assessor_id = f.assessor_id)
             ORDER BY f.id",
        )
        .map_err(|e| store.sql(e))?;
    let files: Vec<(String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .and_then(|rows| rows.collect())
        .map_err(|e| store.sql(e))?;
    for (file, assessor) in files {
        problems.push(format!(
            "merged file {}: its key is not registered for assessor {} in assessor_key: changed outside patuh",
            crate::domain::text::sanitize(&file),
            crate::domain::text::sanitize(&assessor)
        ));
    }
    Ok(problems)
}
