//! The protection work over real HTTP: a detainee placed in a facility of the registry and
//! followed across a transfer, staff adding a facility, visit rounds matched against open cases,
//! a raid becoming one incident, the duty roster and the shift handover. The figures are in
//! `figures.rs`.

mod common;

use common::*;
use guardia::domain::alert::AlertKind;
use guardia::domain::staff::Role;
use serde_json::{Value, json};

async fn new_case(hub: &TestHub, at: (f64, f64), kind: AlertKind) -> u64 {
    let phone = hub.enroll("Caso Ficticio", &[]).await;
    hub.press(&phone.device_token, at.0, at.1, kind)
        .await
        .case_id
}

async fn checkpoint(hub: &TestHub, token: &str, case: u64, body: Value) -> reqwest::Response {
    let version = hub.case(token, case).await["version"].as_u64().unwrap();
    hub.act(token, case, "checkpoints", version, body).await
}

async fn ok(res: reqwest::Response, status: u16) -> Value {
    let got = res.status().as_u16();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    assert_eq!(got, status, "{body}");
    body
}

fn fields_of(case: &Value, code: &str) -> Vec<Value> {
    case["checkpoints"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["code"] == code)
        .map(|c| c["fields"].clone())
        .collect()
}

#[tokio::test]
async fn a_detainee_is_placed_from_the_registry_and_followed_across_a_transfer() {
    let hub = TestHub::start().await;
    let officer = hub.staff(Role::Officer, Some("los-angeles")).await;
    let (lawyer_id, _) = hub.staff_with_id(Role::Lawyer, None).await;
    let case = new_case(&hub, LA, AlertKind::Detained).await;

    // Search: by name, nearest first, with its field office and its consulate's district.
    let found: Value = hub
        .json_as(
            &officer,
            "/v1/facilities?q=adelanto&near=34.05,-118.25&limit=3",
        )
        .await;
    assert_eq!(found[0]["code"], "ADLNTCA", "{found}");
    assert_eq!(found[0]["field_office_name"], "Los Angeles");
    assert_eq!(found[0]["district"], "san-bernardino");

    // Placed by code: the registry fills in the name, place and field office.
    ok(
        checkpoint(
            &hub,
            &officer,
            case,
            json!({"code": "FACILITY_LOCATED", "fields": {"facility_code": "adlntca"}}),
        )
        .await,
        200,
    )
    .await;
    let placed = fields_of(&hub.case(&officer, case).await, "FACILITY_LOCATED");
    assert_eq!(placed[0]["facility_code"], "ADLNTCA");
    assert_eq!(placed[0]["facility"], "ADELANTO ICE PROCESSING CENTER");
    assert_eq!(placed[0]["field_office"], "LOS");
    assert_eq!(placed[0]["city_state"], "ADELANTO, CA");

    // An unknown code is refused, naming the field; nothing is written.
    let before = hub.count("SELECT COUNT(*) FROM events WHERE kind <> 'case_read'");
    let bad = ok(
        checkpoint(
            &hub,
            &officer,
            case,
            json!({"code": "FACILITY_TRANSFER", "fields": {"facility_code": "NOPE99"}}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(bad["field"]["name"], "fields.facility_code", "{bad}");
    assert_eq!(
        hub.count("SELECT COUNT(*) FROM events WHERE kind <> 'case_read'"),
        before
    );

    // Moved to San Diego: the placement follows, and the visit list there will expect them.
    hub.assign(&officer, case, lawyer_id).await;
    ok(
        checkpoint(
            &hub,
            &officer,
            case,
            json!({"code": "FACILITY_TRANSFER", "fields": {"facility_code": "BAILECA", "moved_on": "2026-11-20"}}),
        )
        .await,
        200,
    )
    .await;
    let now = hub.case(&officer, case).await;
    let moved = fields_of(&now, "FACILITY_TRANSFER");
    assert_eq!(moved[0]["facility"], "GEORGE BAILEY DETENTION FACILITY");
    assert_eq!(
        hub.texts("SELECT facility FROM placements"),
        vec!["BAILECA".to_string()]
    );
    // The round at the old facility no longer lists them; the new one does.
    let old: Value = hub.json_as(&officer, "/v1/facilities/ADLNTCA/visits").await;
    assert_eq!(old["findings"]["not_seen"], json!([]));
    let round: Value = hub.json_as(&officer, "/v1/facilities/BAILECA/visits").await;
    assert_eq!(round["facility"]["district"], "san-diego");
}

#[tokio::test]
async fn staff_add_and_correct_facilities_and_others_may_not() {
    let hub = TestHub::start().await;
    let officer = hub.staff(Role::Officer, Some("los-angeles")).await;
    let lawyer = hub.staff(Role::Lawyer, None).await;
    let admin = hub.staff(Role::Admin, None).await;
    let new = json!({
        "code": "CEMFBTX", "name": "Camp East Montana",
        "city": "El Paso", "state": "TX", "field_office": "ELP",
        "kind": "SPC", "lat": 31.87, "lon": -106.42
    });
    // The attack first: a lawyer or an admin cannot write the registry; an admin cannot read it.
    ok(
        hub.post_as(&lawyer, "/v1/facilities", new.clone()).await,
        403,
    )
    .await;
    ok(
        hub.post_as(&admin, "/v1/facilities", new.clone()).await,
        403,
    )
    .await;
    ok(hub.get_as(&admin, "/v1/facilities?q=x").await, 403).await;
    // Bad input names its field and writes nothing.
    let mut wrong = new.clone();
    wrong["lon"] = json!(106.42);
    let e = ok(hub.post_as(&officer, "/v1/facilities", wrong).await, 422).await;
    assert_eq!(e["field"]["name"], "lat", "{e}");

    // A facility is the district's to record: Los Angeles cannot add one in El Paso's.
    let e = ok(
        hub.post_as(&officer, "/v1/facilities", new.clone()).await,
        403,
    )
    .await;
    assert_eq!(e["error"], "forbidden", "{e}");
    let el_paso = hub.staff(Role::Officer, Some("el-paso")).await;
    let key = uuid::Uuid::new_v4().to_string();
    let first = ok(
        hub.post_with_key(&el_paso, "/v1/facilities", new.clone(), &key)
            .await,
        201,
    )
    .await;
    let again = hub
        .post_with_key(&el_paso, "/v1/facilities", new.clone(), &key)
        .await;
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(ok(again, 201).await, first);
    assert_eq!(
        hub.count("SELECT COUNT(*) FROM events WHERE kind = 'facility_recorded'"),
        1
    );
    let found: Value = hub
        .json_as(&officer, "/v1/facilities?q=east%20montana")
        .await;
    assert_eq!(found[0]["code"], "CEMFBTX");
    assert_eq!(found[0]["district"], "el-paso");
    // Nor move another consulate's facility: Adelanto (San Bernardino's) into El Paso's
    // district, or Chicago's into its own.
    let mut moved = new.clone();
    moved["code"] = json!("ADLNTCA");
    moved["name"] = json!("ADELANTO ICE PROCESSING CENTER");
    ok(hub.post_as(&el_paso, "/v1/facilities", moved).await, 403).await;
    // A correction by the district, where it stands, replaces it for everyone and is on the
    // record with its author.
    let san_bernardino = hub.staff(Role::Officer, Some("san-bernardino")).await;
    let fix = json!({
        "code": "ADLNTCA", "name": "ADELANTO ICE PROCESSING CENTER (EAST)",
        "city": "Adelanto", "state": "CA", "field_office": "LOS",
        "kind": "DIGSA", "lat": 34.55924, "lon": -117.44151
    });
    ok(
        hub.post_as(&san_bernardino, "/v1/facilities", fix).await,
        201,
    )
    .await;
    let found: Value = hub
        .json_as(&lawyer, "/v1/facilities?q=adelanto%20east")
        .await;
    assert_eq!(found.as_array().unwrap().len(), 1, "{found}");
    let last: Value = serde_json::from_str(
        &hub.texts(
            "SELECT body FROM events WHERE kind = 'facility_recorded' ORDER BY seq DESC LIMIT 1",
        )[0],
    )
    .unwrap();
    assert_eq!(last["actor"]["role"], "officer", "{last}");
    assert_eq!(last["body"]["correction"], true, "{last}");
    let recorded: Value = hub.json_as(&officer, "/v1/facilities/recorded").await;
    assert_eq!(recorded.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_visit_round_is_matched_against_open_cases_at_the_facility() {
    let hub = TestHub::start().await;
    let officer = hub.staff(Role::Officer, Some("los-angeles")).await;
    let elsewhere = hub.staff(Role::Officer, Some("chicago")).await;
    let lawyer = hub.staff(Role::Lawyer, None).await;
    let seen = new_case(&hub, LA, AlertKind::Detained).await;
    let unseen = new_case(&hub, LA, AlertKind::Detained).await;
    for (case, a) in [(seen, "111111111"), (unseen, "222222222")] {
        ok(
            checkpoint(
                &hub,
                &officer,
                case,
                json!({"code": "FACILITY_LOCATED", "at": "2026-11-01T10:00:00Z", "fields": {"facility_code": "ADLNTCA"}}),
            )
            .await,
            200,
        )
        .await;
        ok(
            checkpoint(
                &hub,
                &officer,
                case,
                json!({"code": "A_NUMBER_RECORDED", "fields": {"a_number": a}}),
            )
            .await,
            200,
        )
        .await;
    }
    // Three rounds; the first two saw the case by its number, the last one someone new too.
    let today = chrono::Utc::now().date_naive();
    for (i, days_ago) in [14, 7, 0].iter().enumerate() {
        let mut roster = vec!["111111111"];
        if i == 2 {
            roster.push("A333-333-333");
        }
        let visit = json!({
            "facility": "ADLNTCA",
            "visited_on": (today - chrono::Duration::days(*days_ago)).to_string(),
            "staff": ["Lucía Ramírez"],
            "interviewed": [{"case_id": seen, "note": "pide hablar con su hermana"}],
            "roster": roster,
            "conditions": "sobrecupo en la unidad B",
            "complaints": "sin atención médica"
        });
        ok(hub.post_as(&officer, "/v1/visits", visit).await, 201).await;
    }
    let round: Value = hub.json_as(&officer, "/v1/facilities/ADLNTCA/visits").await;
    assert_eq!(round["visits"].as_array().unwrap().len(), 3);
    assert_eq!(round["findings"]["seen"], json!([seen]));
    assert_eq!(round["findings"]["not_seen"], json!([[unseen, 3]]));
    assert_eq!(round["findings"]["seen_without_case"], json!(["333333333"]));

    // Another consulate neither sees these rounds nor these cases; a lawyer sees no rounds;
    // an interview naming a case outside the visitor's scope is refused.
    let theirs: Value = hub
        .json_as(&elsewhere, "/v1/facilities/ADLNTCA/visits")
        .await;
    assert_eq!(theirs["visits"], json!([]));
    assert_eq!(theirs["findings"]["not_seen"], json!([]));
    ok(hub.get_as(&lawyer, "/v1/visits").await, 403).await;
    let sneaky = json!({"facility": "ADLNTCA", "visited_on": today.to_string(),
        "interviewed": [{"case_id": seen}]});
    ok(hub.post_as(&elsewhere, "/v1/visits", sneaky).await, 422).await;
    let bad = json!({"facility": "ADLNTCA", "visited_on": today.to_string(), "roster": ["12"]});
    let e = ok(hub.post_as(&officer, "/v1/visits", bad).await, 422).await;
    assert_eq!(e["field"]["name"], "roster[0]", "{e}");
}

#[tokio::test]
async fn a_simulated_raid_becomes_one_incident_with_running_counts() {
    let hub = TestHub::start().await;
    let officer = hub.staff(Role::Officer, Some("los-angeles")).await;
    let boss = hub.staff(Role::Supervisor, Some("los-angeles")).await;
    let (lawyer_id, _) = hub.staff_with_id(Role::Lawyer, None).await;
    let mut raid = Vec::new();
    for i in 0..5 {
        let at = (LA.0 + 0.002 * i as f64, LA.1 + 0.001 * i as f64);
        raid.push(new_case(&hub, at, AlertKind::Detained).await);
    }
    let far = new_case(&hub, (LA.0 + 0.1, LA.1 - 0.1), AlertKind::Imminent).await;
    let now = chrono::Utc::now();
    assert_eq!(
        guardia::hub::incidents::pass(&hub.store, now)
            .await
            .unwrap(),
        1
    );
    // Run again: nothing new, nothing doubled.
    assert_eq!(
        guardia::hub::incidents::pass(&hub.store, now)
            .await
            .unwrap(),
        0
    );
    hub.assign(&officer, raid[0], lawyer_id).await;
    ok(
        checkpoint(
            &hub,
            &officer,
            raid[1],
            json!({"code": "RELEASED", "fields": {"release_type": "bond"}}),
        )
        .await,
        200,
    )
    .await;
    let list: Value = hub.json_as(&boss, "/v1/incidents").await;
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    let one = &list[0];
    let mut cases: Vec<u64> = serde_json::from_value(one["cases"].clone()).unwrap();
    cases.sort();
    assert_eq!(cases, raid);
    assert!(!cases.contains(&far));
    assert_eq!(one["by_rule"], true);
    assert_eq!(one["tally"]["alerts"], 5);
    assert_eq!(one["tally"]["detained"], 5);
    assert_eq!(one["tally"]["released"], 1);
    assert_eq!(one["tally"]["with_lawyer"], 1);
    assert_eq!(one["tally"]["consulates"], json!(["los-angeles"]));

    // A supervisor names it and adds the far case by hand; an officer may not.
    let id = one["id"].as_u64().unwrap();
    let path = format!("/v1/incidents/{id}/name");
    ok(
        hub.post_as(&officer, &path, json!({"name": "x"})).await,
        403,
    )
    .await;
    ok(
        hub.post_as(&boss, &path, json!({"name": "Operativo Huntington Park"}))
            .await,
        201,
    )
    .await;
    ok(
        hub.post_as(
            &boss,
            &format!("/v1/incidents/{id}/cases"),
            json!({"cases": [far]}),
        )
        .await,
        201,
    )
    .await;
    let list: Value = hub.json_as(&boss, "/v1/incidents").await;
    assert_eq!(list[0]["name"], "Operativo Huntington Park");
    assert_eq!(list[0]["tally"]["alerts"], 6);
    // Chicago's supervisor neither sees Los Angeles's incident nor renames or grows it.
    let chicago = hub.staff(Role::Supervisor, Some("chicago")).await;
    let theirs: Value = hub.json_as(&chicago, "/v1/incidents").await;
    assert_eq!(theirs, json!([]));
    ok(
        hub.post_as(&chicago, &path, json!({"name": "otro"})).await,
        404,
    )
    .await;
    let chicago_case = new_case(&hub, (41.88, -87.63), AlertKind::Detained).await;
    let grow = json!({"cases": [chicago_case]});
    ok(
        hub.post_as(&chicago, &format!("/v1/incidents/{id}/cases"), grow)
            .await,
        404,
    )
    .await;
    let list: Value = hub.json_as(&boss, "/v1/incidents").await;
    assert_eq!(list[0]["name"], "Operativo Huntington Park");
    assert_eq!(list[0]["tally"]["alerts"], 6);

    // A second raid naming a case the first one holds: the rest is grouped and the answer
    // names the case left where it was, instead of dropping it in silence.
    let fresh = new_case(&hub, (LA.0 - 0.03, LA.1 + 0.03), AlertKind::Detained).await;
    let res = hub
        .post_as(
            &boss,
            "/v1/incidents",
            json!({"name": "Operativo Bell", "cases": [fresh, far]}),
        )
        .await;
    let status = res.status();
    let answer: Value = res.json().await.unwrap();
    assert_eq!(status, 201, "{answer}");
    assert_eq!(answer["skipped"], json!([far]), "{answer}");
    let list: Value = hub.json_as(&boss, "/v1/incidents").await;
    let bell = list
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == "Operativo Bell")
        .unwrap();
    assert_eq!(bell["cases"], json!([fresh]));
}

#[tokio::test]
async fn the_handover_lists_what_the_next_shift_inherits_and_the_roster_names_who() {
    let hub = TestHub::start().await;
    let boss = hub.staff(Role::Supervisor, Some("los-angeles")).await;
    let (officer_id, officer) = hub.staff_with_id(Role::Officer, Some("los-angeles")).await;
    let other = hub.staff(Role::Supervisor, Some("chicago")).await;
    let unattended = new_case(&hub, LA, AlertKind::Imminent).await;
    let heard = new_case(&hub, LA, AlertKind::Detained).await;
    let version = hub.case(&officer, heard).await["version"].as_u64().unwrap();
    ok(
        hub.act(&officer, heard, "ack", version, json!({})).await,
        200,
    )
    .await;
    let soon = (chrono::Utc::now() + chrono::Duration::hours(5)).format("%Y-%m-%dT%H:%M:00Z");
    ok(
        checkpoint(
            &hub,
            &officer,
            heard,
            json!({"code": "BOND_HEARING", "fields": {"hearing_at": soon.to_string()}}),
        )
        .await,
        200,
    )
    .await;
    // Every day, around the clock: whoever asks, the officer is on duty.
    let shift =
        json!({"staff_id": officer_id, "weekdays": [1,2,3,4,5,6,7], "start": "00:00", "hours": 24});
    ok(hub.post_as(&officer, "/v1/duty", shift.clone()).await, 403).await;
    let mut elsewhere = shift.clone();
    elsewhere["consulate"] = json!("los-angeles");
    ok(hub.post_as(&other, "/v1/duty", elsewhere).await, 403).await;
    ok(hub.post_as(&boss, "/v1/duty", shift).await, 201).await;
    let duty: Value = hub.json_as(&officer, "/v1/duty").await;
    assert_eq!(duty["on_duty"][0][0], officer_id, "{duty}");

    let h: Value = hub.json_as(&officer, "/v1/handover").await;
    let ids = |k: &str| -> Vec<u64> {
        h[k].as_array()
            .unwrap()
            .iter()
            .map(|i| i["case_id"].as_u64().unwrap())
            .collect()
    };
    assert_eq!(ids("unattended"), vec![unattended]);
    // One definition of "without a lawyer": an unattended case has none either.
    let mut without = ids("without_lawyer");
    without.sort();
    let mut want = vec![unattended, heard];
    want.sort();
    assert_eq!(without, want);
    assert_eq!(ids("due"), vec![heard]);
    assert_eq!(h["due"][0]["kind"], "hearing");
    assert_eq!(h["on_duty"][0][0], officer_id);
    // The hub walks clear copies and reads names for the lines it sends: each line has one.
    let unattended_case = hub.case(&officer, unattended).await;
    let heard_case = hub.case(&officer, heard).await;
    assert_eq!(
        h["unattended"][0]["name"],
        unattended_case["registrant"]["name"]
    );
    assert_eq!(h["due"][0]["name"], heard_case["registrant"]["name"]);
    assert!(!h["due"][0]["name"].as_str().unwrap().is_empty());
    assert_eq!(h["totals"]["unattended"], 1);
    assert_eq!(h["totals"]["without_lawyer"], 2);
    // Chicago's handover holds none of it.
    let theirs: Value = hub.json_as(&other, "/v1/handover").await;
    assert_eq!(theirs["unattended"], json!([]));
    ok(
        hub.get_as(&other, "/v1/handover?consulate=los-angeles")
            .await,
        403,
    )
    .await;
}

#[tokio::test]
async fn a_long_handover_sends_each_lists_first_lines_and_its_total_and_all_on_request() {
    let hub = TestHub::start().await;
    let officer = hub.staff(Role::Officer, Some("los-angeles")).await;
    let kept = guardia::domain::handover::KEPT;
    let mut cases = Vec::new();
    for _ in 0..kept + 5 {
        cases.push(new_case(&hub, LA, AlertKind::Imminent).await);
    }
    let h: Value = hub.json_as(&officer, "/v1/handover").await;
    let ids = |h: &Value| -> Vec<u64> {
        h["unattended"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["case_id"].as_u64().unwrap())
            .collect()
    };
    // The oldest first, cut to the first few; the total says how many there are.
    assert_eq!(ids(&h), cases[..kept].to_vec());
    assert_eq!(h["totals"]["unattended"], kept + 5);
    let all: Value = hub.json_as(&officer, "/v1/handover?all=true").await;
    assert_eq!(ids(&all), cases);
    ok(hub.get_as(&officer, "/v1/handover?everything=1").await, 422).await;
}

#[tokio::test]
async fn the_consoles_shift_tab_loads_what_each_role_may_read() {
    use guardia::console::net::client::HubClient;
    let hub = TestHub::start().await;
    let officer = hub.staff(Role::Officer, Some("los-angeles")).await;
    let boss = hub.staff(Role::Supervisor, Some("los-angeles")).await;
    let case = new_case(&hub, LA, AlertKind::Detained).await;
    let panel = HubClient::new(&hub.url, &officer)
        .unwrap()
        .shift_panel()
        .await;
    let handover = panel.handover.expect("an officer reads their handover");
    assert_eq!(handover.unattended[0].case_id, case);
    assert!(panel.figures.is_none(), "the figures are the supervisors'");
    let panel = HubClient::new(&hub.url, &boss).unwrap().shift_panel().await;
    assert_eq!(panel.figures.expect("a supervisor reads them").2.alerts, 1);
}

#[tokio::test]
async fn an_escalation_names_the_people_on_duty_by_the_roster() {
    let hub = TestHub::start().await;
    let boss = hub.staff(Role::Supervisor, Some("los-angeles")).await;
    let (on, _) = hub.staff_with_id(Role::Officer, Some("los-angeles")).await;
    let (off, _) = hub.staff_with_id(Role::Officer, Some("los-angeles")).await;
    let shift = json!({"staff_id": on, "weekdays": [1,2,3,4,5,6,7], "start": "00:00", "hours": 24});
    ok(hub.post_as(&boss, "/v1/duty", shift).await, 201).await;
    // The other officer's rotation is taken off the roster: they are not named.
    let other =
        json!({"staff_id": off, "weekdays": [1,2,3,4,5,6,7], "start": "00:00", "hours": 24});
    let set = ok(hub.post_as(&boss, "/v1/duty", other).await, 201).await;
    let id = set["id"].as_u64().unwrap();
    ok(
        hub.post_as(&boss, &format!("/v1/duty/{id}/remove"), json!({}))
            .await,
        201,
    )
    .await;
    let case = new_case(&hub, LA, AlertKind::Imminent).await;
    let consulates = std::sync::Arc::new(
        guardia::domain::consulate::parse_csv(guardia::config::BUILTIN_CONSULATES).unwrap(),
    );
    let later = chrono::Utc::now() + chrono::Duration::minutes(10);
    let n = hub
        .store
        .escalate(
            later,
            guardia::domain::urgency::Rules::with_sla(chrono::Duration::minutes(5)),
            consulates,
        )
        .await
        .unwrap();
    assert_eq!(n, 1);
    let bodies = hub.texts(&format!(
        "SELECT body FROM events WHERE kind = 'case_escalated' AND case_id = {case}"
    ));
    let body: Value = serde_json::from_str(&bodies[0]).unwrap();
    assert_eq!(body["body"]["on_duty"], json!([on]), "{body}");
}

#[tokio::test]
async fn habeas_and_bond_ineligibility_are_logged_and_their_deadline_is_handed_over() {
    let hub = TestHub::start().await;
    let officer = hub.staff(Role::Officer, Some("los-angeles")).await;
    let case = new_case(&hub, LA, AlertKind::Detained).await;
    let today = chrono::Utc::now().date_naive();
    ok(
        checkpoint(
            &hub,
            &officer,
            case,
            json!({"code": "BOND_INELIGIBLE", "fields": {"basis": "entry_without_inspection", "authority": "Matter of Yajure Hurtado, 29 I&N Dec. 216"}}),
        )
        .await,
        200,
    )
    .await;
    // The order to show cause three days ago: the government's return is due today.
    let osc = (today - chrono::Duration::days(3)).to_string();
    ok(
        checkpoint(
            &hub,
            &officer,
            case,
            json!({"code": "HABEAS_FILED", "fields": {"court": "C.D. Cal.", "filed_on": osc, "show_cause_on": osc}}),
        )
        .await,
        200,
    )
    .await;
    let stored = hub.case(&officer, case).await;
    assert_eq!(
        fields_of(&stored, "BOND_INELIGIBLE")[0]["basis"],
        "entry_without_inspection"
    );
    let h: Value = hub.json_as(&officer, "/v1/handover").await;
    let kinds: Vec<&str> = h["due"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"habeas_return"), "{h}");
    // A decision the court has not made cannot be logged as made in the future.
    let later = (today + chrono::Duration::days(9)).to_string();
    let e = ok(
        checkpoint(
            &hub,
            &officer,
            case,
            json!({"code": "HABEAS_DECIDED", "fields": {"decision": "denied", "decided_on": later}}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(e["field"]["name"], "fields.decided_on", "{e}");
}
