//! Export -> verify -> central merge as users run it, with the real binary, real keys
//! and real files: every score survives the trip, two assessors' work is consolidated,
//! conflicts keep both results, replays are refused, encryption works end to end.

mod exchange_support;

use exchange_support::*;
use patuh::domain::Value;
use patuh::store::Store;
use predicates::prelude::*;

/// Siti's workstation with observations on both instruments, notes, N/A, evidence
/// and a finalized product.
fn siti(w: &World) -> std::path::PathBuf {
    let db = w.workstation("siti", "Siti Rahma", "ASN-001");
    w.add_2022("siti", &db);
    for (ind, v) in [
        ("sk-standar", "1"),
        ("dasar-hukum", "na"),
        ("persyaratan", "1"),
        ("prosedur", "0"),
        ("waktu", "1"),
    ] {
        w.record("siti", &db, "81/DPMPTSP/NIB", ind, v);
    }
    w.record("siti", &db, "8171/DUKCAPIL/KTP-EL", "maklumat", "1");
    for (ind, v) in [
        ("pelatihan-pelaksana", "2"),
        ("ruang-pelayanan", "3"),
        ("persyaratan", "na"),
        ("prosedur", "1"),
    ] {
        w.record("siti", &db, "K01/PTSP/IZIN-A", ind, v);
    }
    w.record("siti", &db, "L01/LAYANAN/SERTIFIKAT", "maklumat", "3");
    let mut store = Store::open(&db).unwrap();
    put(
        &mut store,
        "81/DPMPTSP/NIB",
        "biaya",
        Value::Level(1),
        Some("Tarif | dipasang di loket — ✓"),
    );
    let nib = store.product_ref("81/DPMPTSP/NIB").unwrap();
    let inst = store.product_instrument(&nib).unwrap();
    let ind = &inst.indicators[inst.indicator_index("biaya").unwrap()];
    store
        .add_evidence(&nib, ind, "foto-loket.jpg", Some((1234, "ab".repeat(32))))
        .unwrap();
    store.finalize(&nib).unwrap();
    db
}

#[test]
fn export_verify_merge_keeps_every_score() {
    let w = World::new();
    let ws = siti(&w);
    let file = w.export("siti", &ws, "siti.patuh", &[]);
    let trusted = w.trusted(&["siti"]);

    let out = w.ok("central", &["verify", s(&file), "--trusted", s(&trusted)]);
    assert!(out.contains(": OK"), "{out}");
    assert!(out.contains("Siti Rahma (ASN-001)"), "{out}");
    assert!(out.contains("key trusted: listed in"), "{out}");
    assert!(out.contains("all equal to the exported ones"), "{out}");

    let central = w.path("central.db");
    let out = w.ok(
        "central",
        &[
            "central",
            "merge",
            "--db",
            s(&central),
            "--trusted",
            s(&trusted),
            s(&file),
        ],
    );
    assert!(out.contains("merged (assessor ASN-001"), "{out}");

    // Every agency, unit and product score, zone and progress is the same centrally.
    assert_eq!(w.score_json(&ws, None), w.score_json(&central, None));
    // ... and so is the checklist itself: values, N/A, notes, finalization.
    for product in ["81/DPMPTSP/NIB", "K01/PTSP/IZIN-A", "8171/DUKCAPIL/KTP-EL"] {
        let show =
            |db: &std::path::Path| w.ok("reader", &["--db", s(db), "show", product, "--json"]);
        assert_eq!(show(&ws), show(&central), "{product}");
    }
    let nib = w.ok(
        "reader",
        &["--db", s(&central), "show", "81/DPMPTSP/NIB", "--json"],
    );
    assert!(nib.contains("\"finalized\": true"), "{nib}");
    assert!(nib.contains("Tarif | dipasang di loket — ✓"), "{nib}");
    w.ok("reader", &["--db", s(&central), "check"]);

    // The same file again changes nothing, not a byte.
    let before = snapshot(&central);
    let out = w.ok(
        "central",
        &["central", "merge", "--db", s(&central), s(&file)],
    );
    assert!(out.contains("already merged"), "{out}");
    assert_eq!(before, snapshot(&central));
}

#[test]
fn two_workstations_with_different_assessors_are_merged_and_reported() {
    let w = World::new();
    // Siti assesses the province; Budi the city of Ambon and Maluku Tengah. Both got
    // the same assignment; Budi exports everything, including the province he never
    // touched, which must not blank out Siti's results.
    let siti = w.workstation("siti", "Siti Rahma", "ASN-001");
    let budi = w.workstation("budi", "Budi Santoso", "ASN-002");
    for (ind, v) in [("sk-standar", "1"), ("persyaratan", "1"), ("maklumat", "1")] {
        w.record("siti", &siti, "81/DPMPTSP/NIB", ind, v);
    }
    w.record("siti", &siti, "81/RSUD-HAULUSSY/IGD", "waktu", "1");
    for (ind, v) in [("sk-standar", "1"), ("biaya", "na"), ("produk", "1")] {
        w.record("budi", &budi, "8171/DUKCAPIL/KTP-EL", ind, v);
    }
    w.record("budi", &budi, "8103/DPMPTSP/PBG", "persyaratan", "1");
    let a = w.export("siti", &siti, "siti-81.patuh", &["81"]);
    let b = w.export("budi", &budi, "budi-all.patuh", &[]);
    let trusted = w.trusted(&["siti", "budi"]);

    let mut centrals = Vec::new();
    for (name, order) in [("c1.db", [&a, &b]), ("c2.db", [&b, &a])] {
        let c = w.path(name);
        w.ok(
            "central",
            &[
                "central",
                "merge",
                "--db",
                s(&c),
                "--trusted",
                s(&trusted),
                s(order[0]),
                s(order[1]),
            ],
        );
        centrals.push(c);
    }
    let c = &centrals[0];
    assert_eq!(w.score_json(c, None), w.score_json(&centrals[1], None));
    assert_eq!(w.score_json(c, Some("81")), w.score_json(&siti, Some("81")));
    assert_eq!(
        w.score_json(c, Some("8171")),
        w.score_json(&budi, Some("8171"))
    );
    assert_eq!(
        w.score_json(c, Some("8103")),
        w.score_json(&budi, Some("8103"))
    );

    let md = w.path("laporan.md");
    w.ok(
        "central",
        &["--db", s(c), "report", "--format", "md", "--out", s(&md)],
    );
    let text = std::fs::read_to_string(&md).unwrap();
    let nib = w.score_json(c, Some("81"))["agencies"][0]["score"].to_string();
    assert!(
        text.contains(&format!(
            "| Province | 1 | 81 | Pemerintah Provinsi Maluku | {nib} |"
        )),
        "{text}"
    );
    assert!(text.contains("## Unfulfilled indicators"));
    let xlsx = w.path("laporan.xlsx");
    w.ok(
        "central",
        &[
            "--db",
            s(c),
            "report",
            "--format",
            "xlsx",
            "--out",
            s(&xlsx),
        ],
    );
    assert!(std::fs::metadata(&xlsx).unwrap().len() > 1000);
    let csv = w.path("laporan.csv");
    let out = w.ok(
        "central",
        &["--db", s(c), "report", "--format", "csv", "--out", s(&csv)],
    );
    for table in [
        "ranking",
        "zones",
        "units",
        "products",
        "unfulfilled",
        "conflicts",
    ] {
        let f = w.path(&format!("laporan-{table}.csv"));
        assert!(out.contains(s(&f)), "{out}");
        assert!(f.exists(), "{}", f.display());
    }
}

#[test]
fn two_assessors_on_one_product_are_both_kept_and_reported_as_a_conflict() {
    let w = World::new();
    let siti = w.workstation("siti", "Siti Rahma", "ASN-001");
    let budi = w.workstation("budi", "Budi Santoso", "ASN-002");
    let product = "8171/DUKCAPIL/KTP-EL";
    w.record("siti", &siti, product, "maklumat", "1");
    w.record("budi", &budi, product, "maklumat", "0");
    w.record("budi", &budi, product, "waktu", "1");
    w.record("budi", &budi, product, "prosedur", "1");
    // Budi finalizes: a finalized result is chosen over a draft, whatever the order.
    let mut store = Store::open(&budi).unwrap();
    store
        .finalize(&store.product_ref(product).unwrap())
        .unwrap();
    drop(store);
    let a = w.export("siti", &siti, "siti.patuh", &["8171"]);
    let b = w.export("budi", &budi, "budi.patuh", &["8171"]);
    let trusted = w.trusted(&["siti", "budi"]);
    let show_budi = w.ok("reader", &["--db", s(&budi), "show", product, "--json"]);
    for (name, order) in [("c1.db", [&a, &b]), ("c2.db", [&b, &a])] {
        let c = w.path(name);
        let out = w.ok(
            "central",
            &[
                "central",
                "merge",
                "--db",
                s(&c),
                "--trusted",
                s(&trusted),
                s(order[0]),
                s(order[1]),
            ],
        );
        assert!(out.contains("1 in conflict"), "{out}");
        let show = w.ok("reader", &["--db", s(&c), "show", product, "--json"]);
        assert_eq!(show, show_budi, "merge order {name}");
        let conn = rusqlite::Connection::open(&c).unwrap();
        let kept: Vec<(String, Option<String>)> = conn
            .prepare(
                "SELECT assessor_id, score FROM assessor_result r JOIN product p ON p.id = r.product_id
                 WHERE p.code = 'KTP-EL' ORDER BY assessor_id",
            )
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(kept.len(), 2, "both results kept: {kept:?}");
        assert_eq!(kept[0].0, "ASN-001");
        assert_eq!(kept[1].0, "ASN-002");
        assert_ne!(kept[0].1, kept[1].1);
        let md = w.path(&format!("{name}.md"));
        w.ok(
            "central",
            &["--db", s(&c), "report", "--format", "md", "--out", s(&md)],
        );
        let text = std::fs::read_to_string(&md).unwrap();
        let section = text
            .split("## Products with results of several assessors")
            .nth(1)
            .unwrap();
        assert!(
            section.contains("| 8171/DUKCAPIL/KTP-EL | ASN-002 | Budi Santoso |"),
            "{section}"
        );
        assert!(
            section.contains("| 8171/DUKCAPIL/KTP-EL | ASN-001 | Siti Rahma |"),
            "{section}"
        );
        assert!(section.contains("| final | chosen |"), "{section}");
    }
}

#[test]
fn a_replayed_older_export_never_supersedes_a_newer_one() {
    let w = World::new();
    let ws = w.workstation("siti", "Siti Rahma", "ASN-001");
    w.record("siti", &ws, "81/DPMPTSP/NIB", "sk-standar", "1");
    let old = w.export("siti", &ws, "old.patuh", &["81"]);
    w.record("siti", &ws, "81/DPMPTSP/NIB", "sk-standar", "0");
    w.record("siti", &ws, "81/DPMPTSP/NIB", "persyaratan", "1");
    let new = w.export("siti", &ws, "new.patuh", &["81"]);
    let trusted = w.trusted(&["siti"]);

    let c1 = w.path("c1.db");
    w.ok(
        "central",
        &[
            "central",
            "merge",
            "--db",
            s(&c1),
            "--trusted",
            s(&trusted),
            s(&new),
        ],
    );
    let before = snapshot(&c1);
    let err = w.fails(
        "central",
        &[
            "central",
            "merge",
            "--db",
            s(&c1),
            "--trusted",
            s(&trusted),
            s(&old),
        ],
    );
    assert!(err.contains("replayed or out-of-date export"), "{err}");
    assert!(err.contains("ASN-001"), "{err}");
    assert_eq!(before, snapshot(&c1), "a refused file changes nothing");

    // The other order: the old one first, then the new one supersedes it.
    let c2 = w.path("c2.db");
    w.ok(
        "central",
        &[
            "central",
            "merge",
            "--db",
            s(&c2),
            "--trusted",
            s(&trusted),
            s(&old),
        ],
    );
    let out = w.ok(
        "central",
        &[
            "central",
            "merge",
            "--db",
            s(&c2),
            "--trusted",
            s(&trusted),
            s(&new),
        ],
    );
    assert!(out.contains("1 superseded"), "{out}");
    let ws_score = w.score_json(&ws, Some("81"));
    assert_eq!(w.score_json(&c1, Some("81")), ws_score);
    assert_eq!(w.score_json(&c2, Some("81")), ws_score);
}

#[test]
fn encrypted_exports_need_the_central_identity() {
    let w = World::new();
    let ws = w.workstation("siti", "Siti Rahma", "ASN-001");
    w.record("siti", &ws, "8172/DUKCAPIL/KTP-EL", "maklumat", "1");
    let identity = w.path("central.agekey");
    let out = w.ok("central", &["keys", "central-init", "--out", s(&identity)]);
    let recipient = out
        .split_whitespace()
        .find(|t| t.starts_with("age1"))
        .expect("recipient printed")
        .to_string();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&identity).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let file = w.path("siti.age");
    w.ok(
        "siti",
        &[
            "--db",
            s(&ws),
            "export",
            "--out",
            s(&file),
            "--agency",
            "8172",
            "--encrypt-to",
            &recipient,
        ],
    );
    let bytes = std::fs::read(&file).unwrap();
    assert!(bytes.starts_with(b"age-encryption.org/v1\n"));
    assert!(
        !bytes.windows(12).any(|x| x == b"patuh-export"),
        "nothing readable"
    );

    let err = w.fails("central", &["verify", s(&file)]);
    assert!(err.contains("encrypted for the central office"), "{err}");
    let out = w.ok("central", &["verify", s(&file), "--identity", s(&identity)]);
    assert!(out.contains("decrypted"), "{out}");

    let other = w.path("other.agekey");
    w.ok("central", &["keys", "central-init", "--out", s(&other)]);
    let err = w.fails("central", &["verify", s(&file), "--identity", s(&other)]);
    assert!(err.contains("not encrypted to the key in"), "{err}");

    let mut bad = bytes.clone();
    let mid = bad.len() / 2;
    bad[mid] ^= 0x01;
    let bad_file = w.path("bad.age");
    std::fs::write(&bad_file, bad).unwrap();
    let err = w.fails(
        "central",
        &["verify", s(&bad_file), "--identity", s(&identity)],
    );
    assert!(err.contains("cannot decrypt"), "{err}");

    let c = w.path("central.db");
    w.ok(
        "central",
        &[
            "central",
            "merge",
            "--db",
            s(&c),
            "--identity",
            s(&identity),
            s(&file),
        ],
    );
    assert_eq!(
        w.score_json(&c, Some("8172")),
        w.score_json(&ws, Some("8172"))
    );
}

#[test]
fn keys_are_private_made_once_and_required_for_export() {
    let w = World::new();
    let db = w.path("ws.db");
    w.ok("siti", &["--db", s(&db), "init", "--demo"]);
    let err = w.fails(
        "siti",
        &["--db", s(&db), "export", "--out", s(&w.path("x.patuh"))],
    );
    assert!(err.contains("no assessor key yet"), "{err}");
    assert!(err.contains("patuh keys init"), "{err}");

    let out = w.ok(
        "siti",
        &["keys", "init", "--name", "Siti Rahma", "--id", "ASN-001"],
    );
    assert!(out.contains("fingerprint:"), "{out}");
    let key = w.keys("siti").join("assessor.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "private key is 0600");
        let err = w.fails("siti", &["keys", "init", "--name", "X", "--id", "Y"]);
        assert!(err.contains("a key already exists"), "{err}");
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = w.fails(
            "siti",
            &["--db", s(&db), "export", "--out", s(&w.path("x.patuh"))],
        );
        assert!(err.contains("chmod 600"), "{err}");
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let show = w.ok("siti", &["keys", "show"]);
    assert!(show.contains("Siti Rahma (ASN-001)"), "{show}");
    let line = w.ok("siti", &["keys", "show", "--line"]);
    assert!(line.starts_with("ed25519:") && line.trim_end().ends_with("ASN-001 Siti Rahma"));
    // The export never carries the private key.
    let file = w.export("siti", &db, "x.patuh", &["81"]);
    let secret = std::fs::read_to_string(&key).unwrap();
    let secret: serde_json::Value = serde_json::from_str(&secret).unwrap();
    let secret = secret["secret_key"].as_str().unwrap();
    assert!(!std::fs::read_to_string(&file).unwrap().contains(secret));
    w.patuh("siti")
        .args(["keys", "init", "--name", "X", "--id", "bad id"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("not a valid assessor id"));
}

#[test]
fn a_workstation_database_is_never_used_as_the_central_one() {
    let w = World::new();
    let ws = w.workstation("siti", "Siti Rahma", "ASN-001");
    w.record("siti", &ws, "81/DPMPTSP/NIB", "maklumat", "1");
    let file = w.export("siti", &ws, "siti.patuh", &["81"]);
    let before = snapshot(&ws);
    let err = w.fails("siti", &["central", "merge", "--db", s(&ws), s(&file)]);
    assert!(err.contains("this is a workstation database"), "{err}");
    assert_eq!(before, snapshot(&ws));
    let c = w.path("c.db");
    w.ok("central", &["central", "merge", "--db", s(&c), s(&file)]);
    let err = w.fails(
        "siti",
        &["--db", s(&c), "export", "--out", s(&w.path("y.patuh"))],
    );
    assert!(err.contains("is a central database"), "{err}");
    let err = w.fails("central", &["central", "merge", s(&file)]);
    assert!(err.contains("--db CENTRAL.db"), "{err}");
}

#[test]
fn the_new_commands_have_help_and_usage_errors_exit_2() {
    let w = World::new();
    for args in [
        vec!["keys", "--help"],
        vec!["keys", "init", "--help"],
        vec!["keys", "show", "--help"],
        vec!["keys", "central-init", "--help"],
        vec!["export", "--help"],
        vec!["verify", "--help"],
        vec!["central", "merge", "--help"],
        vec!["report", "--help"],
    ] {
        w.patuh("x")
            .args(&args)
            .assert()
            .success()
            .stdout(predicate::str::contains("Usage"));
    }
    for args in [
        vec!["report", "--format", "pdf", "--out", "x"],
        vec!["export"],
        vec!["central", "merge", "--db", "c.db"],
        vec!["keys", "init", "--name", "X"],
    ] {
        w.patuh("x").args(&args).assert().code(2);
    }
}

/// `central merge` of many files verifies the next file while it applies one: still
/// the files are merged, reported and refused one by one, in the order given. A file
/// refused in the middle of the run (cut short: refused by verification; replayed:
/// refused by the merge) changes nothing and the files after it are merged; a file
/// named twice is merged once. The result is that of merging the files one per run.
#[test]
fn one_run_of_many_files_is_the_files_merged_one_by_one() {
    let w = World::new();
    let siti = w.workstation("siti", "Siti Rahma", "ASN-001");
    let budi = w.workstation("budi", "Budi Santoso", "ASN-002");
    w.record("siti", &siti, "81/DPMPTSP/NIB", "sk-standar", "1");
    let old = w.export("siti", &siti, "old.patuh", &["81"]);
    w.record("siti", &siti, "81/DPMPTSP/NIB", "persyaratan", "1");
    let new = w.export("siti", &siti, "new.patuh", &["81"]);
    w.record("budi", &budi, "8171/DUKCAPIL/KTP-EL", "sk-standar", "1");
    w.record("budi", &budi, "8103/DPMPTSP/PBG", "persyaratan", "1");
    let budi_file = w.export("budi", &budi, "budi.patuh", &[]);
    let cut = w.path("cut.patuh");
    let bytes = std::fs::read(&budi_file).unwrap();
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let trusted = w.trusted(&["siti", "budi"]);

    let one_by_one = w.path("one-by-one.db");
    w.merge(&one_by_one, &trusted, &new);
    w.merge(&one_by_one, &trusted, &budi_file);

    let one_run = w.path("one-run.db");
    let out = w
        .patuh("central")
        .args([
            "central",
            "merge",
            "--db",
            s(&one_run),
            "--trusted",
            s(&trusted),
            s(&new),
            s(&old),
            s(&cut),
            s(&budi_file),
            s(&new),
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    let merged: Vec<&str> = stdout.lines().filter(|l| l.contains(".patuh: ")).collect();
    assert_eq!(merged.len(), 3, "{stdout}");
    assert!(
        merged[0].starts_with(&format!("{}: merged (assessor ASN-001", new.display())),
        "{stdout}"
    );
    assert!(
        merged[1].starts_with(&format!(
            "{}: merged (assessor ASN-002",
            budi_file.display()
        )),
        "{stdout}"
    );
    assert!(
        merged[2].starts_with(&format!("{}: already merged at", new.display())),
        "{stdout}"
    );
    let refused: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains(": refused: "))
        .collect();
    assert_eq!(refused.len(), 2, "{stderr}");
    assert!(
        refused[0].starts_with(&format!("error: {}: refused: ", old.display()))
            && refused[0].contains("replayed or out-of-date export"),
        "{stderr}"
    );
    assert!(
        refused[1].starts_with(&format!("error: {}: refused: ", cut.display())),
        "{stderr}"
    );
    assert!(stderr.contains("2 of 5 file(s) refused"), "{stderr}");
    assert_eq!(
        w.score_json(&one_by_one, None),
        w.score_json(&one_run, None)
    );
    w.ok("reader", &["--db", s(&one_run), "check"]);
}
