//! The console's connection to the hub: a REST client, the hubs it may fail over between, the
//! event subscriber and the outbox of pending actions.

pub mod client;
pub mod hubs;
pub mod outbox;
pub mod subscriber;
