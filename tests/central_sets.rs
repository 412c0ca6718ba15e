//! The central merge chooses the nodes that have one result in sets (a few `INSERT ...
//! SELECT` per run of nodes) and the others one by one: both ways must write the same
//! rows with the same ids. The same files are merged into two central databases, one
//! the usual way and one with every node chosen one by one, on one clock, and every
//! table of the two is compared row for row: a first merge (every node in sets), a
//! newer export of the same assessor (results superseded: the consolidated rows of the
//! sets deleted and written again), another assessor's file on the same nodes (two
//! results: one by one) with a node of its own (one result: in sets, in the same file).

mod exchange_support;

use std::path::{Path, PathBuf};

use exchange_support::*;
use patuh::domain::Value;
use patuh::exchange::merge::{Outcome, merge_verified, open_central};
use patuh::exchange::verify::verify_file;
use patuh::store::{CentralTx, Store};

/// Merges `files` in order into a new central database at `db`, on a clock fixed at
/// `clock` (seconds since 1970) for the first file, a minute later for each next one.
fn merge_all(db: &Path, files: &[PathBuf], clock: i64) {
    let mut store = open_central(db).expect("a central database");
    for (k, file) in files.iter().enumerate() {
        at(&mut store, clock + k as i64 * 60);
        let v = verify_file(file, None, None).expect("the file verifies");
        let name = file.file_name().unwrap().to_str().unwrap();
        let outcome = merge_verified(&mut store, &v, name, None).expect("merged");
        assert!(matches!(outcome, Outcome::Merged(_)), "{outcome:?}");
    }
}

/// Every row of every table, in rowid order (or, without rowid, in key order), but for
/// the two a new central database writes on opening, at the real clock (its log's
/// first rows, the shipped instruments' import time).
fn tables(db: &Path) -> Vec<(String, Vec<String>)> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let names: Vec<(String, bool)> = conn
        .prepare(
            "SELECT name, sql LIKE '%WITHOUT ROWID%' FROM sqlite_master
             WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
               AND name NOT IN ('central_log', 'instrument') ORDER BY name",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    names
        .into_iter()
        .map(|(name, without_rowid)| {
            let sql = if without_rowid {
                let n: i64 = conn
                    .query_row(
                        &format!("SELECT count(*) FROM pragma_table_info('{name}')"),
                        [],
                        |r| r.get(0),
                    )
                    .unwrap();
                let order: Vec<String> = (1..=n).map(|k| k.to_string()).collect();
                format!("SELECT * FROM \"{name}\" ORDER BY {}", order.join(", "))
            } else {
                format!("SELECT rowid, * FROM \"{name}\" ORDER BY rowid")
            };
            let mut stmt = conn.prepare(&sql).unwrap();
            let columns = stmt.column_count();
            let rows = stmt
                .query_map([], |r| {
                    let cells: Vec<String> = (0..columns)
                        .map(|c| match r.get_ref(c).unwrap() {
                            rusqlite::types::ValueRef::Text(t) => {
                                format!("{:?}", String::from_utf8_lossy(t))
                            }
                            other => format!("{other:?}"),
                        })
                        .collect();
                    Ok(cells.join(" | "))
                })
                .unwrap()
                .collect::<rusqlite::Result<Vec<_>>>()
                .unwrap();
            (name, rows)
        })
        .collect()
}

#[test]
fn nodes_chosen_in_sets_are_the_nodes_chosen_one_by_one() {
    let w = World::new();
    let siti = filled_method_workstation(&w);
    let siti1 = w.export("siti", &siti, "siti1.patuh", &[]);
    {
        // Her next export: a respondent more at one unit, a value changed at a product.
        let mut store = Store::open(&siti).unwrap();
        let added = respondent(&mut store, "9101/DPMPTSP", "pelaksana", "Staf");
        answer(
            &mut store,
            "9101/DPMPTSP",
            "persepsi-standar",
            Some(&added),
            Value::Level(1),
        );
        answer(
            &mut store,
            "1702/DUKCAPIL/KTP-EL",
            "persyaratan",
            None,
            Value::Level(3),
        );
    }
    let siti2 = w.export("siti", &siti, "siti2.patuh", &[]);
    let budi = method_workstation(&w, "budi", "Budi Santoso", "ASN-002");
    {
        // The same nodes (other respondents, other values: conflicts, numbers that
        // clash), and a unit of his own.
        let mut store = Store::open(&budi).unwrap();
        fill_methods(&mut store);
        answer(
            &mut store,
            "1702/DUKCAPIL/KTP-EL",
            "persyaratan",
            None,
            Value::Level(0),
        );
        let own = respondent(&mut store, "9101/DUKCAPIL", "pelaksana", "Kepala Seksi");
        answer(
            &mut store,
            "9101/DUKCAPIL",
            "pengetahuan-standar",
            Some(&own),
            Value::Level(2),
        );
    }
    let budi1 = w.export("budi", &budi, "budi1.patuh", &[]);

    let files = [siti1, siti2, budi1];
    let clock = time::OffsetDateTime::now_utc().unix_timestamp() + 3600;
    for n in 1..=files.len() {
        let sets = w.path(&format!("sets-{n}.db"));
        let by_node = w.path(&format!("by-node-{n}.db"));
        let before = CentralTx::nodes_chosen_in_sets();
        merge_all(&sets, &files[..n], clock);
        let in_sets = CentralTx::nodes_chosen_in_sets() - before;
        assert!(in_sets > 0, "the merge chose no node in sets");
        CentralTx::choose_node_by_node(|| merge_all(&by_node, &files[..n], clock));
        assert_eq!(
            CentralTx::nodes_chosen_in_sets() - before,
            in_sets,
            "chosen one by one, yet in sets"
        );
        let (a, b) = (tables(&sets), tables(&by_node));
        assert_eq!(a.len(), b.len());
        for ((name, rows), (_, other)) in a.iter().zip(&b) {
            assert_eq!(rows, other, "table {name} after {n} file(s)");
        }
        // The consolidated tables hold what the files give (respondents of both
        // assessors, the clash renumbered, the other unit's own respondent).
        let held = |table: &str| a.iter().find(|(t, _)| t == table).unwrap().1.len();
        assert!(held("respondent") > 0 && held("answer") > 0 && held("followup") > 0);
        w.ok("central", &["--db", s(&sets), "check"]);
    }
}

/// The consolidated rows of unit `node` deleted, as before its first merge, so that the
/// merge chooses it in a set again (a node holding respondents is chosen on its own).
fn unheld(db: &Path, cycle_id: i64, node: i64) {
    let conn = rusqlite::Connection::open(db).unwrap();
    for table in ["answer", "respondent", "evidence"] {
        conn.execute(
            &format!("DELETE FROM {table} WHERE cycle_id = ?1 AND level = 2 AND node_id = ?2"),
            [cycle_id, node],
        )
        .unwrap();
    }
}

/// Chooses unit `node` of `db` again, in a set or one by one, and commits: what the
/// merge said (its error's text).
fn choose_again(db: &Path, cycle: &str, cycle_id: i64, node: i64, by_node: bool) -> String {
    let mut store = open_central(db).unwrap();
    at(&mut store, 1_900_000_000);
    let said = {
        let mut choose = || -> Result<(), String> {
            let mut tx = store.central_tx().map_err(|e| e.to_string())?;
            let level = patuh::domain::instrument::NodeLevel::Unit;
            tx.choose_nodes(cycle, cycle_id, &[(level, node)])
                .map_err(|e| e.to_string())?;
            tx.commit().map_err(|e| e.to_string())
        };
        if by_node {
            CentralTx::choose_node_by_node(choose)
        } else {
            choose()
        }
    };
    said.err().unwrap_or_default()
}

/// A run of nodes that a constraint refuses in its set is rolled back to its savepoint
/// and chosen one by one, which says what it always said or writes what it always
/// wrote: a respondent's uid held at another node (two workstations copied from one
/// file) is refused with the same message and nothing written; two respondents of one
/// result with one role and number are written as one by one writes them, row for row.
#[test]
fn a_run_a_constraint_refuses_is_chosen_one_by_one() {
    let w = World::new();
    let siti = filled_method_workstation(&w);
    let file = w.export("siti", &siti, "siti1.patuh", &[]);
    let base = w.path("base.db");
    merge_all(
        &base,
        &[file],
        time::OffsetDateTime::now_utc().unix_timestamp() + 3600,
    );
    let conn = rusqlite::Connection::open(&base).unwrap();
    // A unit whose one result holds two respondents of one role, and a respondent of
    // another node.
    let (cycle, cycle_id, node, role): (String, i64, i64, String) = conn
        .query_row(
            "SELECT r.cycle, c.id, r.node_id, r.role FROM central_respondent r
             JOIN cycle c ON c.code = r.cycle
             WHERE r.level = 2 AND (SELECT count(*) FROM central_result x
                                    WHERE x.cycle = r.cycle AND x.level = 2
                                      AND x.node_id = r.node_id) = 1
             GROUP BY r.cycle, r.node_id, r.role HAVING count(*) >= 2 LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .expect("a unit with two respondents of one role");
    let elsewhere: String = conn
        .query_row(
            "SELECT uid FROM respondent WHERE NOT (level = 2 AND node_id = ?1) LIMIT 1",
            [node],
            |r| r.get(0),
        )
        .expect("a respondent of another node");
    drop(conn);
    let copy = |name: &str| {
        let to = w.path(name);
        std::fs::copy(&base, &to).unwrap();
        unheld(&to, cycle_id, node);
        to
    };
    let first_of_role = "(SELECT min(uid) FROM central_respondent
                          WHERE cycle = ?1 AND level = 2 AND node_id = ?2 AND role = ?3)";

    // One respondent at two nodes.
    let (clash_sets, clash_node) = (copy("clash-sets.db"), copy("clash-node.db"));
    for db in [&clash_sets, &clash_node] {
        rusqlite::Connection::open(db)
            .unwrap()
            .execute(
                &format!(
                    "UPDATE central_respondent SET uid = ?4
                     WHERE cycle = ?1 AND level = 2 AND node_id = ?2 AND uid = {first_of_role}"
                ),
                rusqlite::params![cycle, node, role, elsewhere],
            )
            .unwrap();
    }
    let before = CentralTx::nodes_chosen_in_sets();
    let said = choose_again(&clash_sets, &cycle, cycle_id, node, false);
    assert_eq!(CentralTx::nodes_chosen_in_sets(), before, "chosen in a set");
    assert!(said.contains("one respondent at two nodes"), "{said}");
    assert_eq!(
        said,
        choose_again(&clash_node, &cycle, cycle_id, node, true)
    );
    assert_eq!(tables(&clash_sets), tables(&clash_node));

    // Two respondents of one role with one number.
    let (dup_sets, dup_node) = (copy("dup-sets.db"), copy("dup-node.db"));
    for db in [&dup_sets, &dup_node] {
        let changed = rusqlite::Connection::open(db)
            .unwrap()
            .execute(
                &format!(
                    "UPDATE central_respondent SET number = (
                         SELECT number FROM central_respondent
                         WHERE cycle = ?1 AND level = 2 AND node_id = ?2 AND uid = {first_of_role})
                     WHERE cycle = ?1 AND level = 2 AND node_id = ?2 AND role = ?3
                       AND uid = (SELECT max(uid) FROM central_respondent
                                  WHERE cycle = ?1 AND level = 2 AND node_id = ?2 AND role = ?3)"
                ),
                rusqlite::params![cycle, node, role],
            )
            .unwrap();
        assert_eq!(changed, 1);
    }
    let said = choose_again(&dup_sets, &cycle, cycle_id, node, false);
    assert_eq!(CentralTx::nodes_chosen_in_sets(), before, "chosen in a set");
    assert_eq!(said, choose_again(&dup_node, &cycle, cycle_id, node, true));
    let (a, b) = (tables(&dup_sets), tables(&dup_node));
    for ((name, rows), (_, other)) in a.iter().zip(&b) {
        assert_eq!(rows, other, "table {name}");
    }
    // Both respondents are there, under two numbers.
    let numbers: Vec<i64> = rusqlite::Connection::open(&dup_sets)
        .unwrap()
        .prepare(
            "SELECT number FROM respondent WHERE cycle_id = ?1 AND level = 2 AND node_id = ?2
               AND role = ?3 ORDER BY number",
        )
        .unwrap()
        .query_map(rusqlite::params![cycle_id, node, role], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert!(said.is_empty(), "{said}");
    assert!(numbers.len() >= 2, "{numbers:?}");
    assert!(numbers.windows(2).all(|p| p[0] < p[1]), "{numbers:?}");
}
