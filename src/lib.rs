//! Guardia: the consulate side of the Alert Button.
//!
//! - [`domain`]: pure types and rules shared by both sides.
//! - [`hub`]: the HTTP server, event log and stream.
//! - [`console`]: the duty officer's terminal UI.
//! - [`demo`], [`simulate`], [`admin`]: the commands built on them.

pub mod admin;
pub mod api;
pub mod bench;
pub mod cli;
pub mod config;
pub mod console;
pub mod demo;
pub mod domain;
pub mod durable;
pub mod hub;
pub mod i18n;
pub mod report;
pub mod simulate;
