//! The reviewer's workstation (`patuh review --db central.db`) in a real
//! pseudo-terminal: the submissions per assessor with their state and differences;
//! a product's answers side by side, one assessor's value taken with a reason (the
//! consolidated value follows it); a product returned with a comment; merges refused
//! while it is open; the terminal restored at the end and `patuh check` passing.

mod pty_support;

use std::path::{Path, PathBuf};
use std::process::Command;

use pty_support::*;

const KTP: &str = "8171/DUKCAPIL/KTP-EL";

/// `patuh` as an assessor of the sandbox (their own keys folder), on `db`.
fn as_who(sandbox: &Sandbox, who: &str, db: &Path, args: &[&str]) -> String {
    let out = Command::new(BIN)
        .env_clear()
        .envs(sandbox.env())
        .env("PATUH_KEYS_DIR", sandbox.path(&format!("keys-{who}")))
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "patuh {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn workstation(sandbox: &Sandbox, who: &str, name: &str, id: &str) -> PathBuf {
    let db = sandbox.path(&format!("{who}.db"));
    as_who(sandbox, who, &db, &["init", "--demo", "--assessor", name]);
    as_who(
        sandbox,
        who,
        &db,
        &["keys", "init", "--name", name, "--id", id],
    );
    db
}

#[test]
fn the_reviewer_takes_one_side_of_a_conflict_and_returns_a_product_with_a_comment() {
    let sandbox = Sandbox::new();
    let siti = workstation(&sandbox, "siti", "Siti Rahma", "ASN-001");
    let budi = workstation(&sandbox, "budi", "Budi Santoso", "ASN-002");
    as_who(
        &sandbox,
        "siti",
        &siti,
        &[
            "record",
            KTP,
            "persyaratan",
            "--value",
            "1",
            "--note",
            "Dipajang di loket",
        ],
    );
    as_who(
        &sandbox,
        "siti",
        &siti,
        &["record", "81/DPMPTSP/NIB", "biaya", "--value", "1"],
    );
    as_who(
        &sandbox,
        "budi",
        &budi,
        &["record", KTP, "persyaratan", "--value", "0"],
    );
    let s1 = sandbox.path("siti.patuh");
    let b1 = sandbox.path("budi.patuh");
    as_who(
        &sandbox,
        "siti",
        &siti,
        &["export", "--out", s1.to_str().unwrap()],
    );
    as_who(
        &sandbox,
        "budi",
        &budi,
        &["export", "--out", b1.to_str().unwrap()],
    );
    // The central database is the sandbox's: the session opens it.
    sandbox.patuh(&[
        "central",
        "merge",
        s1.to_str().unwrap(),
        b1.to_str().unwrap(),
    ]);
    let central = sandbox.db();
    let value = || -> i64 {
        query(
            &central,
            "SELECT value FROM answer o JOIN product p ON p.id = o.node_id AND o.level = 3
             JOIN unit u ON u.id = p.unit_id JOIN agency a ON a.id = u.agency_id
             WHERE a.code = '8171' AND u.code = 'DUKCAPIL' AND p.code = 'KTP-EL' AND o.indicator = 'persyaratan'",
        )
    };
    assert_eq!(value(), 0, "Budi's result (exported last) is chosen");

    let mut s = Session::spawn(&sandbox, &["review"], 24, 80);
    // Per assessor: Siti's NIB, then the product Budi's result counts for, both.
    s.wait_for(&[
        "Review",
        "ASN-001",
        "81/DPMPTSP/NIB",
        "ASN-002,ASN-001",
        "≠1",
    ]);
    // While it is open, a merge is refused, naming it (it never interleaves).
    let out = sandbox.run(&["central", "merge", s1.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("open in the workstation"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Open the conflict: the answers side by side, on the indicator that differs.
    s.send("j");
    s.send("\r");
    // (Waited for whole: the frame may reach the emulator in pieces.)
    s.wait_for(&[
        KTP,
        "›ASN-002",
        "≠ persyaratan",
        "ASN-001 [✓] · note: Dipajang di loket",
        "ASN-002 [✗]",
    ]);
    // Take Siti's side, with a reason.
    s.send("\t");
    s.wait_for(&["›ASN-001"]);
    s.send("t");
    s.wait_for(&["Why this value (persyaratan ASN-001)"]);
    s.send("Foto di berkas Siti");
    s.send("\r");
    s.wait_for(&["Value taken: 8171/DUKCAPIL/KTP-EL persyaratan ASN-001 (0 -> 1)"]);
    s.wait_for(&["✓ persyaratan"]);
    assert_eq!(value(), 1);

    // Back to the list; return the product with a comment.
    s.send("\x1b");
    s.wait_for(&["ASN-002,ASN-001"]);
    s.send("r");
    s.wait_for(&["Comment of the return"]);
    s.send("Lampirkan foto loket");
    s.send("\r");
    s.wait_for(&[
        "Returned with the comment: 8171/DUKCAPIL/KTP-EL",
        "returned",
    ]);
    let state: String = query(&central, "SELECT state FROM review WHERE level = 3");
    assert_eq!(state, "returned");
    let comment: String = query(&central, "SELECT comment FROM review_comment");
    assert_eq!(comment, "Lampirkan foto loket");

    s.send("q");
    assert!(s.wait_exit().success());
    assert!(s.terminal_is_cooked());
    let out = sandbox.patuh(&["check"]);
    assert!(out.contains("ok"), "{out}");
    let list = sandbox.patuh(&["review", "list", "--state", "returned"]);
    assert!(list.contains(KTP), "{list}");
}
