//! Test fixtures. Without a database: the state on the demo data built in memory
//! ([`demo_app`]), for tests that play the runtime's part by hand. With one: a
//! workstation on a fresh temporary database with the demo assignment, a fixed clock,
//! a fixed assessor and a fixed file name ([`demo_ws`]), so that what tests see (and
//! snapshots record) is the same on every run.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use tempfile::TempDir;
use time::macros::datetime;

use super::app::App;
use super::effect::Effect;
use super::keymap::Config;
use super::runtime::{Access, Workstation};
use super::theme::Theme;
use crate::domain::assignment::Assignment;
use crate::domain::model::{Agency, Dataset, Ix, Product, Unit};
use crate::domain::{Instrument, Lang, Value};
use crate::shipped;
use crate::store::Store;

/// The database file name every fixture uses.
pub const DB_NAME: &str = "patuh-test.db";

/// One more assignment with agency 9999 on the 2022 instrument (0..3 scales).
pub const SCALE_ASSIGNMENT: &str = r#"{
  "format": "patuh-assignment", "format_version": 1,
  "instrument": {"id": "kepatuhan-2022", "version": "1"},
  "title": "Uji skala",
  "agencies": [{"code": "9999", "name": "Kementerian Uji Skala", "kind": "kementerian",
    "units": [{"code": "U1", "name": "Unit Satu", "products": [{"code": "P1", "name": "Produk Satu"}]}]}]
}"#;

fn instruments() -> Vec<Instrument> {
    shipped::INSTRUMENTS
        .iter()
        .map(|(file, text)| Instrument::parse(text).unwrap_or_else(|p| panic!("{file}: {p:?}")))
        .collect()
}

fn assignments(extra: &[&str]) -> Vec<Assignment> {
    let (file, text) = shipped::DEMO_ASSIGNMENT;
    let mut out = vec![Assignment::parse(text).unwrap_or_else(|p| panic!("{file}: {p:?}"))];
    out.extend(
        extra
            .iter()
            .map(|t| Assignment::parse(t).unwrap_or_else(|p| panic!("extra: {p:?}"))),
    );
    out
}

/// The demo data (and `extra` assignments) as the store would load them from a fresh
/// database, built in memory: nothing answered, nothing finalized.
pub fn demo_dataset(extra: &[&str]) -> Dataset {
    let mut ds = Dataset {
        instruments: instruments(),
        ..Dataset::default()
    };
    for a in assignments(extra) {
        let instrument = ds
            .instruments
            .iter()
            .position(|i| i.id == a.instrument_id && i.version == a.instrument_version)
            .expect("the assignment's instrument is shipped");
        let n = ds.instruments[instrument].indicators.len();
        for agency in &a.agencies {
            let ai = ds.agencies.next_id();
            ds.agencies.push(Agency {
                db_id: ai.index() as i64 + 1,
                code: agency.code.clone(),
                name: agency.name.clone(),
                kind: agency.kind,
                instrument,
                units: Vec::new(),
            });
            for unit in &agency.units {
                let ui = ds.units.next_id();
                ds.agencies[ai].units.push(ui);
                ds.units.push(Unit {
                    db_id: ui.index() as i64 + 1,
                    code: unit.code.clone(),
                    name: unit.name.clone(),
                    agency: ai,
                    products: Vec::new(),
                });
                for product in &unit.products {
                    let pi = ds.products.next_id();
                    ds.units[ui].products.push(pi);
                    ds.products.push(Product {
                        db_id: pi.index() as i64 + 1,
                        code: product.code.clone(),
                        name: product.name.clone(),
                        unit: ui,
                        finalized: false,
                        values: vec![Value::Unanswered; n],
                        notes: vec![String::new(); n].into(),
                        evidence: vec![0; n].into(),
                    });
                }
            }
        }
    }
    ds
}

/// The state on the demo data, without a database: 80x24, no colour, default keys.
pub fn demo_app(lang: Lang) -> App {
    demo_app_with(lang, &[], Config::default())
}

pub fn demo_app_with(lang: Lang, extra: &[&str], config: Config) -> App {
    let mut app = App::new(
        demo_dataset(extra),
        config,
        lang,
        Theme::plain(),
        PathBuf::from("/nowhere").join(DB_NAME),
        "Penilai Uji".into(),
    );
    drop(app.update(super::app::Msg::Resize(80, 24)));
    app
}

/// A store on `dir/patuh-test.db` with the shipped instruments, the demo
/// assignment and `extra` assignments, clock and assessor fixed.
pub fn demo_store(dir: &Path, extra: &[&str]) -> Store {
    demo_store_as(dir, extra, Some("Penilai Uji"))
}

/// [`demo_store`] with the assessor's name given (or none, as `init --demo` leaves it).
pub fn demo_store_as(dir: &Path, extra: &[&str], assessor: Option<&str>) -> Store {
    let path = dir.join(DB_NAME);
    let mut store = Store::open_or_create(&path).expect("create the test database");
    store.set_clock(Arc::new(|| datetime!(2025-03-04 05:06:07 UTC)));
    if let Some(name) = assessor {
        store.set_assessor(name).expect("set the assessor");
    }
    for i in instruments() {
        store.import_instrument(&i).expect("import instrument");
    }
    for (n, a) in assignments(extra).iter().enumerate() {
        store
            .import_assignment(a, if n == 0 { "demo.json" } else { "extra.json" })
            .expect("import the assignment");
    }
    store
}

/// The workstation on a fresh demo database, 80x24, no colour, default keys.
pub fn demo_ws(lang: Lang) -> (TempDir, Workstation) {
    demo_ws_with(lang, &[])
}

pub fn demo_ws_with(lang: Lang, extra: &[&str]) -> (TempDir, Workstation) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = demo_store(dir.path(), extra);
    let ws = reopen(store, lang);
    (dir, ws)
}

/// A workstation on an existing store (as a restart would make it).
pub fn reopen(store: Store, lang: Lang) -> Workstation {
    reopen_as(store, lang, Access::Write)
}

pub fn reopen_as(store: Store, lang: Lang, access: Access) -> Workstation {
    let mut ws = Workstation::open(store, Config::default(), lang, Theme::plain(), access)
        .expect("open the workstation");
    ws.update(super::app::Msg::Resize(80, 24));
    ws
}

/// A second connection to the fixture's database, as another process would have.
pub fn other_store(dir: &Path) -> Store {
    let mut s = Store::open(&dir.join(DB_NAME)).expect("open again");
    s.set_clock(Arc::new(|| datetime!(2025-03-04 05:06:07 UTC)));
    s
}

pub fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new_with_kind(code, KeyModifiers::NONE, KeyEventKind::Press)
}

pub fn ctrl(c: char) -> KeyEvent {
    KeyEvent::new_with_kind(KeyCode::Char(c), KeyModifiers::CONTROL, KeyEventKind::Press)
}

/// What takes keys: the state alone (typing asks for nothing) or a workstation.
pub trait Keys {
    fn press(&mut self, key: KeyEvent);
}

impl Keys for App {
    fn press(&mut self, key: KeyEvent) {
        let effects: Vec<Effect> = self.update(key);
        assert!(effects.is_empty(), "typing asked for {effects:?}");
    }
}

impl Keys for Workstation {
    fn press(&mut self, key: KeyEvent) {
        self.update(key);
    }
}

/// Types text key by key (`\n` as Enter).
pub fn type_text(to: &mut impl Keys, text: &str) {
    for c in text.chars() {
        let code = if c == '\n' {
            KeyCode::Enter
        } else {
            KeyCode::Char(c)
        };
        to.press(key(code));
    }
}

/// A demo database with a trend (issue 14), current cycle `2025-penilaian`: Kota
/// Ambon's published scores of 2018, 2019 and 2021 (`history import`), a mentoring
/// cycle of 2025 where the first `mentored` indicators of its KTP-el are present, and
/// the assessment that follows it, where the first `assessed` are.
pub fn trend_store(dir: &Path, mentored: usize, assessed: usize) -> Store {
    use crate::domain::cycle::CycleKind;
    use crate::store::NewCycle;
    let mut store = demo_store(dir, &[]);
    let lines = crate::domain::history::parse_csv(
        "agency,year,score,category\n8171,2018,60.87,C\n8171,2019,70.66,C\n8171,2021,72.88,kuning\n",
        2025,
    )
    .expect("a valid history file");
    store
        .import_history(&lines, "riwayat.csv", "00", false)
        .expect("import the history");
    let fill = |store: &mut Store, n: usize| {
        let p = store.product_ref("8171/DUKCAPIL/KTP-EL").expect("KTP-el");
        let instrument = store.product_instrument(&p).expect("its instrument");
        for ind in instrument.indicators.iter().take(n) {
            store
                .record(&p, ind, Some(Value::level(ind.max)), None)
                .expect("record");
        }
    };
    for (code, kind, n) in [
        ("2025-pendampingan", CycleKind::Mentoring, mentored),
        ("2025-penilaian", CycleKind::Assessment, assessed),
    ] {
        store
            .start_cycle(
                &NewCycle {
                    code,
                    kind,
                    year: Some(2025),
                    follows: None,
                },
                false,
            )
            .expect("start the cycle");
        fill(&mut store, n);
    }
    store
}
