//! Case work over real HTTP: who may do what (the whole matrix), idempotency, If-Match,
//! concurrent officers, and what a lawyer's stream carries.

mod common;

use std::time::Duration;

use common::*;
use futures_util::StreamExt;
use guardia::console::net::client::HubClient;
use guardia::domain::alert::AlertKind;
use guardia::domain::event::{Event, EventBody};
use guardia::domain::staff::Role;
use serde_json::{Value, json};

/// A fresh case in Los Angeles or Chicago, from a fresh phone.
async fn new_case(hub: &TestHub, at: (f64, f64)) -> u64 {
    let phone = hub.enroll("Caso Ficticio", &[]).await;
    hub.press(&phone.device_token, at.0, at.1, AlertKind::Detained)
        .await
        .case_id
}

async fn version(hub: &TestHub, token: &str, case: u64) -> u64 {
    hub.case(token, case).await["version"].as_u64().unwrap()
}

async fn ok(res: reqwest::Response) -> Value {
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    body
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Who {
    Officer,
    Lawyer,
    Supervisor,
    National,
    Admin,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Target {
    /// In the caller's scope: their consulate, or (for the lawyer) assigned to them.
    Own,
    /// Outside it: another consulate, or (for the lawyer) a case of their consulate that is not
    /// theirs.
    Other,
}

const ACTIONS: &[&str] = &[
    "ack",
    "assign",
    "checkpoints",
    "notes",
    "close",
    "reopen",
    "transfer",
    "triage",
];

fn expected(who: Who, target: Target, action: &str) -> u16 {
    let permitted = match who {
        Who::Admin => false,
        Who::Lawyer => matches!(action, "checkpoints" | "notes"),
        Who::Officer => action != "reopen",
        Who::Supervisor | Who::National => true,
    };
    let in_scope = target == Target::Own || who == Who::National;
    match (permitted, in_scope) {
        (false, _) => 403,
        (true, true) => 200,
        (true, false) => 404,
    }
}

#[tokio::test]
async fn every_endpoint_by_every_role_on_own_and_other_cases() {
    let hub = TestHub::start().await;
    let officer = hub.staff(Role::Officer, Some("los-angeles")).await;
    let (lawyer_id, lawyer) = hub.staff_with_id(Role::Lawyer, Some("los-angeles")).await;
    let (other_lawyer_id, _) = hub.staff_with_id(Role::Lawyer, Some("los-angeles")).await;
    let supervisor = hub.staff(Role::Supervisor, Some("los-angeles")).await;
    let national = hub.staff(Role::Supervisor, None).await;
    let admin = hub.staff(Role::Admin, None).await;
    let token = |who| match who {
        Who::Officer => officer.clone(),
        Who::Lawyer => lawyer.clone(),
        Who::Supervisor => supervisor.clone(),
        Who::National => national.clone(),
        Who::Admin => admin.clone(),
    };
    let body = |action: &str| match action {
        "assign" => json!({ "lawyer_id": other_lawyer_id }),
        "checkpoints" => json!({
            "code": "CONTACT_ATTEMPT",
            "fields": { "who": "hermana", "outcome": "reached" },
            "note": "",
        }),
        "notes" => json!({ "text": "Llamada a la familia." }),
        "close" => json!({ "outcome": "false_alarm", "note": "No hubo detención." }),
        "reopen" => json!({ "reason": "La familia reporta la detención." }),
        "transfer" => json!({ "to_consulate": "houston", "reason": "Trasladado a Texas." }),
        "triage" => json!({ "consent": "accepted", "intent": "contest", "category": "migratory" }),
        _ => json!({}),
    };

    let mut mismatches = Vec::new();
    let mut checked = 0;
    for who in [
        Who::Officer,
        Who::Lawyer,
        Who::Supervisor,
        Who::National,
        Who::Admin,
    ] {
        for target in [Target::Own, Target::Other] {
            for action in ACTIONS {
                // A fresh case per cell so that no cell depends on another's effect.
                let at = match (who, target) {
                    (Who::Lawyer, _) | (_, Target::Own) => LA,
                    (_, Target::Other) => CHICAGO,
                };
                let case = new_case(&hub, at).await;
                let mut v = 1;
                let assignee = match (who, target) {
                    (Who::Lawyer, Target::Own) => Some(lawyer_id),
                    (Who::Lawyer, Target::Other) => Some(other_lawyer_id),
                    _ => None,
                };
                if let Some(l) = assignee.filter(|_| *action != "assign") {
                    ok(hub
                        .act(&national, case, "assign", v, json!({ "lawyer_id": l }))
                        .await)
                    .await;
                    v += 1;
                }
                if *action == "reopen" {
                    let close = body("close");
                    ok(hub.act(&national, case, "close", v, close).await).await;
                    v += 1;
                }
                let res = hub.act(&token(who), case, action, v, body(action)).await;
                let got = res.status().as_u16();
                let want = expected(who, target, action);
                checked += 1;
                if got != want {
                    let text = res.text().await.unwrap_or_default();
                    mismatches.push(format!(
                        "{who:?} {target:?} {action}: got {got}, want {want}: {text}"
                    ));
                }
            }
        }
    }

    // Reads: list, one case, stream, roster, me; and the admin's staff endpoint.
    let la_case = new_case(&hub, LA).await;
    let chicago_case = new_case(&hub, CHICAGO).await;
    let lawyers_case = new_case(&hub, LA).await;
    ok(hub
        .act(
            &national,
            lawyers_case,
            "assign",
            1,
            json!({ "lawyer_id": lawyer_id }),
        )
        .await)
    .await;
    for who in [
        Who::Officer,
        Who::Lawyer,
        Who::Supervisor,
        Who::National,
        Who::Admin,
    ] {
        let t = token(who);
        let (own, other) = match who {
            Who::Lawyer => (lawyers_case, la_case),
            _ => (la_case, chicago_case),
        };
        let sees_cases = who != Who::Admin;
        let reads = [
            (
                "GET /v1/cases",
                hub.get_as(&t, "/v1/cases").await.status().as_u16(),
                if sees_cases { 200 } else { 403 },
            ),
            (
                "GET own case",
                hub.get_as(&t, &format!("/v1/cases/{own}"))
                    .await
                    .status()
                    .as_u16(),
                if sees_cases { 200 } else { 404 },
            ),
            (
                "GET other case",
                hub.get_as(&t, &format!("/v1/cases/{other}"))
                    .await
                    .status()
                    .as_u16(),
                if who == Who::National { 200 } else { 404 },
            ),
            (
                "GET /v1/events",
                hub.get_as(&t, "/v1/events?since=0").await.status().as_u16(),
                if sees_cases { 200 } else { 403 },
            ),
            (
                "GET /v1/lawyers",
                hub.get_as(&t, "/v1/lawyers").await.status().as_u16(),
                if who == Who::Lawyer { 403 } else { 200 },
            ),
            (
                "GET /v1/me",
                hub.get_as(&t, "/v1/me").await.status().as_u16(),
                200,
            ),
        ];
        let new_staff = hub
            .http
            .post(hub.at("/v1/staff"))
            .bearer_auth(&t)
            .header("Idempotency-Key", uuid::Uuid::new_v4().to_string())
            .json(
                &json!({ "name": "Nuevo Oficial", "role": "officer", "consulate": "los-angeles" }),
            )
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        // Nobody adds staff who read cases through the API, not even an admin.
        let staff_want = 403;
        for (what, got, want) in
            reads
                .into_iter()
                .chain([("POST /v1/staff", new_staff, staff_want)])
        {
            checked += 1;
            if got != want {
                mismatches.push(format!("{who:?} {what}: got {got}, want {want}"));
            }
        }
    }

    // The lawyer's list holds exactly their own cases.
    let list = hub.cases_of(&lawyer).await;
    let ids: Vec<u64> = list.iter().map(|c| c["id"].as_u64().unwrap()).collect();
    assert!(
        ids.contains(&lawyers_case) && !ids.contains(&la_case),
        "{ids:?}"
    );
    for c in &list {
        assert_eq!(c["assigned_lawyer"].as_i64(), Some(lawyer_id));
    }

    assert!(
        mismatches.is_empty(),
        "{} of {checked} cells wrong:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    assert_eq!(checked, 5 * 2 * ACTIONS.len() + 5 * 7);
}

#[tokio::test]
async fn two_officers_acknowledging_at_once_one_wins_and_the_other_sees_who() {
    let hub = TestHub::start().await;
    let a = hub.staff(Role::Officer, Some("los-angeles")).await;
    let b = hub.staff(Role::Officer, Some("los-angeles")).await;
    for verb in ["ack", "assign"] {
        let case = new_case(&hub, LA).await;
        let (l1, _) = hub.staff_with_id(Role::Lawyer, Some("los-angeles")).await;
        let (l2, _) = hub.staff_with_id(Role::Lawyer, Some("los-angeles")).await;
        let (ra, rb) = tokio::join!(
            hub.act(
                &a,
                case,
                verb,
                1,
                json!({ "lawyer_id": l1 })
                    .as_object()
                    .filter(|_| verb == "assign")
                    .map(|o| Value::Object(o.clone()))
                    .unwrap_or(json!({}))
            ),
            hub.act(
                &b,
                case,
                verb,
                1,
                json!({ "lawyer_id": l2 })
                    .as_object()
                    .filter(|_| verb == "assign")
                    .map(|o| Value::Object(o.clone()))
                    .unwrap_or(json!({}))
            ),
        );
        let mut statuses = [ra.status().as_u16(), rb.status().as_u16()];
        let loser = if statuses[0] == 409 { ra } else { rb };
        statuses.sort();
        assert_eq!(statuses, [200, 409], "{verb}: exactly one wins");
        let body: Value = loser.json().await.unwrap();
        assert_eq!(body["error"], "case_changed");
        // The answer carries the case as it now stands, naming who acted last.
        let last = body["case"]["last"].clone();
        assert_eq!(last["actor"]["type"], "staff");
        assert_eq!(last["actor"]["role"], "officer");
        assert_eq!(body["case"]["version"], 2);
        assert_eq!(version(&hub, &a, case).await, 2, "{verb}: one event only");
    }
}

#[tokio::test]
async fn the_same_key_returns_the_first_answer_and_headers_are_required() {
    let hub = TestHub::start().await;
    let officer = hub.staff(Role::Officer, Some("los-angeles")).await;
    let case = new_case(&hub, LA).await;
    let note = json!({ "text": "Primera llamada." });
    let first = hub
        .act_with_key(&officer, case, "notes", 1, note.clone(), "k-1")
        .await;
    assert_eq!(first.headers()["idempotent-replayed"], "false");
    assert_eq!(first.headers()["etag"], "\"2\"");
    let first: Value = first.json().await.unwrap();
    // A retry (even with the old If-Match, as an outbox replays it) changes nothing.
    let again = hub
        .act_with_key(&officer, case, "notes", 1, note.clone(), "k-1")
        .await;
    assert_eq!(again.status(), 200);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.json::<Value>().await.unwrap(), first);
    let case_now = hub.case(&officer, case).await;
    assert_eq!(case_now["notes"].as_array().unwrap().len(), 1);
    assert_eq!(case_now["version"], 2);

    // The same key for something else is refused, not answered with the wrong thing.
    let other = hub
        .act_with_key(
            &officer,
            case,
            "notes",
            2,
            json!({ "text": "Otra." }),
            "k-1",
        )
        .await;
    assert_eq!(other.status(), 422);

    let no_key = hub
        .http
        .post(hub.at(&format!("/v1/cases/{case}/ack")))
        .bearer_auth(&officer)
        .header("If-Match", "\"2\"")
        .send()
        .await
        .unwrap();
    assert_eq!(no_key.status(), 400);
    let no_version = hub
        .http
        .post(hub.at(&format!("/v1/cases/{case}/ack")))
        .bearer_auth(&officer)
        .header("Idempotency-Key", "k-2")
        .send()
        .await
        .unwrap();
    assert_eq!(no_version.status(), 428);
    let msg: Value = no_version.json().await.unwrap();
    assert!(msg["message"].as_str().unwrap().contains("If-Match"));

    // Validation names the field; nothing is written.
    let bad = hub
        .act(
            &officer,
            case,
            "checkpoints",
            2,
            json!({ "code": "A_NUMBER_RECORDED", "fields": { "a_number": "123" } }),
        )
        .await;
    assert_eq!(bad.status(), 422);
    let msg: Value = bad.json().await.unwrap();
    assert!(
        msg["message"]
            .as_str()
            .unwrap()
            .starts_with("fields.a_number"),
        "{msg}"
    );
    let unknown = hub
        .act(&officer, case, "checkpoints", 2, json!({ "code": "NOPE" }))
        .await;
    assert!(unknown.status().is_client_error());
    let unknown_lawyer = hub
        .act(&officer, case, "assign", 2, json!({ "lawyer_id": 999 }))
        .await;
    assert_eq!(unknown_lawyer.status(), 422);
    assert_eq!(version(&hub, &officer, case).await, 2);
}

#[tokio::test]
async fn a_lawyer_stream_carries_their_cases_and_the_reassignment_away() {
    let hub = TestHub::start().await;
    let officer = hub.staff(Role::Officer, Some("los-angeles")).await;
    let (l1, lawyer) = hub.staff_with_id(Role::Lawyer, Some("los-angeles")).await;
    let (l2, _) = hub.staff_with_id(Role::Lawyer, Some("los-angeles")).await;
    let unrelated = new_case(&hub, LA).await;
    let case = new_case(&hub, LA).await;
    let client = HubClient::new(&hub.url, &lawyer).unwrap();
    let mut stream = Box::pin(client.events(0).await.unwrap());
    ok(hub
        .act(&officer, unrelated, "notes", 1, json!({ "text": "ajeno" }))
        .await)
    .await;
    ok(hub
        .act(&officer, case, "assign", 1, json!({ "lawyer_id": l1 }))
        .await)
    .await;
    ok(hub
        .act(
            &lawyer,
            case,
            "notes",
            2,
            json!({ "text": "Entrevista hecha." }),
        )
        .await)
    .await;
    ok(hub
        .act(&officer, case, "assign", 3, json!({ "lawyer_id": l2 }))
        .await)
    .await;
    ok(hub
        .act(
            &officer,
            case,
            "notes",
            4,
            json!({ "text": "ya no es suyo" }),
        )
        .await)
    .await;
    // A later case for them: the next thing they see must be it, not the note above.
    let later = new_case(&hub, LA).await;
    ok(hub
        .act(&officer, later, "assign", 1, json!({ "lawyer_id": l1 }))
        .await)
    .await;
    let mut seen = Vec::new();
    while seen.len() < 4 {
        let m = tokio::time::timeout(Duration::from_secs(20), stream.next())
            .await
            .expect("the hub sent nothing")
            .unwrap()
            .unwrap();
        let e: Event = serde_json::from_str(&m.data).unwrap();
        seen.push(e);
    }
    assert!(
        seen[..3].iter().all(|e| e.case_id == case),
        "only the lawyer's case"
    );
    assert!(matches!(&seen[0].body, EventBody::LawyerAssigned(a) if a.lawyer_id == l1));
    assert!(matches!(&seen[1].body, EventBody::NoteAdded(_)));
    assert!(matches!(&seen[2].body, EventBody::LawyerAssigned(a) if a.lawyer_id == l2));
    assert_eq!(
        seen[3].case_id, later,
        "the note after the reassignment did not leak"
    );
    assert_eq!(
        hub.get_as(&lawyer, &format!("/v1/cases/{case}"))
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn backlog_and_export_read_the_hub_as_the_supervisor_sees_it() {
    let hub = TestHub::start().await;
    let officer = hub.staff(Role::Officer, Some("los-angeles")).await;
    let supervisor = hub.staff(Role::Supervisor, None).await;
    let (lawyer_id, _) = hub.staff_with_id(Role::Lawyer, Some("los-angeles")).await;
    let waiting = new_case(&hub, LA).await;
    let handled = new_case(&hub, LA).await;
    let elsewhere = new_case(&hub, CHICAGO).await;
    ok(hub.act(&officer, handled, "ack", 1, json!({})).await).await;
    ok(hub
        .act(
            &officer,
            handled,
            "assign",
            2,
            json!({ "lawyer_id": lawyer_id }),
        )
        .await)
    .await;
    let client = HubClient::new(&hub.url, &supervisor).unwrap();
    let now = chrono::Utc::now();
    let b = guardia::report::backlog(&client, chrono::Duration::minutes(5), Default::default())
        .await
        .unwrap();
    assert_eq!(b.open, 3);
    assert_eq!(b.without_lawyer, vec![waiting, elsewhere]);
    assert_eq!(b.per_consulate["chicago"].open, 1);
    assert_eq!(
        b.lawyers
            .iter()
            .find(|l| l.id == lawyer_id)
            .unwrap()
            .open_cases,
        1
    );
    let csv = guardia::report::backlog_csv(&b);
    assert!(csv.starts_with("metric,key,value\nopen,all,3\n"), "{csv}");
    assert!(
        csv.contains(&format!("without_lawyer_case,{waiting},")),
        "{csv}"
    );

    let case = client.case(handled).await.unwrap();
    let md = guardia::report::case_markdown(&case, guardia::i18n::Lang::Es, now);
    assert!(md.contains(&format!("# Caso #{handled}")), "{md}");
    assert!(md.contains("Representante asignado"), "{md}");
    // The officer's export of a case outside their consulate is refused by the hub.
    let theirs = HubClient::new(&hub.url, &officer).unwrap();
    assert!(theirs.case(elsewhere).await.is_err());
    // The hub counts the backlog over the caller's own scope: the officer's has no Chicago.
    let own = guardia::report::backlog(&theirs, chrono::Duration::minutes(5), Default::default())
        .await
        .unwrap();
    assert_eq!(own.open, 2);
    assert_eq!(own.without_lawyer, vec![waiting]);
    assert!(!own.per_consulate.contains_key("chicago"));
}

#[tokio::test]
async fn a_report_whose_reader_stops_early_ends_quietly() {
    let hub = TestHub::start().await;
    let officer = hub.staff(Role::Officer, Some("los-angeles")).await;
    let case = new_case(&hub, LA).await;
    // `guardia case export 1001 | head -0`: the reader is gone before the report is written.
    let mut child = guardia()
        .env("GUARDIA_TOKEN", &officer)
        .args(["case", "export", "--hub", &hub.url, &case.to_string()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{:?}: {stderr}", out.status);
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[tokio::test]
async fn an_older_version_is_weighed_and_only_a_real_conflict_is_refused() {
    let hub = TestHub::start().await;
    let officer = hub.staff(Role::Officer, Some("los-angeles")).await;
    let case = new_case(&hub, LA).await;
    let res = hub
        .act(
            &officer,
            case,
            "notes",
            1,
            json!({ "text": "Primera llamada." }),
        )
        .await;
    assert_eq!(res.status(), 200);
    // An older version is weighed, not refused: a note conflicts with nothing.
    let older = hub
        .act(
            &officer,
            case,
            "notes",
            1,
            json!({ "text": "Sin ver la anterior." }),
        )
        .await;
    assert_eq!(older.status(), 200, "{:?}", older.text().await);
    // A colleague assigns a lawyer: a close decided before that is a real conflict, answered
    // 409 with the case and what changed, by whom.
    let colleague = hub.staff(Role::Officer, Some("los-angeles")).await;
    let (lawyer, _) = hub.staff_with_id(Role::Lawyer, Some("los-angeles")).await;
    let seen = hub.case(&officer, case).await["version"].as_u64().unwrap();
    let res = hub
        .act(
            &colleague,
            case,
            "assign",
            seen,
            json!({ "lawyer_id": lawyer }),
        )
        .await;
    assert_eq!(res.status(), 200);
    let stale = hub
        .act(
            &officer,
            case,
            "close",
            seen,
            json!({ "outcome": "false_alarm", "note": "No era nada." }),
        )
        .await;
    assert_eq!(stale.status(), 409);
    let body = stale.json::<Value>().await.unwrap();
    assert_eq!(body["case"]["notes"][0]["text"], "Primera llamada.");
    assert_eq!(body["changed"]["kind"], "lawyer_assigned", "{body}");
    assert_eq!(body["changed"]["actor"]["type"], "staff");
}
