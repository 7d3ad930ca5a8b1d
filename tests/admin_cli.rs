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

/// Runs the real binary; returns whether it succeeded, stdout and stderr.
fn guardia_out(args: &[&str]) -> (bool, String, String) {
    let out = common::guardia()
        .env("RUST_BACKTRACE", "0")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn importing_the_roster_again_updates_each_lawyer_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_in(&dir);
    let file = dir.path().join("lawyers.csv");
    let roster = "name,serves,languages,capacity\n\
                  Lic. Ana Beltrán Ruiz,los-angeles;santa-ana,es;en,25\n\
                  Atty. Grace Whitfield,los-angeles,en,15\n";
    std::fs::write(&file, roster).unwrap();
    let path = file.display().to_string();
    let import = || guardia_out(&["admin", "lawyer", "import", "--db", &db, &path]);
    let (ok, first, err) = import();
    assert!(ok, "{err}");
    assert_eq!(first.matches(",added").count(), 2, "{first}");
    // The same file again: nobody is added, nobody gets a new token.
    let (ok, again, err) = import();
    assert!(ok, "{err}");
    assert_eq!(again.matches(",unchanged").count(), 2, "{again}");
    assert!(!again.contains("gds_"), "no token is issued again: {again}");
    // A changed capacity, and the name written another way: the same person, updated.
    std::fs::write(
        &file,
        "name,serves,languages,capacity\n\
         lic. ana beltran ruiz,los-angeles,es,30\n\
         Atty. Grace Whitfield,los-angeles,en,15\n",
    )
    .unwrap();
    let (ok, third, err) = import();
    assert!(ok, "{err}");
    assert!(third.contains(",updated"), "{third}");
    let id_of = |out: &str, who: &str| {
        out.lines()
            .find(|l| l.to_lowercase().contains(who))
            .and_then(|l| l.split(',').nth(1))
            .unwrap()
            .to_string()
    };
    assert_eq!(id_of(&first, "beltr"), id_of(&third, "beltr"));
    let conn = rusqlite::Connection::open(&db).unwrap();
    let (lawyers, capacity): (i64, i64) = conn
        .query_row(
            "SELECT COUNT(*), MAX(capacity) FROM staff WHERE role = 'lawyer'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(lawyers, 2);
    assert_eq!(capacity, 30);
    // One row per lawyer in a file: a repeated name is refused, naming both lines.
    std::fs::write(
        &file,
        "name,serves,languages,capacity\n\
         Atty. Grace Whitfield,los-angeles,en,15\n\
         Atty.  Grace Whitfield,oxnard,en,15\n",
    )
    .unwrap();
    let (ok, _, err) = import();
    assert!(!ok);
    assert!(err.contains("line 3") && err.contains("line 2"), "{err}");
}

#[test]
fn the_command_line_speaks_the_configured_language() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_in(&dir);
    let run = |lang: &str, args: &[&str]| {
        let out = common::guardia()
            .env("GUARDIA_CONSOLE_LANGUAGE", lang)
            .args(args)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, help, _) = run("es", &["admin", "staff", "add", "--help"]);
    assert!(ok);
    assert!(
        help.contains("Uso:") && help.contains("Muestra esta ayuda"),
        "{help}"
    );
    assert!(help.contains("El nombre de la persona"), "{help}");
    let (ok, _, err) = run(
        "es",
        &[
            "admin", "staff", "add", "--db", &db, "--name", "Ana", "--role", "officer",
        ],
    );
    assert!(!ok);
    assert!(err.contains("un oficial necesita --consulate"), "{err}");
    let (ok, _, err) = run("es", &["admin", "staff", "add", "--nombre", "Ana"]);
    assert!(!ok);
    assert!(err.contains("no existe la opción «--nombre»"), "{err}");
    let (ok, out, err) = run(
        "es",
        &[
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
            "chicago",
        ],
    );
    assert!(ok, "{err}");
    assert!(out.contains("clave (se muestra una sola vez"), "{out}");
    let (_, out, _) = run("en", &["admin", "staff", "disable", "--db", &db, "1"]);
    assert!(out.contains("staff id 1 disabled"), "{out}");
}
