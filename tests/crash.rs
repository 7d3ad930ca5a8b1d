//! Crash safety, proven on the real binary: `guardia hub` is killed with SIGKILL again and again
//! during a burst of presses. After every restart, every alert that got a 2xx is in the log, `seq`
//! has no gap, `PRAGMA integrity_check` is ok; and a console that followed the whole time ends
//! with exactly the committed events, none missing, none twice.
//!
//! Bounded: a handful of kills and a few hundred presses, seconds in all.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use common::*;
use guardia::api::{AlertResponse, EnrollResponse};
use guardia::console::app::{drain, spawn_feeds};
use guardia::console::model::Model;
use guardia::console::net::client::HubClient;
use guardia::domain::alert::AlertKind;
use guardia::i18n::Lang;
use rand::Rng;
use uuid::Uuid;

const KILLS: usize = 5;

/// An alert answered 2xx: its id, and the answer if the body arrived before the kill.
type Acked = (Uuid, Option<AlertResponse>);
const PRESSERS: usize = 4;

fn supervisor_token(db: &Path) -> String {
    let out = guardia()
        .args([
            "admin",
            "staff",
            "add",
            "--name",
            "Supervisora de prueba",
            "--role",
            "supervisor",
            "--national",
            "--db",
        ])
        .arg(db)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .find_map(|l| l.split("once; store it safely): ").nth(1).map(String::from))
        .expect("a token is printed")
}

/// The log as stored: seq → (case, kind, alert id if any).
fn read_log(db: &Path) -> BTreeMap<u64, (u64, String, Option<String>)> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let mut stmt = conn
        .prepare("SELECT seq, case_id, kind, json_extract(body, '$.body.alert_id') FROM events ORDER BY seq")
        .unwrap();
    stmt.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)? as u64,
            (r.get::<_, i64>(1)? as u64, r.get(2)?, r.get(3)?),
        ))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_a_burst_loses_nothing_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crash.db");
    let token = supervisor_token(&db);
    let (mut hub, addr, _log) = start_hub(&db, "127.0.0.1:0");
    let url = format!("http://{addr}");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();

    // Phones enrolled up front; each press comes from a fresh one so each is a new case.
    let mut phones = Vec::new();
    for i in 0..(KILLS + 1) * PRESSERS * 30 {
        let res = http
            .post(format!("{url}/v1/enroll"))
            .json(&profile(&format!("Persona Ficticia {i}"), &[]))
            .send()
            .await
            .unwrap();
        phones.push(res.json::<EnrollResponse>().await.unwrap().device_token);
    }
    let phones = Arc::new(Mutex::new(phones));

    // A console following the whole time, across every restart.
    let stop = tokio_util::sync::CancellationToken::new();
    let client = HubClient::new(&url, &token).unwrap();
    let (mut inbox, _effects) =
        spawn_feeds(client, &dir.path().join("outbox.json"), &stop).unwrap();
    let mut model = Model::new(Lang::En, true, chrono::Duration::minutes(5), Utc::now());

    // Every alert answered 2xx: its id, and the answer when the body arrived before the kill.
    let acknowledged: Arc<Mutex<Vec<Acked>>> = Arc::default();
    for round in 0..=KILLS {
        // A burst from several pressers, cut short by SIGKILL (except the last round).
        let mut tasks = Vec::new();
        for _ in 0..PRESSERS {
            let (http, url, phones, acked) = (
                http.clone(),
                url.clone(),
                phones.clone(),
                acknowledged.clone(),
            );
            tasks.push(tokio::spawn(async move {
                loop {
                    let Some(phone) = phones.lock().unwrap().pop() else {
                        return;
                    };
                    let id = Uuid::new_v4();
                    let body = alert_body(id, LA.0, LA.1, AlertKind::Detained);
                    let res = http
                        .post(format!("{url}/v1/alerts"))
                        .bearer_auth(&phone)
                        .json(&body)
                        .send()
                        .await;
                    match res {
                        Ok(r) if r.status().is_success() => {
                            // A 2xx whose body is cut off by the kill is still a 2xx: the
                            // status line alone is the hub's promise, so the id is owed.
                            let answer: Option<AlertResponse> = r.json().await.ok();
                            let cut = answer.is_none();
                            acked.lock().unwrap().push((id, answer));
                            if cut {
                                return;
                            }
                        }
                        // 5xx or a dropped connection: not acknowledged, so not owed.
                        _ => return,
                    }
                }
            }));
        }
        if round < KILLS {
            let ms = rand::rng().random_range(50..250);
            tokio::time::sleep(Duration::from_millis(ms)).await;
            hub.kill().unwrap(); // SIGKILL: no shutdown code runs
            hub.wait().unwrap();
        }
        for t in tasks {
            let _ = t.await;
        }
        if round < KILLS {
            let log = read_log(&db);
            let seqs: Vec<u64> = log.keys().copied().collect();
            assert_eq!(
                seqs,
                (1..=seqs.len() as u64).collect::<Vec<_>>(),
                "gap-free after kill {round}"
            );
            let logged: HashMap<String, u64> = log
                .iter()
                .filter_map(|(seq, (_, _, alert))| alert.clone().map(|a| (a, *seq)))
                .collect();
            for (id, answer) in acknowledged.lock().unwrap().iter() {
                let seq = logged
                    .get(&id.to_string())
                    .unwrap_or_else(|| panic!("acknowledged alert {id} lost at kill {round}"));
                if let Some(a) = answer {
                    assert_eq!(a.seq, *seq);
                    assert_eq!(log[seq].0, a.case_id);
                    assert_eq!(log[seq].1, "alert_raised");
                }
            }
            (hub, _, _) = start_hub(&db, &addr);
        }
    }

    // The console ends with exactly the log: every case, each event applied once.
    let log = read_log(&db);
    let head = *log.keys().last().unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while model.last_seq < head {
        let action = tokio::time::timeout_at(deadline, inbox.recv())
            .await
            .expect("the console never caught up")
            .expect("inbox open");
        drain(&mut model, action, &mut inbox);
    }
    let mut per_case: HashMap<u64, u64> = HashMap::new();
    // Case 0 holds the roster's changes, not a case.
    for (case, _, _) in log.values().filter(|(case, _, _)| *case != 0) {
        *per_case.entry(*case).or_default() += 1;
    }
    assert_eq!(
        model.cases.len(),
        per_case.len(),
        "none missing, none extra"
    );
    for (case, events) in per_case {
        assert_eq!(
            model.cases[&case].version, events,
            "case {case}: every event once"
        );
    }
    let acked = acknowledged.lock().unwrap().len();
    assert!(acked > 0, "some presses were acknowledged");
    eprintln!("{KILLS} kills, {acked} acknowledged alerts, {head} events, all present");
    stop.cancel();
    let _ = hub.kill();
    let _ = hub.wait();
}

#[tokio::test]
async fn a_full_disk_answers_503_and_writes_nothing() {
    // The disk is filled with SQLite's page cap; PostgreSQL's full disk is its own.
    if common::pg::sqlite_only("fills the disk through SQLite's page cap") {
        return;
    }
    let hub = TestHub::start().await;
    let officer = hub
        .staff(guardia::domain::staff::Role::Officer, Some("los-angeles"))
        .await;
    let phone = hub.enroll("Ana Ficticia", &[]).await;
    let first = hub
        .press(&phone.device_token, LA.0, LA.1, AlertKind::Detained)
        .await;
    let mut others = Vec::new();
    for i in 0..20 {
        others.push(hub.enroll(&format!("Otra Ficticia {i}"), &[]).await);
    }
    // The disk is full: no page may be added.
    let pages = hub.store.page_count().await.unwrap();
    hub.store.cap_pages(pages).await.unwrap();
    let mut refused = 0;
    let mut ids = Vec::new();
    for other in &others {
        let id = Uuid::new_v4();
        let res = hub
            .http
            .post(hub.at("/v1/alerts"))
            .bearer_auth(&other.device_token)
            .json(&alert_body(id, LA.0, LA.1, AlertKind::Detained))
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        assert!(status == 201 || status == 503, "got {status}");
        if status == 503 {
            refused += 1;
            let body: serde_json::Value = res.json().await.unwrap();
            assert_eq!(body["error"], "storage_unavailable");
            ids.push((other.device_token.clone(), id));
        }
    }
    assert!(refused > 0, "the cap made writes fail");
    let head = hub.store.head_seq().await.unwrap();
    let cases = hub.cases_of(&officer).await.len() as u64;
    // Staff changes are in the log too (case 0); every other event belongs to a case.
    let db = rusqlite::Connection::open(hub.dir.path().join("hub.db")).unwrap();
    let roster: u64 = db
        .query_row("SELECT COUNT(*) FROM events WHERE case_id = 0", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(
        cases,
        head - roster,
        "one event per case, no event without its case"
    );
    // Space again: the phone's retry with the same id now succeeds, once.
    hub.store.cap_pages(1_000_000).await.unwrap();
    let (token, id) = ids[0].clone();
    let res = hub
        .http
        .post(hub.at("/v1/alerts"))
        .bearer_auth(&token)
        .json(&alert_body(id, LA.0, LA.1, AlertKind::Detained))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    assert!(first.seq < hub.store.head_seq().await.unwrap());
}
