//! Review of an assessor's work at the central office (issue 15), pure: the states a
//! node (agency, unit or product) goes through, the decisions that move it, and the
//! replay of the decisions in the order logged, which is what the review tables must
//! hold (`patuh check` compares them). No store, file or clock here.
//!
//! ```text
//! unreviewed --approve--> approved
//!     |                      |  a later export changes what was approved
//!     +--return--> returned  v
//!                     |   resubmitted --approve / return--> ...
//!                     +--(a later export of the node)--^
//! ```

use std::collections::BTreeMap;

use super::NodeLevel;

/// Where a node stands in the review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ReviewState {
    /// Nothing decided yet.
    Unreviewed,
    /// The reviewer accepted it: it counts in `report --approved-only`.
    Approved,
    /// Sent back to the assessor with comments.
    Returned,
    /// A later export changed it after it was returned (or approved): to be looked at again.
    Resubmitted,
}

impl ReviewState {
    pub const ALL: [ReviewState; 4] = [
        ReviewState::Unreviewed,
        ReviewState::Approved,
        ReviewState::Returned,
        ReviewState::Resubmitted,
    ];

    /// As stored, in JSON and on the command line.
    pub fn code(self) -> &'static str {
        match self {
            ReviewState::Unreviewed => "unreviewed",
            ReviewState::Approved => "approved",
            ReviewState::Returned => "returned",
            ReviewState::Resubmitted => "resubmitted",
        }
    }

    pub fn parse(code: &str) -> Option<ReviewState> {
        ReviewState::ALL.into_iter().find(|s| s.code() == code)
    }

    /// For a person, in the report language.
    pub fn label(self, lang: super::Lang) -> &'static str {
        use super::Lang::{En, Id};
        match (self, lang) {
            (ReviewState::Unreviewed, Id) => "belum ditelaah",
            (ReviewState::Unreviewed, En) => "unreviewed",
            (ReviewState::Approved, Id) => "disetujui",
            (ReviewState::Approved, En) => "approved",
            (ReviewState::Returned, Id) => "dikembalikan",
            (ReviewState::Returned, En) => "returned",
            (ReviewState::Resubmitted, Id) => "diajukan ulang",
            (ReviewState::Resubmitted, En) => "resubmitted",
        }
    }
}

/// The stored code of a node's level (`review.level`, docs/data-model.md): 1 agency,
/// 2 unit, 3 product.
pub fn level_code(level: NodeLevel) -> i64 {
    match level {
        NodeLevel::Agency => 1,
        NodeLevel::Unit => 2,
        NodeLevel::Product => 3,
    }
}

/// The level of a stored code.
pub fn level_of_code(n: i64) -> Option<NodeLevel> {
    match n {
        1 => Some(NodeLevel::Agency),
        2 => Some(NodeLevel::Unit),
        3 => Some(NodeLevel::Product),
        _ => None,
    }
}

/// The level of a path by its number of codes: `A`, `A/U`, `A/U/P`.
pub fn level_of_path(path: &str) -> Option<NodeLevel> {
    let parts: Vec<&str> = path.split('/').collect();
    if parts.iter().any(|p| p.is_empty()) {
        return None;
    }
    match parts.len() {
        1 => Some(NodeLevel::Agency),
        2 => Some(NodeLevel::Unit),
        3 => Some(NodeLevel::Product),
        _ => None,
    }
}

/// One decision of the review log, in the order logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Approve,
    /// Returned, with a comment on one indicator (None: the node as a whole).
    Return {
        indicator: Option<String>,
        comment: String,
    },
    /// A later merged export changed the node.
    Resubmit,
}

/// Why a decision does not apply to a node in its state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Approving what is approved already: nothing to do.
    AlreadyApproved,
    /// Only returned (or approved) nodes are resubmitted.
    NotReturned,
}

/// A node's review as the decisions leave it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NodeReview {
    pub state: Option<ReviewState>,
    /// The comments of the last return, by indicator ("" for the node as a whole).
    pub comments: BTreeMap<String, String>,
}

impl NodeReview {
    pub fn state(&self) -> ReviewState {
        self.state.unwrap_or(ReviewState::Unreviewed)
    }

    /// Applies one decision: approving clears the comments of the return before; a
    /// return after anything but a return starts a new list of comments, a return of
    /// a returned node adds to it (a second comment on one indicator replaces the
    /// first).
    pub fn apply(&mut self, d: &Decision) -> Result<(), Refusal> {
        match d {
            Decision::Approve => {
                if self.state() == ReviewState::Approved {
                    return Err(Refusal::AlreadyApproved);
                }
                self.state = Some(ReviewState::Approved);
                self.comments.clear();
            }
            Decision::Return { indicator, comment } => {
                if self.state() != ReviewState::Returned {
                    self.comments.clear();
                }
                self.state = Some(ReviewState::Returned);
                self.comments
                    .insert(indicator.clone().unwrap_or_default(), comment.clone());
            }
            Decision::Resubmit => {
                if !matches!(self.state(), ReviewState::Returned | ReviewState::Approved) {
                    return Err(Refusal::NotReturned);
                }
                self.state = Some(ReviewState::Resubmitted);
            }
        }
        Ok(())
    }
}

/// Whether a product's work counts as approved: its own state is approved, or it has
/// none (unreviewed) and its unit or agency was approved as a whole. A product
/// returned or resubmitted never counts, whatever was decided above it.
pub fn counts_as_approved(product: ReviewState, unit: ReviewState, agency: ReviewState) -> bool {
    match product {
        ReviewState::Approved => true,
        ReviewState::Unreviewed => {
            unit == ReviewState::Approved
                || (unit == ReviewState::Unreviewed && agency == ReviewState::Approved)
        }
        ReviewState::Returned | ReviewState::Resubmitted => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ret(ind: Option<&str>, c: &str) -> Decision {
        Decision::Return {
            indicator: ind.map(str::to_string),
            comment: c.into(),
        }
    }

    #[test]
    fn the_states_follow_the_decisions() {
        let mut n = NodeReview::default();
        assert_eq!(n.state(), ReviewState::Unreviewed);
        assert_eq!(n.apply(&Decision::Resubmit), Err(Refusal::NotReturned));
        n.apply(&ret(Some("biaya"), "no fee board")).unwrap();
        n.apply(&ret(None, "check the photos")).unwrap();
        assert_eq!(n.state(), ReviewState::Returned);
        assert_eq!(n.comments.len(), 2);
        n.apply(&Decision::Resubmit).unwrap();
        assert_eq!(n.state(), ReviewState::Resubmitted);
        assert_eq!(n.comments.len(), 2, "kept for the reviewer to check");
        // Returned again: a new round of comments.
        n.apply(&ret(Some("waktu"), "still unclear")).unwrap();
        assert_eq!(n.comments.keys().collect::<Vec<_>>(), ["waktu"]);
        n.apply(&Decision::Approve).unwrap();
        assert!(n.comments.is_empty());
        assert_eq!(n.apply(&Decision::Approve), Err(Refusal::AlreadyApproved));
        n.apply(&Decision::Resubmit).unwrap();
        assert_eq!(n.state(), ReviewState::Resubmitted);
    }

    #[test]
    fn approval_above_counts_only_for_products_not_decided_themselves() {
        use ReviewState::*;
        assert!(counts_as_approved(Approved, Unreviewed, Unreviewed));
        assert!(counts_as_approved(Unreviewed, Approved, Unreviewed));
        assert!(counts_as_approved(Unreviewed, Unreviewed, Approved));
        assert!(!counts_as_approved(Unreviewed, Returned, Approved));
        assert!(!counts_as_approved(Returned, Approved, Approved));
        assert!(!counts_as_approved(Resubmitted, Approved, Approved));
        assert!(!counts_as_approved(Unreviewed, Unreviewed, Unreviewed));
        for s in ReviewState::ALL {
            assert_eq!(ReviewState::parse(s.code()), Some(s));
        }
        assert_eq!(level_of_path("81/DPM/NIB"), Some(NodeLevel::Product));
        assert_eq!(level_of_path("81/DPM"), Some(NodeLevel::Unit));
        assert_eq!(level_of_path("81"), Some(NodeLevel::Agency));
        assert_eq!(level_of_path("81//x"), None);
        assert_eq!(level_of_path("a/b/c/d"), None);
        for l in NodeLevel::ALL {
            assert_eq!(level_of_code(level_code(l)), Some(l));
        }
    }
}
