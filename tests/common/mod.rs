//! Helpers shared by the integration tests: the shipped instruments, small datasets,
//! the CLI run in an isolated environment, and a content dump of a database.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use num_rational::BigRational;
use patuh::domain::Instrument;
use patuh::domain::Value;
use patuh::domain::model::{Agency, Dataset, Ix, Kind, Product, Unit};

pub fn instrument_2021() -> Instrument {
    Instrument::parse(include_str!(
        "../../fixtures/instruments/kepatuhan-2021.json"
    ))
    .expect("shipped 2021 instrument is valid")
}

pub fn instrument_2022() -> Instrument {
    Instrument::parse(include_str!(
        "../../fixtures/instruments/kepatuhan-2022.json"
    ))
    .expect("shipped 2022 instrument is valid")
}

pub fn instrument_2024() -> Instrument {
    Instrument::parse(include_str!(
        "../../fixtures/instruments/kepatuhan-2024.json"
    ))
    .expect("shipped 2024 instrument is valid")
}

pub fn instrument_2025() -> Instrument {
    Instrument::parse(include_str!("../../fixtures/instruments/opini-2025.json"))
        .expect("shipped 2025 instrument is valid")
}

/// Values for an instrument from (indicator id, value) pairs; others unanswered.
pub fn values(instrument: &Instrument, set: &[(&str, Value)]) -> Vec<Value> {
    let mut v = vec![Value::Unanswered; instrument.indicators.len()];
    for (id, val) in set {
        let i = instrument
            .indicator_index(id)
            .unwrap_or_else(|| panic!("no indicator {id}"));
        v[i] = *val;
    }
    v
}

pub fn r(n: i64, d: i64) -> BigRational {
    BigRational::new(n.into(), d.into())
}

/// A dataset of one agency per entry in `agencies`, each a list of units, each a list of
/// products' values, all with `instrument`.
pub fn dataset(instrument: Instrument, agencies: &[Vec<Vec<Vec<Value>>>]) -> Dataset {
    let n = instrument.indicators.len();
    let mut ds = Dataset {
        instruments: vec![instrument],
        ..Dataset::default()
    };
    for (ai, units) in agencies.iter().enumerate() {
        let a = ds.agencies.next_id();
        ds.agencies.push(Agency {
            db_id: ai as i64,
            code: format!("A{ai}"),
            name: format!("Agency {ai}"),
            kind: Kind::Pemkab,
            instrument: 0,
            units: Vec::new(),
        });
        for (ui, products) in units.iter().enumerate() {
            let u = ds.units.next_id();
            ds.agencies[a].units.push(u);
            ds.units.push(Unit {
                db_id: u.index() as i64,
                code: format!("U{ui}"),
                name: format!("Unit {ui}"),
                agency: a,
                products: Vec::new(),
            });
            for (pi, vals) in products.iter().enumerate() {
                let p = ds.products.next_id();
                ds.units[u].products.push(p);
                let mut values = vals.clone();
                values.resize(n, Value::Unanswered);
                ds.products.push(Product {
                    db_id: p.index() as i64,
                    code: format!("P{pi}"),
                    name: format!("Product {pi}"),
                    unit: u,
                    finalized: false,
                    values,
                    notes: vec![String::new(); n].into(),
                    evidence: vec![0; n].into(),
                });
            }
        }
    }
    ds
}

/// The `patuh` binary with HOME and XDG dirs in `home`, so no test touches the real ones.
pub fn patuh(home: &Path) -> Command {
    let mut cmd = Command::cargo_bin("patuh").expect("binary built");
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("LANG", "C");
    cmd
}

/// A temp dir with a database path in it.
pub fn temp_db() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("patuh.db");
    (dir, db)
}

/// Every row of every table, as text: equal dumps mean equal content.
pub fn dump(path: &Path) -> String {
    let conn =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("open for dump");
    let mut tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    tables.sort();
    let mut out = String::new();
    for t in tables {
        out.push_str(&format!("== {t}\n"));
        let mut stmt = conn
            .prepare(&format!("SELECT * FROM \"{t}\" ORDER BY 1, 2"))
            .unwrap();
        let cols = stmt.column_count();
        let rows = stmt
            .query_map([], |row| {
                let mut line = Vec::new();
                for c in 0..cols {
                    let v: rusqlite::types::Value = row.get(c)?;
                    line.push(format!("{v:?}"));
                }
                Ok(line.join("|"))
            })
            .unwrap();
        for row in rows {
            out.push_str(&row.unwrap());
            out.push('\n');
        }
    }
    out
}

/// The file's bytes and whether -wal / -shm files exist beside it.
pub fn snapshot_file(path: &Path) -> (Vec<u8>, bool, bool) {
    let side = |s: &str| {
        let mut p = path.as_os_str().to_owned();
        p.push(s);
        PathBuf::from(p).exists()
    };
    (
        std::fs::read(path).unwrap_or_default(),
        side("-wal"),
        side("-shm"),
    )
}

/// An exact rational as decimal text.
pub fn decimal(x: &BigRational) -> String {
    patuh::domain::json::decimal_text(x)
}

/// SQL that takes a database of this patuh back to schema 13: 0014's triggers on
/// `answer` replaced by the two of each kind they merged (0011's product update
/// trigger, 0013's of units and agencies). Run before [`BACK_TO_SCHEMA_12`].
pub const BACK_TO_SCHEMA_13: &str = r#"
DROP TRIGGER answer_state_insert;
DROP TRIGGER answer_state_update;
DROP TRIGGER answer_state_delete;
CREATE TRIGGER answer_digest_insert AFTER INSERT ON answer
WHEN NEW.level = 3 AND NEW.respondent = 0
 AND (SELECT digest IS NULL FROM node_state
      WHERE cycle_id = NEW.cycle_id AND level = 3 AND node_id = NEW.node_id) IS NOT 1 BEGIN
    INSERT INTO node_state (cycle_id, level, node_id, digest)
    VALUES (NEW.cycle_id, 3, NEW.node_id, NULL)
    ON CONFLICT (cycle_id, level, node_id) DO UPDATE SET digest = NULL;
END;
CREATE TRIGGER answer_digest_delete AFTER DELETE ON answer
WHEN OLD.level = 3 AND OLD.respondent = 0
 AND (SELECT digest IS NOT NULL FROM node_state
      WHERE cycle_id = OLD.cycle_id AND level = 3 AND node_id = OLD.node_id) BEGIN
    UPDATE node_state SET digest = NULL
    WHERE cycle_id = OLD.cycle_id AND level = 3 AND node_id = OLD.node_id;
END;
CREATE TRIGGER answer_digest_update
AFTER UPDATE OF cycle_id, level, node_id, indicator, respondent, value, na, carried ON answer
WHEN (NEW.level = 3 AND NEW.respondent = 0
      AND (SELECT digest IS NULL FROM node_state
           WHERE cycle_id = NEW.cycle_id AND level = 3 AND node_id = NEW.node_id) IS NOT 1)
  OR (OLD.level = 3 AND OLD.respondent = 0
      AND (OLD.cycle_id, OLD.level, OLD.node_id, OLD.respondent)
          <> (NEW.cycle_id, NEW.level, NEW.node_id, NEW.respondent)) BEGIN
    UPDATE node_state SET digest = NULL
    WHERE level = 3 AND OLD.level = 3 AND OLD.respondent = 0
      AND cycle_id = OLD.cycle_id AND node_id = OLD.node_id;
    INSERT INTO node_state (cycle_id, level, node_id, digest)
    SELECT NEW.cycle_id, 3, NEW.node_id, NULL WHERE NEW.level = 3 AND NEW.respondent = 0
    ON CONFLICT (cycle_id, level, node_id) DO UPDATE SET digest = NULL;
END;
CREATE TRIGGER answer_node_digest_insert AFTER INSERT ON answer
WHEN NEW.level IN (1, 2)
 AND (SELECT digest IS NULL FROM node_state
      WHERE cycle_id = NEW.cycle_id AND level = NEW.level AND node_id = NEW.node_id) IS NOT 1 BEGIN
    INSERT INTO node_state (cycle_id, level, node_id, digest)
    VALUES (NEW.cycle_id, NEW.level, NEW.node_id, NULL)
    ON CONFLICT (cycle_id, level, node_id) DO UPDATE SET digest = NULL;
END;
CREATE TRIGGER answer_node_digest_update
AFTER UPDATE OF cycle_id, level, node_id, indicator, respondent, value, na, carried ON answer
WHEN (NEW.level IN (1, 2)
      AND (SELECT digest IS NULL FROM node_state
           WHERE cycle_id = NEW.cycle_id AND level = NEW.level AND node_id = NEW.node_id) IS NOT 1)
  OR (OLD.level IN (1, 2)
      AND (OLD.cycle_id, OLD.level, OLD.node_id) <> (NEW.cycle_id, NEW.level, NEW.node_id)) BEGIN
    UPDATE node_state SET digest = NULL
    WHERE OLD.level IN (1, 2)
      AND cycle_id = OLD.cycle_id AND level = OLD.level AND node_id = OLD.node_id;
    INSERT INTO node_state (cycle_id, level, node_id, digest)
    SELECT NEW.cycle_id, NEW.level, NEW.node_id, NULL WHERE NEW.level IN (1, 2)
    ON CONFLICT (cycle_id, level, node_id) DO UPDATE SET digest = NULL;
END;
CREATE TRIGGER answer_node_digest_delete AFTER DELETE ON answer
WHEN OLD.level IN (1, 2)
 AND (SELECT digest IS NOT NULL FROM node_state
      WHERE cycle_id = OLD.cycle_id AND level = OLD.level AND node_id = OLD.node_id) BEGIN
    UPDATE node_state SET digest = NULL
    WHERE cycle_id = OLD.cycle_id AND level = OLD.level AND node_id = OLD.node_id;
END;
PRAGMA user_version = 13;
"#;

/// SQL that takes a database of this patuh back to schema 12: 0013's digests of units
/// and agencies undone (their triggers dropped, their digests back to the column's
/// empty default, the index of stale digests back to products only). Run after
/// [`BACK_TO_SCHEMA_13`], before [`BACK_TO_SCHEMA_11`].
pub const BACK_TO_SCHEMA_12: &str = r#"
DROP TRIGGER answer_node_digest_insert;
DROP TRIGGER answer_node_digest_update;
DROP TRIGGER answer_node_digest_delete;
DROP TRIGGER agency_instrument_node_digest;
DROP TRIGGER unit_agency_node_digest;
DROP TRIGGER cycle_agency_node_digest_insert;
DROP TRIGGER cycle_agency_node_digest_update;
DROP TRIGGER cycle_agency_node_digest_delete;
UPDATE node_state SET digest = X'' WHERE level IN (1, 2);
DROP INDEX node_state_stale;
CREATE INDEX node_state_stale ON node_state (cycle_id, node_id) WHERE level = 3 AND digest IS NULL;
PRAGMA user_version = 12;
"#;

/// SQL that takes a database of this patuh back to schema 11: 0012's central tables
/// undone (the product results of the cycle `default` back into the tables of 0002 and
/// 0006, the views of them dropped), for tests that upgrade a database of an older
/// patuh made from a current one. Run before [`BACK_TO_SCHEMA_10`].
pub const BACK_TO_SCHEMA_11: &str = r#"
DROP VIEW conflict;
DROP VIEW assessor_evidence;
DROP VIEW assessor_observation;
DROP VIEW assessor_result;
CREATE TABLE assessor_result (
    product_id     INTEGER NOT NULL REFERENCES product (id),
    assessor_id    TEXT NOT NULL,
    assessor_name  TEXT NOT NULL,
    import_id      INTEGER NOT NULL REFERENCES import_file (id),
    exported_at    TEXT NOT NULL,
    payload_sha256 TEXT NOT NULL,
    finalized_at   TEXT,
    finalized_by   TEXT,
    score          TEXT,
    zone           TEXT,
    chain          INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (product_id, assessor_id)
) STRICT;
CREATE TABLE assessor_observation (
    product_id  INTEGER NOT NULL,
    assessor_id TEXT NOT NULL,
    indicator   TEXT NOT NULL,
    value       INTEGER CHECK (value IS NULL OR value >= 0),
    na          INTEGER NOT NULL CHECK (na IN (0, 1)),
    note        TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    updated_by  TEXT NOT NULL,
    PRIMARY KEY (product_id, assessor_id, indicator),
    FOREIGN KEY (product_id, assessor_id)
        REFERENCES assessor_result (product_id, assessor_id) ON DELETE CASCADE,
    CHECK (NOT (na = 1 AND value IS NOT NULL))
) STRICT, WITHOUT ROWID;
CREATE TABLE assessor_evidence (
    product_id  INTEGER NOT NULL,
    assessor_id TEXT NOT NULL,
    position    INTEGER NOT NULL,
    indicator   TEXT NOT NULL,
    reference   TEXT NOT NULL,
    size        INTEGER,
    sha256      TEXT,
    added_at    TEXT NOT NULL,
    added_by    TEXT NOT NULL,
    PRIMARY KEY (product_id, assessor_id, position),
    FOREIGN KEY (product_id, assessor_id)
        REFERENCES assessor_result (product_id, assessor_id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;
INSERT INTO assessor_result
SELECT node_id, assessor_id, assessor_name, import_id, exported_at, payload_sha256, finalized_at,
       finalized_by, score, zone, chain
FROM central_result WHERE cycle = 'default' AND level = 3;
INSERT INTO assessor_observation
SELECT node_id, assessor_id, indicator, value, na, note, updated_at, updated_by
FROM central_answer WHERE cycle = 'default' AND level = 3 AND respondent = '';
INSERT INTO assessor_evidence
SELECT node_id, assessor_id, position, indicator, reference, size, sha256, added_at, added_by
FROM central_evidence WHERE cycle = 'default' AND level = 3;
CREATE VIEW conflict AS
SELECT product_id,
       count(*)                                   AS assessors,
       count(DISTINCT coalesce(score, '-'))       AS distinct_scores
FROM assessor_result
GROUP BY product_id
HAVING count(*) > 1;
DROP TABLE central_followup;
DROP TABLE central_evidence;
DROP TABLE central_respondent;
DROP TABLE central_answer;
DROP TABLE central_result;
ALTER TABLE import_file DROP COLUMN format_version;
PRAGMA user_version = 11;
"#;

/// SQL that takes a database of schema 11 whose work is all in the cycle `default`, with
/// no agency's instrument named per cycle and no carried answer, back to the tables of
/// schema 10, as the patuh before 0011 (cycles at work) left them: its digest trigger
/// word for word.
pub const BACK_TO_SCHEMA_10: &str = r#"
DROP TABLE cycle_agency;
DROP TRIGGER answer_digest_update;
CREATE TRIGGER answer_digest_update
AFTER UPDATE OF cycle_id, level, node_id, indicator, respondent, value, na ON answer
WHEN (NEW.level = 3 AND NEW.respondent = 0
      AND (SELECT digest IS NULL FROM node_state
           WHERE cycle_id = NEW.cycle_id AND level = 3 AND node_id = NEW.node_id) IS NOT 1)
  OR (OLD.level = 3 AND OLD.respondent = 0
      AND (OLD.cycle_id, OLD.level, OLD.node_id, OLD.respondent)
          <> (NEW.cycle_id, NEW.level, NEW.node_id, NEW.respondent)) BEGIN
    UPDATE node_state SET digest = NULL
    WHERE level = 3 AND OLD.level = 3 AND OLD.respondent = 0
      AND cycle_id = OLD.cycle_id AND node_id = OLD.node_id;
    INSERT INTO node_state (cycle_id, level, node_id, digest)
    SELECT NEW.cycle_id, 3, NEW.node_id, NULL WHERE NEW.level = 3 AND NEW.respondent = 0
    ON CONFLICT (cycle_id, level, node_id) DO UPDATE SET digest = NULL;
END;
PRAGMA user_version = 10;
"#;

/// SQL that takes a database of schema 9 (after [`BACK_TO_SCHEMA_10`]; 0010's table is
/// dropped by the tests that go further back) whose work is all in the cycle `default`, at
/// product level and without respondents (what a format-1 assessment holds) back to
/// the tables of schema 8, as the patuh before 0009 left them (its triggers and indexes
/// word for word, so that the file's tables are those of version 8): for tests that
/// upgrade a database of an older patuh made from a current one.
pub const BACK_TO_SCHEMA_8: &str = r#"
CREATE TABLE observation (
    product_id INTEGER NOT NULL REFERENCES product (id),
    indicator  TEXT NOT NULL,
    value      INTEGER CHECK (value IS NULL OR value >= 0),
    na         INTEGER NOT NULL DEFAULT 0 CHECK (na IN (0, 1)),
    note       TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (product_id, indicator),
    CHECK (NOT (na = 1 AND value IS NOT NULL))
) STRICT, WITHOUT ROWID;
INSERT INTO observation
SELECT node_id, indicator, value, na, note, updated_at, updated_by FROM answer
WHERE level = 3 AND respondent = 0;
ALTER TABLE product ADD COLUMN finalized_at TEXT;
ALTER TABLE product ADD COLUMN finalized_by TEXT;
ALTER TABLE product ADD COLUMN digest BLOB DEFAULT X'';
UPDATE product SET
    finalized_at = (SELECT finalized_at FROM node_state s WHERE s.level = 3 AND s.node_id = product.id),
    finalized_by = (SELECT finalized_by FROM node_state s WHERE s.level = 3 AND s.node_id = product.id),
    digest = (SELECT digest FROM node_state s WHERE s.level = 3 AND s.node_id = product.id);
DROP TABLE answer;
DROP TABLE node_state;
DROP TABLE respondent;
DROP TABLE followup;
DROP TABLE followup_register;
DROP TRIGGER agency_instrument_digest;
CREATE INDEX product_stale ON product (id) WHERE digest IS NULL;
CREATE TRIGGER observation_digest_insert AFTER INSERT ON observation
WHEN (SELECT digest IS NOT NULL FROM product WHERE id = NEW.product_id) BEGIN
    UPDATE product SET digest = NULL WHERE id = NEW.product_id;
END;
CREATE TRIGGER observation_digest_delete AFTER DELETE ON observation
WHEN (SELECT digest IS NOT NULL FROM product WHERE id = OLD.product_id) BEGIN
    UPDATE product SET digest = NULL WHERE id = OLD.product_id;
END;
CREATE TRIGGER agency_instrument_digest AFTER UPDATE OF instrument_id ON agency BEGIN
    UPDATE product SET digest = NULL
    WHERE unit_id IN (SELECT id FROM unit WHERE agency_id = NEW.id);
END;
CREATE INDEX observation_notes ON observation (product_id, indicator, note) WHERE note <> '';
CREATE TRIGGER observation_digest_update AFTER UPDATE OF product_id, indicator, value, na ON observation
WHEN NEW.product_id <> OLD.product_id
  OR (SELECT digest IS NOT NULL FROM product WHERE id = NEW.product_id) BEGIN
    UPDATE product SET digest = NULL WHERE id IN (OLD.product_id, NEW.product_id);
END;
CREATE TABLE evidence_old (
    id         INTEGER PRIMARY KEY,
    product_id INTEGER NOT NULL REFERENCES product (id),
    indicator  TEXT NOT NULL,
    reference  TEXT NOT NULL,
    size       INTEGER,
    sha256     TEXT,
    added_at   TEXT NOT NULL,
    added_by   TEXT NOT NULL
) STRICT;
INSERT INTO evidence_old
SELECT id, node_id, indicator, reference, size, sha256, added_at, added_by FROM evidence;
DROP TABLE evidence;
ALTER TABLE evidence_old RENAME TO evidence;
CREATE INDEX evidence_by_product ON evidence (product_id, indicator);
CREATE TABLE evidence_removed_old (
    id          INTEGER PRIMARY KEY,
    evidence_id INTEGER NOT NULL,   -- the id it had in `evidence`
    product_id  INTEGER NOT NULL REFERENCES product (id),
    indicator   TEXT NOT NULL,
    reference   TEXT NOT NULL,
    size        INTEGER,
    sha256      TEXT,
    added_at    TEXT NOT NULL,
    added_by    TEXT NOT NULL,
    removed_at  TEXT NOT NULL,
    removed_by  TEXT NOT NULL
) STRICT;
INSERT INTO evidence_removed_old
SELECT id, evidence_id, node_id, indicator, reference, size, sha256, added_at, added_by,
       removed_at, removed_by FROM evidence_removed;
DROP TABLE evidence_removed;
ALTER TABLE evidence_removed_old RENAME TO evidence_removed;
CREATE INDEX evidence_removed_by_product ON evidence_removed (product_id, indicator);
ALTER TABLE audit DROP COLUMN respondent;
ALTER TABLE audit DROP COLUMN cycle;
ALTER TABLE audit RENAME COLUMN path TO product;
PRAGMA user_version = 8;
"#;
