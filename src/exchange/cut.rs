//! Cutting a JSON stream into its values, for the streaming verify and merge
//! (src/exchange/verify2.rs): each agency and each audit row of a format-2 payload is cut
//! out of the expanded stream as bytes (a splitter tracking only strings, escapes and
//! nesting) and parsed with `serde_json::from_slice`, which is several times faster than
//! serde_json reading from an `io::Read` byte by byte (a fifth of verify's and the
//! merge's time by `perf`).
//!
//! The cutter decides nothing about the JSON's validity: a well-formed value is cut
//! exactly where it ends, so a cut `from_slice` accepts is the value a streaming parser
//! would have read there, and anything else (a cut `from_slice` refuses, input ending
//! early, nesting deeper than [`MAX_DEPTH`], an I/O error) ends the reading with `None`.
//! The streaming verification then gives way to the whole one, which says why.

use std::io::BufRead;

/// Deeper than this the cutter gives up (serde_json's own limit is 128 levels from the
/// payload's top; a cut value starts two levels down, and patuh writes at most ten).
pub(crate) const MAX_DEPTH: usize = 100;

/// A buffered JSON stream, cut value by value.
pub(crate) struct Cutter<R> {
    r: R,
    /// The last value cut.
    out: Vec<u8>,
    /// An I/O error happened (past the frame's declared size, or damaged).
    failed: bool,
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\t' | b'\r')
}

/// The reader's buffered bytes, None at the end or on an error (then `failed`).
fn fill<'r, R: BufRead>(r: &'r mut R, failed: &mut bool) -> Option<&'r [u8]> {
    match r.fill_buf() {
        Ok([]) => None,
        Ok(b) => Some(b),
        Err(_) => {
            *failed = true;
            None
        }
    }
}

impl<R: BufRead> Cutter<R> {
    pub(crate) fn new(r: R) -> Cutter<R> {
        Cutter {
            r,
            out: Vec::with_capacity(1 << 16),
            failed: false,
        }
    }

    /// The next byte past whitespace, not taken; None at the end or on an error.
    pub(crate) fn peek(&mut self) -> Option<u8> {
        loop {
            let buf = fill(&mut self.r, &mut self.failed)?;
            match buf.iter().position(|&b| !is_ws(b)) {
                Some(i) => {
                    let b = buf[i];
                    self.r.consume(i);
                    return Some(b);
                }
                None => {
                    let n = buf.len();
                    self.r.consume(n);
                }
            }
        }
    }

    /// Takes `b` (after whitespace), or None.
    pub(crate) fn eat(&mut self, b: u8) -> Option<()> {
        if self.peek()? != b {
            return None;
        }
        self.r.consume(1);
        Some(())
    }

    /// Whether only whitespace is left, read to its end without an error.
    pub(crate) fn at_end(&mut self) -> bool {
        self.peek().is_none() && !self.failed
    }

    /// Cuts the next value (after whitespace) and gives its bytes.
    pub(crate) fn value(&mut self) -> Option<&[u8]> {
        self.out.clear();
        self.cut(true)?;
        Some(&self.out)
    }

    /// Passes over the next value without keeping it.
    pub(crate) fn skip(&mut self) -> Option<()> {
        self.cut(false)
    }

    /// Each value of the array that comes next, to `f`; None when the array is not
    /// one or `f` refuses an element.
    pub(crate) fn each(&mut self, f: &mut dyn FnMut(&[u8]) -> Option<()>) -> Option<()> {
        self.eat(b'[')?;
        if self.peek()? == b']' {
            self.r.consume(1);
            return Some(());
        }
        loop {
            self.out.clear();
            self.cut(true)?;
            f(&self.out)?;
            match self.peek()? {
                b',' => self.r.consume(1),
                b']' => {
                    self.r.consume(1);
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    fn cut(&mut self, keep: bool) -> Option<()> {
        match self.peek()? {
            b'"' | b'{' | b'[' => self.nested(keep),
            _ => self.scalar(keep),
        }
    }

    /// A number, `true`, `false` or `null`: up to the next delimiter (the parser of
    /// the cut says whether it is one).
    fn scalar(&mut self, keep: bool) -> Option<()> {
        let mut len = 0usize;
        loop {
            let Some(buf) = fill(&mut self.r, &mut self.failed) else {
                // The input ends the scalar (a truncated payload is refused later).
                return (len > 0 && !self.failed).then_some(());
            };
            let end = buf
                .iter()
                .position(|&b| matches!(b, b',' | b'}' | b']' | b':') || is_ws(b));
            let i = end.unwrap_or(buf.len());
            if keep {
                self.out.extend_from_slice(&buf[..i]);
            }
            self.r.consume(i);
            len += i;
            if end.is_some() {
                return (len > 0).then_some(());
            }
        }
    }

    /// A string, object or array: up to where its nesting closes, outside strings.
    fn nested(&mut self, keep: bool) -> Option<()> {
        let mut depth = 0usize;
        let mut in_str = false;
        let mut esc = false;
        loop {
            let buf = fill(&mut self.r, &mut self.failed)?;
            let mut i = 0;
            let mut done = false;
            while i < buf.len() {
                if esc {
                    esc = false;
                    i += 1;
                } else if in_str {
                    match memchr::memchr2(b'"', b'\\', &buf[i..]) {
                        None => i = buf.len(),
                        Some(j) => {
                            i += j;
                            if buf[i] == b'\\' {
                                esc = true;
                            } else {
                                in_str = false;
                                if depth == 0 {
                                    i += 1;
                                    done = true;
                                    break;
                                }
                            }
                            i += 1;
                        }
                    }
                } else {
                    match buf[i] {
                        b'"' => in_str = true,
                        b'{' | b'[' => {
                            depth += 1;
                            if depth > MAX_DEPTH {
                                return None;
                            }
                        }
                        b'}' | b']' => {
                            depth = depth.saturating_sub(1);
                            if depth == 0 {
                                i += 1;
                                done = true;
                                break;
                            }
                        }
                        _ => {}
                    }
                    i += 1;
                }
            }
            if keep {
                self.out.extend_from_slice(&buf[..i]);
            }
            self.r.consume(i);
            if done {
                return Some(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(json: &str) -> Vec<String> {
        let mut c = Cutter::new(std::io::BufReader::with_capacity(3, json.as_bytes()));
        let mut got = Vec::new();
        c.each(&mut |v| {
            got.push(String::from_utf8(v.to_vec()).ok()?);
            Some(())
        })
        .map(|()| got)
        .unwrap_or_else(|| vec!["refused".into()])
    }

    #[test]
    fn cuts_each_element_where_it_ends_across_buffers() {
        assert_eq!(
            values(r#" [ {"a":"x\"}]\\","b":[1,{"c":null}]} , "s\\" ,12.5e3,true,[] ] "#),
            vec![
                r#"{"a":"x\"}]\\","b":[1,{"c":null}]}"#,
                r#""s\\""#,
                "12.5e3",
                "true",
                "[]"
            ]
        );
        assert_eq!(values("[]"), Vec::<String>::new());
    }

    #[test]
    fn refuses_what_is_not_an_array_of_values() {
        for bad in ["[1,]", "[1 2]", "[{\"a\":1}", "[\"open", "{}", "[,1]", ""] {
            assert_eq!(values(bad), vec!["refused".to_string()], "{bad}");
        }
        let deep = format!(
            "[{}{}]",
            "[".repeat(MAX_DEPTH + 1),
            "]".repeat(MAX_DEPTH + 1)
        );
        assert_eq!(values(&deep), vec!["refused".to_string()]);
    }
}
