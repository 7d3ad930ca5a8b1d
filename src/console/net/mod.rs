//! The console's connection to the hub: a REST client and the event subscriber.

pub mod client;
pub mod subscriber;
