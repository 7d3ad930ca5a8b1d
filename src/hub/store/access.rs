//! Who saw what: every read of a case's personal data is an event in the log.

use chrono::{DateTime, Utc};

use super::db::params;
use super::{Store, StoreError};
use crate::api::AccessEntry;
use crate::domain::event::{Actor, CaseRead, Event, EventBody, ReadPurpose};

/// The longest console name kept; longer ones are cut.
const CONSOLE_NAME: usize = 64;

/// A console's name as it may be recorded: letters, digits and `.-_:/@` only, at most 64. It
/// is the caller's word, kept as a hint for whoever reads the access list, never as proof.
pub fn console_name(raw: &str) -> Option<String> {
    let clean: String = raw
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || ".-_:/@".contains(*c))
        .take(CONSOLE_NAME)
        .collect();
    (!clean.is_empty()).then_some(clean)
}

impl Store {
    /// Records that `by` read case `case_id`, and returns the record's `seq`. Committed before
    /// the caller answers: a read that is not on the record is not served.
    pub async fn record_read(
        &self,
        by: Actor,
        case_id: u64,
        purpose: ReadPurpose,
        console: Option<String>,
        at: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        self.write(move |ctx| {
            ctx.append_uncased(
                by,
                at,
                EventBody::CaseRead(CaseRead {
                    case_id,
                    purpose,
                    console,
                }),
            )
        })
        .await
    }

    /// Every recorded read of case `case_id` up to `upto` (all when `None`), oldest first.
    pub async fn case_access(
        &self,
        case_id: u64,
        upto: Option<u64>,
    ) -> Result<Vec<AccessEntry>, StoreError> {
        self.read(move |tx| {
            let upto = upto.map_or(i64::MAX, |u| u as i64);
            let bodies = tx.query_map(
                "SELECT body FROM events
                  WHERE kind = 'case_read'
                    AND CAST(json_extract(body, '$.body.case_id') AS BIGINT) = ?1
                    AND seq <= ?2
                  ORDER BY seq",
                params![case_id as i64, upto],
                |r| r.get::<String>(0),
            )?;
            let mut out = Vec::new();
            for body in bodies {
                let event: Event = serde_json::from_str(&body)?;
                if let EventBody::CaseRead(read) = event.body {
                    out.push(AccessEntry {
                        seq: event.seq,
                        at: event.at,
                        by: event.actor,
                        purpose: read.purpose,
                        console: read.console,
                    });
                }
            }
            Ok(out)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::console_name;

    #[test]
    fn a_console_name_keeps_only_plain_characters() {
        assert_eq!(console_name("la-duty-2").as_deref(), Some("la-duty-2"));
        assert_eq!(
            console_name("x\u{1b}[2Jy\n<script>").as_deref(),
            Some("x2Jyscript")
        );
        assert_eq!(console_name(" \u{202e} "), None);
        assert_eq!(console_name(&"a".repeat(500)).unwrap().len(), 64);
    }
}
