//! Peak memory of the workstation on generated data (PATUH_BENCH_SCALE, default
//! national): a child process (this program again) opens the database, builds the
//! workstation, draws the first 200x50 frame, opens a product's checklist and makes 50
//! keystrokes with a frame each; then it reports its peak resident set size
//! (`getrusage` `ru_maxrss`). A child of its own, so that generating the data or
//! anything else this program did is not counted. Not a criterion benchmark: it
//! measures bytes, not time.

mod support;

use std::process::Command;

use patuh::domain::Lang;
use patuh::domain::instrument::{NodeLevel, Source};
use patuh::domain::model::{IndicatorIx, ProductIx};
use patuh::store::Store;
use patuh::tui::action::Action;
use patuh::tui::app::Msg;
use patuh::tui::keymap::Config;
use patuh::tui::runtime::{Access, Workstation};
use patuh::tui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const CHILD: &str = "PATUH_BENCH_MEMORY_CHILD";
const TARGET_MB: f64 = 60.0;

fn peak_rss_kb() -> i64 {
    // SAFETY: getrusage only writes into the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    assert_eq!(rc, 0, "getrusage failed");
    usage.ru_maxrss // kilobytes on Linux
}

fn child(db: &str) {
    let store = Store::open(db.as_ref()).expect("open");
    let mut ws = Workstation::open(
        store,
        Config::default(),
        Lang::En,
        Theme::plain(),
        Access::Write,
    )
    .expect("workstation");
    ws.update(Msg::Resize(200, 50));
    let mut term = Terminal::new(TestBackend::new(200, 50)).expect("terminal");
    term.draw(|f| f.render_widget(&ws.app, f.area()))
        .expect("draw");
    let n = ws.app.ds.products.len();
    let p = (n / 2..n)
        .map(ProductIx::new)
        .find(|&p| !ws.app.ds.products[p].finalized)
        .unwrap_or_default();
    // The cursor on an indicator answered per product (the 2022-2024 instrument's
    // checklist also lists the unit's and agency's own).
    let inst = ws.app.ds.instrument_of_product(p);
    let i = inst
        .indicators_at(NodeLevel::Product)
        .find(|&i| matches!(inst.indicators[i].source, Source::Observation))
        .map(IndicatorIx::new);
    let effects = ws.app.open_checklist(p, i);
    ws.run(effects);
    for _ in 0..50 {
        ws.update(Action::Tick);
        term.draw(|f| f.render_widget(&ws.app, f.area()))
            .expect("draw");
        assert!(
            matches!(ws.app.status, patuh::tui::app::Status::Saved(_)),
            "the keystroke was not saved: {:?}",
            ws.app.status
        );
    }
    println!("{}", peak_rss_kb());
}

fn main() {
    if let Ok(db) = std::env::var(CHILD) {
        child(&db);
        return;
    }
    let (_, scale) = support::scale();
    support::print_load("memory");
    let db = support::dataset(true);
    let out = Command::new(std::env::current_exe().expect("this program"))
        .env(CHILD, &db)
        .output()
        .expect("run the child");
    let _ = std::fs::remove_file(&db);
    assert!(
        out.status.success(),
        "the child failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let kb: f64 = String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("the child's peak RSS");
    let mb = kb * 1024.0 / 1e6;
    println!(
        "memory/{scale}/workstation peak RSS (open, load, first frame, 50 keystrokes): {mb:.1} MB ({:.1} MiB); target < {TARGET_MB} MB: {}",
        kb / 1024.0,
        support::verdict(mb < TARGET_MB)
    );
}
