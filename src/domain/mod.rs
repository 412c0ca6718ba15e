//! The domain: instruments, assignments, cycles, the data model, the exact scoring
//! engine and the comparison of two cycles.
//! Pure code: nothing here touches a file, a database or a terminal, so every rule
//! can be tested on its own.

pub mod assignment;
pub mod cycle;
pub mod diff;
pub mod followup;
pub mod history;
pub mod instrument;
pub mod instrument_v2;
pub mod json;
pub mod method;
pub mod model;
pub mod review;
pub mod scoring;
pub mod text;

pub use instrument::{Aggregate, Instrument, NodeLevel};
pub use json::Problem;
pub use scoring::Value;
pub use text::{Lang, Text};
