//! Who sees what, and the record of who saw it: every read of a case's personal data is in the
//! log and in the case's access list; lists are paged and open-only unless asked.

mod common;

use common::{LA, TestHub};
use guardia::domain::alert::AlertKind;
use guardia::domain::staff::Role;
use serde_json::{Value, json};

#[tokio::test]
async fn reading_a_case_puts_the_reader_on_its_access_list() {
    let hub = TestHub::start().await;
    let (officer_id, officer) = hub.staff_with_id(Role::Officer, Some("los-angeles")).await;
    let chicago = hub.staff(Role::Officer, Some("chicago")).await;
    let (lawyer_id, lawyer) = hub.staff_with_id(Role::Lawyer, Some("los-angeles")).await;
    let national = hub.staff(Role::Supervisor, None).await;
    let ana = hub.enroll("Ana Leída", &[]).await;
    let alert = hub
        .press(&ana.device_token, LA.0, LA.1, AlertKind::Detained)
        .await;
    let id = alert.case_id;

    // Nobody has read it yet: the press itself is not a read.
    let list: Vec<Value> = hub
        .json_as(&officer, &format!("/v1/cases/{id}/access"))
        .await;
    assert!(list.is_empty(), "{list:?}");

    // The officer opens it from a named console.
    let res = hub
        .http
        .get(hub.at(&format!("/v1/cases/{id}")))
        .bearer_auth(&officer)
        .header("Guardia-Console", "la-duty-2 <b>\t{x}")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let read_seq: u64 = res.headers()["guardia-read"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let case: Value = res.json().await.unwrap();
    // An outsider's attempt is refused and not recorded as a read of personal data.
    assert_eq!(
        hub.get_as(&chicago, &format!("/v1/cases/{id}"))
            .await
            .status(),
        404
    );
    assert_eq!(
        hub.get_as(&chicago, &format!("/v1/cases/{id}/access"))
            .await
            .status(),
        404,
        "another consulate does not learn the case exists"
    );

    // The officer assigns the lawyer, who reads their client's case: also recorded.
    // Assigned at the version read above: reading the case again would be another read.
    let version = case["version"].as_u64().unwrap();
    let res = hub
        .act(
            &officer,
            id,
            "assign",
            version,
            json!({"lawyer_id": lawyer_id}),
        )
        .await;
    assert!(res.status().is_success(), "{:?}", res.text().await);
    hub.case(&lawyer, id).await;
    // ...but the lawyer may not see who else read it.
    let res = hub.get_as(&lawyer, &format!("/v1/cases/{id}/access")).await;
    assert_eq!(res.status(), 403);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "forbidden", "{body}");

    let list: Vec<Value> = hub
        .json_as(&national, &format!("/v1/cases/{id}/access"))
        .await;
    assert_eq!(list.len(), 2, "{list:#?}");
    assert_eq!(list[0]["seq"], read_seq);
    assert_eq!(list[0]["by"]["id"], officer_id);
    assert_eq!(list[0]["purpose"], "view");
    assert_eq!(
        list[0]["console"], "la-duty-2bx",
        "cleaned to plain characters"
    );
    assert_eq!(list[1]["by"]["id"], lawyer_id);
    assert_eq!(list[1]["by"]["role"], "lawyer");
    // Reading the list is not itself a read of personal data.
    let again: Vec<Value> = hub
        .json_as(&officer, &format!("/v1/cases/{id}/access"))
        .await;
    assert_eq!(again.len(), 2);
    // `upto` gives the list as it stood then.
    let upto: Vec<Value> = hub
        .json_as(&officer, &format!("/v1/cases/{id}/access?upto={read_seq}"))
        .await;
    assert_eq!(upto.len(), 1);

    // The reads did not change the case: same version, and no read on anyone's stream.
    let after = hub.case(&officer, id).await;
    assert_eq!(
        after["version"].as_u64().unwrap(),
        case["version"].as_u64().unwrap() + 1,
        "only the assignment moved the version"
    );
    for bad in [
        format!("/v1/cases/{id}?as_of=9223372036854775808"),
        format!("/v1/cases/{id}/access?upto=9223372036854775808"),
    ] {
        assert_eq!(hub.get_as(&officer, &bad).await.status(), 422, "{bad}");
    }
    hub.stop().await;
}

#[tokio::test]
async fn the_case_list_is_paged_and_leaves_closed_cases_out_unless_asked() {
    let hub = TestHub::start().await;
    let officer = hub.staff(Role::Officer, Some("los-angeles")).await;
    let mut ids = Vec::new();
    for i in 0..7 {
        let phone = hub.enroll(&format!("Persona {i}"), &[]).await;
        let alert = hub
            .press(&phone.device_token, LA.0, LA.1, AlertKind::Imminent)
            .await;
        ids.push(alert.case_id);
    }
    // Close one.
    let closed = ids[2];
    let case = hub.case(&officer, closed).await;
    let res = hub
        .act(
            &officer,
            closed,
            "close",
            case["version"].as_u64().unwrap(),
            json!({"outcome": "false_alarm", "note": "falsa alarma"}),
        )
        .await;
    assert!(res.status().is_success(), "{:?}", res.text().await);

    let listed = |v: &Value| -> Vec<u64> {
        v["cases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_u64().unwrap())
            .collect()
    };
    let open: Value = hub.json_as(&officer, "/v1/cases").await;
    assert_eq!(listed(&open).len(), 6);
    assert!(
        !listed(&open).contains(&closed),
        "closed left out by default"
    );

    // Pages of 4: two pages, the second after the first's last id.
    let first: Value = hub.json_as(&officer, "/v1/cases?limit=4").await;
    assert_eq!(listed(&first).len(), 4);
    let next = first["next_after"].as_u64().expect("a next page");
    let second: Value = hub
        .json_as(&officer, &format!("/v1/cases?limit=4&after={next}"))
        .await;
    assert_eq!(listed(&second).len(), 2);
    assert!(second.get("next_after").is_none(), "{second}");
    let mut both = listed(&first);
    both.extend(listed(&second));
    assert_eq!(both, listed(&open), "no case twice, none missed");

    // Closed ones when asked.
    let with_closed: Value = hub
        .json_as(&officer, "/v1/cases?closed_since=2000-01-01T00:00:00Z")
        .await;
    assert_eq!(listed(&with_closed).len(), 7);
    let later: Value = hub
        .json_as(&officer, "/v1/cases?closed_since=2999-01-01T00:00:00Z")
        .await;
    assert!(!listed(&later).contains(&closed));
    let only_closed: Value = hub.json_as(&officer, "/v1/cases?status=closed").await;
    assert_eq!(listed(&only_closed), vec![closed]);

    // Limits and positions out of range are a clear 422, never a wrapped number.
    for bad in ["limit=0", "limit=100000", "after=18446744073709551615"] {
        let res = hub.get_as(&officer, &format!("/v1/cases?{bad}")).await;
        assert_eq!(res.status(), 422, "{bad}");
    }
    hub.stop().await;
}

type Sse = eventsource_stream::Event;

/// The first `alert_raised` frame on `token`'s stream from `since`, as sent.
async fn alert_frame(hub: &TestHub, token: &str, since: u64) -> String {
    use futures_util::StreamExt;
    let client = guardia::console::net::client::HubClient::new(&hub.url, token).unwrap();
    let mut stream = Box::pin(client.events(since).await.unwrap());
    loop {
        let message: Sse = tokio::time::timeout(std::time::Duration::from_secs(20), stream.next())
            .await
            .expect("the hub sent nothing")
            .expect("the stream ended")
            .expect("the stream broke");
        if message.event == "alert_raised" {
            return message.data;
        }
    }
}

#[tokio::test]
async fn streams_and_lists_carry_a_queue_row_and_the_case_the_rest() {
    let hub = TestHub::start().await;
    let officer = hub.staff(Role::Officer, Some("los-angeles")).await;
    let (lawyer_id, lawyer) = hub.staff_with_id(Role::Lawyer, Some("los-angeles")).await;
    let national = hub.staff(Role::Supervisor, None).await;
    let ana = hub.enroll("Ana Privada", &[]).await;
    let profile = common::profile("x", &[]);
    let (lat, lon) = (34.052_23, -118.243_68);
    let alert = hub
        .press(&ana.device_token, lat, lon, AlertKind::Detained)
        .await;
    hub.assign(&officer, alert.case_id, lawyer_id).await;

    let personal = [
        "1988-03-14",
        profile.consular_id.as_str(),
        "Pariente Ficticio",
        "+13105550124",
    ];
    let whole = hub.case(&officer, alert.case_id).await;
    let phone = whole["registrant"]["phone"].as_str().unwrap().to_string();
    assert!(!phone.is_empty(), "the case itself has the number");
    for (who, token, exact, name) in [
        ("officer", &officer, true, "Ana Privada"),
        ("lawyer", &lawyer, false, "Ana Privada"),
        ("national", &national, false, "A. P."),
    ] {
        let frame = alert_frame(&hub, token, 0).await;
        for secret in personal.iter().chain([&phone.as_str()]) {
            assert!(
                !frame.contains(secret),
                "{who}'s frame has {secret}: {frame}"
            );
        }
        let event: Value = serde_json::from_str(&frame).unwrap();
        let raised = &event["body"];
        assert_eq!(raised["registrant"]["name"], name, "{who}");
        let got = raised["location"]["lat"].as_f64().unwrap();
        assert_eq!(got == lat, exact, "{who}: {got}");
        if !exact {
            assert!((got - 34.05).abs() < 1e-9, "{who}: rounded to about a km");
        }
        // The list: a row's worth.
        let list: Value = hub.json_as(token, "/v1/cases").await;
        let row = list["cases"][0].to_string();
        for secret in personal.iter().chain([&phone.as_str()]) {
            assert!(!row.contains(secret), "{who}'s list has {secret}: {row}");
        }
    }
    // The lawyer opening their client's case gets the profile.
    let theirs = hub.case(&lawyer, alert.case_id).await;
    assert_eq!(theirs["registrant"]["phone"], phone.as_str());
    // A distance to the kilometre: an exact one beside a rounded position would give it back.
    let km = theirs["distance_km"].as_f64().unwrap();
    assert_eq!(km.fract(), 0.0, "{km}");
    assert_ne!(km, whole["distance_km"].as_f64().unwrap());
    // ...and the relatives' names, not their numbers, which stay with the consulate.
    let relatives = theirs["registrant"]["relatives"].to_string();
    assert!(relatives.contains("Pariente Ficticio"), "{relatives}");
    assert!(!relatives.contains("+13105550124"), "{relatives}");
    assert!(
        whole["registrant"]["relatives"]
            .to_string()
            .contains("+13105550124")
    );
    hub.stop().await;
}

#[tokio::test]
async fn finding_by_phone_answers_ids_in_scope_only() {
    let hub = TestHub::start().await;
    let officer = hub.staff(Role::Officer, Some("los-angeles")).await;
    let chicago = hub.staff(Role::Officer, Some("chicago")).await;
    let ana = hub
        .enroll_with_phone("Ana Buscada", &[], "+12135550142")
        .await;
    let alert = hub
        .press(&ana.device_token, LA.0, LA.1, AlertKind::Detained)
        .await;
    let found: Value = hub
        .json_as(&officer, "/v1/cases/find?q=%28213%29%20555-0142")
        .await;
    assert_eq!(found, json!({"cases": [alert.case_id]}));
    let elsewhere: Value = hub.json_as(&chicago, "/v1/cases/find?q=2135550142").await;
    assert_eq!(
        elsewhere,
        json!({"cases": []}),
        "another consulate learns nothing"
    );
    // Only whole numbers: a search cannot read a number out digit by digit.
    let part: Value = hub.json_as(&officer, "/v1/cases/find?q=213555").await;
    assert_eq!(part, json!({"cases": []}));
    // A relative's number: the consulate finds the case by it, the lawyer (not shown it) not.
    let (lawyer_id, lawyer) = hub.staff_with_id(Role::Lawyer, Some("los-angeles")).await;
    hub.assign(&officer, alert.case_id, lawyer_id).await;
    let relative = "/v1/cases/find?q=%2B13105550124";
    let by_officer: Value = hub.json_as(&officer, relative).await;
    assert_eq!(by_officer, json!({"cases": [alert.case_id]}));
    let by_lawyer: Value = hub.json_as(&lawyer, relative).await;
    assert_eq!(by_lawyer, json!({"cases": []}));
    let own: Value = hub.json_as(&lawyer, "/v1/cases/find?q=2135550142").await;
    assert_eq!(
        own,
        json!({"cases": [alert.case_id]}),
        "their client's own number"
    );
    // National supervisors see initials: no search by person at all.
    let national = hub.staff(Role::Supervisor, None).await;
    let res = hub.get_as(&national, "/v1/cases/find?q=2135550142").await;
    assert_eq!(res.status(), 403);
    for bad in ["", &"9".repeat(65)] {
        let res = hub
            .get_as(&officer, &format!("/v1/cases/find?q={bad}"))
            .await;
        assert_eq!(res.status(), 422, "{bad:?}");
    }
    hub.stop().await;
}

#[tokio::test]
async fn a_stranger_who_knows_a_number_learns_nothing_by_calling_it_in_and_no_family_is_told() {
    // Messages to relatives are queued (to a gateway nobody answers): what matters is whether
    // they are queued at all.
    let hub = TestHub::start_configured(tempfile::tempdir().unwrap(), |s| {
        s.notify = guardia::hub::notify::NotifySettings {
            url: Some("http://127.0.0.1:9/hook".into()),
            secret: guardia::hub::notify::parse_secret(&guardia::hub::notify::new_secret())
                .unwrap(),
            allow_private_targets: true,
            retry_base: std::time::Duration::from_secs(3600),
            per_host: 1,
        };
    })
    .await;
    // Ana is enrolled (relatives, birth date, matrícula) and has no open case.
    let ana = hub
        .enroll_with_phone("Ana Desconocida", &[], "+13105550142")
        .await;
    // An officer of another consulate who knows her number looks it up: only enough to tell
    // whether it is her.
    let chicago = hub.staff(Role::Officer, Some("chicago")).await;
    let candidates: Value = hub
        .json_as(&chicago, "/v1/intake/candidates?phone=%2B13105550142")
        .await;
    let c = &candidates[0];
    assert_eq!(c["name"], "Ana Desconocida");
    assert_eq!(c["consular_id_last4"], "0001");
    assert!(
        c.get("relatives").is_none() && c.get("date_of_birth").is_none(),
        "{c}"
    );
    // ... and calls her in, placed nowhere: the case stays with Chicago, for the officer to read.
    let res = hub
        .http
        .post(hub.at("/v1/intake"))
        .bearer_auth(&chicago)
        .header("Idempotency-Key", uuid::Uuid::new_v4().to_string())
        .json(&json!({
            "name": "Ana Desconocida",
            "phone": "+13105550142",
            "description": "dice que la detuvieron",
            "registrant_id": ana.registrant_id,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let made: Value = res.json().await.unwrap();
    let case_id = made["case_id"].as_u64().unwrap();
    assert_eq!(made["consulate"], "chicago");
    let case = hub.case(&chicago, case_id).await;
    let person = &case["registrant"];
    assert_eq!(person["name"], "Ana Desconocida");
    assert_eq!(person["consular_id"], "…0001", "the last four only");
    assert!(person["date_of_birth"].is_null(), "{person}");
    assert_eq!(person["relatives"], json!([]), "no relative, no number");
    assert_eq!(case["intake"]["identity_only"], true);
    let whole = serde_json::to_string(&case).unwrap();
    assert!(
        !whole.contains("+13105550124"),
        "a relative's number: {whole}"
    );
    let told = |case: u64| {
        hub.count(&format!(
            "SELECT COUNT(*) FROM deliveries WHERE case_id = {case} AND about = 'alert'"
        ))
    };
    assert_eq!(told(case_id), 0, "her family is not told of a call");
    // Her own phone presses: that confirms the match. The case gets her registration and her
    // family is told.
    let pressed = hub
        .press(&ana.device_token, LA.0, LA.1, AlertKind::Detained)
        .await;
    assert_eq!(pressed.case_id, case_id);
    let case = hub.case(&chicago, case_id).await;
    assert_eq!(case["registrant"]["date_of_birth"], "1988-03-14");
    assert_eq!(case["registrant"]["relatives"][0]["phone"], "+13105550124");
    assert!(
        case["intake"].get("identity_only").is_none(),
        "{}",
        case["intake"]
    );
    assert_eq!(told(case_id), 1);
    hub.stop().await;
}
