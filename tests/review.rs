//! The review loop on real files (issue 15, docs/review.md): assessors' signed exports
//! merged into a central database, the central office approving and returning work
//! with comments, its signed return file applied on the workstation, the assessor
//! fixing one item and confirming the other, exporting again, and the approved work
//! counted by `report --approved-only` (the xlsx read back with calamine). Every
//! refusal of a return file leaves the workstation's database byte-identical; a
//! resolved conflict is audited, kept across merges and verified by `patuh check`; a
//! revoked key's new file is refused and its earlier merges marked; two merges on one
//! central file at once serialise with nothing lost.

mod exchange_support;

use std::path::{Path, PathBuf};

use calamine::{Data, Reader, Xlsx, open_workbook};
use exchange_support::*;

const KTP: &str = "8171/DUKCAPIL/KTP-EL";
const NIB: &str = "81/DPMPTSP/NIB";

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
}

/// The central office: its own signing key (for return files) and a trusted keys file
/// of the assessors; and the line the assessors trust it by.
struct Central {
    db: PathBuf,
    trusted: PathBuf,
    key_line: PathBuf,
}

fn central(w: &World, assessors: &[&str]) -> Central {
    w.ok(
        "central",
        &["keys", "init", "--name", "Kantor Pusat", "--id", "pusat"],
    );
    let key_line = w.path("central-key.txt");
    std::fs::write(&key_line, w.ok("central", &["keys", "show", "--line"])).unwrap();
    Central {
        db: w.path("central.db"),
        trusted: w.trusted(assessors),
        key_line,
    }
}

impl Central {
    fn merge(&self, w: &World, files: &[&Path]) -> String {
        let mut args = vec![
            "central",
            "merge",
            "--db",
            s(&self.db),
            "--trusted",
            s(&self.trusted),
        ];
        args.extend(files.iter().map(|f| s(f)));
        w.ok("central", &args)
    }

    fn ok(&self, w: &World, args: &[&str]) -> String {
        let mut all = vec!["--db", s(&self.db)];
        all.extend_from_slice(args);
        w.ok("central", &all)
    }

    fn fails(&self, w: &World, args: &[&str]) -> String {
        let mut all = vec!["--db", s(&self.db)];
        all.extend_from_slice(args);
        w.fails("central", &all)
    }

    /// `review list --json`, as path -> (state, assessor).
    fn states(&self, w: &World) -> Vec<(String, String, String)> {
        let list = json(&self.ok(w, &["review", "list", "--json"]));
        list.as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["path"].as_str().unwrap().to_string(),
                    e["state"].as_str().unwrap().to_string(),
                    e["assessor"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }
}

fn db_ok(w: &World, who: &str, db: &Path, args: &[&str]) -> String {
    let mut all = vec!["--db", s(db)];
    all.extend_from_slice(args);
    w.ok(who, &all)
}

fn db_fails(w: &World, who: &str, db: &Path, args: &[&str]) -> String {
    let mut all = vec!["--db", s(db)];
    all.extend_from_slice(args);
    w.fails(who, &all)
}

fn sheet(path: &Path, name: &str) -> Vec<Vec<Data>> {
    let mut wb: Xlsx<_> = open_workbook(path).unwrap();
    let range = wb
        .worksheet_range(name)
        .unwrap_or_else(|e| panic!("no sheet {name}: {e}"));
    range.rows().map(|r| r.to_vec()).collect()
}

fn text(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        Data::Empty => String::new(),
        other => other.to_string(),
    }
}

/// The row of a product in the products sheet, by header.
fn product_row(path: &Path, agency: &str, product: &str) -> Vec<(String, String)> {
    let rows = sheet(path, "Service products");
    let headers: Vec<String> = rows[0].iter().map(text).collect();
    let row = rows
        .iter()
        .find(|r| text(&r[0]) == agency && text(&r[2]) == product)
        .unwrap_or_else(|| panic!("no product {agency} {product}"));
    headers.into_iter().zip(row.iter().map(text)).collect()
}

fn cell(row: &[(String, String)], header: &str) -> String {
    row.iter()
        .find(|(h, _)| h == header)
        .unwrap_or_else(|| panic!("no column {header}"))
        .1
        .clone()
}

/// The full loop of docs/review.md on real files: export -> merge -> two items
/// returned with comments -> the assessor applies the return file, fixes one and
/// confirms the other -> export -> merge (resubmitted) -> approved -> counted.
#[test]
fn the_review_loop_runs_on_real_files() {
    let w = World::new();
    let siti = w.workstation("siti", "Siti Rahma", "ASN-001");
    let budi = w.workstation("budi", "Budi Santoso", "ASN-002");
    let c = central(&w, &["siti", "budi"]);
    for (ind, v) in [
        ("persyaratan", "1"),
        ("biaya", "0"),
        ("waktu", "1"),
        ("prosedur", "1"),
    ] {
        w.record("siti", &siti, KTP, ind, v);
    }
    w.record("budi", &budi, NIB, "persyaratan", "1");
    let s1 = w.export("siti", &siti, "siti-1.patuh", &[]);
    let b1 = w.export("budi", &budi, "budi-1.patuh", &[]);
    c.merge(&w, &[&s1, &b1]);
    assert_eq!(
        c.states(&w),
        [
            (NIB.into(), "unreviewed".into(), "ASN-002".into()),
            (KTP.into(), "unreviewed".into(), "ASN-001".into()),
        ]
    );

    // The reviewer returns two items of Siti's product with comments.
    let out = c.ok(
        &w,
        &[
            "review",
            "return",
            KTP,
            "persyaratan",
            "--comment",
            "Foto persyaratan di loket tidak terlampir",
        ],
    );
    assert!(
        out.contains("Returned 8171/DUKCAPIL/KTP-EL (persyaratan)"),
        "{out}"
    );
    c.ok(
        &w,
        &[
            "review",
            "return",
            KTP,
            "biaya",
            "--comment",
            "Benarkah tidak ada papan biaya?",
        ],
    );
    let returned = json(&c.ok(&w, &["review", "list", "--state", "returned", "--json"]));
    assert_eq!(returned.as_array().unwrap().len(), 1);
    assert_eq!(returned[0]["path"], KTP);
    assert_eq!(returned[0]["assessor"], "ASN-001");
    let shown = json(&c.ok(&w, &["show", KTP, "--json"]));
    assert_eq!(shown["review"]["state"], "returned");
    assert_eq!(shown["review"]["comments"].as_array().unwrap().len(), 2);
    assert_eq!(shown["review"]["comments"][0]["indicator"], "biaya");
    let score = w.score_json(&c.db, Some("8171"));
    let ktp_score = &score["agencies"][0]["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["code"] == "DUKCAPIL")
        .unwrap()["products"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["code"] == "KTP-EL")
        .unwrap()
        .clone();
    assert_eq!(ktp_score["review"], "returned");

    // The return file goes to Siti; she applies it with the central office's key.
    let ret = w.path("siti-return-1.patuh");
    let out = c.ok(
        &w,
        &["review", "send", "--assessor", "ASN-001", "--out", s(&ret)],
    );
    assert!(
        out.contains("return file number 1, 1 node(s) (1 returned, 2 comment(s))"),
        "{out}"
    );
    let out = db_ok(
        &w,
        "siti",
        &siti,
        &["inbox", s(&ret), "--trusted", s(&c.key_line)],
    );
    assert!(out.contains("2 returned item(s)"), "{out}");
    assert!(
        out.contains("[open] 8171/DUKCAPIL/KTP-EL persyaratan: Foto persyaratan"),
        "{out}"
    );
    let shown = json(&db_ok(&w, "siti", &siti, &["show", KTP, "--json"]));
    assert_eq!(shown["review"]["state"], "returned");
    assert_eq!(
        shown["review"]["comments"][1]["comment"],
        "Foto persyaratan di loket tidak terlampir"
    );
    assert_eq!(shown["review"]["comments"][1]["status"], "open");

    // She fixes one, and confirms the other as it is.
    w.record("siti", &siti, KTP, "persyaratan", "0");
    let out = db_ok(&w, "siti", &siti, &["inbox", "--confirm", KTP, "biaya"]);
    assert!(
        out.contains("Confirmed 8171/DUKCAPIL/KTP-EL biaya"),
        "{out}"
    );
    let items = json(&db_ok(&w, "siti", &siti, &["inbox", "--json"]));
    let status: Vec<(&str, &str)> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["indicator"].as_str().unwrap(),
                i["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(status, [("biaya", "confirmed"), ("persyaratan", "changed")]);
    // Confirming twice is refused: it is no longer open.
    db_fails(&w, "siti", &siti, &["inbox", "--confirm", KTP, "biaya"]);
    let log = db_ok(&w, "siti", &siti, &["log", KTP, "biaya"]);
    assert!(log.contains("confirmed as it is"), "{log}");
    db_ok(&w, "siti", &siti, &["check"]);

    // Exported and merged again: the returned product is resubmitted.
    let s2 = w.export("siti", &siti, "siti-2.patuh", &[]);
    c.merge(&w, &[&s2]);
    let states = c.states(&w);
    assert!(
        states.contains(&(KTP.into(), "resubmitted".into(), "ASN-001".into())),
        "{states:?}"
    );
    // The central office sees what she did in the merged history.
    let log = c.ok(&w, &["log", KTP]);
    assert!(log.contains("resubmitted by a merge of"), "{log}");
    assert!(log.contains("persyaratan value: 1 -> 0"), "{log}");
    assert!(log.contains("confirmed as it is"), "{log}");

    // Approved; the report with --approved-only counts it, and only it.
    let out = c.ok(&w, &["review", "approve", KTP]);
    assert!(out.contains("Approved 8171/DUKCAPIL/KTP-EL"), "{out}");
    let out = c.ok(&w, &["review", "approve", KTP]);
    assert!(out.contains("approved already; nothing changed"), "{out}");
    let all = w.path("all.xlsx");
    let approved = w.path("approved.xlsx");
    c.ok(&w, &["report", "--format", "xlsx", "--out", s(&all)]);
    c.ok(
        &w,
        &[
            "report",
            "--format",
            "xlsx",
            "--out",
            s(&approved),
            "--approved-only",
        ],
    );
    let ktp = product_row(&approved, "8171", "KTP-EL");
    assert_eq!(cell(&ktp, "Review"), "approved");
    assert_eq!(cell(&ktp, "Answered"), "4");
    assert!(!cell(&ktp, "Score").is_empty(), "{ktp:?}");
    let nib = product_row(&approved, "81", "NIB");
    assert_eq!(cell(&nib, "Review"), "unreviewed");
    assert_eq!(
        cell(&nib, "Assessment"),
        "not assessed",
        "not approved: not counted"
    );
    let nib_all = product_row(&all, "81", "NIB");
    assert_eq!(
        cell(&nib_all, "Assessment"),
        "incomplete",
        "counted without the option"
    );
    let review = sheet(&all, "Review");
    assert!(
        review
            .iter()
            .any(|r| text(&r[0]) == KTP && text(&r[2]) == "approved"),
        "{review:?}"
    );
    let about = sheet(&approved, "About");
    assert!(about.iter().any(|r| text(&r[1]) == "Approved only"));
    // Every decision is in the central log, which check verifies.
    let out = c.ok(&w, &["check"]);
    assert!(out.contains("ok"), "{out}");
    let log = c.ok(&w, &["log", KTP, "--json"]);
    let log = json(&log);
    let actions: Vec<&str> = log["review"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "review-return",
            "review-return",
            "review-resubmit",
            "review-approve"
        ]
    );
}

/// A return file for someone else, signed by an unknown key, older than one already
/// applied, altered, or not a return file at all is refused, and the workstation's
/// database is byte-identical afterwards.
#[test]
fn every_refused_return_file_leaves_the_database_byte_identical() {
    let w = World::new();
    let siti = w.workstation("siti", "Siti Rahma", "ASN-001");
    let budi = w.workstation("budi", "Budi Santoso", "ASN-002");
    let c = central(&w, &["siti", "budi"]);
    w.record("siti", &siti, KTP, "persyaratan", "1");
    w.record("budi", &budi, NIB, "persyaratan", "1");
    let s1 = w.export("siti", &siti, "siti.patuh", &[]);
    let b1 = w.export("budi", &budi, "budi.patuh", &[]);
    c.merge(&w, &[&s1, &b1]);
    c.ok(&w, &["review", "return", KTP, "--comment", "Lengkapi dulu"]);
    c.ok(&w, &["review", "return", NIB, "--comment", "Cek lagi"]);
    let send = |who: &str, name: &str| {
        let out = w.path(name);
        c.ok(&w, &["review", "send", "--assessor", who, "--out", s(&out)]);
        out
    };
    let first = send("ASN-001", "siti-1.ret");
    c.ok(
        &w,
        &[
            "review",
            "return",
            KTP,
            "maklumat",
            "--comment",
            "Maklumat?",
        ],
    );
    let second = send("ASN-001", "siti-2.ret");
    let for_budi = send("ASN-002", "budi-1.ret");
    // Another "central office", not in the trusted file, signing a file for Siti.
    let other = w.path("other-central.db");
    std::fs::copy(&c.db, &other).unwrap();
    w.ok(
        "rogue",
        &["keys", "init", "--name", "Kantor Palsu", "--id", "pusat"],
    );
    let rogue = w.path("rogue.ret");
    w.ok(
        "rogue",
        &[
            "--db",
            s(&other),
            "review",
            "send",
            "--assessor",
            "ASN-001",
            "--out",
            s(&rogue),
        ],
    );
    let mut altered = std::fs::read(&second).unwrap();
    let at = altered.len() / 2;
    altered[at] ^= 0x01;
    let altered_file = w.path("altered.ret");
    std::fs::write(&altered_file, &altered).unwrap();

    let trusted = s(&c.key_line).to_string();
    let refuse = |file: &Path, trusted: Option<&str>, why: &str| {
        let before = snapshot(&siti);
        let mut args = vec!["inbox", s(file)];
        if let Some(t) = trusted {
            args.extend(["--trusted", t]);
        }
        let err = db_fails(&w, "siti", &siti, &args);
        assert!(
            err.contains(why),
            "{}: expected {why:?} in:\n{err}",
            file.display()
        );
        assert!(
            before == snapshot(&siti),
            "{}: the database changed",
            file.display()
        );
    };
    refuse(
        &for_budi,
        Some(&trusted),
        "this return file is for assessor ASN-002",
    );
    refuse(&rogue, Some(&trusted), "unknown key");
    // Without --trusted, before any file of the office was applied: unknown too.
    refuse(&second, None, "unknown key");
    refuse(&altered_file, Some(&trusted), "refused");
    refuse(&s1, Some(&trusted), "this is an export file of an assessor");

    // The newest applies; the older one is then refused, even with its key trusted.
    let out = db_ok(
        &w,
        "siti",
        &siti,
        &["inbox", s(&second), "--trusted", &trusted],
    );
    assert!(out.contains("applied return file number 2"), "{out}");
    refuse(&first, Some(&trusted), "older than the one applied here");
    // The same file again changes nothing (and says so), without --trusted now.
    let before = snapshot(&siti);
    let out = db_ok(&w, "siti", &siti, &["inbox", s(&second)]);
    assert!(out.contains("applied already"), "{out}");
    assert!(before == snapshot(&siti));
    let items = json(&db_ok(&w, "siti", &siti, &["inbox", "--json"]));
    assert_eq!(items.as_array().unwrap().len(), 2, "{items}");
}

/// Two assessors' values for one cell: the reviewer takes one side with a reason; the
/// consolidated value follows it also after a later merge of the other side, every
/// decision is in the central log, and `check` finds a value or a decision changed
/// outside patuh.
#[test]
fn a_resolved_conflict_is_audited_kept_across_merges_and_checked() {
    let w = World::new();
    let siti = w.workstation("siti", "Siti Rahma", "ASN-001");
    let budi = w.workstation("budi", "Budi Santoso", "ASN-002");
    let c = central(&w, &["siti", "budi"]);
    w.record("siti", &siti, KTP, "persyaratan", "0");
    w.record("siti", &siti, KTP, "biaya", "1");
    w.record("budi", &budi, KTP, "persyaratan", "1");
    let b1 = w.export("budi", &budi, "budi-1.patuh", &[]);
    let s1 = w.export("siti", &siti, "siti-1.patuh", &[]);
    c.merge(&w, &[&b1, &s1]);
    let list = json(&c.ok(&w, &["review", "list", "--json"]));
    assert_eq!(list[0]["assessors"].as_array().unwrap().len(), 2);
    assert_eq!(
        list[0]["conflicts"],
        serde_json::json!(["biaya", "persyaratan"])
    );
    let value = |ind: &str| -> serde_json::Value {
        let shown = json(&c.ok(&w, &["show", KTP, "--json"]));
        shown["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == ind)
            .unwrap()["value"]
            .clone()
    };
    // Siti's result is chosen (exported last): persyaratan 0.
    assert_eq!(value("persyaratan"), 0);
    // Refusals: no such assessor, a value off the scale, a product of one assessor.
    let err = c.fails(
        &w,
        &[
            "review",
            "resolve",
            KTP,
            "persyaratan",
            "--take",
            "ASN-009",
            "--reason",
            "x",
        ],
    );
    assert!(err.contains("assessor ASN-009 has no result"), "{err}");
    let err = c.fails(
        &w,
        &[
            "review",
            "resolve",
            KTP,
            "persyaratan",
            "--value",
            "7",
            "--reason",
            "x",
        ],
    );
    assert!(err.contains("not on the scale"), "{err}");
    let err = c.fails(
        &w,
        &[
            "review",
            "resolve",
            KTP,
            "persyaratan",
            "--take",
            "ASN-002",
            "--reason",
            " ",
        ],
    );
    assert!(err.contains("the reason is empty"), "{err}");
    let out = c.ok(
        &w,
        &[
            "review",
            "resolve",
            KTP,
            "persyaratan",
            "--take",
            "ASN-002",
            "--reason",
            "Foto di berkas Budi menunjukkan persyaratan dipajang",
        ],
    );
    assert!(out.contains("0 -> 1"), "{out}");
    assert_eq!(value("persyaratan"), 1);
    assert_eq!(
        value("biaya"),
        1,
        "the other cells stay the chosen result's"
    );
    c.ok(&w, &["check"]);

    // Siti exports again (a note elsewhere): her result is still chosen, the
    // resolution still holds.
    w.record("siti", &siti, KTP, "waktu", "1");
    let s2 = w.export("siti", &siti, "siti-2.patuh", &[]);
    c.merge(&w, &[&s2]);
    assert_eq!(value("persyaratan"), 1);
    assert_eq!(value("waktu"), 1);
    c.ok(&w, &["check"]);
    // A value entered by the reviewer replaces the taken one.
    c.ok(
        &w,
        &[
            "review",
            "resolve",
            KTP,
            "persyaratan",
            "--value",
            "0",
            "--reason",
            "Dicek ke lokasi",
        ],
    );
    assert_eq!(value("persyaratan"), 0);
    let shown = json(&c.ok(&w, &["show", KTP, "--json"]));
    assert_eq!(
        shown["review"]["resolutions"][0]["reason"],
        "Dicek ke lokasi"
    );
    c.ok(&w, &["check"]);
    let log = c.ok(&w, &["log", KTP, "persyaratan"]);
    assert!(log.contains("conflict on persyaratan resolved"), "{log}");

    // Changed outside patuh: the value, then a decision.
    let before = std::fs::read(&c.db).unwrap();
    let conn = rusqlite::Connection::open(&c.db).unwrap();
    conn.execute(
        "UPDATE answer SET value = 1 WHERE indicator = 'persyaratan' AND level = 3",
        [],
    )
    .unwrap();
    drop(conn);
    let out = c.fails(&w, &["check"]);
    assert!(
        out.contains("not the one its conflict was resolved to"),
        "{out}"
    );
    let conn = rusqlite::Connection::open(&c.db).unwrap();
    conn.execute(
        "UPDATE answer SET value = 0 WHERE indicator = 'persyaratan' AND level = 3",
        [],
    )
    .unwrap();
    conn.execute("UPDATE review_resolution SET reason = 'lain'", [])
        .unwrap();
    drop(conn);
    let out = c.fails(&w, &["check"]);
    assert!(
        out.contains("the review tables hold the resolution"),
        "{out}"
    );
    drop(before);
}

/// `central revoke`: a later file signed by the key is refused, nothing of it merged;
/// what was merged from it before is marked in the reports; `check` still passes.
#[test]
fn a_revoked_key_is_refused_and_its_earlier_merges_are_marked() {
    let w = World::new();
    let budi = w.workstation("budi", "Budi Santoso", "ASN-002");
    let c = central(&w, &["budi"]);
    w.record("budi", &budi, NIB, "persyaratan", "1");
    let b1 = w.export("budi", &budi, "budi-1.patuh", &[]);
    let out = c.merge(&w, &[&b1]);
    assert!(out.contains("merged (assessor ASN-002"), "{out}");
    let show = w.ok("budi", &["keys", "show"]);
    let fp = show
        .lines()
        .find_map(|l| l.strip_prefix("fingerprint: "))
        .unwrap()
        .trim()
        .to_string();
    let err = c.fails(
        &w,
        &["central", "revoke", "0000-0000-0000-0000", "--reason", "x"],
    );
    assert!(err.contains("no key with fingerprint"), "{err}");
    let out = c.ok(&w, &["central", "revoke", &fp, "--reason", "Laptop hilang"]);
    assert!(
        out.contains(&format!("Revoked key {fp} (assessor ASN-002)")),
        "{out}"
    );
    w.record("budi", &budi, NIB, "biaya", "1");
    let b2 = w.export("budi", &budi, "budi-2.patuh", &[]);
    let before = snapshot(&c.db);
    let out = w
        .patuh("central")
        .args([
            "central",
            "merge",
            "--db",
            s(&c.db),
            "--trusted",
            s(&c.trusted),
            s(&b2),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("revoked key"), "{err}");
    assert!(err.contains("Laptop hilang"), "{err}");
    assert!(
        before == snapshot(&c.db),
        "a refused file changed the database"
    );
    let csv = w.path("r.csv");
    c.ok(&w, &["report", "--format", "csv", "--out", s(&csv)]);
    let about = std::fs::read_to_string(w.path("r-about.csv")).unwrap();
    assert!(about.contains(&format!("KEY REVOKED {fp}")), "{about}");
    let review = std::fs::read_to_string(w.path("r-review.csv")).unwrap();
    assert!(
        review.contains(NIB) && review.contains("Laptop hilang"),
        "{review}"
    );
    c.ok(&w, &["check"]);
}

/// Two `central merge` processes started at once on one central file, four files
/// each: both succeed, nothing is lost, `check` passes, and the lock kept each
/// command's files together (one merge after the other, never interleaved).
#[test]
fn two_concurrent_merges_on_one_central_file_serialise_with_nothing_lost() {
    let w = World::new();
    let siti = w.workstation("siti", "Siti Rahma", "ASN-001");
    let budi = w.workstation("budi", "Budi Santoso", "ASN-002");
    let c = central(&w, &["siti", "budi"]);
    // Four exports of each whole workstation, one more answer each time: every file
    // takes a moment to verify and merge, so two commands running unlocked would
    // take turns.
    let mut files: Vec<Vec<PathBuf>> = vec![Vec::new(), Vec::new()];
    let indicators = ["persyaratan", "biaya", "waktu", "prosedur"];
    for (id, (who, db)) in [("siti", &siti), ("budi", &budi)].into_iter().enumerate() {
        for (k, ind) in indicators.into_iter().enumerate() {
            w.record(who, db, KTP, ind, if id == 0 { "1" } else { "0" });
            w.record(who, db, NIB, ind, "1");
            files[id].push(w.export(who, db, &format!("{who}-{k}.patuh"), &[]));
        }
    }
    for round in 0..3 {
        let db = w.path(&format!("race-{round}.db"));
        let start = std::sync::Barrier::new(2);
        let outs: Vec<std::process::Output> = std::thread::scope(|sc| {
            let running: Vec<_> = files
                .iter()
                .map(|batch| {
                    let (start, db, c, w) = (&start, &db, &c, &w);
                    sc.spawn(move || {
                        let mut cmd = w.patuh("central");
                        cmd.args([
                            "central",
                            "merge",
                            "--db",
                            s(db),
                            "--trusted",
                            s(&c.trusted),
                        ]);
                        cmd.args(batch.iter().map(|f| s(f)));
                        start.wait();
                        cmd.output().unwrap()
                    })
                })
                .collect();
            running.into_iter().map(|t| t.join().unwrap()).collect()
        });
        for o in &outs {
            assert!(
                o.status.success(),
                "round {round}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
        }
        let conn = rusqlite::Connection::open(&db).unwrap();
        let merged: Vec<String> = conn
            .prepare("SELECT assessor_id FROM import_file ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(merged.len(), 8, "round {round}: {merged:?}");
        let switches = merged.windows(2).filter(|p| p[0] != p[1]).count();
        assert_eq!(switches, 1, "round {round}: interleaved {merged:?}");
        let results: i64 = conn
            .query_row("SELECT count(*) FROM assessor_result", [], |r| r.get(0))
            .unwrap();
        assert_eq!(
            results, 4,
            "round {round}: both assessors' results of both products"
        );
        drop(conn);
        w.ok("central", &["--db", s(&db), "check"]);
    }
}

/// A unit approved as a whole counts its products unless one of them was returned;
/// a review command on a workstation's database is refused.
#[test]
fn approving_a_unit_counts_its_products_unless_one_was_returned() {
    let w = World::new();
    let siti = w.workstation("siti", "Siti Rahma", "ASN-001");
    let c = central(&w, &["siti"]);
    w.record("siti", &siti, "81/DPMPTSP/NIB", "persyaratan", "1");
    w.record("siti", &siti, "81/DPMPTSP/SIPI", "persyaratan", "1");
    let s1 = w.export("siti", &siti, "siti.patuh", &[]);
    c.merge(&w, &[&s1]);
    let err = db_fails(&w, "siti", &siti, &["review", "approve", "81/DPMPTSP"]);
    assert!(err.contains("not a central database"), "{err}");
    let err = c.fails(&w, &["inbox"]);
    assert!(
        err.contains("a central database; return files are applied"),
        "{err}"
    );
    let err = c.fails(&w, &["review", "approve", "8172/DUKCAPIL"]);
    assert!(
        err.contains("nothing of 8172/DUKCAPIL has been merged"),
        "{err}"
    );
    c.ok(&w, &["review", "approve", "81/DPMPTSP"]);
    c.ok(
        &w,
        &["review", "return", "81/DPMPTSP/SIPI", "--comment", "Ulangi"],
    );
    let csv = w.path("a.csv");
    c.ok(
        &w,
        &[
            "report",
            "--format",
            "csv",
            "--out",
            s(&csv),
            "--approved-only",
        ],
    );
    let products = std::fs::read_to_string(w.path("a-products.csv")).unwrap();
    let line = |code: &str| {
        products
            .lines()
            .find(|l| l.starts_with(&format!("81,DPMPTSP,{code},")))
            .unwrap_or_else(|| panic!("no {code}"))
            .to_string()
    };
    assert!(line("NIB").contains(",incomplete,"), "{}", line("NIB"));
    assert!(line("NIB").ends_with(",unreviewed"), "{}", line("NIB"));
    assert!(line("SIPI").contains(",not assessed,"), "{}", line("SIPI"));
    assert!(line("SIPI").ends_with(",returned"), "{}", line("SIPI"));
    let units = std::fs::read_to_string(w.path("a-units.csv")).unwrap();
    assert!(
        units
            .lines()
            .any(|l| l.starts_with("81,") && l.contains(",DPMPTSP,") && l.ends_with(",approved")),
        "{units}"
    );
    c.ok(&w, &["check"]);
}

/// docs/review.md is enough to run the loop: its shell block, run as written by `sh -e`
/// in an empty folder with the patuh just built first on PATH, succeeds from the
/// first command to the last (the approval, the approved-only report, `check`).
#[test]
fn the_loop_of_docs_review_md_runs_as_written() {
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/review.md")).unwrap();
    let script = doc
        .split("```sh\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("a sh block in docs/review.md");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("loop.sh"), script).unwrap();
    let bin = assert_cmd::cargo::cargo_bin("patuh");
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let home = dir.path().join("home");
    let out = std::process::Command::new("sh")
        .args(["-e", "loop.sh"])
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", path)
        .env("HOME", &home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("LANG", "C")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the loop of docs/review.md stopped:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("[changed] 8171/DUKCAPIL/KTP-EL biaya"),
        "{stdout}"
    );
    assert!(
        stdout.contains("[confirmed] 8171/DUKCAPIL/KTP-EL waktu"),
        "{stdout}"
    );
    assert!(
        stdout.contains("resubmitted by a merge of siti-2.patuh"),
        "{stdout}"
    );
    assert!(stdout.contains("Approved 8171/DUKCAPIL/KTP-EL"), "{stdout}");
    assert!(dir.path().join("disetujui.xlsx").exists());
    assert!(stdout.contains("central.db: ok"), "{stdout}");
}
