//! Watched appointments against a real hub: a check-in nobody comes out of raises one alert at
//! its place (across a restart, and with two hubs racing on one database), "out" in time raises
//! none, "out" after the alert closes nothing, "out" under duress looks normal and raises a
//! duress case, a press during the appointment carries it. And the attacks: another phone's
//! appointment, a staff token as a phone, a phone claiming a missed appointment, a flood, a
//! place abroad, a reused key, and who may list them.

mod common;

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use common::*;
use guardia::domain::alert::AlertKind;
use guardia::domain::appointment::{MAX_PER_DAY, MAX_WAITING};
use guardia::domain::staff::Role;
use serde_json::{Value, json};
use uuid::Uuid;

/// ICE's Los Angeles field office, 300 N Los Angeles St.
const ICE_LA: (f64, f64) = (34.0537, -118.2395);
const PLACE: &str = "ICE Los Angeles, 300 N Los Angeles St";

fn manual_clock() -> (Arc<Mutex<DateTime<Utc>>>, guardia::hub::state::Clock) {
    let now = Arc::new(Mutex::new(Utc::now()));
    let read = now.clone();
    (now, Arc::new(move || *read.lock().unwrap()))
}

fn consulates() -> Arc<Vec<guardia::domain::consulate::Consulate>> {
    Arc::new(guardia::domain::consulate::parse_csv(guardia::config::BUILTIN_CONSULATES).unwrap())
}

fn check_in(starts_at: DateTime<Utc>) -> Value {
    json!({
        "kind": "ice_check_in",
        "starts_at": starts_at,
        "place": {"name": PLACE, "lat": ICE_LA.0, "lon": ICE_LA.1},
        "expected_minutes": 60,
        "note": "Llevo mi pasaporte y la carta del abogado.",
    })
}

async fn schedule(hub: &TestHub, device: &str, body: Value) -> reqwest::Response {
    hub.http
        .post(hub.at("/v1/appointments"))
        .bearer_auth(device)
        .header("Idempotency-Key", Uuid::new_v4().to_string())
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn scheduled(hub: &TestHub, device: &str, body: Value) -> u64 {
    let res = schedule(hub, device, body).await;
    assert_eq!(res.status(), 201, "{:?}", res.text().await);
    let a: Value = res.json().await.unwrap();
    assert_eq!(a["state"], "watched");
    a["id"].as_u64().unwrap()
}

async fn phone_post(hub: &TestHub, device: &str, path: &str, body: Value) -> reqwest::Response {
    hub.http
        .post(hub.at(path))
        .bearer_auth(device)
        .json(&body)
        .send()
        .await
        .unwrap()
}

fn alerts_of(hub: &TestHub, registrant: i64) -> i64 {
    hub.with_db(|c| {
        c.query_row(
            "SELECT COUNT(*) FROM alerts WHERE registrant_id = ?1",
            [registrant],
            |r| r.get::<i64>(0),
        )
        .unwrap()
    })
}

fn state_of(hub: &TestHub, id: u64) -> String {
    hub.with_db(|c| {
        c.query_row(
            "SELECT state FROM appointments WHERE id = ?1",
            [id as i64],
            |r| r.get::<String>(0),
        )
        .unwrap()
    })
}

#[tokio::test]
async fn a_check_in_nobody_comes_out_of_raises_one_alert_at_its_place_across_a_restart() {
    let (now, clock) = manual_clock();
    let grace = Duration::minutes(60);
    let dir = tempfile::tempdir().unwrap();
    let hub = TestHub::start_configured(dir, |s| s.clock = clock.clone()).await;
    let officer = hub.staff(Role::Officer, Some("los-angeles")).await;
    let phone = hub.enroll("Rosa Ficticia", &[]).await;
    let start = *now.lock().unwrap() + Duration::hours(20);
    let id = scheduled(&hub, &phone.device_token, check_in(start)).await;

    // The officer sees tomorrow's watched appointments, with the place.
    let list: Vec<Value> = hub
        .json_as(&officer, "/v1/appointments/watched?hours=24")
        .await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["place"]["name"], PLACE);
    assert_eq!(list[0]["consulate"], "los-angeles");

    // Not due at the expected end, nor inside the grace.
    let n = hub
        .store
        .watch_appointments(start + Duration::minutes(119), grace, consulates(), false)
        .await
        .unwrap();
    assert_eq!(n, 0);
    assert_eq!(alerts_of(&hub, phone.registrant_id), 0);

    // The hub restarts: the watch is in the database, not in memory. (Its own pass waits a
    // year here, so that the pass this test runs is the one that raises.)
    let dir = hub.stop().await;
    *now.lock().unwrap() = start + Duration::minutes(121);
    let hub = TestHub::start_configured(dir, |s| {
        s.clock = clock.clone();
        s.watch_grace = Duration::days(365);
    })
    .await;
    let n = hub
        .store
        .watch_appointments(start + Duration::minutes(121), grace, consulates(), true)
        .await
        .unwrap();
    let again = hub
        .store
        .watch_appointments(start + Duration::minutes(200), grace, consulates(), true)
        .await
        .unwrap();
    assert_eq!((n, again), (1, 0));
    // Each relative is told (in the appointment's own words: the type is `appointment.missed`,
    // checked where the payload is made).
    let told = hub.count("SELECT COUNT(*) FROM deliveries WHERE about = 'alert'");
    assert_eq!(told, profile("x", &[]).relatives.len() as i64);
    assert!(told > 0);
    assert_eq!(alerts_of(&hub, phone.registrant_id), 1);
    assert_eq!(state_of(&hub, id), "missed");

    let cases = hub.cases_of(&officer).await;
    assert_eq!(cases.len(), 1);
    let case = hub.case(&officer, cases[0]["id"].as_u64().unwrap()).await;
    assert_eq!(case["kind"], "appointment_missed");
    assert_eq!(case["consulate"], "los-angeles");
    assert!((case["location"]["lat"].as_f64().unwrap() - ICE_LA.0).abs() < 1e-9);
    assert_eq!(case["appointment"]["place"]["name"], PLACE);
    assert_eq!(
        case["appointment"]["note"],
        "Llevo mi pasaporte y la carta del abogado."
    );
    let kinds = timeline_kinds(&case);
    assert!(
        kinds.contains(&"appointment_linked".to_string()),
        "{kinds:?}"
    );

    // "Out" after the alert closes nothing: it goes on the case for the officer to weigh.
    let res = phone_post(
        &hub,
        &phone.device_token,
        &format!("/v1/appointments/{id}/out"),
        json!({}),
    )
    .await;
    assert_eq!(res.status(), 200);
    let case = hub.case(&officer, case["id"].as_u64().unwrap()).await;
    assert_eq!(case["status"], "open");
    assert!(case["appointment"]["out_at"].is_string());
    assert!(timeline_kinds(&case).contains(&"appointment_out".to_string()));
    // The supervisor's figures count it by place and kind, from the columns in the clear.
    let supervisor = hub.staff(Role::Supervisor, Some("los-angeles")).await;
    let day = start.date_naive();
    let figures: Value = hub
        .json_as(
            &supervisor,
            &format!(
                "/v1/reports/figures?from={}&to={}",
                day.pred_opt().unwrap(),
                day.succ_opt().unwrap()
            ),
        )
        .await;
    assert_eq!(
        figures["appointments"],
        json!([{"place": "", "kind": "ice_check_in", "watched": 1, "missed": 1}])
    );
    // The phone cannot cancel the appointment now: the alert is what to cancel.
    let res = phone_post(
        &hub,
        &phone.device_token,
        &format!("/v1/appointments/{id}/cancel"),
        json!({}),
    )
    .await;
    assert_eq!(res.status(), 409);
    hub.stop().await;
}

#[tokio::test]
async fn out_in_time_raises_nothing_and_the_background_pass_raises_a_missed_one_by_itself() {
    let hub = TestHub::start_configured(tempfile::tempdir().unwrap(), |s| {
        s.watch_grace = Duration::seconds(1)
    })
    .await;
    let officer = hub.staff(Role::Officer, Some("los-angeles")).await;
    let safe = hub.enroll("Luis Ficticio", &[]).await;
    let held = hub.enroll("Inés Ficticia", &[]).await;
    // Began 59 minutes ago, expected to take one: due a second after now.
    let mut body = check_in(Utc::now() - Duration::minutes(59));
    body["expected_minutes"] = json!(1);
    let out = scheduled(&hub, &safe.device_token, body.clone()).await;
    let res = phone_post(
        &hub,
        &safe.device_token,
        &format!("/v1/appointments/{out}/out"),
        json!({}),
    )
    .await;
    assert_eq!(res.status(), 200);
    let missed = scheduled(&hub, &held.device_token, body).await;

    // The hub's own pass (every two seconds) raises the one nobody came out of.
    let mut waited = 0;
    while alerts_of(&hub, held.registrant_id) == 0 {
        waited += 1;
        assert!(waited < 200, "no alert was raised");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(state_of(&hub, missed), "missed");
    assert_eq!(state_of(&hub, out), "out");
    assert_eq!(alerts_of(&hub, safe.registrant_id), 0);
    let cases = hub.cases_of(&officer).await;
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0]["kind"], "appointment_missed");
    // A list row carries the place but not what the person said.
    assert!(cases[0]["appointment"]["note"].is_null());
    hub.stop().await;
}

#[tokio::test]
async fn two_hubs_on_one_database_racing_the_same_due_appointment_raise_one_alert() {
    let hub = TestHub::start().await;
    let phone = hub.enroll("Pedro Ficticio", &[]).await;
    let start = Utc::now() + Duration::hours(2);
    let id = scheduled(&hub, &phone.device_token, check_in(start)).await;
    // A second hub's store on the same database, racing this one's.
    let other = guardia::hub::store::Store::open_target(
        &target(hub.dir.path()),
        Some(&key_file(hub.dir.path())),
    )
    .unwrap();
    let at = start + Duration::hours(3);
    let grace = Duration::minutes(60);
    let (a, b) = tokio::join!(
        hub.store.watch_appointments(at, grace, consulates(), false),
        other.watch_appointments(at, grace, consulates(), false),
    );
    assert_eq!(a.unwrap() + b.unwrap(), 1);
    assert_eq!(alerts_of(&hub, phone.registrant_id), 1);
    assert_eq!(state_of(&hub, id), "missed");
    drop(other);
    hub.stop().await;
}

#[tokio::test]
async fn out_under_duress_looks_like_any_out_and_raises_a_duress_case() {
    let hub = TestHub::start().await;
    let officer = hub.staff(Role::Officer, Some("los-angeles")).await;
    let calm = hub.enroll("Ana Ficticia", &[]).await;
    let forced = hub.enroll("Eva Ficticia", &[]).await;
    let start = Utc::now() + Duration::minutes(30);
    let a = scheduled(&hub, &calm.device_token, check_in(start)).await;
    let b = scheduled(&hub, &forced.device_token, check_in(start)).await;
    let plain = phone_post(
        &hub,
        &calm.device_token,
        &format!("/v1/appointments/{a}/out"),
        json!({}),
    )
    .await;
    let duress = phone_post(
        &hub,
        &forced.device_token,
        &format!("/v1/appointments/{b}/out"),
        json!({"duress": true}),
    )
    .await;
    assert_eq!(
        (plain.status().as_u16(), duress.status().as_u16()),
        (200, 200)
    );
    let (mut plain, mut duress): (Value, Value) =
        (plain.json().await.unwrap(), duress.json().await.unwrap());
    // The same answer but for the id: nothing tells whoever holds the phone.
    plain["id"] = json!(0);
    duress["id"] = json!(0);
    assert_eq!(plain, duress);
    let listed: Vec<Value> = hub.json_as(&forced.device_token, "/v1/appointments").await;
    assert_eq!(listed[0]["state"], "out");
    assert!(listed[0].get("case_id").is_none());

    let cases = hub.cases_of(&officer).await;
    assert_eq!(cases.len(), 1, "only the duress one");
    let case = hub.case(&officer, cases[0]["id"].as_u64().unwrap()).await;
    assert!(case["duress_at"].is_string());
    assert_eq!(case["status"], "open");
    assert_eq!(case["appointment"]["place"]["name"], PLACE);
    // The appointment is over for the timer: no second alert later.
    let n = hub
        .store
        .watch_appointments(
            start + Duration::hours(5),
            Duration::minutes(60),
            consulates(),
            false,
        )
        .await
        .unwrap();
    assert_eq!(n, 0);
    hub.stop().await;
}

#[tokio::test]
async fn a_press_during_the_appointment_carries_it_and_the_timer_stays_quiet() {
    let hub = TestHub::start().await;
    let officer = hub.staff(Role::Officer, Some("los-angeles")).await;
    let phone = hub.enroll("Juan Ficticio", &[]).await;
    let start = Utc::now() + Duration::minutes(10);
    let id = scheduled(&hub, &phone.device_token, check_in(start)).await;
    let alert = hub
        .press(&phone.device_token, ICE_LA.0, ICE_LA.1, AlertKind::Detained)
        .await;
    let case = hub.case(&officer, alert.case_id).await;
    assert_eq!(case["appointment"]["id"].as_u64(), Some(id));
    assert_eq!(state_of(&hub, id), "pressed");
    let n = hub
        .store
        .watch_appointments(
            start + Duration::hours(5),
            Duration::minutes(60),
            consulates(),
            false,
        )
        .await
        .unwrap();
    assert_eq!(n, 0);
    assert_eq!(alerts_of(&hub, phone.registrant_id), 1);
    hub.stop().await;
}

#[tokio::test]
async fn strangers_floods_bad_places_and_reused_keys_are_refused() {
    let hub = TestHub::start().await;
    let owner = hub.enroll("Marta Ficticia", &[]).await;
    let stranger = hub.enroll("Extraño Ficticio", &[]).await;
    let start = Utc::now() + Duration::days(2);
    // By the registry's code: the place is the registry's, named and placed by it.
    let id = scheduled(
        &hub,
        &owner.device_token,
        json!({"kind": "ice_check_in", "starts_at": start, "expected_minutes": 45,
               "place": {"facility": "LOSHOLD"}}),
    )
    .await;
    let mine: Vec<Value> = hub.json_as(&owner.device_token, "/v1/appointments").await;
    assert_eq!(mine[0]["place"]["facility"], "LOSHOLD");
    assert!(mine[0]["place"]["lat"].as_f64().unwrap() > 34.0);
    assert_eq!(mine[0]["consulate"], "los-angeles");

    // Another phone cannot see, end or cancel it: "not found", as if it did not exist.
    for verb in ["out", "cancel"] {
        let res = phone_post(
            &hub,
            &stranger.device_token,
            &format!("/v1/appointments/{id}/{verb}"),
            json!({}),
        )
        .await;
        assert_eq!(res.status(), 404, "{verb}");
    }
    let theirs: Vec<Value> = hub
        .json_as(&stranger.device_token, "/v1/appointments")
        .await;
    assert!(theirs.is_empty());
    assert_eq!(state_of(&hub, id), "watched");

    // A staff token is not a phone.
    let officer = hub.staff(Role::Officer, Some("los-angeles")).await;
    assert_eq!(
        schedule(&hub, &officer, check_in(start)).await.status(),
        403
    );

    // A phone cannot claim a missed appointment through the button.
    let mut press = alert_body(Uuid::new_v4(), LA.0, LA.1, AlertKind::Imminent);
    press["kind"] = json!("appointment_missed");
    let res = phone_post(&hub, &owner.device_token, "/v1/alerts", press).await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["field"]["name"], "kind");

    // A place abroad, a year ahead, an unknown facility: each named by field.
    let mut abroad = check_in(start);
    abroad["place"]["lon"] = json!(118.24);
    let mut far = check_in(start + Duration::days(365));
    far["expected_minutes"] = json!(60);
    let unknown = json!({
        "kind": "court_hearing", "starts_at": start, "expected_minutes": 120,
        "place": {"facility": "NO-SUCH-PLACE"},
    });
    for (body, field) in [
        (abroad, "place.lat"),
        (far, "starts_at"),
        (unknown, "place.facility"),
    ] {
        let res = schedule(&hub, &owner.device_token, body).await;
        assert_eq!(res.status(), 422);
        let e: Value = res.json().await.unwrap();
        assert_eq!(e["field"]["name"], field, "{e}");
    }

    // The same key again answers the same; with another body it is refused.
    let key = Uuid::new_v4().to_string();
    let send = |body: Value| {
        hub.http
            .post(hub.at("/v1/appointments"))
            .bearer_auth(&owner.device_token)
            .header("Idempotency-Key", &key)
            .json(&body)
            .send()
    };
    let first: Value = send(check_in(start)).await.unwrap().json().await.unwrap();
    let again = send(check_in(start)).await.unwrap();
    assert_eq!(again.status(), 201);
    assert!(again.headers().contains_key("idempotent-replayed"));
    let again: Value = again.json().await.unwrap();
    assert_eq!(first["id"], again["id"]);
    let other = send(check_in(start + Duration::hours(1))).await.unwrap();
    assert_eq!(other.status(), 422);

    // No more than a few waiting at once.
    let waiting = 2;
    for _ in waiting..MAX_WAITING {
        scheduled(&hub, &owner.device_token, check_in(start)).await;
    }
    let res = schedule(&hub, &owner.device_token, check_in(start)).await;
    assert_eq!(res.status(), 409);

    // Scheduling and cancelling in a loop stops at the day's allowance.
    let looping = hub.enroll("Bucle Ficticio", &[]).await;
    let mut refused = None;
    for n in 0..=MAX_PER_DAY {
        let res = schedule(&hub, &looping.device_token, check_in(start)).await;
        if res.status() == 429 {
            refused = Some(n);
            break;
        }
        let a: Value = res.json().await.unwrap();
        let id = a["id"].as_u64().unwrap();
        phone_post(
            &hub,
            &looping.device_token,
            &format!("/v1/appointments/{id}/cancel"),
            json!({}),
        )
        .await;
    }
    assert_eq!(refused, Some(MAX_PER_DAY));
    hub.stop().await;
}

#[tokio::test]
async fn only_the_watching_consulates_officers_and_supervisors_list_appointments_and_the_file_holds_no_place()
 {
    let hub = TestHub::start().await;
    let phone = hub.enroll("Sara Ficticia", &[]).await;
    scheduled(
        &hub,
        &phone.device_token,
        check_in(Utc::now() + Duration::hours(3)),
    )
    .await;
    let supervisor = hub.staff(Role::Supervisor, Some("los-angeles")).await;
    let list: Vec<Value> = hub.json_as(&supervisor, "/v1/appointments/watched").await;
    assert_eq!(list.len(), 1);
    let elsewhere = hub.staff(Role::Officer, Some("chicago")).await;
    let elsewhere_list: Vec<Value> = hub.json_as(&elsewhere, "/v1/appointments/watched").await;
    assert!(elsewhere_list.is_empty());
    for token in [
        hub.staff(Role::Lawyer, Some("los-angeles")).await,
        hub.staff(Role::Supervisor, None).await,
    ] {
        let res = hub.get_as(&token, "/v1/appointments/watched").await;
        assert_eq!(res.status(), 403);
    }
    // A phone's token reads no one's list.
    let res = hub
        .get_as(&phone.device_token, "/v1/appointments/watched")
        .await;
    assert!(
        matches!(res.status().as_u16(), 401 | 403),
        "{}",
        res.status()
    );
    // An insider with the database file reads neither the place nor what the person said.
    let bodies = hub.texts("SELECT body FROM appointments");
    assert_eq!(bodies.len(), 1);
    assert!(!bodies[0].contains("Los Angeles St") && !bodies[0].contains("pasaporte"));
    hub.stop().await;
}

#[tokio::test]
async fn erasing_the_person_takes_their_appointments_with_them() {
    let hub = TestHub::start().await;
    let officer = hub.staff(Role::Officer, Some("los-angeles")).await;
    let phone = hub.enroll("Olga Borrable", &[]).await;
    let start = Utc::now() + Duration::hours(1);
    scheduled(&hub, &phone.device_token, check_in(start)).await;
    scheduled(
        &hub,
        &phone.device_token,
        check_in(start + Duration::days(30)),
    )
    .await;
    let n = hub
        .store
        .watch_appointments(
            start + Duration::hours(3),
            Duration::minutes(60),
            consulates(),
            false,
        )
        .await
        .unwrap();
    assert_eq!(n, 1);
    let case = hub.cases_of(&officer).await[0]["id"].as_u64().unwrap();
    let version = hub.case(&officer, case).await["version"].as_u64().unwrap();
    let res = hub
        .act(
            &officer,
            case,
            "close",
            version,
            json!({"outcome": "released_on_bond", "note": "Salió con fianza."}),
        )
        .await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    let done = hub
        .store
        .retain(Utc::now() + Duration::days(800), 730)
        .await
        .unwrap();
    assert_eq!(done.cases, vec![case]);
    assert_eq!(hub.count("SELECT COUNT(*) FROM appointments"), 0);
    // The case keeps the appointment's kind and times, and nothing of where or what was said.
    let erased = hub.case(&officer, case).await;
    assert_eq!(erased["appointment"]["kind"], "ice_check_in");
    assert_eq!(erased["appointment"]["place"]["name"], "");
    assert!(erased["appointment"]["note"].is_null());
    hub.stop().await;
}

#[tokio::test]
async fn the_simulator_schedules_tomorrows_check_ins_in_the_district_and_misses_some() {
    let hub = TestHub::start().await;
    let officer = hub.staff(Role::Officer, Some("los-angeles")).await;
    let mut phones = Vec::new();
    for n in 0..3 {
        let p = hub.enroll(&format!("Simulada {n}"), &[]).await;
        phones.push(guardia::simulate::Phone {
            token: p.device_token,
        });
    }
    let done = guardia::simulate::appointments::schedule(
        &hub.http,
        &hub.url,
        &phones,
        (34.05, -118.24),
        8,
        2,
    )
    .await
    .unwrap();
    assert_eq!((done.watched, done.missed), (8, 2));
    // Every one is in Los Angeles's district: its officer lists the six of tomorrow.
    let list: Vec<Value> = hub
        .json_as(&officer, "/v1/appointments/watched?hours=48")
        .await;
    assert_eq!(list.len(), 6, "{list:?}");
    assert!(list.iter().all(|a| a["place"]["facility"].is_string()));
    // The two that went in a minute ago are due once the grace has passed.
    let n = hub
        .store
        .watch_appointments(
            Utc::now() + Duration::minutes(3),
            Duration::minutes(2),
            consulates(),
            false,
        )
        .await
        .unwrap();
    assert_eq!(n, 2);
    hub.stop().await;
}
