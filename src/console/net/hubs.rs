//! The hubs a console may follow, and which one it is on.
//!
//! A console is given one hub or several (`--hub A --hub B`, `[console] hubs`). It talks to one
//! at a time, the *current* one, shared by the subscriber, the outbox and the one-off reads so
//! that they never split across hubs. Whoever sees the current hub fail (a dropped stream, a
//! refused connection, a 5xx or a timeout) reports it, and the console moves to the next hub in
//! the list, round robin. The decisions are the pure functions below; [`Hubs`] only holds the
//! answer where every task can read it.

use std::sync::Arc;

use tokio::sync::watch;

use super::client::{HubClient, NetError};
pub use crate::config::hub_list;

/// The hub to be on after hub `failed` was seen failing, when the console is on `current`.
///
/// Several tasks may see the same failure (the stream breaks while a send times out): only the
/// first report moves the console, so one outage skips one hub, not one per task. A report about
/// a hub the console has already left changes nothing.
pub fn next_hub(current: usize, failed: usize, count: usize) -> usize {
    if count == 0 || failed != current {
        current
    } else {
        (failed + 1) % count
    }
}

/// The backoff attempt to wait for after `failures` failures in a row across `count` hubs.
///
/// The wait grows once per round of the list, not once per hub: when one hub of three dies the
/// console reaches the next within the first step's wait, and only when every hub has failed does
/// it slow down as a lone console would. With one hub this is `failures`, as it always was.
pub fn backoff_round(failures: u32, count: usize) -> u32 {
    let count = u32::try_from(count.max(1)).unwrap_or(u32::MAX);
    failures.saturating_sub(1) / count + 1
}

/// The hubs and which one is current, shared by every task of one console.
#[derive(Clone)]
pub struct Hubs {
    clients: Arc<[HubClient]>,
    /// The current hub's index. A watch, so the subscriber learns at once that the others moved
    /// away from the hub it is streaming from.
    current: Arc<watch::Sender<usize>>,
}

impl Hubs {
    /// `clients` in the order to try them. Empty is refused: a console needs a hub.
    pub fn new(clients: Vec<HubClient>) -> Option<Hubs> {
        if clients.is_empty() {
            return None;
        }
        Some(Hubs {
            clients: clients.into(),
            current: Arc::new(watch::channel(0).0),
        })
    }

    /// One client per URL, all with the same token.
    pub fn connect(urls: &[String], token: &str) -> Result<Hubs, NetError> {
        let clients = urls
            .iter()
            .map(|url| HubClient::new(url, token))
            .collect::<Result<Vec<_>, _>>()?;
        Hubs::new(clients).ok_or_else(|| NetError::Unreachable("no hub given".into()))
    }

    pub fn len(&self) -> usize {
        self.clients.len()
    }

    pub fn is_empty(&self) -> bool {
        self.clients.is_empty()
    }

    /// The current hub's index and its client.
    pub fn current(&self) -> (usize, HubClient) {
        let index = *self.current.borrow();
        (index, self.client(index))
    }

    /// Hub `index`'s client (indices come from [`Hubs::current`] or [`Hubs::watch`]).
    pub fn client(&self, index: usize) -> HubClient {
        self.clients[index % self.clients.len()].clone()
    }

    /// Hub `failed` did not answer as a working hub does: move on, unless someone already has.
    /// Returns the hub now current.
    pub fn failed(&self, failed: usize) -> usize {
        let count = self.len();
        self.current.send_if_modified(|current| {
            let next = next_hub(*current, failed, count);
            let moved = next != *current;
            *current = next;
            moved
        });
        *self.current.borrow()
    }

    /// Told whenever the current hub changes.
    pub fn watch(&self) -> watch::Receiver<usize> {
        self.current.subscribe()
    }

    /// One request to the current hub; a failure that says the hub is down moves the console on
    /// (the caller still gets the error, and retries or gives up as it would have).
    pub async fn request<T, F, Fut>(&self, call: F) -> Result<T, NetError>
    where
        F: FnOnce(HubClient) -> Fut,
        Fut: Future<Output = Result<T, NetError>>,
    {
        let (index, client) = self.current();
        let result = call(client).await;
        if let Err(e) = &result
            && e.warrants_failover()
        {
            let now = self.failed(index);
            if now != index {
                let (from, to) = (index + 1, now + 1);
                tracing::warn!(from, to, error = %e, "moving to the next hub");
            }
        }
        result
    }
}

/// A console given one client has a list of one: every existing caller keeps working.
impl From<HubClient> for Hubs {
    fn from(client: HubClient) -> Hubs {
        Hubs {
            clients: Arc::from(vec![client]),
            current: Arc::new(watch::channel(0).0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_moves_to_the_next_hub_round_robin() {
        assert_eq!(next_hub(0, 0, 3), 1);
        assert_eq!(next_hub(1, 1, 3), 2);
        assert_eq!(next_hub(2, 2, 3), 0);
        // One hub: nowhere else to go.
        assert_eq!(next_hub(0, 0, 1), 0);
    }

    #[test]
    fn a_second_report_of_the_same_outage_does_not_skip_a_hub() {
        // The stream saw hub 0 fail and moved to 1; the outbox's send to 0 fails afterwards.
        assert_eq!(next_hub(1, 0, 3), 1);
        assert_eq!(next_hub(2, 0, 3), 2);
    }

    #[test]
    fn the_wait_grows_once_per_round_of_the_list() {
        // One hub: every failure is a round, as before there was a list.
        assert_eq!(
            (1..=4).map(|f| backoff_round(f, 1)).collect::<Vec<_>>(),
            [1, 2, 3, 4]
        );
        // Three hubs: the first round at the first step, then the second.
        assert_eq!(
            (1..=7).map(|f| backoff_round(f, 3)).collect::<Vec<_>>(),
            [1, 1, 1, 2, 2, 2, 3]
        );
        assert_eq!(backoff_round(0, 3), 1);
    }

    #[test]
    fn the_list_takes_repeats_and_commas_and_keeps_its_order() {
        assert_eq!(
            hub_list(["https://b.example/", "https://a.example, https://b.example"]),
            ["https://b.example/", "https://a.example"]
        );
        assert_eq!(hub_list([" ,"]), Vec::<String>::new());
    }

    #[tokio::test]
    async fn the_shared_cursor_moves_once_per_outage_and_tells_the_watchers() {
        let client = |port: u16| HubClient::new(&format!("http://127.0.0.1:{port}"), "t").unwrap();
        let hubs = Hubs::new(vec![client(1), client(2), client(3)]).unwrap();
        let mut watcher = hubs.watch();
        assert_eq!(hubs.current().0, 0);
        assert_eq!(hubs.failed(0), 1);
        assert!(watcher.has_changed().unwrap());
        assert_eq!(*watcher.borrow_and_update(), 1);
        // The same outage seen late by another task.
        assert_eq!(hubs.failed(0), 1);
        assert!(!watcher.has_changed().unwrap());
        assert_eq!(hubs.failed(1), 2);
        assert_eq!(hubs.failed(2), 0);
        assert!(Hubs::new(vec![]).is_none());
    }

    #[tokio::test]
    async fn a_refused_connection_moves_the_console_and_a_refusal_does_not() {
        // Nothing listens on port 1 of loopback.
        let down = HubClient::new("http://127.0.0.1:1", "t").unwrap();
        let hubs = Hubs::new(vec![down.clone(), down]).unwrap();
        assert!(hubs.request(|c| async move { c.me().await }).await.is_err());
        assert_eq!(hubs.current().0, 1);
        let refused = || async {
            Err::<(), _>(NetError::Refused {
                status: 409,
                error: "case_changed".into(),
                message: String::new(),
                case: None,
                reason: None,
                field: None,
                changed: None,
            })
        };
        assert!(hubs.request(|_| refused()).await.is_err());
        assert_eq!(hubs.current().0, 1, "a 409 is the hub working, not failing");
    }
}
