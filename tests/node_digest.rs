//! The digests of units and agencies (schema 0013, src/store/digest.rs) are a cache of
//! their answers and their respondents' answers: the dataset loaded through them must be
//! exactly the dataset loaded from the answers alone after every kind of change (an
//! observation, a respondent added, answered, cleared and removed, an answer changed or
//! deleted outside patuh, a new cycle with carried answers, an upgrade from schema 12),
//! and a digest changed outside patuh is named by `check` and never shown by a reader.

mod common;

use std::path::Path;

use patuh::domain::Value;
use patuh::domain::cycle::CycleKind;
use patuh::domain::model::{Dataset, NodeRef, ScoreBook};
use patuh::generate::{Method, Scale, generate_with};
use patuh::store::{NewCycle, Store};

/// What the workstation holds of every unit and agency: its own values, carried values,
/// notes and respondents with their answers; and every node's score.
fn nodes(ds: &Dataset) -> Vec<String> {
    let book = ScoreBook::compute(ds);
    let mut out = Vec::new();
    let all = ds
        .agencies
        .ids()
        .map(NodeRef::Agency)
        .chain(ds.units.ids().map(NodeRef::Unit));
    for node in all {
        let n = ds.instrument_of(node).indicators.len();
        let values: Vec<Value> = (0..n)
            .map(|i| ds.value(node, patuh::domain::model::IndicatorIx::new(i)))
            .collect();
        out.push(format!(
            "{} {values:?} {:?} {:?} {:?} {:?}",
            ds.node_path(node),
            ds.carried_cells(node),
            ds.notes(node),
            ds.respondents(node),
            book.node(ds, node)
        ));
    }
    out
}

fn sqlite(path: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(path).expect("open with sqlite")
}

/// Units and agencies of the current cycle without a fresh digest.
fn stale(path: &Path) -> i64 {
    sqlite(path)
        .query_row(
            "SELECT (SELECT count(*) FROM unit u WHERE NOT EXISTS (
                 SELECT 1 FROM node_state s, meta m, cycle c
                 WHERE m.key = 'cycle.current' AND c.code = m.value AND s.cycle_id = c.id
                   AND s.level = 2 AND s.node_id = u.id AND s.digest IS NOT NULL))
             + (SELECT count(*) FROM agency a WHERE NOT EXISTS (
                 SELECT 1 FROM node_state s, meta m, cycle c
                 WHERE m.key = 'cycle.current' AND c.code = m.value AND s.cycle_id = c.id
                   AND s.level = 1 AND s.node_id = a.id AND s.digest IS NOT NULL))",
            [],
            |r| r.get(0),
        )
        .expect("count")
}

/// The workstation's load (through the digests) equals the load from the answers
/// alone, and the digests read are the ones the answers give.
fn assert_exact(path: &Path) {
    let store = Store::open(path).expect("open");
    let cached = nodes(&store.load().expect("load"));
    let plain = nodes(&store.load_from_observations().expect("load from answers"));
    assert_eq!(cached.len(), plain.len());
    for (c, p) in cached.iter().zip(&plain) {
        assert_eq!(c, p, "a node's digest disagrees with its answers");
    }
    // (A write outside patuh is named by the audit check; no digest is.)
    let problems = store.check().expect("check");
    assert!(
        !problems.iter().any(|p| p.contains("node_state.digest")),
        "{problems:?}"
    );
}

fn levels_db(dir: &Path, seed: u64) -> std::path::PathBuf {
    let db = dir.join("g.db");
    generate_with(&db, Scale::Tiny, seed, Method::Levels, None).unwrap();
    db
}

#[test]
fn generated_data_has_every_node_digest_and_they_are_exact() {
    let dir = tempfile::tempdir().unwrap();
    let db = levels_db(dir.path(), 3);
    assert_eq!(stale(&db), 0, "the generator leaves no stale digest");
    let with_answers: i64 = sqlite(&db)
        .query_row(
            "SELECT count(*) FROM node_state WHERE level IN (1, 2) AND length(digest) > 0",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(with_answers > 0, "units and agencies hold answers");
    assert_exact(&db);
}

#[test]
fn every_change_at_a_unit_or_agency_keeps_its_digest_exact() {
    let dir = tempfile::tempdir().unwrap();
    let db = levels_db(dir.path(), 4);
    let mut store = Store::open(&db).unwrap();
    let ds = store.load().unwrap();
    // A unit that is not finalized, of an agency that is not, whose instrument has
    // a role interviewed per unit and an observation per unit.
    let (u, role, observed, asked) = ds
        .units
        .ids()
        .find_map(|u| {
            let a = ds.units[u].agency;
            if ds.finalized(NodeRef::Unit(u)) || ds.finalized(NodeRef::Agency(a)) {
                return None;
            }
            let inst = ds.instrument_of(NodeRef::Unit(u));
            let unit_level = patuh::domain::instrument::NodeLevel::Unit;
            let role = inst.roles.iter().position(|r| r.level == unit_level)?;
            let observed = inst.indicators.iter().position(|i| {
                inst.dimensions[i.dimension].level == unit_level
                    && matches!(i.source, patuh::domain::instrument::Source::Observation)
            })?;
            let asked = inst.indicators.iter().position(|i| {
                matches!(i.source, patuh::domain::instrument::Source::Interview { role: r } if r == role)
            })?;
            Some((u, role, observed, asked))
        })
        .expect("a unit to change");
    let a = ds.units[u].agency;
    let inst = ds.instrument_of(NodeRef::Unit(u)).clone();
    let role_id = inst.roles[role].id.clone();
    let unit = store.node(&ds.node_path(NodeRef::Unit(u))).unwrap();
    let agency = store.node(&ds.node_path(NodeRef::Agency(a))).unwrap();
    drop(ds);

    store
        .record_node(
            &unit,
            &inst,
            observed,
            Some(Value::Level(1)),
            Some("dilihat"),
        )
        .unwrap();
    assert_eq!(stale(&db), 1, "only the unit being changed is stale");
    assert_exact(&db);
    let r = store
        .add_respondent(&unit, &inst, &role_id, "Petugas")
        .unwrap();
    assert_exact(&db);
    store
        .record_answer(&unit, &inst, asked, &r, Value::Level(2))
        .unwrap();
    assert_exact(&db);
    store
        .record_answer(&unit, &inst, asked, &r, Value::NotApplicable)
        .unwrap();
    assert_exact(&db);
    store
        .record_answer(&unit, &inst, asked, &r, Value::Unanswered)
        .unwrap();
    assert_exact(&db);
    store
        .record_answer(&unit, &inst, asked, &r, Value::Level(1))
        .unwrap();
    store
        .remove_respondent(&unit, &role_id, r.number, "salah orang")
        .unwrap();
    assert_exact(&db);
    // Moving on to the agency (a service user's answer there) gives the unit its digest
    // back.
    let agency_level = patuh::domain::instrument::NodeLevel::Agency;
    let agency_role = inst
        .roles
        .iter()
        .position(|r| r.level == agency_level)
        .expect("a role interviewed per agency");
    let agency_asked = inst
        .indicators
        .iter()
        .position(|i| {
            matches!(i.source, patuh::domain::instrument::Source::Interview { role: r } if r == agency_role)
        })
        .expect("an agency interview");
    let user = store
        .add_respondent(&agency, &inst, &inst.roles[agency_role].id.clone(), "")
        .unwrap();
    store
        .record_answer(&agency, &inst, agency_asked, &user, Value::Level(3))
        .unwrap();
    let fresh: bool = sqlite(&db)
        .query_row(
            "SELECT digest IS NOT NULL FROM node_state WHERE level = 2 AND node_id = ?1",
            [unit.db_id],
            |r| r.get(0),
        )
        .unwrap();
    assert!(fresh, "the unit worked on before has its digest again");
    assert_eq!(stale(&db), 1, "only the agency");
    assert_exact(&db);
    drop(store);

    // Outside patuh: an answer changed, then a node's answers deleted: stale, not wrong.
    sqlite(&db)
        .execute(
            "UPDATE answer SET value = 0, na = 0 WHERE level = 2 AND node_id = ?1 AND respondent <> 0
               AND value IS NOT NULL",
            [unit.db_id],
        )
        .unwrap();
    assert_exact(&db);
    sqlite(&db)
        .execute(
            "DELETE FROM answer WHERE level = 1 AND node_id = ?1",
            [agency.db_id],
        )
        .unwrap();
    assert_exact(&db);

    // A new cycle carrying the answers: its digests are written as it starts.
    let mut store = Store::open(&db).unwrap();
    store
        .start_cycle(
            &NewCycle {
                code: "2026-penilaian",
                kind: CycleKind::Assessment,
                year: Some(2026),
                follows: None,
            },
            true,
        )
        .unwrap();
    drop(store);
    // Every node that got carried answers has its digest (a node without any answer in
    // the new cycle has no row yet: `load` asks the answers, which hold none of it).
    let null: i64 = sqlite(&db)
        .query_row(
            "SELECT count(*) FROM node_state s JOIN cycle c ON c.id = s.cycle_id
             WHERE c.code = '2026-penilaian' AND s.level IN (1, 2) AND s.digest IS NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(null, 0, "a started cycle leaves no stale digest");
    let carried: i64 = sqlite(&db)
        .query_row(
            "SELECT count(*) FROM node_state s JOIN cycle c ON c.id = s.cycle_id
             WHERE c.code = '2026-penilaian' AND s.level IN (1, 2) AND length(s.digest) > 0",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        carried > 0,
        "the carried answers are in the new cycle's digests"
    );
    assert_exact(&db);
}

#[test]
fn a_node_digest_changed_outside_patuh_is_named_by_check_and_not_read_by_a_reader() {
    let dir = tempfile::tempdir().unwrap();
    let db = levels_db(dir.path(), 5);
    // Two units with different answers: one's digest written over the other's.
    let (a, b): (i64, i64) = sqlite(&db)
        .query_row(
            "SELECT x.node_id, y.node_id FROM node_state x JOIN node_state y
             ON x.level = 2 AND y.level = 2 AND x.cycle_id = y.cycle_id AND x.node_id <> y.node_id
             JOIN unit ux ON ux.id = x.node_id JOIN unit uy ON uy.id = y.node_id
             AND ux.agency_id = uy.agency_id
             WHERE length(x.digest) > 0 AND x.digest <> y.digest LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let store = Store::open(&db).unwrap();
    let exact = nodes(&store.load_from_observations().unwrap());
    drop(store);
    sqlite(&db)
        .execute(
            "UPDATE node_state SET digest = (SELECT digest FROM node_state WHERE level = 2 AND node_id = ?1)
             WHERE level = 2 AND node_id = ?2",
            [a, b],
        )
        .unwrap();
    let store = Store::open(&db).unwrap();
    let problems = store.check().unwrap();
    assert!(
        problems.iter().any(|p| p.contains("node_state.digest")
            && p.contains(&format!("level = 2 AND node_id = {b}"))),
        "{problems:?}"
    );
    // A reader (score, show, report, export) reads the answers, never the digest.
    assert_eq!(nodes(&store.load_from_observations().unwrap()), exact);
    let reader = Store::open_reader(&db).unwrap();
    assert_eq!(nodes(&reader.load().unwrap()), exact);
    // A digest that is not one patuh writes is not read: the answers are.
    drop(store);
    sqlite(&db)
        .execute(
            "UPDATE node_state SET digest = X'ffffffffffffffffffff' WHERE level = 2 AND node_id = ?1",
            [b],
        )
        .unwrap();
    assert_eq!(nodes(&Store::open(&db).unwrap().load().unwrap()), exact);
}

#[test]
fn upgrading_a_schema_12_workstation_writes_its_node_digests() {
    let dir = tempfile::tempdir().unwrap();
    let db = levels_db(dir.path(), 6);
    let before = nodes(&Store::open(&db).unwrap().load_from_observations().unwrap());
    sqlite(&db)
        .execute_batch(common::BACK_TO_SCHEMA_13)
        .unwrap();
    sqlite(&db)
        .execute_batch(common::BACK_TO_SCHEMA_12)
        .unwrap();
    let empty: i64 = sqlite(&db)
        .query_row(
            "SELECT count(*) FROM node_state WHERE level IN (1, 2) AND digest = X''",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        empty > 0,
        "schema 12 leaves units' and agencies' digests empty"
    );
    let store = Store::open(&db).unwrap();
    assert_eq!(stale(&db), 0, "the upgrade writes every node digest");
    assert_eq!(nodes(&store.load().unwrap()), before);
    drop(store);
    assert_exact(&db);
}

/// Pages a questionnaire's keystroke writes, counted in the WAL: answers of a unit's
/// staff, one after another at the same unit, write the answer row and its audit row,
/// nothing else (the unit's digest is stale from its first answer on, and the node
/// left before was written at that first one). A third page per commit would mean the
/// digest's bookkeeping runs at every keystroke (a row of `node_state` and the index of
/// the stale ones): the cost that made the commit 1.8x its floor in the benchmark that
/// interleaved a product's keystrokes with a unit's.
#[test]
fn a_questionnaires_answers_at_one_unit_write_two_pages_each() {
    let dir = tempfile::tempdir().unwrap();
    let db = levels_db(dir.path(), 5);
    let mut store = Store::open(&db).unwrap();
    let ds = store.load().unwrap();
    let (u, resp, asked) = ds
        .units
        .ids()
        .find_map(|u| {
            let node = NodeRef::Unit(u);
            if ds.finalized(node) || ds.finalized(NodeRef::Agency(ds.units[u].agency)) {
                return None;
            }
            let inst = ds.instrument_of(node);
            let resp = ds.respondents(node).iter().find(|r| !r.removed)?;
            let asked: Vec<usize> = inst.role_indicators(resp.role).take(4).collect();
            (asked.len() == 4).then(|| (u, resp.clone(), asked))
        })
        .expect("a unit with a staff member to interview");
    let inst = ds.instrument_of(NodeRef::Unit(u)).clone();
    let unit = store.node(&ds.node_path(NodeRef::Unit(u))).unwrap();
    let row = store
        .respondent(&unit, &inst.roles[resp.role].id, resp.number)
        .unwrap();
    // A product changed first, so that the unit's first answer moves to another node.
    let p = ds
        .products
        .ids()
        .find(|&p| !ds.products[p].finalized)
        .expect("a product to change");
    let product = store.product_ref(&ds.product_path(p)).unwrap();
    let observed = ds
        .instrument_of_product(p)
        .indicators_at(patuh::domain::instrument::NodeLevel::Product)
        .find(|&i| {
            matches!(
                ds.instrument_of_product(p).indicators[i].source,
                patuh::domain::instrument::Source::Observation
            )
        })
        .unwrap();
    let indicator = ds.instrument_of_product(p).indicators[observed].clone();
    drop(ds);
    store
        .record(&product, &indicator, Some(Value::Level(1)), None)
        .unwrap();
    for &i in &asked {
        store
            .record_answer(&unit, &inst, i, &row, Value::Level(1))
            .unwrap();
    }
    let wal = db.with_file_name("g.db-wal");
    sqlite(&db)
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
        .unwrap();
    let commits = 24u64;
    for k in 0..commits {
        // Through the questionnaire: each question in turn, its level changing.
        let i = asked[usize::try_from(k).unwrap() % asked.len()];
        let v = Value::Level(if (k / 4) % 2 == 0 { 3 } else { 1 });
        let out = store.record_answer(&unit, &inst, i, &row, v).unwrap();
        assert_eq!(out.audit_rows, 1, "each answer changes");
    }
    let frames = (std::fs::metadata(&wal).unwrap().len() - 32) / (4096 + 24);
    assert!(
        frames <= commits * 2 + commits / 4,
        "{frames} WAL frames for {commits} answers at one unit"
    );
    assert_exact(&db);
}
