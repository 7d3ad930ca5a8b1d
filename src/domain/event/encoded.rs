//! An event body together with its JSON, so that it is encoded exactly once.
//!
//! A press is decided by the request alone, so its body is encoded where the request is handled,
//! on the runtime's threads; the writer thread, which every write in the hub waits for, only
//! splices those bytes into the envelope (`seq`, time, case), and the same bytes go to the log,
//! to every stream's frame and, read back, to every replay. Bodies that depend on the case as it
//! stands (a staff command, a timer) are decided and encoded inside the write, still once.

use serde::Serialize;
use serde_json::value::RawValue;

use super::{Actor, Event, EventBody};

#[derive(Debug)]
pub struct Encoded {
    body: EventBody,
    json: Box<RawValue>,
}

impl Encoded {
    pub fn new(body: EventBody) -> Result<Encoded, serde_json::Error> {
        let json = serde_json::value::to_raw_value(&body)?;
        Ok(Encoded { body, json })
    }

    pub fn body(&self) -> &EventBody {
        &self.body
    }

    /// The event this body makes, and its JSON: byte for byte what `serde_json::to_string` of
    /// the event gives, without encoding the body again.
    pub fn into_event(
        self,
        seq: u64,
        at: chrono::DateTime<chrono::Utc>,
        case_id: u64,
        consulate: &str,
        actor: Actor,
        against_version: Option<u64>,
    ) -> Result<(Event, String), serde_json::Error> {
        let json = serde_json::to_string(&Envelope {
            seq,
            at: &at,
            case_id,
            consulate,
            actor: &actor,
            against_version,
            body: &self.json,
        })?;
        let event = Event {
            seq,
            at,
            case_id,
            consulate: consulate.to_string(),
            actor,
            against_version,
            body: self.body,
        };
        Ok((event, json))
    }
}

/// [`Event`]'s fields in [`Event`]'s order, with the body already encoded.
#[derive(Serialize)]
struct Envelope<'a> {
    seq: u64,
    at: &'a chrono::DateTime<chrono::Utc>,
    case_id: u64,
    consulate: &'a str,
    actor: &'a Actor,
    #[serde(skip_serializing_if = "Option::is_none")]
    against_version: Option<u64>,
    body: &'a RawValue,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::alert::AlertKind;
    use crate::domain::case::tests::{cancelled, raised};
    use crate::domain::staff::Role;

    fn same_bytes(event: Event) {
        let Event {
            seq,
            at,
            case_id,
            consulate,
            actor,
            against_version,
            body,
        } = event.clone();
        let (built, json) = Encoded::new(body)
            .unwrap()
            .into_event(seq, at, case_id, &consulate, actor, against_version)
            .unwrap();
        assert_eq!(built, event);
        assert_eq!(json, serde_json::to_string(&event).unwrap());
        let back: Event = serde_json::from_str(&json).unwrap();
        assert_eq!(back, event);
    }

    #[test]
    fn the_spliced_event_is_the_event_serde_writes() {
        same_bytes(raised(7, 1001, AlertKind::Detained, vec![]));
        same_bytes(cancelled(8, 1001));
        let mut by_staff = cancelled(9, 1002);
        by_staff.actor = Actor::Staff {
            id: 3,
            name: "Lucía \"Lu\" Ramírez\n".into(),
            role: Role::Officer,
        };
        by_staff.against_version = Some(4);
        same_bytes(by_staff);
    }
}
