//! Holding against abuse, each attack tried over real HTTP on loopback: enrolling someone else's
//! number, guessing codes, replaying enrollment keys, floods, and what the hub leaks.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use common::*;
use guardia::api::{EnrollResponse, EnrollmentPending};
use guardia::domain::alert::AlertKind;
use guardia::hub::notify::{NotifySettings, new_secret, parse_secret};
use serde_json::{Value, json};

/// The phones' side of the gateway: every message that reaches it, as JSON.
#[derive(Clone, Default)]
struct Phones {
    got: Arc<Mutex<Vec<Value>>>,
}

impl Phones {
    async fn start() -> (Phones, String) {
        let phones = Phones::default();
        let state = phones.clone();
        let app = axum::Router::new().route(
            "/sms",
            axum::routing::post(move |body: String| {
                let state = state.clone();
                async move {
                    if let Ok(v) = serde_json::from_str(&body) {
                        state.got.lock().unwrap().push(v);
                    }
                    axum::http::StatusCode::OK
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/sms", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (phones, url)
    }

    /// Waits (bounded) for the `nth` message of `kind` to `phone`.
    async fn message(&self, kind: &str, phone: &str, nth: usize) -> Value {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let found: Vec<Value> = self
                .got
                .lock()
                .unwrap()
                .iter()
                .filter(|m| m["type"] == kind && m["data"]["to"] == phone)
                .cloned()
                .collect();
            if let Some(m) = found.get(nth) {
                return m.clone();
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no {kind} #{nth} to {phone}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

type ManualClock = Arc<Mutex<DateTime<Utc>>>;

/// A hub that verifies phones, sending through `url`, on a clock the test moves.
async fn verifying_hub(url: &str) -> (TestHub, ManualClock) {
    let now: ManualClock = Arc::new(Mutex::new(Utc::now()));
    let clock_now = now.clone();
    let settings = NotifySettings {
        url: Some(url.to_string()),
        secret: parse_secret(&new_secret()).unwrap(),
        allow_private_targets: true,
        retry_base: Duration::from_millis(20),
        per_host: 4,
    };
    let hub = TestHub::start_configured(tempfile::tempdir().unwrap(), move |s| {
        s.enroll.verify_phone = true;
        s.notify = settings;
        s.clock = Arc::new(move || *clock_now.lock().unwrap());
    })
    .await;
    (hub, now)
}

async fn start_enrollment(hub: &TestHub, name: &str, phone: &str) -> EnrollmentPending {
    let mut p = profile(name, &[]);
    p.phone = phone.into();
    let res = hub
        .http
        .post(hub.at("/v1/enroll"))
        .json(&p)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202, "{:?}", res.text().await);
    res.json().await.unwrap()
}

async fn verify(hub: &TestHub, id: &str, code: &str) -> reqwest::Response {
    hub.http
        .post(hub.at(&format!("/v1/enroll/{id}/verify")))
        .json(&json!({ "code": code }))
        .send()
        .await
        .unwrap()
}

fn wrong_code(right: &str) -> String {
    let n: u32 = right.parse().unwrap();
    format!("{:06}", (n + 1) % 1_000_000)
}

#[tokio::test]
async fn an_impostor_cannot_take_a_number_without_its_code_and_the_owner_keeps_their_device() {
    let (phones, url) = Phones::start().await;
    let (hub, _) = verifying_hub(&url).await;
    let victim = "+13105550177";
    // The victim enrolls and verifies with the code their phone received.
    let pending = start_enrollment(&hub, "Victima Ficticia", victim).await;
    let sms = phones.message("phone.verify", victim, 0).await;
    let code = sms["data"]["code"].as_str().unwrap().to_string();
    let res = verify(&hub, &pending.enrollment_id, &code).await;
    assert_eq!(res.status(), 201);
    let owner: EnrollResponse = res.json().await.unwrap();

    // The impostor enrolls the victim's number with their own "relative": the code goes to the
    // victim's phone, not to the impostor.
    let attempt = start_enrollment(&hub, "Impostor", victim).await;
    let sent = phones.message("phone.verify", victim, 1).await;
    assert_eq!(sent["data"]["to"], victim);
    let real = sent["data"]["code"].as_str().unwrap().to_string();
    for left in (1..5).rev() {
        let res = verify(&hub, &attempt.enrollment_id, &wrong_code(&real)).await;
        assert_eq!(res.status(), 422);
        let err: Value = res.json().await.unwrap();
        assert_eq!(err["field"]["code"], "unknown_value");
        assert!(
            err["message"]
                .as_str()
                .unwrap()
                .contains(&format!("{left} tries"))
        );
    }
    // The fifth wrong try voids it; even the right code is then refused.
    assert_eq!(
        verify(&hub, &attempt.enrollment_id, &wrong_code(&real))
            .await
            .status(),
        410
    );
    assert_eq!(
        verify(&hub, &attempt.enrollment_id, &real).await.status(),
        410
    );
    // The victim's device still works, and a real alert from it reaches the console.
    let officer = hub
        .staff(guardia::domain::staff::Role::Officer, Some("los-angeles"))
        .await;
    let alert = hub
        .press(&owner.device_token, LA.0, LA.1, AlertKind::Detained)
        .await;
    assert_eq!(
        hub.case(&officer, alert.case_id).await["registrant"]["phone"],
        victim
    );
    // No code is kept where an insider could read it.
    let db = rusqlite::Connection::open(hub.dir.path().join("hub.db")).unwrap();
    let stored: String = db
        .query_row(
            "SELECT group_concat(code_hash || ' ' || code_salt || ' ' || profile) FROM enrollments",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        !stored.contains(&code),
        "only a salted hash of the code is kept"
    );
    // Once delivered (and recorded), the message itself no longer holds the code.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while db
        .query_row(
            "SELECT COUNT(*) FROM deliveries WHERE state = 'pending'",
            [],
            |r| r.get::<_, i64>(0),
        )
        .unwrap()
        > 0
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "messages never recorded"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let delivered: String = db
        .query_row(
            "SELECT group_concat(payload) FROM deliveries WHERE state = 'delivered'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(!delivered.contains(&code), "{delivered}");
    let events: String = db
        .query_row(
            "SELECT coalesce(group_concat(body), '') FROM events",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(!events.contains(&code) && !events.contains(&real));
}

#[tokio::test]
async fn a_verified_reenrollment_replaces_the_old_device_and_tells_the_number() {
    let (phones, url) = Phones::start().await;
    let (hub, _) = verifying_hub(&url).await;
    let number = "+13105550188";
    let first = start_enrollment(&hub, "Dueña Ficticia", number).await;
    let code = phones.message("phone.verify", number, 0).await["data"]["code"]
        .as_str()
        .unwrap()
        .to_string();
    let old: EnrollResponse = verify(&hub, &first.enrollment_id, &code)
        .await
        .json()
        .await
        .unwrap();
    let opened = hub
        .press(&old.device_token, LA.0, LA.1, AlertKind::Imminent)
        .await;
    // A new phone with the same number (the owner's new handset).
    let second = start_enrollment(&hub, "Dueña Ficticia", number).await;
    let code = phones.message("phone.verify", number, 1).await["data"]["code"]
        .as_str()
        .unwrap()
        .to_string();
    let new: EnrollResponse = verify(&hub, &second.enrollment_id, &code)
        .await
        .json()
        .await
        .unwrap();
    phones.message("device.replaced", number, 0).await;
    // The old token stops at once (it was cached from its press); the new one works.
    let res = hub
        .try_press(&old.device_token, LA.0, LA.1, AlertKind::Imminent)
        .await;
    assert_eq!(res.status(), 401);
    // Their open case stays theirs: the new phone's press joins it.
    let joined = hub
        .press(&new.device_token, LA.0, LA.1, AlertKind::Imminent)
        .await;
    assert_eq!(joined.case_id, opened.case_id);
    // A verified enrollment's key or code cannot mint another token.
    assert_eq!(
        verify(&hub, &second.enrollment_id, &code).await.status(),
        410
    );
}

#[tokio::test]
async fn a_code_expires_after_ten_minutes() {
    let (phones, url) = Phones::start().await;
    let (hub, now) = verifying_hub(&url).await;
    let number = "+13105550199";
    let pending = start_enrollment(&hub, "Tardía Ficticia", number).await;
    let code = phones.message("phone.verify", number, 0).await["data"]["code"]
        .as_str()
        .unwrap()
        .to_string();
    *now.lock().unwrap() += chrono::Duration::minutes(11);
    assert_eq!(
        verify(&hub, &pending.enrollment_id, &code).await.status(),
        410
    );
}

#[tokio::test]
async fn health_tells_strangers_only_that_the_hub_is_up_and_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let hub = TestHub::start().await;
    let phone = hub.enroll("Privada Ficticia", &[]).await;
    hub.press(&phone.device_token, LA.0, LA.1, AlertKind::Imminent)
        .await;
    let anonymous: Value = hub
        .http
        .get(hub.at("/healthz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(anonymous, json!({"status": "ok"}));
    let officer = hub
        .staff(guardia::domain::staff::Role::Officer, Some("los-angeles"))
        .await;
    let staff: Value = hub.get_as(&officer, "/healthz").await.json().await.unwrap();
    assert!(staff["seq"].as_u64().unwrap() >= 1);
    for name in ["hub.db", "hub.db-wal", "hub.db-shm"] {
        let mode = std::fs::metadata(hub.dir.path().join(name))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{name}");
    }
    // A database in a folder that does not exist yet: the folder is made 0700.
    let base = tempfile::tempdir().unwrap();
    let nested = base.path().join("guardia").join("hub.db");
    guardia::hub::store::Store::open(&nested).unwrap();
    let dir_mode = std::fs::metadata(nested.parent().unwrap())
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(dir_mode & 0o777, 0o700);
    assert_eq!(
        std::fs::metadata(&nested).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

async fn post_as(hub: &TestHub, token: &str, path: &str) -> reqwest::Response {
    hub.http
        .post(hub.at(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

/// Waits (bounded) for an event stream to end.
async fn ends(
    stream: &mut (
             impl futures_util::Stream<
        Item = Result<eventsource_stream::Event, guardia::console::net::client::NetError>,
    > + Unpin
         ),
) {
    use futures_util::StreamExt;
    loop {
        match tokio::time::timeout(Duration::from_secs(20), stream.next())
            .await
            .expect("the stream must end within seconds, not hang")
        {
            None | Some(Err(_)) => return,
            Some(Ok(_)) => continue,
        }
    }
}

#[tokio::test]
async fn tokens_can_be_taken_back_through_the_admin_api_and_streams_end() {
    use guardia::console::net::client::HubClient;
    use guardia::domain::staff::Role;
    let hub = TestHub::start().await;
    let admin = hub.staff(Role::Admin, None).await;
    let (officer_id, officer) = hub.staff_with_id(Role::Officer, Some("los-angeles")).await;
    let (national_id, _) = hub.staff_with_id(Role::Supervisor, None).await;
    let phone = hub.enroll("Robada Ficticia", &[]).await;

    // Not for officers.
    let res = post_as(
        &hub,
        &officer,
        &format!("/v1/admin/staff/{officer_id}/disable"),
    )
    .await;
    assert_eq!(res.status(), 403);
    // A national supervisor's token is not an admin's to hold.
    let res = post_as(
        &hub,
        &admin,
        &format!("/v1/admin/staff/{national_id}/rotate"),
    )
    .await;
    assert_eq!(res.status(), 403);

    let client = HubClient::new(&hub.url, &officer).unwrap();
    let mut stream = Box::pin(client.events(0).await.unwrap());
    let rotated: Value = post_as(
        &hub,
        &admin,
        &format!("/v1/admin/staff/{officer_id}/rotate"),
    )
    .await
    .json()
    .await
    .unwrap();
    ends(&mut stream).await;
    assert_eq!(hub.get_as(&officer, "/v1/me").await.status(), 401);
    let fresh = rotated["token"].as_str().unwrap();
    assert_eq!(hub.get_as(fresh, "/v1/me").await.status(), 200);

    let res = post_as(
        &hub,
        &admin,
        &format!("/v1/admin/staff/{officer_id}/disable"),
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(hub.get_as(fresh, "/v1/me").await.status(), 401);
    post_as(
        &hub,
        &admin,
        &format!("/v1/admin/staff/{officer_id}/enable"),
    )
    .await;
    assert_eq!(hub.get_as(fresh, "/v1/me").await.status(), 200);

    // A stolen phone: its device token stops at once, even though the hub had it cached.
    hub.press(&phone.device_token, LA.0, LA.1, AlertKind::Imminent)
        .await;
    let res = post_as(
        &hub,
        &admin,
        &format!("/v1/admin/devices/{}/revoke", phone.registrant_id),
    )
    .await;
    assert_eq!(res.status(), 200);
    let res = hub
        .try_press(&phone.device_token, LA.0, LA.1, AlertKind::Imminent)
        .await;
    assert_eq!(res.status(), 401);

    // Each change is on the record with the admin as its actor, and no token is.
    let db = rusqlite::Connection::open(hub.dir.path().join("hub.db")).unwrap();
    let kinds: Vec<String> = db
        .prepare(
            "SELECT coalesce(json_extract(body, '$.body.change.type'), kind) FROM events
              WHERE case_id = 0 AND json_extract(body, '$.actor.role') = 'admin' ORDER BY seq",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(kinds, ["token_rotated", "disabled", "enabled", "revoked"]);
    let all: String = db
        .query_row("SELECT group_concat(body) FROM events", [], |r| r.get(0))
        .unwrap();
    assert!(!all.contains(fresh) && !all.contains(&phone.device_token));
}

#[tokio::test]
async fn an_expired_staff_token_is_refused_and_its_stream_ends() {
    use guardia::console::net::client::HubClient;
    use guardia::domain::staff::Role;
    let now: ManualClock = Arc::new(Mutex::new(Utc::now()));
    let clock_now = now.clone();
    let hub = TestHub::start_configured(tempfile::tempdir().unwrap(), move |s| {
        s.clock = Arc::new(move || *clock_now.lock().unwrap());
        s.auth.staff_token_days = 90;
    })
    .await;
    let officer = hub.staff(Role::Officer, Some("los-angeles")).await;
    let me: Value = hub.get_as(&officer, "/v1/me").await.json().await.unwrap();
    assert!(me["token_expires_at"].is_string(), "{me}");
    let client = HubClient::new(&hub.url, &officer).unwrap();
    let mut stream = Box::pin(client.events(0).await.unwrap());
    *now.lock().unwrap() += chrono::Duration::days(91);
    ends(&mut stream).await;
    assert_eq!(hub.get_as(&officer, "/v1/me").await.status(), 401);
}

#[tokio::test]
async fn a_staff_member_disabled_from_the_servers_shell_loses_their_stream_and_the_hub_goes_on() {
    use guardia::console::net::client::HubClient;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    let add = guardia()
        .args([
            "admin",
            "staff",
            "add",
            "--name",
            "Oficial",
            "--role",
            "officer",
            "--consulate",
            "los-angeles",
            "--db",
        ])
        .arg(&db)
        .output()
        .unwrap();
    assert!(
        add.status.success(),
        "{}",
        String::from_utf8_lossy(&add.stderr)
    );
    let out = String::from_utf8_lossy(&add.stdout).to_string();
    let id: i64 = out
        .lines()
        .find_map(|l| l.strip_prefix("staff id "))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let token = out
        .split_whitespace()
        .find(|w| w.starts_with("gds_"))
        .unwrap()
        .to_string();
    let (mut child, addr, _log) = start_hub(&db, "127.0.0.1:0");
    let url = format!("http://{addr}");
    let client = HubClient::new(&url, &token).unwrap();
    let mut stream = Box::pin(client.events(0).await.unwrap());
    // Another process writes the change to the same database while the hub runs.
    let disable = guardia()
        .args(["admin", "staff", "disable", "--db"])
        .arg(&db)
        .arg(id.to_string())
        .output()
        .unwrap();
    assert!(
        disable.status.success(),
        "{}",
        String::from_utf8_lossy(&disable.stderr)
    );
    ends(&mut stream).await;
    // The hub takes the next alert, after the change in the log (no seq is taken twice).
    let http = reqwest::Client::new();
    let res = http
        .post(format!("{url}/v1/enroll"))
        .json(&profile("Sigue Ficticia", &[]))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let phone: EnrollResponse = res.json().await.unwrap();
    let res = http
        .post(format!("{url}/v1/alerts"))
        .bearer_auth(&phone.device_token)
        .json(&alert_body(
            uuid::Uuid::new_v4(),
            LA.0,
            LA.1,
            AlertKind::Imminent,
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let alert: guardia::api::AlertResponse = res.json().await.unwrap();
    let _ = child.kill();
    let _ = child.wait();
    let conn = rusqlite::Connection::open(&db).unwrap();
    let (count, max): (i64, i64) = conn
        .query_row("SELECT COUNT(*), MAX(seq) FROM events", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(count, max, "gap-free, nothing overwritten");
    assert_eq!(alert.seq as i64, max);
}

/// A hub with the shipped limits, tightened by `tune`.
async fn limited_hub(tune: impl FnOnce(&mut guardia::config::LimitsConfig)) -> TestHub {
    let mut limits = guardia::config::Config::defaults().limits;
    tune(&mut limits);
    TestHub::start_configured(tempfile::tempdir().unwrap(), move |s| {
        s.limits = Arc::new(guardia::hub::limits::Limits::from_config(&limits));
    })
    .await
}

#[tokio::test]
async fn an_enrollment_flood_gets_429s_while_a_real_alert_still_reaches_the_console() {
    use futures_util::StreamExt;
    use guardia::console::net::client::HubClient;
    use guardia::domain::staff::Role;
    let hub = limited_hub(|l| {
        l.enroll_per_address_per_minute = 3;
        l.surge_per_network_per_minute = 10;
    })
    .await;
    let officer = hub.staff(Role::Officer, Some("los-angeles")).await;
    let supervisor = hub.staff(Role::Supervisor, Some("los-angeles")).await;
    let real = hub.enroll("Real Ficticia", &[]).await;
    let sup = HubClient::new(&hub.url, &supervisor).unwrap();
    let mut sup_stream = Box::pin(sup.events(0).await.unwrap());
    let mut refused = 0;
    for i in 0..40 {
        let mut p = profile(
            &format!("Falsa {i}"),
            &[guardia::domain::registrant::Flag::MedicalCondition],
        );
        p.phone = fresh_phone();
        let res = hub
            .http
            .post(hub.at("/v1/enroll"))
            .json(&p)
            .send()
            .await
            .unwrap();
        if res.status() == 429 {
            refused += 1;
            let wait: u64 = res.headers()["retry-after"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!(wait >= 1);
            let body: Value = res.json().await.unwrap();
            assert_eq!(body["error"], "rate_limited");
        } else {
            assert_eq!(res.status(), 201);
        }
    }
    assert!(refused >= 36, "only {refused} refused");
    assert!(guardia::hub::metrics::refusals("enroll_per_address_per_minute") >= 36);
    // The real person's alert is taken and reaches the consulate's console.
    let client = HubClient::new(&hub.url, &officer).unwrap();
    let mut stream = Box::pin(client.events(0).await.unwrap());
    let alert = hub
        .press(&real.device_token, LA.0, LA.1, AlertKind::Detained)
        .await;
    let m = tokio::time::timeout(Duration::from_secs(20), stream.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(m.id, alert.seq.to_string());
    // And the supervisors heard of the surge from one network.
    let mut told = false;
    while !told {
        let m = tokio::time::timeout(Duration::from_secs(20), sup_stream.next())
            .await
            .expect("the surge notice never came")
            .unwrap()
            .unwrap();
        if m.event == "surge_detected" {
            let e: Value = serde_json::from_str(&m.data).unwrap();
            assert_eq!(e["body"]["network"], "127.0.0.0/24");
            assert_eq!(e["body"]["what"], "enroll");
            told = true;
        }
    }
}

#[tokio::test]
async fn wrong_tokens_are_throttled_and_streams_per_token_are_capped() {
    let hub = limited_hub(|l| {
        l.failed_auth_per_address_per_minute = 5;
        l.streams_per_token = 2;
    })
    .await;
    let officer = hub
        .staff(guardia::domain::staff::Role::Officer, Some("los-angeles"))
        .await;
    let mut statuses = Vec::new();
    for i in 0..12 {
        let fake = format!("gds_{:064x}", i);
        statuses.push(hub.get_as(&fake, "/v1/me").await.status().as_u16());
    }
    assert_eq!(&statuses[..5], &[401; 5]);
    assert_eq!(statuses.last(), Some(&429));
    assert!(guardia::hub::metrics::refusals("failed_auth_per_address_per_minute") >= 1);
    // Right tokens from the same address still work: a phone behind the guesser's NAT presses.
    assert_eq!(hub.get_as(&officer, "/v1/me").await.status(), 200);
    let phone = hub.enroll("Vecina Ficticia", &[]).await;
    hub.press(&phone.device_token, LA.0, LA.1, AlertKind::Detained)
        .await;
    // And nobody can void someone's enrollment by guessing its id: ids are random.
    let res = verify(&hub, "00000000000000000000000000000001", "000000").await;
    assert!(matches!(res.status().as_u16(), 404 | 429));

    let hub = limited_hub(|l| l.streams_per_token = 2).await;
    let officer2 = hub
        .staff(guardia::domain::staff::Role::Officer, Some("los-angeles"))
        .await;
    let _ = officer;
    let open = |t: String| {
        let hub = &hub;
        async move {
            hub.http
                .get(hub.at("/v1/events"))
                .bearer_auth(t)
                .send()
                .await
                .unwrap()
        }
    };
    let a = open(officer2.clone()).await;
    let b = open(officer2.clone()).await;
    assert_eq!((a.status().as_u16(), b.status().as_u16()), (200, 200));
    let c = open(officer2.clone()).await;
    assert_eq!(c.status(), 429);
    drop(a);
    // The slot is given back when a stream ends (bounded wait, the hub sees the close).
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let d = open(officer2.clone()).await;
        if d.status() == 200 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the slot never came back"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn slow_headers_idle_connections_and_too_many_connections_are_dropped() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let hub = TestHub::start_configured(tempfile::tempdir().unwrap(), |s| {
        s.server.header_timeout = Duration::from_millis(500);
        s.server.idle_timeout = Duration::from_millis(800);
        s.server.per_address = 3;
    })
    .await;
    // Headers that never finish: the hub closes the connection.
    let mut slow = tokio::net::TcpStream::connect(hub.addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 512];
    let n = tokio::time::timeout(Duration::from_secs(20), slow.read(&mut buf))
        .await
        .expect("a slow-header connection must be dropped, not held");
    assert!(matches!(n, Ok(0) | Err(_)) || String::from_utf8_lossy(&buf).contains("408"));
    // A connection that says nothing at all is closed too.
    let mut idle = tokio::net::TcpStream::connect(hub.addr).await.unwrap();
    let n = tokio::time::timeout(Duration::from_secs(20), idle.read(&mut buf))
        .await
        .expect("an idle connection must be dropped");
    assert!(matches!(n, Ok(0) | Err(_)));
    // Three at once from one address; the fourth is refused at once.
    let mut held = Vec::new();
    for _ in 0..3 {
        let mut s = tokio::net::TcpStream::connect(hub.addr).await.unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let _ = s.read(&mut buf).await.unwrap();
        held.push(s);
    }
    let mut fourth = tokio::net::TcpStream::connect(hub.addr).await.unwrap();
    let _ = fourth
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await;
    let n = tokio::time::timeout(Duration::from_secs(20), fourth.read(&mut buf))
        .await
        .unwrap();
    assert!(matches!(n, Ok(0) | Err(_)), "the fourth got an answer");
}

#[tokio::test]
async fn a_phone_pressing_again_and_again_is_coalesced_and_never_refused() {
    let now: ManualClock = Arc::new(Mutex::new(Utc::now()));
    let clock_now = now.clone();
    let mut limits = guardia::config::Config::defaults().limits;
    limits.press_coalesce_seconds = 10;
    limits.press_coalesce_after = 3;
    let hub = TestHub::start_configured(tempfile::tempdir().unwrap(), move |s| {
        s.clock = Arc::new(move || *clock_now.lock().unwrap());
        s.limits = Arc::new(guardia::hub::limits::Limits::from_config(&limits));
    })
    .await;
    let officer = hub
        .staff(guardia::domain::staff::Role::Officer, Some("los-angeles"))
        .await;
    let phone = hub.enroll("Insistente Ficticia", &[]).await;
    let mut last = None;
    for _ in 0..20 {
        last = Some(
            hub.press(&phone.device_token, LA.0, LA.1, AlertKind::Imminent)
                .await,
        );
    }
    let last = last.unwrap();
    let case = last.case_id;
    let before = hub.case(&officer, case).await;
    assert_eq!(
        before["timeline"].as_array().unwrap().len(),
        3,
        "the press and two repeats are events; the rest wait"
    );
    // The window passes: one event stands for the other seventeen.
    *now.lock().unwrap() += chrono::Duration::seconds(11);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let c = hub.case(&officer, case).await;
        if c["presses"] == 20 {
            assert_eq!(c["timeline"].as_array().unwrap().len(), 4);
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "never flushed: {c}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // A press after a cancel is never held back: it is news (the person is in danger again).
    for _ in 0..3 {
        hub.press(&phone.device_token, LA.0, LA.1, AlertKind::Imminent)
            .await;
    }
    let res = hub
        .http
        .post(hub.at(&format!("/v1/alerts/{}/cancel", last.alert_id)))
        .bearer_auth(&phone.device_token)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let before = hub.case(&officer, case).await["timeline"]
        .as_array()
        .unwrap()
        .len();
    hub.press(&phone.device_token, LA.0, LA.1, AlertKind::Imminent)
        .await;
    let after = hub.case(&officer, case).await;
    assert_eq!(
        after["timeline"].as_array().unwrap().len(),
        before + 1,
        "{after}"
    );
    assert_eq!(after["status"], "open");
}

#[tokio::test]
async fn tls_serves_the_api_and_plain_text_is_not_answered() {
    let dir = tempfile::tempdir().unwrap();
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let (cert_path, key_path) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert_path, cert.cert.pem()).unwrap();
    std::fs::write(&key_path, cert.signing_key.serialize_pem()).unwrap();
    let acceptor = guardia::hub::server::tls_acceptor(&cert_path, &key_path).unwrap();
    let hub = TestHub::start_configured(tempfile::tempdir().unwrap(), move |s| {
        s.server.tls = Some(acceptor);
    })
    .await;
    let client = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(cert.cert.pem().as_bytes()).unwrap()])
        .build()
        .unwrap();
    let url = format!("https://localhost:{}/healthz", hub.addr.port());
    let res = client.get(&url).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    let plain = reqwest::get(format!("http://localhost:{}/healthz", hub.addr.port())).await;
    assert!(plain.is_err() || !plain.unwrap().status().is_success());
}

#[tokio::test]
async fn relatives_messages_ignore_a_proxy_from_the_environment() {
    // A "proxy" on loopback that would see every family's message if the hub used it.
    let proxy = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy_addr = proxy.local_addr().unwrap();
    let proxied = Arc::new(Mutex::new(0u32));
    let seen = proxied.clone();
    tokio::spawn(async move {
        while let Ok((_s, _)) = proxy.accept().await {
            *seen.lock().unwrap() += 1;
        }
    });
    let (phones, url) = Phones::start().await;
    let dir = tempfile::tempdir().unwrap();
    let secret = new_secret();
    let proxy_url = format!("http://{proxy_addr}");
    let mut cmd = guardia();
    cmd.env("HTTP_PROXY", &proxy_url)
        .env("HTTPS_PROXY", &proxy_url)
        .env("ALL_PROXY", &proxy_url)
        .env("http_proxy", &proxy_url)
        .env("GUARDIA_NOTIFY_WEBHOOK_URL", &url)
        .env("GUARDIA_NOTIFY_WEBHOOK_SECRET", &secret)
        .env("GUARDIA_NOTIFY_ALLOW_PRIVATE_TARGETS", "true");
    let (mut child, addr, _log) = start_hub_with(cmd, &dir.path().join("h.db"), "127.0.0.1:0");
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let base = format!("http://{addr}");
    let mut p = profile("Familia Ficticia", &[]);
    p.phone = fresh_phone();
    let phone: EnrollResponse = http
        .post(format!("{base}/v1/enroll"))
        .json(&p)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let res = http
        .post(format!("{base}/v1/alerts"))
        .bearer_auth(&phone.device_token)
        .json(&alert_body(
            uuid::Uuid::new_v4(),
            LA.0,
            LA.1,
            AlertKind::Detained,
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    phones.message("alert.raised", "+13105550124", 0).await;
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(
        *proxied.lock().unwrap(),
        0,
        "nothing went through the proxy"
    );
}

#[tokio::test]
async fn a_number_can_be_guessed_at_only_so_often_whatever_the_address() {
    let (phones, url) = Phones::start().await;
    let settings = NotifySettings {
        url: Some(url),
        secret: parse_secret(&new_secret()).unwrap(),
        allow_private_targets: true,
        retry_base: Duration::from_millis(20),
        per_host: 4,
    };
    let mut limits = guardia::config::Config::defaults().limits;
    limits.enroll_per_address_per_minute = 0;
    limits.failed_auth_per_address_per_minute = 0;
    limits.enrollments_per_number_per_day = 1;
    let hub = TestHub::start_configured(tempfile::tempdir().unwrap(), move |s| {
        s.enroll.verify_phone = true;
        s.notify = settings;
        s.limits = Arc::new(guardia::hub::limits::Limits::from_config(&limits));
    })
    .await;
    let target = "+13105550166";
    // Two enrollments open at once share the number's five guesses for the day: the second
    // cannot bring five more.
    let first = start_enrollment(&hub, "Intento 1", target).await;
    let second = start_enrollment(&hub, "Intento 2", target).await;
    let real_first = phones.message("phone.verify", target, 0).await["data"]["code"]
        .as_str()
        .unwrap()
        .to_string();
    let real_second = phones.message("phone.verify", target, 1).await["data"]["code"]
        .as_str()
        .unwrap()
        .to_string();
    for want in [422, 422, 422, 422, 410] {
        let res = verify(&hub, &first.enrollment_id, &wrong_code(&real_first)).await;
        assert_eq!(res.status(), want);
    }
    // Even the right code is not tried: a lucky guess and the right code look alike.
    let res = verify(&hub, &second.enrollment_id, &real_second).await;
    assert_eq!(res.status(), 429);
    // Nor can a new enrollment start until the day is over.
    let third = {
        let mut p = profile("Intento 3", &[]);
        p.phone = target.into();
        hub.http
            .post(hub.at("/v1/enroll"))
            .json(&p)
            .send()
            .await
            .unwrap()
    };
    assert_eq!(third.status(), 429);
    let wait: u64 = third.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(wait > 3600, "about a day: {wait}");
    let err: Value = third.json().await.unwrap();
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains("enrollments_per_number_per_day"),
        "{err}"
    );
    // Another number is not held back.
    start_enrollment(&hub, "Otra", "+13105550167").await;
}

#[tokio::test]
async fn strangers_starting_enrollments_do_not_lock_the_owner_out_of_their_number() {
    let (phones, url) = Phones::start().await;
    let settings = NotifySettings {
        url: Some(url),
        secret: parse_secret(&new_secret()).unwrap(),
        allow_private_targets: true,
        retry_base: Duration::from_millis(20),
        per_host: 4,
    };
    let mut limits = guardia::config::Config::defaults().limits;
    limits.enroll_per_address_per_minute = 0;
    limits.enrollments_per_number_per_day = 1;
    let hub = TestHub::start_configured(tempfile::tempdir().unwrap(), move |s| {
        s.enroll.verify_phone = true;
        s.notify = settings;
        s.limits = Arc::new(guardia::hub::limits::Limits::from_config(&limits));
    })
    .await;
    let owner = "+13105550168";
    // Someone starts enrollments for the number without guessing: the owner can still start
    // theirs and verify it with the code their phone gets.
    for i in 0..3 {
        start_enrollment(&hub, &format!("Extraño {i}"), owner).await;
    }
    let mine = start_enrollment(&hub, "Dueña", owner).await;
    let code = phones.message("phone.verify", owner, 3).await["data"]["code"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(verify(&hub, &mine.enrollment_id, &code).await.status(), 201);
    // Codes sent are bounded too (each is a message to the owner's phone).
    start_enrollment(&hub, "Extraño 4", owner).await;
    let mut p = profile("Extraño 5", &[]);
    p.phone = owner.into();
    let res = hub
        .http
        .post(hub.at("/v1/enroll"))
        .json(&p)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
}

#[tokio::test]
async fn a_device_revoked_from_the_servers_shell_stops_working_in_the_running_hub() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    let (mut child, addr, _log) = start_hub(&db, "127.0.0.1:0");
    let url = format!("http://{addr}");
    let http = reqwest::Client::new();
    let phone: EnrollResponse = http
        .post(format!("{url}/v1/enroll"))
        .json(&profile("Robada", &[]))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let press = |http: reqwest::Client, url: String, token: String| async move {
        http.post(format!("{url}/v1/alerts"))
            .bearer_auth(token)
            .json(&alert_body(
                uuid::Uuid::new_v4(),
                LA.0,
                LA.1,
                AlertKind::Imminent,
            ))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    };
    // Used once: the hub now has the token in memory.
    assert_eq!(
        press(http.clone(), url.clone(), phone.device_token.clone()).await,
        201
    );
    let revoke = guardia()
        .args(["admin", "device", "revoke", "--db"])
        .arg(&db)
        .arg(phone.registrant_id.to_string())
        .output()
        .unwrap();
    assert!(
        revoke.status.success(),
        "{}",
        String::from_utf8_lossy(&revoke.stderr)
    );
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let status = press(http.clone(), url.clone(), phone.device_token.clone()).await;
        if status == 401 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the revoked token still works"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
}

#[tokio::test]
async fn replaying_a_staff_addition_after_a_promotion_hands_out_no_token() {
    use guardia::domain::staff::Role;
    let hub = TestHub::start().await;
    let admin = hub.staff(Role::Admin, None).await;
    let add = || {
        hub.http
            .post(hub.at("/v1/staff"))
            .bearer_auth(&admin)
            .header("Idempotency-Key", "add-x")
            .json(&json!({"name": "X", "role": "supervisor", "consulate": "chicago"}))
            .send()
    };
    let first: Value = add().await.unwrap().json().await.unwrap();
    let id = first["id"].as_i64().unwrap();
    // On the server, X becomes a national supervisor.
    hub.store
        .change_staff_role(
            id,
            Role::Supervisor,
            None,
            guardia::domain::event::Actor::Operator,
            Utc::now(),
        )
        .await
        .unwrap();
    let replay = add().await.unwrap();
    assert_eq!(replay.status(), 409);
    let text = replay.text().await.unwrap();
    assert!(!text.contains("gds_"), "{text}");
}

#[tokio::test]
async fn the_right_code_is_taken_even_from_an_address_that_guessed_wrong() {
    let (phones, url) = Phones::start().await;
    let settings = NotifySettings {
        url: Some(url),
        secret: parse_secret(&new_secret()).unwrap(),
        allow_private_targets: true,
        retry_base: Duration::from_millis(20),
        per_host: 4,
    };
    let mut limits = guardia::config::Config::defaults().limits;
    limits.enroll_per_address_per_minute = 0;
    limits.failed_auth_per_address_per_minute = 2;
    let hub = TestHub::start_configured(tempfile::tempdir().unwrap(), move |s| {
        s.enroll.verify_phone = true;
        s.notify = settings;
        s.limits = Arc::new(guardia::hub::limits::Limits::from_config(&limits));
    })
    .await;
    // Behind one shared address, someone probes enrollments that do not exist until the
    // address is told to wait.
    let probe = "0123456789abcdef0123456789abcdef";
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(verify(&hub, probe, "123456").await.status().as_u16());
    }
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");
    // The owner of a number, behind the same address, still gets their device with the code
    // their phone received.
    let owner = "+13105550169";
    let mine = start_enrollment(&hub, "Dueño", owner).await;
    let code = phones.message("phone.verify", owner, 0).await["data"]["code"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(verify(&hub, &mine.enrollment_id, &code).await.status(), 201);
}
