//! Two workstations on one database file, each in its own pseudo-terminal: the
//! second opens read-only and says which process has the file, refuses every change,
//! follows what the first one saves, and writes nothing; every change of the first is
//! in the database. `patuh record` is refused while a workstation has the file (its
//! screen would go stale), reading commands are not, and a killed workstation leaves
//! no stale lock behind.

mod common;
mod pty_support;

use std::time::{Duration, Instant};

use pty_support::*;

fn audit_rows(sandbox: &Sandbox) -> i64 {
    query(&sandbox.db(), "SELECT count(*) FROM audit")
}

/// Opens the checklist of 81/DPMPTSP/NIB from the start screen.
fn open_nib(s: &mut Session) {
    s.wait_for(&["Agencies (9)"]);
    s.send("\r");
    s.wait_for(&["Service units", "DPMPTSP"]);
    s.send("\r");
    s.wait_for(&["Service products", "NIB"]);
    s.send("\r");
    s.wait_for(&["Checklist NIB"]);
}

#[test]
fn the_second_workstation_only_reads_and_the_first_loses_nothing() {
    let sandbox = Sandbox::new();
    sandbox.patuh(&["init", "--demo", "--assessor", "Siti Pertama"]);
    let mut first = sandbox.workstation();
    first.wait_for(&["Agencies (9)", "Welcome"]);
    let pid = first.pid();

    let mut second = sandbox.workstation();
    let expected =
        format!("Read-only: open in workstation process {pid} (tester); quit that one first.");
    let screen = second.wait_for(&["READ-ONLY", "Agencies (9)", &expected]);
    let status = second.status_row();
    assert!(
        status.contains(&expected),
        "the status bar names the other workstation: {status:?}\n{screen}"
    );
    assert!(!first.screen().contains("READ-ONLY"));

    // Every kind of change is refused in the second one, with the same message. (The
    // first one is idle meanwhile: the file must not change at all.)
    let before = audit_rows(&sandbox);
    let content = common::dump(&sandbox.db());
    open_nib(&mut second);
    for key in [" ", "1", "0", "x", "c", "n", "e", "u", "f"] {
        second.send(key);
        let deadline = Instant::now() + Duration::from_millis(300);
        second.wait_until(&["never shown"], deadline);
        let status = second.status_row();
        assert!(
            status.contains(&format!("Read-only: open in workstation process {pid}")),
            "key {key:?}: {status:?}"
        );
        assert!(
            !second.screen().contains("Ctrl-S save") && !second.screen().contains("Evidence for"),
            "key {key:?} opened a dialog:\n{}",
            second.screen()
        );
    }
    assert_eq!(
        common::dump(&sandbox.db()),
        content,
        "the read-only workstation wrote"
    );

    // Commands: changing is refused while a workstation has the file, reading is not.
    let err = sandbox.patuh_fails(&["record", "81/DPMPTSP/NIB", "persyaratan", "--value", "1"]);
    assert!(
        err.contains("open in the workstation (process ") && err.contains(&pid.to_string()),
        "{err}"
    );
    assert!(err.contains("assessor.db"), "{err}");
    let err = sandbox.patuh_fails(&["init", "--assessor", "Orang Lain"]);
    assert!(err.contains("open in the workstation"), "{err}");
    sandbox.patuh(&["score", "--agency", "81"]);
    sandbox.patuh(&["check"]);
    assert_eq!(audit_rows(&sandbox), before);

    // The first one changes five values and a note; each is shown saved.
    open_nib(&mut first);
    let ids = [
        "sk-standar",
        "dasar-hukum",
        "persyaratan",
        "prosedur",
        "waktu",
    ];
    // The cursor moves on after each answer.
    for id in ids {
        first.send("1");
        first.wait_for(&[&format!("Saved: NIB · {id} = ✓")]);
    }
    // Back to the last one answered for its note.
    first.send("k");
    first.send("nTercatat di loket\x13");
    first.wait_for(&["Saved: note of NIB · waktu"]);
    // "12.34 merah 5/36": the product's score as the first one shows it.
    let shown = first.screen();
    let score = shown
        .split(" 5/36")
        .next()
        .and_then(|before| {
            let words: Vec<&str> = before.split_whitespace().collect();
            words
                .get(words.len().saturating_sub(2)..)
                .map(|w| w.join(" "))
        })
        .filter(|s| s.contains('.'))
        .unwrap_or_else(|| panic!("no score with 5/36:\n{shown}"));

    // The second one follows within a moment (it reloads when the file changes).
    second.wait_for(&[&format!("{score} 5/36"), "[✓]"]);
    // It quits writing nothing, not even where it was.
    let content = common::dump(&sandbox.db());
    second.send("q");
    assert!(second.wait_exit().success());
    assert!(second.terminal_is_cooked());
    assert_eq!(common::dump(&sandbox.db()), content);
    assert_eq!(audit_rows(&sandbox), before + 6);

    first.send("q");
    assert!(first.wait_exit().success());
    let values: String = query(
        &sandbox.db(),
        "SELECT group_concat(indicator || '=' || value, ',') FROM
           (SELECT indicator, value FROM answer WHERE value IS NOT NULL ORDER BY indicator)",
    );
    assert_eq!(
        values,
        "dasar-hukum=1,persyaratan=1,prosedur=1,sk-standar=1,waktu=1"
    );
    let note: String = query(
        &sandbox.db(),
        "SELECT note FROM answer WHERE indicator = 'waktu'",
    );
    assert_eq!(note, "Tercatat di loket");
    let check = sandbox.patuh(&["check"]);
    assert!(check.contains("audit chain intact"), "{check}");
    let who: String = query(
        &sandbox.db(),
        "SELECT group_concat(DISTINCT who) FROM audit",
    );
    assert_eq!(who, "Siti Pertama");

    // With no workstation open, commands change the file again.
    sandbox.patuh(&["record", "81/DPMPTSP/NIB", "biaya", "--value", "1"]);
}

#[test]
fn a_killed_workstation_leaves_no_stale_lock() {
    let sandbox = Sandbox::new();
    sandbox.patuh(&["init", "--demo", "--assessor", "Uji"]); // named: a first start asks
    let mut s = sandbox.workstation();
    s.wait_for(&["Agencies (9)"]);
    s.signal(libc::SIGKILL);
    s.wait_exit();
    drop(s);
    assert!(
        sandbox.path("assessor.db.lock").exists(),
        "the lock file stays (it is never deleted)"
    );
    // The next workstation may change the file, and so may a command.
    sandbox.patuh(&["record", "81/DPMPTSP/NIB", "biaya", "--value", "1"]);
    let mut s = sandbox.workstation();
    let screen = s.wait_for(&["Agencies (9)", "Welcome"]);
    assert!(!screen.contains("READ-ONLY"), "{screen}");
    s.send("q");
    assert!(s.wait_exit().success());
}
