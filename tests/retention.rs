//! Retention by crypto-shredding: a closed case's person is erased by destroying their key, and
//! the record stays whole: the log verifies, the counts do not move, a held case keeps all.

mod common;

use std::path::Path;

use common::{LA, TestHub};
use guardia::domain::alert::AlertKind;
use guardia::domain::backlog::{self, TriageFilter};
use guardia::domain::staff::{Role, Scope};
use guardia::hub::store::verify::verify_file;
use guardia::hub::store::{CaseList, Store};
use serde_json::json;

const ERASED: (&str, &str) = ("Rosa Borrable Quintero", "+13105557731");
const HELD: (&str, &str) = ("Héctor Retenido Luna", "+13105557732");
const OPEN: (&str, &str) = ("Irma Abierta Solís", "+13105557733");

/// Whether `needle` appears, as bytes, in the database, its WAL or the key store.
fn on_disk(dir: &Path, needle: &str) -> Vec<String> {
    ["hub.db", "hub.db-wal", "hub.db.keys"]
        .iter()
        .filter(|f| {
            std::fs::read(dir.join(f))
                .is_ok_and(|bytes| bytes.windows(needle.len()).any(|w| w == needle.as_bytes()))
        })
        .map(|f| f.to_string())
        .collect()
}

/// The backlog over every case, open and closed, as the supervisor's tab computes it.
async fn counts(store: &Store) -> serde_json::Value {
    let list = CaseList {
        consulate: None,
        status: None,
        closed_since: Some(chrono::DateTime::UNIX_EPOCH),
        after: 0,
        limit: 10_000,
    };
    let (_, cases) = store.snapshot(Scope::All, list).await.unwrap();
    let now = chrono::Utc::now();
    let b = backlog::compute(
        &cases,
        &[],
        now,
        chrono::Duration::minutes(15),
        TriageFilter::default(),
        &[],
    );
    serde_json::to_value(b).unwrap()
}

fn run(args: &[&str]) -> String {
    let out = common::guardia().args(args).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{args:?}: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

/// `guardia admin retention` two years and more after the closings (the default period is 730
/// days).
fn retention(db: &str) -> String {
    run(&[
        "admin",
        "retention",
        "--db",
        db,
        "--now",
        "2030-01-01T00:00:00Z",
    ])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_case_past_retention_is_erased_everywhere_while_the_record_stays_whole() {
    if common::pg::sqlite_only("searches the SQLite files for erased bytes") {
        return;
    }
    let hub = TestHub::start().await;
    let officer = hub.staff(Role::Officer, Some("los-angeles")).await;
    let mut cases = Vec::new();
    let mut devices = Vec::new();
    for (name, phone) in [ERASED, HELD, OPEN] {
        let device = hub.enroll_with_phone(name, &[], phone).await.device_token;
        let alert = hub.press(&device, LA.0, LA.1, AlertKind::Detained).await;
        cases.push(alert.case_id);
        devices.push(device);
    }
    // Two cases closed, with the person named in what the officer wrote.
    for (case, (name, _)) in cases.iter().zip([ERASED, HELD]) {
        let version = hub.case(&officer, *case).await["version"].as_u64().unwrap();
        let note = format!("{name} fue liberada; su hermana confirmó.");
        let res = hub
            .act(
                &officer,
                *case,
                "close",
                version,
                json!({ "outcome": "released_on_bond", "note": note }),
            )
            .await;
        assert_eq!(res.status(), 200, "{:?}", res.text().await);
    }
    let before = hub.case(&officer, cases[0]).await;
    assert_eq!(before["registrant"]["name"], ERASED.0, "readable before");
    let dir = hub.stop().await;
    let db = dir.path().join("hub.db");
    let db_arg = db.to_str().unwrap();

    // At rest nobody's name or number is in the files, before any erasure.
    for needle in [ERASED.0, ERASED.1, HELD.0, OPEN.1, "hermana"] {
        assert_eq!(
            on_disk(dir.path(), needle),
            Vec::<String>::new(),
            "{needle}"
        );
    }
    let store = Store::open(&db).unwrap();
    let counts_before = counts(&store).await;
    drop(store);

    let held = cases[1].to_string();
    // A reason with a hidden message (tag characters) or a terminal escape is refused, and no
    // hold is set.
    for hidden in ["Orden\u{e0052}\u{e0055}\u{e004e}", "Orden\u{1b}[2J"] {
        let out = common::guardia()
            .args([
                "admin", "hold", "--db", db_arg, "--case", &held, "--reason", hidden,
            ])
            .output()
            .unwrap();
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("plain text"), "{err}");
    }
    let said = run(&[
        "admin",
        "hold",
        "--db",
        db_arg,
        "--case",
        &held,
        "--reason",
        "Orden de un juez de inmigración",
    ]);
    assert!(said.contains("legal hold"), "{said}");
    let said = retention(db_arg);
    assert!(
        said.contains(&format!("1 case(s) erased ({})", cases[0])),
        "{said}"
    );
    assert!(said.contains("1 case(s) kept under a legal hold"), "{said}");

    let report = verify_file(&db, None).unwrap();
    assert!(
        report.findings.is_empty(),
        "the record verifies after erasure: {report}"
    );
    let store = Store::open(&db).unwrap();
    assert_eq!(
        counts(&store).await,
        counts_before,
        "the backlog's counts do not move"
    );
    // With the database, the key file and the key store, the hub itself cannot read it back.
    for case in [
        store.case(cases[0]).await.unwrap().unwrap(),
        store.case_whole(cases[0], None).await.unwrap().unwrap(),
    ] {
        assert!(case.registrant.erased);
        assert_eq!(case.registrant.name, "");
        assert_eq!(case.registrant.phone, "");
        assert!(case.notes.is_empty() && case.closed.as_ref().unwrap().note.is_empty());
        assert_eq!((case.location.lat, case.location.lon), (0.0, 0.0));
    }
    let kept = store.case(cases[1]).await.unwrap().unwrap();
    assert_eq!(kept.registrant.name, HELD.0, "a held case keeps all");
    assert!(kept.legal_hold);
    let open = store.case(cases[2]).await.unwrap().unwrap();
    assert_eq!(open.registrant.name, OPEN.0, "an open case is never erased");
    drop(store);
    let again = retention(db_arg);
    assert!(
        again.contains("0 case(s) erased"),
        "a second run erases nothing new: {again}"
    );

    // Served: the case reads as erased, the record of it remains, and the erased person's
    // device must enroll again.
    let hub = TestHub::start_in(dir, Default::default()).await;
    let case = hub.case(&officer, cases[0]).await;
    assert_eq!(case["registrant"]["erased"], true, "{case}");
    assert_eq!(case["status"], "closed");
    let res = hub
        .try_press(&devices[0], LA.0, LA.1, AlertKind::Detained)
        .await;
    assert_eq!(res.status(), 401, "the erased person's device is revoked");
    let res = hub
        .try_press(&devices[2], LA.0, LA.1, AlertKind::Detained)
        .await;
    assert!(res.status().is_success(), "{}", res.status());
    let dir = hub.stop().await;
    let conn = rusqlite::Connection::open(dir.path().join("hub.db")).unwrap();
    let erased: String = conn
        .query_row(
            "SELECT body FROM events WHERE kind = 'records_erased'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(erased.contains(&format!("[{}]", cases[0])), "{erased}");
}

/// The newest person's key destroyed while the hub runs: its id must never become the next
/// person's, every reader goes on working, and the erased phone stops at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn erasing_the_newest_person_leaves_every_reader_and_the_record_working() {
    let hub = TestHub::start().await;
    let officer = hub.staff(Role::Officer, Some("los-angeles")).await;
    let older = hub.enroll("Ofelia Anterior Paz", &[]).await.device_token;
    let newest = hub.enroll("Nadia Reciente Ruiz", &[]).await.device_token;
    hub.press(&older, LA.0, LA.1, AlertKind::Imminent).await;
    let erased = hub
        .press(&newest, LA.0, LA.1, AlertKind::Detained)
        .await
        .case_id;
    let version = hub.case(&officer, erased).await["version"]
        .as_u64()
        .unwrap();
    let closed = json!({ "outcome": "released_on_bond", "note": "Nadia quedó libre." });
    let res = hub.act(&officer, erased, "close", version, closed).await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);

    let far = chrono::Utc::now() + chrono::Duration::days(800);
    let done = hub.store.retain(far, 730).await.unwrap();
    assert_eq!(done.cases, vec![erased]);
    // The erased phone, still in this hub's cache of tokens, is refused at once.
    let res = hub
        .try_press(&newest, LA.0, LA.1, AlertKind::Detained)
        .await;
    assert_eq!(res.status(), 401, "the erased person's phone still acts");

    // The next person gets a key of their own, never the destroyed one's id.
    let next = hub.enroll("Paula Siguiente Mora", &[]).await.device_token;
    let next_case = hub
        .press(&next, LA.0, LA.1, AlertKind::Detained)
        .await
        .case_id;
    let keys: Vec<i64> = hub
        .texts("SELECT CAST(key_id AS TEXT) FROM cases WHERE key_id IS NOT NULL ORDER BY id")
        .iter()
        .map(|k| k.parse().unwrap())
        .collect();
    let unique: std::collections::BTreeSet<_> = keys.iter().collect();
    assert_eq!(unique.len(), keys.len(), "a key id given twice: {keys:?}");

    // Every reader: the replay, the lists, the case itself, the record's check.
    let replay = hub
        .http
        .get(hub.at("/v1/events?since=0"))
        .bearer_auth(&officer)
        .timeout(std::time::Duration::from_millis(1500))
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), 200);
    let mut stream = replay.bytes_stream();
    let mut text = String::new();
    use futures_util::StreamExt;
    while let Ok(Some(Ok(chunk))) =
        tokio::time::timeout(std::time::Duration::from_millis(800), stream.next()).await
    {
        text.push_str(&String::from_utf8_lossy(&chunk));
        if text.contains("Paula") {
            break;
        }
    }
    assert!(text.contains("Paula"), "the replay stopped short: {text}");
    assert!(
        !text.contains("Nadia"),
        "the erased person is in the replay"
    );
    for path in ["/v1/cases?status=closed", "/v1/cases"] {
        let res = hub.get_as(&officer, path).await;
        assert_eq!(res.status(), 200, "{path}: {:?}", res.text().await);
    }
    let case = hub.case(&officer, erased).await;
    assert_eq!(case["registrant"]["erased"], true, "{case}");
    assert_eq!(
        hub.case(&officer, next_case).await["registrant"]["name"],
        "Paula Siguiente Mora"
    );
    let health = hub.http.get(hub.at("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let dir = hub.stop().await;
    if common::pg::engine() == common::pg::Engine::Sqlite {
        let report = verify_file(&dir.path().join("hub.db"), None).unwrap();
        assert!(report.findings.is_empty(), "{report}");
    }
    // And a restart serves it.
    let hub = TestHub::start_in(dir, Default::default()).await;
    let health = hub.http.get(hub.at("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    assert_eq!(
        hub.case(&officer, erased).await["registrant"]["erased"],
        true
    );
}
