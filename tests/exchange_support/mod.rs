//! Helpers of the exchange tests: workstations made on real files with the real
//! binary or the library, assessors with real Ed25519 keys in their own keys folder,
//! and a central office. Every test runs in its own temp dir (HOME, XDG_DATA_HOME and
//! PATUH_KEYS_DIR point into it).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use assert_cmd::Command;
use patuh::domain::Value;
use patuh::exchange::keys::Identity;
use patuh::store::Store;
use time::OffsetDateTime;

/// A 2022-instrument assignment (dimension weights, 0-3 scale, unit roll-up) of two
/// agencies of other kinds than the demo's, for a second workstation.
pub const ASSIGNMENT_2022: &str = r#"{
  "format": "patuh-assignment",
  "format_version": 1,
  "instrument": {"id": "kepatuhan-2022", "version": "1"},
  "title": "Uji 2022",
  "agencies": [
    {"code": "K01", "name": "Kementerian Contoh", "kind": "kementerian", "units": [
      {"code": "PTSP", "name": "Pelayanan Terpadu", "products": [
        {"code": "IZIN-A", "name": "Izin A"}, {"code": "IZIN-B", "name": "Izin B"}]},
      {"code": "INFO", "name": "Layanan Informasi", "products": [
        {"code": "PPID", "name": "Permohonan Informasi"}]}]},
    {"code": "L01", "name": "Lembaga Contoh", "kind": "lembaga", "units": [
      {"code": "LAYANAN", "name": "Unit Layanan", "products": [
        {"code": "SERTIFIKAT", "name": "Sertifikat"}]}]}
  ]
}"#;

/// One test's world: a temp dir holding homes, keys, databases and files.
pub struct World {
    pub dir: tempfile::TempDir,
}

impl World {
    pub fn new() -> World {
        World {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The keys folder of an assessor (or of the central office).
    pub fn keys(&self, who: &str) -> PathBuf {
        self.path(&format!("keys-{who}"))
    }

    /// `patuh` run as `who`: its own keys folder, HOME in the world.
    pub fn patuh(&self, who: &str) -> Command {
        let mut cmd = Command::cargo_bin("patuh").expect("binary built");
        let home = self.path(&format!("home-{who}"));
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", &home)
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("PATUH_KEYS_DIR", self.keys(who))
            .env("LANG", "C");
        cmd
    }

    /// Runs `patuh` as `who`; panics with stderr unless it succeeds; returns stdout.
    pub fn ok(&self, who: &str, args: &[&str]) -> String {
        let out = self.patuh(who).args(args).output().expect("run patuh");
        assert!(
            out.status.success(),
            "patuh {args:?} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs `patuh` as `who` expecting exit 1; returns stderr.
    pub fn fails(&self, who: &str, args: &[&str]) -> String {
        let out = self.patuh(who).args(args).output().expect("run patuh");
        assert_eq!(
            out.status.code(),
            Some(1),
            "patuh {args:?} should fail with exit 1; stdout:\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    /// A workstation: the Maluku demo (the demo's 2013-2021 agencies, what export
    /// format 1 carries whole; the demo's Bengkulu agencies are assessed at unit and
    /// agency level too) and the assessor's key (`keys init`).
    pub fn workstation(&self, who: &str, name: &str, id: &str) -> PathBuf {
        let db = self.path(&format!("{who}.db"));
        let db_s = db.to_str().expect("utf-8 path");
        self.ok(who, &["--db", db_s, "init", "--assessor", name]);
        let maluku = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/demo/maluku.json");
        self.ok(who, &["--db", db_s, "assignment", "import", maluku]);
        self.ok(who, &["keys", "init", "--name", name, "--id", id]);
        db
    }

    /// Adds the 2022 assignment to a workstation.
    pub fn add_2022(&self, who: &str, db: &Path) {
        let file = self.path("assignment-2022.json");
        std::fs::write(&file, ASSIGNMENT_2022).expect("write assignment");
        self.ok(
            who,
            &[
                "--db",
                s(db),
                "assignment",
                "import",
                file.to_str().expect("utf-8"),
            ],
        );
    }

    /// `patuh record` through the CLI.
    pub fn record(&self, who: &str, db: &Path, product: &str, indicator: &str, value: &str) {
        let mut args = vec!["--db", s(db), "record", product, indicator];
        match value {
            "na" => args.push("--na"),
            v => {
                args.push("--value");
                args.push(v);
            }
        }
        self.ok(who, &args);
    }

    /// `patuh export` of some agencies (all when empty); returns the file (format 2,
    /// what `patuh export` writes).
    pub fn export(&self, who: &str, db: &Path, name: &str, agencies: &[&str]) -> PathBuf {
        self.export_format(who, db, name, agencies, "2")
    }

    /// `patuh export --format 1`: a file as the patuh before format 2 wrote it, which
    /// must keep verifying and merging exactly as it did.
    pub fn export_v1(&self, who: &str, db: &Path, name: &str, agencies: &[&str]) -> PathBuf {
        self.export_format(who, db, name, agencies, "1")
    }

    /// `patuh export --format VERSION`.
    pub fn export_format(
        &self,
        who: &str,
        db: &Path,
        name: &str,
        agencies: &[&str],
        version: &str,
    ) -> PathBuf {
        let out = self.path(name);
        let mut args = vec![
            "--db",
            s(db),
            "export",
            "--format",
            version,
            "--out",
            s(&out),
        ];
        for a in agencies {
            args.push("--agency");
            args.push(a);
        }
        self.ok(who, &args);
        out
    }

    /// A trusted keys file with the `keys show --line` of each assessor.
    pub fn trusted(&self, who: &[&str]) -> PathBuf {
        let mut text = String::from("# central office: registered assessor keys\n");
        for w in who {
            text.push_str(&self.ok(w, &["keys", "show", "--line"]));
        }
        let path = self.path("trusted.txt");
        std::fs::write(&path, text).expect("write trusted keys");
        path
    }

    /// `patuh central merge` of `file` into `central`, trusting the keys in `trusted`.
    pub fn merge(&self, central: &Path, trusted: &Path, file: &Path) -> String {
        self.ok(
            "central",
            &[
                "central",
                "merge",
                "--db",
                s(central),
                "--trusted",
                s(trusted),
                s(file),
            ],
        )
    }

    /// `patuh score --json` of a database (one agency or all).
    pub fn score_json(&self, db: &Path, agency: Option<&str>) -> serde_json::Value {
        let mut args = vec!["--db", s(db), "score", "--json"];
        if let Some(a) = agency {
            args.push("--agency");
            args.push(a);
        }
        serde_json::from_str(&self.ok("reader", &args)).expect("score JSON")
    }
}

pub fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// The file's bytes and whether -wal / -shm files exist beside it.
pub fn snapshot(path: &Path) -> (Vec<u8>, bool, bool) {
    let side = |suffix: &str| {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        PathBuf::from(p).exists()
    };
    (
        std::fs::read(path).unwrap_or_default(),
        side("-wal"),
        side("-shm"),
    )
}

/// A fixed clock for a store (exports of one assessor ordered by it).
pub fn at(store: &mut Store, unix: i64) {
    let t = OffsetDateTime::from_unix_timestamp(unix).expect("valid time");
    store.set_clock(Arc::new(move || t));
}

/// Records a value through the library (no process per observation).
pub fn put(store: &mut Store, product: &str, indicator: &str, value: Value, note: Option<&str>) {
    let p = store.product_ref(product).expect("product");
    let instrument = store.product_instrument(&p).expect("instrument");
    let i = instrument
        .indicator_index(indicator)
        .unwrap_or_else(|| panic!("no indicator {indicator}"));
    store
        .record(&p, &instrument.indicators[i], Some(value), note)
        .expect("record");
}

/// A deterministic assessor identity.
pub fn identity(name: &str, id: &str, seed: u8) -> Identity {
    Identity::from_secret(name, id, [seed; 32])
}

/// An assignment of one regency assessed with the shipped 2025 instrument ("Opini
/// Ombudsman": unit- and agency-level interviews, data values, a qualifier).
pub const ASSIGNMENT_2025: &str = r#"{
  "format": "patuh-assignment",
  "format_version": 1,
  "instrument": {"id": "opini-2025", "version": "1"},
  "title": "Uji 2025",
  "agencies": [
    {"code": "9101", "name": "Pemerintah Kabupaten Contoh", "kind": "pemkab", "units": [
      {"code": "DPMPTSP", "name": "Dinas Penanaman Modal", "products": [
        {"code": "NIB", "name": "Nomor Induk Berusaha"}]},
      {"code": "DUKCAPIL", "name": "Dinas Kependudukan", "products": [
        {"code": "KTP-EL", "name": "KTP Elektronik"}]}]}
  ]
}"#;

/// A workstation with the demo (Maluku with the 2021 instrument, Bengkulu with the
/// 2024 one) and the 2025 regency, and the assessor's key.
pub fn method_workstation(w: &World, who: &str, name: &str, id: &str) -> PathBuf {
    let db = w.path(&format!("{who}.db"));
    w.ok(who, &["--db", s(&db), "init", "--demo", "--assessor", name]);
    let file = w.path(&format!("assignment-2025-{who}.json"));
    std::fs::write(&file, ASSIGNMENT_2025).expect("write assignment");
    w.ok(who, &["--db", s(&db), "assignment", "import", s(&file)]);
    w.ok(who, &["keys", "init", "--name", name, "--id", id]);
    db
}

/// Siti's workstation with the 2024/2025 methods, filled by [`fill_methods`].
pub fn filled_method_workstation(w: &World) -> PathBuf {
    let ws = method_workstation(w, "siti", "Siti Rahma", "ASN-001");
    let mut store = Store::open(&ws).expect("open the workstation");
    fill_methods(&mut store);
    ws
}

/// One answer through the library: an observation or N/A (`respondent` None) or a
/// respondent's answer.
pub fn answer(
    store: &mut Store,
    path: &str,
    indicator: &str,
    respondent: Option<&patuh::store::RespondentRow>,
    value: Value,
) {
    let node = store.node(path).expect("node");
    let inst = store.node_instrument(&node).expect("instrument");
    let i = inst
        .indicator_index(indicator)
        .unwrap_or_else(|| panic!("no indicator {indicator}"));
    match respondent {
        Some(r) => store
            .record_answer(&node, &inst, i, r, value)
            .map(|_| ())
            .expect("answer"),
        None => store
            .record_node(&node, &inst, i, Some(value), None)
            .map(|_| ())
            .expect("record"),
    }
}

/// A respondent added through the library.
pub fn respondent(
    store: &mut Store,
    path: &str,
    role: &str,
    label: &str,
) -> patuh::store::RespondentRow {
    let node = store.node(path).expect("node");
    let inst = store.node_instrument(&node).expect("instrument");
    store
        .add_respondent(&node, &inst, role, label)
        .expect("respondent")
}

/// A data value through the library.
pub fn data(store: &mut Store, path: &str, indicator: &str, value: &str, source: &str) {
    let node = store.node(path).expect("node");
    let inst = store.node_instrument(&node).expect("instrument");
    let i = inst.indicator_index(indicator).expect("indicator");
    let v = patuh::domain::model::DataValue::parse(&inst.indicators[i], value, source)
        .expect("a data value");
    store
        .record_data(&node, &inst, i, Some(&v), None)
        .expect("data");
}

/// Everything the 2022-2025 methods hold, at every level, in both demo kinds: in the
/// Bengkulu agency 1702 (2024) a unit's observations with a note and evidence, staff and
/// complaint officials interviewed (one N/A, one removed), a finalized unit, service
/// users at the agency, a product's observations; in the 2025 regency 9101 interviews,
/// data values with decimals, and a follow-up register closed with every item
/// completed (the qualifier granted).
pub fn fill_methods(store: &mut Store) {
    use Value::{Level, NotApplicable};
    let unit = "1702/DUKCAPIL";
    answer(store, unit, "pengawasan-internal", None, Level(2));
    let node = store.node(unit).unwrap();
    let inst = store.node_instrument(&node).unwrap();
    let i = inst.indicator_index("jaminan-mutu").unwrap();
    store
        .record_node(&node, &inst, i, Some(Level(3)), Some("SOP ada — ✓"))
        .unwrap();
    store
        .add_node_evidence(&node, "jaminan-mutu", "SOP-2024.pdf", None)
        .unwrap();
    let kepala = respondent(store, unit, "pelaksana", "Kepala Dinas");
    let staf = respondent(store, unit, "pelaksana", "");
    let gone = respondent(store, unit, "pelaksana", "Sekretaris");
    answer(store, unit, "pengetahuan-standar", Some(&kepala), Level(3));
    answer(store, unit, "pengetahuan-standar", Some(&staf), Level(1));
    answer(store, unit, "pengetahuan-tugas", Some(&kepala), Level(2));
    answer(store, unit, "pengetahuan-tugas", Some(&staf), NotApplicable);
    answer(store, unit, "pengetahuan-standar", Some(&gone), Level(0));
    store
        .remove_respondent(&node, "pelaksana", gone.number, "ditanya dua kali")
        .unwrap();
    let pengaduan = respondent(store, unit, "pengelola-pengaduan", "");
    answer(store, unit, "sarana-pengaduan", Some(&pengaduan), Level(3));
    answer(store, "1702/DUKCAPIL/KTP-EL", "persyaratan", None, Level(2));
    answer(store, "1702/DUKCAPIL/KTP-EL", "biaya", None, NotApplicable);
    for v in [3, 2, 3] {
        let user = respondent(store, "1702", "pengguna", "");
        answer(store, "1702", "penundaan-berlarut", Some(&user), Level(v));
    }
    store.finalize_node(&node).unwrap();
    let unit = "9101/DPMPTSP";
    let a = respondent(store, unit, "pelaksana", "Kepala Bidang");
    answer(store, unit, "pengetahuan-standar", Some(&a), Level(3));
    answer(store, unit, "persepsi-standar", Some(&a), Level(2));
    answer(store, unit, "pengawasan-internal", None, Level(3));
    data(store, "9101", "ikm", "82.35", "KemenPAN-RB, IKM 2024");
    data(store, "9101", "ipp", "3.5", "KemenPAN-RB, IPP 2024");
    let user = respondent(store, "9101", "pengguna", "");
    answer(store, "9101", "percaya-pelayanan", Some(&user), Level(3));
    let agency = store.node("9101").unwrap();
    use patuh::domain::followup::{FollowUpKind, FollowUpStatus};
    store
        .followup_add(&agency, FollowUpKind::Lahp, "0123/LAHP/2024")
        .unwrap();
    store
        .followup_add(&agency, FollowUpKind::Saran, "S-7/2024")
        .unwrap();
    for r in ["0123/LAHP/2024", "S-7/2024"] {
        store
            .followup_set(&agency, r, FollowUpStatus::Completed)
            .unwrap();
    }
    store.followup_close(&agency).unwrap();
}
