//! Test fixtures: a workstation on a fresh temporary database with the demo
//! assignment, a fixed clock, a fixed assessor and a fixed file name, so that what
//! tests see (and snapshots record) is the same on every run.

use std::path::Path;
use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use tempfile::TempDir;
use time::macros::datetime;

use super::app::App;
use super::keymap::Config;
use super::theme::Theme;
use crate::domain::assignment::Assignment;
use crate::domain::{Instrument, Lang};
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

/// A store on `dir/patuh-test.db` with the shipped instruments, the demo
/// assignment and `extra` assignments, clock and assessor fixed.
pub fn demo_store(dir: &Path, extra: &[&str]) -> Store {
    let path = dir.join(DB_NAME);
    let mut store = Store::open_or_create(&path).expect("create the test database");
    store.set_clock(Arc::new(|| datetime!(2025-03-04 05:06:07 UTC)));
    store.set_assessor("Penilai Uji").expect("set the assessor");
    for (file, text) in shipped::INSTRUMENTS {
        let i = Instrument::parse(text).unwrap_or_else(|p| panic!("{file}: {p:?}"));
        store.import_instrument(&i).expect("import instrument");
    }
    let (file, text) = shipped::DEMO_ASSIGNMENT;
    let a = Assignment::parse(text).unwrap_or_else(|p| panic!("{file}: {p:?}"));
    store.import_assignment(&a, file).expect("import demo");
    for text in extra {
        let a = Assignment::parse(text).unwrap_or_else(|p| panic!("extra: {p:?}"));
        store
            .import_assignment(&a, "extra.json")
            .expect("import extra");
    }
    store
}

/// The workstation on a fresh demo database, 80x24, no colour, default keys.
pub fn demo_app(lang: Lang) -> (TempDir, App) {
    demo_app_with(lang, &[])
}

pub fn demo_app_with(lang: Lang, extra: &[&str]) -> (TempDir, App) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = demo_store(dir.path(), extra);
    let app = reopen(store, lang);
    (dir, app)
}

/// A workstation on an existing store (as a restart would make it).
pub fn reopen(store: Store, lang: Lang) -> App {
    let mut app = App::new(store, Config::default(), lang, Theme::plain()).expect("open the app");
    app.resize(80, 24);
    app
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

/// Types text key by key.
pub fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        let code = if c == '\n' {
            KeyCode::Enter
        } else {
            KeyCode::Char(c)
        };
        app.handle_key(key(code));
    }
}
