//! The HTTP API over a real hub: enrollment, alerts, idempotency, cancel, auth, bad input.

mod common;

use common::*;
use guardia::api::{AlertResponse, CancelResponse, CasesResponse, ErrorBody, Me};
use guardia::domain::alert::AlertKind;
use guardia::domain::case::CaseStatus;
use guardia::domain::registrant::Flag;
use guardia::domain::staff::Role;
use serde_json::json;
use uuid::Uuid;

async fn error_of(res: reqwest::Response) -> (u16, ErrorBody) {
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    let body: ErrorBody = serde_json::from_str(&text)
        .unwrap_or_else(|_| panic!("error body is not the API's shape: {text}"));
    (status, body)
}

#[tokio::test]
async fn enroll_then_alert_routes_to_the_nearest_consulate() {
    let hub = TestHub::start().await;
    // Staff first: adding staff is itself an event in the log.
    let officer = hub.staff(Role::Officer, Some("los-angeles")).await;
    let phone = hub.enroll("Ana Ficticia", &[Flag::MinorsInCare]).await;
    assert!(
        phone.device_token.len() >= 36,
        "token carries at least 128 bits"
    );

    let la = hub
        .press(&phone.device_token, LA.0, LA.1, AlertKind::Imminent)
        .await;
    assert_eq!(la.consulate, "los-angeles");
    assert!(la.distance_km < 10.0);
    // Another person: the same phone pressing again would join its open case.
    let other = hub.enroll("Otra Ficticia", &[]).await;
    let chi = hub
        .press(
            &other.device_token,
            CHICAGO.0,
            CHICAGO.1,
            AlertKind::Detained,
        )
        .await;
    assert_eq!(chi.consulate, "chicago");
    assert_eq!(chi.seq, la.seq + 1, "seq is gap-free");
    assert_ne!(la.case_id, chi.case_id);
    let snap: CasesResponse = hub
        .get_as(&officer, "/v1/cases")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(snap.seq, chi.seq);
    assert_eq!(snap.cases.len(), 1, "an officer sees only their consulate");
    let case = &snap.cases[0];
    assert_eq!(case.id, la.case_id);
    assert_eq!(case.registrant.name, "Ana Ficticia");
    assert_eq!(case.flags, vec![Flag::MinorsInCare]);
    assert_eq!(case.status, CaseStatus::Open);
}

#[tokio::test]
async fn the_same_alert_id_returns_the_first_answer_and_creates_nothing() {
    let hub = TestHub::start().await;
    let phone = hub.enroll("Beto Ficticio", &[]).await;
    let id = Uuid::new_v4();
    let body = alert_body(id, LA.0, LA.1, AlertKind::Imminent);
    let mut answers = Vec::new();
    for _ in 0..3 {
        let res = hub
            .http
            .post(hub.at("/v1/alerts"))
            .bearer_auth(&phone.device_token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        answers.push(res.json::<AlertResponse>().await.unwrap());
    }
    assert!(answers.iter().all(|a| a == &answers[0]));
    assert_eq!(hub.store.head_seq().await.unwrap(), answers[0].seq);

    // Another phone may not reuse that id, nor learn anything about the case.
    let other = hub.enroll("Otra Persona", &[]).await;
    let res = hub
        .http
        .post(hub.at("/v1/alerts"))
        .bearer_auth(&other.device_token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let (status, err) = error_of(res).await;
    assert_eq!(status, 409);
    assert!(!err.message.contains(&answers[0].case_id.to_string()));
}

#[tokio::test]
async fn cancel_marks_the_case_and_is_idempotent_and_private() {
    let hub = TestHub::start().await;
    let phone = hub.enroll("Carla Ficticia", &[]).await;
    let alert = hub
        .press(&phone.device_token, LA.0, LA.1, AlertKind::Imminent)
        .await;
    let url = hub.at(&format!("/v1/alerts/{}/cancel", alert.alert_id));

    let stranger = hub.enroll("Extraño", &[]).await;
    let res = hub
        .http
        .post(&url)
        .bearer_auth(&stranger.device_token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_of(res).await.0,
        404,
        "only the phone that pressed may cancel"
    );

    let first: CancelResponse = hub
        .http
        .post(&url)
        .bearer_auth(&phone.device_token)
        .json(&json!({"reason": "false_alarm"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let again: CancelResponse = hub
        .http
        .post(&url)
        .bearer_auth(&phone.device_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(first, again);
    assert_eq!(first.seq, alert.seq + 1);
    assert_eq!(hub.store.head_seq().await.unwrap(), first.seq);

    let officer = hub.staff(Role::Officer, Some("los-angeles")).await;
    let case: guardia::domain::case::Case = hub
        .get_as(&officer, &format!("/v1/cases/{}", alert.case_id))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(case.status, CaseStatus::Cancelled);
    assert_eq!(case.version, 2);
}

#[tokio::test]
async fn auth_is_required_and_roles_are_kept_apart() {
    let hub = TestHub::start().await;
    let phone = hub.enroll("Dora Ficticia", &[]).await;
    let body = alert_body(Uuid::new_v4(), LA.0, LA.1, AlertKind::Imminent);

    let res = hub
        .http
        .post(hub.at("/v1/alerts"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(res).await.0, 401);
    let res = hub
        .http
        .post(hub.at("/v1/alerts"))
        .bearer_auth("gdv_0000")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(res).await.0, 401);
    let res = hub.get_as(&phone.device_token, "/v1/cases").await;
    assert_eq!(error_of(res).await.0, 403, "a phone cannot read cases");

    let officer = hub.staff(Role::Officer, Some("los-angeles")).await;
    let res = hub
        .http
        .post(hub.at("/v1/alerts"))
        .bearer_auth(&officer)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(res).await.0, 403, "staff cannot press as a phone");
    let res = hub.get_as(&officer, "/v1/cases?consulate=chicago").await;
    assert_eq!(error_of(res).await.0, 403, "no other consulate's cases");

    let admin = hub.staff(Role::Admin, None).await;
    let res = hub.get_as(&admin, "/v1/cases").await;
    assert_eq!(error_of(res).await.0, 403, "admins manage staff, not cases");

    let me: Me = hub.get_as(&officer, "/v1/me").await.json().await.unwrap();
    assert_eq!(me.role, Role::Officer);
    assert_eq!(me.consulate.as_deref(), Some("los-angeles"));

    // Open endpoints.
    assert_eq!(
        hub.http
            .get(hub.at("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let res = hub.http.get(hub.at("/v1/consulates")).send().await.unwrap();
    assert_eq!(error_of(res).await.0, 401);
    let list: Vec<serde_json::Value> = hub
        .get_as(&phone.device_token, "/v1/consulates")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list.len(), 53);
}

#[tokio::test]
async fn national_supervisor_sees_every_consulate_and_can_filter() {
    let hub = TestHub::start().await;
    let phone = hub.enroll("Eva Ficticia", &[]).await;
    let other = hub.enroll("Flor Ficticia", &[]).await;
    hub.press(&phone.device_token, LA.0, LA.1, AlertKind::Imminent)
        .await;
    hub.press(
        &other.device_token,
        CHICAGO.0,
        CHICAGO.1,
        AlertKind::Imminent,
    )
    .await;
    let sup = hub.staff(Role::Supervisor, None).await;
    let get = |q: &'static str| {
        let req = hub.http.get(hub.at(q)).bearer_auth(&sup);
        async move {
            req.send()
                .await
                .unwrap()
                .json::<CasesResponse>()
                .await
                .unwrap()
        }
    };
    assert_eq!(get("/v1/cases").await.cases.len(), 2);
    assert_eq!(get("/v1/cases?consulate=chicago").await.cases.len(), 1);
    assert_eq!(get("/v1/cases?status=cancelled").await.cases.len(), 0);
}

#[tokio::test]
async fn bad_input_gets_a_clear_4xx_and_stores_nothing() {
    let hub = TestHub::start().await;
    let phone = hub.enroll("Fela Ficticia", &[]).await;
    let head = hub.store.head_seq().await.unwrap();
    let post = |path: &'static str, body: String| {
        let req = hub
            .http
            .post(hub.at(path))
            .bearer_auth(&phone.device_token)
            .header("content-type", "application/json")
            .body(body);
        async move { error_of(req.send().await.unwrap()).await }
    };
    let good = alert_body(Uuid::new_v4(), LA.0, LA.1, AlertKind::Imminent);
    let with = |k: &str, v: serde_json::Value| {
        let mut b = good.clone();
        b[k] = v;
        b.to_string()
    };

    let (s, e) = post("/v1/alerts", "{\"id\": ".into()).await;
    assert_eq!((s, e.error.as_str()), (400, "malformed_request"));
    let (s, e) = post("/v1/alerts", with("lat", json!(123.0))).await;
    assert_eq!(s, 422);
    assert!(e.message.starts_with("lat:"), "{}", e.message);
    let (s, e) = post("/v1/alerts", with("lon", json!("west"))).await;
    assert_eq!(s, 422);
    assert!(
        e.message.contains("lon") || e.message.contains("invalid type"),
        "{}",
        e.message
    );
    let (s, e) = post("/v1/alerts", with("kind", json!("maybe"))).await;
    assert_eq!(s, 422, "{}", e.message);
    let (s, e) = post("/v1/alerts", with("surprise", json!(1))).await;
    assert_eq!(s, 422);
    assert!(
        e.message.contains("surprise"),
        "unknown field is named: {}",
        e.message
    );
    let (s, _) = post("/v1/alerts", with("id", json!("not-a-uuid"))).await;
    assert_eq!(s, 422);
    let (s, e) = post("/v1/alerts", "x".repeat(20_000)).await;
    assert_eq!((s, e.error.as_str()), (413, "body_too_large"));
    let nested = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    let (s, _) = post("/v1/alerts", nested).await;
    assert!(
        (400..500).contains(&s),
        "deep nesting is refused, not crashed on: {s}"
    );
    let dup = good.to_string().replacen('{', "{\"lat\": 1.0,", 1);
    let (s, e) = post("/v1/alerts", dup).await;
    assert_eq!(s, 422, "duplicated keys are refused: {}", e.message);

    // Escape sequences in a name are refused at the door.
    let mut evil = profile("Ana\u{1b}]52;c;aGk=\u{7}", &[]);
    let res = hub
        .http
        .post(hub.at("/v1/enroll"))
        .json(&evil)
        .send()
        .await
        .unwrap();
    let (s, e) = error_of(res).await;
    assert_eq!(s, 422);
    assert!(e.message.starts_with("name:"), "{}", e.message);
    evil.name = "Ana\u{202e}zeruR".into();
    let res = hub
        .http
        .post(hub.at("/v1/enroll"))
        .json(&evil)
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(res).await.0, 422);

    let res = hub
        .http
        .post(hub.at("/v1/alerts"))
        .bearer_auth(&phone.device_token)
        .header("content-type", "text/plain")
        .body(good.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(res).await.0, 415);
    let res = hub
        .http
        .get(hub.at("/v1/nothing-here"))
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(res).await.0, 404);

    assert_eq!(
        hub.store.head_seq().await.unwrap(),
        head,
        "nothing was written"
    );
}

#[tokio::test]
async fn an_enrollments_key_never_mints_a_second_token() {
    let hub = TestHub::start().await;
    let body = profile("Gala Ficticia", &[]);
    let send = || {
        hub.http
            .post(hub.at("/v1/enroll"))
            .header("Idempotency-Key", "enroll-1")
            .json(&body)
            .send()
    };
    let first = send().await.unwrap();
    assert_eq!(first.status(), 201);
    let first: guardia::api::EnrollResponse = first.json().await.unwrap();
    // Used once, so the hub has it in memory too.
    hub.press(&first.device_token, LA.0, LA.1, AlertKind::Imminent)
        .await;
    // Whoever replays the key gets no token, and the device keeps its own.
    let second = send().await.unwrap();
    assert_eq!(second.status(), 409);
    let text = second.text().await.unwrap();
    assert!(!text.contains("gdv_"), "{text}");
    hub.press(&first.device_token, LA.0, LA.1, AlertKind::Imminent)
        .await;
}

#[tokio::test]
async fn data_survives_a_restart() {
    let hub = TestHub::start().await;
    let phone = hub.enroll("Hilda Ficticia", &[]).await;
    let a = hub
        .press(&phone.device_token, LA.0, LA.1, AlertKind::Imminent)
        .await;
    let dir = hub.stop().await;
    let hub = TestHub::start_in(dir, Default::default()).await;
    let other = hub.enroll("Irene Ficticia", &[]).await;
    let b = hub
        .press(&other.device_token, LA.0, LA.1, AlertKind::Detained)
        .await;
    assert_eq!(
        b.seq,
        a.seq + 1,
        "seq continues without a gap after restart"
    );
    let again = hub
        .press(&phone.device_token, LA.0, LA.1, AlertKind::Detained)
        .await;
    assert_eq!(
        again.case_id, a.case_id,
        "an open case is found after a restart"
    );
    assert_eq!(b.case_id, a.case_id + 1);
}

/// A job's write that fails only when it is sent (on PostgreSQL, writes whose answer a job does
/// not need travel with its release, after the job said yes): the job is undone and its caller
/// told, it leaves nothing, and the other jobs of its batch are kept.
#[tokio::test]
async fn a_write_that_fails_after_its_job_said_yes_is_undone_told_and_spares_the_batch() {
    let hub = TestHub::start().await;
    let phone = hub.enroll("Olga Ficticia", &[]).await;
    let failing = |tag: &'static str| {
        let store = hub.store.clone();
        async move {
            store
                .write(move |ctx| {
                    ctx.write_later(
                        "INSERT INTO alerts (alert_id, registrant_id, case_id, response)
                         VALUES (?1, 0, 0, '{}')",
                        [tag],
                    )?;
                    ctx.write_later("INSERT INTO no_such_table (x) VALUES (?1)", [1])?;
                    Ok(())
                })
                .await
        }
    };
    // Alone in its batch (ended with the commit), then beside presses (between two jobs).
    assert!(failing("alone").await.is_err());
    let (beside, first, again) = tokio::join!(
        failing("beside"),
        hub.press(&phone.device_token, LA.0, LA.1, AlertKind::Imminent),
        hub.press(&phone.device_token, LA.0, LA.1, AlertKind::Imminent),
    );
    assert!(beside.is_err());
    assert_eq!(
        hub.count("SELECT COUNT(*) FROM alerts WHERE alert_id IN ('alone', 'beside')"),
        0
    );
    assert_eq!(first.case_id, again.case_id);
    assert_eq!(
        hub.count("SELECT COUNT(*) FROM events WHERE kind IN ('alert_raised', 'alert_repeated')"),
        2
    );
    // And the hub goes on writing.
    let later = hub
        .press(&phone.device_token, LA.0, LA.1, AlertKind::Detained)
        .await;
    assert!(later.seq > first.seq.max(again.seq));
}

/// PostgreSQL: a batch commits without waiting for the disk, so that the next hub's turn need
/// not wait for this one's flush, and the press is answered only once the WAL is flushed past
/// that commit. The server's own WAL writer is slowed to one flush in ten seconds, so only the
/// hub's flush can have covered the press when its answer comes; the commit is found in the WAL
/// itself (`pg_walinspect`).
#[tokio::test]
async fn on_postgresql_a_press_is_answered_only_once_its_commit_is_on_disk() {
    if common::pg::engine() != common::pg::Engine::Postgres {
        eprintln!("skipped on SQLite: its commit returns once the WAL is synced");
        return;
    }
    let hub = TestHub::start().await;
    hub.with_db(|db| {
        db.batch("CREATE EXTENSION IF NOT EXISTS pg_walinspect")
            .unwrap()
    });
    slow_wal_writer(&hub, true);
    let phone = hub.enroll("Persona Ficticia", &[]).await;
    let start = hub
        .texts("SELECT pg_current_wal_insert_lsn()::text")
        .remove(0);
    hub.press(&phone.device_token, LA.0, LA.1, AlertKind::Imminent)
        .await;
    let flushed = hub
        .texts("SELECT pg_current_wal_flush_lsn()::text")
        .remove(0);
    let xmin = hub
        .texts(
            "SELECT xmin::text FROM events WHERE kind = 'alert_raised' ORDER BY seq DESC LIMIT 1",
        )
        .remove(0);
    // The WAL can be read only as far as it is flushed: the test flushes it all (a synchronous
    // commit of its own) to find the press's commit wherever it is. The row was written in a
    // job's savepoint: its transaction id is listed among the commit's subtransactions.
    hub.with_db(|db| {
        db.batch("SELECT pg_logical_emit_message(true, 'test', '')")
            .unwrap()
    });
    let commits = hub.texts(&format!(
        "SELECT end_lsn::text FROM pg_get_wal_records_info('{start}', pg_current_wal_flush_lsn())
          WHERE resource_manager = 'Transaction' AND record_type LIKE 'COMMIT%'
            AND (xid::text = '{xmin}' OR description ~ '\\m{xmin}\\M')"
    ));
    slow_wal_writer(&hub, false);
    assert_eq!(commits.len(), 1, "the press's commit, once: {commits:?}");
    let covered = hub.count(&format!(
        "SELECT CASE WHEN '{flushed}'::pg_lsn >= '{}'::pg_lsn THEN 1 ELSE 0 END",
        commits[0]
    ));
    assert_eq!(
        covered, 1,
        "answered with the WAL flushed to {flushed}, short of the commit at {}",
        commits[0]
    );
}

/// PostgreSQL: another hub's batch is visible a moment before it is on disk, so a position this
/// hub hands out (a snapshot's `seq`, the head a stream starts from) is flushed first: a console
/// must never resume past a commit that a crash could still take back. The test commits without
/// waiting for the disk itself, as a hub's batch does, with the server's WAL writer slowed.
#[tokio::test]
async fn on_postgresql_a_snapshot_or_a_stream_head_is_handed_out_only_once_on_disk() {
    if common::pg::engine() != common::pg::Engine::Postgres {
        eprintln!("skipped on SQLite: a commit is visible only once on disk");
        return;
    }
    let hub = TestHub::start().await;
    let officer = hub.staff(Role::Supervisor, None).await;
    slow_wal_writer(&hub, true);
    hub.with_db(|db| {
        db.batch("CREATE TABLE IF NOT EXISTS another_hubs_batch (n INT)")
            .unwrap()
    });
    let committed = || {
        hub.with_db(|db| {
            db.batch(
                "BEGIN; SET LOCAL synchronous_commit TO off;
                 INSERT INTO another_hubs_batch VALUES (1); COMMIT",
            )
            .unwrap();
            db.query_row("SELECT pg_current_wal_insert_lsn()::text", (), |r| {
                r.get::<String>(0)
            })
            .unwrap()
        })
    };
    let on_disk = |lsn: &str| {
        hub.count(&format!(
            "SELECT CASE WHEN pg_current_wal_flush_lsn() >= '{lsn}'::pg_lsn THEN 1 ELSE 0 END"
        ))
    };

    let before_snapshot = committed();
    let res = hub.get_as(&officer, "/v1/cases").await;
    assert_eq!(res.status(), 200);
    let snapshot_flushed = on_disk(&before_snapshot);

    let before_stream = committed();
    let stream = hub.get_as(&officer, "/v1/events").await;
    assert_eq!(stream.status(), 200);
    let stream_flushed = on_disk(&before_stream);
    drop(stream);

    slow_wal_writer(&hub, false);
    assert_eq!(snapshot_flushed, 1, "the snapshot was answered first");
    assert_eq!(stream_flushed, 1, "the stream's head was handed out first");
}

/// Slows PostgreSQL's own WAL writer to one flush in ten seconds (or puts it back), so that only
/// what the hub flushes is on disk within a test.
fn slow_wal_writer(hub: &TestHub, slow: bool) {
    hub.with_db(|db| {
        db.batch(if slow {
            "ALTER SYSTEM SET wal_writer_delay = '10s'"
        } else {
            "ALTER SYSTEM RESET wal_writer_delay"
        })
        .unwrap();
        db.batch("SELECT pg_reload_conf()").unwrap();
    });
}
