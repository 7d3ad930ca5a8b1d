//! Pure types and rules shared by the hub and the console: no I/O, no clock reads.

pub mod alert;
pub mod backlog;
pub mod case;
pub mod checklist;
pub mod checkpoint;
pub mod cluster;
pub mod command;
pub mod consulate;
pub mod deadline;
pub mod erasure;
pub mod event;
pub mod facility;
pub mod gazetteer;
pub mod geo;
pub mod intake;
pub mod privacy;
pub mod registrant;
pub mod sanitize;
pub mod search;
pub mod staff;
pub mod time;
pub mod triage;
pub mod urgency;
pub mod validate;
