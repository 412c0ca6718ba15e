//! The follow-up register of one agency: the corrective actions, suggestions and
//! recommendations the Ombudsman issued to it (from LAHP and LHA reports) and whether
//! each was completed. From it comes the opinion qualifier of the 2025 method
//! ("Tanpa Maladministrasi"): unknown until the register is closed, granted when it is
//! closed with every item completed.

use std::fmt;
use std::str::FromStr;

use super::instrument::Instrument;

/// What the Ombudsman issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FollowUpKind {
    /// Corrective action from a final examination report (LAHP).
    Lahp,
    /// Suggestion from an analysis report (LHA).
    Lha,
    /// Improvement suggestion (saran perbaikan).
    Saran,
    /// Recommendation (rekomendasi).
    Rekomendasi,
}

/// Where an item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum FollowUpStatus {
    #[default]
    Open,
    Completed,
    NotCompleted,
}

macro_rules! words {
    ($ty:ident, $what:literal, $($v:ident = $s:literal),+) => {
        impl $ty {
            pub const ALL: &'static [$ty] = &[$($ty::$v),+];

            /// The word used on the command line, in files and in the audit log.
            pub fn as_str(self) -> &'static str {
                match self { $($ty::$v => $s),+ }
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $ty {
            type Err = String;
            fn from_str(s: &str) -> Result<$ty, String> {
                $ty::ALL.iter().copied().find(|k| k.as_str() == s).ok_or_else(|| {
                    let all: Vec<&str> = $ty::ALL.iter().map(|k| k.as_str()).collect();
                    format!(concat!("unknown ", $what, " {:?}: use one of {}"), s, all.join(", "))
                })
            }
        }
    };
}

words!(
    FollowUpKind,
    "follow-up kind",
    Lahp = "lahp",
    Lha = "lha",
    Saran = "saran",
    Rekomendasi = "rekomendasi"
);
words!(
    FollowUpStatus,
    "follow-up status",
    Open = "open",
    Completed = "completed",
    NotCompleted = "not-completed"
);

/// One item of the register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUpItem {
    pub kind: FollowUpKind,
    /// The Ombudsman's reference of the report or letter.
    pub reference: String,
    pub status: FollowUpStatus,
}

/// One agency's register in one assessment.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FollowUpRegister {
    pub items: Vec<FollowUpItem>,
    /// Set when the assessor has entered every item: only then is the qualifier known.
    pub closed: bool,
}

impl FollowUpRegister {
    /// None until the register is closed; then true when every item is completed (a
    /// closed register with no item: nothing was issued, nothing is left undone).
    pub fn all_completed(&self) -> Option<bool> {
        self.closed.then(|| {
            self.items
                .iter()
                .all(|i| i.status == FollowUpStatus::Completed)
        })
    }
}

/// Whether the agency is granted the instrument's qualifier: None when the instrument
/// has none or the register is not closed yet.
pub fn qualifier(instrument: &Instrument, register: &FollowUpRegister) -> Option<bool> {
    instrument.qualifier.as_ref()?;
    register.all_completed()
}
