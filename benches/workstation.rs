//! The assessor's workstation on generated data (PATUH_BENCH_SCALE, default national;
//! PATUH_BENCH_METHOD, default the 2022-2025 instruments with respondents): one
//! keystroke in a product's checklist (change + commit + incremental rescore + a
//! 200x50 frame on ratatui's TestBackend), the work of a keystroke besides its commit
//! with its p99 (target < 1 ms), the same in a respondent's questionnaire (the
//! rescore of its unit and agency and a frame), cold start to the first frame (target
//! < 100 ms), and the navigator's filter over all products. And on the demo: the keys
//! it takes to fill its 36-indicator product (kepatuhan-2021) without notes and
//! finalize it (target: at most 40), with the time of each of those keystrokes.
//!
//! In a respondent's questionnaire (a unit's staff member, the cursor on a question):
//! the whole keystroke, a digit that records the answer, and besides its commit the
//! answer in the dataset, the rescore of the unit and its agency and the frame.
//!
//! Criterion reports medians; the p99 lines (`p99: ...`) come from per-iteration
//! timings collected here, printed before criterion's own output.

mod support;

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use patuh::domain::assignment::Assignment;
use patuh::domain::instrument::Source;
use patuh::domain::model::{IndicatorIx, Ix, NodeRef, ProductIx, RespondentIx};
use patuh::domain::{Instrument, Lang, Value};
use patuh::store::Store;
use patuh::tui::action::Action;
use patuh::tui::app::nav::{Filter, Item};
use patuh::tui::app::{App, Msg, Screen, Status};
use patuh::tui::keymap::Config;
use patuh::tui::runtime::{Access, Workstation};
use patuh::tui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const W: u16 = 200;
const H: u16 = 50;

fn terminal() -> Terminal<TestBackend> {
    Terminal::new(TestBackend::new(W, H)).expect("test terminal")
}

fn frame(term: &mut Terminal<TestBackend>, app: &App) {
    term.draw(|f| f.render_widget(app, f.area())).expect("draw");
}

/// What the workstation does from its start to its first frame.
fn cold_start(path: &std::path::Path) -> (Workstation, Terminal<TestBackend>) {
    let store = Store::open(path).expect("open");
    let mut ws = Workstation::open(
        store,
        Config::default(),
        Lang::En,
        Theme::plain(),
        Access::Write,
    )
    .expect("workstation");
    ws.update(Msg::Resize(W, H));
    let mut term = terminal();
    frame(&mut term, &ws.app);
    (ws, term)
}

/// A product in the middle of the data set that can be changed (not finalized).
fn open_product(app: &App) -> ProductIx {
    let n = app.ds.products.len();
    (n / 2..n)
        .chain(0..n / 2)
        .map(ProductIx::new)
        .find(|&p| !app.ds.products[p].finalized)
        .expect("a product that is not finalized")
}

/// The first indicator a product's own observation answers (every indicator of a
/// format-1 instrument; the process dimension's of the 2022-2024 one): where the
/// checklist's cursor is put.
fn product_indicator(app: &App, p: ProductIx) -> IndicatorIx {
    let inst = app.ds.instrument_of_product(p);
    inst.indicators_at(patuh::domain::instrument::NodeLevel::Product)
        .find(|&i| matches!(inst.indicators[i].source, Source::Observation))
        .map(IndicatorIx::new)
        .expect("a product observation indicator")
}

fn keystroke(c: &mut Criterion) {
    let (_, scale) = support::scale();
    support::print_load("workstation");
    let path = support::dataset(true);
    let (mut ws, mut term) = cold_start(&path);
    let p = open_product(&ws.app);
    let effects = ws
        .app
        .open_checklist(p, Some(product_indicator(&ws.app, p)));
    ws.run(effects);
    let Screen::Checklist(checklist) = &ws.app.screen else {
        panic!("the checklist did not open");
    };
    let i = checklist
        .indicator()
        .expect("the checklist opens on an indicator");
    frame(&mut term, &ws.app);
    ws.update(Action::Tick);
    assert!(
        matches!(ws.app.status, Status::Saved(_)),
        "the keystroke was not saved: {:?}",
        ws.app.status
    );

    let mut g = c.benchmark_group(format!("workstation/{scale}"));
    g.sample_size(50);

    // The whole keystroke, as the event loop runs it: the state asks, the runtime's
    // store commits (fsync), the state takes the outcome, the frame.
    let mut full = Vec::new();
    for _ in 0..support::iterations(300) {
        let t = Instant::now();
        ws.update(Action::Tick);
        frame(&mut term, &ws.app);
        full.push(t.elapsed());
    }
    support::Spread::of(full).report(&format!(
        "workstation/{scale}/keystroke (commit + rescore + {W}x{H} frame)"
    ));
    g.bench_function("keystroke: tick, commit, rescore, 200x50 frame", |b| {
        b.iter(|| {
            ws.update(Action::Tick);
            frame(&mut term, &ws.app);
        })
    });

    // The same keystroke without its commit: what App::update does once the store has
    // committed (new value in memory, incremental rescore of product, unit and agency),
    // then the frame.
    let max = ws.app.ds.indicator(p, i).max;
    let mut flip = false;
    let mut besides = |app: &mut App, term: &mut Terminal<TestBackend>| {
        flip = !flip;
        app.ds.products[p].values[i.index()] = Value::level(if flip { max } else { 0 });
        app.book.update_product(&app.ds, p);
        frame(term, app);
    };
    let mut samples = Vec::new();
    for _ in 0..support::iterations(5000) {
        let t = Instant::now();
        besides(&mut ws.app, &mut term);
        samples.push(t.elapsed());
    }
    let spread = support::Spread::of(samples);
    spread.report(&format!(
        "workstation/{scale}/keystroke besides the commit (rescore + {W}x{H} frame)"
    ));
    println!(
        "  target: p99 < 1 ms: {}",
        support::verdict(spread.p99 < Duration::from_millis(1))
    );
    g.bench_function("keystroke besides the commit: rescore, 200x50 frame", |b| {
        b.iter(|| besides(&mut ws.app, &mut term))
    });

    // A respondent's interview answer besides its commit: the answer in memory, the
    // rescore of its unit and agency, a frame of the navigator on its unit.
    if let Some((node, r, i, max)) = interview(&ws.app) {
        // The respondent's questionnaire on screen, its cursor on the question.
        let effects = ws.app.open_node_checklist(node, Some(i));
        ws.run(effects);
        let on_question = |app: &mut App| {
            if let Screen::Checklist(c) = &mut app.screen {
                c.respondent = Some(r);
                c.at = Item::Indicator(i);
            }
        };
        on_question(&mut ws.app);
        frame(&mut term, &ws.app);
        // The whole keystroke, as the event loop runs it: a digit records the answer
        // (the store commits it: fsync), the state takes the outcome (the rescore of
        // the unit and its agency), the cursor moves on, the frame. The cursor is put
        // back on the question before each.
        // The digit's action, as the keymap gives it (as the tick above, it is not
        // a key event, which the prompt for the assessor's name would take first).
        let digits = [3u8, 1].map(|d| Action::value(d).expect("a digit's action"));
        let mut full = Vec::new();
        for k in 0..support::iterations(300) {
            on_question(&mut ws.app);
            let t = Instant::now();
            ws.update(digits[k % 2]);
            frame(&mut term, &ws.app);
            full.push(t.elapsed());
            let want = Value::level(if k % 2 == 0 { 3 } else { 1 }.min(max));
            assert_eq!(
                ws.app.ds.respondent_value(node, r, i),
                want,
                "the answer was not recorded: {:?}",
                ws.app.status
            );
        }
        support::Spread::of(full).report(&format!(
            "workstation/{scale}/questionnaire keystroke (commit + rescore + {W}x{H} frame)"
        ));
        on_question(&mut ws.app);
        let mut flip = false;
        let mut answer = |app: &mut App, term: &mut Terminal<TestBackend>| {
            flip = !flip;
            let v = Value::level(if flip { max } else { 0 });
            app.ds
                .set_respondent_value(node, r, i, v)
                .expect("an interview answer");
            app.book.update(&app.ds, node);
            frame(term, app);
        };
        let mut samples = Vec::new();
        for _ in 0..support::iterations(5000) {
            let t = Instant::now();
            answer(&mut ws.app, &mut term);
            samples.push(t.elapsed());
        }
        let spread = support::Spread::of(samples);
        spread.report(&format!(
            "workstation/{scale}/questionnaire keystroke besides the commit (unit and agency rescore + {W}x{H} frame)"
        ));
        println!(
            "  target: p99 < 1 ms: {}",
            support::verdict(spread.p99 < Duration::from_millis(1))
        );
        g.bench_function(
            "questionnaire keystroke besides the commit: rescore, 200x50 frame",
            |b| b.iter(|| answer(&mut ws.app, &mut term)),
        );
    } else {
        println!("workstation/{scale}: no interview in this data set (method 2021)");
    }
    g.finish();
    drop(ws);
    let _ = std::fs::remove_file(&path);
}

/// A staff member's interview answer at a unit that is not finalized: the unit, the
/// respondent, an indicator of its role, the indicator's maximum.
fn interview(app: &App) -> Option<(NodeRef, RespondentIx, IndicatorIx, u32)> {
    let ds = &app.ds;
    ds.units.ids().rev().find_map(|u| {
        let node = NodeRef::Unit(u);
        if ds.finalized(node) || ds.units[u].products.is_empty() {
            return None;
        }
        let inst = ds.instrument_of(node);
        let (k, resp) = ds
            .respondents(node)
            .iter()
            .enumerate()
            .find(|(_, r)| !r.removed)?;
        let i = inst.role_indicators(resp.role).next()?;
        let ind = &inst.indicators[i];
        matches!(ind.source, Source::Interview { .. }).then_some((
            node,
            RespondentIx::new(k),
            IndicatorIx::new(i),
            ind.max,
        ))
    })
}

fn start_and_filter(c: &mut Criterion) {
    let (_, scale) = support::scale();
    let path = support::dataset(false);
    // Per start, for its median against the target (criterion's is printed below too).
    let mut starts = Vec::new();
    for _ in 0..support::iterations(20) {
        let t = Instant::now();
        let started = cold_start(&path);
        starts.push(t.elapsed());
        drop(started);
    }
    let spread = support::Spread::of(starts);
    spread.report(&format!(
        "workstation/{scale}/cold start: open, load, App::new, first {W}x{H} frame"
    ));
    println!(
        "  target: p50 < 100 ms: {}",
        support::verdict(spread.p50 < Duration::from_millis(100))
    );
    let mut g = c.benchmark_group(format!("workstation/{scale}"));
    g.sample_size(20);
    g.bench_function(
        "cold start: open, load, App::new, first 200x50 frame",
        |b| b.iter_with_large_drop(|| cold_start(&path)),
    );

    // A returning assessor: the workstation reopens the checklist where it was left.
    let resume = support::work_copy(&path, "resume");
    {
        let (mut ws, _) = cold_start(&resume);
        let p = open_product(&ws.app);
        let effects = ws
            .app
            .open_checklist(p, Some(product_indicator(&ws.app, p)));
        ws.run(effects);
        ws.shutdown();
    }
    g.bench_function(
        "cold start resuming on a checklist: open, load, App::new, first 200x50 frame",
        |b| b.iter_with_large_drop(|| cold_start(&resume)),
    );
    let _ = std::fs::remove_file(&resume);

    // The navigator's filter (the same matcher) over every product of the data set,
    // as an assessor types a query letter by letter.
    let (ws, _) = cold_start(&path);
    let products = &ws.app.ds.products;
    let queries = [
        "r",
        "ra",
        "raw",
        "rawat",
        "rawat j",
        "rawat ja",
        "rawat jalan",
    ];
    // Counted once outside the timing too, so that a run of other benchmarks only
    // (`cargo bench -- demo`) still checks it.
    let mut matched = {
        let f = Filter::new("rawat jalan");
        products
            .iter()
            .filter(|p| f.matches(&p.code, &p.name))
            .count()
    };
    g.bench_function(
        "filter over all products: 7 keystrokes of \"rawat jalan\"",
        |b| {
            b.iter(|| {
                for q in queries {
                    let f = Filter::new(q);
                    matched = products
                        .iter()
                        .filter(|p| f.matches(&p.code, &p.name))
                        .count();
                }
            })
        },
    );
    assert!(matched > 0, "the filter found nothing");
    let f = Filter::new("rawat jalan");
    let mut one = Vec::new();
    for _ in 0..support::iterations(50) {
        let t = Instant::now();
        let n = products
            .iter()
            .filter(|p| f.matches(&p.code, &p.name))
            .count();
        one.push(t.elapsed());
        assert_eq!(n, matched);
    }
    support::Spread::of(one).report(&format!(
        "workstation/{scale}/filter \"rawat jalan\" over {} products ({matched} match)",
        products.len()
    ));
    g.finish();
}

/// A fresh demo database (the shipped instruments, the Maluku assignment, an
/// assessor's name) in `dir`, and the workstation on it at 200x50.
fn demo_workstation(dir: &std::path::Path) -> (Workstation, Terminal<TestBackend>) {
    let path = dir.join("demo.db");
    let _ = std::fs::remove_file(&path);
    let mut store = Store::open_or_create(&path).expect("create the demo");
    store.set_assessor("Penilai Bench").expect("assessor");
    for (file, text) in patuh::shipped::INSTRUMENTS {
        let i = Instrument::parse(text).unwrap_or_else(|p| panic!("{file}: {p:?}"));
        store.import_instrument(&i).expect("instrument");
    }
    let (file, text) = patuh::shipped::DEMO_ASSIGNMENT;
    let a = Assignment::parse(text).unwrap_or_else(|p| panic!("{file}: {p:?}"));
    store.import_assignment(&a, file).expect("assignment");
    let mut ws = Workstation::open(
        store,
        Config::default(),
        Lang::Id,
        Theme::plain(),
        Access::Write,
    )
    .expect("workstation");
    ws.update(Msg::Resize(W, H));
    let mut term = terminal();
    frame(&mut term, &ws.app);
    (ws, term)
}

fn press(c: char) -> KeyEvent {
    KeyEvent::new_with_kind(KeyCode::Char(c), KeyModifiers::NONE, KeyEventKind::Press)
}

/// Fills the first product not finished from the agency list with the keys an
/// assessor presses — `]`, one answer per indicator (the cursor moves on by itself),
/// `f`, `y` — drawing a frame after each: the keys pressed and the time of each.
fn fill_a_product(ws: &mut Workstation, term: &mut Terminal<TestBackend>) -> Vec<Duration> {
    let mut times = Vec::new();
    let mut key = |ws: &mut Workstation, term: &mut Terminal<TestBackend>, c| {
        let t = Instant::now();
        ws.update(press(c));
        frame(term, &ws.app);
        times.push(t.elapsed());
        assert!(times.len() <= 100, "the product does not fill");
    };
    key(ws, term, ']');
    let Screen::Checklist(c) = &ws.app.screen else {
        panic!("] opened no checklist");
    };
    let NodeRef::Product(p) = c.node else {
        panic!("] opened no product's checklist");
    };
    while !ws.app.unanswered(p).is_empty() {
        key(ws, term, ' ');
    }
    key(ws, term, 'f');
    key(ws, term, 'y');
    assert!(ws.app.ds.products[p].finalized, "not finalized");
    times
}

fn heads_down(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (mut ws, mut term) = demo_workstation(dir.path());
    let times = fill_a_product(&mut ws, &mut term);
    let Screen::Checklist(checklist) = &ws.app.screen else {
        panic!("not on the checklist");
    };
    let NodeRef::Product(p) = checklist.node else {
        panic!("not on a product's checklist");
    };
    assert_eq!(ws.app.ds.instrument_of_product(p).indicators.len(), 36);
    assert_eq!(ws.app.ds.instrument_of_product(p).id, "kepatuhan-2021");
    let keys = times.len();
    println!(
        "workstation/demo/keys to fill and finalize {} (36 indicators, kepatuhan-2021, no notes): {keys}",
        ws.app.ds.product_path(p)
    );
    println!(
        "  target: at most 40 keys: {}",
        support::verdict(keys <= 40)
    );
    assert!(keys <= 40, "{keys} keys");
    drop(ws);
    support::Spread::of(times).report(&format!(
        "workstation/demo/each of the {keys} keystrokes (commit + rescore + {W}x{H} frame)"
    ));

    let mut g = c.benchmark_group("workstation/demo");
    g.sample_size(10);
    g.bench_function(
        format!("fill and finalize a 36-indicator product: {keys} keystrokes, each committed, {W}x{H} frames"),
        |b| {
            b.iter_batched(
                || demo_workstation(dir.path()),
                |(mut ws, mut term)| fill_a_product(&mut ws, &mut term),
                criterion::BatchSize::PerIteration,
            )
        },
    );
    g.finish();
}

criterion_group!(benches, keystroke, start_and_filter, heads_down);
criterion_main!(benches);
