//! `guardia admin`: staff and lawyers' roster, straight on the database file.

use chrono::Utc;

use crate::domain::consulate::Consulate;
use crate::domain::event::Actor;
use crate::domain::staff::{NewStaff, Role};
use crate::hub::auth::{STAFF_PREFIX, hash_token, new_token};
use crate::hub::store::Store;
use crate::i18n::Lang;
use crate::i18n::admin::{RosterMistake, Said, roster_mistake, say};

/// Opens the hub's database (`db`, or the configured one) with the configured key file.
pub fn open_store(
    hub: &crate::config::HubConfig,
    db: Option<std::path::PathBuf>,
) -> Result<Store, crate::hub::store::StoreError> {
    Store::open_target(&hub.target_or(db.as_deref()), hub.key_file())
}

/// Adds a staff member and returns their id and token, which is shown once and never stored.
pub async fn add_staff(
    store: &Store,
    consulates: &[Consulate],
    new: NewStaff,
) -> Result<(i64, String), String> {
    let ids: Vec<&str> = consulates.iter().map(|c| c.id.as_str()).collect();
    let new = new.validate(&ids).map_err(|e| e.to_string())?;
    let token = new_token(STAFF_PREFIX);
    let outcome = store
        .add_staff(new, hash_token(&token), Actor::Operator, None, Utc::now())
        .await
        .map_err(|e| e.to_string())?;
    Ok((outcome.value, token))
}

/// Gives staff member `id` a new token and returns it (shown once, never stored).
pub async fn rotate_token(store: &Store, id: i64) -> Result<String, String> {
    let token = new_token(STAFF_PREFIX);
    store
        .rotate_staff_token(id, hash_token(&token), Actor::Operator, false, Utc::now())
        .await
        .map_err(|e| format!("staff id {id}: {e}"))?;
    Ok(token)
}

/// Reads a roster CSV (`name,serves,languages,capacity`, lists separated by `;`), as in
/// config/lawyers.sample.csv. Every row is checked before anything is added, so a bad file adds
/// nothing. `source` is where the consulate ids come from, named when one is wrong.
pub fn parse_roster(
    text: &str,
    consulates: &[Consulate],
    source: &str,
    lang: Lang,
) -> Result<Vec<NewStaff>, String> {
    let said = |m: RosterMistake| roster_mistake(lang, &m);
    let ids: Vec<&str> = consulates.iter().map(|c| c.id.as_str()).collect();
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| e.to_string())?.clone();
    let want = ["name", "serves", "languages", "capacity"];
    if headers.iter().collect::<Vec<_>>() != want {
        return Err(format!("the header must be `{}`", want.join(",")));
    }
    let list = |s: &str| -> Vec<String> {
        s.split(';')
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .map(String::from)
            .collect()
    };
    let mut out = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let r = record.map_err(|e| {
            said(RosterMistake::Unreadable {
                line,
                error: e.to_string(),
            })
        })?;
        let capacity = r[3]
            .parse()
            .map_err(|_| said(RosterMistake::Capacity { line }))?;
        let serves = list(&r[1]);
        // Checked here first so that a typo is named with the closest ids.
        for (i, c) in serves.iter().enumerate() {
            crate::cli::check_consulate(c, &ids, source, lang)
                .map_err(|error| said(RosterMistake::Serves { line, at: i, error }))?;
        }
        let new = NewStaff {
            name: r[0].to_string(),
            role: Role::Lawyer,
            consulate: None,
            serves,
            languages: list(&r[2]),
            capacity,
        };
        out.push(new.validate(&ids).map_err(|e| {
            said(RosterMistake::Row {
                line,
                error: e.to_string(),
            })
        })?);
    }
    Ok(out)
}

/// What an import did with one row of the roster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Imported {
    /// A lawyer new to the hub, with the token shown once.
    Added(String),
    /// Already on the roster: their row was brought up to date; their token is unchanged.
    Updated,
    /// Already on the roster exactly as the file says.
    Unchanged,
}

/// The key a lawyer is known by across imports: the name, with accents, case and spacing
/// ignored ("Lic. Ana Beltrán" and "lic. ana  beltran" are one person).
fn roster_key(name: &str) -> String {
    crate::i18n::fold(name)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Brings the roster to what the file says: a lawyer already on it (by name) is updated in
/// place and keeps their token; a new one is added. A lawyer is one person however often the
/// file is imported. Every row is checked before anything is written; returns (name, id, what
/// was done) for each row.
pub async fn import_lawyers(
    store: &Store,
    consulates: &[Consulate],
    source: &str,
    text: &str,
    lang: Lang,
) -> Result<Vec<(String, i64, Imported)>, String> {
    let said = |m: RosterMistake| roster_mistake(lang, &m);
    let roster = parse_roster(text, consulates, source, lang)?;
    let on_file = store.lawyers().await.map_err(|e| e.to_string())?;
    let mut seen = std::collections::BTreeMap::new();
    for (i, new) in roster.iter().enumerate() {
        if let Some(first) = seen.insert(roster_key(&new.name), i) {
            return Err(said(RosterMistake::Twice {
                line: i + 2,
                name: new.name.clone(),
                first: first + 2,
            }));
        }
        let same: Vec<i64> = on_file
            .iter()
            .filter(|l| roster_key(&l.name) == roster_key(&new.name))
            .map(|l| l.id)
            .collect();
        if same.len() > 1 {
            return Err(said(RosterMistake::OnRosterTwice {
                line: i + 2,
                name: new.name.clone(),
                ids: same,
            }));
        }
    }
    let mut out = Vec::with_capacity(roster.len());
    for new in roster {
        let name = new.name.clone();
        let existing = on_file
            .iter()
            .find(|l| roster_key(&l.name) == roster_key(&name));
        match existing {
            Some(l) => {
                let changed = store
                    .update_roster(
                        l.id,
                        new.serves,
                        new.languages,
                        new.capacity,
                        Actor::Operator,
                        Utc::now(),
                    )
                    .await
                    .map_err(|e| {
                        said(RosterMistake::Lawyer {
                            name: name.clone(),
                            error: e.to_string(),
                        })
                    })?;
                let done = if changed {
                    Imported::Updated
                } else {
                    Imported::Unchanged
                };
                out.push((name, l.id, done));
            }
            None => {
                let (id, token) = add_staff(store, consulates, new).await?;
                out.push((name, id, Imported::Added(token)));
            }
        }
    }
    Ok(out)
}

/// `guardia admin retention`: applies the policy as of `now` and says what it did.
pub async fn retention(
    config: &crate::config::Config,
    db: Option<std::path::PathBuf>,
    now: Option<String>,
    lang: Lang,
) -> Result<String, String> {
    let now = match now {
        None => Utc::now(),
        Some(t) => chrono::DateTime::parse_from_rfc3339(&t)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| say(lang, &Said::NotATime { typed: t.clone() }))?,
    };
    let days = config.retention.closed_case_days;
    if days == 0 {
        return Err(say(lang, &Said::RetentionOff));
    }
    let store = open_store(&config.hub, db).map_err(|e| e.to_string())?;
    let done = store.retain(now, days).await.map_err(|e| e.to_string())?;
    Ok(say(
        lang,
        &Said::Retained {
            days,
            before: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            cases: done.cases.clone(),
            keys: done.keys,
            held: done.held,
        },
    ))
}

/// `guardia admin hold`: places or lifts a legal hold.
/// The longest reason a legal hold may give: a court order's caption and number fit.
pub const HOLD_REASON_CHARS: usize = 300;

pub async fn hold(
    config: &crate::config::Config,
    db: Option<std::path::PathBuf>,
    case: u64,
    reason: String,
    release: bool,
    lang: Lang,
) -> Result<String, String> {
    if !release && reason.trim().is_empty() {
        return Err(say(lang, &Said::HoldNeedsReason));
    }
    // What the hold rests on goes on the record and on screens: plain text, one line, bounded,
    // like every free text the hub takes.
    let reason = if reason.trim().is_empty() {
        String::new()
    } else {
        crate::domain::validate::text("reason", &reason, HOLD_REASON_CHARS).map_err(|_| {
            say(
                lang,
                &Said::HoldReasonNotPlain {
                    max: HOLD_REASON_CHARS,
                },
            )
        })?
    };
    let store = open_store(&config.hub, db).map_err(|e| e.to_string())?;
    let changed = store
        .legal_hold(case, !release, reason, Actor::Operator, Utc::now())
        .await
        .map_err(|e| {
            say(
                lang,
                &Said::AboutCase {
                    case,
                    error: e.to_string(),
                },
            )
        })?;
    Ok(say(
        lang,
        &Said::Hold {
            case,
            on: !release,
            changed,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::consulate::parse_csv;

    const SOURCE: &str = "config/consulates.csv";

    #[test]
    fn the_sample_roster_parses_and_a_bad_row_names_its_line() {
        let consulates = parse_csv(crate::config::BUILTIN_CONSULATES).unwrap();
        let sample = include_str!("../config/lawyers.sample.csv");
        let roster = parse_roster(sample, &consulates, SOURCE, Lang::En).unwrap();
        assert!(roster.len() >= 10);
        assert!(
            roster
                .iter()
                .all(|l| l.role == Role::Lawyer && l.capacity > 0)
        );
        let bad = "name,serves,languages,capacity\nX,atlantis,es,3\n";
        let e = parse_roster(bad, &consulates, SOURCE, Lang::En).unwrap_err();
        assert!(e.starts_with("line 2: serves[0]"), "{e}");
        let typo = "name,serves,languages,capacity\nX,los-angeles;huston,es,3\n";
        let e = parse_roster(typo, &consulates, SOURCE, Lang::En).unwrap_err();
        assert!(e.contains("`huston`") && e.contains("`houston`?"), "{e}");
    }
}
