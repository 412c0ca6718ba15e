//! End to end: the real `patuh` binary in a pseudo-terminal, driven by keys, its
//! screen read back with a terminal emulator (vt100). Checks what an assessor would
//! notice (the score changes on screen, the note is saved, quitting loses nothing)
//! and what they would not (no escape sequence from the data reaches the terminal,
//! the terminal is restored, a signal or a vanished terminal ends the process).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use patuh::domain::scoring::{Rounded, score_product};
use patuh::domain::{Instrument, Value};
use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

fn nz(n: u16) -> std::num::NonZeroU16 {
    std::num::NonZeroU16::new(n).expect("not zero")
}

const BIN: &str = env!("CARGO_BIN_EXE_patuh");
const TIMEOUT: Duration = Duration::from_secs(10);

/// An agency whose name tries to set the window title and write the clipboard.
const EVIL: &str = r#"{
  "format": "patuh-assignment", "format_version": 1,
  "instrument": {"id": "kepatuhan-2021", "version": "1"},
  "title": "evil",
  "agencies": [{"code": "0001", "name": "Evil\u001b]0;PWNED\u0007\u001b]52;c;ZXZpbA==\u0007\u202egnp\u009b2J",
    "kind": "lembaga",
    "units": [{"code": "U", "name": "Unit", "products": [{"code": "P", "name": "Prod"}]}]}]
}"#;

/// A note that tries to clear the screen and set the title.
const EVIL_NOTE: &str = "dasar\x1b[2J\x1b]0;PWNED-NOTE\x07\u{9b}31m\u{202E}hukum";

/// A temporary home for one test: data, config and the database.
struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Sandbox {
        Sandbox {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn db(&self) -> PathBuf {
        self.dir.path().join("assessor.db")
    }

    /// The environment every child gets: nothing from the real user.
    fn env(&self) -> Vec<(String, String)> {
        let home = self.dir.path().display().to_string();
        vec![
            ("HOME".into(), home.clone()),
            ("XDG_DATA_HOME".into(), format!("{home}/data")),
            ("XDG_CONFIG_HOME".into(), format!("{home}/config")),
            ("XDG_CACHE_HOME".into(), format!("{home}/cache")),
            ("TERM".into(), "xterm-256color".into()),
            ("LANG".into(), "C.UTF-8".into()),
            ("USER".into(), "tester".into()),
            ("PATH".into(), "/usr/bin:/bin".into()),
        ]
    }

    /// Runs a patuh command to completion.
    fn patuh(&self, args: &[&str]) {
        let out = Command::new(BIN)
            .env_clear()
            .envs(self.env())
            .arg("--db")
            .arg(self.db())
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "patuh {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// A demo database with the evil agency and the evil note.
    fn prepare(&self) {
        self.patuh(&["init", "--demo", "--assessor", "Uji Pty"]);
        let evil = self.dir.path().join("evil.json");
        std::fs::write(&evil, EVIL).unwrap();
        self.patuh(&["assignment", "import", evil.to_str().unwrap()]);
        self.patuh(&[
            "record",
            "81/DPMPTSP/NIB",
            "dasar-hukum",
            "--note",
            EVIL_NOTE,
        ]);
    }

    fn spawn(&self) -> Session {
        Session::spawn(self, &["demo"])
    }
}

/// The workstation running in a pseudo-terminal.
struct Session {
    master: Option<Box<dyn MasterPty + Send>>,
    writer: Option<Box<dyn Write + Send>>,
    child: Box<dyn Child + Send + Sync>,
    parser: vt100::Parser,
    /// Every byte the program wrote to the terminal.
    raw: Vec<u8>,
}

impl Session {
    fn spawn(sandbox: &Sandbox, args: &[&str]) -> Session {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: 24,
                cols: 80,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(BIN);
        cmd.env_clear();
        for (k, v) in sandbox.env() {
            cmd.env(k, v);
        }
        cmd.cwd(sandbox.dir.path());
        cmd.arg("--db");
        cmd.arg(sandbox.db());
        cmd.args(args);
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        // Read the master in this thread (poll + read), not with a cloned reader on
        // another thread: a clone would keep the master open and the terminal could
        // never vanish.
        let writer = pair.master.take_writer().unwrap();
        Session {
            master: Some(pair.master),
            writer: Some(writer),
            child,
            parser: vt100::Parser::new(nz(24), nz(80), 0),
            raw: Vec::new(),
        }
    }

    /// Reads what the program wrote, waiting up to `wait` for the first bytes.
    fn pump(&mut self, wait: Duration) {
        let Some(fd) = self.master.as_ref().and_then(|m| m.as_raw_fd()) else {
            std::thread::sleep(wait);
            return;
        };
        let mut timeout = wait.as_millis() as i32;
        let mut buf = [0u8; 8192];
        loop {
            let mut p = libc::pollfd {
                fd,
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: one valid pollfd.
            let ready = unsafe { libc::poll(&mut p, 1, timeout) };
            if ready <= 0 || p.revents & libc::POLLIN == 0 {
                return;
            }
            // SAFETY: reading into a buffer we own, at most its length.
            let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
            if n <= 0 {
                return;
            }
            self.parser.process(&buf[..n as usize]);
            self.raw.extend_from_slice(&buf[..n as usize]);
            timeout = 0;
        }
    }

    fn screen(&self) -> String {
        self.parser.screen().contents()
    }

    /// Waits until the screen shows every one of `texts`.
    fn wait_for(&mut self, texts: &[&str]) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if texts.iter().all(|t| screen.contains(t)) {
                return screen;
            }
            if start.elapsed() > TIMEOUT {
                panic!("timed out waiting for {texts:?}; the screen:\n{screen}");
            }
            self.pump(Duration::from_millis(50));
        }
    }

    fn send(&mut self, keys: &str) {
        let w = self.writer.as_mut().expect("terminal open");
        w.write_all(keys.as_bytes()).unwrap();
        w.flush().unwrap();
    }

    /// Waits for the process to end; its exit status.
    fn wait_exit(&mut self) -> portable_pty::ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // Collect what it wrote last (the terminal restore).
                for _ in 0..5 {
                    self.pump(Duration::from_millis(20));
                }
                return status;
            }
            assert!(
                start.elapsed() < TIMEOUT,
                "patuh did not exit; the screen:\n{}",
                self.screen()
            );
            self.pump(Duration::from_millis(50));
        }
    }

    fn pid(&self) -> i32 {
        self.child.process_id().expect("pid") as i32
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
    }
}

fn query<T: rusqlite::types::FromSql>(db: &Path, sql: &str) -> T {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// The score of NIB with only its first indicator ticked, as the screen writes it.
fn expected_score_after_one_tick() -> String {
    let (_, text) = patuh::shipped::INSTRUMENTS[0];
    let instrument = Instrument::parse(text).unwrap();
    assert_eq!(instrument.id, "kepatuhan-2021");
    let mut values = vec![Value::Unanswered; instrument.indicators.len()];
    values[0] = Value::Level(1);
    let score = score_product(&instrument, &values).score.unwrap();
    Rounded::of(&score).to_string()
}

/// Bytes that must never reach the terminal from the data: OSC (title, clipboard),
/// BEL, C1 CSI, bidi overrides and isolates, zero-width characters.
fn assert_no_injection(raw: &[u8]) {
    let find = |needle: &[u8]| raw.windows(needle.len()).any(|w| w == needle);
    assert!(!find(b"\x1b]"), "an OSC sequence reached the terminal");
    assert!(!raw.contains(&0x07), "a BEL reached the terminal");
    let text = String::from_utf8_lossy(raw);
    for c in ['\u{9b}', '\u{202E}', '\u{2066}', '\u{200B}'] {
        assert!(!text.contains(c), "{c:?} reached the terminal");
    }
    assert!(
        !find(b"\x1b[2J\x1b]0"),
        "the note's clear-screen reached the terminal"
    );
}

#[test]
fn assessor_ticks_an_indicator_writes_a_note_and_quits() {
    let sandbox = Sandbox::new();
    sandbox.prepare();
    let mut s = sandbox.spawn();
    s.wait_for(&[
        "Agencies (8)",
        "81 Pemerintah Provinsi M",
        "0001 Evil",
        "PWNED",
    ]);
    // The evil name reached the terminal with its escapes replaced by U+FFFD.
    let written = String::from_utf8_lossy(&s.raw).into_owned();
    assert!(
        written.contains("Evil\u{FFFD}]0;PWNED\u{FFFD}\u{FFFD}]52;"),
        "{written:?}"
    );

    // Agency -> units -> products -> checklist of 81/DPMPTSP/NIB.
    s.send("\r");
    s.wait_for(&["Service units", "DPMPTSP"]);
    s.send("\r");
    s.wait_for(&["Service products", "NIB"]);
    s.send("\r");
    s.wait_for(&[
        "Checklist NIB",
        "Service standard formally adopted",
        "0.00 merah 0/36",
    ]);

    // Tick: saved, and the product's score on screen changes in the same frame.
    s.send(" ");
    let score = expected_score_after_one_tick();
    let screen = s.wait_for(&[
        "Saved: NIB · sk-standar = ✓",
        &format!("{score} merah 1/36"),
    ]);
    assert!(!screen.contains("0.00 merah 0/36"), "{screen}");

    // The next indicator carries the evil note: shown, neutralised.
    s.send("j");
    s.wait_for(&["dasar-hukum", "Note: dasar", "PWNED-NOTE"]);
    let written = String::from_utf8_lossy(&s.raw).into_owned();
    assert!(
        written.contains("dasar\u{FFFD}[2J\u{FFFD}]0;PWNED-NOTE\u{FFFD}\u{FFFD}31m\u{FFFD}hukum"),
        "{written:?}"
    );

    // A note on the ticked indicator, with emoji and an accent.
    s.send("k");
    s.wait_for(&["sk-standar = ✓"]);
    s.send("n");
    s.wait_for(&["Ctrl-S save · Esc cancel"]);
    s.send("Loket rapi 🙂 é");
    s.wait_for(&["Loket rapi 🙂 é"]);
    s.send("\x13"); // Ctrl-S
    s.wait_for(&["Saved: note of NIB · sk-standar", "Note: Loket rapi 🙂 é"]);

    s.send("q");
    let status = s.wait_exit();
    assert!(status.success(), "exit status {status:?}");
    assert_no_injection(&s.raw);
    // The terminal was restored: alternate screen left and cursor shown at the end.
    let tail = String::from_utf8_lossy(&s.raw[s.raw.len().saturating_sub(200)..]).into_owned();
    assert!(
        tail.contains("\x1b[?1049l"),
        "alternate screen not left: {tail:?}"
    );
    assert!(tail.contains("\x1b[?25h"), "cursor not shown: {tail:?}");

    // The database holds the observation, the note and their audit rows.
    let db = sandbox.db();
    let nib = "(SELECT p.id FROM product p JOIN unit u ON u.id = p.unit_id JOIN agency a ON a.id = u.agency_id
                WHERE a.code = '81' AND u.code = 'DPMPTSP' AND p.code = 'NIB')";
    let value: i64 = query(
        &db,
        &format!(
            "SELECT value FROM observation WHERE product_id = {nib} AND indicator = 'sk-standar'"
        ),
    );
    assert_eq!(value, 1);
    let note: String = query(
        &db,
        &format!(
            "SELECT note FROM observation WHERE product_id = {nib} AND indicator = 'sk-standar'"
        ),
    );
    assert_eq!(note, "Loket rapi 🙂 é");
    let rows: String = query(
        &db,
        "SELECT group_concat(action || ':' || coalesce(old, '') || '>' || coalesce(new, ''), '|')
         FROM (SELECT * FROM audit WHERE product = '81/DPMPTSP/NIB' AND indicator = 'sk-standar' ORDER BY seq)",
    );
    assert_eq!(rows, "value:>1|note:>Loket rapi 🙂 é");
    let who: String = query(&db, "SELECT who FROM audit ORDER BY seq DESC LIMIT 1");
    assert_eq!(who, "Uji Pty");
    // The hash chain is intact, and the next start resumes on this indicator.
    sandbox.patuh(&["check"]);
    let last: String = query(&db, "SELECT value FROM meta WHERE key = 'ui.last_product'");
    assert_eq!(last, "81/DPMPTSP/NIB");
    let mut again = sandbox.spawn();
    again.wait_for(&[
        "Checklist NIB",
        "Resuming at 81/DPMPTSP/NIB",
        "sk-standar = ✓",
    ]);
    again.send("q");
    assert!(again.wait_exit().success());
}

#[test]
fn sigterm_restores_the_terminal_with_the_last_change_committed() {
    let sandbox = Sandbox::new();
    sandbox.patuh(&["init", "--demo"]);
    let mut s = sandbox.spawn();
    s.wait_for(&["Agencies (7)"]);
    s.send("\r");
    s.wait_for(&["Service units"]);
    s.send("\r");
    s.wait_for(&["Service products"]);
    s.send("\r");
    s.wait_for(&["Checklist NIB"]);
    s.send("1");
    s.wait_for(&["Saved: NIB · sk-standar = ✓"]);
    // SAFETY: sending a signal to our own child.
    assert_eq!(unsafe { libc::kill(s.pid(), libc::SIGTERM) }, 0);
    s.wait_exit();
    let tail = String::from_utf8_lossy(&s.raw[s.raw.len().saturating_sub(200)..]).into_owned();
    assert!(
        tail.contains("\x1b[?1049l"),
        "alternate screen not left: {tail:?}"
    );
    let n: i64 = query(
        &sandbox.db(),
        "SELECT count(*) FROM observation WHERE value = 1",
    );
    assert_eq!(n, 1);
}

#[test]
fn a_vanished_terminal_ends_the_process() {
    let sandbox = Sandbox::new();
    sandbox.patuh(&["init", "--demo"]);
    let mut s = sandbox.spawn();
    s.wait_for(&["Agencies (7)"]);
    // The ssh connection drops: the terminal's master side closes.
    s.writer = None;
    s.master = None;
    let start = Instant::now();
    loop {
        if s.child.try_wait().unwrap().is_some() {
            break;
        }
        assert!(
            start.elapsed() < TIMEOUT,
            "patuh is still running after its terminal vanished"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_terminal_smaller_than_80x24_gets_a_clear_message() {
    let sandbox = Sandbox::new();
    sandbox.patuh(&["init", "--demo"]);
    let mut s = sandbox.spawn();
    s.wait_for(&["Agencies (7)"]);
    s.master
        .as_ref()
        .unwrap()
        .resize(PtySize {
            rows: 20,
            cols: 60,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    s.parser.set_size(nz(20), nz(60));
    s.wait_for(&["The terminal is too small", "It is 60×20"]);
    s.master
        .as_ref()
        .unwrap()
        .resize(PtySize {
            rows: 24,
            cols: 80,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    s.parser.set_size(nz(24), nz(80));
    s.wait_for(&["Agencies (7)"]);
    s.send("q");
    assert!(s.wait_exit().success());
}
