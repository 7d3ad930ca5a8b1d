//! A console given several hubs, headless (subscriber, outbox and executor; no terminal) against
//! real hubs on 127.0.0.1: when the hub it is on goes away it moves to the next, resumes its
//! stream after the last `seq` it holds, and sends what its outbox holds there, under the key the
//! action was saved with.
//!
//! "Several hubs" here are one database reached at two addresses: moved from one to the other
//! (the first test), or behind a front that loses an answer (the second). Either way the log is
//! the same, which is what a console failing over relies on.

mod common;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use common::*;
use guardia::console::action::{Action, Connection, Notice};
use guardia::console::app::{Effects, spawn_feeds};
use guardia::console::model::Model;
use guardia::console::net::client::HubClient;
use guardia::console::net::hubs::Hubs;
use guardia::console::net::outbox::{Draft, Outbox};
use guardia::domain::alert::AlertKind;
use guardia::domain::command::CaseCommand;
use guardia::domain::staff::Role;
use guardia::hub::state::StreamSettings;
use guardia::i18n::Lang;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// The console's network layer and model, with a record of what reached the inbox.
struct Console {
    model: Model,
    inbox: mpsc::Receiver<Action>,
    effects: Effects,
    stop: CancellationToken,
    /// Every event's `seq` the subscriber forwarded, in order.
    events: Vec<u64>,
    /// Every hub the stream opened on, in order.
    hubs: Vec<usize>,
    /// What the status line said, in order.
    notices: Vec<Notice>,
}

impl Console {
    fn start(urls: &[String], token: &str, outbox: &Path) -> Console {
        let clients = urls.iter().map(|u| HubClient::new(u, token).unwrap());
        let hubs = Hubs::new(clients.collect()).unwrap();
        let stop = CancellationToken::new();
        let (inbox, effects) = spawn_feeds(hubs, outbox, &stop).unwrap();
        Console {
            model: Model::new(Lang::En, true, chrono::Duration::minutes(5), Utc::now()),
            inbox,
            effects,
            stop,
            events: Vec::new(),
            hubs: Vec::new(),
            notices: Vec::new(),
        }
    }

    /// Applies actions one by one, as the app loop does (performing their commands), noting
    /// each, until `done` holds.
    async fn until(&mut self, what: &str, done: impl Fn(&Console) -> bool) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        while !done(self) {
            let action = tokio::time::timeout_at(deadline, self.inbox.recv())
                .await
                .unwrap_or_else(|_| panic!("the console never reached: {what}"))
                .expect("inbox closed");
            match &action {
                Action::HubEvent(e) => self.events.push(e.seq),
                Action::Hub { index, .. } => self.hubs.push(*index),
                _ => {}
            }
            for command in guardia::console::update::update(&mut self.model, action) {
                self.effects.perform(command);
            }
            // What the status line said, as it changed (update makes some notices itself).
            if self.model.notice.is_some() && self.model.notice.as_ref() != self.notices.last() {
                self.notices.extend(self.model.notice.clone());
            }
        }
    }

    /// Queues an acknowledgement of `case` as the keys would: a draft into the outbox.
    fn acknowledge(&mut self, case: u64) {
        let version = self.model.cases[&case].version;
        self.effects
            .perform(guardia::console::action::Command::Submit(Draft {
                case_id: case,
                version,
                request: CaseCommand::Acknowledge,
            }));
    }

    fn applied(&self, case: u64) -> bool {
        self.notices
            .iter()
            .any(|n| matches!(n, Notice::Applied { case_id, .. } if *case_id == case))
    }

    /// No event forwarded twice, none out of order.
    fn assert_each_event_once(&self) {
        assert!(
            self.events.windows(2).all(|w| w[0] < w[1]),
            "events doubled or out of order: {:?}",
            self.events
        );
    }
}

/// The hub's answer when the acknowledgement is sent again with `key`: was it a replay of one
/// already applied?
async fn replayed(hub: &TestHub, token: &str, case: u64, version: u64, key: &str) -> bool {
    let ack = CaseCommand::Acknowledge;
    let res = hub
        .http
        .post(hub.at(&ack.path(case)))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .header("If-Match", format!("\"{version}\""))
        .json(&ack.body())
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{:?}", res.text().await);
    res.headers()["idempotent-replayed"] == "true"
}

/// How often `case` was acknowledged, by its timeline on the hub.
async fn acknowledgements(hub: &TestHub, token: &str, case: u64) -> usize {
    timeline_kinds(&hub.case(token, case).await)
        .iter()
        .filter(|k| *k == "case_acknowledged")
        .count()
}

#[tokio::test]
async fn the_console_moves_to_the_next_hub_resumes_after_its_last_seq_and_sends_what_it_held() {
    let hub = TestHub::start().await;
    let officer = hub.staff(Role::Officer, Some("los-angeles")).await;
    let first = hub.enroll("Uno Ficticio", &[]).await;
    let case = hub
        .press(&first.device_token, LA.0, LA.1, AlertKind::Detained)
        .await
        .case_id;
    // Where the hub will come back: known to the console from the start, refusing until then.
    let standby = reserve_addr();
    let standby_url = format!("http://{}", standby.local_addr().unwrap());
    let state = tempfile::tempdir().unwrap();
    let outbox = state.path().join("outbox.json");
    let mut console = Console::start(&[hub.url.clone(), standby_url], &officer, &outbox);
    console
        .until("live on the first hub", |c| {
            c.model.connection == Connection::Live && c.model.cases.len() == 1
        })
        .await;
    let second = hub.enroll("Dos Ficticia", &[]).await;
    let before = hub
        .press(&second.device_token, LA.0, LA.1, AlertKind::Imminent)
        .await
        .seq;
    console
        .until("the second alert", |c| c.model.last_seq >= before)
        .await;

    // The first hub goes away for good. With both addresses refusing, an acknowledgement taken
    // now waits in the outbox, tried once and held.
    let dir = hub.stop().await;
    console
        .until("the stream lost", |c| {
            matches!(c.model.connection, Connection::Reconnecting { .. })
        })
        .await;
    console.acknowledge(case);
    console
        .until("the acknowledgement held", |c| {
            c.notices.iter().any(|n| matches!(n, Notice::Held { .. }))
        })
        .await;
    let saved = Outbox::open(&outbox).unwrap().entries().to_vec();
    assert_eq!(saved.len(), 1);
    let key = saved[0].key.clone();

    // Meanwhile the log grows, through the same database served where no console looks.
    let elsewhere = TestHub::start_in(dir, StreamSettings::default()).await;
    let mut meanwhile = Vec::new();
    for name in ["Tres Ficticio", "Cuatro Ficticia"] {
        let phone = elsewhere.enroll(name, &[]).await;
        let answer = elsewhere
            .press(&phone.device_token, LA.0, LA.1, AlertKind::Detained)
            .await;
        meanwhile.push(answer.seq);
    }
    let dir = elsewhere.stop().await;

    // The hub comes up at the second address.
    let hub = TestHub::serve_on(standby.listen(64).unwrap(), dir, |_| {}).await;
    console
        .until("caught up on the second hub, outbox sent", |c| {
            c.model.hub == Some(1)
                && c.model.last_seq >= meanwhile[1]
                && c.model.outbox.waiting == 0
                && c.applied(case)
        })
        .await;

    assert_eq!(console.hubs.first(), Some(&0));
    assert_eq!(console.hubs.last(), Some(&1));
    assert!(
        console
            .notices
            .contains(&Notice::OnHub { number: 2, of: 2 }),
        "{:?}",
        console.notices
    );
    // Resumed, not reloaded: what was committed while it was away came as events, each once.
    console.assert_each_event_once();
    for seq in &meanwhile {
        assert!(console.events.contains(seq), "{seq} not streamed");
    }
    assert_eq!(console.model.cases.len(), 4, "none missed, none doubled");
    assert!(console.model.outbox.refused.is_empty());
    // Applied once, under the key saved before the hub went away.
    assert_eq!(acknowledgements(&hub, &officer, case).await, 1);
    let version = console.model.cases[&case].version;
    assert!(replayed(&hub, &officer, case, version, &key).await);
    assert_eq!(acknowledgements(&hub, &officer, case).await, 1);
    console.stop.cancel();
    hub.stop().await;
}

/// A front for a hub that passes everything both ways, except that it loses the answer to the
/// first case action: the request reaches the hub, which applies it and answers, and the front
/// drops the connection instead of passing the answer on. The console cannot tell that from a
/// hub that failed mid-request.
struct LossyFront {
    url: String,
    /// The Idempotency-Key of the action whose answer was lost.
    lost: Arc<Mutex<Option<String>>>,
}

impl LossyFront {
    async fn start(hub: SocketAddr) -> LossyFront {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let lost: Arc<Mutex<Option<String>>> = Arc::default();
        let keep = lost.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(upstream) = tokio::net::TcpStream::connect(hub).await else {
                    continue;
                };
                tokio::spawn(pass(client, upstream, keep.clone()));
            }
        });
        LossyFront { url, lost }
    }
}

/// One connection through the front.
async fn pass(
    client: tokio::net::TcpStream,
    upstream: tokio::net::TcpStream,
    lost: Arc<Mutex<Option<String>>>,
) {
    let (mut from_client, mut to_client) = client.into_split();
    let (mut from_hub, mut to_hub) = upstream.into_split();
    let cut = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let marked = cut.clone();
    let requests = async move {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = match from_client.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            if let Some(key) = idempotency_key(&buf[..n]) {
                let mut lost = lost.lock().unwrap();
                if lost.is_none() {
                    *lost = Some(key);
                    marked.store(true, std::sync::atomic::Ordering::SeqCst);
                }
            }
            if to_hub.write_all(&buf[..n]).await.is_err() {
                return;
            }
        }
    };
    let answers = async move {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = match from_hub.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            // The hub has answered (so it has committed): the answer goes no further.
            if cut.load(std::sync::atomic::Ordering::SeqCst) {
                return;
            }
            if to_client.write_all(&buf[..n]).await.is_err() {
                return;
            }
        }
    };
    // Either side ending ends the connection: both halves drop.
    tokio::select! {
        _ = requests => {}
        _ = answers => {}
    }
}

/// The Idempotency-Key header's value, if this chunk of a request carries one.
fn idempotency_key(chunk: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(chunk).to_ascii_lowercase();
    let at = text.find("\r\nidempotency-key:")? + "\r\nidempotency-key:".len();
    let value = text[at..].split("\r\n").next()?.trim();
    Some(value.to_string())
}

#[tokio::test]
async fn an_answer_lost_on_one_hub_is_asked_of_the_next_under_the_same_key() {
    let hub = TestHub::start().await;
    let officer = hub.staff(Role::Officer, Some("los-angeles")).await;
    let phone = hub.enroll("Cinco Ficticio", &[]).await;
    let case = hub
        .press(&phone.device_token, LA.0, LA.1, AlertKind::Detained)
        .await
        .case_id;
    let front = LossyFront::start(hub.addr).await;
    let state = tempfile::tempdir().unwrap();
    let outbox = state.path().join("outbox.json");
    // The front first, the hub itself second: one log, two ways to it.
    let mut console = Console::start(&[front.url.clone(), hub.url.clone()], &officer, &outbox);
    console
        .until("live through the front", |c| {
            c.model.connection == Connection::Live && c.model.cases.len() == 1
        })
        .await;
    assert_eq!(console.hubs, [0]);
    let version = console.model.cases[&case].version;

    console.acknowledge(case);
    console
        .until("the acknowledgement settled on the second hub", |c| {
            c.model.hub == Some(1)
                && c.model.outbox.waiting == 0
                && (c.applied(case) || !c.model.outbox.refused.is_empty())
        })
        .await;

    // The lost send moved the whole console, its stream included, and the resend was taken as
    // the same action: had the key been new, the hub would have refused an acknowledgement of a
    // case already acknowledged at a version it no longer has.
    assert_eq!(console.hubs, [0, 1]);
    assert!(
        console.model.outbox.refused.is_empty(),
        "{:?}",
        console.model.outbox.refused
    );
    assert!(console.applied(case));
    assert_eq!(acknowledgements(&hub, &officer, case).await, 1);
    let lost = front
        .lost
        .lock()
        .unwrap()
        .clone()
        .expect("an answer was lost");
    assert!(replayed(&hub, &officer, case, version, &lost).await);
    // Its event reached the console once, whichever stream carried it.
    console
        .until("the acknowledgement's event", |c| {
            c.model.cases[&case].version > version
        })
        .await;
    console.assert_each_event_once();
    console.stop.cancel();
    hub.stop().await;
}
