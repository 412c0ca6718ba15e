//! Every kind of tampering with an export is refused with its precise reason, by
//! `patuh verify` and by `patuh central merge`, and the central database stays
//! byte-for-byte what it was: flipped bytes across the whole file, truncation, a
//! swapped signature, a wrong or untrusted key, a newer format version, scores that do
//! not follow from the observations, and edited, deleted or reordered audit rows.

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
    let siti_file = w.export("siti", &siti, "siti.patuh", &["81"]);
    let budi_file = w.export("budi", &budi, "budi.patuh", &["8171"]);
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
    env.format_version = 2;
    t.refused(
        "v2.patuh",
        &bundle::layout(&env),
        &["made by a newer patuh (export format version 2"],
    );
    t.refused(
        "v2-other.patuh",
        br#"{"format":"patuh-export","format_version":2,"chunks":[]}"#,
        &["made by a newer patuh"],
    );
    // Signed, but the payload says version 2.
    let inner = resigned(&siti, &t.siti(), |p| p.format_version = 2);
    t.refused("v2-inner.patuh", &inner, &["made by a newer patuh"]);
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
                product: c.product,
                indicator: c.indicator,
                action: c.action,
                old: c.old,
                new: c.new,
                prev_hash: prev.clone(),
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
