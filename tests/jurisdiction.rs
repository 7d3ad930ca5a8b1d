//! Jurisdiction over HTTP: an alert near a district line goes to the district's consulate, a
//! facility and a case show their card, and a transfer from Adelanto to Karnes raises what it
//! costs, for whoever may read the case and no one else.

use guardia::domain::alert::AlertKind;
use guardia::domain::staff::Role;
use serde_json::{Value, json};

mod common;
use common::{LA, TestHub};

/// Corona, Riverside County: nearer Santa Ana's consulate, in San Bernardino's district.
const CORONA: (f64, f64) = (33.8753, -117.5664);
/// Yorba Linda, Orange County, across the line: no district row, the nearest (Santa Ana).
const YORBA_LINDA: (f64, f64) = (33.8886, -117.8131);

async fn case_at(hub: &TestHub, at: (f64, f64)) -> (u64, String) {
    let phone = hub.enroll("Caso Ficticio", &[]).await;
    let a = hub
        .press(&phone.device_token, at.0, at.1, AlertKind::Detained)
        .await;
    (a.case_id, a.consulate)
}

async fn checkpoint(hub: &TestHub, token: &str, case: u64, body: Value) {
    let version = hub.case(token, case).await["version"].as_u64().unwrap();
    let res = hub.act(token, case, "checkpoints", version, body).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
}

#[tokio::test]
async fn an_alert_near_a_district_line_goes_to_the_districts_consulate() {
    let hub = TestHub::start().await;
    let (_, consulate) = case_at(&hub, CORONA).await;
    assert_eq!(consulate, "san-bernardino");
    let (_, consulate) = case_at(&hub, YORBA_LINDA).await;
    assert_eq!(consulate, "santa-ana");
    // The card of the Yorba Linda case says its consulate was the nearest, unverified.
    let officer = hub.staff(Role::Officer, Some("santa-ana")).await;
    let case: Vec<Value> = hub.json_as::<Value>(&officer, "/v1/cases").await["cases"]
        .as_array()
        .unwrap()
        .clone();
    let id = case[0]["id"].as_u64().unwrap();
    let card: Value = hub
        .json_as(&officer, &format!("/v1/cases/{id}/jurisdiction"))
        .await;
    assert_eq!(card["held"], false);
    assert_eq!(card["card"]["county"]["name"], "Orange");
    assert_eq!(card["card"]["consulate_verified"], false);
    assert_eq!(card["card"]["district"]["value"]["code"], "cacd");
}

#[tokio::test]
async fn a_facility_search_shows_each_facilitys_card() {
    let hub = TestHub::start().await;
    let officer = hub.staff(Role::Officer, Some("los-angeles")).await;
    let found: Vec<Value> = hub
        .json_as(&officer, "/v1/facilities?q=adelanto%20processing")
        .await;
    let card = &found[0]["jurisdiction"];
    assert_eq!(card["county"]["fips"], "06071");
    assert_eq!(
        card["district"]["value"]["name_es"],
        "Distrito Central de California"
    );
    assert_eq!(card["circuit"]["value"]["name_en"], "Ninth Circuit");
    assert!(
        card["custodian"]
            .as_str()
            .unwrap()
            .contains("ADELANTO ICE PROCESSING CENTER")
    );
}

#[tokio::test]
async fn a_transfer_from_adelanto_to_karnes_raises_the_alarm_for_the_case_and_no_one_else() {
    let hub = TestHub::start().await;
    let officer = hub.staff(Role::Officer, Some("los-angeles")).await;
    let stranger = hub.staff(Role::Officer, Some("chicago")).await;
    let (case, _) = case_at(&hub, LA).await;
    for body in [
        json!({"code": "FACILITY_LOCATED", "fields": {"facility": "Adelanto", "facility_code": "ADLNTCA"}}),
        json!({"code": "BOND_INELIGIBLE", "fields": {"basis": "entry_without_inspection", "authority": "Matter of Yajure Hurtado, 29 I&N Dec. 216"}}),
        json!({"code": "HABEAS_FILED", "fields": {"court": "C.D. Cal.", "filed_on": "2026-11-20"}}),
    ] {
        checkpoint(&hub, &officer, case, body).await;
    }
    let path = format!("/v1/cases/{case}/jurisdiction");
    let before: Value = hub.json_as(&officer, &path).await;
    assert_eq!(before["held"], true);
    assert_eq!(before["card"]["circuit"]["value"]["id"], "9");
    assert!(before.get("alarm").is_none(), "{before}");
    assert_eq!(before["habeas"]["holds"], "district_of_confinement");

    checkpoint(
        &hub,
        &officer,
        case,
        json!({"code": "FACILITY_TRANSFER", "fields": {"facility": "Karnes", "facility_code": "KRNRCTX"}}),
    )
    .await;
    let after: Value = hub.json_as(&officer, &path).await;
    assert_eq!(after["card"]["district"]["value"]["code"], "txwd");
    let costs = after["alarm"]["costs"].as_array().unwrap();
    assert!(
        costs.iter().any(|c| c["cost"] == "bond_route_lost"
            && c["rule"]["citation"]
                .as_str()
                .unwrap()
                .contains("Buenrostro-Mendez")),
        "{after}"
    );
    assert!(
        costs.iter().any(|c| c["cost"] == "habeas_refile"
            && c["from"]["code"] == "cacd"
            && c["to"]["en"] == "Western District of Texas"),
        "{after}"
    );
    assert_eq!(after["bond"]["holds"], "no_bond_hearing");
    // The handover lists the alarm, with the person's name and what the move cost.
    let h: Value = hub.json_as(&officer, "/v1/handover").await;
    assert_eq!(h["alarms"][0]["case_id"], case, "{h}");
    assert!(!h["alarms"][0]["name"].as_str().unwrap().is_empty());
    assert_eq!(
        h["alarms"][0]["alarm"]["costs"][0]["cost"],
        "bond_route_lost"
    );
    // The export carries the card in words, inside its seal, and checks as the hub's record.
    let client = guardia::console::net::client::HubClient::new(&hub.url, &officer).unwrap();
    let doc =
        guardia::report::sealed::export(&client, case, guardia::i18n::Lang::Es, chrono::Utc::now())
            .await
            .unwrap();
    assert!(
        doc.contains("Distrito Oeste de Texas / Quinto Circuito"),
        "{doc}"
    );
    assert!(doc.contains("ALERTA DE TRASLADO"), "{doc}");
    assert!(doc.contains("Buenrostro-Mendez"), "{doc}");
    assert_eq!(
        guardia::report::sealed::verify(&client, &doc)
            .await
            .unwrap(),
        guardia::report::sealed::Verdict::Matches
    );
    // Another consulate's officer learns nothing, not even that the case exists.
    let res = hub.get_as(&stranger, &path).await;
    assert_eq!(res.status(), 404);
    // Reading the card is a read of the case, on the record.
    let reads = |v: Value| v.as_array().unwrap().len();
    let access = format!("/v1/cases/{case}/access");
    let seen = reads(hub.json_as(&officer, &access).await);
    let _: Value = hub.json_as(&officer, &path).await;
    assert_eq!(reads(hub.json_as(&officer, &access).await), seen + 1);
}

#[tokio::test]
async fn an_interpreter_is_picked_by_name_kept_as_the_courts_code_and_shown_and_counted() {
    let hub = TestHub::start().await;
    let officer = hub.staff(Role::Officer, Some("los-angeles")).await;
    let boss = hub.staff(Role::Supervisor, Some("los-angeles")).await;
    let (case, _) = case_at(&hub, LA).await;
    // A name the court does not know is refused, naming the field; so is one naming several.
    for (typed, want) in [
        ("klingon", "fields.language"),
        ("quichua", "fields.language"),
    ] {
        let version = hub.case(&officer, case).await["version"].as_u64().unwrap();
        let res = hub
            .act(
                &officer,
                case,
                "checkpoints",
                version,
                json!({"code": "INTERPRETER_NEEDED", "fields": {"language": typed}}),
            )
            .await;
        assert_eq!(res.status(), 422);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["field"]["name"], want, "{body}");
    }
    checkpoint(
        &hub,
        &officer,
        case,
        json!({"code": "INTERPRETER_NEEDED", "fields": {"language": "Mixteco"}}),
    )
    .await;
    let soon = (chrono::Utc::now() + chrono::Duration::hours(5)).format("%Y-%m-%dT%H:%M:00Z");
    checkpoint(
        &hub,
        &officer,
        case,
        json!({"code": "MASTER_CALENDAR_HEARING", "fields": {"hearing_at": soon.to_string()}}),
    )
    .await;
    let whole = hub.case(&officer, case).await;
    let logged = whole["checkpoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "INTERPRETER_NEEDED")
        .unwrap()
        .clone();
    assert_eq!(logged["fields"]["language"], "MIX");
    let card: Value = hub
        .json_as(&officer, &format!("/v1/cases/{case}/jurisdiction"))
        .await;
    assert_eq!(card["interpreter"], "MIX");
    let h: Value = hub.json_as(&officer, "/v1/handover").await;
    assert_eq!(h["due"][0]["interpreter"], "MIX", "{h}");
    let today = chrono::Utc::now().date_naive();
    let f: Value = hub
        .json_as(
            &boss,
            &format!(
                "/v1/reports/figures?from={}&to={}",
                today - chrono::Duration::days(1),
                today + chrono::Duration::days(1)
            ),
        )
        .await;
    assert_eq!(f["interpreters"]["MIX"], 1, "{f}");
}
