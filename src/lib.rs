//! patuh: the workstation of Ombudsman RI's public-service compliance assessors.
//!
//! Every module, lowest layer first; a module uses only those above it in this list
//! (unit tests aside), so dependencies point one way:
//! - `shipped`: the instruments and the demo assignment built into the binary (text).
//! - `logging`: tracing to the log file in the data dir, never to the terminal.
//! - `domain`: instruments, assignments, the data model and the exact scoring engine;
//!   pure: no file, database or terminal.
//! - `fsio`: reading and writing the files a user names or patuh keeps (regular files
//!   only, capped reads, no writing over links, private secrets).
//! - `store`: the SQLite file: opening, refusing, migrating, every change with its
//!   audit row, loading, the lock. The only module with SQL in it.
//! - `generate`: the deterministic data generator (`patuh gen`), writing through `store`.
//! - `exchange`: keys, signed export files, verification, the central merge and the
//!   reports; reads and writes through `store`.
//! - `tui`: the terminal workstation (state, keymap, drawing, the event loop); uses
//!   `exchange` for its export key.
//! - `cli`: the clap definitions of the command line (`generate` for its scales).
//! - `commands`: what each command does, over all of the above; the workstation is
//!   handed to it by `main` (`commands::run(cli, Some(tui::run))`), not called by name.

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
