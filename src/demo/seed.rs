//! Cases at many stages for the demo, made over the real API as an officer would make them, so
//! that every view has something to show the moment it opens.

use chrono::{Duration, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::api::{ActionResponse, AlertResponse};
use crate::domain::consulate::Consulate;
use crate::simulate::{self, Phone};

struct Api<'a> {
    http: &'a reqwest::Client,
    hub: &'a str,
    officer: &'a str,
}

/// Who the seeding acts as.
pub struct People<'a> {
    pub officer: &'a str,
    /// The officer's staff id, rostered on duty for the demo's whole run.
    pub officer_id: i64,
    /// The consulate's supervisor, who sets the roster.
    pub supervisor: &'a str,
    /// An officer of the nearest other consulate.
    pub neighbour: &'a str,
    pub lawyer: i64,
    /// Where the simulated phones read their verification codes.
    pub codes: std::sync::Arc<simulate::gateway::CodeBook>,
}

impl Api<'_> {
    async fn press(
        &self,
        phone: &Phone,
        at: (f64, f64),
        detained: bool,
    ) -> Result<AlertResponse, String> {
        let res = self
            .http
            .post(format!("{}/v1/alerts", self.hub))
            .bearer_auth(&phone.token)
            .json(&json!({
                "id": Uuid::new_v4(),
                "lat": at.0,
                "lon": at.1,
                "accuracy_m": 25.0,
                "pressed_at": Utc::now().to_rfc3339(),
                "kind": if detained { "detained" } else { "imminent" },
            }))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if !res.status().is_success() {
            return Err(format!("seed press refused: {}", res.status()));
        }
        res.json().await.map_err(|e| e.to_string())
    }

    /// One action; returns the case's new version.
    async fn act(&self, case: u64, version: u64, verb: &str, body: Value) -> Result<u64, String> {
        let res = self
            .http
            .post(format!("{}/v1/cases/{case}/{verb}", self.hub))
            .bearer_auth(self.officer)
            .header("Idempotency-Key", Uuid::new_v4().to_string())
            .header("If-Match", format!("\"{version}\""))
            .json(&body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if !res.status().is_success() {
            // The code only: the body of a refusal carries the case, names and places included,
            // and this goes to a log.
            let status = res.status();
            let code = res
                .json::<crate::api::ErrorBody>()
                .await
                .map(|e| e.error)
                .unwrap_or_default();
            return Err(format!("seed {verb} on #{case} refused: {status} {code}"));
        }
        Ok(res
            .json::<ActionResponse>()
            .await
            .map_err(|e| e.to_string())?
            .version)
    }

    async fn checkpoint(
        &self,
        case: u64,
        v: u64,
        code: &str,
        fields: Value,
    ) -> Result<u64, String> {
        self.act(
            case,
            v,
            "checkpoints",
            json!({ "code": code, "fields": fields, "note": "" }),
        )
        .await
    }
}

/// Rosters `staff_id` on duty from an hour ago to a day from now (an override: the roster's
/// own way of covering hours outside the usual rotation).
async fn put_on_duty(
    http: &reqwest::Client,
    hub: &str,
    supervisor: &str,
    staff_id: i64,
) -> Result<(), String> {
    let now = Utc::now();
    let res = http
        .post(format!("{hub}/v1/duty"))
        .bearer_auth(supervisor)
        .header("Idempotency-Key", Uuid::new_v4().to_string())
        .json(&json!({
            "staff_id": staff_id,
            "from": (now - Duration::hours(1)).to_rfc3339(),
            "to": (now + Duration::hours(24)).to_rfc3339(),
        }))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !res.status().is_success() {
        return Err(format!("seed duty shift refused: {}", res.status()));
    }
    Ok(())
}

/// Seeds about a dozen cases near `home` at many stages, several assigned to the lawyer, and the
/// lifecycle's situations: a repeat press, a moving phone, a duress cancel, a transfer each way
/// and a call-center intake.
pub async fn run(
    http: &reqwest::Client,
    hub: &str,
    people: People<'_>,
    home_consulate: &Consulate,
    neighbour: &Consulate,
) -> Result<(), String> {
    let home = (home_consulate.lat, home_consulate.lon);
    let lawyer = people.lawyer;
    let api = Api {
        http,
        hub,
        officer: people.officer,
    };
    // The demo's officer is the one on duty: the shift tab and the escalations say so.
    put_on_duty(http, hub, people.supervisor, people.officer_id).await?;
    let phones = simulate::enroll(http, hub, 12, Some(people.codes.clone())).await?;
    // Days and hours as the consulate lives them: a hearing at 9 a.m. there, not at 9 UTC.
    let zone = home_consulate.zone();
    let today = crate::domain::time::local_date(Utc::now(), zone);
    let day = |d: i64| (today + Duration::days(d)).format("%Y-%m-%d").to_string();
    let at_nine = |d: i64| {
        crate::domain::time::parse_local(&format!("{} 09:00", day(d)), zone)
            .map(|t| t.to_rfc3339())
            .unwrap_or_else(|_| format!("{} 17:00", day(d)))
    };
    let mut cases = Vec::new();
    for (i, phone) in phones.iter().enumerate() {
        let at = (home.0 + 0.02 * i as f64, home.1 - 0.015 * i as f64);
        cases.push(api.press(phone, at, i % 3 != 0).await?.case_id);
    }
    // 0, 1: new. 2: acknowledged only. The rest move along the process.
    let assign = json!({ "lawyer_id": lawyer });
    let v = api.act(cases[2], 1, "ack", json!({})).await?;
    api.act(
        cases[2],
        v,
        "notes",
        json!({ "text": "Se llamó a la familia; no contestan." }),
    )
    .await?;
    for &case in &cases[3..11] {
        let v = api.act(case, 1, "ack", json!({})).await?;
        api.act(case, v, "assign", assign.clone()).await?;
    }
    // Detained, no consular notification yet: the 24-hour countdown.
    api.checkpoint(
        cases[3],
        3,
        "DETENTION_CONFIRMED",
        json!({ "agency": "ice_ero" }),
    )
    .await?;
    // Detained, located, a hearing coming.
    let mut v = api
        .checkpoint(
            cases[4],
            3,
            "DETENTION_CONFIRMED",
            json!({ "agency": "cbp" }),
        )
        .await?;
    v = api
        .checkpoint(
            cases[4],
            v,
            "CONSULAR_NOTIFICATION",
            json!({ "informed_of_right": "yes" }),
        )
        .await?;
    v = api
        .checkpoint(
            cases[4],
            v,
            "A_NUMBER_RECORDED",
            json!({ "a_number": "20123456" }),
        )
        .await?;
    v = api
        .checkpoint(
            cases[4],
            v,
            "FACILITY_LOCATED",
            // From the registry: the hub fills in its name, place and field office, and the
            // console shows the district it lies in (San Bernardino's) with a transfer offer.
            json!({ "facility_code": "ADLNTCA" }),
        )
        .await?;
    api.checkpoint(
        cases[4],
        v,
        "MASTER_CALENDAR_HEARING",
        json!({ "hearing_at": at_nine(5), "court": "Corte de inmigración (demo)" }),
    )
    .await?;
    // A removal order twenty days ago: ten days left to appeal.
    let v = api
        .checkpoint(
            cases[5],
            3,
            "DETENTION_CONFIRMED",
            json!({ "agency": "ice_ero" }),
        )
        .await?;
    let v = api
        .checkpoint(cases[5], v, "CONSULAR_NOTIFICATION", json!({}))
        .await?;
    api.checkpoint(
        cases[5],
        v,
        "REMOVAL_ORDER",
        json!({ "decided_on": day(-20) }),
    )
    .await?;
    // Post-conclusion voluntary departure: a bond due in five business days.
    api.checkpoint(
        cases[6],
        3,
        "VOLUNTARY_DEPARTURE",
        json!({ "stage": "post_conclusion", "depart_by": day(55), "bond_amount": "500" }),
    )
    .await?;
    // Released with a reporting date.
    api.checkpoint(
        cases[7],
        3,
        "RELEASED",
        json!({ "release_type": "recognizance", "next_reporting": day(12) }),
    )
    .await?;
    // Closed: a false alarm.
    api.act(
        cases[8],
        3,
        "close",
        json!({ "outcome": "false_alarm", "note": "La persona está a salvo; no hubo detención." }),
    )
    .await?;

    // The same person presses again: it joins case 0 (count and urgency go up).
    api.press(&phones[0], (home.0 + 0.03, home.1), true).await?;
    // A phone on the move: three later fixes for case 1.
    let moving = api
        .press(&phones[1], (home.0 + 0.02, home.1 - 0.015), false)
        .await?;
    for step in 1..=3 {
        let (lat, lon) = (
            home.0 + 0.02 + 0.01 * f64::from(step),
            home.1 - 0.015 - 0.012 * f64::from(step),
        );
        simulate::move_to(http, hub, &phones[1].token, &moving, lat, lon).await;
    }
    // A cancel under duress: the phone hears "cancelled"; the console shows it on top.
    let more = simulate::enroll(http, hub, 3, Some(people.codes.clone())).await?;
    let forced = api
        .press(&more[0], (home.0 - 0.02, home.1 + 0.02), false)
        .await?;
    simulate::cancel(http, hub, &more[0].token, &forced, true).await;
    // And an ordinary cancel, to be confirmed as a false alarm or kept open.
    let safe = api
        .press(&more[1], (home.0 - 0.03, home.1 + 0.01), false)
        .await?;
    simulate::cancel(http, hub, &more[1].token, &safe, false).await;

    // Transfers: one of ours sent next door (pending), one of theirs sent here (press `A`).
    let v = api
        .act(
            cases[9],
            3,
            "notes",
            json!({ "text": "ICE lo trasladó de centro." }),
        )
        .await?;
    api.act(
        cases[9],
        v,
        "transfer",
        json!({ "to_consulate": neighbour.id, "reason": "Trasladado a un centro de su circunscripción." }),
    )
    .await?;
    let theirs = api
        .press(&more[2], (neighbour.lat + 0.01, neighbour.lon + 0.01), true)
        .await?;
    let colleague = Api {
        http,
        hub,
        officer: people.neighbour,
    };
    colleague
        .act(
            theirs.case_id,
            1,
            "transfer",
            json!({ "to_consulate": home_consulate.id, "reason": "La familia vive aquí; la audiencia será aquí." }),
        )
        .await?;

    // A call to the call center, placed by the gazetteer; and one whose place is unknown.
    for (key, place) in [
        ("demo-call-1", home_consulate.label()),
        ("demo-call-2", "Rancho Inexistente, ZZ".into()),
    ] {
        let res = http
            .post(format!("{hub}/v1/intake"))
            .bearer_auth(people.officer)
            .header("Idempotency-Key", key)
            .json(&json!({
                "name": "Persona Ficticia por Teléfono",
                "phone": "+15550001111",
                "description": "Llama la hermana: agentes en la puerta de la casa.",
                "place": place,
                "kind": "imminent",
            }))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if !res.status().is_success() {
            return Err(format!("seed intake refused: {}", res.status()));
        }
    }
    Ok(())
}
