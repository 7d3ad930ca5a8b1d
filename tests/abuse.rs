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

async fn verify(hub: &TestHub, id: i64, code: &str) -> reqwest::Response {
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
    let res = verify(&hub, pending.enrollment_id, &code).await;
    assert_eq!(res.status(), 201);
    let owner: EnrollResponse = res.json().await.unwrap();

    // The impostor enrolls the victim's number with their own "relative": the code goes to the
    // victim's phone, not to the impostor.
    let attempt = start_enrollment(&hub, "Impostor", victim).await;
    let sent = phones.message("phone.verify", victim, 1).await;
    assert_eq!(sent["data"]["to"], victim);
    let real = sent["data"]["code"].as_str().unwrap().to_string();
    for left in (1..5).rev() {
        let res = verify(&hub, attempt.enrollment_id, &wrong_code(&real)).await;
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
        verify(&hub, attempt.enrollment_id, &wrong_code(&real))
            .await
            .status(),
        410
    );
    assert_eq!(
        verify(&hub, attempt.enrollment_id, &real).await.status(),
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
    let old: EnrollResponse = verify(&hub, first.enrollment_id, &code)
        .await
        .json()
        .await
        .unwrap();
    hub.press(&old.device_token, LA.0, LA.1, AlertKind::Imminent)
        .await;
    // A new phone with the same number (the owner's new handset).
    let second = start_enrollment(&hub, "Dueña Ficticia", number).await;
    let code = phones.message("phone.verify", number, 1).await["data"]["code"]
        .as_str()
        .unwrap()
        .to_string();
    let new: EnrollResponse = verify(&hub, second.enrollment_id, &code)
        .await
        .json()
        .await
        .unwrap();
    phones.message("device.replaced", number, 0).await;
    // The old token stops at once (it was cached from its press); the new one works.
    let res = hub
        .http
        .post(hub.at("/v1/alerts"))
        .bearer_auth(&old.device_token)
        .json(&alert_body(
            uuid::Uuid::new_v4(),
            LA.0,
            LA.1,
            AlertKind::Imminent,
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    hub.press(&new.device_token, LA.0, LA.1, AlertKind::Imminent)
        .await;
    // A verified enrollment's key or code cannot mint another token.
    assert_eq!(
        verify(&hub, second.enrollment_id, &code).await.status(),
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
        verify(&hub, pending.enrollment_id, &code).await.status(),
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
        .http
        .post(hub.at("/v1/alerts"))
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
