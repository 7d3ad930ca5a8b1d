//! The console's own pending actions, kept in a file so that none is lost when the network or
//! the console itself goes away.
//!
//! An action is written to the file (and the file synced) before any attempt to send it. It is
//! sent with an idempotency key fixed at that moment, so a send whose answer was lost can be
//! repeated and the hub applies it once. It leaves the file only when the hub has answered: with
//! success, or with a refusal, which is kept as a conflict until the person who acted has seen
//! and dismissed it.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::client::NetError;
use super::hubs::{Hubs, backoff_round};
use super::subscriber::backoff;
use crate::api::ActionResponse;
use crate::console::action::{Action, Notice, WorkState};
pub use crate::console::records::{Draft, Pending, PendingState};
use crate::domain::command::Request;
use crate::domain::work::WorkCommand;

#[derive(Debug, Default, Serialize, Deserialize)]
struct OutboxFile {
    entries: Vec<Pending>,
}

/// The file and its entries. Every change is written whole to a temporary file, synced and
/// renamed over the old one, so a crash leaves either the old list or the new, never half.
pub struct Outbox {
    path: PathBuf,
    entries: Vec<Pending>,
}

impl Outbox {
    /// Opens the outbox at `path`, creating its directory; a missing file is an empty outbox.
    pub fn open(path: &Path) -> std::io::Result<Outbox> {
        if let Some(dir) = path.parent()
            && !dir.exists()
        {
            use std::os::unix::fs::DirBuilderExt;
            // The outbox holds case actions and notes: its folder is the user's alone.
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)?;
        }
        let entries = match std::fs::read(path) {
            Ok(bytes) => {
                serde_json::from_slice::<OutboxFile>(&bytes)
                    .map_err(|e| {
                        std::io::Error::new(
                            std::io::ErrorKind::InvalidData,
                            format!("{} is unreadable: {e}", path.display()),
                        )
                    })?
                    .entries
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(e),
        };
        Ok(Outbox {
            path: path.to_path_buf(),
            entries,
        })
    }

    fn save(&self) -> std::io::Result<()> {
        let json = serde_json::to_vec_pretty(&OutboxFile {
            entries: self.entries.clone(),
        })?;
        // Power-safe: the old list or the new, never half (`crate::durable`).
        crate::durable::replace(&self.path, &json)
    }

    /// Adds a draft under a fresh key and saves; on a failed save the entry is not kept.
    pub fn add(&mut self, draft: Draft, now: DateTime<Utc>) -> std::io::Result<Pending> {
        self.add_request(
            draft.case_id,
            draft.version,
            Request::Case(draft.request),
            now,
        )
    }

    /// Adds protection work under a fresh key and saves, as [`Outbox::add`].
    pub fn add_work(
        &mut self,
        command: WorkCommand,
        now: DateTime<Utc>,
    ) -> std::io::Result<Pending> {
        self.add_request(0, 0, Request::Work(command), now)
    }

    fn add_request(
        &mut self,
        case_id: u64,
        version: u64,
        request: Request,
        now: DateTime<Utc>,
    ) -> std::io::Result<Pending> {
        let entry = Pending {
            key: Uuid::new_v4().to_string(),
            case_id,
            version,
            request,
            created_at: now,
            state: PendingState::Waiting,
        };
        self.entries.push(entry.clone());
        if let Err(e) = self.save() {
            self.entries.pop();
            return Err(e);
        }
        Ok(entry)
    }

    pub fn entries(&self) -> &[Pending] {
        &self.entries
    }

    /// The case of each action still to be sent, in order (protection work has none).
    pub fn waiting_cases(&self) -> Vec<u64> {
        self.entries
            .iter()
            .filter(|e| e.state == PendingState::Waiting && e.case_id != 0)
            .map(|e| e.case_id)
            .collect()
    }

    pub fn waiting(&self) -> usize {
        self.entries
            .iter()
            .filter(|e| e.state == PendingState::Waiting)
            .count()
    }

    fn next_waiting(&self) -> Option<&Pending> {
        self.entries
            .iter()
            .find(|e| e.state == PendingState::Waiting)
    }

    fn remove(&mut self, key: &str) -> std::io::Result<()> {
        self.entries.retain(|e| e.key != key);
        self.save()
    }

    fn refuse(&mut self, key: &str, state: PendingState) -> std::io::Result<()> {
        if let Some(e) = self.entries.iter_mut().find(|e| e.key == key) {
            e.state = state;
        }
        self.save()
    }

    fn refused(&self) -> Vec<Pending> {
        self.entries
            .iter()
            .filter(|e| e.state != PendingState::Waiting)
            .cloned()
            .collect()
    }
}

/// What the executor can be told.
#[derive(Debug)]
pub enum OutboxMsg {
    Submit(Draft),
    /// Protection work: kept and sent like a case command.
    Record(WorkCommand),
    /// The hub is reachable again: try now.
    Flush,
    /// The operator has seen this refusal.
    Dismiss(String),
}

async fn report(outbox: &Outbox, inbox: &mpsc::Sender<Action>) {
    let _ = inbox
        .send(Action::Outbox {
            waiting: outbox.waiting_cases(),
            refused: outbox.refused(),
        })
        .await;
}

async fn notice(inbox: &mpsc::Sender<Action>, notice: Notice) {
    let _ = inbox.send(Action::Notice(notice)).await;
}

/// A case command's answer; protection work answers with no case (`None`).
/// What the hub answered: a case action's response, or protection work's record.
enum Answer {
    Case(ActionResponse),
    Work(crate::api::Recorded),
}

type Sent = (Pending, Result<Answer, NetError>);

/// Sends `entry` to whichever hub is current. The key is the entry's own, fixed when it was
/// saved: a resend after a lost answer, to this hub or the next, is applied once.
async fn send(hubs: Hubs, entry: Pending) -> Sent {
    let sent = &entry;
    let path = sent.request.path(sent.case_id);
    let body = sent.request.body();
    let (path, body) = (&path, &body);
    let result = match &sent.request {
        Request::Case(_) => {
            hubs.request(|client| async move {
                client
                    .act(path, &sent.key, sent.version, body)
                    .await
                    .map(Answer::Case)
            })
            .await
        }
        Request::Work(_) => {
            hubs.request(|client| async move {
                client.record(path, &sent.key, body).await.map(Answer::Work)
            })
            .await
        }
    };
    (entry, result)
}

/// Runs the outbox: persists what it is given at once, sends in order, one at a time, and backs
/// off while the hub is unreachable (moving to the next hub, when there are several). Messages
/// are taken even while a send is under way, so a new action is on disk within milliseconds
/// whatever the network does.
pub async fn run(
    hubs: Hubs,
    mut outbox: Outbox,
    mut rx: mpsc::UnboundedReceiver<OutboxMsg>,
    inbox: mpsc::Sender<Action>,
    stop: CancellationToken,
) {
    report(&outbox, &inbox).await;
    let mut in_flight: Option<std::pin::Pin<Box<dyn Future<Output = Sent> + Send>>> = None;
    let mut next_try = Instant::now();
    let mut attempt: u32 = 0;
    loop {
        if in_flight.is_none()
            && Instant::now() >= next_try
            && let Some(entry) = outbox.next_waiting()
        {
            in_flight = Some(Box::pin(send(hubs.clone(), entry.clone())));
        }
        let idle = in_flight.is_none() && outbox.next_waiting().is_some();
        tokio::select! {
            biased;
            _ = stop.cancelled() => return,
            msg = rx.recv() => match msg {
                None => return,
                Some(msg @ (OutboxMsg::Submit(_) | OutboxMsg::Record(_))) => {
                    let (case_id, kind, task, added) = match msg {
                        OutboxMsg::Submit(draft) => {
                            let (id, kind) = (draft.case_id, draft.request.verb().appends());
                            (id, kind, None, outbox.add(draft, Utc::now()))
                        }
                        OutboxMsg::Record(work) => {
                            let (kind, task) = (work.verb().appends(), work.verb());
                            (0, kind, Some(task), outbox.add_work(work, Utc::now()))
                        }
                        _ => unreachable!("matched above"),
                    };
                    match added {
                        Ok(_) => report(&outbox, &inbox).await,
                        Err(e) => {
                            tracing::error!(error = %e, "cannot save the outbox; the action was not taken");
                            let n = match task {
                                Some(task) => Notice::Work { task, state: WorkState::NotSaved(e.to_string()) },
                                None => Notice::NotSaved { case_id, kind, error: e.to_string() },
                            };
                            notice(&inbox, n).await;
                        }
                    }
                }
                Some(OutboxMsg::Flush) => {
                    attempt = 0;
                    next_try = Instant::now();
                }
                Some(OutboxMsg::Dismiss(key)) => {
                    if let Err(e) = outbox.remove(&key) {
                        tracing::error!(error = %e, "cannot save the outbox");
                    }
                    report(&outbox, &inbox).await;
                }
            },
            (entry, result) = async { in_flight.as_mut().expect("guarded").await }, if in_flight.is_some() => {
                in_flight = None;
                let kind = entry.request.appends();
                let task = match &entry.request {
                    Request::Work(w) => Some(w.verb()),
                    Request::Case(_) => None,
                };
                // Protection work is told by its task; case work by its case and event.
                let said = |state: WorkState, case: Notice| match task {
                    Some(task) => Notice::Work { task, state },
                    None => case,
                };
                let saved = match result {
                    Ok(answer) => {
                        attempt = 0;
                        let (case_id, consulate, skipped) = match answer {
                            Answer::Case(a) => (a.case_id, a.consulate, Vec::new()),
                            Answer::Work(r) => (0, None, r.skipped),
                        };
                        let done = if skipped.is_empty() { WorkState::Done } else { WorkState::Skipped(skipped) };
                        notice(&inbox, said(done, Notice::Applied { case_id, kind, consulate })).await;
                        outbox.remove(&entry.key)
                    }
                    Err(e) if e.is_transient() => {
                        attempt = attempt.saturating_add(1);
                        next_try = Instant::now() + backoff(backoff_round(attempt, hubs.len()));
                        notice(&inbox, said(WorkState::Held, Notice::Held { case_id: entry.case_id, kind })).await;
                        Ok(())
                    }
                    Err(e) => {
                        let state = match e {
                            NetError::Refused { status, error, message, case, reason, field, changed } => {
                                PendingState::Refused { status, error, message, case, reason, field, changed }
                            }
                            other => PendingState::Refused {
                                status: 0,
                                error: String::new(),
                                message: other.to_string(),
                                case: None,
                                reason: None,
                                field: None,
                                changed: None,
                            },
                        };
                        notice(&inbox, said(WorkState::Refused, Notice::Refused { case_id: entry.case_id, kind })).await;
                        outbox.refuse(&entry.key, state)
                    }
                };
                if let Err(e) = saved {
                    tracing::error!(error = %e, "cannot save the outbox");
                }
                report(&outbox, &inbox).await;
            }
            _ = tokio::time::sleep_until(next_try), if idle => {}
        }
    }
}

/// Where this person's outbox lives: one file per hub and token, so two people sharing a
/// machine never send each other's actions. The token itself is never written: only a hash. A
/// console given several hubs passes the first: the file stays one whichever hub it is on.
pub fn default_path(data_dir: &Path, hub: &str, token: &str) -> PathBuf {
    use sha2::{Digest, Sha256};
    let digest = hex::encode(Sha256::digest(format!("{hub}\n{token}").as_bytes()));
    data_dir.join(format!("outbox-{}.json", &digest[..16]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::command::CaseCommand;

    #[test]
    fn the_outbox_is_the_users_alone() {
        use std::os::unix::fs::PermissionsExt;
        let base = tempfile::tempdir().unwrap();
        let path = base.path().join("guardia").join("outbox.json");
        let mut outbox = Outbox::open(&path).unwrap();
        let draft = Draft {
            case_id: 1001,
            version: 1,
            request: CaseCommand::Acknowledge,
        };
        outbox.add(draft, Utc::now()).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        // And it reads back what it kept.
        assert_eq!(Outbox::open(&path).unwrap().entries().len(), 1);
    }

    #[test]
    fn protection_work_is_kept_beside_case_work_and_read_back_as_it_was() {
        let base = tempfile::tempdir().unwrap();
        let path = base.path().join("outbox.json");
        // A file written before protection work existed reads as it did.
        std::fs::write(
            &path,
            r#"{"entries":[{"key":"k-1","case_id":1001,"version":2,
                "request":{"verb":"ack"},"created_at":"2026-11-22T10:00:00Z","state":"waiting"}]}"#,
        )
        .unwrap();
        let mut outbox = Outbox::open(&path).unwrap();
        assert_eq!(
            outbox.entries()[0].request,
            Request::Case(CaseCommand::Acknowledge)
        );
        let work = WorkCommand::CancelPlan { plan_id: 4 };
        outbox.add_work(work.clone(), Utc::now()).unwrap();
        // A crash now: what was saved is there when the console starts again.
        let again = Outbox::open(&path).unwrap();
        assert_eq!(again.entries().len(), 2);
        assert_eq!(again.entries()[1].request, Request::Work(work));
        assert_eq!(
            again.entries()[1].request.path(0),
            "/v1/visits/plans/4/cancel"
        );
        // Protection work marks no case as being sent.
        assert_eq!(again.waiting_cases(), vec![1001]);
        assert_eq!(again.waiting(), 2);
    }
}
