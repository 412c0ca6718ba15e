//! `patuh gen`: deterministic for a seed, different across seeds, a valid database
//! (integrity, audit chain) whose scores the normal commands read.

mod common;

use common::*;
use predicates::prelude::*;

#[test]
fn the_same_seed_gives_the_same_data_and_it_is_valid() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let (a, b, c) = (home.join("a.db"), home.join("b.db"), home.join("c.db"));
    for (db, seed) in [(&a, "3"), (&b, "3"), (&c, "4")] {
        patuh(home)
            .arg("--db")
            .arg(db)
            .args(["gen", "--scale", "tiny", "--seed", seed])
            .assert()
            .success()
            .stdout(predicate::str::contains("3 agencies"));
    }
    let dump_a = dump(&a);
    // Timestamps of the import and of the default cycle's start differ; the generated
    // content does not.
    let content = |d: &str| -> String {
        d.lines()
            .filter(|l| !l.contains("kepatuhan-2021") && !l.contains("|Text(\"default\")|"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(content(&dump_a), content(&dump(&b)));
    assert_ne!(content(&dump_a), content(&dump(&c)));
    patuh(home)
        .arg("--db")
        .arg(&a)
        .arg("check")
        .assert()
        .success()
        .stdout(predicate::str::contains("audit chain intact"));
    let out = patuh(home)
        .arg("--db")
        .arg(&a)
        .args(["score", "--json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let agencies = v["agencies"].as_array().unwrap();
    assert_eq!(agencies.len(), 3);
    let kinds: Vec<&str> = agencies
        .iter()
        .map(|a| a["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["pemprov", "pemkot", "pemkab"]);
    for a in agencies {
        let units = a["units"].as_array().unwrap();
        assert!((4..=14).contains(&units.len()), "{}", units.len());
        assert!(a["score"].is_number());
    }
    // An existing file is never overwritten.
    patuh(home)
        .arg("--db")
        .arg(&a)
        .args(["gen", "--scale", "tiny"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("already exists"));
    assert_eq!(dump(&a), dump_a);
}

/// A full disk half-way through `patuh gen` (no file may grow past 512 KiB): it says
/// so, naming the database, and leaves no database (nor a temporary file) behind; with
/// room again the same command makes the same data.
#[test]
fn a_full_disk_during_gen_says_so_and_leaves_no_database() {
    use std::os::unix::process::CommandExt;
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let db = home.join("gen.db");
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("patuh"));
    cmd.env_clear()
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("LANG", "C")
        .arg("--db")
        .arg(&db)
        .args(["gen", "--scale", "tiny", "--seed", "3"]);
    // SAFETY: setrlimit is async-signal-safe.
    unsafe {
        cmd.pre_exec(|| {
            let lim = libc::rlimit {
                rlim_cur: 512 * 1024,
                rlim_max: libc::RLIM_INFINITY,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let out = cmd.output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains(&db.display().to_string()), "{err}");
    assert!(err.contains("is it full"), "{err}");
    assert!(
        !err.contains("database error") && !err.contains("panicked"),
        "{err}"
    );
    let left: Vec<String> = std::fs::read_dir(home)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("gen.db"))
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
    patuh(home)
        .arg("--db")
        .arg(&db)
        .args(["gen", "--scale", "tiny", "--seed", "3"])
        .assert()
        .success()
        .stdout(predicate::str::contains("3 agencies"));
}
