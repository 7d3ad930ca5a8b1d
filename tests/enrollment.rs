//! Enrolling a phone and messages to phones, each attack tried over real HTTP on loopback:
//! enrolling someone else's number, guessing codes, locking an owner out, and a proxy that would
//! read families' messages.

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

    /// The code in the `nth` verification message to `phone`, as its owner would read it.
    async fn code(&self, phone: &str, nth: usize) -> String {
        self.message("phone.verify", phone, nth).await["data"]["code"]
            .as_str()
            .unwrap()
            .to_string()
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

/// A hub that verifies phones through `url`, with `[limits]` tuned by the test.
async fn limited_verifying_hub(
    url: &str,
    tune: impl FnOnce(&mut guardia::config::LimitsConfig),
) -> TestHub {
    let settings = NotifySettings {
        url: Some(url.to_string()),
        secret: parse_secret(&new_secret()).unwrap(),
        allow_private_targets: true,
        retry_base: Duration::from_millis(20),
        per_host: 4,
    };
    let mut limits = guardia::config::Config::defaults().limits;
    tune(&mut limits);
    TestHub::start_configured(tempfile::tempdir().unwrap(), move |s| {
        s.enroll.verify_phone = true;
        s.notify = settings;
        s.limits = Arc::new(guardia::hub::limits::Limits::from_config(&limits));
    })
    .await
}

/// Asks to enroll `phone` under `name`, whatever the answer.
async fn post_enrollment(hub: &TestHub, name: &str, phone: &str) -> reqwest::Response {
    let mut p = profile(name, &[]);
    p.phone = phone.into();
    hub.http
        .post(hub.at("/v1/enroll"))
        .json(&p)
        .send()
        .await
        .unwrap()
}

async fn start_enrollment(hub: &TestHub, name: &str, phone: &str) -> EnrollmentPending {
    let res = post_enrollment(hub, name, phone).await;
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
    let stored = hub
        .texts("SELECT code_hash || ' ' || code_salt || ' ' || profile FROM enrollments")
        .join(",");
    assert!(
        !stored.contains(&code),
        "only a salted hash of the code is kept"
    );
    // Once delivered (and recorded), the message itself no longer holds the code.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while hub.count("SELECT COUNT(*) FROM deliveries WHERE state = 'pending'") > 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "messages never recorded"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let delivered = hub
        .texts("SELECT payload FROM deliveries WHERE state = 'delivered'")
        .join(",");
    assert!(!delivered.contains(&code), "{delivered}");
    let events = hub.texts("SELECT body FROM events").join(",");
    assert!(!events.contains(&code) && !events.contains(&real));
}

#[tokio::test]
async fn a_verified_reenrollment_replaces_the_old_device_and_tells_the_number() {
    let (phones, url) = Phones::start().await;
    let (hub, _) = verifying_hub(&url).await;
    let number = "+13105550188";
    let first = start_enrollment(&hub, "Dueña Ficticia", number).await;
    let code = phones.code(number, 0).await;
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
    let code = phones.code(number, 1).await;
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
    let code = phones.code(number, 0).await;
    *now.lock().unwrap() += chrono::Duration::minutes(11);
    assert_eq!(
        verify(&hub, &pending.enrollment_id, &code).await.status(),
        410
    );
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

/// The same calls from another network (another /24 of loopback): the owner's phone, say,
/// on its carrier's network while a stranger is somewhere else.
fn from_network(ip: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(Some(ip.parse().unwrap()))
        .build()
        .unwrap()
}

async fn start_from(
    http: &reqwest::Client,
    hub: &TestHub,
    name: &str,
    phone: &str,
) -> reqwest::Response {
    let mut p = profile(name, &[]);
    p.phone = phone.into();
    http.post(hub.at("/v1/enroll"))
        .json(&p)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_number_can_be_guessed_at_only_so_often_and_the_owners_right_code_is_still_taken() {
    let (phones, url) = Phones::start().await;
    let hub = limited_verifying_hub(&url, |l| {
        l.enroll_per_address_per_minute = 0;
        l.failed_auth_per_address_per_minute = 0;
        l.enrollments_per_number_per_day = 1;
    })
    .await;
    let target = "+13105550166";
    // The owner starts theirs from their carrier's network; a stranger starts two elsewhere.
    let owner = from_network("127.0.2.1");
    let res = start_from(&owner, &hub, "Dueña Ficticia", target).await;
    assert_eq!(res.status(), 202);
    let mine: EnrollmentPending = res.json().await.unwrap();
    let owners_code = phones.code(target, 0).await;
    let first = start_enrollment(&hub, "Intento 1", target).await;
    let real_first = phones.code(target, 1).await;
    let second = start_enrollment(&hub, "Intento 2", target).await;
    let real_second = phones.code(target, 2).await;
    // The number's five guesses for the day, spent on the stranger's first: two enrollments
    // open at once share them, the second cannot bring five more.
    for want in [422, 422, 422, 422, 410] {
        let res = verify(&hub, &first.enrollment_id, &wrong_code(&real_first)).await;
        assert_eq!(res.status(), want);
    }
    // Past them, a wrong code voids the enrollment it was tried on: no further guess on it, so
    // guesses stay bounded by the codes the number can be sent.
    let res = verify(&hub, &second.enrollment_id, &wrong_code(&real_second)).await;
    assert_eq!(res.status(), 429);
    let wait: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(wait > 3600, "about a day: {wait}");
    let res = verify(&hub, &second.enrollment_id, &real_second).await;
    assert_eq!(res.status(), 410, "a lucky guess after that finds it void");
    // The stranger's network has texted the number its share of the day's codes.
    let third = post_enrollment(&hub, "Intento 3", target).await;
    assert_eq!(third.status(), 429);
    let err: Value = third.json().await.unwrap();
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains("enrollments_per_number_per_day"),
        "{err}"
    );
    // The owner's right code, on their own enrollment, is never the one held back.
    let res = verify(&hub, &mine.enrollment_id, &owners_code).await;
    assert_eq!(res.status(), 201);
    // Another number is not held back.
    start_enrollment(&hub, "Otra", "+13105550167").await;
}

#[tokio::test]
async fn strangers_starting_enrollments_do_not_lock_the_owner_out_of_their_number() {
    let (phones, url) = Phones::start().await;
    // The shipped limits, but for the per-address one (every call here is from loopback).
    let hub = limited_verifying_hub(&url, |l| l.enroll_per_address_per_minute = 0).await;
    let owner = "+13105550168";
    // A stranger starts fifteen enrollments for the number without guessing: their network
    // texts it its share (a third of the day's fifteen codes), no more.
    let mut started = 0;
    for i in 0..15 {
        let res = post_enrollment(&hub, &format!("Extraño {i}"), owner).await;
        match res.status().as_u16() {
            202 => started += 1,
            429 => {}
            other => panic!("{other}"),
        }
    }
    assert_eq!(started, 5);
    phones.code(owner, 4).await;
    // The owner, on their own network, starts theirs and verifies it with the code their phone
    // gets.
    let res = start_from(&from_network("127.0.2.1"), &hub, "Dueña", owner).await;
    assert_eq!(res.status(), 202);
    let mine: EnrollmentPending = res.json().await.unwrap();
    let code = phones.code(owner, 5).await;
    assert_eq!(verify(&hub, &mine.enrollment_id, &code).await.status(), 201);
}

#[tokio::test]
async fn the_right_code_is_taken_even_from_an_address_that_guessed_wrong() {
    let (phones, url) = Phones::start().await;
    let hub = limited_verifying_hub(&url, |l| {
        l.enroll_per_address_per_minute = 0;
        l.failed_auth_per_address_per_minute = 2;
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
    let code = phones.code(owner, 0).await;
    assert_eq!(verify(&hub, &mine.enrollment_id, &code).await.status(), 201);
}
