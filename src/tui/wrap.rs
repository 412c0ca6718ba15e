//! Word wrapping by display width, shared by the note editor (which must know where
//! each row starts to place the cursor) and the status bar (whose height follows its
//! message): a row ends after the last space that fits, and a word longer than a row
//! is broken between grapheme clusters.

use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

/// The byte offsets where the rows of `line` start (the first is 0), for rows of at
/// most `width` columns.
pub fn breaks(line: &str, width: usize) -> Vec<usize> {
    let width = width.max(1);
    let mut starts = vec![0];
    let mut row_start = 0;
    let mut w = 0;
    // Where the row may end: after a space, with the width of the row up to there.
    let mut opportunity: Option<usize> = None;
    for (i, g) in line.grapheme_indices(true) {
        let gw = g.width();
        let space = g.chars().all(char::is_whitespace);
        if w + gw > width && w > 0 && space {
            // A space that does not fit ends the row; the next starts after it.
            row_start = i + g.len();
            starts.push(row_start);
            w = 0;
            opportunity = None;
            continue;
        }
        if w + gw > width && w > 0 {
            // A word too long for a row of its own is broken where it is, not moved.
            let fits = |o: usize| {
                let end = line[o..]
                    .find(char::is_whitespace)
                    .map_or(line.len(), |k| o + k);
                line[o..end].width() <= width
            };
            match opportunity.filter(|&o| o > row_start && o <= i && fits(o)) {
                Some(o) => {
                    row_start = o;
                    w = line[o..i].width();
                }
                None => {
                    row_start = i;
                    w = 0;
                }
            }
            starts.push(row_start);
            opportunity = None;
            // The rest of the word carried over may still not fit with this one.
            if w + gw > width && w > 0 {
                row_start = i;
                w = 0;
                starts.push(row_start);
            }
        }
        w += gw;
        if space {
            opportunity = Some(i + g.len());
        }
    }
    starts
}

/// `text` in rows of at most `width` columns (each line of the text starts a row).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut rows = Vec::new();
    for line in text.split('\n') {
        let starts = breaks(line, width);
        for (n, &s) in starts.iter().enumerate() {
            let end = starts.get(n + 1).copied().unwrap_or(line.len());
            rows.push(line[s..end].trim_end().to_string());
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_end_after_a_space_and_long_words_are_broken() {
        assert_eq!(
            wrap("Antrean panjang di loket", 10),
            ["Antrean", "panjang di", "loket"]
        );
        assert_eq!(wrap("abcdefghij klm", 4), ["abcd", "efgh", "ij", "klm"]);
        assert_eq!(wrap("x: /very/long/path", 10), ["x: /very/l", "ong/path"]);
        assert_eq!(wrap("🙂🙂🙂 ok", 4), ["🙂🙂", "🙂", "ok"]);
        assert_eq!(wrap("a\nb c", 80), ["a", "b c"]);
        assert_eq!(breaks("", 5), [0]);
        for (text, width) in [
            ("kata kata kata panjangsekali x", 7),
            ("漢字 漢字漢字漢字", 5),
        ] {
            for row in wrap(text, width) {
                assert!(row.width() <= width, "{row:?} in {width}");
            }
        }
    }
}
