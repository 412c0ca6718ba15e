//! A small text editor state for notes (multi-line) and one-line prompts: lines of
//! text with a cursor that moves by grapheme cluster, so Indonesian text, emoji and
//! wide characters edit as a person sees them. Pure state, no terminal: the note
//! editor screen draws it, tests drive it directly.

use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

use crate::domain::text::is_unsafe_char;

/// Editable text and a cursor; `col` is a byte offset at a grapheme boundary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextArea {
    lines: Vec<String>,
    row: usize,
    col: usize,
    multiline: bool,
    modified: bool,
}

/// Text as it may be typed or stored: line breaks normalised to `\n` (a terminal
/// pastes a line break as a carriage return), tabs to spaces, every other character
/// that could drive the terminal replaced (see [`is_unsafe_char`]).
fn clean(text: &str, multiline: bool) -> String {
    text.replace("\r\n", "\n")
        .replace('\r', "\n")
        .chars()
        .map(|c| match c {
            '\n' if multiline => '\n',
            '\n' | '\r' | '\t' => ' ',
            c if is_unsafe_char(c) => '\u{FFFD}',
            c => c,
        })
        .collect()
}

impl TextArea {
    /// An editor holding `text`, the cursor at its end.
    pub fn new(text: &str, multiline: bool) -> TextArea {
        let cleaned = clean(text, multiline);
        let lines: Vec<String> = cleaned.split('\n').map(str::to_string).collect();
        let row = lines.len() - 1;
        let col = lines[row].len();
        TextArea {
            lines,
            row,
            col,
            multiline,
            modified: false,
        }
    }

    pub fn text(&self) -> String {
        self.lines.join("\n")
    }

    pub fn lines(&self) -> &[String] {
        &self.lines
    }

    /// Whether anything was typed or deleted since the editor opened.
    pub fn modified(&self) -> bool {
        self.modified
    }

    /// (line, byte offset) of the cursor.
    pub fn cursor(&self) -> (usize, usize) {
        (self.row, self.col)
    }

    /// The display column of the cursor on its line.
    pub fn cursor_width(&self) -> usize {
        self.lines[self.row][..self.col].width()
    }

    pub fn insert_char(&mut self, c: char) {
        if c == '\n' || c == '\r' {
            self.newline();
            return;
        }
        let s = clean(&c.to_string(), false);
        self.lines[self.row].insert_str(self.col, &s);
        self.col += s.len();
        self.modified = true;
    }

    /// Inserts pasted text (several lines in a note, one line in a prompt).
    pub fn insert_str(&mut self, text: &str) {
        let cleaned = clean(text, self.multiline);
        let mut parts = cleaned.split('\n');
        if let Some(first) = parts.next() {
            self.lines[self.row].insert_str(self.col, first);
            self.col += first.len();
        }
        for part in parts {
            self.newline();
            self.lines[self.row].insert_str(0, part);
            self.col = part.len();
        }
        self.modified = true;
    }

    pub fn newline(&mut self) {
        if !self.multiline {
            return;
        }
        let rest = self.lines[self.row].split_off(self.col);
        self.lines.insert(self.row + 1, rest);
        self.row += 1;
        self.col = 0;
        self.modified = true;
    }

    fn prev_boundary(&self) -> Option<usize> {
        self.lines[self.row][..self.col]
            .grapheme_indices(true)
            .next_back()
            .map(|(i, _)| i)
    }

    fn next_boundary(&self) -> Option<usize> {
        let line = &self.lines[self.row];
        line[self.col..]
            .graphemes(true)
            .next()
            .map(|g| self.col + g.len())
    }

    pub fn backspace(&mut self) {
        if let Some(prev) = self.prev_boundary() {
            self.lines[self.row].replace_range(prev..self.col, "");
            self.col = prev;
            self.modified = true;
        } else if self.row > 0 {
            let line = self.lines.remove(self.row);
            self.row -= 1;
            self.col = self.lines[self.row].len();
            self.lines[self.row].push_str(&line);
            self.modified = true;
        }
    }

    pub fn delete(&mut self) {
        if let Some(next) = self.next_boundary() {
            self.lines[self.row].replace_range(self.col..next, "");
            self.modified = true;
        } else if self.row + 1 < self.lines.len() {
            let next = self.lines.remove(self.row + 1);
            self.lines[self.row].push_str(&next);
            self.modified = true;
        }
    }

    pub fn left(&mut self) {
        if let Some(prev) = self.prev_boundary() {
            self.col = prev;
        } else if self.row > 0 {
            self.row -= 1;
            self.col = self.lines[self.row].len();
        }
    }

    pub fn right(&mut self) {
        if let Some(next) = self.next_boundary() {
            self.col = next;
        } else if self.row + 1 < self.lines.len() {
            self.row += 1;
            self.col = 0;
        }
    }

    pub fn home(&mut self) {
        self.col = 0;
    }

    pub fn end(&mut self) {
        self.col = self.lines[self.row].len();
    }

    /// The byte offset on `row` closest to display column `width`.
    fn offset_at_width(&self, row: usize, width: usize) -> usize {
        let mut w = 0;
        for (i, g) in self.lines[row].grapheme_indices(true) {
            let gw = g.width();
            if w + gw > width {
                return i;
            }
            w += gw;
        }
        self.lines[row].len()
    }

    pub fn up(&mut self) {
        if self.row > 0 {
            let w = self.cursor_width();
            self.row -= 1;
            self.col = self.offset_at_width(self.row, w);
        } else {
            self.col = 0;
        }
    }

    pub fn down(&mut self) {
        if self.row + 1 < self.lines.len() {
            let w = self.cursor_width();
            self.row += 1;
            self.col = self.offset_at_width(self.row, w);
        } else {
            self.end();
        }
    }

    /// The text laid out in rows of at most `width` columns (wrapping long lines
    /// between words, a word longer than a row between grapheme clusters: see
    /// [`crate::tui::wrap`]), with the cursor's (row, column) in that layout.
    pub fn layout(&self, width: usize) -> (Vec<String>, (usize, usize)) {
        let width = width.max(2);
        let mut rows = Vec::new();
        let mut cursor = (0, 0);
        for (r, line) in self.lines.iter().enumerate() {
            let starts = crate::tui::wrap::breaks(line, width);
            let first = rows.len();
            for (n, &s) in starts.iter().enumerate() {
                let end = starts.get(n + 1).copied().unwrap_or(line.len());
                rows.push(line[s..end].to_string());
            }
            if r == self.row {
                // The row the cursor's byte offset falls in (at a row's start: that row).
                let n = starts.iter().rposition(|&s| s <= self.col).unwrap_or(0);
                let w = line[starts[n]..self.col].width();
                cursor = (first + n, w);
                // At the end of a full row: the cursor goes on to a new one.
                if self.col == line.len() && w >= width {
                    rows.push(String::new());
                    cursor = (first + n + 1, 0);
                }
            }
        }
        (rows, cursor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_by_grapheme_with_wide_characters_and_emoji() {
        let mut t = TextArea::new("", true);
        for c in "Loket 🙂 é".chars() {
            t.insert_char(c);
        }
        assert!(t.modified());
        assert_eq!(t.text(), "Loket 🙂 é");
        t.left(); // before é
        t.left(); // before the space
        t.left(); // before the emoji
        assert_eq!(t.cursor_width(), 6);
        t.delete();
        assert_eq!(t.text(), "Loket  é");
        t.insert_str("🇮🇩");
        assert_eq!(t.text(), "Loket 🇮🇩 é");
        t.backspace(); // the flag is two code points but one grapheme
        assert_eq!(t.text(), "Loket  é");
    }

    #[test]
    fn lines_split_join_and_move_by_display_column() {
        let mut t = TextArea::new("ab\r\n漢字xyz", true);
        assert_eq!(t.lines(), ["ab", "漢字xyz"]);
        assert_eq!(t.cursor(), (1, "漢字xyz".len()));
        t.up();
        assert_eq!(t.cursor(), (0, 2));
        t.end();
        t.newline();
        t.insert_str("mid");
        assert_eq!(t.text(), "ab\nmid\n漢字xyz");
        t.home();
        t.backspace(); // joins with the previous line
        assert_eq!(t.text(), "abmid\n漢字xyz");
        assert_eq!(t.cursor(), (0, 2));
        t.down(); // column 2 = after 漢
        assert_eq!(t.cursor(), (1, "漢".len()));
    }

    #[test]
    fn control_and_bidi_characters_never_enter_the_text() {
        let mut t = TextArea::new("a\x1b]0;x\x07b\u{202E}c", false);
        t.insert_char('\u{9b}');
        t.insert_str("d\ne\tf");
        let text = t.text();
        assert!(!text.chars().any(is_unsafe_char), "{text:?}");
        assert_eq!(text, "a\u{FFFD}]0;x\u{FFFD}b\u{FFFD}c\u{FFFD}d e f");
        // A one-line prompt ignores Enter as a newline.
        t.newline();
        assert_eq!(t.lines().len(), 1);
    }

    #[test]
    fn layout_wraps_and_places_the_cursor() {
        let t = TextArea::new("abcdef\n🙂🙂🙂", true);
        let (rows, cursor) = t.layout(4);
        assert_eq!(rows, ["abcd", "ef", "🙂🙂", "🙂"]);
        assert_eq!(cursor, (3, 2));
        let full = TextArea::new("abcd", true);
        assert_eq!(full.layout(4), (vec!["abcd".into(), String::new()], (1, 0)));
    }
}
