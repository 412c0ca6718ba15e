//! Shared by the benchmarks: the generated data sets they run on.
#![allow(dead_code)]

use std::path::PathBuf;

use patuh::generate::{Scale, generate};

/// The scale benchmarks run at: `PATUH_BENCH_SCALE` = tiny | province | national
/// (default national, the size the speed targets are set for).
pub fn scale() -> (Scale, &'static str) {
    match std::env::var("PATUH_BENCH_SCALE").as_deref() {
        Ok("tiny") => (Scale::Tiny, "tiny"),
        Ok("province") => (Scale::Province, "province"),
        _ => (Scale::National, "national"),
    }
}

/// A generated database (seed 7), made once and reused across runs; the returned path
/// is a fresh copy when `fresh` so benchmarks that write do not change the original.
pub fn dataset(fresh: bool) -> PathBuf {
    let (scale, name) = scale();
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bench-data");
    std::fs::create_dir_all(&dir).expect("bench data dir");
    let path = dir.join(format!("{name}-7.db"));
    if !path.exists() {
        let tmp = dir.join(format!("{name}-7.db.part"));
        let _ = std::fs::remove_file(&tmp);
        generate(&tmp, scale, 7).expect("generate bench data");
        std::fs::rename(&tmp, &path).expect("place bench data");
    }
    if !fresh {
        return path;
    }
    let copy = dir.join(format!("{name}-7-work-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&copy);
    std::fs::copy(&path, &copy).expect("copy bench data");
    copy
}
