//! The record as an insider with the database file would attack it: triggers dropped, rows
//! edited, deleted and inserted straight in SQLite. Each change must be named by `guardia verify`
//! (first bad seq or case) and refused by the hub at start.

mod common;

use std::path::{Path, PathBuf};

use common::{LA, TestHub};
use guardia::domain::alert::AlertKind;
use guardia::domain::staff::Role;
use guardia::hub::store::Store;
use guardia::hub::store::chain::{Keys, default_key_file, head_file, read_head};
use guardia::hub::store::vault::key_store_file;
use guardia::hub::store::verify::{Finding, verify_file};
use serde_json::json;

/// A small record: two people, presses, an acknowledgement and a note. Returns the stopped
/// hub's directory and the first case's id.
async fn a_record() -> (tempfile::TempDir, u64) {
    let hub = TestHub::start().await;
    let officer = hub.staff(Role::Officer, Some("los-angeles")).await;
    let ana = hub.enroll("Ana Sellada", &[]).await;
    let beto = hub.enroll("Beto Sellado", &[]).await;
    let first = hub
        .press(&ana.device_token, LA.0, LA.1, AlertKind::Imminent)
        .await;
    hub.press(&beto.device_token, LA.0 + 0.01, LA.1, AlertKind::Detained)
        .await;
    hub.press(&ana.device_token, LA.0, LA.1 + 0.01, AlertKind::Imminent)
        .await;
    let case = hub.case(&officer, first.case_id).await;
    let version = case["version"].as_u64().unwrap();
    let res = hub
        .act(&officer, first.case_id, "ack", version, json!({}))
        .await;
    assert_eq!(res.status(), 200);
    let case = hub.case(&officer, first.case_id).await;
    let res = hub
        .act(
            &officer,
            first.case_id,
            "notes",
            case["version"].as_u64().unwrap(),
            json!({"text": "llamó la hermana"}),
        )
        .await;
    assert!(res.status().is_success(), "{:?}", res.text().await);
    let dir = hub.stop().await;
    (dir, first.case_id)
}

fn db(dir: &Path) -> PathBuf {
    dir.join("hub.db")
}

/// The head file catches up a moment after the last commit: wait for it (a condition, not a
/// time), so the tail test does not depend on the checkpoint thread's pace.
fn head_caught_up(dir: &Path) {
    let keys = Keys::load(&default_key_file(&db(dir)), false).unwrap();
    let conn = rusqlite::Connection::open(db(dir)).unwrap();
    let last: i64 = conn
        .query_row("SELECT MAX(seq) FROM events", [], |r| r.get(0))
        .unwrap();
    for _ in 0..200 {
        if read_head(&head_file(&db(dir)), &keys)
            .unwrap()
            .is_some_and(|h| h.seq == last as u64)
        {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("the head file never reached seq {last}");
}

/// A copy of the record (database, WAL, key and head files) with `sql` run on it as an insider
/// would: the append-only triggers dropped first.
fn tampered(original: &Path, sql: &str) -> tempfile::TempDir {
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
    conn.execute_batch(
        "DROP TRIGGER events_are_append_only_update;
         DROP TRIGGER events_are_append_only_delete;",
    )
    .unwrap();
    conn.execute_batch(sql).unwrap();
    let ok: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok", "the file itself stays well-formed");
    drop(conn);
    copy
}

fn first_finding(dir: &Path) -> Finding {
    let report = verify_file(&db(dir), None).unwrap();
    let first = report.findings.first().cloned();
    first.unwrap_or_else(|| panic!("nothing found:\n{report}"))
}

fn refused_at_start(dir: &Path) -> String {
    match Store::open(&db(dir)) {
        Ok(_) => panic!("the hub opened a tampered database"),
        Err(e) => e.to_string(),
    }
}

/// Runs a `guardia` command that must succeed, showing what it said if it does not.
fn succeeds(command: &mut std::process::Command) {
    let run = command.output().unwrap();
    assert!(
        run.status.success(),
        "{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
}

fn max_seq(dir: &Path) -> u64 {
    let conn = rusqlite::Connection::open(db(dir)).unwrap();
    conn.query_row("SELECT MAX(seq) FROM events", [], |r| r.get::<_, i64>(0))
        .unwrap() as u64
}

#[tokio::test]
async fn direct_edits_deletions_and_insertions_are_each_caught() {
    if common::pg::sqlite_only("edits, copies and restores the SQLite file") {
        return;
    }
    let (dir, case_id) = a_record().await;
    head_caught_up(dir.path());
    let clean = verify_file(&db(dir.path()), None).unwrap();
    assert!(clean.findings.is_empty(), "{clean}");
    let last = max_seq(dir.path());
    assert!(last >= 6, "a record of some length: {last}");
    assert_eq!(clean.events, last);

    // Edited: the alert's sealed copy swapped for a later one of the same person (the name
    // itself is sealed: an insider cannot read or rewrite it, only move what is sealed).
    let (name_seq, other): (i64, i64) = {
        let conn = rusqlite::Connection::open(db(dir.path())).unwrap();
        conn.query_row(
            "SELECT MIN(seq), MAX(seq) FROM events WHERE sealed IS NOT NULL",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
    };
    assert!(other > name_seq, "two sealed events to swap");
    let edited = tampered(
        dir.path(),
        &format!(
            "UPDATE events SET sealed = (SELECT sealed FROM events WHERE seq = {other})
              WHERE seq = {name_seq}"
        ),
    );
    assert_eq!(first_finding(edited.path()).seq, Some(name_seq as u64));
    assert!(refused_at_start(edited.path()).contains("does not match its seal"));

    // Deleted from the middle.
    let deleted = tampered(dir.path(), "DELETE FROM events WHERE seq = 3");
    let found = first_finding(deleted.path());
    assert_eq!(found.seq, Some(3), "{found}");
    assert!(found.what.contains("missing"), "{found}");
    assert!(refused_at_start(deleted.path()).contains("seq 3"));

    // Inserted at the end, a copy of a real event with its real link.
    let inserted = tampered(
        dir.path(),
        &format!(
            "INSERT INTO events (seq, at, case_id, consulate, lawyer_id, prev_lawyer_id,
                                 also_consulate, prev_consulate, kind, body, chain)
             SELECT {next}, at, case_id, consulate, lawyer_id, prev_lawyer_id, also_consulate,
                    prev_consulate, kind, body, chain FROM events WHERE seq = {last}",
            next = last + 1
        ),
    );
    assert_eq!(first_finding(inserted.path()).seq, Some(last + 1));
    refused_at_start(inserted.path());

    // Removed from the end: the chain that is left is valid, the head file is not fooled, and
    // the hub will not hand the removed seq out again.
    let truncated = tampered(
        dir.path(),
        &format!("DELETE FROM events WHERE seq = {last}"),
    );
    let found = first_finding(truncated.path());
    assert_eq!(found.seq, Some(last), "{found}");
    assert!(found.what.contains("removed"), "{found}");
    assert!(refused_at_start(truncated.path()).contains(&format!("seq {last}")));

    // The projection alone: a case closed with no `case_closed` event.
    let closed = tampered(
        dir.path(),
        &format!(
            "UPDATE cases SET status = 'closed', state = json_set(state, '$.status', 'closed')
              WHERE id = {case_id}"
        ),
    );
    assert_eq!(first_finding(closed.path()).case_id, Some(case_id));
    refused_at_start(closed.path());

    // An older copy of a case row put back (its own seal intact).
    let conn = rusqlite::Connection::open(db(dir.path())).unwrap();
    let (old_seq, old_state): (i64, String) = conn
        .query_row(
            "SELECT seq, body FROM events WHERE case_id = ?1 ORDER BY seq LIMIT 1",
            [case_id as i64],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    drop(conn);
    assert!(old_seq > 0 && !old_state.is_empty());
    let rows_moved = tampered(
        dir.path(),
        &format!("UPDATE cases SET last_seq = {old_seq} WHERE id = {case_id}"),
    );
    assert_eq!(first_finding(rows_moved.path()).case_id, Some(case_id));

    // The untouched original still opens and serves.
    Store::open(&db(dir.path())).expect("the clean record opens");
}

#[tokio::test]
async fn verify_exits_non_zero_naming_the_first_bad_seq() {
    if common::pg::sqlite_only("edits, copies and restores the SQLite file") {
        return;
    }
    let (dir, _) = a_record().await;
    let ok = common::guardia()
        .args(["verify", "--db"])
        .arg(db(dir.path()))
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&ok.stdout);
    assert!(
        ok.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(out.contains("ok:"), "{out}");
    let bad = tampered(
        dir.path(),
        "UPDATE events SET at = '2020-01-01T00:00:00+00:00' WHERE seq = 2",
    );
    let run = common::guardia()
        .args(["verify", "--db"])
        .arg(db(bad.path()))
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&run.stdout);
    assert_eq!(run.status.code(), Some(1), "{out}");
    assert!(out.contains("FAILED at seq 2"), "{out}");
    // The secret never shows, in the report or in an error.
    let key = std::fs::read_to_string(default_key_file(&db(dir.path()))).unwrap();
    assert!(!out.contains(key.trim()));
    let gone = common::guardia()
        .args(["verify", "--db"])
        .arg(db(bad.path()))
        .args(["--key-file", "/nonexistent/guardia.key"])
        .output()
        .unwrap();
    assert!(!gone.status.success());
    assert!(String::from_utf8_lossy(&gone.stderr).contains("missing"));
}

#[tokio::test]
async fn a_database_from_before_the_seal_is_sealed_once_at_start() {
    if common::pg::sqlite_only("edits, copies and restores the SQLite file") {
        return;
    }
    let (dir, _) = a_record().await;
    let path = db(dir.path());
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        // As from before both the seal and the vault: nothing sealed, no key store.
        conn.execute_batch(
            "DROP TRIGGER events_are_append_only_update;
             UPDATE events SET chain = NULL, sealed = NULL;
             UPDATE cases SET mac = NULL, key_id = NULL, sealed = NULL;
             UPDATE registrants SET key_id = NULL; UPDATE enrollments SET key_id = NULL;",
        )
        .unwrap();
    }
    std::fs::remove_file(default_key_file(&path)).unwrap();
    std::fs::remove_file(key_store_file(&path)).unwrap();
    std::fs::remove_file(head_file(&path)).ok();
    drop(Store::open(&path).expect("an unsealed log is sealed, not refused"));
    let report = verify_file(&path, None).unwrap();
    assert!(report.findings.is_empty(), "{report}");
    // A sealed log never gets a new key silently.
    std::fs::remove_file(default_key_file(&path)).unwrap();
    assert!(refused_at_start(dir.path()).contains("missing"));
}

#[tokio::test]
async fn a_backup_is_a_consistent_copy_that_verifies() {
    if common::pg::sqlite_only("edits, copies and restores the SQLite file") {
        return;
    }
    let (dir, _) = a_record().await;
    let out = dir.path().join("copy.db");
    succeeds(
        common::guardia()
            .args(["admin", "backup", "--db"])
            .arg(db(dir.path()))
            .arg("--out")
            .arg(&out),
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&out).unwrap().permissions().mode();
    assert_eq!(mode & 0o077, 0, "the backup is private");
    let report = verify_file(&out, Some(&default_key_file(&db(dir.path())))).unwrap();
    assert!(report.findings.is_empty(), "{report}");
    assert_eq!(report.events, max_seq(dir.path()));
    let again = common::guardia()
        .args(["admin", "backup", "--db"])
        .arg(db(dir.path()))
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(!again.status.success(), "a backup never overwrites");
    // Nor follows a link left where the copy would go.
    let elsewhere = dir.path().join("elsewhere.db");
    let link = dir.path().join("link.db");
    std::os::unix::fs::symlink(&elsewhere, &link).unwrap();
    assert!(guardia::hub::store::backup(&db(dir.path()), &link).is_err());
    assert!(!elsewhere.exists(), "the link was followed");
}

// Two threads: the hub serves while the command line's process is waited for.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_lists_its_readers_ends_with_its_seal_and_is_checked_against_the_hub() {
    if common::pg::sqlite_only("edits, copies and restores the SQLite file") {
        return;
    }
    use guardia::console::net::client::HubClient;
    use guardia::i18n::Lang;
    use guardia::report::sealed::{Verdict, export, verify};
    let hub = TestHub::start().await;
    let officer = hub.staff(Role::Officer, Some("los-angeles")).await;
    let ana = hub.enroll("Ana Exportada", &[]).await;
    let alert = hub
        .press(&ana.device_token, LA.0, LA.1, AlertKind::Detained)
        .await;
    let id = alert.case_id;
    let case = hub.case(&officer, id).await; // a view, on the record
    let client = HubClient::new(&hub.url, &officer).unwrap();
    let doc = export(&client, id, Lang::Es, chrono::Utc::now())
        .await
        .unwrap();
    assert!(doc.contains("Ana Exportada"), "{doc}");
    assert!(doc.contains("## Consultas del expediente"), "{doc}");
    assert!(
        doc.contains("— consulta (seq") && doc.contains("— exportación — "),
        "{doc}"
    );
    let link = hex::encode(
        hub.store
            .link_at(case["last_seq"].as_u64().unwrap())
            .await
            .unwrap()
            .unwrap(),
    );
    assert!(doc.trim_end().ends_with("-->"), "{doc}");
    assert!(
        doc.contains(&link),
        "the export ends with its last event's seal"
    );
    assert_eq!(verify(&client, &doc).await.unwrap(), Verdict::Matches);

    // The case moves on; the export still reads as the record stood when it was made.
    let res = hub
        .act(
            &officer,
            id,
            "notes",
            case["version"].as_u64().unwrap(),
            json!({"text": "después de exportar"}),
        )
        .await;
    assert!(res.status().is_success());
    assert_eq!(verify(&client, &doc).await.unwrap(), Verdict::Matches);

    // An edited line is named.
    let edited = doc.replacen("Ana Exportada", "Ana Cambiada", 1);
    let line = doc
        .lines()
        .position(|l| l.contains("Ana Exportada"))
        .unwrap()
        + 1;
    assert_eq!(
        verify(&client, &edited).await.unwrap(),
        Verdict::Edited { line }
    );
    // A forged seal is not the hub's.
    let forged = doc.replace(&link, &"0".repeat(64));
    assert!(matches!(
        verify(&client, &forged).await.unwrap(),
        Verdict::SealDiffers { .. }
    ));
    assert_eq!(verify(&client, "# Caso\n").await.unwrap(), Verdict::NoSeal);

    // The command line says so with its exit code.
    let file = hub.dir.path().join("export.md");
    std::fs::write(&file, &edited).unwrap();
    let run = common::guardia()
        .env("GUARDIA_TOKEN", &officer)
        .args(["verify", "--hub", &hub.url, "--export"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(!run.status.success());
    assert!(
        String::from_utf8_lossy(&run.stderr).contains(&format!("line {line}")),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    hub.stop().await;
}

#[tokio::test]
async fn a_restart_never_seals_an_edit_and_a_missing_head_is_not_a_shorter_log() {
    if common::pg::sqlite_only("edits, copies and restores the SQLite file") {
        return;
    }
    let (dir, _) = a_record().await;
    head_caught_up(dir.path());
    let last = max_seq(dir.path());

    // Edited, and its seal and every later one taken away: sealing them again at start would
    // launder the edit with the real key.
    let unsealed = tampered(
        dir.path(),
        "UPDATE events SET body = replace(body, 'Ana Sellada', 'Ana Cambiada'), chain = NULL
          WHERE seq >= 2;
         UPDATE cases SET mac = NULL;",
    );
    assert!(refused_at_start(unsealed.path()).contains("does not match its seal"));
    assert_eq!(first_finding(unsealed.path()).seq, Some(2));
    // The refused start sealed nothing: the next one refuses too.
    assert!(refused_at_start(unsealed.path()).contains("does not match its seal"));

    // The last event removed and the head file with it.
    let cut = tampered(
        dir.path(),
        &format!("DELETE FROM events WHERE seq = {last}"),
    );
    std::fs::remove_file(head_file(&db(cut.path()))).unwrap();
    let refused = refused_at_start(cut.path());
    assert!(refused.contains("head file is missing"), "{refused}");
    assert!(refused.contains("accept-head"), "{refused}");

    // A restored backup has no head of its own: the operator accepts it, after a full check.
    let copy = tempfile::tempdir().unwrap();
    let restored = copy.path().join("hub.db");
    guardia::hub::store::backup(&db(dir.path()), &restored).unwrap();
    std::fs::copy(
        default_key_file(&db(dir.path())),
        default_key_file(&restored),
    )
    .unwrap();
    // The live key store, not a copy of its own: a backup never carries keys.
    std::fs::copy(key_store_file(&db(dir.path())), key_store_file(&restored)).unwrap();
    assert!(refused_at_start(copy.path()).contains("accept-head"));
    succeeds(
        common::guardia()
            .args(["admin", "accept-head", "--db"])
            .arg(&restored),
    );
    Store::open(&restored).expect("an accepted copy opens");
}

#[tokio::test]
async fn an_edit_deep_in_a_long_log_is_found_beside_the_serving_hub() {
    if common::pg::sqlite_only("edits, copies and restores the SQLite file") {
        return;
    }
    use guardia::domain::event::{Actor, EventBody, SurgeDetected};
    let dir = tempfile::tempdir().unwrap();
    let path = db(dir.path());
    {
        let store = Store::open(&path).unwrap();
        store
            .write(|ctx| {
                for i in 0..1_200u32 {
                    let body = EventBody::SurgeDetected(SurgeDetected {
                        what: "press".into(),
                        network: "192.0.2.0/24".into(),
                        count: i,
                        window_seconds: 60,
                    });
                    ctx.append_uncased(Actor::Hub, chrono::Utc::now(), body)?;
                }
                Ok(())
            })
            .await
            .unwrap();
    }
    // Past the tail the start recomputes: the hub opens, and serves.
    let edited = tampered(
        dir.path(),
        "UPDATE events SET body = replace(body, '\"count\":5,', '\"count\":6,') WHERE seq = 6",
    );
    let hub = TestHub::start_in(edited, Default::default()).await;
    let mut body = serde_json::Value::Null;
    for _ in 0..400 {
        let res = hub
            .http
            .get(hub.at("/healthz/record"))
            .send()
            .await
            .unwrap();
        if res.status() == 503 {
            body = res.json().await.unwrap();
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert_eq!(body["record"], "needs_attention", "{body}");
    assert!(
        body.get("finding").is_none(),
        "the finding is for staff only"
    );
    // The hub still serves, and says so to a load balancer: a finding is a person's work.
    let health = hub.http.get(hub.at("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let health: serde_json::Value = health.json().await.unwrap();
    assert_eq!(health["status"], "ok", "{health}");
    match hub.store.record_check() {
        guardia::hub::store::RecordCheck::Broken(finding) => {
            assert!(finding.starts_with("seq 6:"), "{finding}")
        }
        other => panic!("{other:?}"),
    }
}
