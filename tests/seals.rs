//! The tables beside the log, as an insider with the database file would attack them: every
//! table that decides who may act, who is told or what the hub serves is edited straight in
//! SQLite, and each edit is named by `guardia verify` (table and row); those that grant access
//! are also refused by the hub at start. And retention, which once freed the newest key's id for
//! the next person, leaves every reader and the check of the record working.

mod common;

use std::path::{Path, PathBuf};

use common::{LA, TestHub};
use guardia::domain::alert::AlertKind;
use guardia::domain::staff::Role;
use guardia::hub::store::Store;
use guardia::hub::store::verify::verify_file;
use serde_json::{Value, json};

fn db(dir: &Path) -> PathBuf {
    dir.join("hub.db")
}

async fn ok(res: reqwest::Response, status: u16) -> Value {
    let got = res.status().as_u16();
    let body = res.text().await.unwrap();
    assert_eq!(got, status, "{body}");
    serde_json::from_str(&body).unwrap_or(Value::Null)
}

fn day(offset: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::days(offset))
        .date_naive()
        .to_string()
}

/// A record with a row in every sealed table: staff, a phone and its enrollment, a queued
/// message, a placement, a facility, a visit and a plan, a duty shift and an incident.
async fn every_table() -> tempfile::TempDir {
    // Messages are queued for the relatives; the sender refuses the loopback target without
    // connecting, so nothing leaves the machine and the rows stay.
    let notify = guardia::hub::notify::NotifySettings {
        url: Some("http://127.0.0.1:9/hook".into()),
        secret: guardia::hub::notify::parse_secret(&guardia::hub::notify::new_secret()).unwrap(),
        allow_private_targets: false,
        retry_base: std::time::Duration::from_secs(60),
        per_host: 1,
    };
    let hub = TestHub::start_configured(tempfile::tempdir().unwrap(), |s| s.notify = notify).await;
    let (officer_id, officer) = hub.staff_with_id(Role::Officer, Some("los-angeles")).await;
    let boss = hub.staff(Role::Supervisor, Some("los-angeles")).await;
    let phone = hub.enroll("Persona Sellada", &[]).await;
    let alert = hub
        .press(&phone.device_token, LA.0, LA.1, AlertKind::Detained)
        .await;
    let version = hub.case(&officer, alert.case_id).await["version"]
        .as_u64()
        .unwrap();
    let placed = json!({"code": "FACILITY_LOCATED", "fields": {"facility_code": "ADLNTCA"}});
    ok(
        hub.act(&officer, alert.case_id, "checkpoints", version, placed)
            .await,
        200,
    )
    .await;
    let facility = json!({
        "code": "LAHOLD1", "name": "Downtown Hold Room", "city": "Los Angeles", "state": "CA",
        "field_office": "LOS", "kind": "HOLD", "lat": 34.05, "lon": -118.24
    });
    ok(hub.post_as(&officer, "/v1/facilities", facility).await, 201).await;
    let plan = json!({"facility": "ADLNTCA", "planned_on": day(2)});
    ok(hub.post_as(&officer, "/v1/visits/plans", plan).await, 201).await;
    let visit = json!({"facility": "ADLNTCA", "visited_on": day(0), "roster": ["A123456789"]});
    ok(hub.post_as(&officer, "/v1/visits", visit).await, 201).await;
    let shift =
        json!({"staff_id": officer_id, "weekdays": [1,2,3,4,5], "start": "08:00", "hours": 8});
    ok(hub.post_as(&boss, "/v1/duty", shift).await, 201).await;
    let raid = json!({"cases": [alert.case_id], "name": "Operativo de prueba"});
    ok(hub.post_as(&boss, "/v1/incidents", raid).await, 201).await;
    for table in [
        "staff",
        "registrants",
        "enrollments",
        "deliveries",
        "placements",
        "facilities",
        "visit_plans",
        "visits",
        "duty",
        "incidents",
        "incident_cases",
    ] {
        assert!(
            hub.count(&format!("SELECT COUNT(*) FROM {table}")) > 0,
            "no {table} row"
        );
    }
    hub.stop().await
}

/// A copy of the record with `sql` run on it straight in SQLite.
fn edited(original: &Path, sql: &str) -> tempfile::TempDir {
    // Everything in the database file itself first, so the copy never depends on a WAL that the
    // hub's last connection may fold in and remove while it is being copied.
    if let Ok(c) = rusqlite::Connection::open(original.join("hub.db")) {
        let _ = c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
    }
    let copy = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(original).unwrap() {
        let entry = entry.unwrap();
        // A WAL the last connection folded in and removed meanwhile has nothing left to copy.
        match std::fs::copy(entry.path(), copy.path().join(entry.file_name())) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => panic!("{e}"),
        }
    }
    let conn = rusqlite::Connection::open(db(copy.path())).unwrap();
    conn.execute_batch(sql).unwrap();
    copy
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_to_any_sealed_table_is_named_and_access_edits_stop_the_hub() {
    if common::pg::sqlite_only("edits the SQLite file") {
        return;
    }
    let record = every_table().await;
    let clean = verify_file(&db(record.path()), None).unwrap();
    assert!(clean.findings.is_empty(), "{clean}");

    // (table, the insider's edit, whether the hub refuses to start over it)
    let attacks = [
        // Any token made a national supervisor.
        (
            "staff",
            "UPDATE staff SET role = 'supervisor', consulate = NULL WHERE role = 'officer'",
            true,
        ),
        // A token of the insider's choosing.
        (
            "staff",
            "UPDATE staff SET token_hash = 'ab' WHERE role = 'officer'",
            true,
        ),
        // A national supervisor added outright (sealed rows cannot be forged: its MAC is absent).
        (
            "staff",
            "INSERT INTO staff (name, role, consulate, token_hash, created_at, token_issued_at)
             VALUES ('Intrusa', 'supervisor', NULL, 'cd', '2026-01-01T00:00:00Z',
                     '2026-01-01T00:00:00Z')",
            true,
        ),
        // Another person's relatives (their sealed profile copied over).
        (
            "registrants",
            "UPDATE registrants SET profile = (SELECT profile FROM enrollments LIMIT 1)
              WHERE id = (SELECT MIN(id) FROM registrants)",
            true,
        ),
        // A profile in the clear where a sealed one belongs.
        (
            "registrants",
            "UPDATE registrants SET profile = '{\"name\":\"x\"}'",
            true,
        ),
        (
            "enrollments",
            "UPDATE enrollments SET code_hash = 'ff'",
            false,
        ),
        // A queued message sent elsewhere.
        (
            "deliveries",
            "UPDATE deliveries SET relative = relative + 1",
            false,
        ),
        (
            "placements",
            "UPDATE placements SET facility = 'BAILECA'",
            false,
        ),
        (
            "facilities",
            "UPDATE facilities SET body = replace(body, 'Los Angeles', 'Elsewhere')",
            false,
        ),
        (
            "visit_plans",
            "UPDATE visit_plans SET status = 'cancelled'",
            false,
        ),
        ("visits", "UPDATE visits SET facility = 'BAILECA'", false),
        // Nobody on duty to be told of an escalation.
        ("duty", "UPDATE duty SET removed = 1", false),
        ("incidents", "UPDATE incidents SET last_at = ''", false),
        ("incident_cases", "DELETE FROM incident_cases", false),
    ];
    for (table, sql, stops_the_hub) in attacks {
        let copy = edited(record.path(), sql);
        let report = verify_file(&db(copy.path()), None).unwrap();
        let named = report
            .findings
            .iter()
            .any(|f| f.to_string().contains(&format!("{table} row")));
        assert!(named, "{sql}: not found\n{report}");
        if stops_the_hub {
            match Store::open(&db(copy.path())) {
                Ok(_) => panic!("{sql}: the hub opened it"),
                Err(e) => assert!(e.to_string().contains(table), "{sql}: {e}"),
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_copy_of_an_access_row_put_back_is_found_against_the_log() {
    if common::pg::sqlite_only("edits the SQLite file") {
        return;
    }
    let hub = TestHub::start().await;
    let (id, _) = hub.staff_with_id(Role::Officer, Some("los-angeles")).await;
    let phone = hub.enroll("Persona Robada", &[]).await;
    // The row as it was, valid seal and all, kept by the insider.
    let staff_before = hub.texts(&format!(
        "SELECT quote(token_hash) || ',' || quote(token_issued_at) || ',' || quote(mac)
           FROM staff WHERE id = {id}"
    ));
    let device_before = hub.texts(
        "SELECT quote(token_hash) || ',' || quote(revoked) || ',' || quote(mac)
           FROM registrants",
    );
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    hub.store
        .set_staff_disabled(
            id,
            true,
            guardia::domain::event::Actor::Operator,
            false,
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    let registrant: i64 = hub.count("SELECT MIN(id) FROM registrants");
    hub.store
        .revoke_device(
            registrant,
            guardia::domain::event::Actor::Operator,
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    let _ = phone;
    let dir = hub.stop().await;
    let parts: Vec<&str> = staff_before[0].split(',').collect();
    let staff_back = edited(
        dir.path(),
        &format!(
            "UPDATE staff SET disabled = 0, mac = {} WHERE id = {id}",
            parts[2]
        ),
    );
    // The old row had disabled = 0 with that seal: the MAC passes, the log does not agree.
    let report = verify_file(&db(staff_back.path()), None).unwrap();
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.to_string().contains(&format!("staff row {id}"))),
        "{report}"
    );
    assert!(Store::open(&db(staff_back.path())).is_err());
    let parts: Vec<&str> = device_before[0].split(',').collect();
    let device_back = edited(
        dir.path(),
        &format!(
            "UPDATE registrants SET token_hash = {}, revoked = {}, mac = {} WHERE id = {registrant}",
            parts[0], parts[1], parts[2]
        ),
    );
    let report = verify_file(&db(device_back.path()), None).unwrap();
    assert!(
        report.findings.iter().any(|f| f
            .to_string()
            .contains(&format!("registrants row {registrant}"))),
        "{report}"
    );
    assert!(Store::open(&db(device_back.path())).is_err());
}
