//! Checks on what is typed that clap cannot express. A wrong value is echoed back with what to
//! type instead, because whoever runs `guardia admin` is often in a hurry and on a server with
//! no documentation at hand.

use std::path::Path;

use anyhow::{Context, bail};

use crate::domain::staff::Role;

/// A role as typed, checked against the consulate: a supervisor without one must be asked for
/// as `--national`, so nobody becomes national by forgetting a flag; an officer always works at
/// a consulate.
pub fn parse_staff_role(
    role: &str,
    consulate: Option<&str>,
    national: bool,
) -> anyhow::Result<Role> {
    let role = Role::parse(role).with_context(|| {
        format!(
            "unknown role `{}`: officer, lawyer, supervisor or admin",
            role.escape_debug()
        )
    })?;
    if role == Role::Supervisor && consulate.is_none() && !national {
        bail!("a supervisor needs --consulate ID, or --national to see every consulate's cases");
    }
    if role == Role::Officer && consulate.is_none() {
        bail!("an officer needs --consulate ID (the ids are in config/consulates.csv)");
    }
    if national && role != Role::Supervisor {
        bail!(
            "--national is for supervisors only (got --role {})",
            role.as_str()
        );
    }
    Ok(role)
}

/// The role for `admin staff add`. Lawyers are refused there with the command that adds them:
/// a lawyer needs the consulates they serve and the cases they can carry, which only
/// `admin lawyer add` asks for (without this, the roster's own check spoke of a `serves` field
/// this command has no flag for).
pub fn parse_staff_add_role(
    role: &str,
    name: &str,
    consulate: Option<&str>,
    national: bool,
    db: Option<&Path>,
) -> anyhow::Result<Role> {
    if Role::parse(role) == Some(Role::Lawyer) {
        bail!(
            "lawyers are added with `guardia admin lawyer add`, which also takes the consulates \
             they serve (--serves) and how many open cases they can carry (--capacity, default \
             20):\n  {}\nor many at once from a CSV: guardia admin lawyer import FILE",
            lawyer_add_hint(name, consulate, db)
        );
    }
    parse_staff_role(role, consulate, national)
}

/// The `admin lawyer add` command line for someone typed as `admin staff add --role lawyer`,
/// with what they already typed carried over, so it can be copied and run.
pub fn lawyer_add_hint(name: &str, consulate: Option<&str>, db: Option<&Path>) -> String {
    let mut line = String::from("guardia admin lawyer add");
    if let Some(db) = db {
        line.push_str(" --db ");
        line.push_str(&shell_word(&db.display().to_string()));
    }
    line.push_str(" --name ");
    line.push_str(&shell_word(name));
    line.push_str(" --serves ");
    match consulate {
        Some(c) => line.push_str(&shell_word(c)),
        None => line.push_str("ID[,ID...]"),
    }
    line
}

/// A word the shell reads back as it is: bare when it is plain, else in single quotes. Control
/// characters are dropped: the hint is printed to a terminal.
fn shell_word(s: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./:,@+=".contains(c);
    if !s.is_empty() && s.chars().all(plain) {
        return s.to_string();
    }
    let visible: String = s.chars().filter(|c| !c.is_control()).collect();
    format!("'{}'", visible.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staff_add_as_lawyer_points_to_lawyer_add_with_what_was_typed() {
        let db = Path::new("/tmp/x/hub.db");
        let e = parse_staff_add_role("lawyer", "Ana", None, false, Some(db))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("guardia admin lawyer add --db /tmp/x/hub.db --name Ana --serves ID"),
            "{e}"
        );
        assert!(e.contains("admin lawyer import"), "{e}");
        // The refusal must not speak of fields the command has no flag for.
        assert!(!e.contains("serves[") && !e.contains("serves:"), "{e}");
        let e = parse_staff_add_role("lawyer", "Ana O'Neil", Some("chicago"), false, None)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(r"--name 'Ana O'\''Neil' --serves chicago"),
            "{e}"
        );
        // Other roles go through as before.
        let role = parse_staff_add_role("officer", "Ana", Some("chicago"), false, None).unwrap();
        assert_eq!(role, Role::Officer);
    }

    #[test]
    fn staff_roles_say_which_flag_is_missing() {
        let e = parse_staff_role("officer", None, false)
            .unwrap_err()
            .to_string();
        assert!(e.contains("--consulate"), "{e}");
        let e = parse_staff_role("supervisor", None, false)
            .unwrap_err()
            .to_string();
        assert!(e.contains("--national"), "{e}");
        let e = parse_staff_role("clerk", None, false)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("`clerk`") && e.contains("officer, lawyer"),
            "{e}"
        );
        assert_eq!(
            parse_staff_role("supervisor", None, true).unwrap(),
            Role::Supervisor
        );
    }
}
