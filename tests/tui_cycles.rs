//! End to end, cycles in the workstation (issue 14): the real `patuh` binary in a
//! pseudo-terminal. A mentoring pass recorded with the commands, the assessment started
//! from it with `--carry`; in the workstation the carried answers are marked to be
//! re-checked beside the mentoring's values, one is confirmed with the confirm key and
//! another changed, and the score panel's difference to the mentoring changes with them.
//! The database then holds one `confirm` and one `value` audit row, the rest still
//! carried.

mod pty_support;

use pty_support::*;

const KTP: &str = "8171/DUKCAPIL/KTP-EL";

#[test]
fn carried_answers_are_confirmed_or_changed_and_the_delta_shows() {
    let sandbox = Sandbox::new();
    sandbox.patuh(&["init", "--demo", "--assessor", "Siti Aminah"]);
    sandbox.patuh(&[
        "cycle",
        "start",
        "2026-pendampingan",
        "--kind",
        "mentoring",
        "--year",
        "2026",
    ]);
    for (ind, v) in [
        ("persyaratan", "0"),
        ("prosedur", "1"),
        ("waktu", "0"),
        ("biaya", "1"),
        ("maklumat", "0"),
    ] {
        sandbox.patuh(&["record", KTP, ind, "--value", v]);
    }
    let mentoring: serde_json::Value =
        serde_json::from_str(&sandbox.patuh(&["show", KTP, "--json"])).unwrap();
    let was = mentoring["score"].to_string();
    sandbox.patuh(&[
        "cycle",
        "start",
        "2026-penilaian",
        "--kind",
        "assessment",
        "--year",
        "2026",
        "--carry",
    ]);

    let mut s = sandbox.workstation();
    s.wait_for(&["Agencies"]);
    s.send("/8171\r");
    s.send("\r");
    s.send("/DUKCAPIL\r");
    s.send("\r");
    s.send("/KTP\r");
    s.send("\r");
    // Five answers carried, to be re-checked: the mark, the mentoring's value beside
    // each; the mentoring's score in the panel, nothing counted yet.
    let before = s.wait_for(&["Checklist KTP-EL", "↻", "[✗]→[✗]  Service requirements"]);
    assert!(before.contains("[✓]→[✓]  System, mechanism"), "{before}");
    assert!(before.contains("0.00 merah 0/36"), "{before}");
    assert!(before.contains(&format!("was {was}")), "{before}");
    // The third indicator (persyaratan): the detail says it is carried, the hint
    // bar offers the key.
    s.send("jj");
    let on = s.wait_for(&["Carried from the previous cycle", "V as before"]);
    assert!(on.contains("persyaratan"), "{on}");
    // Fixed since the mentoring: ticked (the cursor moves on to the next one).
    s.send(" ");
    s.wait_for(&["Saved"]);
    // The next, carried as present: confirmed as it is with the key.
    s.send("V");
    let after = s.wait_for(&["Saved: confirmed as in the previous cycle"]);
    assert!(after.contains("[✗]→[✓]  Service requirements"), "{after}");
    assert!(after.contains("2/36"), "two answers count now: {after}");
    assert!(
        after.contains(&format!("was {was} merah Δ ")),
        "the difference to the mentoring: {after}"
    );
    // The dashboard: each agency's difference to the mentoring (8171's defined, the
    // others assessed in neither cycle).
    s.send("d");
    let dash = s.wait_for(&["Δ 2026-pendampingan", "moved most: - · not moved: 1"]);
    let ambon = dash
        .lines()
        .find(|l| l.contains("8171"))
        .unwrap_or_else(|| panic!("{dash}"));
    assert!(
        ambon
            .trim_end_matches('│')
            .trim_end()
            .ends_with(|c: char| c.is_ascii_digit()),
        "{dash}"
    );
    s.send("q");
    assert!(s.wait_exit().success());
    assert_terminal_safe(&s.raw);

    let db = sandbox.db();
    let rows: String = query(
        &db,
        "SELECT group_concat(indicator || ':' || action || ':' || coalesce(new, ''), '|')
         FROM (SELECT * FROM audit WHERE path = '8171/DUKCAPIL/KTP-EL'
               AND cycle = '2026-penilaian' AND action IN ('value', 'confirm') ORDER BY seq)",
    );
    assert_eq!(rows, "persyaratan:value:1|prosedur:confirm:1");
    let shown: serde_json::Value =
        serde_json::from_str(&sandbox.patuh(&["show", KTP, "--json"])).unwrap();
    let text = shown.to_string();
    // Two counted, three still carried.
    assert_eq!(text.matches("\"carried\":true").count(), 3, "{text}");
    sandbox.patuh(&["check"]);
}
