//! The streaming verification of format 2 (`patuh verify` reads a file as a stream,
//! twice, never whole): it accepts what the whole reading accepts with the same
//! figures, refuses what it refuses (then `patuh verify` says why, naming the file),
//! and a format-2 file written before the export was streamed still verifies and
//! merges.

mod exchange_support;

use std::path::{Path, PathBuf};

use exchange_support::*;
use patuh::exchange::keys::TrustedKeys;
use patuh::exchange::verify::{verify_bytes, verify_streamed};
use patuh::store::Store;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Writes the format-2 fixture (run once, by the code before the streamed export).
#[test]
#[ignore = "writes tests/fixtures/export-format2*: run once, by hand"]
fn write_the_format_2_fixture() {
    let w = World::new();
    let ws = filled_method_workstation(&w);
    let file = w.export("siti", &ws, "siti.patuh", &["1702", "9101"]);
    std::fs::copy(&file, fixture("export-format2.patuh")).unwrap();
    std::fs::copy(w.trusted(&["siti"]), fixture("export-format2-trusted.txt")).unwrap();
    let score = w.score_json(&ws, Some("1702"));
    std::fs::write(
        fixture("export-format2-score-1702.json"),
        serde_json::to_string_pretty(&score).unwrap(),
    )
    .unwrap();
}

/// A format-2 file made before the export was streamed (tests/fixtures/export-format2.patuh,
/// made by commit b2fe787 from `fill_methods`: Bengkulu 1702 and the 2025 regency 9101
/// with respondents, data values, evidence, a finalized unit and a closed follow-up
/// register) verifies, as a stream and whole, and merges to the scores that patuh
/// printed for it.
#[test]
fn a_format_2_file_made_before_the_streamed_export_verifies_and_merges() {
    let w = World::new();
    let old = fixture("export-format2.patuh");
    let trusted_path = fixture("export-format2-trusted.txt");
    let out = w.ok(
        "central",
        &["verify", s(&old), "--trusted", s(&trusted_path)],
    );
    assert!(out.contains("format patuh-export version 2"), "{out}");
    assert!(out.contains("Siti Rahma (ASN-001)"), "{out}");
    assert!(out.contains("all equal to the exported ones"), "{out}");
    let bytes = std::fs::read(&old).unwrap();
    let trusted = TrustedKeys::load(&trusted_path).unwrap();
    let streamed = verify_streamed(&bytes, Some(&trusted)).expect("the stream accepts it");
    let whole = verify_bytes(&bytes, Some(&trusted), None).expect("it verifies whole");
    assert_eq!(streamed, whole.checked());
    assert!(
        streamed.respondents > 0 && streamed.audit_full > 0,
        "{streamed:?}"
    );
    let central = w.path("central.db");
    let out = w.ok(
        "central",
        &[
            "central",
            "merge",
            "--db",
            s(&central),
            "--trusted",
            s(&trusted_path),
            s(&old),
        ],
    );
    assert!(out.contains("merged (assessor ASN-001"), "{out}");
    let expected: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("export-format2-score-1702.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(w.score_json(&central, Some("1702")), expected);
    let out = w.ok("reader", &["--db", s(&central), "check"]);
    assert!(
        out.contains("every merged file verified and merged again"),
        "{out}"
    );
}

/// A fresh export: the stream accepts it with the figures of the whole reading; a
/// payload changed and signed again by its key's holder (a value off its scale, an
/// audit row dropped) is refused by both; a file cut short is refused by `patuh verify`
/// naming the file.
#[test]
fn the_stream_gives_the_whole_readings_verdicts() {
    use patuh::exchange::bundle::{self, seal_v2};
    use patuh::exchange::bundle2::{self, Payload2};
    let w = World::new();
    let ws = filled_method_workstation(&w);
    let file = w.export("siti", &ws, "siti.patuh", &[]);
    let bytes = std::fs::read(&file).unwrap();
    let streamed = verify_streamed(&bytes, None).expect("the stream accepts a fresh export");
    assert_eq!(
        streamed,
        verify_bytes(&bytes, None, None).unwrap().checked()
    );

    let key = patuh::exchange::keys::Identity::load(&w.keys("siti")).unwrap();
    let opened = bundle::open(&bytes).unwrap();
    let payload =
        bundle2::parse_payload2(&bundle2::decompress(&opened.payload, 1 << 30).unwrap()).unwrap();
    let resign = |p: &Payload2| {
        let json = bundle2::payload2_bytes(p).unwrap();
        seal_v2(&bundle2::compress(&json).unwrap(), &key).unwrap()
    };
    // The same payload signed again: accepted by both.
    let same = resign(&payload);
    assert!(verify_streamed(&same, None).is_some());
    let mut off = payload.clone();
    let a = off.agencies.iter_mut().find(|a| a.code == "1702").unwrap();
    let u = a.units.iter_mut().find(|u| u.code == "DUKCAPIL").unwrap();
    u.answers[0].value = Some(99);
    let mut dropped = payload.clone();
    dropped.audit.pop();
    // The agencies in another order: still a valid file, for both.
    let mut reordered = payload.clone();
    reordered.agencies.reverse();
    let reordered = resign(&reordered);
    assert_eq!(
        verify_streamed(&reordered, None).expect("reordered agencies"),
        verify_bytes(&reordered, None, None).unwrap().checked()
    );
    for (name, p) in [("off-scale", off), ("dropped", dropped)] {
        let bad = resign(&p);
        assert!(
            verify_streamed(&bad, None).is_none(),
            "{name}: the stream accepted it"
        );
        let err = verify_bytes(&bad, None, None).expect_err(name);
        let path = w.path(&format!("{name}.patuh"));
        std::fs::write(&path, &bad).unwrap();
        let said = w.fails("central", &["verify", s(&path)]);
        assert!(
            said.contains(s(&path)) && said.contains(&err.to_string()),
            "{name}: {said}"
        );
    }
    let cut = w.path("cut.patuh");
    std::fs::write(&cut, &bytes[..bytes.len() * 2 / 3]).unwrap();
    assert!(verify_streamed(&bytes[..bytes.len() * 2 / 3], None).is_none());
    let said = w.fails("central", &["verify", s(&cut)]);
    assert!(
        said.contains(s(&cut)) && said.contains("truncated"),
        "{said}"
    );
}

/// A file merged as a stream (`verify_for_merge`, `central merge`) gives the central
/// database exactly what merging it read whole gives: every result, score and check.
#[test]
fn a_streamed_merge_is_the_whole_merge() {
    use patuh::exchange::merge::{
        Outcome, merge_to, merge_verified, open_central, verify_for_merge, verify_for_merge_keeping,
    };
    let w = World::new();
    let ws = filled_method_workstation(&w);
    let file = w.export("siti", &ws, "siti.patuh", &[]);
    let streamed = w.path("streamed.db");
    let whole = w.path("whole.db");
    let v = verify_for_merge(&file, None, None).unwrap();
    assert!(format!("{v:?}").starts_with("ToMerge(Streamed"), "{v:?}");
    assert!(format!("{v:?}").contains("kept: Some"), "{v:?}");
    let mut c = open_central(&streamed).unwrap();
    let a = merge_to(&mut c, &v, "siti.patuh", None).unwrap();
    drop(c);
    let v = verify_bytes(&std::fs::read(&file).unwrap(), None, None).unwrap();
    let mut c = open_central(&whole).unwrap();
    let b = merge_verified(&mut c, &v, "siti.patuh", None).unwrap();
    drop(c);
    // Its agencies read again from the file as they are merged (a file too large to
    // keep them from the verification): the same merge.
    let reread = w.path("reread.db");
    let v = verify_for_merge_keeping(&file, None, None, 0).unwrap();
    assert!(format!("{v:?}").contains("kept: None"), "{v:?}");
    let mut c = open_central(&reread).unwrap();
    let r = merge_to(&mut c, &v, "siti.patuh", None).unwrap();
    drop(c);
    assert!(matches!(&a, Outcome::Merged(_)), "{a:?}");
    assert_eq!(a, b);
    assert_eq!(a, r);
    assert_eq!(
        Store::open(&reread).unwrap().central_results().unwrap(),
        Store::open(&whole).unwrap().central_results().unwrap()
    );
    for agency in ["1702", "9101"] {
        assert_eq!(
            w.score_json(&streamed, Some(agency)),
            w.score_json(&whole, Some(agency))
        );
        assert_eq!(
            w.score_json(&streamed, Some(agency)),
            w.score_json(&ws, Some(agency))
        );
    }
    let c = Store::open(&streamed).unwrap();
    assert_eq!(
        c.central_results().unwrap(),
        Store::open(&whole).unwrap().central_results().unwrap()
    );
    drop(c);
    let out = w.ok("reader", &["--db", s(&streamed), "check"]);
    assert!(
        out.contains("every merged file verified and merged again"),
        "{out}"
    );
    // Merged again: already merged, nothing changed.
    let v = verify_for_merge(&file, None, None).unwrap();
    let mut c = open_central(&streamed).unwrap();
    assert!(matches!(
        merge_to(&mut c, &v, "siti.patuh", None).unwrap(),
        Outcome::AlreadyMerged { .. }
    ));
}
