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
        // that a nation's workstation opens at once (src/store/digest.rs).
        caught_up(include_str!("../../schema/0003_digest.sql")),
        // 0004: a keystroke's change: the digest trigger fires for values only.
        caught_up(include_str!("../../schema/0004_digest_trigger.sql")),
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
                digest::refresh_stale(tx)?;
                Ok(())
            },
        ),
        // 0007: cycles (mentoring, assessment), one `default` cycle holding everything
        // made before them (docs/data-model.md).
        M::up(include_str!("../../schema/0007_cycle.sql")),
        // 0010 (issue 14; numbered after the methodology's 0008 and the review's 0009,
        // which land beside it): published scores of past years, for the trend.
        M::up(include_str!("../../schema/0010_history.sql")),
    ])
});

/// The schema version this build writes: the number of migrations.
pub const SCHEMA_VERSION: i32 = 8;

/// A migration (from 0003 on, when products have digests) that ends with every digest
/// it left stale rewritten from the observations, in the migration's own transaction:
/// an upgraded file opens as fast as a new one.
fn caught_up(sql: &'static str) -> M<'static> {
    M::up_with_hook(sql, refresh_digests)
}

fn refresh_digests(tx: &Transaction<'_>) -> HookResult {
    digest::refresh_stale(tx)?;
    Ok(())
}

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
    let actual = shape(conn).map_err(sql)?;
    drop(tx);
    let shapes = expected();
    let Some(claimed) = usize::try_from(version).ok().and_then(|v| shapes.get(v)) else {
        return Ok(version); // newer (refused by the caller) or no shapes known
    };
    // Only what some version of patuh makes.
    let ours = |s: &Shape| -> Shape {
        s.iter()
            .filter(|(k, _)| shapes.iter().any(|e| e.contains_key(*k)))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    };
    let actual = ours(&actual);
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
}
