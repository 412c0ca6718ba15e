//! Cycles (issue 14): the rounds of one process, the provincial office's compliance
//! mentoring (*pendampingan kepatuhan*) and the assessment (*penilaian*) that counts,
//! year after year. What a cycle is called and what kind it is; the store keeps which
//! cycles there are and which one the commands work on.

use std::fmt;
use std::str::FromStr;

/// The cycle every database made before cycles holds its work in.
pub const DEFAULT_CYCLE: &str = "default";

/// What a cycle is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CycleKind {
    /// Compliance mentoring: the office goes through the checklist with the agency so
    /// that it fixes its standards; its scores never count as an assessment's.
    Mentoring,
    /// The assessment that counts.
    Assessment,
}

impl CycleKind {
    pub const ALL: [CycleKind; 2] = [CycleKind::Mentoring, CycleKind::Assessment];

    /// As the database, the files and the command line write it.
    pub fn as_str(self) -> &'static str {
        match self {
            CycleKind::Mentoring => "mentoring",
            CycleKind::Assessment => "assessment",
        }
    }

    /// The kind a database or a file writes, None for another word.
    pub fn parse(s: &str) -> Option<CycleKind> {
        s.parse().ok()
    }

    /// The Indonesian word, for people.
    pub fn word_id(self) -> &'static str {
        match self {
            CycleKind::Mentoring => "pendampingan",
            CycleKind::Assessment => "penilaian",
        }
    }
}

impl fmt::Display for CycleKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CycleKind {
    type Err = String;
    fn from_str(s: &str) -> Result<CycleKind, String> {
        CycleKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown cycle kind {s:?}: use mentoring or assessment"))
    }
}

/// Why `code` cannot name a cycle, if it cannot: a code as agencies have (1 to 64
/// letters, digits, `-`, `_`, `.`), e.g. `2026-pendampingan`.
pub fn code_problem(code: &str) -> Option<String> {
    if super::json::is_code(code) {
        None
    } else {
        Some(format!(
            "{code:?} cannot name a cycle: use 1 to 64 letters, digits, '-', '_' or '.', e.g. 2026-pendampingan"
        ))
    }
}

/// Why `year` cannot be a cycle's year, if it cannot.
pub fn year_problem(year: i64) -> Option<String> {
    (!(2000..=2200).contains(&year))
        .then(|| format!("{year} is not a cycle's year: give the year it runs in, e.g. 2026"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_codes() {
        assert_eq!("mentoring".parse(), Ok(CycleKind::Mentoring));
        assert_eq!(
            "assessment".parse::<CycleKind>().map(CycleKind::word_id),
            Ok("penilaian")
        );
        assert!("pendampingan".parse::<CycleKind>().is_err());
        assert_eq!(code_problem("2026-pendampingan"), None);
        assert!(code_problem("2026 pendampingan").is_some());
        assert!(code_problem("").is_some());
        assert_eq!(year_problem(2026), None);
        assert!(year_problem(26).is_some());
    }
}
