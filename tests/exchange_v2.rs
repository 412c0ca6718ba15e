//! Export format 2 as users run it, with the real binary, real keys and real files: a
//! format-1 file made by the patuh before format 2 still verifies and merges (and
//! beside format-2 files); the Bengkulu demo (2024 instrument) and a 2025 regency keep
//! every score, category, zone, dimension score, opinion and qualifier through export,
//! verify and merge; two assessors' respondents of one unit merge to the union, two
//! values of one data cell are a conflict and two respondents are not; exports of
//! different cycles are kept apart; a tampered payload or signature, a value off its
//! scale, an answer at another level and a decompression bomb are refused, naming the
//! record, with the central database unchanged.

mod exchange_support;

use std::path::{Path, PathBuf};

use exchange_support::*;
use patuh::exchange::bundle::{self, Envelope};
use patuh::exchange::bundle2::{self, Payload2};
use patuh::exchange::keys::{Identity, TrustedKeys};
use patuh::exchange::verify::verify_bytes;
use patuh::store::Store;
use serde_json::Value as Json;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn json(text: &str) -> Json {
    serde_json::from_str(text).expect("JSON")
}

/// `show PATH --json` of a database.
fn show(w: &World, db: &Path, path: &str) -> Json {
    json(&w.ok("reader", &["--db", s(db), "show", path, "--json"]))
}

/// `actual` holds everything `expected` does, at every depth: each field with the same
/// value (lists of the same length, element by element); fields added since aside.
fn assert_holds(actual: &Json, expected: &Json, at: &str) {
    match (actual, expected) {
        (Json::Object(a), Json::Object(e)) => {
            for (k, v) in e {
                let here = format!("{at}.{k}");
                let got = a.get(k).unwrap_or_else(|| panic!("{here}: missing"));
                assert_holds(got, v, &here);
            }
        }
        (Json::Array(a), Json::Array(e)) => {
            assert_eq!(a.len(), e.len(), "{at}: length");
            for (k, (x, y)) in a.iter().zip(e).enumerate() {
                assert_holds(x, y, &format!("{at}[{k}]"));
            }
        }
        _ => assert_eq!(actual, expected, "{at}"),
    }
}

/// `check` of a database: it must pass.
fn check(w: &World, db: &Path) -> String {
    w.ok("reader", &["--db", s(db), "check"])
}

fn merge(w: &World, central: &Path, trusted: &Path, files: &[&Path]) -> String {
    let mut args = vec![
        "central",
        "merge",
        "--db",
        s(central),
        "--trusted",
        s(trusted),
    ];
    args.extend(files.iter().map(|f| s(f)));
    w.ok("central", &args)
}

/// The payload of a format-2 file.
fn payload2(bytes: &[u8]) -> Payload2 {
    let opened = bundle::open(bytes).expect("a signed file");
    assert_eq!(opened.format_version, 2);
    bundle2::parse_payload2(
        &bundle2::decompress(&opened.payload, bundle2::MAX_PAYLOAD_BYTES).expect("expands"),
    )
    .expect("a payload")
}

/// The file with its payload changed and signed again with `key`: the signature
/// holds, so only the deeper checks can catch the change.
fn resigned(bytes: &[u8], key: &Identity, change: impl FnOnce(&mut Payload2)) -> Vec<u8> {
    let mut p = payload2(bytes);
    change(&mut p);
    let json = bundle2::payload2_bytes(&p).unwrap();
    bundle::seal_v2(&bundle2::compress(&json).unwrap(), key).unwrap()
}

/// The audit chain rebuilt after a change, as someone holding the signing key could:
/// rows renumbered, links and the hashes of full rows recomputed (nine or eleven
/// fields, as the store hashes them).
fn rechain(p: &mut Payload2) {
    let mut prev = patuh::store::GENESIS.to_string();
    for (i, e) in p.audit.iter_mut().enumerate() {
        e.seq = i as i64 + 1;
        e.prev_hash = prev.clone();
        if let Some(row) = e.row() {
            e.hash = row.hash();
        }
        prev = e.hash.clone();
    }
}

// ---------------------------------------------------------------------------------
// Format 1 still read
// ---------------------------------------------------------------------------------

/// A file the patuh before format 2 wrote (tests/fixtures/export-format1.patuh, made by
/// commit a48ed3b: Maluku's province, values, N/A with a note, a value changed, a
/// finalized product) verifies as it did, merges to the scores that patuh printed,
/// beside a format-2 file of another assessor in either order, and `check` passes.
#[test]
fn a_file_of_format_1_made_before_format_2_verifies_and_merges() {
    let w = World::new();
    let old = fixture("export-format1.patuh");
    let old_trusted = std::fs::read_to_string(fixture("export-format1-trusted.txt")).unwrap();
    let out = w.ok(
        "central",
        &[
            "verify",
            s(&old),
            "--trusted",
            s(&fixture("export-format1-trusted.txt")),
        ],
    );
    assert!(out.contains("format patuh-export version 1"), "{out}");
    assert!(out.contains("Rina Wati (197905052005012001)"), "{out}");
    assert!(out.contains("all equal to the exported ones"), "{out}");

    let budi = method_workstation(&w, "budi", "Budi Santoso", "ASN-002");
    let mut store = Store::open(&budi).unwrap();
    fill_methods(&mut store);
    drop(store);
    let new = w.export("budi", &budi, "budi.patuh", &["1702", "9101"]);
    let trusted = w.path("trusted-all.txt");
    std::fs::write(
        &trusted,
        format!("{old_trusted}{}", w.ok("budi", &["keys", "show", "--line"])),
    )
    .unwrap();
    let c1 = w.path("c1.db");
    let c2 = w.path("c2.db");
    let out = merge(&w, &c1, &trusted, &[&old, &new]);
    assert!(out.contains("merged (assessor 197905052005012001"), "{out}");
    merge(&w, &c2, &trusted, &[&new, &old]);
    let expected = json(&std::fs::read_to_string(fixture("export-format1-score.json")).unwrap());
    for c in [&c1, &c2] {
        // Everything that patuh printed, as it printed it (fields added since, such as
        // the cycle, aside).
        assert_holds(&w.score_json(c, Some("81")), &expected, "score");
        assert_holds(
            &show(&w, c, "81/DPMPTSP/NIB"),
            &json(&std::fs::read_to_string(fixture("export-format1-show-nib.json")).unwrap()),
            "show",
        );
        assert!(check(&w, c).contains("every merged file verified and merged again"));
    }
    // The same scores whatever the order (the agencies listed in the order merged).
    let by_code = |mut j: Json| {
        j["agencies"]
            .as_array_mut()
            .unwrap()
            .sort_by_key(|a| a["code"].as_str().unwrap().to_string());
        j
    };
    assert_eq!(
        by_code(w.score_json(&c1, None)),
        by_code(w.score_json(&c2, None))
    );
    assert_eq!(
        w.score_json(&c1, Some("1702")),
        w.score_json(&budi, Some("1702"))
    );
}

// ---------------------------------------------------------------------------------
// Every score survives the trip
// ---------------------------------------------------------------------------------

#[test]
fn the_bengkulu_demo_and_a_2025_regency_keep_every_score_through_export_verify_merge() {
    let w = World::new();
    let ws = filled_method_workstation(&w);
    let before = w.score_json(&ws, None);
    // What the file must carry: categories, zones, the opinion with its qualifier.
    let agency = |j: &Json, code: &str| -> Json {
        j["agencies"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["code"] == code)
            .cloned()
            .unwrap()
    };
    assert_eq!(agency(&before, "9101")["qualifier"], true);
    assert!(
        agency(&before, "9101")["opinion"]
            .as_str()
            .unwrap()
            .ends_with("Tanpa Maladministrasi"),
        "{}",
        agency(&before, "9101")
    );
    assert_ne!(agency(&before, "1702")["answered"], 0);

    let file = w.export("siti", &ws, "siti.patuh", &[]);
    let trusted = w.trusted(&["siti"]);
    let out = w.ok("central", &["verify", s(&file), "--trusted", s(&trusted)]);
    assert!(out.contains("format patuh-export version 2"), "{out}");
    assert!(out.contains("cycle: default"), "{out}");
    assert!(out.contains("9 respondents"), "{out}");
    assert!(out.contains("all equal to the exported ones"), "{out}");
    // Smaller than format 1 would be (it cannot even carry this): the payload is
    // compressed, and no name of a respondent is in it.
    let p = payload2(&std::fs::read(&file).unwrap());
    let unit = p
        .agencies
        .iter()
        .find(|a| a.code == "1702")
        .unwrap()
        .units
        .iter()
        .find(|u| u.code == "DUKCAPIL")
        .unwrap();
    let labels: Vec<&str> = unit.respondents.iter().map(|r| r.label.as_str()).collect();
    assert_eq!(labels.len(), 4, "{labels:?}");
    assert!(labels.contains(&"Kepala Dinas"), "{labels:?}");
    assert!(unit.respondents.iter().all(|r| r.uid.len() == 32));
    assert!(unit.finalized_at.is_some());

    let central = w.path("central.db");
    merge(&w, &central, &trusted, &[&file]);
    assert_eq!(w.score_json(&central, None), before);
    for path in [
        "1702",
        "1702/DUKCAPIL",
        "1702/DUKCAPIL/KTP-EL",
        "9101",
        "9101/DPMPTSP",
        "9101/DUKCAPIL/KTP-EL",
        "81/DPMPTSP/NIB",
    ] {
        assert_eq!(show(&w, &central, path), show(&w, &ws, path), "{path}");
    }
    check(&w, &central);
    // The same file again changes nothing.
    let snap = snapshot(&central);
    let out = merge(&w, &central, &trusted, &[&file]);
    assert!(out.contains("already merged"), "{out}");
    assert_eq!(snap, snapshot(&central));
}

// ---------------------------------------------------------------------------------
// Two assessors: respondents a union, data cells a conflict
// ---------------------------------------------------------------------------------

/// Siti and Budi each interview staff of 1702/DUKCAPIL (both number theirs from 1) and
/// enter the IKM of 9101, with different values. Merged in either order: the unit holds
/// all three staff with their answers (and scores as a workstation holding the three
/// does), no conflict for them; the IKM is a conflict, the chosen value the newer
/// export's.
#[test]
fn two_assessors_respondents_of_one_unit_merge_to_the_union() {
    use patuh::domain::Value::Level;
    let w = World::new();
    let siti = method_workstation(&w, "siti", "Siti Rahma", "ASN-001");
    let budi = method_workstation(&w, "budi", "Budi Santoso", "ASN-002");
    let both = method_workstation(&w, "both", "Kedua", "ASN-003");
    let unit = "1702/DUKCAPIL";
    let people: [(&Path, &str, u8); 3] = [
        (&siti, "Kepala Dinas", 3),
        (&siti, "", 1),
        (&budi, "Sekretaris", 2),
    ];
    for (db, label, v) in people {
        for target in [db, both.as_path()] {
            let mut store = Store::open(target).unwrap();
            let r = respondent(&mut store, unit, "pelaksana", label);
            answer(&mut store, unit, "pengetahuan-standar", Some(&r), Level(v));
        }
    }
    let mut store = Store::open(&siti).unwrap();
    data(&mut store, "9101", "ikm", "82.35", "KemenPAN-RB, IKM 2024");
    drop(store);
    let mut store = Store::open(&budi).unwrap();
    data(&mut store, "9101", "ikm", "80", "BPS 2024");
    drop(store);
    let a = w.export("siti", &siti, "siti.patuh", &["1702", "9101"]);
    let b = w.export("budi", &budi, "budi.patuh", &["1702", "9101"]);
    let trusted = w.trusted(&["siti", "budi"]);
    let mut shows = Vec::new();
    for (name, order) in [("c1.db", [&a, &b]), ("c2.db", [&b, &a])] {
        let c = w.path(name);
        merge(&w, &c, &trusted, &[order[0]]);
        let out = merge(&w, &c, &trusted, &[order[1]]);
        // The IKM cell of 9101 only: the unit's respondents are no conflict.
        assert!(out.contains(", 1 in conflict"), "{name}: {out}");
        let j = show(&w, &c, unit);
        let staff: Vec<&Json> = j["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["id"] == "pengetahuan-standar")
            .collect();
        let answers = staff[0]["respondents"].as_array().unwrap();
        let mut given: Vec<(String, i64)> = answers
            .iter()
            .map(|r| {
                (
                    r["label"].as_str().unwrap().to_string(),
                    r["value"].as_i64().unwrap(),
                )
            })
            .collect();
        given.sort();
        assert_eq!(
            given,
            [
                (String::new(), 1),
                ("Kepala Dinas".into(), 3),
                ("Sekretaris".into(), 2)
            ],
            "{name}: {j}"
        );
        let mut numbers: Vec<i64> = answers.iter().map(|r| r["n"].as_i64().unwrap()).collect();
        numbers.sort();
        assert_eq!(numbers, [1, 2, 3], "{name}: each respondent its own number");
        // Scored as the workstation holding all three.
        let unit_of = |db: &Path| -> Json {
            w.score_json(db, Some("1702"))["agencies"][0]["units"]
                .as_array()
                .unwrap()
                .iter()
                .find(|u| u["code"] == "DUKCAPIL")
                .cloned()
                .unwrap()
        };
        assert_eq!(unit_of(&c)["score"], unit_of(&both)["score"], "{name}");
        assert_eq!(unit_of(&c)["dimensions"], unit_of(&both)["dimensions"]);
        check(&w, &c);
        shows.push((j, show(&w, &c, "9101")));
    }
    assert_eq!(shows[0], shows[1], "the merge order changes nothing");
    // The report lists the agency's conflicting cell with both results, the unit not.
    let md = w.path("laporan.md");
    w.ok(
        "central",
        &[
            "--db",
            s(&w.path("c1.db")),
            "report",
            "--format",
            "md",
            "--out",
            s(&md),
        ],
    );
    let text = std::fs::read_to_string(&md).unwrap();
    let section = text
        .split("## Products with results of several assessors")
        .nth(1)
        .unwrap();
    assert!(section.contains("| 9101 (ikm) | ASN-001 |"), "{section}");
    assert!(section.contains("| 9101 (ikm) | ASN-002 |"), "{section}");
    assert!(!section.contains("1702/DUKCAPIL"), "{section}");
    // The conflict is listed by the review: the IKM cell, both values.
    let c = w.path("c1.db");
    let conn = rusqlite::Connection::open(&c).unwrap();
    let held: Vec<(String, Option<String>)> = conn
        .prepare(
            "SELECT assessor_id, amount FROM central_answer
             WHERE level = 1 AND indicator = 'ikm' ORDER BY assessor_id",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        held,
        [
            ("ASN-001".to_string(), Some("82.35".to_string())),
            ("ASN-002".to_string(), Some("80".to_string()))
        ]
    );
}

// ---------------------------------------------------------------------------------
// Cycles kept apart
// ---------------------------------------------------------------------------------

/// An export of another cycle, started with `patuh cycle start --carry` (its answers
/// carried from the cycle before, to be re-checked, one of them changed; audit rows of
/// eleven fields) goes into that cycle at the central office: the results of the cycle
/// `default` stay as they were, both score as on the workstation, and `check` accounts
/// for both.
#[test]
fn exports_of_different_cycles_are_kept_apart() {
    use patuh::domain::Value::Level;
    let w = World::new();
    let ws = method_workstation(&w, "siti", "Siti Rahma", "ASN-001");
    let mut store = Store::open(&ws).unwrap();
    fill_methods(&mut store);
    answer(
        &mut store,
        "1702/DPMPTSP",
        "pengawasan-internal",
        None,
        Level(1),
    );
    drop(store);
    let first = w.export("siti", &ws, "default.patuh", &["1702", "9101"]);
    w.ok(
        "siti",
        &[
            "--db",
            s(&ws),
            "cycle",
            "start",
            "2025-penilaian",
            "--kind",
            "assessment",
            "--year",
            "2025",
            "--carry",
        ],
    );
    let mut store = Store::open(&ws).unwrap();
    assert_eq!(store.cycle().code, "2025-penilaian");
    answer(
        &mut store,
        "1702/DPMPTSP",
        "pengawasan-internal",
        None,
        Level(3),
    );
    drop(store);
    let second = w.export("siti", &ws, "2025.patuh", &["1702", "9101"]);
    let p = payload2(&std::fs::read(&second).unwrap());
    assert_eq!(p.cycle.code, "2025-penilaian");
    assert_eq!(p.cycle.follows.as_deref(), Some("default"));
    let carried = p
        .nodes()
        .map(|(_, parts)| parts.answers.iter().filter(|a| a.carried).count())
        .sum::<usize>();
    assert!(carried > 0, "answers carried, to be re-checked");
    let trusted = w.trusted(&["siti"]);
    let out = w.ok("central", &["verify", s(&second), "--trusted", s(&trusted)]);
    assert!(out.contains("cycle: 2025-penilaian"), "{out}");
    let central = w.path("central.db");
    let out = merge(&w, &central, &trusted, &[&second, &first]);
    assert!(out.contains("2025.patuh: merged"), "{out}");
    let value = |db: &Path, cycle: &str| -> Json {
        json(&w.ok(
            "reader",
            &[
                "--db",
                s(db),
                "show",
                "1702/DPMPTSP",
                "--json",
                "--cycle",
                cycle,
            ],
        ))["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == "pengawasan-internal")
            .unwrap()["value"]
            .clone()
    };
    assert_eq!(value(&central, "default"), 1);
    assert_eq!(value(&central, "2025-penilaian"), 3);
    for cycle in ["default", "2025-penilaian"] {
        let score = |db: &Path| -> Json {
            json(&w.ok(
                "reader",
                &[
                    "--db",
                    s(db),
                    "score",
                    "--json",
                    "--agency",
                    "1702",
                    "--cycle",
                    cycle,
                ],
            ))
        };
        assert_eq!(score(&central), score(&ws), "{cycle}");
        for path in ["1702/DUKCAPIL", "9101"] {
            let show = |db: &Path| -> Json {
                json(&w.ok(
                    "reader",
                    &["--db", s(db), "show", path, "--json", "--cycle", cycle],
                ))
            };
            assert_eq!(show(&central), show(&ws), "{cycle} {path}");
        }
    }
    check(&w, &central);
}

// ---------------------------------------------------------------------------------
// Tampering
// ---------------------------------------------------------------------------------

struct Tamper {
    w: World,
    file: PathBuf,
    key: Identity,
    trusted: PathBuf,
    central: PathBuf,
}

fn tamper_setup() -> Tamper {
    let w = World::new();
    let ws = filled_method_workstation(&w);
    let file = w.export("siti", &ws, "siti.patuh", &["1702", "9101"]);
    let key = Identity::load(&w.keys("siti")).unwrap();
    let trusted = w.trusted(&["siti"]);
    // A central database holding something already.
    let other = method_workstation(&w, "budi", "Budi Santoso", "ASN-002");
    let mut store = Store::open(&other).unwrap();
    answer(
        &mut store,
        "17/DPMPTSP",
        "pengawasan-internal",
        None,
        patuh::domain::Value::Level(2),
    );
    drop(store);
    let budi = w.export("budi", &other, "budi.patuh", &["17"]);
    let central = w.path("central.db");
    w.ok(
        "central",
        &["central", "merge", "--db", s(&central), s(&budi)],
    );
    Tamper {
        w,
        file,
        key,
        trusted,
        central,
    }
}

impl Tamper {
    fn bytes(&self) -> Vec<u8> {
        std::fs::read(&self.file).unwrap()
    }

    /// Writes `bytes` as a file; `verify` and `central merge` both refuse it with every
    /// one of `needles` and the file's name, the central database unchanged.
    fn refused(&self, name: &str, bytes: &[u8], needles: &[&str]) {
        let file = self.w.path(name);
        std::fs::write(&file, bytes).unwrap();
        let err = self.w.fails(
            "central",
            &["verify", s(&file), "--trusted", s(&self.trusted)],
        );
        assert!(
            err.contains(s(&file)),
            "{name}: the message names the file: {err}"
        );
        for n in needles {
            assert!(
                err.contains(n),
                "{name}: verify said {err:?}, expected {n:?}"
            );
        }
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
        for n in needles {
            assert!(
                err.contains(n),
                "{name}: merge said {err:?}, expected {n:?}"
            );
        }
        assert_eq!(before, snapshot(&self.central), "{name}: central changed");
    }
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
fn a_tampered_v2_file_or_signature_is_refused() {
    let t = tamper_setup();
    let bytes = t.bytes();
    let trusted = TrustedKeys::load(&t.trusted).unwrap();
    verify_bytes(&bytes, Some(&trusted), None).expect("the untouched file verifies");
    // Every byte of the envelope, and one in every 37 of the payload, flipped.
    let spans = spans(&bytes);
    let payload = spans[2].1.clone();
    let mut offsets: Vec<usize> = (0..payload.start).collect();
    offsets.extend(payload.clone().step_by(37));
    offsets.extend(payload.end..bytes.len());
    for at in offsets {
        let mut bad = bytes.clone();
        bad[at] ^= 0x01;
        let err = verify_bytes(&bad, Some(&trusted), None)
            .expect_err(&format!("flip at byte {at} was accepted"));
        // Inside a base64 value: the bytes no longer decode, or no longer verify.
        if spans.iter().any(|(_, r)| r.contains(&at)) {
            assert!(
                matches!(
                    err,
                    patuh::exchange::ExchangeError::BadSignature { .. }
                        | patuh::exchange::ExchangeError::Damaged { .. }
                ),
                "flip at byte {at}: {err}"
            );
        }
    }
    for (i, at) in [
        payload.start + 5,
        payload.start + payload.len() / 2,
        spans[1].1.start + 3,
    ]
    .into_iter()
    .enumerate()
    {
        let mut bad = bytes.clone();
        bad[at] ^= 0x01;
        t.refused(&format!("flip-{i}.patuh"), &bad, &["refused"]);
    }
    // The payload signed as format 1 (plain Ed25519, no context) under a format-2
    // envelope, and a format-1 signature of the same key: neither verifies as format 2.
    let opened = bundle::open(&bytes).unwrap();
    let mut env: Envelope = serde_json::from_slice(&bytes).unwrap();
    use base64::Engine as _;
    env.signature =
        base64::engine::general_purpose::STANDARD.encode(t.key.sign(&opened.payload).to_bytes());
    t.refused(
        "plain-signature.patuh",
        &bundle::layout(&env),
        &["bad signature"],
    );
    // Another key signing it, claiming to be Siti.
    let eve = identity("Eve", "ASN-001", 66);
    let forged = resigned(&bytes, &eve, |p| p.assessor.public_key = eve.public_text());
    t.refused("eve.patuh", &forged, &["unknown key"]);
    // A newer version.
    let mut env: Envelope = serde_json::from_slice(&bytes).unwrap();
    env.format_version = 3;
    t.refused(
        "v3.patuh",
        &bundle::layout(&env),
        &["made by a newer patuh (export format version 3"],
    );
    // Truncated.
    t.refused("cut.patuh", &bytes[..bytes.len() / 2], &["truncated"]);
}

/// The payload changed and signed again by the key's holder: each change is refused by
/// the check that catches it, naming the node and the record.
#[test]
fn a_changed_v2_payload_is_refused_naming_the_record() {
    let t = tamper_setup();
    let bytes = t.bytes();
    fn unit(p: &mut Payload2) -> &mut patuh::exchange::bundle2::UnitNode {
        p.agencies
            .iter_mut()
            .find(|a| a.code == "1702")
            .unwrap()
            .units
            .iter_mut()
            .find(|u| u.code == "DUKCAPIL")
            .unwrap()
    }
    let interview = |p: &mut Payload2| -> usize {
        unit(p)
            .answers
            .iter()
            .position(|a| a.respondent.is_some() && a.indicator == "pengetahuan-standar")
            .unwrap()
    };
    // An interview value off its scale.
    let bad = resigned(&bytes, &t.key, |p| {
        let k = interview(p);
        unit(p).answers[k].value = Some(7);
    });
    let k = {
        let mut p = payload2(&bytes);
        interview(&mut p)
    };
    let record =
        format!("1702/DUKCAPIL: answers[{k}] (indicator \"pengetahuan-standar\", respondent ");
    t.refused(
        "interview-7.patuh",
        &bad,
        &[
            record.as_str(),
            "value 7 is not a level of its scale (0 to 3, or N/A)",
            "ask the assessor to export again",
        ],
    );
    // An answer given at another level than its indicator's.
    let bad = resigned(&bytes, &t.key, |p| {
        let a = unit(p)
            .answers
            .iter()
            .find(|a| a.indicator == "pengawasan-internal")
            .cloned()
            .unwrap();
        unit(p).products[0].answers.push(a);
    });
    t.refused(
        "level.patuh",
        &bad,
        &[
            "1702/DUKCAPIL/KTP-EL: answers[",
            "is answered per unit, not per product",
        ],
    );
    // A respondent of a role interviewed at another level.
    let bad = resigned(&bytes, &t.key, |p| {
        unit(p).respondents[0].role = "pengguna".into()
    });
    t.refused(
        "role.patuh",
        &bad,
        &[
            "1702/DUKCAPIL: respondents[0] (pengguna",
            "interviewed per agency, not per unit",
        ],
    );
    // An answer of a respondent who is not there.
    let bad = resigned(&bytes, &t.key, |p| {
        let k = interview(p);
        unit(p).answers[k].respondent = Some("0".repeat(32));
    });
    t.refused("nobody.patuh", &bad, &["no such respondent at this node"]);
    // A data value off its scale, and one without its source.
    fn ikm(p: &mut Payload2) -> &mut patuh::exchange::bundle2::AnswerEntry {
        p.agencies
            .iter_mut()
            .find(|a| a.code == "9101")
            .unwrap()
            .answers
            .iter_mut()
            .find(|a| a.indicator == "ikm")
            .unwrap()
    }
    let bad = resigned(&bytes, &t.key, |p| ikm(p).amount = Some("182.35".into()));
    t.refused(
        "ikm.patuh",
        &bad,
        &[
            "9101: answers[",
            "data value \"182.35\" is not a decimal from 0 to 100",
        ],
    );
    let bad = resigned(&bytes, &t.key, |p| ikm(p).source = None);
    t.refused(
        "source.patuh",
        &bad,
        &["a data value and its source go together"],
    );
    // Scores, categories, dimension scores and the qualifier recomputed.
    let bad = resigned(&bytes, &t.key, |p| {
        unit(p).score.category = Some("A".into());
    });
    t.refused(
        "category.patuh",
        &bad,
        &["score mismatch: unit 1702/DUKCAPIL"],
    );
    let bad = resigned(&bytes, &t.key, |p| {
        unit(p).score.dimensions[0].score = Some("99.99".parse().unwrap());
    });
    t.refused(
        "dimension.patuh",
        &bad,
        &["score mismatch: unit 1702/DUKCAPIL"],
    );
    let bad = resigned(&bytes, &t.key, |p| {
        p.agencies
            .iter_mut()
            .find(|a| a.code == "9101")
            .unwrap()
            .qualifier = Some(false);
    });
    t.refused(
        "qualifier.patuh",
        &bad,
        &["score mismatch: the qualifier of agency 9101"],
    );
    // What the log does not account for: a respondent removed, a follow-up completed,
    // an answer changed, all with their scores kept consistent by the forger (the log
    // is checked first).
    let bad = resigned(&bytes, &t.key, |p| {
        unit(p).respondents[0].removed_reason = Some("x".into());
        unit(p).respondents[0].removed_at = Some("x".into());
        unit(p).respondents[0].removed_by = Some("x".into());
    });
    t.refused(
        "removed.patuh",
        &bad,
        &["the audit log does not account for 1702/DUKCAPIL: respondent"],
    );
    let bad = resigned(&bytes, &t.key, |p| {
        let a = p.agencies.iter_mut().find(|a| a.code == "9101").unwrap();
        a.followups.items[0].status = "not-completed".into();
    });
    t.refused(
        "followup.patuh",
        &bad,
        &["the audit log does not account for 9101: its follow-up register holds"],
    );
    // An audit row of a respondent's answer edited; deleted and the chain rebuilt.
    let row = |p: &Payload2| -> usize {
        p.audit
            .iter()
            .position(|e| {
                e.content
                    .as_ref()
                    .is_some_and(|c| c.respondent.is_some() && c.action == "value")
            })
            .unwrap()
    };
    let bad = resigned(&bytes, &t.key, |p| {
        let i = row(p);
        p.audit[i].content.as_mut().unwrap().new = Some("1".into());
    });
    t.refused(
        "audit-edited.patuh",
        &bad,
        &[
            "audit log broken at row",
            "its content does not match its hash",
        ],
    );
    let bad = resigned(&bytes, &t.key, |p| {
        let i = row(p);
        p.audit.remove(i);
        rechain(p);
    });
    t.refused("audit-rechained.patuh", &bad, &["audit log"]);
    // A row of an answer off its scale, the chain rebuilt.
    let bad = resigned(&bytes, &t.key, |p| {
        let i = row(p);
        p.audit[i].content.as_mut().unwrap().new = Some("9".into());
        rechain(p);
    });
    t.refused(
        "audit-off-scale.patuh",
        &bad,
        &[
            "audit log broken at row",
            "which is not on its scale (0 to 3, or N/A)",
        ],
    );
}

// ---------------------------------------------------------------------------------
// Decompression bombs
// ---------------------------------------------------------------------------------

/// A zstd frame of `declared` bytes (its header says so) made of RLE blocks of one
/// byte repeated, `blocks` of them, `block` bytes each: a few bytes that expand to
/// gigabytes (a "bomb").
fn rle_frame(declared: u64, blocks: usize, block: u32) -> Vec<u8> {
    let mut f = vec![0x28, 0xB5, 0x2F, 0xFD];
    // Frame header descriptor: an 8-byte content size, single segment.
    f.push(0b1110_0000);
    f.extend_from_slice(&declared.to_le_bytes());
    for k in 0..blocks {
        let last = u32::from(k + 1 == blocks);
        let header = last | (1 << 1) | (block << 3);
        f.extend_from_slice(&header.to_le_bytes()[..3]);
        f.push(b'a');
    }
    f
}

#[test]
fn a_decompression_bomb_is_refused_before_it_is_expanded() {
    let t = tamper_setup();
    // 3 GiB of 'a' in 96 KB: refused by its declared size, nothing expanded.
    let bomb = rle_frame(3 << 30, (3 << 30) / (128 << 10), 128 << 10);
    assert!(bomb.len() < 100_000, "{} bytes", bomb.len());
    let file = bundle::seal_v2(&bomb, &t.key).unwrap();
    let started = std::time::Instant::now();
    t.refused(
        "bomb.patuh",
        &file,
        &[
            "would expand to 3221225472 bytes, more than the 2147483648 bytes patuh accepts",
            "decompression bomb",
        ],
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(60),
        "refused without expanding it"
    );
    // A frame that says it is small and is not: never read past what it declares.
    let liar = rle_frame(1000, 4000, 1000);
    let err = bundle2::decompress(&liar, bundle2::MAX_PAYLOAD_BYTES).unwrap_err();
    assert!(
        matches!(
            err,
            patuh::exchange::ExchangeError::TooLarge { .. }
                | patuh::exchange::ExchangeError::Damaged { .. }
        ),
        "{err}"
    );
    t.refused(
        "liar.patuh",
        &bundle::seal_v2(&liar, &t.key).unwrap(),
        &["refused"],
    );
    // A frame that does not declare its size (patuh always writes it).
    let json = bundle2::payload2_bytes(&payload2(&t.bytes())).unwrap();
    let mut undeclared = Vec::new();
    {
        let mut enc = zstd::stream::write::Encoder::new(&mut undeclared, 3).unwrap();
        enc.include_contentsize(false).unwrap();
        std::io::Write::write_all(&mut enc, &json).unwrap();
        enc.finish().unwrap();
    }
    t.refused(
        "undeclared.patuh",
        &bundle::seal_v2(&undeclared, &t.key).unwrap(),
        &["does not declare its size"],
    );
    // The same JSON with its size declared verifies: only the bombs are refused.
    let declared = bundle::seal_v2(&bundle2::compress(&json).unwrap(), &t.key).unwrap();
    verify_bytes(&declared, None, None).expect("a well-made frame verifies");
    // With a smaller limit, a genuine payload over it is refused by that limit.
    let z = bundle2::compress(&json).unwrap();
    let err = bundle2::decompress(&z, 1000).unwrap_err();
    assert!(
        err.to_string().contains("more than the 1000 bytes"),
        "{err}"
    );
}

// ---------------------------------------------------------------------------------
// Reports carry categories, zones, opinions and dimension scores
// ---------------------------------------------------------------------------------

fn cell_text(d: &calamine::Data) -> String {
    match d {
        calamine::Data::String(s) => s.clone(),
        calamine::Data::Float(f) => format!("{f}"),
        calamine::Data::Int(i) => i.to_string(),
        calamine::Data::Empty => String::new(),
        other => format!("{other:?}"),
    }
}

fn cell_num(d: &calamine::Data) -> f64 {
    match d {
        calamine::Data::Float(f) => *f,
        calamine::Data::Int(i) => *i as f64,
        other => panic!("not a number: {other:?}"),
    }
}

fn sheet(path: &Path, name: &str) -> Vec<Vec<calamine::Data>> {
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(path).unwrap();
    let range = wb
        .worksheet_range(name)
        .unwrap_or_else(|e| panic!("no sheet {name}: {e}"));
    range.rows().map(|r| r.to_vec()).collect()
}

fn col(rows: &[Vec<calamine::Data>], header: &str) -> usize {
    rows[0]
        .iter()
        .position(|h| cell_text(h) == header)
        .unwrap_or_else(|| panic!("no column {header:?} in {:?}", rows[0]))
}

/// The central office's xlsx report (in Indonesian, as `score --json` words the
/// opinion) of merged format-2 work, read back: the ranking
/// gives each agency its category, zone and opinion (with the qualifier granted), the
/// units sheet the unit-level results, the dimensions sheet every agency's and unit's
/// dimension scores, all equal to `score --json` of the workstation they came from.
#[test]
fn the_report_of_merged_levels_has_categories_zones_opinions_and_dimensions() {
    let w = World::new();
    let ws = filled_method_workstation(&w);
    let file = w.export("siti", &ws, "siti.patuh", &["1702", "9101"]);
    let trusted = w.trusted(&["siti"]);
    let central = w.path("central.db");
    merge(&w, &central, &trusted, &[&file]);
    let out = w.path("laporan.xlsx");
    w.ok(
        "central",
        &[
            "--db",
            s(&central),
            "report",
            "--format",
            "xlsx",
            "--out",
            s(&out),
            "--lang",
            "id",
        ],
    );
    let scores = w.score_json(&ws, None);
    let agency = |code: &str| -> Json {
        scores["agencies"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["code"] == code)
            .cloned()
            .unwrap()
    };
    let as_f64 = |v: &Json| v.to_string().parse::<f64>().unwrap();

    let ranking = sheet(&out, "Peringkat");
    let (score, zone, predicate, category, qualifier) = (
        col(&ranking, "Nilai"),
        col(&ranking, "Zona"),
        col(&ranking, "Predikat"),
        col(&ranking, "Kategori"),
        col(&ranking, "Kualifikasi"),
    );
    let row = |code: &str| {
        ranking
            .iter()
            .find(|r| cell_text(&r[2]) == code)
            .unwrap_or_else(|| panic!("no ranking row {code}"))
            .clone()
    };
    for code in ["1702", "9101"] {
        let a = agency(code);
        let r = row(code);
        assert_eq!(cell_num(&r[score]), as_f64(&a["score"]), "{code}");
        assert_eq!(
            cell_text(&r[category]),
            a["category"].as_str().unwrap(),
            "{code}"
        );
        assert_eq!(cell_text(&r[zone]), a["zone"].as_str().unwrap(), "{code}");
        assert_eq!(
            cell_text(&r[predicate]),
            a["opinion"].as_str().unwrap(),
            "{code}"
        );
    }
    // 2024: categories in colour zones (merah, kuning, hijau); no qualifier.
    assert_eq!(cell_text(&row("1702")[zone]), "merah");
    assert_eq!(cell_text(&row("1702")[qualifier]), "");
    // 2025: no zones (the category is the zone), the qualifier granted.
    assert!(
        cell_text(&row("9101")[predicate]).ends_with("Tanpa Maladministrasi"),
        "{:?}",
        row("9101")
    );
    assert_eq!(cell_text(&row("9101")[qualifier]), "ya");

    let units = sheet(&out, "Unit layanan");
    let unit_json = agency("1702")["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["code"] == "DUKCAPIL")
        .cloned()
        .unwrap();
    let dukcapil = units
        .iter()
        .find(|r| cell_text(&r[0]) == "1702" && cell_text(&r[2]) == "DUKCAPIL")
        .unwrap();
    assert_eq!(cell_num(&dukcapil[4]), as_f64(&unit_json["score"]));
    assert_eq!(
        cell_text(&dukcapil[col(&units, "Kategori")]),
        unit_json["category"].as_str().unwrap()
    );
    assert_eq!(cell_num(&dukcapil[7]), as_f64(&unit_json["answered"]));

    let dims = sheet(&out, "Nilai dimensi");
    let (unit_col, dim_col, score_col, weight_col) = (
        col(&dims, "Kode unit"),
        col(&dims, "Dimensi"),
        col(&dims, "Nilai"),
        col(&dims, "Bobot"),
    );
    for (code, unit, json) in [
        ("1702", "DUKCAPIL", unit_json.clone()),
        ("1702", "", agency("1702")),
        ("9101", "", agency("9101")),
    ] {
        for d in json["dimensions"].as_array().unwrap() {
            let r = dims
                .iter()
                .find(|r| {
                    cell_text(&r[0]) == code
                        && cell_text(&r[unit_col]) == unit
                        && cell_text(&r[dim_col]) == d["id"].as_str().unwrap()
                })
                .unwrap_or_else(|| panic!("no dimension row {code} {unit} {}", d["id"]));
            match &d["score"] {
                Json::Null => assert_eq!(r[score_col], calamine::Data::Empty),
                v => assert_eq!(
                    cell_num(&r[score_col]),
                    as_f64(v),
                    "{code} {unit} {}",
                    d["id"]
                ),
            }
        }
    }
    let kepercayaan = dims
        .iter()
        .find(|r| cell_text(&r[0]) == "9101" && cell_text(&r[dim_col]) == "kepercayaan")
        .unwrap();
    assert_eq!(
        cell_num(&kepercayaan[weight_col]),
        30.0,
        "public trust weighs 30 %"
    );
}

// ---------------------------------------------------------------------------------
// `check` of a central database holding format-2 work
// ---------------------------------------------------------------------------------

/// On copies of a central database holding merged units, agencies, respondents, data
/// values and a follow-up register, each change made with sqlite3 is found by `check`
/// and named: a unit's answer, a respondent's answer, a respondent's label, a data
/// value, a follow-up's status, a stored result (only merging the stored files again
/// shows it).
#[test]
fn check_of_a_central_database_finds_changes_at_every_level() {
    let w = World::new();
    let ws = filled_method_workstation(&w);
    let file = w.export("siti", &ws, "siti.patuh", &["1702", "9101"]);
    let trusted = w.trusted(&["siti"]);
    let central = w.path("central.db");
    merge(&w, &central, &trusted, &[&file]);
    check(&w, &central);
    let cases: [(&str, &str, &str); 6] = [
        (
            "a unit's answer",
            "UPDATE answer SET value = 0 WHERE level = 2 AND indicator = 'pengawasan-internal'",
            "1702/DUKCAPIL: its answers are not those of its chosen merged result",
        ),
        (
            "a respondent's answer",
            "UPDATE answer SET value = 0 WHERE level = 2 AND respondent <> 0 AND value = 3",
            "1702/DUKCAPIL: its respondents or their answers are not those its merged results give",
        ),
        (
            "a respondent's label",
            "UPDATE respondent SET label = 'Budi' WHERE label = 'Kepala Dinas'",
            "1702/DUKCAPIL: its respondents or their answers are not those",
        ),
        (
            "a data value",
            "UPDATE answer SET amount = '92.35' WHERE indicator = 'ikm'",
            "9101: its answers are not those of its chosen merged result",
        ),
        (
            "a follow-up's status",
            "UPDATE followup SET status = 'not-completed' WHERE ref = 'S-7/2024'",
            "9101: its follow-up register is not the one its chosen merged result gives",
        ),
        (
            "a stored result and the answer chosen from it",
            "UPDATE central_answer SET amount = '92.35' WHERE indicator = 'ikm';
             UPDATE answer SET amount = '92.35' WHERE indicator = 'ikm';",
            "which the stored files do not give",
        ),
    ];
    for (n, (what, sql, needle)) in cases.iter().enumerate() {
        let copy = w.path(&format!("copy-{n}.db"));
        std::fs::copy(&central, &copy).unwrap();
        rusqlite::Connection::open(&copy)
            .unwrap()
            .execute_batch(sql)
            .unwrap();
        let out = w
            .patuh("reader")
            .args(["--db", s(&copy), "check"])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{what}: {text}");
        assert!(text.contains(needle), "{what}: {needle:?} not in {text}");
        std::fs::remove_file(&copy).unwrap();
    }
}

// ---------------------------------------------------------------------------------
// Review flags read the respondents of format-2 files
// ---------------------------------------------------------------------------------

/// Three staff of a unit giving the same answers to every question are flagged by
/// `review flags` on the central database (the rows' respondent uids compared); when
/// one answers otherwise, they are not.
#[test]
fn review_flags_compare_the_respondents_of_merged_files() {
    use patuh::domain::Value::Level;
    let w = World::new();
    let ws = method_workstation(&w, "siti", "Siti Rahma", "ASN-001");
    let unit = "1702/DUKCAPIL";
    let mut store = Store::open(&ws).unwrap();
    let mut people = Vec::new();
    for _ in 0..3 {
        let r = respondent(&mut store, unit, "pelaksana", "");
        answer(&mut store, unit, "pengetahuan-standar", Some(&r), Level(3));
        answer(&mut store, unit, "pengetahuan-tugas", Some(&r), Level(2));
        people.push(r);
    }
    drop(store);
    let same = w.export("siti", &ws, "same.patuh", &["1702"]);
    let trusted = w.trusted(&["siti"]);
    let central = w.path("central.db");
    merge(&w, &central, &trusted, &[&same]);
    let flags = |db: &Path| -> Json {
        json(&w.ok(
            "central",
            &[
                "--db",
                s(db),
                "review",
                "flags",
                unit,
                "--json",
                "--min-seconds",
                "0",
            ],
        ))
    };
    let found = flags(&central);
    let same_answers: Vec<&Json> = found
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["flag"] == "same_answers")
        .collect();
    assert_eq!(same_answers.len(), 1, "{found}");
    assert_eq!(same_answers[0]["path"], unit);
    assert!(
        same_answers[0]["explanation"]
            .as_str()
            .unwrap()
            .contains("all 3 respondents gave the same answers to all 2 indicators"),
        "{found}"
    );
    // One of them answers otherwise: no longer flagged.
    let mut store = Store::open(&ws).unwrap();
    answer(
        &mut store,
        unit,
        "pengetahuan-tugas",
        Some(&people[2]),
        Level(1),
    );
    drop(store);
    let other = w.export("siti", &ws, "other.patuh", &["1702"]);
    merge(&w, &central, &trusted, &[&other]);
    let found = flags(&central);
    assert!(
        !found
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["flag"] == "same_answers"),
        "{found}"
    );
}

/// A respondent's uid names one person at one node: a file giving a uid the central
/// database holds at another node (two workstations made from one database file, or a
/// forgery passing every check of the file alone) is refused by the merge, naming both
/// nodes, and nothing of it is merged.
#[test]
fn one_respondent_at_two_nodes_is_refused_by_the_merge() {
    let t = tamper_setup();
    // Siti's file merged: her respondents of 1702/DUKCAPIL are in the central database.
    t.w.ok(
        "central",
        &[
            "central",
            "merge",
            "--db",
            s(&t.central),
            "--trusted",
            s(&t.trusted),
            s(&t.file),
        ],
    );
    let siti = payload2(&t.bytes());
    let uid = siti
        .agencies
        .iter()
        .find(|a| a.code == "1702")
        .unwrap()
        .units
        .iter()
        .find(|u| u.code == "DUKCAPIL")
        .unwrap()
        .respondents[0]
        .uid
        .clone();
    // Budi's next file gives one of his units a respondent with that uid, with its
    // audit row: the file alone verifies.
    let budi_key = Identity::load(&t.w.keys("budi")).unwrap();
    let budi = std::fs::read(t.w.path("budi.patuh")).unwrap();
    let forged = resigned(&budi, &budi_key, |p| {
        let unit = p.agencies[0]
            .units
            .iter_mut()
            .find(|u| u.code == "DPMPTSP")
            .unwrap();
        unit.respondents
            .push(patuh::exchange::bundle2::RespondentEntry {
                uid: uid.clone(),
                role: "pelaksana".into(),
                number: 9,
                label: String::new(),
                added_at: "2025-03-01T08:00:00Z".into(),
                added_by: "Budi Santoso".into(),
                removed_at: None,
                removed_by: None,
                removed_reason: None,
            });
        let last = p.audit.last().unwrap().clone();
        p.audit.push(patuh::exchange::bundle2::AuditEntry2 {
            seq: last.seq + 1,
            prev_hash: last.hash.clone(),
            hash: String::new(),
            content: Some(patuh::exchange::bundle2::AuditContent2 {
                at: "2025-03-01T08:00:00Z".into(),
                who: "Budi Santoso".into(),
                path: "17/DPMPTSP".into(),
                indicator: None,
                action: "respondent-add".into(),
                old: None,
                new: Some("pelaksana 9".into()),
                cycle: None,
                respondent: Some(uid.clone()),
            }),
        });
        rechain(p);
    });
    verify_bytes(&forged, None, None).expect("the file alone verifies");
    let file = t.w.path("forged.patuh");
    std::fs::write(&file, &forged).unwrap();
    let before = snapshot(&t.central);
    let err = t.w.fails(
        "central",
        &["central", "merge", "--db", s(&t.central), s(&file)],
    );
    assert!(
        err.contains(&format!(
            "respondent {uid} of 17/DPMPTSP is a respondent of 1702/DUKCAPIL in this central database already"
        )),
        "{err}"
    );
    assert!(err.contains("nothing of this file was merged"), "{err}");
    assert_eq!(before, snapshot(&t.central));
}
