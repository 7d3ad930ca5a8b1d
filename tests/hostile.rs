//! What an attacker or a broken phone sends. Every piece of the corpus goes to every API, which
//! must answer 4xx (never 5xx, never a panic); and, planted directly in a stored case (as if it
//! had got past the door), through every sink — the screen, CSV, the Markdown and JSON exports —
//! where it must arrive harmless. Property tests cover the sanitizer, validators and SSE framing.

mod common;

use chrono::Utc;
use common::*;
use guardia::domain::alert::AlertKind;
use guardia::domain::case::Case;
use guardia::domain::sanitize::{Lines, is_forbidden, sanitize};
use guardia::domain::staff::Role;
use proptest::prelude::*;
use serde_json::{Value, json};

/// Text a terminal or a reader could be tricked by.
fn corpus() -> Vec<(&'static str, String)> {
    vec![
        ("osc52 clipboard", "Ana\u{1b}]52;c;cm0gLXJmIH4=\u{7}".into()),
        (
            "osc8 link",
            "\u{1b}]8;;http://evil.example\u{1b}\\click\u{1b}]8;;\u{1b}\\".into(),
        ),
        ("csi 21 t", "Luis\u{1b}[21t".into()),
        ("dcs", "\u{1b}P1$r0m\u{1b}\\Rosa".into()),
        ("csi clear", "\u{1b}[2J\u{1b}[HJuan".into()),
        ("c1 csi", "Eva\u{9b}31m".into()),
        ("cr overwrite", "safe name\rEVIL NAME".into()),
        ("bidi override", "\u{202e}gnp.exe".into()),
        ("bidi isolate", "a\u{2066}b\u{2069}c".into()),
        ("zero width", "Ma\u{200b}ria\u{200d}\u{feff}".into()),
        ("line separator", "one\u{2028}two".into()),
        ("nul", "nul\u{0}byte".into()),
        ("soft hyphen", "Mar\u{ad}ía".into()),
        // "Ana" followed by an invisible "RUN" in tag characters.
        ("tag characters", "Ana\u{e0052}\u{e0055}\u{e004e}".into()),
        ("hangul filler", "\u{3164}\u{3164}".into()),
        ("invisible times", "a\u{2062}b".into()),
        ("private use", "Eva\u{f8ff}".into()),
    ]
}

fn clean(s: &str) -> bool {
    !s.chars().any(|c| is_forbidden(c) && c != '\n')
}

#[tokio::test]
async fn every_api_answers_hostile_input_with_4xx() {
    let hub = TestHub::start().await;
    let officer = hub.staff(Role::Officer, Some("los-angeles")).await;
    let phone = hub.enroll("Ana Ficticia", &[]).await;
    let alert = hub
        .press(&phone.device_token, LA.0, LA.1, AlertKind::Detained)
        .await;
    let case = alert.case_id;
    let huge = "A".repeat(1 << 20);
    let nested = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));

    // (method path, token, raw body)
    let mut requests: Vec<(String, Option<String>, Vec<u8>)> = Vec::new();
    let mut with = |path: &str, token: Option<&str>, body: Vec<u8>| {
        requests.push((path.to_string(), token.map(String::from), body));
    };
    for (_, text) in corpus() {
        let mut p = serde_json::to_value(profile("x", &[])).unwrap();
        p["name"] = json!(text);
        with("/v1/enroll", None, p.to_string().into_bytes());
        with(
            &format!("/v1/cases/{case}/notes"),
            Some(&officer),
            json!({ "text": text }).to_string().into_bytes(),
        );
        with(
            &format!("/v1/cases/{case}/checkpoints"),
            Some(&officer),
            json!({ "code": "FAMILY_NOTIFIED", "fields": { "relative": text } })
                .to_string()
                .into_bytes(),
        );
        with(
            "/v1/intake",
            Some(&officer),
            json!({ "name": text, "phone": "+13105550100", "description": "d" })
                .to_string()
                .into_bytes(),
        );
        with(
            "/v1/intake",
            Some(&officer),
            json!({ "name": "Ana", "phone": "+13105550100", "description": text })
                .to_string()
                .into_bytes(),
        );
        with(
            "/v1/visits/plans",
            Some(&officer),
            json!({ "facility": "ADLNTCA", "planned_on": Utc::now().date_naive().to_string(),
                    "staff": ["Lucía"], "note": text })
            .to_string()
            .into_bytes(),
        );
        with(
            "/v1/facilities",
            Some(&officer),
            json!({ "code": "LAX1", "name": text, "city": "Los Angeles", "state": "CA",
                    "field_office": "LOS", "kind": "HOLD", "lat": LA.0, "lon": LA.1 })
            .to_string()
            .into_bytes(),
        );
        with(
            &format!("/v1/cases/{case}/transfer"),
            Some(&officer),
            json!({ "to": "santa-ana", "reason": text })
                .to_string()
                .into_bytes(),
        );
    }
    for path in ["/v1/enroll", "/v1/alerts", "/v1/intake"] {
        let token = match path {
            "/v1/alerts" => Some(phone.device_token.as_str()),
            "/v1/intake" => Some(officer.as_str()),
            _ => None,
        };
        with(path, token, vec![0xff, 0xfe, b'{', 0xc3, 0x28]); // invalid UTF-8
        with(path, token, huge.clone().into_bytes());
        with(path, token, nested.clone().into_bytes());
        with(path, token, br#"{"lat": "north", "lon": []}"#.to_vec());
        with(path, token, br#"{"lat": 1, "lat": 2, "lon": 3}"#.to_vec());
        with(
            path,
            token,
            br#"{"lat": 1e400, "lon": -1e400, "accuracy_m": -5}"#.to_vec(),
        );
        with(path, token, b"null".to_vec());
        with(path, token, b"".to_vec());
    }
    let alert_json = |lat: Value, acc: Value| {
        json!({ "id": uuid::Uuid::new_v4(), "lat": lat, "lon": -118.2, "accuracy_m": acc,
                "pressed_at": Utc::now().to_rfc3339(), "kind": "detained" })
        .to_string()
        .into_bytes()
    };
    with(
        "/v1/alerts",
        Some(&phone.device_token),
        alert_json(json!(91.0), json!(5)),
    );
    with(
        "/v1/alerts",
        Some(&phone.device_token),
        alert_json(json!(34.0), json!(-1)),
    );
    with(
        "/v1/alerts",
        Some(&phone.device_token),
        alert_json(json!(34.0), json!(1e300)),
    );
    with(
        "/v1/cases/99999999999999999999999/ack",
        Some(&officer),
        b"{}".to_vec(),
    );
    with("/v1/cases/-1/notes", Some(&officer), b"{}".to_vec());
    with(
        &format!("/v1/alerts/{}/location", alert.alert_id),
        Some(&phone.device_token),
        br#"{"lat": 1e999}"#.to_vec(),
    );
    with(
        "/v1/alerts/not-a-uuid/cancel",
        Some(&phone.device_token),
        b"{}".to_vec(),
    );

    let mut failures = Vec::new();
    for (path, token, body) in &requests {
        let mut req = hub
            .http
            .post(hub.at(path))
            .header("content-type", "application/json")
            .header("Idempotency-Key", uuid::Uuid::new_v4().to_string())
            .header("If-Match", "\"1\"")
            .body(body.clone());
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let text = res.text().await.unwrap_or_default();
        let shaped = serde_json::from_str::<Value>(&text).is_ok_and(|v| v["error"].is_string());
        if !(400..500).contains(&status) || !shaped {
            failures.push(format!(
                "POST {path} ({} bytes): {status} {}",
                body.len(),
                &text[..text.len().min(200)]
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // And nothing half-written: the case is as it was.
    assert_eq!(hub.case(&officer, case).await["version"], 1);
}

/// A case whose every string is hostile, as if stored by an older or broken hub.
fn poisoned_case() -> Case {
    let hub_case = r#"{"id":1001,"consulate":"los-angeles","status":"open","alert_id":"00000000-0000-0000-0000-000000000001","registrant_id":1,"registrant":{"name":"NAME","date_of_birth":"1990-01-01","consular_id":"NAME","phone":"NAME","language":"es","flags":[],"relatives":[{"name":"NAME","relation":"NAME","phone":"NAME"}]},"flags":[],"kind":"detained","location":{"lat":34.0,"lon":-118.2,"accuracy_m":5.0},"distance_km":1.0,"pressed_at":"2026-11-22T10:00:00Z","received_at":"2026-11-22T10:00:00Z","acknowledged_at":null,"assigned_lawyer":7,"assigned_lawyer_name":"NAME","cancelled":null,"notes":[{"seq":2,"at":"2026-11-22T10:01:00Z","by":{"type":"staff","id":1,"name":"NAME","role":"officer"},"text":"NAME"}],"checkpoints":[{"seq":3,"code":"FACILITY_LOCATED","happened_at":"2026-11-22T10:02:00Z","logged_at":"2026-11-22T10:02:00Z","by":{"type":"staff","id":1,"name":"NAME","role":"officer"},"fields":{"facility":"NAME"},"note":"NAME"}],"version":3,"last_seq":3,"timeline":[{"seq":1,"at":"2026-11-22T10:00:00Z","actor":{"type":"phone"},"kind":"alert_raised"},{"seq":2,"at":"2026-11-22T10:01:00Z","actor":{"type":"staff","id":1,"name":"NAME","role":"officer"},"kind":"note_added","detail":"NAME"}]}"#;
    let all: String = corpus()
        .into_iter()
        .map(|(_, t)| t)
        .collect::<Vec<_>>()
        .join(" | ");
    let escaped = serde_json::to_string(&all).unwrap();
    let json = hub_case.replace("\"NAME\"", &escaped);
    serde_json::from_str(&json).expect("the poisoned case parses")
}

#[test]
fn every_sink_renders_hostile_text_harmless() {
    use guardia::console::model::Model;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    let case = poisoned_case();
    let now = case.received_at;

    // The screen: every cell the console draws.
    let mut model = Model::new(
        guardia::i18n::Lang::Es,
        true,
        chrono::Duration::minutes(5),
        now,
    );
    model.cases.insert(case.id, case.clone());
    model.list.stale = true;
    model.list.selected = Some(case.id);
    for height in [40, 120] {
        let mut terminal = Terminal::new(TestBackend::new(200, height)).unwrap();
        guardia::console::app::draw(&mut terminal, &mut model).unwrap();
        let buffer = terminal.backend().buffer().clone();
        for cell in buffer.content() {
            assert!(clean(cell.symbol()), "a cell holds {:?}", cell.symbol());
        }
    }

    // Exports: Markdown, JSON, the backlog's CSV.
    let md = guardia::report::case_markdown(&case, guardia::i18n::Lang::En, now);
    assert!(clean(&md), "markdown");
    assert!(
        !md.contains("\n# \u{1b}") && !md.contains("](http://evil"),
        "no structure injected"
    );
    let json = guardia::report::case_json(&case).unwrap();
    let back: Value = serde_json::from_str(&json).unwrap();
    let mut strings = Vec::new();
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::String(s) => out.push(s.clone()),
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            Value::Object(o) => o.values().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    walk(&back, &mut strings);
    assert!(strings.iter().all(|s| clean(s)), "json export");
    for (_, text) in corpus() {
        let field = guardia::report::csv_field(&text);
        assert!(clean(&field), "csv {field:?}");
    }
}

fn arbitrary_text() -> impl Strategy<Value = String> {
    // Printable text mixed with the characters that matter: controls, ESC, bidi, zero-width.
    prop::collection::vec(
        prop_oneof![
            any::<char>(),
            Just('\u{1b}'),
            Just('\u{9b}'),
            Just('\r'),
            Just('\n'),
            Just('\u{202e}'),
            Just('\u{200b}'),
            Just('['),
            Just(']'),
            Just('\u{7}'),
        ],
        0..64,
    )
    .prop_map(|v| v.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn sanitized_text_is_always_clean_and_stable(s in arbitrary_text()) {
        for lines in [Lines::One, Lines::Many] {
            let once = sanitize(&s, lines);
            prop_assert!(once.chars().all(|c| !is_forbidden(c) || (lines == Lines::Many && c == '\n')));
            prop_assert_eq!(sanitize(&once, lines), once.clone(), "idempotent");
        }
    }

    #[test]
    fn validators_never_panic_and_accept_only_clean_text(s in arbitrary_text()) {
        use guardia::domain::validate;
        if let Ok(v) = validate::text("f", &s, 100) {
            prop_assert!(clean(&v) && !v.contains('\n'));
        }
        let _ = validate::phone("f", &s);
        let _ = guardia::domain::checkpoint::a_number("f", &s);
        let _ = guardia::domain::checkpoint::money("f", &s);
        let _ = guardia::domain::checkpoint::parse_datetime(&s);
        if let Ok(n) = guardia::domain::checkpoint::note("f", &s, false) {
            prop_assert!(clean(&n));
        }
    }

    #[test]
    fn an_event_is_one_sse_data_line_whatever_its_text(s in arbitrary_text()) {
        // SSE frames end at a newline: an event's JSON must never contain a raw one.
        let mut e = serde_json::to_value(poisoned_case()).unwrap();
        e["registrant"]["name"] = json!(s);
        let line = serde_json::to_string(&e).unwrap();
        prop_assert!(!line.contains('\n') && !line.contains('\r'));
    }
}

#[tokio::test]
async fn the_hub_log_never_carries_hostile_text_or_personal_data() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, addr, log) = start_hub(&dir.path().join("h.db"), "127.0.0.1:0");
    let url = format!("http://{addr}");
    let http = reqwest::Client::new();
    // A real enrollment and alert, with a name and coordinates the log must not show.
    let res = http
        .post(format!("{url}/v1/enroll"))
        .json(&profile("Secreta Nombre", &[]))
        .send()
        .await
        .unwrap();
    let token = res
        .json::<guardia::api::EnrollResponse>()
        .await
        .unwrap()
        .device_token;
    let res = http
        .post(format!("{url}/v1/alerts"))
        .bearer_auth(&token)
        .json(&alert_body(
            uuid::Uuid::new_v4(),
            34.0512,
            -118.2437,
            AlertKind::Detained,
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    for (_, text) in corpus() {
        let mut p = serde_json::to_value(profile("x", &[])).unwrap();
        p["name"] = json!(text);
        let res = http
            .post(format!("{url}/v1/enroll"))
            .json(&p)
            .send()
            .await
            .unwrap();
        assert!(res.status().is_client_error());
        // Hostile text in a header and a path, too.
        let _ = http
            .get(format!(
                "{url}/v1/cases/{}",
                text.replace(['/', '?', '#'], "")
            ))
            .header(
                "Authorization",
                format!("Bearer {}", text.replace(['\r', '\n', '\0'], "")),
            )
            .send()
            .await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    child.kill().unwrap();
    child.wait().unwrap();
    let lines = log.lock().unwrap().clone();
    assert!(
        lines.iter().any(|l| l.contains("alert")),
        "the hub logged: {lines:?}"
    );
    for line in &lines {
        assert!(
            clean(line),
            "a log line holds a control character: {line:?}"
        );
        for secret in [
            "Secreta",
            "34.0512",
            "-118.2437",
            "+1310",
            token.as_str(),
            "gdv_",
        ] {
            assert!(!line.contains(secret), "the log shows {secret}: {line}");
        }
    }
}
