//! End to end: the real `patuh` binary in a pseudo-terminal, driven by keys, its
//! screen read back with a terminal emulator (vt100). Checks what an assessor would
//! notice (the score changes on screen, the note is saved, quitting loses nothing)
//! and what they would not (no escape sequence from the data reaches the terminal,
//! the terminal is restored). Hostile text of every kind, resizing down to 1x1,
//! signals and a vanished terminal: tests/tui_terminal.rs.

mod pty_support;

use patuh::domain::scoring::{Rounded, score_product};
use patuh::domain::{Instrument, Value};
use pty_support::*;

/// An agency whose name tries to set the window title and write the clipboard.
const EVIL: &str = r#"{
  "format": "patuh-assignment", "format_version": 1,
  "instrument": {"id": "kepatuhan-2021", "version": "1"},
  "title": "evil",
  "agencies": [{"code": "0001", "name": "Evil\u001b]0;PWNED\u0007\u001b]52;c;ZXZpbA==\u0007\u202egnp\u009b2J",
    "kind": "lembaga",
    "units": [{"code": "U", "name": "Unit", "products": [{"code": "P", "name": "Prod"}]}]}]
}"#;

/// A note that tries to clear the screen and set the title.
const EVIL_NOTE: &str = "dasar\x1b[2J\x1b]0;PWNED-NOTE\x07\u{9b}31m\u{202E}hukum";

/// A demo database with the evil agency and the evil note.
fn prepare(sandbox: &Sandbox) {
    sandbox.patuh(&["init", "--demo", "--assessor", "Uji Pty"]);
    let evil = sandbox.path("evil.json");
    std::fs::write(&evil, EVIL).unwrap();
    sandbox.patuh(&["assignment", "import", evil.to_str().unwrap()]);
    sandbox.patuh(&[
        "record",
        "81/DPMPTSP/NIB",
        "dasar-hukum",
        "--note",
        EVIL_NOTE,
    ]);
}

fn demo(sandbox: &Sandbox) -> Session {
    Session::spawn(sandbox, &["demo"], 24, 80)
}

/// The score of NIB with only its first indicator ticked, as the screen writes it.
fn expected_score_after_one_tick() -> String {
    let (_, text) = patuh::shipped::INSTRUMENTS[0];
    let instrument = Instrument::parse(text).unwrap();
    assert_eq!(instrument.id, "kepatuhan-2021");
    let mut values = vec![Value::Unanswered; instrument.indicators.len()];
    values[0] = Value::Level(1);
    let score = score_product(&instrument, &values).score.unwrap();
    Rounded::of(&score).to_string()
}

#[test]
fn assessor_ticks_an_indicator_writes_a_note_and_quits() {
    let sandbox = Sandbox::new();
    prepare(&sandbox);
    let mut s = demo(&sandbox);
    s.wait_for(&[
        "Agencies (10)",
        "81 Pemerintah Provinsi M",
        "0001 Evil",
        "PWNED",
    ]);
    // The evil name reached the terminal with its escapes replaced by U+FFFD.
    let written = String::from_utf8_lossy(&s.raw).into_owned();
    assert!(
        written.contains("Evil\u{FFFD}]0;PWNED\u{FFFD}\u{FFFD}]52;"),
        "{written:?}"
    );

    // Agency -> units -> products -> checklist of 81/DPMPTSP/NIB.
    s.send("\r");
    s.wait_for(&["Service units", "DPMPTSP"]);
    s.send("\r");
    s.wait_for(&["Service products", "NIB"]);
    s.send("\r");
    s.wait_for(&[
        "Checklist NIB",
        "Service standard formally adopted",
        "0.00 merah 0/36",
    ]);

    // Tick: saved, and the product's score on screen changes in the same frame.
    s.send(" ");
    let score = expected_score_after_one_tick();
    let screen = s.wait_for(&[
        "Saved: NIB · sk-standar = ✓",
        &format!("{score} merah 1/36"),
    ]);
    assert!(!screen.contains("0.00 merah 0/36"), "{screen}");

    // The cursor moved on to the next indicator, which carries the evil note: shown,
    // neutralised.
    s.wait_for(&["dasar-hukum", "Note: dasar", "PWNED-NOTE"]);
    let written = String::from_utf8_lossy(&s.raw).into_owned();
    assert!(
        written.contains("dasar\u{FFFD}[2J\u{FFFD}]0;PWNED-NOTE\u{FFFD}\u{FFFD}31m\u{FFFD}hukum"),
        "{written:?}"
    );

    // A note on the ticked indicator, with emoji and an accent.
    s.send("k");
    s.wait_for(&["sk-standar = ✓"]);
    s.send("n");
    s.wait_for(&["Ctrl-S save · Esc cancel"]);
    s.send("Loket rapi 🙂 é");
    s.wait_for(&["Loket rapi 🙂 é"]);
    s.send("\x13"); // Ctrl-S
    s.wait_for(&["Saved: note of NIB · sk-standar", "Note: Loket rapi 🙂 é"]);

    s.send("q");
    let status = s.wait_exit();
    assert!(status.success(), "exit status {status:?}");
    assert_terminal_safe(&s.raw);
    // The terminal was restored: alternate screen left and cursor shown at the end.
    let tail = String::from_utf8_lossy(&s.raw[s.raw.len().saturating_sub(200)..]).into_owned();
    assert!(
        tail.contains("\x1b[?1049l"),
        "alternate screen not left: {tail:?}"
    );
    assert!(tail.contains("\x1b[?25h"), "cursor not shown: {tail:?}");

    // The database holds the observation, the note and their audit rows.
    let db = sandbox.db();
    let nib = "(SELECT p.id FROM product p JOIN unit u ON u.id = p.unit_id JOIN agency a ON a.id = u.agency_id
                WHERE a.code = '81' AND u.code = 'DPMPTSP' AND p.code = 'NIB')";
    let value: i64 = query(
        &db,
        &format!(
            "SELECT value FROM answer WHERE level = 3 AND node_id = {nib} AND indicator = 'sk-standar'"
        ),
    );
    assert_eq!(value, 1);
    let note: String = query(
        &db,
        &format!(
            "SELECT note FROM answer WHERE level = 3 AND node_id = {nib} AND indicator = 'sk-standar'"
        ),
    );
    assert_eq!(note, "Loket rapi 🙂 é");
    let rows: String = query(
        &db,
        "SELECT group_concat(action || ':' || coalesce(old, '') || '>' || coalesce(new, ''), '|')
         FROM (SELECT * FROM audit WHERE path = '81/DPMPTSP/NIB' AND indicator = 'sk-standar' ORDER BY seq)",
    );
    assert_eq!(rows, "value:>1|note:>Loket rapi 🙂 é");
    let who: String = query(&db, "SELECT who FROM audit ORDER BY seq DESC LIMIT 1");
    assert_eq!(who, "Uji Pty");
    // The hash chain is intact, and the next start resumes on this indicator.
    sandbox.patuh(&["check"]);
    let last: String = query(&db, "SELECT value FROM meta WHERE key = 'ui.last_product'");
    assert_eq!(last, "81/DPMPTSP/NIB");
    let mut again = demo(&sandbox);
    again.wait_for(&[
        "Checklist NIB",
        "Resuming at 81/DPMPTSP/NIB",
        "sk-standar = ✓",
    ]);
    again.send("q");
    assert!(again.wait_exit().success());
}

#[test]
fn a_terminal_smaller_than_80x24_gets_a_clear_message() {
    let sandbox = Sandbox::new();
    sandbox.patuh(&["init", "--demo", "--assessor", "Uji"]); // named: a first start asks
    let mut s = demo(&sandbox);
    s.wait_for(&["Agencies (9)"]);
    s.resize(20, 60);
    s.wait_for(&["The terminal is too small", "It is 60×20"]);
    s.resize(24, 80);
    s.wait_for(&["Agencies (9)"]);
    s.send("q");
    assert!(s.wait_exit().success());
}
