//! patuh: the workstation of Ombudsman RI's public-service compliance assessors.
//!
//! Layers, with dependencies pointing one way: `domain` (instruments, scoring: pure)
//! <- `store` (SQLite) <- `commands` (the command line) and `tui` (the terminal workstation).

pub mod cli;
pub mod commands;
pub mod domain;
pub mod exchange;
pub mod fsio;
pub mod generate;
pub mod logging;
pub mod shipped;
pub mod store;
pub mod tui;
