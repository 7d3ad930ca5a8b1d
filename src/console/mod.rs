//! The duty console: a terminal UI that follows the hub.
//!
//! Shape: every task sends [`action::Action`]s into one inbox; the app loop alone owns the
//! [`model::Model`] and changes it only through the pure [`update::update`]; [`view`] draws it.

pub mod action;
pub mod app;
pub mod command_line;
pub mod drafts;
pub mod form;
pub mod keymap;
pub mod layout;
pub mod model;
pub mod net;
pub mod order;
pub mod quick_views;
pub mod records;
pub mod update;
pub mod view;
pub mod words;
