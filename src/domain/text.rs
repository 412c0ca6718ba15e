//! Bilingual text as instruments carry it: Indonesian always, English optionally.

/// The language the assessor reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Id,
    En,
}

impl Lang {
    /// Indonesian when `LANG`/`LC_ALL`/`LC_MESSAGES` start with `id`, else English.
    pub fn from_env() -> Lang {
        for var in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            if let Ok(v) = std::env::var(var)
                && !v.is_empty()
            {
                return if v.starts_with("id") {
                    Lang::Id
                } else {
                    Lang::En
                };
            }
        }
        Lang::En
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Id => "id",
            Lang::En => "en",
        }
    }
}

/// A label with Indonesian text and an optional English translation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    pub id: String,
    pub en: Option<String>,
}

impl Text {
    pub fn new(id: String, en: Option<String>) -> Text {
        Text { id, en }
    }

    /// The text in `lang`, falling back to Indonesian when there is no English.
    pub fn get(&self, lang: Lang) -> &str {
        match (lang, &self.en) {
            (Lang::En, Some(en)) => en,
            _ => &self.id,
        }
    }
}

/// Whether a character must never reach the terminal as it is: C0/C1 controls (escape
/// sequences start with them), DEL, every bidi control (overrides, embeddings,
/// isolates and marks, the Arabic letter mark included), zero-width and other
/// invisible format characters, and line/paragraph separators. The invisible ones
/// matter too: the terminal and the layout may disagree on their width, which shifts
/// or hides what follows.
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}')
}

/// Text from a file or the database made safe to show on one line: every unsafe
/// character (see [`is_unsafe_char`]) becomes U+FFFD, so nothing a name or a note
/// contains can move the cursor, set the title or write the clipboard.
pub fn sanitize(s: &str) -> std::borrow::Cow<'_, str> {
    if s.chars().any(is_unsafe_char) {
        s.chars()
            .map(|c| if is_unsafe_char(c) { '\u{FFFD}' } else { c })
            .collect::<String>()
            .into()
    } else {
        s.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_neutralises_escapes_and_bidi() {
        assert_eq!(sanitize("Kota Ambon"), "Kota Ambon");
        assert_eq!(sanitize("Dinas Dukcapil 🏛 é"), "Dinas Dukcapil 🏛 é");
        let evil =
            "a\x1b]52;c;ZXZpbA==\x07b\u{9b}2Jc\u{202E}d\u{200B}e\r\n\u{061C}f\u{180E}\u{206A}";
        let clean = sanitize(evil);
        assert!(!clean.chars().any(is_unsafe_char), "{clean:?}");
        assert!(!clean.contains('\x1b'));
        assert!(clean.starts_with('a') && clean.contains('e'));
    }

    #[test]
    fn english_falls_back_to_indonesian() {
        let t = Text::new("Persyaratan".into(), None);
        assert_eq!(t.get(Lang::En), "Persyaratan");
        let t = Text::new("Persyaratan".into(), Some("Requirements".into()));
        assert_eq!(t.get(Lang::En), "Requirements");
        assert_eq!(t.get(Lang::Id), "Persyaratan");
    }
}
