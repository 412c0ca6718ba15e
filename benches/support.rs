//! Shared by the benchmarks: the generated data sets they run on, made once and cached
//! under the target dir (`CARGO_TARGET_TMPDIR/bench-data`), and percentiles of
//! per-iteration timings (criterion reports means and medians, the targets need p99).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use patuh::exchange::export::export_with;
use patuh::exchange::keys::Identity;
use patuh::generate::{OFFICES, Scale, generate, generate_office};
use patuh::store::Store;

/// The seed of every benchmark data set.
pub const SEED: u64 = 7;

/// The scale benchmarks run at: `PATUH_BENCH_SCALE` = tiny | province | national
/// (default national, the size the speed targets are set for).
pub fn scale() -> (Scale, &'static str) {
    match std::env::var("PATUH_BENCH_SCALE").as_deref() {
        Ok("tiny") => (Scale::Tiny, "tiny"),
        Ok("province") => (Scale::Province, "province"),
        _ => (Scale::National, "national"),
    }
}

pub fn data_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bench-data");
    std::fs::create_dir_all(&dir).expect("bench data dir");
    dir
}

/// Makes `path` with `make` unless it is there (built under a temporary name, so an
/// interrupted run leaves nothing half made).
fn cached(path: &Path, make: impl FnOnce(&Path)) {
    if path.exists() {
        return;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".part");
    let tmp = PathBuf::from(tmp);
    let _ = std::fs::remove_file(&tmp);
    make(&tmp);
    std::fs::rename(&tmp, path).expect("place bench data");
}

/// A copy of `path` beside it for a benchmark that writes; removed by the caller.
pub fn work_copy(path: &Path, tag: &str) -> PathBuf {
    let copy = path.with_extension(format!("{tag}-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&copy);
    std::fs::copy(path, &copy).expect("copy bench data");
    // On disk before any timing: else the first checkpoint's fsync would write the
    // whole copy back and count it against one keystroke.
    std::fs::File::open(&copy)
        .and_then(|f| f.sync_all())
        .expect("sync bench data");
    copy
}

/// A generated database of the whole scale (seed 7); a fresh copy when `fresh`, so
/// benchmarks that write do not change the original.
pub fn dataset(fresh: bool) -> PathBuf {
    let (scale, name) = scale();
    let path = data_dir().join(format!("{name}-{SEED}.db"));
    cached(&path, |tmp| {
        generate(tmp, scale, SEED).expect("generate bench data");
    });
    if fresh {
        work_copy(&path, "work")
    } else {
        path
    }
}

/// The signing identity of provincial office `office` (a fixed key per office).
pub fn office_identity(office: usize) -> Identity {
    let mut secret = [0u8; 32];
    secret[0] = 0x50;
    secret[1] = office as u8 + 1;
    Identity::from_secret(
        &format!("Perwakilan {}", office + 1),
        &format!("perwakilan-{:02}", office + 1),
        secret,
    )
}

/// The workstation database of one provincial office: its part of the data set.
/// None when the scale gives that office no agency (the tiny scale has one office).
pub fn office_dataset(office: usize) -> Option<PathBuf> {
    let (scale, name) = scale();
    let path = data_dir().join(format!("{name}-{SEED}-office{office:02}.db"));
    cached(&path, |tmp| {
        generate_office(tmp, scale, SEED, office).expect("generate office data");
    });
    // Read as sqlite3 would: the store has no query for this.
    let conn = rusqlite::Connection::open(&path).expect("open office data");
    let agencies: i64 = conn
        .query_row("SELECT count(*) FROM agency", [], |r| r.get(0))
        .expect("count agencies");
    (agencies > 0).then_some(path)
}

/// The signed export of each provincial office that has agencies (34 at national
/// scale), as the offices would send them to the central office.
pub fn office_exports() -> Vec<PathBuf> {
    let (_, name) = scale();
    let mut out = Vec::new();
    for office in 0..OFFICES {
        let Some(db) = office_dataset(office) else {
            continue;
        };
        let file = data_dir().join(format!("{name}-{SEED}-office{office:02}.patuh"));
        cached(&file, |tmp| {
            let store = Store::open(&db).expect("open office data");
            export_with(&store, &office_identity(office), tmp, &[], None).expect("export");
        });
        out.push(file);
    }
    out
}

/// Percentiles of per-iteration timings.
pub struct Spread {
    pub n: usize,
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
}

impl Spread {
    pub fn of(mut samples: Vec<Duration>) -> Spread {
        assert!(!samples.is_empty(), "no samples");
        samples.sort_unstable();
        let at = |q: f64| {
            samples[((samples.len() as f64 * q).ceil() as usize).clamp(1, samples.len()) - 1]
        };
        Spread {
            n: samples.len(),
            p50: at(0.50),
            p99: at(0.99),
            max: samples[samples.len() - 1],
        }
    }

    /// One line for the bench output: `what: n=.. p50=.. p99=.. max=..`.
    pub fn report(&self, what: &str) {
        println!(
            "{what}: n={} p50={:.3} ms p99={:.3} ms max={:.3} ms",
            self.n,
            self.p50.as_secs_f64() * 1e3,
            self.p99.as_secs_f64() * 1e3,
            self.max.as_secs_f64() * 1e3
        );
    }
}

/// Whether this is `cargo bench -- --test` (the CI smoke run): everything runs once,
/// only correctness counts, and no figure is judged against a target.
pub fn smoke() -> bool {
    std::env::args().any(|a| a == "--test")
}

/// How many timed iterations a hand-rolled percentile loop makes (3 in a smoke run).
pub fn iterations(full: usize) -> usize {
    if smoke() { 3 } else { full }
}

/// "met" or "MISSED", or a note that a smoke run judges nothing.
pub fn verdict(met: bool) -> &'static str {
    match (smoke(), met) {
        (true, _) => "not judged (smoke run)",
        (false, true) => "met",
        (false, false) => "MISSED",
    }
}
