//! The domain: instruments, assignments, the data model and the exact scoring engine.
//! Pure code: nothing here touches a file, a database or a terminal, so every rule
//! can be tested on its own.

pub mod assignment;
pub mod instrument;
pub mod json;
pub mod model;
pub mod scoring;
pub mod text;

pub use instrument::{Aggregate, Instrument};
pub use json::Problem;
pub use scoring::Value;
pub use text::{Lang, Text};
