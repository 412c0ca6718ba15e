//! An assessor's day (issue 13) in the real workstation, in a pseudo-terminal: a
//! product filled heads-down with 39 keys, the checklist filling a terminal resized
//! to 160x50 without waiting for a key, a pasted note keeping its line breaks, the
//! assessor named after the signing key (status bar, export file) or asked once, and
//! the language key remembered for the next start.

mod pty_support;

use std::time::{Duration, Instant};

use pty_support::*;

fn named_demo(sandbox: &Sandbox) {
    sandbox.patuh(&["init", "--demo", "--assessor", "Uji Hari"]);
}

#[test]
fn a_product_is_filled_and_finalized_with_39_keys() {
    let sandbox = Sandbox::new();
    named_demo(&sandbox);
    let mut s = sandbox.workstation();
    s.wait_for(&["Agencies (9)"]);
    // ]: the first product not finished, on its first unanswered indicator.
    s.send("]");
    s.wait_for(&["Checklist NIB", "NIB: 36 indicator(s) unanswered."]);
    // 36 answers, the cursor moving on after each.
    for n in 1..=36 {
        s.send(" ");
        if n % 12 == 0 {
            s.wait_for(&[&format!(" {n}/36 ")]);
        }
    }
    s.wait_for(&["product complete: f finalizes"]);
    s.send("f");
    s.wait_for(&["Every indicator is answered."]);
    s.send("y");
    s.wait_for(&["Saved: 81/DPMPTSP/NIB finalized (read-only)."]);
    s.send("q");
    assert!(s.wait_exit().success());
    let values: i64 = query(
        &sandbox.db(),
        "SELECT count(*) FROM answer o JOIN product p ON p.id = o.node_id AND o.level = 3
         WHERE p.code = 'NIB' AND o.value = 1 AND EXISTS (SELECT 1 FROM node_state s WHERE s.level = 3 AND s.node_id = p.id AND s.finalized_at IS NOT NULL)",
    );
    assert_eq!(values, 36);
    sandbox.patuh(&["check"]);
}

#[test]
fn a_resize_to_160x50_fills_the_checklist_at_once() {
    let sandbox = Sandbox::new();
    named_demo(&sandbox);
    let mut s = sandbox.workstation();
    s.wait_for(&["Agencies (9)"]);
    s.send("\r\r\r");
    s.wait_for(&["Checklist NIB"]);
    // To the last indicator: the list scrolled to its end at 80x24.
    s.send("G");
    s.wait_for(&["evaluasi-kinerja = "]);
    assert!(!s.screen().contains("Service counter or desk"));
    // Larger: the list fills the room it now has, with no key pressed.
    s.resize(50, 160);
    let screen = s.wait_for(&["Service counter or desk", "Staff performance evaluation"]);
    // No blank row inside the list's frame: every row between its top and bottom
    // border holds a heading or an indicator.
    let rows: Vec<&str> = screen.lines().collect();
    let top = rows
        .iter()
        .position(|r| r.contains("Checklist NIB"))
        .unwrap();
    let bottom = rows[top + 1..]
        .iter()
        .position(|r| r.starts_with('└'))
        .map(|n| n + top + 1)
        .unwrap();
    for row in &rows[top + 1..bottom] {
        let inside: String = row.chars().skip(1).take(40).collect();
        assert!(
            !inside.trim().is_empty(),
            "a blank row in the list:\n{screen}"
        );
    }
    s.send("q");
    assert!(s.wait_exit().success());
}

#[test]
fn a_pasted_note_keeps_its_line_breaks() {
    let sandbox = Sandbox::new();
    named_demo(&sandbox);
    let mut s = sandbox.workstation();
    s.wait_for(&["Agencies (9)"]);
    s.send("\r\r\r");
    s.wait_for(&["Checklist NIB"]);
    s.send("n");
    s.wait_for(&["Ctrl-S save"]);
    // A terminal pastes line breaks as carriage returns, inside bracketed paste.
    s.send("\x1b[200~Loket 1 tutup\rLoket 2 buka\r\nantrean 12 orang\x1b[201~");
    s.wait_for(&["Loket 1 tutup", "antrean 12 orang"]);
    s.send("\x13");
    s.wait_for(&["Saved: note of NIB · sk-standar"]);
    s.send("q");
    assert!(s.wait_exit().success());
    let note: String = query(
        &sandbox.db(),
        "SELECT note FROM answer WHERE indicator = 'sk-standar'",
    );
    assert_eq!(note, "Loket 1 tutup\nLoket 2 buka\nantrean 12 orang");
}

#[test]
fn the_assessor_is_the_signing_keys_name_or_is_asked_once() {
    // keys init --name: the status bar and the export's file name follow the key, not
    // the login (USER=tester).
    let sandbox = Sandbox::new();
    sandbox.patuh(&["init", "--demo"]);
    sandbox.patuh(&["keys", "init", "--name", "Siti Aminah", "--id", "siti"]);
    let mut s = sandbox.workstation();
    s.wait_for(&["Agencies (9)", "Siti Aminah · assessor.db"]);
    let status = s.status_row();
    assert!(!status.contains("tester"), "{status}");
    s.send("X");
    s.wait_for(&["Signed export", "/patuh-siti-"]);
    s.send("\x1b");
    s.wait_gone("Signed export");
    s.send("q");
    assert!(s.wait_exit().success());

    // Neither a name nor a key: asked at the first start, once.
    let sandbox = Sandbox::new();
    sandbox.patuh(&["init", "--demo"]);
    let mut s = sandbox.workstation();
    s.wait_for(&["Assessor's name", "What is your name?"]);
    s.send("Siti Aminah\r");
    s.wait_for(&["Saved: assessor Siti Aminah"]);
    s.send("\r\r\r ");
    s.wait_for(&["Saved: NIB · sk-standar = ✓"]);
    s.send("q");
    assert!(s.wait_exit().success());
    let who: String = query(
        &sandbox.db(),
        "SELECT group_concat(DISTINCT who) FROM audit",
    );
    assert_eq!(who, "Siti Aminah");
    let mut again = sandbox.workstation();
    let screen = again.wait_for(&["Checklist NIB", "Siti Aminah"]);
    assert!(!screen.contains("What is your name?"), "{screen}");
    again.send("q");
    assert!(again.wait_exit().success());
}

#[test]
fn the_language_key_is_remembered_for_the_next_start() {
    let sandbox = Sandbox::new();
    named_demo(&sandbox);
    let mut s = sandbox.workstation();
    s.wait_for(&["Agencies (9)"]);
    s.send("L");
    s.wait_for(&["Instansi (9)", "Bahasa: Indonesia."]);
    s.send("q");
    assert!(s.wait_exit().success());
    // LANG=C.UTF-8 would say English.
    let mut again = sandbox.workstation();
    again.wait_for(&["Instansi (9)", "Tekan ? untuk bantuan"]);
    // A message goes after a while, without a key (the runtime's clock).
    let start = Instant::now();
    while again.screen().contains("Tekan ? untuk bantuan") {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the message stays:\n{}",
            again.screen()
        );
        again.pump(Duration::from_millis(200));
    }
    assert!(start.elapsed() >= Duration::from_secs(5), "gone too soon");
    again.send("q");
    assert!(again.wait_exit().success());
}
