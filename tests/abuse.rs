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
