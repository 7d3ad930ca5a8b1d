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
