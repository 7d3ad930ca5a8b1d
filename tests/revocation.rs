//! Taking access back, each tried over real HTTP on loopback: an administrator disables,
//! rotates or revokes through the API or from the server's shell while the hub runs, tokens
//! expire, and open streams end.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use common::*;
use guardia::api::EnrollResponse;
use guardia::domain::alert::AlertKind;
use serde_json::{Value, json};

type ManualClock = Arc<Mutex<DateTime<Utc>>>;

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
    // A rotation through the API withdraws the token and hands the admin no new one: it would
    // be the officer's, to read their cases with.
    let rotated = post_as(
        &hub,
        &admin,
        &format!("/v1/admin/staff/{officer_id}/rotate"),
    )
    .await;
    assert_eq!(rotated.status(), 200);
    let text = rotated.text().await.unwrap();
    assert!(!text.contains("gds_"), "{text}");
    ends(&mut stream).await;
    assert_eq!(hub.get_as(&officer, "/v1/me").await.status(), 401);
    // The new one is issued on the server.
    let fresh = &guardia::admin::rotate_token(&hub.store, officer_id)
        .await
        .unwrap();
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
    let kinds = hub.texts(
        "SELECT coalesce(json_extract(body, '$.body.change.type'), kind) FROM events
          WHERE case_id = 0 AND json_extract(body, '$.actor.role') = 'admin' ORDER BY seq",
    );
    assert_eq!(kinds, ["token_rotated", "disabled", "enabled", "revoked"]);
    // A lawyer's and a consulate supervisor's tokens are withdrawn the same way, never handed
    // over.
    for (role, consulate) in [(Role::Lawyer, None), (Role::Supervisor, Some("chicago"))] {
        let (id, token) = hub.staff_with_id(role, consulate).await;
        let res = post_as(&hub, &admin, &format!("/v1/admin/staff/{id}/rotate")).await;
        assert_eq!(res.status(), 200);
        assert!(!res.text().await.unwrap().contains("gds_"));
        assert_eq!(hub.get_as(&token, "/v1/me").await.status(), 401);
    }
    let all = hub.texts("SELECT body FROM events").join(",");
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
async fn an_admin_token_mints_nobody_who_reads_cases_for_any_consulate() {
    use guardia::domain::staff::Role;
    let hub = TestHub::start().await;
    let admin = hub.staff(Role::Admin, None).await;
    // One officer per consulate would add up to a national view: none is made.
    let consulates =
        guardia::domain::consulate::parse_csv(guardia::config::BUILTIN_CONSULATES).unwrap();
    for c in consulates.iter().take(5) {
        for role in ["officer", "supervisor"] {
            let res = hub
                .http
                .post(hub.at("/v1/staff"))
                .bearer_auth(&admin)
                .header("Idempotency-Key", uuid::Uuid::new_v4().to_string())
                .json(&json!({"name": "X", "role": role, "consulate": c.id}))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 403);
            assert!(!res.text().await.unwrap().contains("gds_"));
        }
    }
    assert_eq!(hub.count("SELECT COUNT(*) FROM staff"), 1, "only the admin");
}
