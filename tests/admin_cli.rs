//! `guardia admin` as typed at a shell: a wrong value is named with what to type instead, and
//! nothing is written.

mod common;

use std::path::Path;

/// Runs the real binary; returns whether it succeeded and what it printed to stderr.
fn guardia(args: &[&str]) -> (bool, String) {
    let out = common::guardia()
        .env("RUST_BACKTRACE", "0")
        .env("RUST_LIB_BACKTRACE", "0")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn db_in(dir: &tempfile::TempDir) -> String {
    dir.path().join("hub.db").display().to_string()
}

#[test]
fn staff_add_as_lawyer_names_the_command_that_adds_lawyers() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_in(&dir);
    let (ok, err) = guardia(&[
        "admin", "staff", "add", "--db", &db, "--name", "Ana", "--role", "lawyer",
    ]);
    assert!(!ok);
    assert!(
        err.contains(&format!(
            "guardia admin lawyer add --db {db} --name Ana --serves ID"
        )),
        "{err}"
    );
    // It used to name `serves`, a flag `staff add` does not have.
    assert!(!err.contains("serves:"), "{err}");
    assert!(!Path::new(&db).exists(), "nothing written");
    // The command it names works.
    let (ok, err) = guardia(&[
        "admin", "lawyer", "add", "--db", &db, "--name", "Ana", "--serves", "chicago",
    ]);
    assert!(ok, "{err}");
}

#[test]
fn a_consulate_typo_is_echoed_with_the_closest_id_wherever_it_is_typed() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_in(&dir);
    let (ok, err) = guardia(&[
        "admin",
        "staff",
        "add",
        "--db",
        &db,
        "--name",
        "Ana",
        "--role",
        "officer",
        "--consulate",
        "los-angles",
    ]);
    assert!(!ok);
    assert!(err.contains("`los-angles`"), "{err}");
    assert!(err.contains("did you mean `los-angeles`?"), "{err}");
    assert!(err.contains("config/consulates.csv"), "{err}");
    assert!(!Path::new(&db).exists(), "nothing written");

    let (ok, err) = guardia(&[
        "admin",
        "lawyer",
        "add",
        "--db",
        &db,
        "--name",
        "Ana",
        "--serves",
        "chicago,huston",
    ]);
    assert!(!ok);
    assert!(
        err.contains("--serves") && err.contains("`huston`") && err.contains("`houston`?"),
        "{err}"
    );

    let (ok, err) = guardia(&[
        "admin", "staff", "add", "--db", &db, "--name", "Ana", "--role", "admin",
    ]);
    assert!(ok, "{err}");
    let (ok, err) = guardia(&[
        "admin",
        "staff",
        "role",
        "--db",
        &db,
        "1",
        "--role",
        "supervisor",
        "--consulate",
        "chicgo",
    ]);
    assert!(!ok);
    assert!(
        err.contains("`chicgo`") && err.contains("`chicago`?"),
        "{err}"
    );
}
