//! A huge evidence file in the real workstation, in a pseudo-terminal: a 400 GB
//! (sparse) file is read in the background with its progress on screen, the screen
//! stays alive meanwhile, Esc stops the reading and nothing is saved; and a terminal
//! that vanishes in the middle of the reading ends the process within a second,
//! releasing the database's lock.

mod pty_support;

use std::time::{Duration, Instant};

use pty_support::*;

/// 400 GB of nothing: the file system stores no data for it, reading it gives zeros,
/// and hashing it all would take minutes.
const HUGE: u64 = 400_000_000_000;

fn huge_file(sandbox: &Sandbox) -> String {
    let path = sandbox.path("scan-400GB.iso");
    std::fs::File::create(&path).unwrap().set_len(HUGE).unwrap();
    path.display().to_string()
}

/// On the checklist of 81/DPMPTSP/NIB, the huge file's reading started and shown.
fn reading(sandbox: &Sandbox, file: &str) -> Session {
    let mut s = sandbox.workstation();
    s.wait_for(&["Agencies (9)"]);
    s.send("\r\r\r");
    s.wait_for(&["Checklist NIB"]);
    s.send("e");
    s.wait_for(&["Evidence", "Enter save · Esc cancel"]);
    s.send(file);
    s.send("\r");
    s.wait_for(&["Reading the file:", "of 400.0 GB", "Esc cancels"]);
    s
}

/// The bytes read so far as the progress line writes them ("12.3 GB of 400.0 GB").
fn progress(screen: &str) -> Option<String> {
    let line = screen.lines().find(|l| l.contains("Reading the file:"))?;
    let after = line.split("Reading the file:").nth(1)?;
    Some(after.split(" of ").next()?.trim().to_string())
}

fn evidence_rows(sandbox: &Sandbox) -> i64 {
    query(&sandbox.db(), "SELECT count(*) FROM evidence")
}

#[test]
fn a_huge_evidence_file_is_read_in_the_background_and_esc_stops_it() {
    let sandbox = Sandbox::new();
    sandbox.patuh(&["init", "--demo", "--assessor", "Uji"]); // named: a first start asks
    let file = huge_file(&sandbox);
    let mut s = reading(&sandbox, &file);
    let pid = s.pid();
    // The progress moves on while the screen keeps being drawn.
    let first = progress(&s.screen()).expect("a progress line");
    let start = Instant::now();
    let later = loop {
        s.pump(Duration::from_millis(50));
        let now = progress(&s.screen()).expect("a progress line");
        if now != first {
            break now;
        }
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "the progress stays at {first}:\n{}",
            s.screen()
        );
    };
    assert!(
        thread_cpu_ticks(pid, "patuh-digest").is_some(),
        "no reader thread"
    );
    // The screen follows a resize meanwhile: the loop is not stuck in the file.
    s.resize(30, 100);
    s.wait_for(&["Reading the file:", "of 400.0 GB"]);
    s.resize(24, 80);
    // Keys other than Esc do not disturb the reading.
    s.send("xyz");
    s.wait_for(&["Reading the file:"]);
    // Esc stops it at once: said so, the path still in the prompt, nothing saved.
    let asked = Instant::now();
    s.send("\x1b");
    s.wait_for(&["Cancelled: the file is no longer read"]);
    let took = asked.elapsed();
    assert!(took < Duration::from_secs(1), "Esc took {took:?}");
    let screen = s.screen();
    assert!(!screen.contains("Reading the file:"), "{screen}");
    assert!(screen.contains("scan-400GB.iso"), "{screen}");
    // The reader thread ends (it checks for the cancel between chunks).
    let gone = Instant::now();
    while thread_cpu_ticks(pid, "patuh-digest").is_some() {
        assert!(
            gone.elapsed() < Duration::from_secs(1),
            "the reader thread still runs after Esc"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    s.send("\x1b");
    s.wait_gone("Enter save · Esc cancel");
    s.send("q");
    assert!(s.wait_exit().success());
    assert_eq!(evidence_rows(&sandbox), 0);
    assert_terminal_safe(&s.raw);
    eprintln!(
        "400 GB evidence: read {first} then {later} while drawing; Esc answered in {} ms",
        took.as_millis()
    );
}

#[test]
fn a_terminal_vanishing_mid_reading_ends_it_within_a_second_and_frees_the_lock() {
    let sandbox = Sandbox::new();
    sandbox.patuh(&["init", "--demo", "--assessor", "Uji"]); // named: a first start asks
    let file = huge_file(&sandbox);
    let mut s = reading(&sandbox, &file);
    // While it runs, changing commands are refused: it holds the lock.
    let err = sandbox.patuh_fails(&["record", "81/DPMPTSP/NIB", "biaya", "--value", "1"]);
    assert!(err.contains("open in the workstation"), "{err}");
    s.close_terminal();
    let (status, took) = s.wait_exit_within(Duration::from_secs(5));
    assert!(
        status.is_some(),
        "still running 5 s after its terminal vanished"
    );
    assert!(took < Duration::from_secs(1), "took {took:?}");
    // The lock went with it: a command may change the file again, and nothing of the
    // evidence was saved.
    sandbox.patuh(&["record", "81/DPMPTSP/NIB", "biaya", "--value", "1"]);
    assert_eq!(evidence_rows(&sandbox), 0);
    let check = sandbox.patuh(&["check"]);
    assert!(check.contains("audit chain intact"), "{check}");
    eprintln!(
        "terminal vanished while reading 400 GB: ended in {} ms",
        took.as_millis()
    );
}
