//! Each agency's trend in the workstation (issue 14), as the reports draw it
//! (`exchange::trend`): the published scores of past years (`patuh history import`)
//! and one point per cycle of this database, each scored in its own cycle. The
//! runtime reads the history and the other cycles once at the start (read only,
//! [`Trends`]); the current cycle's point is the score as it is now, so it moves with
//! every change. The score panel shows the trend of the agency in view.

use std::collections::HashMap;

use super::App;
use crate::domain::history::{PointSource, TrendPoint, in_order};
use crate::domain::model::AgencyIx;
use crate::exchange::trend::cycle_points;
use crate::store::CycleRow;

/// What the trend needs besides the current cycle's scores, read once at the start.
#[derive(Debug, Clone, Default)]
pub struct Trends {
    /// The published results by agency code, as points.
    pub published: HashMap<String, Vec<TrendPoint>>,
    /// The cycles in the order of a trend (`exchange::trend::cycles_in_order`), the
    /// current one among them.
    pub cycles: Vec<CycleRow>,
    /// The current cycle's code.
    pub current: String,
    /// The other cycles' points: by agency code, then cycle code.
    pub points: HashMap<String, HashMap<String, TrendPoint>>,
}

impl App {
    /// An agency's trend in time order: its published scores and its point in each
    /// cycle where it was assessed (the current cycle's as scored now). Empty without
    /// a published score and with fewer than two points: there is no trend to show
    /// (the score panel already says the score now).
    pub fn trend(&self, a: AgencyIx) -> Vec<TrendPoint> {
        let Some(t) = &self.trends else {
            return Vec::new();
        };
        let code = &self.ds.agencies[a].code;
        let published = t.published.get(code).map_or(&[][..], Vec::as_slice);
        let others = t.points.get(code);
        let mut all: Vec<TrendPoint> = published.to_vec();
        for cycle in &t.cycles {
            if cycle.code == t.current {
                all.extend(cycle_points(&self.ds, &self.book, a, cycle));
            } else if let Some(p) = others.and_then(|o| o.get(&cycle.code)) {
                all.push(p.clone());
            }
        }
        let cycles = all
            .iter()
            .filter(|p| matches!(p.source, PointSource::Cycle { .. }))
            .count();
        if published.is_empty() && cycles < 2 {
            return Vec::new();
        }
        in_order(all)
    }
}
