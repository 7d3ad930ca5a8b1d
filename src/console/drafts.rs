//! Drafts: what was typed in a form and not yet sent. Esc keeps it; reopening the same form on
//! the same case brings it back; Ctrl-D throws it away on purpose; sending removes it. The list
//! is written beside the outbox (same folder, same owner-only mode) about once a second while
//! someone types, so a crash loses at most that second. A refused action comes back as a draft
//! too, with the hub's reason shown in its form.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::form::Form;
pub use super::records::FormDraft;
use super::records::{Pending, PendingState};
use crate::domain::command::{CaseCommand, Request};

impl FormDraft {
    /// What is worth keeping of an open form: `None` when nothing was typed (a picker only
    /// browsed, a time field left as prefilled).
    pub fn of(form: &Form, now: DateTime<Utc>) -> Option<FormDraft> {
        let fields: Vec<(String, String)> = form
            .inputs
            .iter()
            .map(|i| (i.name.to_string(), i.value()))
            .collect();
        // Fields the form fills in itself (the time, and a task's day, staff and hours) are
        // not something typed: a form left with only those keeps no draft.
        let prefilled = |name: &str| {
            name == "at"
                || (form.kind.work().is_some()
                    && matches!(
                        name,
                        "planned_on" | "visited_on" | "staff" | "start" | "hours"
                    ))
        };
        let typed = fields
            .iter()
            .any(|(name, value)| !prefilled(name) && !value.trim().is_empty());
        typed.then(|| FormDraft {
            case_id: form.case_id,
            verb: form.kind.draft_verb(),
            task: form.kind.work(),
            chosen: form.chosen.as_ref().map(|c| c.key.clone()),
            fields,
            saved_at: now,
        })
    }

    /// A refused action as a draft: the text that was sent, back in its fields. `local` turns a
    /// UTC time into the form's wall-time text. `None` for actions that have no form.
    pub fn of_refused(
        p: &Pending,
        local: impl Fn(DateTime<Utc>) -> String,
        now: DateTime<Utc>,
    ) -> Option<FormDraft> {
        let pair = |k: &str, v: &str| (k.to_string(), v.to_string());
        // Protection work refused stays in the list of refused actions, with why.
        let Request::Case(request) = &p.request else {
            return None;
        };
        let (chosen, fields) = match request {
            CaseCommand::Note(r) => (None, vec![pair("text", &r.text)]),
            CaseCommand::Reopen(r) => (None, vec![pair("reason", &r.reason)]),
            CaseCommand::DeclineTransfer(r) => (None, vec![pair("reason", &r.reason)]),
            CaseCommand::Close(r) => (
                Some(r.outcome.as_str().to_string()),
                vec![pair("note", &r.note)],
            ),
            CaseCommand::Transfer(r) => (
                Some(r.to_consulate.clone()),
                vec![pair("reason", &r.reason)],
            ),
            CaseCommand::Checkpoint(r) => {
                let mut fields: Vec<(String, String)> = Vec::new();
                if let Some(at) = r.at {
                    fields.push(pair("at", &local(at)));
                }
                for (name, value) in &r.fields {
                    let value = crate::domain::checkpoint::parse_datetime(value)
                        .filter(|_| value.contains('T'))
                        .map(&local)
                        .unwrap_or_else(|| value.clone());
                    fields.push((name.clone(), value));
                }
                fields.push(pair("note", &r.note));
                (Some(r.code.as_str().to_string()), fields)
            }
            CaseCommand::Triage(t) => (
                None,
                vec![
                    pair("consent", t.consent.as_str()),
                    pair("intent", t.intent.as_str()),
                    pair("category", t.category.as_str()),
                ],
            ),
            CaseCommand::Intake(r) => {
                let number = |n: Option<f64>| n.map(|v| v.to_string()).unwrap_or_default();
                let kind = r
                    .kind
                    .and_then(|k| serde_json::to_value(k).ok())
                    .and_then(|v| v.as_str().map(String::from))
                    .unwrap_or_default();
                (
                    None,
                    vec![
                        pair("name", &r.name),
                        pair("phone", &r.phone),
                        pair("place", r.place.as_deref().unwrap_or("")),
                        pair("lat", &number(r.lat)),
                        pair("lon", &number(r.lon)),
                        pair("kind", &kind),
                        pair("description", &r.description),
                    ],
                )
            }
            CaseCommand::Assign(r) => (Some(r.lawyer_id.to_string()), Vec::new()),
            CaseCommand::Acknowledge | CaseCommand::AcceptTransfer => return None,
        };
        matches!(p.state, PendingState::Refused { .. }).then(|| FormDraft {
            case_id: p.case_id,
            verb: request.verb(),
            task: None,
            chosen,
            fields,
            saved_at: now,
        })
    }
}

/// The list's place: beside the outbox file, named after it.
pub fn path_beside(outbox: &Path) -> PathBuf {
    outbox.with_extension("drafts.json")
}

/// Reads the drafts; a missing file is none. An unreadable file is moved aside (its text kept)
/// rather than stop the console: drafts are a convenience, the outbox is the record.
pub fn load(path: &Path) -> Vec<FormDraft> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "the drafts file is unreadable; it is kept aside");
            let _ = std::fs::rename(path, path.with_extension("unreadable"));
            Vec::new()
        }),
        Err(_) => Vec::new(),
    }
}

/// Writes the whole list: a temporary file, synced, renamed over the old one, owner-only.
pub fn save(path: &Path, drafts: &[FormDraft]) -> std::io::Result<()> {
    crate::durable::replace(path, &serde_json::to_vec(drafts)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::command::Verb;

    #[test]
    fn drafts_are_kept_owner_only_and_read_back() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = path_beside(&dir.path().join("outbox-abc.json"));
        assert!(load(&path).is_empty());
        let draft = FormDraft {
            case_id: 1002,
            verb: Verb::Note,
            task: None,
            chosen: None,
            fields: vec![("text".into(), "Llamó la hermana; está en Adelanto.".into())],
            saved_at: Utc::now(),
        };
        save(&path, std::slice::from_ref(&draft)).unwrap();
        assert_eq!(load(&path), vec![draft]);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        std::fs::write(&path, b"{not json").unwrap();
        assert!(load(&path).is_empty());
        assert!(
            path.with_extension("unreadable").exists(),
            "the text is kept aside"
        );
    }
}
