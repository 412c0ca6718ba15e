//! The schema of a patuh database: the append-only list of migrations (`schema/*.sql`,
//! applied in order by `rusqlite_migration`, `PRAGMA user_version` counting the ones
//! applied), and the check that a file's tables are the ones its `user_version` says
//! (a version set back by hand would otherwise make a migration fail half-way with
//! SQLite's words, "duplicate column name: digest", and no fix named).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::LazyLock;

use rusqlite::{Connection, Transaction, TransactionBehavior};
use rusqlite_migration::{HookResult, M, Migrations};

use super::{Result, StoreError, central_log, classify, digest};

/// The migrations, in order. Append only: a migration is never edited once released
/// (files in the field were made by it); a change is a new migration at the end.
/// No down steps: a file is never taken back to an older patuh.
static MIGRATIONS: LazyLock<Migrations<'static>> = LazyLock::new(|| {
    Migrations::new(vec![
        // 0001: the workstation's tables: instruments, agencies, units, products,
        // observations, evidence and the hash-chained audit log.
        M::up(include_str!("../../schema/0001_init.sql")),
        // 0002: central consolidation of signed exports (src/exchange/merge.rs); the
        // tables exist in every database and stay empty on a workstation.
        M::up(include_str!("../../schema/0002_central.sql")),
        // 0003: each product's values in compact form, and an index of the notes, so
        // that a nation's workstation opens at once (src/store/digest.rs). The digests
        // it leaves stale are rewritten at the end of the upgrade (the last migration's hook: every
        // pending migration runs in one transaction, and the code that rewrites them
        // knows only the latest tables).
        M::up(include_str!("../../schema/0003_digest.sql")),
        // 0004: a keystroke's change: the digest trigger fires for values only.
        M::up(include_str!("../../schema/0004_digest_trigger.sql")),
        // 0005: evidence references removed in the workstation are kept, not deleted
        // (src/store/removal.rs).
        M::up(include_str!("../../schema/0005_evidence_removed.sql")),
        // 0006: the central database's own hash chain of changes, each merged export's
        // chain length (its order among the assessor's exports), the central
        // assignment; a central database made before it gets the log rows its history
        // would have written.
        M::up_with_hook(
            include_str!("../../schema/0006_central_log.sql"),
            |tx: &Transaction<'_>| -> HookResult {
                central_log::backfill(tx)?;
                Ok(())
            },
        ),
        // 0007: cycles (mentoring, assessment), one `default` cycle holding everything
        // made before them (docs/data-model.md).
        M::up(include_str!("../../schema/0007_cycle.sql")),
        // 0008: review (issue 15): each node's review state, the comments of a
        // return, resolved conflicts, revoked keys and return files sent, on the
        // central side; the return files applied, on a workstation.
        M::up(include_str!("../../schema/0008_review.sql")),
        // 0009: one answer, one key: answers at every level, by respondents, from
        // outside data (`answer` replaces `observation`); per node and cycle state
        // (digest, finalization); respondents; follow-up registers; evidence by node;
        // the audit log by node path, cycle and respondent (docs/data-model.md). The
        // digests it leaves stale are rewritten at the end of the upgrade (the last
        // migration's hook).
        M::up(include_str!("../../schema/0009_answer.sql")),
        // 0010 (issue 14): published scores of past years, for the trend.
        M::up(include_str!("../../schema/0010_history.sql")),
        // 0011: cycles at work (issue 14): the instrument of an agency per cycle, and
        // the digest trigger watching `answer.carried` (a carried answer confirmed).
        M::up(include_str!("../../schema/0011_cycle_instrument.sql")),
        // 0012: the central database's results at every level, by cycle (export format
        // 2); the product results of 0002 move into them and their tables become views
        // of them.
        M::up(include_str!("../../schema/0012_central_levels.sql")),
        // 0013 (issue 16): each unit's and agency's answers in compact form, kept
        // exact by triggers like the products' (src/store/digest.rs).
        M::up(include_str!("../../schema/0013_node_digest.sql")),
        // 0014 (issue 16): one trigger per kind of write on `answer` for the digests
        // of every level, instead of 0009's and 0013's two (a keystroke's commit ran
        // both). Ends with every digest the upgrade left stale rewritten from the
        // answers, in the upgrade's own transaction: an upgraded file opens as fast as
        // a new one. This hook stays on the last migration: it is today's code, which
        // knows only the latest tables (a hook runs right after its own migration,
        // before the later ones).
        M::up_with_hook(
            include_str!("../../schema/0014_answer_trigger.sql"),
            |tx: &Transaction<'_>| -> HookResult {
                digest::refresh_stale(tx)?;
                Ok(())
            },
        ),
    ])
});

/// The schema version this build writes: the number of migrations.
pub const SCHEMA_VERSION: i32 = 14;

/// Brings the file of `conn` to [`SCHEMA_VERSION`], all pending migrations in one
/// `BEGIN IMMEDIATE` transaction (all or nothing). `version` is the file's
/// `user_version`, checked by [`check_shape`] before.
pub(super) fn migrate(conn: &mut Connection, path: &Path, version: i32) -> Result<()> {
    if version >= SCHEMA_VERSION {
        return Ok(());
    }
    // IMMEDIATE: a second patuh migrating the same file at once waits for the first
    // instead of failing half-way on a lock it cannot upgrade.
    conn.set_transaction_behavior(TransactionBehavior::Immediate);
    let result = MIGRATIONS.to_latest(conn);
    conn.set_transaction_behavior(TransactionBehavior::Deferred);
    match result {
        Ok(()) => {
            tracing::info!(from = version, to = SCHEMA_VERSION, "migrated");
            Ok(())
        }
        // Another patuh upgraded the file between our reading its version and our
        // transaction (its migration then failed on what was there already, and was
        // rolled back): the file is current, which is what was wanted.
        Err(_) if user_version(conn).is_ok_and(|v| v == SCHEMA_VERSION) => Ok(()),
        Err(rusqlite_migration::Error::RusqliteError { err, .. }) => Err(classify(path, err)),
        Err(e) => Err(StoreError::Refused(format!(
            "{}: the database could not be upgraded to schema version {SCHEMA_VERSION} ({e}); \
             nothing was changed. Restore it from a backup, or report this",
            path.display()
        ))),
    }
}

pub(super) fn user_version(conn: &Connection) -> rusqlite::Result<i32> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
}

/// A schema as compared: each table, view, index and trigger by kind and name, with
/// the columns of tables and views, and the definition of indexes and triggers (white
/// space aside). Not the definition of tables: SQLite rewrites it on `ALTER TABLE`.
type Shape = BTreeMap<(String, String), String>;

/// The shape of the schema of `conn`.
fn shape(conn: &Connection) -> rusqlite::Result<Shape> {
    let mut stmt = conn.prepare(
        "SELECT s.type, s.name,
                CASE WHEN s.type IN ('table', 'view')
                     THEN (SELECT group_concat(c.name, ',') FROM pragma_table_info(s.name) c)
                     ELSE s.sql END
         FROM sqlite_schema s
         WHERE s.name NOT LIKE 'sqlite_%'",
    )?;
    let rows = stmt.query_map([], |r| {
        let detail: Option<String> = r.get(2)?;
        let detail = detail.unwrap_or_default();
        Ok((
            (r.get(0)?, r.get(1)?),
            detail.split_whitespace().collect::<Vec<_>>().join(" "),
        ))
    })?;
    rows.collect()
}

/// The shape of every schema version, 0 (empty) to [`SCHEMA_VERSION`], as the
/// migrations make it; built once, in memory.
fn expected() -> &'static [Shape] {
    static SHAPES: LazyLock<Vec<Shape>> = LazyLock::new(|| {
        let build = || -> std::result::Result<Vec<Shape>, String> {
            let mut conn = Connection::open_in_memory().map_err(|e| e.to_string())?;
            let mut shapes = vec![shape(&conn).map_err(|e| e.to_string())?];
            for v in 1..=SCHEMA_VERSION as usize {
                MIGRATIONS
                    .to_version(&mut conn, v)
                    .map_err(|e| e.to_string())?;
                shapes.push(shape(&conn).map_err(|e| e.to_string())?);
            }
            Ok(shapes)
        };
        // The migrations are part of the binary and validated by the tests; should
        // they ever fail here, no shape is known and no file is refused for its shape.
        build().unwrap_or_else(|e| {
            tracing::error!(error = e, "the migrations do not apply in memory");
            Vec::new()
        })
    });
    &SHAPES
}

/// Every object (type, name) some schema version makes: the union of the keys of
/// [`expected`], kept here so that a command's start need not build the shapes
/// (tests below check it is that union).
const OBJECTS: &[(&str, &str)] = &[
    ("index", "answer_data"),
    ("index", "answer_notes"),
    ("index", "assessor_key_by_id"),
    ("index", "audit_by_product"),
    ("index", "evidence_by_node"),
    ("index", "evidence_by_product"),
    ("index", "evidence_removed_by_node"),
    ("index", "evidence_removed_by_product"),
    ("index", "history_score_current"),
    ("index", "node_state_stale"),
    ("index", "observation_notes"),
    ("index", "product_stale"),
    ("table", "agency"),
    ("table", "answer"),
    ("table", "assessor_evidence"),
    ("table", "assessor_key"),
    ("table", "assessor_observation"),
    ("table", "assessor_result"),
    ("table", "audit"),
    ("table", "central_answer"),
    ("table", "central_assignment"),
    ("table", "central_evidence"),
    ("table", "central_followup"),
    ("table", "central_log"),
    ("table", "central_respondent"),
    ("table", "central_result"),
    ("table", "cycle"),
    ("table", "cycle_agency"),
    ("table", "evidence"),
    ("table", "evidence_removed"),
    ("table", "followup"),
    ("table", "followup_register"),
    ("table", "history_score"),
    ("table", "import_file"),
    ("table", "inbox_file"),
    ("table", "inbox_node"),
    ("table", "instrument"),
    ("table", "meta"),
    ("table", "name_source"),
    ("table", "node_state"),
    ("table", "observation"),
    ("table", "product"),
    ("table", "respondent"),
    ("table", "returned_item"),
    ("table", "review"),
    ("table", "review_comment"),
    ("table", "review_resolution"),
    ("table", "review_sent"),
    ("table", "revoked_key"),
    ("table", "unit"),
    ("trigger", "agency_instrument_digest"),
    ("trigger", "agency_instrument_node_digest"),
    ("trigger", "answer_digest_delete"),
    ("trigger", "answer_digest_insert"),
    ("trigger", "answer_digest_update"),
    ("trigger", "answer_node_digest_delete"),
    ("trigger", "answer_node_digest_insert"),
    ("trigger", "answer_node_digest_update"),
    ("trigger", "answer_state_delete"),
    ("trigger", "answer_state_insert"),
    ("trigger", "answer_state_update"),
    ("trigger", "cycle_agency_digest_delete"),
    ("trigger", "cycle_agency_digest_insert"),
    ("trigger", "cycle_agency_digest_update"),
    ("trigger", "cycle_agency_node_digest_delete"),
    ("trigger", "cycle_agency_node_digest_insert"),
    ("trigger", "cycle_agency_node_digest_update"),
    ("trigger", "observation_digest_delete"),
    ("trigger", "observation_digest_insert"),
    ("trigger", "observation_digest_update"),
    ("trigger", "unit_agency_node_digest"),
    ("view", "assessor_evidence"),
    ("view", "assessor_observation"),
    ("view", "assessor_result"),
    ("view", "conflict"),
];

/// SHA-256 of [`shape_text`] of each schema version's shape, 0 to [`SCHEMA_VERSION`]:
/// a file whose shape hashes to its version's is checked without building the shapes
/// (applying every migration in memory cost each command more time than its own work;
/// tests below check these are the shapes the migrations make).
const SHAPE_SHA256: [&str; SCHEMA_VERSION as usize + 1] = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "dd4704a36d3a721c1f480c2fd3f20ea5ba394106dd86f2d4681acc1fda86dca4",
    "4d347ec89c5cb5a2f7b59ae43e19b064618570e9b255c291e5fc5a85e7f9c16d",
    "97f6368f3b2f7bbdecf7fffff5cd367a1fcf081904ed80b83131aca96f3be908",
    "bdd94c84ffb79923154ac92e40444cbddcd6e1ba4081819cdd4c94900030a742",
    "55e83db7e97c28c3c6d1193b91258870af8a96563225d87b24f291c521d03aa9",
    "4c7034515837ff1fc0b149ac183e941bef3d189d1a7735f186108fa40bf41932",
    "dfbb4e3bd93e0d1092f91ce479dfb69b8992e0adc032caaa40e126f8e4c960b3",
    "9ef2ad9a82970e2f2721efeb15ce54768a0b3863753a4c1cdda01c9d3cb782f0",
    "9c9b076e4e9598c04a7332601b40b114773a727b248f930ad214ba3f4dd8ff0f",
    "1241177f3f76c5328d77bdc3bc58eaa28e78dafe57a91572faf2c6e3f8b0d108",
    "960d9cb4b79327ebf6d75fa61b0b8ad312632e0d5247dd60930f93c1e50022ba",
    "11b96ab7d48829e6b19339c284b43dbb45647d6fc2f8009a9094592477e4a4de",
    "83002a8b44d5e4fdf0254560f86855b93675d03f5e1035c87d4d1d3091a713db",
    "1337f24fa3e8ea40f7400ee4ce4121dc02396101bf6eaaad6a40a5f788754b4b",
];

/// A shape as one text, each object on a line, in order.
fn shape_text(shape: &Shape) -> String {
    shape
        .iter()
        .map(|((kind, name), detail)| format!("{kind}\t{name}\t{detail}\n"))
        .collect()
}

fn shape_sha256(shape: &Shape) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(shape_text(shape).as_bytes()))
}

/// Only what some version of patuh makes.
fn ours(s: &Shape) -> Shape {
    s.iter()
        .filter(|((kind, name), _)| OBJECTS.contains(&(kind.as_str(), name.as_str())))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Refuses, changing nothing, a file whose tables are not the ones its `user_version`
/// says: upgrading it would fail half-way (a column added twice) or, worse, succeed on
/// a wrong base. Objects patuh never made (a table or an index someone added for their
/// own queries) are not looked at. Returns the file's `user_version`.
pub(super) fn check_shape(conn: &Connection, path: &Path) -> Result<i32> {
    let sql = |e| classify(path, e);
    // One read transaction: the version and the tables are of one moment (the
    // caller's, when it has one: a reader's snapshot includes this check).
    let tx = if conn.is_autocommit() {
        Some(conn.unchecked_transaction().map_err(sql)?)
    } else {
        None
    };
    let version = user_version(conn).map_err(sql)?;
    let actual = ours(&shape(conn).map_err(sql)?);
    drop(tx);
    let known = usize::try_from(version)
        .ok()
        .and_then(|v| SHAPE_SHA256.get(v));
    if known.is_some_and(|h| *h == shape_sha256(&actual)) {
        return Ok(version);
    }
    // Not the shape of its version (or a version this build does not know): the
    // shapes are built to say which version its tables are.
    let shapes = expected();
    let Some(claimed) = usize::try_from(version).ok().and_then(|v| shapes.get(v)) else {
        return Ok(version); // newer (refused by the caller) or no shapes known
    };
    if actual == *claimed {
        return Ok(version);
    }
    let tables_of = shapes.iter().rposition(|s| *s == actual);
    Err(StoreError::SchemaMismatch {
        path: path.to_path_buf(),
        version,
        tables_of: tables_of.map(|v| v as i32),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_migrations_apply_in_order_to_an_empty_database() {
        MIGRATIONS.validate().expect("valid migrations");
        let conn = Connection::open_in_memory().expect("memory");
        assert_eq!(
            MIGRATIONS.pending_migrations(&conn).expect("pending"),
            SCHEMA_VERSION,
            "SCHEMA_VERSION is the number of migrations"
        );
        let shapes = expected();
        assert_eq!(shapes.len(), SCHEMA_VERSION as usize + 1);
        for (v, pair) in shapes.windows(2).enumerate() {
            assert_ne!(pair[0], pair[1], "migration {} changes the schema", v + 1);
        }
    }

    /// The constants that spare a command's start building the shapes are the shapes'.
    /// After a new migration: paste what this prints.
    #[test]
    fn the_shape_constants_are_those_the_migrations_make() {
        let shapes = expected();
        let mut objects: Vec<(String, String)> =
            shapes.iter().flat_map(|s| s.keys().cloned()).collect();
        objects.sort();
        objects.dedup();
        let hashes: Vec<String> = shapes.iter().map(shape_sha256).collect();
        let listed: Vec<(String, String)> = OBJECTS
            .iter()
            .map(|(k, n)| (k.to_string(), n.to_string()))
            .collect();
        assert!(
            listed == objects && hashes == SHAPE_SHA256,
            "update src/store/schema.rs:\nconst OBJECTS = {objects:?};\nconst SHAPE_SHA256 = {hashes:?};"
        );
        for s in shapes {
            assert_eq!(&ours(s), s, "every object of a shape is listed");
        }
    }
}
