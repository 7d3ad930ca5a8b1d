//! Holding against abuse, each attack tried over real HTTP on loopback: token guessing, floods,
//! slow and crowding connections, TLS, and what the hub leaks. Enrollment and messages to phones
//! are in `enrollment.rs`; taking access back is in `revocation.rs`.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use common::*;
use guardia::domain::alert::AlertKind;
use serde_json::{Value, json};

type ManualClock = Arc<Mutex<DateTime<Utc>>>;

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
    if common::pg::sqlite_only("the database files' modes") {
        return;
    }
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
    let res = hub
        .http
        .post(hub.at("/v1/enroll/00000000000000000000000000000001/verify"))
        .json(&json!({ "code": "000000" }))
        .send()
        .await
        .unwrap();
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
async fn behind_a_proxy_each_client_is_its_own_in_every_form_the_proxy_writes() {
    let mut limits = guardia::config::Config::defaults().limits;
    limits.enroll_per_address_per_minute = 1;
    let hub = TestHub::start_configured(tempfile::tempdir().unwrap(), move |s| {
        s.limits = Arc::new(guardia::hub::limits::Limits::from_config(&limits));
        s.server.trust_forwarded = Some(guardia::hub::server::ProxyHeader::XForwardedFor);
    })
    .await;
    let enroll = |forwarded: &'static str| {
        let hub = &hub;
        async move {
            hub.http
                .post(hub.at("/v1/enroll"))
                .header("x-forwarded-for", forwarded)
                .json(&profile("Persona Ficticia", &[]))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    // Every client enrolls once; were the hub to fall back to the proxy's own address for the
    // forms with a port or brackets, the second would already be refused as the first's twin.
    assert_eq!(enroll("203.0.113.9:4711").await, 201);
    assert_eq!(enroll("[2001:db8::5]:443").await, 201);
    assert_eq!(enroll("6.6.6.6, [2001:db8:1::5]").await, 201);
    // The same client again, from another port: held back as itself.
    assert_eq!(enroll("203.0.113.9:5000").await, 429);
    // A forged first entry changes nothing: the proxy's own (last) entry is the client.
    assert_eq!(enroll("198.51.100.1, 203.0.113.9").await, 429);
    hub.stop().await;
}

#[tokio::test]
async fn the_console_and_the_reports_never_send_a_token_through_a_proxy_in_clear() {
    // A "proxy" on loopback that would read every token and case if a client used it.
    let proxy = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy_url = format!("http://{}", proxy.local_addr().unwrap());
    let proxied = Arc::new(Mutex::new(0u32));
    let seen = proxied.clone();
    tokio::spawn(async move {
        while let Ok((_s, _)) = proxy.accept().await {
            *seen.lock().unwrap() += 1;
        }
    });
    let hub = TestHub::start().await;
    let supervisor = hub
        .staff(
            guardia::domain::staff::Role::Supervisor,
            Some("los-angeles"),
        )
        .await;
    let url = hub.url.clone();
    let out = tokio::task::spawn_blocking(move || {
        guardia()
            .args(["backlog", "--hub", &url])
            .env("GUARDIA_TOKEN", &supervisor)
            .env("HTTP_PROXY", &proxy_url)
            .env("http_proxy", &proxy_url)
            .env("ALL_PROXY", &proxy_url)
            .env("all_proxy", &proxy_url)
            .env("NO_PROXY", "")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        *proxied.lock().unwrap(),
        0,
        "nothing went through the proxy"
    );
    // Only an encrypted hub may be reached through one (a tunnel it cannot read).
    use guardia::console::net::client::proxy_may_carry;
    assert!(!proxy_may_carry("http://127.0.0.1:8750"));
    assert!(proxy_may_carry("https://hub.example.org"));
    hub.stop().await;
}

#[tokio::test]
async fn a_token_asking_for_whole_scope_reports_in_a_loop_is_held_back_and_others_are_not() {
    use guardia::domain::staff::Role;
    let hub = limited_hub(|l| l.reports_per_staff_per_minute = 2).await;
    let boss = hub.staff(Role::Supervisor, None).await;
    let other = hub.staff(Role::Supervisor, None).await;
    let get = |t: &str, path: &'static str| {
        let hub = &hub;
        let t = t.to_string();
        async move { hub.get_as(&t, path).await }
    };
    assert_eq!(get(&boss, "/v1/reports/backlog").await.status(), 200);
    assert_eq!(
        get(&boss, "/v1/handover?consulate=los-angeles")
            .await
            .status(),
        200
    );
    // The third walk in the minute: refused with when to come back and which limit.
    let held = get(&boss, "/v1/reports/backlog").await;
    assert_eq!(held.status(), 429);
    assert!(held.headers().contains_key("retry-after"));
    let body: serde_json::Value = held.json().await.unwrap();
    assert!(
        body.to_string().contains("reports_per_staff_per_minute"),
        "{body}"
    );
    // Another supervisor's reports are theirs.
    assert_eq!(get(&other, "/v1/reports/backlog").await.status(), 200);
}

#[tokio::test]
async fn a_supervisor_who_reconnects_gets_the_surges_they_missed() {
    use futures_util::StreamExt;
    use guardia::console::net::client::HubClient;
    use guardia::domain::staff::Role;
    let hub = limited_hub(|l| {
        l.enroll_per_address_per_minute = 3;
        l.surge_per_network_per_minute = 10;
    })
    .await;
    let supervisor = hub.staff(Role::Supervisor, Some("los-angeles")).await;
    // The flood comes while the supervisor's console is away (a failover, a lost network).
    for i in 0..40 {
        let mut p = profile(&format!("Falsa {i}"), &[]);
        p.phone = fresh_phone();
        hub.http
            .post(hub.at("/v1/enroll"))
            .json(&p)
            .send()
            .await
            .unwrap();
    }
    // Back, from the start of the log: the replay brings the surge, as the live stream would have.
    let sup = HubClient::new(&hub.url, &supervisor).unwrap();
    let mut stream = Box::pin(sup.events(0).await.unwrap());
    loop {
        let m = tokio::time::timeout(Duration::from_secs(20), stream.next())
            .await
            .expect("the replay never brought the surge")
            .unwrap()
            .unwrap();
        if m.event == "surge_detected" {
            let e: Value = serde_json::from_str(&m.data).unwrap();
            assert_eq!(e["body"]["what"], "enroll");
            break;
        }
    }
}
