//! The console's connection to the hub: a REST client, the event subscriber and the
//! outbox of pending actions.

pub mod client;
pub mod outbox;
pub mod subscriber;
