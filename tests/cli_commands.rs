//! The commands a terminal user expects beyond the assessment itself, run as a user
//! runs them: `finalize` and `reopen` (audited, as in the workstation), `log` (a
//! product's or indicator's history and the chain's status), the workstation's marks
//! and the reopen reasons in `show` and `check`, what `score` says of what nobody
//! assessed, shell completions, the manual page, the example config, `init` refusing
//! to invent folders, and no progress output when standard error is not a terminal.

mod common;

use std::path::Path;

use common::*;
use predicates::prelude::*;
use serde_json::Value;

fn run_json(home: &Path, db: &Path, args: &[&str]) -> Value {
    let out = patuh(home).arg("--db").arg(db).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON output")
}

fn ok(home: &Path, db: &Path, args: &[&str]) -> String {
    let out = patuh(home).arg("--db").arg(db).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn fails(home: &Path, db: &Path, args: &[&str]) -> String {
    let out = patuh(home).arg("--db").arg(db).args(args).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stderr).unwrap()
}

fn demo(home: &Path, db: &Path) {
    patuh(home)
        .arg("--db")
        .arg(db)
        .args(["init", "--demo", "--assessor", "Siti Aminah"])
        .assert()
        .success();
}

const NIB: &str = "81/DPMPTSP/NIB";

#[test]
fn finalize_and_reopen_from_the_command_line_are_audited() {
    let (dir, db) = temp_db();
    let home = dir.path();
    demo(home, &db);
    ok(home, &db, &["record", NIB, "sk-standar", "--value", "1"]);
    let out = ok(home, &db, &["finalize", NIB]);
    assert!(out.contains("Finalized 81/DPMPTSP/NIB"), "{out}");
    assert!(
        out.contains("35 of 36 indicators are unanswered"),
        "says what is missing: {out}"
    );
    assert_eq!(
        run_json(home, &db, &["show", NIB, "--json"])["finalized"],
        true
    );
    // `record` refused, naming the command that reopens.
    let err = fails(home, &db, &["record", NIB, "waktu", "--value", "1"]);
    assert!(err.contains("is read-only"), "{err}");
    assert!(
        err.contains("patuh reopen 81/DPMPTSP/NIB --reason"),
        "{err}"
    );
    // Finalizing again changes nothing.
    let before = dump(&db);
    let out = ok(home, &db, &["finalize", NIB]);
    assert!(out.contains("already finalized"), "{out}");
    assert_eq!(dump(&db), before);
    // A reason is needed: a usage error without --reason, exit 1 with an empty one.
    patuh(home)
        .arg("--db")
        .arg(&db)
        .args(["reopen", NIB])
        .assert()
        .code(2);
    let err = fails(home, &db, &["reopen", NIB, "--reason", "  "]);
    assert!(err.contains("needs a reason"), "{err}");
    assert_eq!(dump(&db), before, "nothing changed");
    let out = ok(
        home,
        &db,
        &["reopen", NIB, "--reason", "Salah input: sk-standar"],
    );
    assert!(out.contains("Reopened 81/DPMPTSP/NIB"), "{out}");
    ok(home, &db, &["record", NIB, "waktu", "--value", "1"]);
    let show = run_json(home, &db, &["show", NIB, "--json"]);
    assert_eq!(show["finalized"], false);
    let reopened = show["reopened"].as_array().unwrap();
    assert_eq!(reopened.len(), 1);
    assert_eq!(reopened[0]["reason"], "Salah input: sk-standar");
    assert_eq!(reopened[0]["who"], "Siti Aminah");
    // Audited: the chain and the accounts still check, and the rows say it.
    let conn = rusqlite::Connection::open(&db).unwrap();
    let actions: Vec<(String, Option<String>)> = conn
        .prepare("SELECT action, new FROM audit WHERE path = ?1 ORDER BY seq")
        .unwrap()
        .query_map([NIB], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        actions,
        [
            ("value".to_string(), Some("1".to_string())),
            ("finalize".to_string(), None),
            (
                "reopen".to_string(),
                Some("Salah input: sk-standar".to_string())
            ),
            ("value".to_string(), Some("1".to_string())),
        ]
    );
    let check = ok(home, &db, &["check"]);
    assert!(check.contains("audit chain intact"), "{check}");
    assert!(
        check.contains("reopened after finalizing: 1"),
        "check shows the reopen reasons: {check}"
    );
    assert!(
        check.contains("81/DPMPTSP/NIB at ")
            && check.contains("by Siti Aminah: Salah input: sk-standar"),
        "{check}"
    );
    // Reopening an open product changes nothing.
    let before = dump(&db);
    let out = ok(home, &db, &["reopen", NIB, "--reason", "lagi"]);
    assert!(out.contains("is not finalized"), "{out}");
    assert_eq!(dump(&db), before);
    // A product that does not exist: exit 1 naming it.
    let err = fails(home, &db, &["finalize", "81/DPMPTSP/NOPE"]);
    assert!(err.contains("81/DPMPTSP/NOPE"), "{err}");
}

#[test]
fn log_shows_who_changed_what_when_and_why() {
    let (dir, db) = temp_db();
    let home = dir.path();
    demo(home, &db);
    ok(home, &db, &["record", NIB, "sk-standar", "--value", "1"]);
    ok(
        home,
        &db,
        &[
            "record",
            NIB,
            "sk-standar",
            "--value",
            "0",
            "--note",
            "SK belum ditandatangani",
        ],
    );
    ok(home, &db, &["record", NIB, "waktu", "--na"]);
    ok(home, &db, &["finalize", NIB]);
    ok(home, &db, &["reopen", NIB, "--reason", "Periksa ulang SK"]);
    ok(
        home,
        &db,
        &["record", "81/DPMPTSP/SIPI", "waktu", "--value", "1"],
    );

    let text = ok(home, &db, &["log", NIB]);
    assert!(text.contains("81/DPMPTSP/NIB: 6 change(s)"), "{text}");
    assert!(text.contains("audit chain: intact (7 rows)"), "{text}");
    assert!(text.contains("Siti Aminah"), "{text}");
    assert!(
        text.contains("sk-standar value: (unanswered) -> 1"),
        "{text}"
    );
    assert!(text.contains("sk-standar value: 1 -> 0"), "{text}");
    assert!(
        text.contains("sk-standar note: (no note) -> \"SK belum ditandatangani\""),
        "{text}"
    );
    assert!(text.contains("waktu value: (unanswered) -> N/A"), "{text}");
    assert!(text.contains("finalized"), "{text}");
    assert!(
        text.contains("reopened, reason: \"Periksa ulang SK\""),
        "{text}"
    );
    assert!(!text.contains("SIPI"), "only this product: {text}");

    // One indicator: its changes and the product's finalize and reopen.
    let j = run_json(home, &db, &["log", NIB, "sk-standar", "--json"]);
    assert_eq!(j["path"], NIB);
    assert_eq!(j["indicator"], "sk-standar");
    assert_eq!(j["chain"]["intact"], true);
    assert_eq!(j["chain"]["rows"], 7);
    let entries = j["entries"].as_array().unwrap();
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["value", "value", "note", "finalize", "reopen"]);
    assert_eq!(entries[1]["old"], "1");
    assert_eq!(entries[1]["new"], "0");
    assert_eq!(entries[4]["new"], "Periksa ulang SK");
    assert_eq!(entries[4]["who"], "Siti Aminah");
    assert!(entries[0]["at"].as_str().unwrap().starts_with("20"));

    // A tampered log is reported as broken (and still shown).
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute("UPDATE audit SET new = '1' WHERE seq = 2", [])
        .unwrap();
    drop(conn);
    let j = run_json(home, &db, &["log", NIB, "--json"]);
    assert_eq!(j["chain"]["intact"], false);
    assert_eq!(j["chain"]["broken_at"], 2);
    let text = ok(home, &db, &["log", NIB]);
    assert!(text.contains("audit chain: BROKEN"), "{text}");

    let err = fails(home, &db, &["log", NIB, "nope"]);
    assert!(err.contains("no indicator \"nope\""), "{err}");
    let err = fails(home, &db, &["log", "81/X/Y"]);
    assert!(err.contains("81/X/Y"), "{err}");
}

#[test]
fn show_uses_the_workstation_marks_with_a_legend() {
    let (dir, db) = temp_db();
    let home = dir.path();
    demo(home, &db);
    ok(home, &db, &["record", NIB, "sk-standar", "--value", "1"]);
    ok(home, &db, &["record", NIB, "persyaratan", "--value", "0"]);
    ok(home, &db, &["record", NIB, "dasar-hukum", "--na"]);
    let text = ok(home, &db, &["show", NIB]);
    let line = |id: &str| {
        text.lines()
            .find(|l| l.starts_with("    ") && l.split_whitespace().any(|w| w == id))
            .unwrap_or_else(|| panic!("no line for {id}: {text}"))
            .to_string()
    };
    assert!(line("sk-standar").trim_start().starts_with("[✓]"), "{text}");
    assert!(
        line("persyaratan").trim_start().starts_with("[✗]"),
        "{text}"
    );
    assert!(
        line("dasar-hukum").trim_start().starts_with("N/A"),
        "{text}"
    );
    assert!(line("waktu").trim_start().starts_with("[ ]"), "{text}");
    assert!(!text.contains("[ x ]"), "not the old mark: {text}");
    assert!(
        text.contains("[✓] present  [✗] absent  [ ] unanswered  N/A not applicable"),
        "a legend: {text}"
    );
    // In Indonesian with the Indonesian legend.
    let out = patuh(home)
        .env("LANG", "id_ID.UTF-8")
        .arg("--db")
        .arg(&db)
        .args(["show", NIB])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("[✓] ada  [✗] tidak ada"), "{text}");
}

#[test]
fn score_does_not_score_what_nobody_assessed() {
    let (dir, db) = temp_db();
    let home = dir.path();
    demo(home, &db);
    ok(home, &db, &["record", NIB, "sk-standar", "--value", "1"]);
    let j = run_json(home, &db, &["score", "--json"]);
    let agencies = j["agencies"].as_array().unwrap();
    let get = |code: &str| agencies.iter().find(|a| a["code"] == code).unwrap();
    // The documented contract (score, zone, answered, total) is unchanged; the
    // progress says which scores stand for an assessment.
    assert_eq!(get("81")["progress"], "incomplete");
    assert_eq!(get("8172")["progress"], "not_assessed");
    assert_eq!(get("8172")["score"].to_string(), "0.00");
    let unit = &get("81")["units"][0];
    assert_eq!(unit["code"], "DPMPTSP");
    assert_eq!(unit["progress"], "incomplete");
    let products = unit["products"].as_array().unwrap();
    assert_eq!(products[0]["progress"], "incomplete");
    assert_eq!(products[1]["progress"], "not_assessed");
    // For a person: no score and no zone for what was not assessed.
    let text = ok(home, &db, &["score", "--agency", "8172"]);
    let first = text.lines().next().unwrap();
    assert!(first.contains("8172 Pemerintah Kota Tual"), "{text}");
    assert!(first.contains(" - "), "no score: {first}");
    assert!(first.contains("not assessed"), "{first}");
    assert!(!text.contains("0.00"), "{text}");
    let show = ok(home, &db, &["show", "8172/DUKCAPIL/KTP-EL"]);
    assert!(show.contains("not assessed yet: 0/36 answered"), "{show}");
}

#[test]
fn completions_and_the_manual_page_cover_every_command() {
    let dir = tempfile::tempdir().unwrap();
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef patuh"),
        ("fish", "complete -c patuh"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let out = patuh(dir.path())
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(out.status.success(), "{shell}");
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains(marker), "{shell}: {text}");
        for cmd in ["reopen", "finalize", "report", "central", "completions"] {
            assert!(text.contains(cmd), "{shell} completes {cmd}");
        }
    }
    patuh(dir.path())
        .args(["completions", "tcsh"])
        .assert()
        .code(2);
    let out = patuh(dir.path()).arg("man").output().unwrap();
    assert!(out.status.success());
    let man = String::from_utf8(out.stdout).unwrap();
    assert!(man.starts_with(".ie") || man.contains(".TH patuh"), "{man}");
    assert!(man.contains(".TH patuh 1"), "{man}");
    assert!(man.contains("reopen"), "{man}");
    assert!(man.contains("PATUH_DB"), "{man}");
    // Every page into a folder, each subcommand with its own.
    let pages = dir.path().join("man1");
    std::fs::create_dir(&pages).unwrap();
    let out = patuh(dir.path())
        .args(["man", "--dir"])
        .arg(&pages)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for page in [
        "patuh.1",
        "patuh-reopen.1",
        "patuh-central-merge.1",
        "patuh-report.1",
    ] {
        let text =
            std::fs::read_to_string(pages.join(page)).unwrap_or_else(|e| panic!("{page}: {e}"));
        assert!(text.contains(".TH patuh"), "{page}: {text}");
    }
    let report = std::fs::read_to_string(pages.join("patuh-report.1")).unwrap();
    assert!(report.contains("csv\\-sep"), "{report}");
    patuh(dir.path())
        .args(["man", "--dir"])
        .arg(dir.path().join("nope"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("not a folder"));
}

#[test]
fn config_example_is_the_default_config_commented() {
    let dir = tempfile::tempdir().unwrap();
    let out = patuh(dir.path())
        .args(["config", "--example"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let config_file = dir.path().join("config/patuh/config.toml");
    assert!(
        text.contains(&format!("# Save it as {}", config_file.display())),
        "{text}"
    );
    assert!(text.contains("# language = \"id\""), "{text}");
    assert!(text.contains("[keys]"), "{text}");
    assert!(text.contains("[keys.editor]"), "{text}");
    // Saved as it is, it is the defaults: no problem reported.
    std::fs::create_dir_all(config_file.parent().unwrap()).unwrap();
    std::fs::write(&config_file, &text).unwrap();
    let parsed = patuh::tui::keymap::Config::parse(&text, "example");
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
    assert_eq!(
        parsed.keymap.to_config(),
        patuh::tui::keymap::KeyMap::default().to_config()
    );
    let out = patuh(dir.path()).arg("config").output().unwrap();
    let status = String::from_utf8(out.stdout).unwrap();
    assert!(
        status.contains(&format!("config file: {}", config_file.display())),
        "{status}"
    );
    assert!(status.contains("problems: none"), "{status}");
    // A broken setting is named.
    std::fs::write(&config_file, "language = \"fr\"\n").unwrap();
    let out = patuh(dir.path()).arg("config").output().unwrap();
    let status = String::from_utf8(out.stdout).unwrap();
    assert!(status.contains("language = \"fr\""), "{status}");
}

#[test]
fn init_asks_for_an_existing_folder_instead_of_creating_one() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let db = home.join("missing/dir/x.db");
    for args in [vec!["init"], vec!["init", "--demo"], vec!["demo"]] {
        let out = patuh(home)
            .arg("--db")
            .arg(&db)
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        let folder = home.join("missing/dir");
        assert!(
            err.contains(&format!("the folder {} does not exist", folder.display())),
            "{err}"
        );
        assert!(
            err.contains(&format!("mkdir -p {}", folder.display())),
            "{err}"
        );
        assert!(!home.join("missing").exists(), "nothing created");
    }
    // A file where the folder should be.
    std::fs::write(home.join("file"), "x").unwrap();
    patuh(home)
        .arg("--db")
        .arg(home.join("file/x.db"))
        .arg("init")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("is not a folder"));
    // In an existing folder, and in the default data dir, it is created as before.
    std::fs::create_dir_all(home.join("missing/dir")).unwrap();
    patuh(home)
        .arg("--db")
        .arg(&db)
        .arg("init")
        .assert()
        .success();
    assert!(db.exists());
}

#[test]
fn no_progress_output_when_standard_error_is_not_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let big = home.join("province.db");
    let keys = home.join("keys");
    let run = |args: &[&str]| {
        let out = patuh(home)
            .env("PATUH_KEYS_DIR", &keys)
            .arg("--db")
            .arg(&big)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.stderr.is_empty(),
            "{args:?} wrote to a standard error that is not a terminal: {:?}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    // Each long enough (over a second in a debug build) that a terminal would see a bar.
    // The 2013-2021 method: export format 1 below carries products' answers only.
    run(&[
        "gen", "--scale", "province", "--seed", "3", "--method", "2021",
    ]);
    run(&[
        "report",
        "--format",
        "xlsx",
        "--out",
        home.join("r.xlsx").to_str().unwrap(),
    ]);
    run(&["keys", "init", "--name", "Siti", "--id", "siti"]);
    let file = home.join("p.patuh");
    run(&["export", "--out", file.to_str().unwrap()]);
    run(&["verify", file.to_str().unwrap()]);
}
