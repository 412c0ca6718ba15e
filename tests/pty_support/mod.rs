//! The real `patuh` binary in a pseudo-terminal, for the end-to-end tests of the
//! workstation: a sandbox (its own HOME, data and config dirs, database), a session
//! driven by keys whose screen is read back with a terminal emulator (vt100) while
//! every raw byte the program wrote is kept, and checks on those bytes and on the
//! process (signals, CPU time, the terminal's mode).
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

pub const BIN: &str = env!("CARGO_BIN_EXE_patuh");
pub const TIMEOUT: Duration = Duration::from_secs(10);

pub fn nz(n: u16) -> std::num::NonZeroU16 {
    std::num::NonZeroU16::new(n.max(1)).expect("not zero")
}

/// A temporary home for one test: data, config and the database.
pub struct Sandbox {
    pub dir: tempfile::TempDir,
}

impl Default for Sandbox {
    fn default() -> Self {
        Self::new()
    }
}

impl Sandbox {
    pub fn new() -> Sandbox {
        Sandbox {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn db(&self) -> PathBuf {
        self.dir.path().join("assessor.db")
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The environment every child gets: nothing from the real user.
    pub fn env(&self) -> Vec<(String, String)> {
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

    /// Runs a patuh command to completion: its output.
    pub fn run(&self, args: &[&str]) -> std::process::Output {
        Command::new(BIN)
            .env_clear()
            .envs(self.env())
            .arg("--db")
            .arg(self.db())
            .args(args)
            .output()
            .unwrap()
    }

    /// Runs a patuh command that must succeed; its standard output.
    pub fn patuh(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "patuh {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs a patuh command that must fail with exit 1; its standard error.
    pub fn patuh_fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(1), "patuh {args:?}: {err}");
        err
    }

    /// The workstation on this sandbox's database, 80x24.
    pub fn workstation(&self) -> Session {
        Session::spawn(self, &[], 24, 80)
    }
}

/// The workstation running in a pseudo-terminal.
pub struct Session {
    pub master: Option<Box<dyn MasterPty + Send>>,
    pub writer: Option<Box<dyn Write + Send>>,
    pub child: Box<dyn Child + Send + Sync>,
    pub parser: vt100::Parser,
    /// Every byte the program wrote to the terminal.
    pub raw: Vec<u8>,
    /// Bytes read but not yet given to the emulator (an incomplete UTF-8 character).
    pending: Vec<u8>,
}

impl Session {
    pub fn spawn(sandbox: &Sandbox, args: &[&str], rows: u16, cols: u16) -> Session {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
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
            parser: vt100::Parser::new(nz(rows), nz(cols), 0),
            raw: Vec::new(),
            pending: Vec::new(),
        }
    }

    fn master_fd(&self) -> Option<i32> {
        self.master.as_ref().and_then(|m| m.as_raw_fd())
    }

    /// Reads what the program wrote, waiting up to `wait` for the first bytes.
    /// Returns whether anything was read.
    pub fn pump(&mut self, wait: Duration) -> bool {
        let Some(fd) = self.master_fd() else {
            std::thread::sleep(wait);
            return false;
        };
        let mut timeout = wait.as_millis() as i32;
        let mut buf = [0u8; 8192];
        let mut any = false;
        loop {
            let mut p = libc::pollfd {
                fd,
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: one valid pollfd.
            let ready = unsafe { libc::poll(&mut p, 1, timeout) };
            if ready <= 0 || p.revents & libc::POLLIN == 0 {
                return any;
            }
            // SAFETY: reading into a buffer we own, at most its length.
            let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
            if n <= 0 {
                return any;
            }
            self.raw.extend_from_slice(&buf[..n as usize]);
            self.feed(&buf[..n as usize]);
            any = true;
            timeout = 0;
        }
    }

    /// Gives bytes to the emulator. vt100 draws U+FFFD (what patuh writes in place of
    /// every character that could drive the terminal) as nothing, where a real terminal
    /// draws one cell: the rest of the row would shift and the screen would not be what
    /// a user sees. So the emulator gets U+00A4 (¤), one cell wide, instead.
    fn feed(&mut self, bytes: &[u8]) {
        self.pending.extend_from_slice(bytes);
        // Keep back an incomplete character at the end.
        let mut end = self.pending.len();
        for back in 1..=3.min(end) {
            let b = self.pending[end - back];
            if b & 0xC0 == 0x80 {
                continue; // continuation byte
            }
            let len = match b {
                0xC0..=0xDF => 2,
                0xE0..=0xEF => 3,
                0xF0..=0xF7 => 4,
                _ => 1,
            };
            if back < len {
                end -= back;
            }
            break;
        }
        let ready: Vec<u8> = self.pending.drain(..end).collect();
        let mut out = Vec::with_capacity(ready.len());
        let mut i = 0;
        while i < ready.len() {
            if ready[i..].starts_with("\u{FFFD}".as_bytes()) {
                out.extend_from_slice("¤".as_bytes());
                i += 3;
            } else {
                out.push(ready[i]);
                i += 1;
            }
        }
        self.parser.process(&out);
    }

    pub fn screen(&self) -> String {
        self.parser.screen().contents()
    }

    /// The last row of the screen: the status bar.
    pub fn status_row(&self) -> String {
        let (rows, cols) = self.parser.screen().size();
        self.parser
            .screen()
            .rows(0, cols.get())
            .nth(usize::from(rows.get()) - 1)
            .unwrap_or_default()
    }

    /// Waits until the screen shows every one of `texts`, or `deadline` passes.
    pub fn wait_until(&mut self, texts: &[&str], deadline: Instant) -> Option<String> {
        loop {
            let screen = self.screen();
            if texts.iter().all(|t| screen.contains(t)) {
                return Some(screen);
            }
            let now = Instant::now();
            if now >= deadline {
                return None;
            }
            self.pump((deadline - now).min(Duration::from_millis(50)));
        }
    }

    /// Waits until the screen shows every one of `texts`.
    pub fn wait_for(&mut self, texts: &[&str]) -> String {
        match self.wait_until(texts, Instant::now() + TIMEOUT) {
            Some(s) => s,
            None => panic!(
                "timed out waiting for {texts:?}; the screen:\n{}",
                self.screen()
            ),
        }
    }

    /// Waits until the screen no longer shows `text`.
    pub fn wait_gone(&mut self, text: &str) {
        let start = Instant::now();
        while self.screen().contains(text) {
            assert!(
                start.elapsed() < TIMEOUT,
                "timed out waiting for {text:?} to go; the screen:\n{}",
                self.screen()
            );
            self.pump(Duration::from_millis(50));
        }
    }

    pub fn send(&mut self, keys: &str) {
        let w = self.writer.as_mut().expect("terminal open");
        w.write_all(keys.as_bytes()).unwrap();
        w.flush().unwrap();
    }

    /// Resizes the terminal (the program gets SIGWINCH) and the emulator with it.
    pub fn resize(&mut self, rows: u16, cols: u16) {
        self.master
            .as_ref()
            .expect("terminal open")
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        self.parser.screen_mut().set_size(nz(rows), nz(cols));
    }

    /// The ssh connection drops: the master side of the terminal closes.
    pub fn close_terminal(&mut self) {
        self.writer = None;
        self.master = None;
    }

    /// Waits for the process to end; its exit status and how long it took.
    pub fn wait_exit_within(
        &mut self,
        limit: Duration,
    ) -> (Option<portable_pty::ExitStatus>, Duration) {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                let took = start.elapsed();
                // Collect what it wrote last (the terminal restore).
                for _ in 0..5 {
                    self.pump(Duration::from_millis(20));
                }
                return (Some(status), took);
            }
            if start.elapsed() > limit {
                return (None, start.elapsed());
            }
            self.pump(Duration::from_millis(5));
        }
    }

    /// Waits for the process to end; its exit status.
    pub fn wait_exit(&mut self) -> portable_pty::ExitStatus {
        match self.wait_exit_within(TIMEOUT) {
            (Some(status), _) => status,
            (None, _) => panic!("patuh did not exit; the screen:\n{}", self.screen()),
        }
    }

    pub fn pid(&self) -> i32 {
        self.child.process_id().expect("pid") as i32
    }

    pub fn signal(&self, sig: i32) {
        // SAFETY: sending a signal to our own child.
        assert_eq!(unsafe { libc::kill(self.pid(), sig) }, 0);
    }

    /// Whether the terminal is in the mode a shell expects (canonical input, echo),
    /// read from the master side (it shares the terminal's settings).
    pub fn terminal_is_cooked(&self) -> bool {
        let fd = self.master_fd().expect("terminal open");
        // SAFETY: tcgetattr fills the termios we own.
        let mut t: libc::termios = unsafe { std::mem::zeroed() };
        assert_eq!(unsafe { libc::tcgetattr(fd, &mut t) }, 0);
        t.c_lflag & libc::ICANON != 0 && t.c_lflag & libc::ECHO != 0
    }

    /// The last `n` bytes written, as text.
    pub fn tail(&self, n: usize) -> String {
        String::from_utf8_lossy(&self.raw[self.raw.len().saturating_sub(n)..]).into_owned()
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// CPU time (user + system, in clock ticks) a process has used so far.
pub fn cpu_ticks(pid: i32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("proc stat");
    // The command name (field 2) may hold spaces: count fields after its ')'.
    let rest = &stat[stat.rfind(')').expect("comm") + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // Fields 14 and 15 (utime, stime) are the 12th and 13th after the name.
    f[11].parse::<u64>().unwrap() + f[12].parse::<u64>().unwrap()
}

/// CPU time (clock ticks) of the process's thread named `name`, if it is running.
pub fn thread_cpu_ticks(pid: i32, name: &str) -> Option<u64> {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).ok()?;
    for task in tasks.flatten() {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if comm.trim_end() != name {
            continue;
        }
        let stat = std::fs::read_to_string(task.path().join("stat")).ok()?;
        let rest = &stat[stat.rfind(')')? + 2..];
        let f: Vec<&str> = rest.split_whitespace().collect();
        return Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?);
    }
    None
}

/// Clock ticks per second.
pub fn ticks_per_second() -> u64 {
    // SAFETY: sysconf has no preconditions.
    (unsafe { libc::sysconf(libc::_SC_CLK_TCK) }).max(1) as u64
}

pub fn query<T: rusqlite::types::FromSql>(db: &Path, sql: &str) -> T {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// The bytes of everything a program wrote to a terminal, checked as a terminal would
/// read them: valid UTF-8; no control character but CR, LF and ESC; every ESC starts a
/// CSI sequence (`ESC [` parameters, intermediates, final byte) and nothing else, so
/// no OSC (title, hyperlink, clipboard), DCS, APC, PM or SOS string, no single-shift
/// and no 7-bit C1; no 8-bit C1 control (U+0080..U+009F), no bidi control and no
/// zero-width character. Returns the CSI sequences found, for further checks.
pub fn assert_terminal_safe(raw: &[u8]) -> Vec<String> {
    let text = match std::str::from_utf8(raw) {
        Ok(t) => t,
        Err(e) => panic!(
            "not UTF-8 at byte {}: {:?}",
            e.valid_up_to(),
            String::from_utf8_lossy(&raw[e.valid_up_to().saturating_sub(40)..])
        ),
    };
    let context = |i: usize| {
        let mut start = i.saturating_sub(60);
        while !text.is_char_boundary(start) {
            start -= 1;
        }
        let mut end = (i + 60).min(text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        format!("{:?}", &text[start..end])
    };
    let bytes = text.as_bytes();
    let mut csi = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == 0x1b {
            assert!(
                bytes.get(i + 1) == Some(&b'['),
                "an escape sequence other than CSI at byte {i}: {}",
                context(i)
            );
            let mut j = i + 2;
            while j < bytes.len() && (0x30..=0x3f).contains(&bytes[j]) {
                j += 1;
            }
            while j < bytes.len() && (0x20..=0x2f).contains(&bytes[j]) {
                j += 1;
            }
            assert!(
                j < bytes.len() && (0x40..=0x7e).contains(&bytes[j]),
                "a malformed CSI sequence at byte {i}: {}",
                context(i)
            );
            csi.push(text[i..=j].to_string());
            i = j + 1;
            continue;
        }
        assert!(
            b >= 0x20 && b != 0x7f || b == b'\r' || b == b'\n',
            "control byte {b:#04x} at byte {i}: {}",
            context(i)
        );
        i += 1;
    }
    for (at, c) in text.char_indices() {
        let bad = ('\u{80}'..='\u{9f}').contains(&c)
            || matches!(c,
                '\u{061C}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{2069}' | '\u{FEFF}' | '\u{2028}' | '\u{2029}');
        assert!(
            !bad,
            "{c:?} reached the terminal at byte {at}: {}",
            context(at)
        );
    }
    csi
}
