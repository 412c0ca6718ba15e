//! Every kind of tampering with an export of format 1 (files made before format 2, and
//! by `patuh export --format 1`) is refused with its precise reason, by `patuh verify`
//! and by `patuh central merge`, and the central database stays byte-for-byte what it
//! was (format 2: tests/exchange_v2.rs): flipped bytes across the whole file, truncation, a
//! swapped signature, a wrong or untrusted key, a newer format version, scores that do
//! not follow from the observations, and edited, deleted or reordered audit rows:
//! every field of every row, every row deleted, every pair of rows swapped, and rows
//! deleted or swapped with the chain rebuilt by someone holding the signing key.

mod exchange_support;

use std::path::{Path, PathBuf};

use exchange_support::*;
use patuh::exchange::bundle::{self, Envelope, Payload};
use patuh::exchange::export::payload_bytes;
use patuh::exchange::keys::Identity;
use patuh::exchange::verify::verify_bytes;
use patuh::exchange::{ExchangeError, keys::TrustedKeys};

struct Setup {
    w: World,
    siti_file: PathBuf,
    budi_file: PathBuf,
    trusted: PathBuf,
    central: PathBuf,
}

/// Siti's and Budi's exports; a central database already holding Budi's.
fn setup() -> Setup {
    let w = World::new();
    let siti = w.workstation("siti", "Siti Rahma", "ASN-001");
    let budi = w.workstation("budi", "Budi Santoso", "ASN-002");
    for (ind, v) in [
        ("sk-standar", "1"),
        ("persyaratan", "1"),
        ("dasar-hukum", "na"),
    ] {
        w.record("siti", &siti, "81/DPMPTSP/NIB", ind, v);
    }
    w.record("siti", &siti, "81/DPMPTSP/SIPI", "maklumat", "1");
    w.record("budi", &budi, "8171/DUKCAPIL/KTP-EL", "maklumat", "1");
    let siti_file = w.export_v1("siti", &siti, "siti.patuh", &["81"]);
    let budi_file = w.export_v1("budi", &budi, "budi.patuh", &["8171"]);
    let trusted = w.trusted(&["siti", "budi"]);
    let central = w.path("central.db");
    w.ok(
        "central",
        &[
            "central",
            "merge",
            "--db",
            s(&central),
            "--trusted",
            s(&trusted),
            s(&budi_file),
        ],
    );
    // Registers ASN-001's key too, so that a later file signed by another key for
    // ASN-001 meets a pinned key.
    let c2 = w.path("pinned.db");
    w.ok(
        "central",
        &["central", "merge", "--db", s(&c2), s(&siti_file)],
    );
    Setup {
        w,
        siti_file,
        budi_file,
        trusted,
        central,
    }
}

impl Setup {
    /// Writes `bytes` as a file and checks that verify and merge both refuse it with
    /// one of `reasons`, leaving the central database untouched.
    fn refused(&self, name: &str, bytes: &[u8], reasons: &[&str]) {
        let file = self.w.path(name);
        std::fs::write(&file, bytes).unwrap();
        let matches = |err: &str| reasons.iter().any(|r| err.contains(r));
        let err = self.w.fails(
            "central",
            &["verify", s(&file), "--trusted", s(&self.trusted)],
        );
        assert!(
            matches(&err),
            "{name}: verify said {err:?}, expected one of {reasons:?}"
        );
        assert!(
            err.contains(s(&file)),
            "{name}: the message names the file: {err}"
        );
        let before = snapshot(&self.central);
        let err = self.w.fails(
            "central",
            &[
                "central",
                "merge",
                "--db",
                s(&self.central),
                "--trusted",
                s(&self.trusted),
                s(&file),
            ],
        );
        assert!(
            matches(&err),
            "{name}: merge said {err:?}, expected one of {reasons:?}"
        );
        assert_eq!(before, snapshot(&self.central), "{name}: central changed");
    }

    fn siti(&self) -> Identity {
        Identity::load(&self.w.keys("siti")).unwrap()
    }
}

fn envelope(bytes: &[u8]) -> Envelope {
    serde_json::from_slice(bytes).unwrap()
}

fn payload(bytes: &[u8]) -> Payload {
    bundle::parse_payload(&bundle::open(bytes).unwrap().payload).unwrap()
}

/// The file with its payload changed and signed again with `key`: the signature
/// holds, so only the deeper checks can catch the change.
fn resigned(bytes: &[u8], key: &Identity, change: impl FnOnce(&mut Payload)) -> Vec<u8> {
    let mut p = payload(bytes);
    change(&mut p);
    bundle::seal(&payload_bytes(&p).unwrap(), key)
}

/// Where the three base64 values of the envelope lie in the file.
fn spans(bytes: &[u8]) -> Vec<(&'static str, std::ops::Range<usize>)> {
    let text = std::str::from_utf8(bytes).unwrap();
    ["public_key", "signature", "payload"]
        .into_iter()
        .map(|k| {
            let start = text.find(&format!("\"{k}\":\"")).unwrap() + k.len() + 4;
            let end = start + text[start..].find('"').unwrap();
            (k, start..end)
        })
        .collect()
}

#[test]
fn every_flipped_byte_is_refused_for_a_precise_reason() {
    let t = setup();
    let bytes = std::fs::read(&t.siti_file).unwrap();
    let trusted = TrustedKeys::load(&t.trusted).unwrap();
    let spans = spans(&bytes);
    let region = |at: usize| {
        spans
            .iter()
            .find(|(_, r)| r.contains(&at))
            .map(|(k, _)| *k)
            .unwrap_or("structure")
    };
    // In the library: a byte in every 53 across the file, and every byte of the
    // first 250 (the envelope's structure, key and signature) and the last 50.
    // (Each check decodes and verifies the whole file: a debug build does ~150/s.)
    let mut offsets: Vec<usize> = (0..bytes.len()).step_by(53).collect();
    offsets.extend(0..250.min(bytes.len()));
    offsets.extend(bytes.len().saturating_sub(50)..bytes.len());
    for at in offsets {
        let masks: &[u8] = if at < 250 { &[0x01, 0x80] } else { &[0x01] };
        for &mask in masks {
            let mut bad = bytes.clone();
            bad[at] ^= mask;
            let err = verify_bytes(&bad, Some(&trusted), None)
                .expect_err(&format!("flip {mask:#x} at byte {at} was accepted"));
            let ok = match region(at) {
                // Inside a base64 value: the bytes no longer decode, or no longer verify.
                "payload" | "signature" | "public_key" => matches!(
                    err,
                    ExchangeError::BadSignature { .. } | ExchangeError::Damaged { .. }
                ),
                _ => matches!(
                    err,
                    ExchangeError::Damaged { .. }
                        | ExchangeError::NotExport { .. }
                        | ExchangeError::Truncated { .. }
                        | ExchangeError::UnsupportedVersion { .. }
                        | ExchangeError::NewerVersion { .. }
                ),
            };
            assert!(ok, "flip {mask:#x} at byte {at} ({}): {err}", region(at));
        }
    }
    // Through the command line, with the central database checked after each one.
    let n = bytes.len();
    for (i, at) in [
        0,
        1,
        12,
        30,
        50,
        spans[0].1.start + 3,
        spans[1].1.start + 10,
        spans[2].1.start,
        n / 3,
        n / 2,
        2 * n / 3,
        n - 10,
        n - 2,
        n - 1,
    ]
    .into_iter()
    .enumerate()
    {
        let mut bad = bytes.clone();
        bad[at] ^= 0x01;
        t.refused(
            &format!("flip-{i}.patuh"),
            &bad,
            &[
                "bad signature",
                "damaged or was altered",
                "not a patuh export",
                "truncated",
                "is not supported",
            ],
        );
    }
}

#[test]
fn truncated_files_are_named_as_truncated() {
    let t = setup();
    let bytes = std::fs::read(&t.siti_file).unwrap();
    for len in [1, 10, 60, bytes.len() / 3, bytes.len() / 2, bytes.len() - 2] {
        t.refused(
            &format!("cut-{len}.patuh"),
            &bytes[..len],
            &["the file is truncated"],
        );
    }
    t.refused("empty.patuh", b"", &["the file is empty"]);
    // Only the final newline missing: complete JSON, but not the layout patuh writes.
    t.refused(
        "no-newline.patuh",
        &bytes[..bytes.len() - 1],
        &["damaged or was altered: byte"],
    );
}

#[test]
fn swapped_signature_wrong_key_and_untrusted_key_are_refused() {
    let t = setup();
    let siti = std::fs::read(&t.siti_file).unwrap();
    let budi = std::fs::read(&t.budi_file).unwrap();

    let mut env = envelope(&siti);
    env.signature = envelope(&budi).signature;
    t.refused(
        "swapped-signature.patuh",
        &bundle::layout(&env),
        &["bad signature"],
    );

    let mut env = envelope(&siti);
    env.public_key = envelope(&budi).public_key;
    t.refused("wrong-key.patuh", &bundle::layout(&env), &["bad signature"]);

    // Someone signs Siti's work with their own key, claiming to be Siti.
    let eve = identity("Eve", "ASN-001", 66);
    let forged = resigned(&siti, &eve, |p| p.assessor.public_key = eve.public_text());
    t.refused(
        "untrusted.patuh",
        &forged,
        &["unknown key", "not in the trusted keys file"],
    );
    // Without a trusted keys file, the central database's pinned key stops it.
    let file = t.w.path("forged.patuh");
    std::fs::write(&file, &forged).unwrap();
    let pinned = t.w.path("pinned.db");
    let before = snapshot(&pinned);
    let err = t.w.fails(
        "central",
        &["central", "merge", "--db", s(&pinned), s(&file)],
    );
    assert!(
        err.contains("wrong key: assessor ASN-001 is registered"),
        "{err}"
    );
    assert_eq!(before, snapshot(&pinned));
    // Budi's key claiming to be Siti: the trusted keys file knows whose key it is.
    let budi_key = Identity::load(&t.w.keys("budi")).unwrap();
    let as_siti = resigned(&siti, &budi_key, |p| {
        p.assessor.public_key = budi_key.public_text()
    });
    t.refused("budi-as-siti.patuh", &as_siti, &["wrong key: key"]);
    // A payload naming another key than the one that signed it.
    let mismatch = resigned(&siti, &t.siti(), |p| {
        p.assessor.public_key = budi_key.public_text()
    });
    t.refused(
        "key-mismatch.patuh",
        &mismatch,
        &["but the file is signed by key"],
    );
}

#[test]
fn a_newer_format_version_asks_for_an_update() {
    let t = setup();
    let siti = std::fs::read(&t.siti_file).unwrap();
    let mut env = envelope(&siti);
    env.format_version = 3;
    t.refused(
        "v3.patuh",
        &bundle::layout(&env),
        &["made by a newer patuh (export format version 3"],
    );
    t.refused(
        "v3-other.patuh",
        br#"{"format":"patuh-export","format_version":3,"chunks":[]}"#,
        &["made by a newer patuh"],
    );
    // Signed, but the payload says version 3.
    let inner = resigned(&siti, &t.siti(), |p| p.format_version = 3);
    t.refused("v3-inner.patuh", &inner, &["made by a newer patuh"]);
    // A format-1 file whose payload says 2 (or whose envelope says 2 over a format-1
    // signature): the two must agree, and a format-2 signature is another one.
    let inner = resigned(&siti, &t.siti(), |p| p.format_version = 2);
    t.refused(
        "v2-inner.patuh",
        &inner,
        &["the payload and its envelope must say the same"],
    );
    let mut env = envelope(&siti);
    env.format_version = 2;
    t.refused(
        "v2-envelope.patuh",
        &bundle::layout(&env),
        &["bad signature"],
    );
    t.refused(
        "other.patuh",
        br#"{"format":"patuh-instrument","format_version":1}"#,
        &["not a patuh export"],
    );
}

#[test]
fn scores_that_do_not_follow_from_the_observations_are_refused() {
    let t = setup();
    let siti = std::fs::read(&t.siti_file).unwrap();
    let key = t.siti();
    let inflated = resigned(&siti, &key, |p| {
        p.agencies[0].units[0].products[0].score.value = Some("99.00".parse().unwrap());
    });
    t.refused(
        "inflated.patuh",
        &inflated,
        &["score mismatch: product 81/DPMPTSP/NIB is exported as 99.00"],
    );
    let zone = resigned(&siti, &key, |p| {
        p.agencies[0].score.zone = Some("hijau".into());
    });
    t.refused("zone.patuh", &zone, &["score mismatch: agency 81"]);
    let unit = resigned(&siti, &key, |p| {
        p.agencies[0].units[0].score.answered += 1;
    });
    t.refused("unit.patuh", &unit, &["score mismatch: unit 81/DPMPTSP"]);
}

fn full_row(p: &Payload, product: &str) -> usize {
    p.audit
        .iter()
        .position(|a| a.content.as_ref().is_some_and(|c| c.product == product))
        .unwrap()
}

#[test]
fn edited_deleted_or_reordered_audit_rows_are_detected() {
    let t = setup();
    let siti = std::fs::read(&t.siti_file).unwrap();
    let key = t.siti();

    let edited = resigned(&siti, &key, |p| {
        let i = full_row(p, "81/DPMPTSP/NIB");
        p.audit[i].content.as_mut().unwrap().who = "someone else".into();
    });
    t.refused(
        "audit-edited.patuh",
        &edited,
        &["audit log broken at row 1: its content does not match its hash"],
    );

    let deleted = resigned(&siti, &key, |p| {
        p.audit.remove(1);
    });
    t.refused(
        "audit-deleted.patuh",
        &deleted,
        &["audit log broken at row 3: expected row 2 here: a row was deleted or reordered"],
    );

    let reordered = resigned(&siti, &key, |p| p.audit.swap(0, 1));
    t.refused(
        "audit-reordered.patuh",
        &reordered,
        &["audit log broken at row 2: expected row 1 here"],
    );

    // Rows renumbered and every hash recomputed after deleting one: the chain holds,
    // but it no longer accounts for the exported observations.
    let rechained = resigned(&siti, &key, |p| {
        p.audit.remove(0);
        let mut prev = patuh::store::GENESIS.to_string();
        for (i, e) in p.audit.iter_mut().enumerate() {
            e.seq = i as i64 + 1;
            e.prev_hash = prev.clone();
            let c = e.content.clone().unwrap();
            e.hash = patuh::store::AuditRow {
                seq: e.seq,
                at: c.at,
                who: c.who,
                path: c.product,
                indicator: c.indicator,
                action: c.action,
                old: c.old,
                new: c.new,
                prev_hash: prev.clone(),
                cycle: None,
                respondent: None,
            }
            .hash();
            prev = e.hash.clone();
        }
    });
    t.refused(
        "audit-rechained.patuh",
        &rechained,
        &["the audit log does not account for 81/DPMPTSP/NIB"],
    );

    // An observation changed without its audit row (its score kept consistent).
    let note = resigned(&siti, &key, |p| {
        p.agencies[0].units[0].products[0].observations[0].note = "added later".into();
    });
    t.refused(
        "note.patuh",
        &note,
        &["does not account for 81/DPMPTSP/NIB: the note of indicator"],
    );
}

#[test]
fn a_tampered_workstation_database_cannot_be_exported() {
    let w = World::new();
    let ws = w.workstation("siti", "Siti Rahma", "ASN-001");
    w.record("siti", &ws, "81/DPMPTSP/NIB", "maklumat", "1");
    w.record("siti", &ws, "81/DPMPTSP/NIB", "waktu", "1");
    let conn = rusqlite::Connection::open(&ws).unwrap();
    conn.execute("UPDATE audit SET new = '0' WHERE seq = 1", [])
        .unwrap();
    drop(conn);
    let out: &Path = &w.path("x.patuh");
    let err = w.fails("siti", &["--db", s(&ws), "export", "--out", s(out)]);
    assert!(err.contains("audit log broken at row 1"), "{err}");
    assert!(!out.exists(), "nothing written");
}

/// The same in export format 2, which streams the payload through a scratch frame
/// while it checks the chain: the message is the chain's, whichever row is broken,
/// and no file (nor its scratch frame) is left.
#[test]
fn a_tampered_workstation_database_cannot_be_exported_in_format_2() {
    let w = World::new();
    let ws = filled_method_workstation(&w);
    let conn = rusqlite::Connection::open(&ws).unwrap();
    let last: i64 = conn
        .query_row("SELECT max(seq) FROM audit", [], |r| r.get(0))
        .unwrap();
    drop(conn);
    assert!(last > 10, "a log of some length: {last}");
    for seq in [1, last / 2, last] {
        let conn = rusqlite::Connection::open(&ws).unwrap();
        conn.execute("UPDATE audit SET who = who || '.' WHERE seq = ?1", [seq])
            .unwrap();
        drop(conn);
        let out: &Path = &w.path("x.patuh");
        let err = w.fails("siti", &["--db", s(&ws), "export", "--out", s(out)]);
        assert!(
            err.contains(&format!("audit log broken at row {seq}")),
            "{err}"
        );
        assert!(!out.exists(), "nothing written");
        let left: Vec<_> = std::fs::read_dir(out.parent().unwrap())
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains("x.patuh"))
            .collect();
        assert!(left.is_empty(), "nothing left beside it: {left:?}");
        let conn = rusqlite::Connection::open(&ws).unwrap();
        conn.execute(
            "UPDATE audit SET who = substr(who, 1, length(who) - 1) WHERE seq = ?1",
            [seq],
        )
        .unwrap();
        drop(conn);
    }
    // Untampered again, it exports.
    w.ok(
        "siti",
        &["--db", s(&ws), "export", "--out", s(&w.path("x.patuh"))],
    );
}

/// A history with every kind of row, some of them for an agency left out of the
/// export (so redacted to seq and hashes), the last row among those.
fn rich_history(w: &World) -> (PathBuf, PathBuf) {
    let db = w.workstation("rina", "Rina Wati", "ASN-009");
    let mut store = patuh::store::Store::open(&db).unwrap();
    let nib = "81/DPMPTSP/NIB";
    let sipi = "81/DPMPTSP/SIPI";
    let ktp = "8171/DUKCAPIL/KTP-EL";
    let mut t = 1_740_000_000;
    let mut step = |store: &mut patuh::store::Store| {
        t += 60;
        at(store, t);
    };
    use patuh::domain::Value::{Level, NotApplicable};
    step(&mut store);
    put(&mut store, nib, "sk-standar", Level(1), None);
    step(&mut store);
    put(&mut store, ktp, "maklumat", Level(1), None);
    step(&mut store);
    put(&mut store, nib, "sk-standar", Level(0), None);
    step(&mut store);
    put(
        &mut store,
        nib,
        "persyaratan",
        NotApplicable,
        Some("tidak ada"),
    );
    step(&mut store);
    put(&mut store, nib, "persyaratan", Level(1), None);
    step(&mut store);
    let p = store.product_ref(nib).unwrap();
    let inst = store.product_instrument(&p).unwrap();
    let ind = inst.indicators[inst.indicator_index("persyaratan").unwrap()].clone();
    store.add_evidence(&p, &ind, "SK 12/2025", None).unwrap();
    step(&mut store);
    put(&mut store, ktp, "waktu", Level(1), Some("cepat"));
    step(&mut store);
    put(&mut store, sipi, "maklumat", Level(1), None);
    step(&mut store);
    let sipi_ref = store.product_ref(sipi).unwrap();
    store.finalize(&sipi_ref).unwrap();
    step(&mut store);
    store.reopen(&sipi_ref, "salah centang").unwrap();
    step(&mut store);
    put(&mut store, sipi, "maklumat", Level(0), Some("diperbaiki"));
    step(&mut store);
    store.finalize(&p).unwrap();
    step(&mut store);
    put(&mut store, ktp, "maklumat", Level(0), None);
    drop(store);
    let file = w.export_v1("rina", &db, "rina.patuh", &["81"]);
    (db, file)
}

/// The chain rebuilt after a change, as someone holding the signing key could:
/// rows renumbered, links and the hashes of full rows recomputed (a redacted row's
/// hash cannot be checked against anything, so it is kept).
fn rechain(p: &mut Payload) {
    let mut prev = patuh::store::GENESIS.to_string();
    for (i, e) in p.audit.iter_mut().enumerate() {
        e.seq = i as i64 + 1;
        e.prev_hash = prev.clone();
        if let Some(c) = e.content.clone() {
            e.hash = patuh::store::AuditRow {
                seq: e.seq,
                at: c.at,
                who: c.who,
                path: c.product,
                indicator: c.indicator,
                action: c.action,
                old: c.old,
                new: c.new,
                prev_hash: prev.clone(),
                cycle: None,
                respondent: None,
            }
            .hash();
        }
        prev = e.hash.clone();
    }
}

/// One hex digit of a hash changed (still a well-formed SHA-256).
fn other_hash(h: &str) -> String {
    let mut h = h.to_string();
    let c = if h.starts_with('0') { "1" } else { "0" };
    h.replace_range(0..1, c);
    h
}

fn edited(s: &Option<String>) -> Option<String> {
    match s {
        Some(v) => Some(format!("{v}x")),
        None => Some("x".into()),
    }
}

#[test]
fn any_edited_deleted_or_reordered_audit_row_is_refused() {
    let w = World::new();
    let (_db, file) = rich_history(&w);
    let bytes = std::fs::read(&file).unwrap();
    let key = Identity::load(&w.keys("rina")).unwrap();
    let trusted = TrustedKeys::load(&w.trusted(&["rina"])).unwrap();
    let original = payload(&bytes);
    let n = original.audit.len();
    let full: Vec<bool> = original.audit.iter().map(|e| e.content.is_some()).collect();
    assert!(n >= 14, "{n} rows");
    assert!(full.iter().any(|f| !f), "some rows are redacted");
    assert!(!full[n - 1], "the last row is redacted");
    verify_bytes(&bytes, Some(&trusted), None).expect("the untouched file verifies");

    // Each case: a name and the payload change; all signed again with the key.
    type Change = Box<dyn Fn(&mut Payload)>;
    let mut cases: Vec<(String, Change)> = Vec::new();
    for (i, &is_full) in full.iter().enumerate() {
        cases.push((
            format!("row {} seq", i + 1),
            Box::new(move |p| p.audit[i].seq += 1),
        ));
        cases.push((
            format!("row {} prev_hash", i + 1),
            Box::new(move |p| p.audit[i].prev_hash = other_hash(&p.audit[i].prev_hash)),
        ));
        cases.push((
            format!("row {} hash", i + 1),
            Box::new(move |p| p.audit[i].hash = other_hash(&p.audit[i].hash)),
        ));
        if is_full {
            type Edit = fn(&mut patuh::exchange::bundle::AuditContent);
            let fields: [(&str, Edit); 7] = [
                ("at", |c| c.at.push('0')),
                ("who", |c| c.who = format!("x{}", c.who)),
                ("product", |c| {
                    c.product = if c.product.ends_with("NIB") {
                        "81/DPMPTSP/SIPI".into()
                    } else {
                        "81/DPMPTSP/NIB".into()
                    }
                }),
                ("indicator", |c| c.indicator = edited(&c.indicator)),
                ("action", |c| {
                    c.action = if c.action == "value" { "note" } else { "value" }.into()
                }),
                ("old", |c| c.old = edited(&c.old)),
                ("new", |c| c.new = edited(&c.new)),
            ];
            for (name, edit) in fields {
                cases.push((
                    format!("row {} {name}", i + 1),
                    Box::new(move |p| edit(p.audit[i].content.as_mut().unwrap())),
                ));
            }
            cases.push((
                format!("row {} redacted", i + 1),
                Box::new(move |p| p.audit[i].content = None),
            ));
        }
        cases.push((
            format!("row {} deleted", i + 1),
            Box::new(move |p| {
                p.audit.remove(i);
            }),
        ));
        for j in i + 1..n {
            cases.push((
                format!("rows {} and {} swapped", i + 1, j + 1),
                Box::new(move |p| p.audit.swap(i, j)),
            ));
        }
    }
    // The only changes a file cannot show: its last row, when it belongs to a product
    // not in the file, deleted or given another hash. Nothing after it links to it,
    // and it carries nothing the file holds: such a file is what an export made just
    // before that row (or after another change elsewhere) would be.
    let undetectable = [format!("row {n} deleted"), format!("row {n} hash")];
    // Every case through the chain check verify runs (fast: no decoding, no scoring)
    // or, for a row hidden (redacted), which leaves the chain whole, through the replay;
    // every 8th case and the undetectable ones through the whole of verify, signed.
    let mut refused = 0;
    for (k, (name, change)) in cases.iter().enumerate() {
        let hidden = name.ends_with("redacted");
        let full_verify = hidden || k % 8 == 0 || undetectable.contains(name);
        let verdict = if full_verify {
            let bad = resigned(&bytes, &key, |p| change(p));
            verify_bytes(&bad, Some(&trusted), None).map(|_| ())
        } else {
            let mut p = original.clone();
            change(&mut p);
            patuh::exchange::verify::check_audit(&p.audit).map(|_| ())
        };
        match verdict {
            Err(ExchangeError::AuditChain(msg)) => {
                let expect = if hidden {
                    "audit log"
                } else {
                    "audit log broken at row"
                };
                assert!(msg.contains(expect), "{name}: {msg}");
                assert!(
                    !undetectable.contains(name),
                    "{name} is now detected: update the test and the docs"
                );
                refused += 1;
            }
            Err(other) => panic!("{name}: refused for another reason: {other}"),
            Ok(()) => assert!(undetectable.contains(name), "{name} was accepted"),
        }
    }
    assert_eq!(refused, cases.len() - undetectable.len());

    // With the key, the chain rebuilt after deleting a full row or swapping two
    // full rows of one product: the rows no longer follow from one another, or no
    // longer end in the exported data.
    let mut rechained = 0;
    for i in (0..n).filter(|&i| full[i]) {
        let bad = resigned(&bytes, &key, |p| {
            p.audit.remove(i);
            rechain(p);
        });
        let err = verify_bytes(&bad, Some(&trusted), None)
            .expect_err(&format!("row {} deleted, chain rebuilt: accepted", i + 1));
        assert!(matches!(err, ExchangeError::AuditChain(_)), "{err}");
        rechained += 1;
        for j in (i + 1..n).filter(|&j| full[j]) {
            let (a, b) = (
                original.audit[i].content.as_ref().unwrap(),
                original.audit[j].content.as_ref().unwrap(),
            );
            if a.product != b.product {
                continue;
            }
            // Two changes of different indicators in either order leave the same
            // result: only the log's order of them differs. Skip those.
            let same_cell = a.indicator == b.indicator && a.action == b.action;
            let lifecycle = a.indicator.is_none() || b.indicator.is_none();
            if !same_cell && !lifecycle {
                continue;
            }
            let bad = resigned(&bytes, &key, |p| {
                p.audit.swap(i, j);
                rechain(p);
            });
            let err = verify_bytes(&bad, Some(&trusted), None).expect_err(&format!(
                "rows {} and {} swapped, chain rebuilt: accepted",
                i + 1,
                j + 1
            ));
            assert!(matches!(err, ExchangeError::AuditChain(_)), "{err}");
            rechained += 1;
        }
    }
    eprintln!(
        "audit tampering: {} changes to {n} rows refused by verify ({} undetectable by design), \
         {rechained} rebuilt chains refused",
        refused,
        undetectable.len()
    );

    // Through the command line, verify and the central merge, on a sample.
    let central = w.path("central-rich.db");
    let trusted_file = w.trusted(&["rina"]);
    for (k, (name, change)) in cases.iter().enumerate().step_by(cases.len() / 6) {
        let bad = resigned(&bytes, &key, |p| change(p));
        let file = w.path(&format!("sample-{k}.patuh"));
        std::fs::write(&file, &bad).unwrap();
        let err = w.fails(
            "central",
            &["verify", s(&file), "--trusted", s(&trusted_file)],
        );
        assert!(err.contains("audit log broken at row"), "{name}: {err}");
        let before = snapshot(&central);
        let err = w.fails(
            "central",
            &[
                "central",
                "merge",
                "--db",
                s(&central),
                "--trusted",
                s(&trusted_file),
                s(&file),
            ],
        );
        assert!(err.contains("audit log broken at row"), "{name}: {err}");
        assert_eq!(before, snapshot(&central), "{name}: central changed");
    }
}
