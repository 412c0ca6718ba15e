//! Shared by the benchmarks: the generated data sets they run on, made once and cached
//! under the target dir (`CARGO_TARGET_TMPDIR/bench-data`), percentiles of
//! per-iteration timings (criterion reports means and medians, the targets need p99),
//! and the time and peak memory of a command run as a child process.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use patuh::exchange::export::export_with;
use patuh::exchange::keys::Identity;
use patuh::generate::{Method, OFFICES, Scale, generate_with};
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

/// The assessment method of the data: `PATUH_BENCH_METHOD` = 2024 (default: the
/// 2022-2025 instruments with respondents, issue 16's data set) | 2021 (product
/// checklists only, the data set of the measurements before).
pub fn method() -> (Method, &'static str) {
    match std::env::var("PATUH_BENCH_METHOD").as_deref() {
        Ok("2021") => (Method::Products, "2021"),
        _ => (Method::Levels, "2024"),
    }
}

pub fn data_dir() -> PathBuf {
    // PATUH_BENCH_DATA_DIR: another place, so that an older build's benchmarks (which
    // cannot open a file of a newer schema) and this one's run side by side on copies
    // of the same data.
    let dir = std::env::var_os("PATUH_BENCH_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bench-data"));
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
    let (method, m) = method();
    let path = data_dir().join(format!("{name}-{m}-{SEED}.db"));
    cached(&path, |tmp| {
        generate_with(tmp, scale, SEED, method, None).expect("generate bench data");
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
    let (method, m) = method();
    let path = data_dir().join(format!("{name}-{m}-{SEED}-office{office:02}.db"));
    cached(&path, |tmp| {
        generate_with(tmp, scale, SEED, method, Some(office)).expect("generate office data");
    });
    // Read as sqlite3 would: the store has no query for this.
    let conn = rusqlite::Connection::open(&path).expect("open office data");
    let agencies: i64 = conn
        .query_row("SELECT count(*) FROM agency", [], |r| r.get(0))
        .expect("count agencies");
    (agencies > 0).then_some(path)
}

/// The signed export of each provincial office that has agencies (34 at national
/// scale), as the offices would send them to the central office; or why an office's
/// data cannot be exported (an export format that does not carry it).
pub fn office_exports() -> Result<Vec<PathBuf>, String> {
    let (_, name) = scale();
    let (_, m) = method();
    let mut out = Vec::new();
    for office in 0..OFFICES {
        let Some(db) = office_dataset(office) else {
            continue;
        };
        let file = data_dir().join(format!("{name}-{m}-{SEED}-office{office:02}.patuh"));
        if !file.exists() {
            let mut tmp = file.as_os_str().to_owned();
            tmp.push(".part");
            let tmp = PathBuf::from(tmp);
            let store = Store::open(&db).expect("open office data");
            export_with(&store, &office_identity(office), &tmp, &[], None)
                .map_err(|e| format!("office {office}: {e}"))?;
            std::fs::rename(&tmp, &file).expect("place the export");
        }
        out.push(file);
    }
    Ok(out)
}

/// What a child process cost: its wall time and its peak resident set size.
pub struct ChildCost {
    pub wall: Duration,
    /// The child's own peak (see [`run_measured`]), in kilobytes.
    pub peak_kb: i64,
}

impl ChildCost {
    pub fn peak_mb(&self) -> f64 {
        self.peak_kb as f64 * 1024.0 / 1e6
    }
}

/// Runs `cmd` (its output discarded) and measures it: the wall time from spawn to exit
/// and the child's own peak RSS. Panics if it fails.
///
/// The peak is read by GNU time (`/usr/bin/time -f %M`, as `bench/compare.sh` does) when
/// it is installed: a child spawned straight from this process takes this process's
/// own peak into its `ru_maxrss` when it execs (Linux keeps the larger of the old and
/// the new address space's high-water marks, and the spawn shares this process's
/// memory until the exec), so after the benchmark has loaded and merged a nation in
/// process, a 46 MB `central merge` read as 316 MB. GNU time is small, so the peak of
/// its child is the child's. Without it, `wait4`'s figure (an upper bound) is taken.
pub fn run_measured(cmd: &mut Command) -> ChildCost {
    let gnu_time = Path::new("/usr/bin/time");
    if !gnu_time.exists() {
        return wait_measured(cmd);
    }
    let peak_file = std::env::temp_dir().join(format!("patuh-bench-peak-{}", std::process::id()));
    let mut timed = Command::new(gnu_time);
    timed
        .args(["-f", "%M", "-o"])
        .arg(&peak_file)
        .arg(cmd.get_program())
        .args(cmd.get_args());
    for (key, value) in cmd.get_envs() {
        match value {
            Some(v) => timed.env(key, v),
            None => timed.env_remove(key),
        };
    }
    if let Some(dir) = cmd.get_current_dir() {
        timed.current_dir(dir);
    }
    let cost = wait_measured(&mut timed);
    let text = std::fs::read_to_string(&peak_file).expect("GNU time's output");
    let _ = std::fs::remove_file(&peak_file);
    let peak_kb = text
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or_else(|| panic!("GNU time wrote no peak: {text:?}"));
    ChildCost {
        wall: cost.wall,
        peak_kb,
    }
}

/// Runs `cmd` and reads its time and its own `ru_maxrss` with `wait4` (not
/// `RUSAGE_CHILDREN`, which is the largest of every child waited for so far).
fn wait_measured(cmd: &mut Command) -> ChildCost {
    use std::process::Stdio;
    let t = Instant::now();
    // Waited for with wait4 below, for the child's own rusage.
    #[allow(clippy::zombie_processes)]
    let child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: wait4 writes only into the status and the rusage it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = t.elapsed();
    assert_eq!(rc, pid, "wait4 failed");
    let ok = libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
    if !ok {
        let mut err = String::new();
        if let Some(mut e) = child.stderr {
            let _ = std::io::Read::read_to_string(&mut e, &mut err);
        }
        panic!("{cmd:?} failed ({status}): {err}");
    }
    ChildCost {
        wall,
        peak_kb: usage.ru_maxrss,
    }
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

/// The load average now, as /proc/loadavg gives it ("?" elsewhere).
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| {
            let f: Vec<&str> = l.split_whitespace().take(3).collect();
            (f.len() == 3).then(|| f.join(" "))
        })
        .unwrap_or_else(|| "?".into())
}

/// One line naming the data set and the machine's load, printed before a bench's
/// figures (2 shared cores: the load says how much to trust them).
pub fn print_load(bench: &str) {
    let (_, scale) = scale();
    let (_, m) = method();
    println!(
        "{bench}: {scale} scale, method {m}, seed {SEED}; load average {}",
        load_average()
    );
}

/// CPU time of the calling thread (user and system): a commit's work, without its wait
/// for the disk.
pub fn thread_cpu() -> Duration {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes only the timespec it is given.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    Duration::new(
        u64::try_from(t.tv_sec).unwrap_or(0),
        u32::try_from(t.tv_nsec).unwrap_or(0),
    )
}
