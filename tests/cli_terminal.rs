//! The command line on a real terminal (a pseudo-terminal): a command that runs over a
//! second shows its progress on standard error and clears it when done (the same
//! commands print nothing of it into a pipe: tests/cli_commands.rs), and a terminal
//! that goes away leaves no panic in the log.

mod pty_support;

use std::time::{Duration, Instant};

use pty_support::*;

#[test]
fn a_long_command_shows_its_progress_on_a_terminal_and_clears_it() {
    let sandbox = Sandbox::new();
    let start = Instant::now();
    // One office's part of the nation: some seconds in a debug build (the generator
    // builds the nation's frame first), well over the second before progress shows.
    let mut s = Session::spawn(
        &sandbox,
        &["gen", "--scale", "national", "--office", "0", "--seed", "2"],
        24,
        100,
    );
    // A busy machine (CI beside other builds) takes many times longer: a wide limit.
    let (status, _) = s.wait_exit_within(Duration::from_secs(180));
    let took = start.elapsed();
    let Some(status) = status else {
        panic!("gen did not finish in 180 s; the screen:\n{}", s.screen())
    };
    assert!(status.success(), "{}", s.tail(2000));
    let raw = String::from_utf8_lossy(&s.raw).into_owned();
    assert!(
        took >= Duration::from_millis(1300),
        "gen took {took:?}: too quick to need progress (this test needs work of over a second)"
    );
    assert!(
        raw.contains("generating") && raw.contains(&sandbox.db().display().to_string()),
        "the progress line was drawn: {raw:?}"
    );
    let screen = s.screen();
    assert!(screen.contains("Generated"), "{screen}");
    assert!(
        !screen.contains("generating"),
        "the progress line is cleared when done: {screen}"
    );
}

#[test]
fn a_vanished_terminal_leaves_no_panic_in_the_log() {
    let sandbox = Sandbox::new();
    sandbox.patuh(&["init", "--demo", "--assessor", "Siti Aminah"]);
    let mut s = sandbox.workstation();
    s.wait_for(&["Agencies (9)"]);
    s.send("\r\r\r");
    s.wait_for(&["Checklist NIB"]);
    s.send("1");
    s.wait_for(&["Saved: NIB"]);
    s.close_terminal();
    let (status, _) = s.wait_exit_within(Duration::from_secs(5));
    let status = status.expect("ended after its terminal vanished");
    let log = std::fs::read_to_string(sandbox.path("data/patuh/patuh.log")).unwrap();
    assert!(log.contains("workstation stopping"), "{log}");
    assert!(!log.contains("panic"), "{log}");
    assert_ne!(status.exit_code(), 101, "not a panic's exit code");
    let check = sandbox.patuh(&["check"]);
    assert!(check.contains("audit chain intact"), "{check}");
}
