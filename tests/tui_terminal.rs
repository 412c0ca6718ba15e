//! The workstation against its terminal, in a pseudo-terminal: hostile text in the
//! data never drives the terminal, any size down to 1x1 is survived, and SIGTERM,
//! SIGHUP or a vanished terminal end the process within a second with the terminal
//! restored (where it still exists), nothing lost and no CPU spent while idle.

mod pty_support;

use std::time::{Duration, Instant};

use patuh::store::Store;
use pty_support::*;
use serde_json::json;

/// Escape-injection payloads, each tagged where it is placed. Every one of them, shown
/// as it is, would do something to the terminal: clear or move, ask it to answer
/// (which types into the program), set the title, make a hyperlink, write the
/// clipboard, reset it, reverse or hide text.
const PAYLOADS: &[&str] = &[
    "\x1b[2J",                                  // CSI: clear the screen
    "\x1b[4242;4242H",                          // CSI: move the cursor
    "\x1b[6n",                // CSI: the terminal answers with the cursor position
    "\x1b[21t",               // CSI: the terminal answers with its title
    "\x1b[?1000h",            // CSI: mouse reporting on
    "\x1b[8;1;1t",            // CSI: resize the window
    "\x1b]0;PWNED-TITLE\x07", // OSC 0: window title (BEL-terminated)
    "\x1b]2;PWNED2\x1b\\",    // OSC 2: title (ST-terminated)
    "\x1b]8;;http://e.x/\x1b\\L\x1b]8;;\x1b\\", // OSC 8: hyperlink
    "\x1b]52;c;ZXZpbA==\x07", // OSC 52: write the clipboard
    "\x1bP+q544e\x1b\\",      // DCS: request termcap
    "\x1b_APC\x1b\\",         // APC string
    "\x1bc",                  // RIS: full reset
    "\x1b7\x1b8",             // save / restore the cursor
    "\u{9b}4242;1H",          // C1 CSI
    "\u{9d}0;C1-TITLE\u{9c}", // C1 OSC ... ST
    "\u{90}q\u{9c}",          // C1 DCS
    "\u{85}\u{8d}",           // C1 NEL, RI
    "\x07\x07",               // BEL
    "\x08\x08\x08",           // backspaces
    "\roverwrite",            // carriage return
    "\t\x0b\x0c",             // tab, vertical tab, form feed
    "\x7f",                   // DEL
    "\u{202E}gnp.exe",        // bidi: right-to-left override
    "\u{202D}x\u{202C}",      // bidi: left-to-right override, pop
    "\u{2066}\u{2067}\u{2068}\u{2069}", // bidi isolates
    "\u{200E}\u{200F}\u{061C}", // bidi marks (LRM, RLM, Arabic letter mark)
    "\u{200B}\u{200C}\u{200D}\u{2060}\u{FEFF}", // zero-width characters
    "\u{2028}\u{2029}",       // line and paragraph separators
];

/// CSI sequences of the payloads that are well-formed CSI, and so would pass the
/// general check had they leaked whole: none of them may appear.
const PAYLOAD_CSI: &[&str] = &[
    "\x1b[4242;4242H",
    "\x1b[6n",
    "\x1b[21t",
    "\x1b[?1000h",
    "\x1b[8;1;1t",
];

/// What the screen shows of a tagged payload: patuh writes U+FFFD for every character
/// that could drive the terminal (the emulator shows it as ¤, see pty_support).
/// (Computed here, not with patuh's own function; the raw bytes are checked
/// independently by `assert_terminal_safe`.)
fn shown(tag: &str, payload: &str) -> String {
    let mut s = tag.to_string();
    for c in payload.chars() {
        let unsafe_char = c.is_control()
            || matches!(c, '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{2069}' | '\u{FEFF}' | '\u{061C}');
        s.push(if unsafe_char { '¤' } else { c });
    }
    s
}

fn tag(kind: char, n: usize) -> String {
    format!("{kind}{n:02}:")
}

/// A tagged payload as stored: the tag, the payload, and "!" so that nothing of the
/// payload is trimmed as trailing white space (U+2028, form feed...).
fn tagged(kind: char, n: usize) -> String {
    format!("{}{}!", tag(kind, n), PAYLOADS[n - 1])
}

/// What the screen shows of it.
fn shown_tagged(kind: char, n: usize) -> String {
    shown(&tag(kind, n), &format!("{}!", PAYLOADS[n - 1]))
}

/// A database whose every outside text carries a payload: agency A01..A29 names,
/// unit names (in A01), product names (in A01/U01), and on product A01/U01/P01 one
/// note (through `patuh record --note`) and one evidence reference per indicator;
/// the assessor's name carries one too.
fn hostile_sandbox() -> (Sandbox, Vec<String>) {
    let sandbox = Sandbox::new();
    sandbox.patuh(&["init", "--assessor", "Siti\x1b]0;WHO\x07\u{202E}Aminah"]);
    let n = PAYLOADS.len();
    let units: Vec<_> = (1..=n)
        .map(|u| {
            let products: Vec<_> = if u == 1 {
                (1..=n)
                    .map(|p| json!({"code": format!("P{p:02}"), "name": tagged('r', p)}))
                    .collect()
            } else {
                vec![json!({"code": "P01", "name": "Produk"})]
            };
            json!({"code": format!("U{u:02}"), "name": tagged('u', u), "products": products})
        })
        .collect();
    let agencies: Vec<_> = (1..=n)
        .map(|a| {
            json!({
                "code": format!("A{a:02}"),
                "name": tagged('a', a),
                "kind": "lembaga",
                "units": if a == 1 { units.clone() } else {
                    vec![json!({"code": "U01", "name": "Unit", "products": [{"code": "P01", "name": "Produk"}]})]
                },
            })
        })
        .collect();
    let assignment = json!({
        "format": "patuh-assignment", "format_version": 1,
        "instrument": {"id": "kepatuhan-2021", "version": "1"},
        "title": "hostile",
        "agencies": agencies,
    });
    let file = sandbox.path("hostile.json");
    std::fs::write(&file, serde_json::to_string_pretty(&assignment).unwrap()).unwrap();
    sandbox.patuh(&["assignment", "import", file.to_str().unwrap()]);

    let instrument = patuh::domain::Instrument::parse(patuh::shipped::INSTRUMENTS[0].1).unwrap();
    assert!(instrument.indicators.len() >= n);
    let ids: Vec<String> = instrument.indicators[..n]
        .iter()
        .map(|i| i.id.clone())
        .collect();
    for (k, id) in ids.iter().enumerate() {
        let note = tagged('n', k + 1);
        sandbox.patuh(&["record", "A01/U01/P01", id, "--note", &note]);
    }
    // Evidence has no command of its own (it is typed in the workstation): through
    // the store, as a workstation would write it.
    let mut store = Store::open(&sandbox.db()).unwrap();
    let product = store.product_ref("A01/U01/P01").unwrap();
    for (k, ind) in instrument.indicators[..n].iter().enumerate() {
        let reference = tagged('e', k + 1);
        store
            .add_evidence(&product, ind, &reference, Some((7, "ab".repeat(32))))
            .unwrap();
    }
    drop(store);
    (sandbox, ids)
}

#[test]
fn hostile_text_in_names_notes_and_evidence_never_reaches_the_terminal() {
    let (sandbox, ids) = hostile_sandbox();
    let n = PAYLOADS.len();
    // Wide enough that every tagged payload is drawn on one row wherever it appears.
    let mut s = Session::spawn(&sandbox, &[], 50, 160);
    s.wait_for(&[
        &format!("Agencies ({n})"),
        &shown("", "Siti\x1b]0;WHO\x07\u{202E}Aminah"),
    ]);

    // Every agency name, highlighted in turn (the list's bottom line shows it whole).
    for a in 1..=n {
        if a > 1 {
            s.send("j");
        }
        s.wait_for(&[&format!(" A{a:02} {} ", shown_tagged('a', a))]);
    }
    // The dashboard lists them too.
    s.send("gd");
    s.wait_for(&["Agency ranking", "a01:"]);
    s.send("d");
    s.wait_for(&[&format!("Agencies ({n})")]);
    // The units of A01, then the products of A01/U01.
    s.send("g\r");
    for u in 1..=n {
        if u > 1 {
            s.send("j");
        }
        s.wait_for(&[&format!(" U{u:02} {} ", shown_tagged('u', u))]);
    }
    s.send("g\r");
    for p in 1..=n {
        if p > 1 {
            s.send("j");
        }
        s.wait_for(&[&format!(" P{p:02} {} ", shown_tagged('r', p))]);
    }
    // The checklist of P01: each indicator's note and evidence in the details, and
    // the note again in the note editor.
    s.send("g\r");
    s.wait_for(&["Checklist P01"]);
    for (k, id) in ids.iter().enumerate() {
        if k > 0 {
            s.send("j");
        }
        let note = shown_tagged('n', k + 1);
        let evidence = shown_tagged('e', k + 1);
        s.wait_for(&[
            &format!(" {id} "),
            &format!("Note: {note}"),
            &format!("• {evidence} (7 B, sha256 abababababab…)"),
        ]);
        s.send("n");
        s.wait_for(&["Ctrl-S save · Esc cancel"]);
        s.send("\x1b"); // alone, so that it is read as Esc and not as Alt with a key
        s.wait_gone("Ctrl-S save");
    }
    s.send("q");
    assert!(s.wait_exit().success());

    let csi = assert_terminal_safe(&s.raw);
    for bad in PAYLOAD_CSI {
        assert!(
            !csi.iter().any(|c| c == bad),
            "{bad:?} from the data reached the terminal"
        );
    }
    // Nothing was changed by looking.
    let check = sandbox.patuh(&["check"]);
    assert!(check.contains("audit chain intact"), "{check}");

    // The command line writes the same texts to a terminal: just as safe.
    for args in [
        &["show", "A01/U01/P01"][..],
        &["score"][..],
        &["score", "--agency", "A01"][..],
    ] {
        let out = sandbox.patuh(args);
        assert_terminal_safe(out.as_bytes());
        assert!(out.contains("a01:") || out.contains("n01:"), "{out}");
    }
}

/// Resizes to each size, waits for the redraw, and checks the process is alive.
fn sweep(s: &mut Session, sizes: &[(u16, u16)], what: &str) {
    for &(rows, cols) in sizes {
        s.resize(rows, cols);
        s.pump(Duration::from_millis(40));
        assert!(
            s.child.try_wait().unwrap().is_none(),
            "{what}: the workstation ended at {cols}x{rows}: {}",
            s.tail(400)
        );
    }
}

#[test]
fn a_resize_sweep_down_to_1x1_and_back_leaves_it_usable() {
    let sandbox = Sandbox::new();
    sandbox.patuh(&["init", "--demo", "--assessor", "Uji"]); // named: a first start asks
    let mut s = sandbox.workstation();
    s.wait_for(&["Agencies (9)"]);
    let mut sizes = Vec::new();
    // Shrinking both ways at once, then each way alone, down to one cell.
    for k in 0..=12u16 {
        sizes.push((
            24u16.saturating_sub(2 * k).max(1),
            80u16.saturating_sub(7 * k).max(1),
        ));
    }
    sizes.extend([(1, 1), (1, 80), (24, 1), (2, 2), (1, 1), (0, 0), (1, 1)]);
    let back: Vec<(u16, u16)> = sizes.iter().rev().copied().collect();

    sweep(&mut s, &sizes, "navigator");
    s.resize(24, 80);
    s.wait_for(&["Agencies (9)"]);
    // On a checklist with the note editor open, then with the help open.
    s.send("\r\r\r");
    s.wait_for(&["Checklist NIB"]);
    s.send("nditulis saat mengecil");
    s.wait_for(&["Ctrl-S save", "ditulis saat mengecil"]);
    sweep(&mut s, &sizes, "note editor");
    sweep(&mut s, &back, "note editor, growing");
    s.resize(24, 80);
    s.wait_for(&["Ctrl-S save", "ditulis saat mengecil"]);
    s.send("\x13");
    s.wait_for(&["Saved: note of NIB · sk-standar"]);
    s.send("?");
    s.wait_for(&["Help"]);
    sweep(&mut s, &sizes, "help");
    s.resize(24, 80);
    s.send("?");

    // Still usable: a change is saved and shown, and it quits normally.
    s.wait_for(&["Checklist NIB"]);
    s.send("1");
    s.wait_for(&["Saved: NIB · sk-standar = ✓"]);
    s.send("q");
    assert!(s.wait_exit().success());
    let text = String::from_utf8_lossy(&s.raw).into_owned();
    assert!(!text.contains("panicked"), "{}", s.tail(2000));
    assert_terminal_safe(&s.raw);
    let note: String = query(
        &sandbox.db(),
        "SELECT note FROM answer WHERE indicator = 'sk-standar'",
    );
    assert_eq!(note, "ditulis saat mengecil");
}

/// On the NIB checklist with one value saved and a note being written (not saved).
fn busy_session(sandbox: &Sandbox) -> Session {
    let mut s = sandbox.workstation();
    s.wait_for(&["Agencies (9)"]);
    s.send("\r\r\r");
    s.wait_for(&["Checklist NIB"]);
    s.send("1");
    s.wait_for(&["Saved: NIB · sk-standar = ✓"]);
    // The cursor moved on after the answer: back to the indicator answered.
    s.send("k");
    s.wait_for(&["sk-standar = ✓ ─"]);
    s.send("nsetengah ditulis");
    s.wait_for(&["Ctrl-S save", "setengah ditulis"]);
    s
}

/// CPU time used over one idle second, as a share of that second.
fn idle_cpu_share(s: &mut Session) -> f64 {
    let before = cpu_ticks(s.pid());
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(1) {
        s.pump(Duration::from_millis(100));
    }
    let used = cpu_ticks(s.pid()) - before;
    used as f64 / ticks_per_second() as f64 / start.elapsed().as_secs_f64()
}

/// The value and the half-written note are both in the database.
fn assert_nothing_lost(sandbox: &Sandbox, how: &str) {
    let row: String = query(
        &sandbox.db(),
        "SELECT value || '|' || note FROM answer WHERE indicator = 'sk-standar'",
    );
    assert_eq!(row, "1|setengah ditulis", "{how}");
    let check = sandbox.patuh(&["check"]);
    assert!(check.contains("audit chain intact"), "{how}: {check}");
}

#[test]
fn sigterm_and_sighup_end_it_within_a_second_restoring_the_terminal() {
    for (sig, name) in [(libc::SIGTERM, "SIGTERM"), (libc::SIGHUP, "SIGHUP")] {
        let sandbox = Sandbox::new();
        sandbox.patuh(&["init", "--demo", "--assessor", "Uji"]); // named: a first start asks
        let mut s = busy_session(&sandbox);
        let share = idle_cpu_share(&mut s);
        assert!(share < 0.05, "{name}: {:.1}% CPU while idle", share * 100.0);
        assert!(!s.terminal_is_cooked(), "raw mode while running");
        let restored_from = s.raw.len();
        s.signal(sig);
        let (status, took) = s.wait_exit_within(Duration::from_secs(5));
        assert!(status.is_some(), "{name}: still running after 5 s");
        assert!(took < Duration::from_secs(1), "{name}: took {took:?}");
        // The terminal is as the shell left it: main screen, cursor shown, cooked.
        let tail = String::from_utf8_lossy(&s.raw[restored_from..]).into_owned();
        assert!(tail.contains("\x1b[?1049l"), "{name}: {tail:?}");
        assert!(tail.contains("\x1b[?25h"), "{name}: {tail:?}");
        assert!(tail.contains("\x1b[?2004l"), "{name}: {tail:?}");
        assert!(s.terminal_is_cooked(), "{name}: still in raw mode");
        assert_nothing_lost(&sandbox, name);
        eprintln!(
            "{name}: ended in {} ms; {:.1}% CPU while idle",
            took.as_millis(),
            share * 100.0
        );
    }
}

#[test]
fn a_vanished_terminal_ends_it_within_a_second_losing_nothing() {
    let sandbox = Sandbox::new();
    sandbox.patuh(&["init", "--demo", "--assessor", "Uji"]); // named: a first start asks
    let mut s = busy_session(&sandbox);
    let share = idle_cpu_share(&mut s);
    assert!(share < 0.05, "{:.1}% CPU while idle", share * 100.0);
    let pid = s.pid();
    // The ssh connection drops: the terminal's master side closes. Watch the thread
    // that reads the terminal: a reader that retries a dead terminal spins (crossterm
    // does, left to itself), burning a core until the process ends.
    let reader_before = thread_cpu_ticks(pid, "patuh-input").expect("the input thread");
    let mut reader_after = reader_before;
    s.close_terminal();
    let start = Instant::now();
    loop {
        // Not yet reaped, so its /proc entry is there.
        if s.child.try_wait().unwrap().is_some() {
            break;
        }
        if let Some(t) = thread_cpu_ticks(pid, "patuh-input") {
            reader_after = t;
        }
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "still running 5 s after its terminal vanished"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    let took = start.elapsed();
    assert!(took < Duration::from_secs(1), "took {took:?}");
    let reader_ms = (reader_after - reader_before) * 1000 / ticks_per_second();
    assert!(
        reader_ms < 30,
        "the input thread used {reader_ms} ms of CPU after the hang-up (in {took:?})"
    );
    assert_nothing_lost(&sandbox, "hang-up");
    eprintln!(
        "vanished terminal: ended in {} ms, its input thread using {reader_ms} ms of CPU on the way; \
         {:.1}% CPU while idle before",
        took.as_millis(),
        share * 100.0
    );
}
