//! Checks on what is typed that clap cannot express. A wrong value is echoed back with what to
//! type instead, because whoever runs `guardia admin` is often in a hurry and on a server with
//! no documentation at hand.

use std::path::Path;

use anyhow::bail;

use crate::i18n::Lang;

use crate::domain::staff::Role;

/// A role as typed, checked against the consulate: a supervisor without one must be asked for
/// as `--national`, so nobody becomes national by forgetting a flag; an officer always works at
/// a consulate.
pub fn parse_staff_role(
    role: &str,
    consulate: Option<&str>,
    national: bool,
    lang: Lang,
) -> anyhow::Result<Role> {
    use crate::i18n::admin::{RoleMistake as M, role_mistake};
    let typed = role.escape_debug().to_string();
    let say = |m| anyhow::anyhow!(role_mistake(lang, m, &typed));
    let role = Role::parse(role).ok_or_else(|| say(M::Unknown))?;
    if role == Role::Supervisor && consulate.is_none() && !national {
        return Err(say(M::SupervisorWhere));
    }
    if role == Role::Officer && consulate.is_none() {
        return Err(say(M::OfficerWhere));
    }
    if national && role != Role::Supervisor {
        return Err(say(M::NationalNotSupervisor(role)));
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
    lang: Lang,
) -> anyhow::Result<Role> {
    if Role::parse(role) == Some(Role::Lawyer) {
        bail!(crate::i18n::admin::lawyers_elsewhere(
            lang,
            &lawyer_add_hint(name, consulate, db)
        ));
    }
    parse_staff_role(role, consulate, national, lang)
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

/// Ok when `given` is one of `ids`; otherwise the message of [`unknown_consulate`].
pub fn check_consulate(given: &str, ids: &[&str], source: &str, lang: Lang) -> Result<(), String> {
    if ids.contains(&given) {
        Ok(())
    } else {
        Err(unknown_consulate(given, ids, source, lang))
    }
}

/// What to say about a consulate id that is not on the list: the wrong value, the closest ids
/// when some are close (a typo, a city name typed with spaces or capitals, the start of an id),
/// and where the list is (`source`); when nothing is close, every id.
pub fn unknown_consulate(given: &str, ids: &[&str], source: &str, lang: Lang) -> String {
    let shown = given.escape_debug().to_string();
    let close = closest(given, ids);
    crate::i18n::admin::unknown_consulate(lang, &shown, &close, ids, source)
}

/// At most this many ids are offered as "did you mean"; more would be a list, not a guess.
const MAX_SUGGESTIONS: usize = 5;

/// The ids nearest to what was typed, sorted: those at the smallest edit distance when it is
/// small for the length typed, else those that contain it. Empty when nothing is close.
fn closest<'a>(given: &str, ids: &[&'a str]) -> Vec<&'a str> {
    let typed = normalise(given);
    let len = typed.chars().count();
    if len == 0 {
        return Vec::new();
    }
    let threshold = (len / 3).max(1);
    let distances: Vec<(usize, &str)> = ids.iter().map(|id| (distance(&typed, id), *id)).collect();
    let best = distances
        .iter()
        .map(|(d, _)| *d)
        .min()
        .unwrap_or(usize::MAX);
    let mut near: Vec<&str> = if best <= threshold {
        distances
            .iter()
            .filter(|(d, _)| *d == best)
            .map(|(_, id)| *id)
            .collect()
    } else if len >= 3 {
        ids.iter()
            .copied()
            .filter(|id| id.contains(&typed))
            .collect()
    } else {
        Vec::new()
    };
    near.sort_unstable();
    if near.len() > MAX_SUGGESTIONS {
        near.clear();
    }
    near
}

/// Ids are lower-case words joined by hyphens; people type city names (`Los Angeles`,
/// `san_diego`), so compare in the ids' form.
fn normalise(s: &str) -> String {
    let mut out = String::new();
    for c in s.trim().chars().flat_map(char::to_lowercase) {
        let c = if c.is_whitespace() || c == '_' || c == '.' {
            '-'
        } else {
            c
        };
        if !(c == '-' && (out.is_empty() || out.ends_with('-'))) {
            out.push(c);
        }
    }
    out.trim_end_matches('-').to_string()
}

/// Edits (insert, delete, substitute, swap two neighbours) from `a` to `b`: a swapped pair of
/// letters is one typo, not two.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Three rows of the optimal-string-alignment table: two back (for swaps), previous, current.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        current[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (previous[j] + 1)
                .min(current[j - 1] + 1)
                .min(previous[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(before[j - 2] + 1);
            }
            current[j] = best;
        }
        std::mem::swap(&mut before, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

/// The language the command line speaks before it is parsed (its help, its errors): the
/// configured one (from `--config FILE` if given), else the system's.
pub fn lang_before_parse() -> crate::i18n::Lang {
    let args: Vec<String> = std::env::args().collect();
    let file = args.iter().enumerate().find_map(|(i, a)| {
        a.strip_prefix("--config=").map(String::from).or_else(|| {
            (a == "--config")
                .then(|| args.get(i + 1).cloned())
                .flatten()
        })
    });
    match crate::config::Config::load(file.as_deref().map(std::path::Path::new)) {
        Ok(config) => console_lang(&config, None),
        // A config that does not load is reported once parsed; the help still follows the locale.
        Err(_) => crate::i18n::Lang::resolve("", sys_locale::get_locale().as_deref()),
    }
}

/// The language a report or the console speaks: the flag, else the config, else the locale.
pub fn console_lang(config: &crate::config::Config, flag: Option<String>) -> crate::i18n::Lang {
    let configured = flag.unwrap_or_else(|| config.console.language.clone());
    crate::i18n::Lang::resolve(&configured, sys_locale::get_locale().as_deref())
}

/// [`console_lang`], refusing a `--lang` that is neither es nor en instead of guessing; the
/// refusal is said in `cli`, the language the command line speaks.
pub fn checked_lang(
    config: &crate::config::Config,
    flag: Option<String>,
    cli: crate::i18n::Lang,
) -> Result<crate::i18n::Lang, String> {
    if let Some(typed) = &flag {
        // `en`, `EN`, `en_US` and `es-MX` say a language; `fr` does not.
        let code = typed.trim().to_ascii_lowercase();
        let code = code.split(['-', '_', '.']).next().unwrap_or_default();
        if crate::i18n::Lang::parse(code).is_none() {
            return Err(crate::i18n::admin::say(
                cli,
                &crate::i18n::admin::Said::UnknownLang {
                    typed: typed.clone(),
                },
            ));
        }
    }
    Ok(console_lang(config, flag))
}

/// Why the console cannot start here, if it cannot: it draws on a terminal and reads keys from
/// one, so input and output must both be one.
pub fn terminal_problem(
    input_is_tty: bool,
    output_is_tty: bool,
    lang: crate::i18n::Lang,
) -> Option<String> {
    (!(input_is_tty && output_is_tty))
        .then(|| crate::i18n::admin::say(lang, &crate::i18n::admin::Said::NeedsTerminal))
}

/// [`terminal_problem`] for this process's standard input and output.
pub fn need_terminal(lang: crate::i18n::Lang) -> Result<(), String> {
    use std::io::IsTerminal;
    match terminal_problem(
        std::io::stdin().is_terminal(),
        std::io::stdout().is_terminal(),
        lang,
    ) {
        Some(problem) => Err(problem),
        None => Ok(()),
    }
}

/// A client for the one-shot reports, with the console's hub and token settings (the first
/// hub, when the console is given several).
pub fn report_client(
    config: &crate::config::Config,
    hub: Option<String>,
) -> anyhow::Result<crate::console::net::client::HubClient> {
    let hub = match hub {
        Some(hub) => hub,
        // Empty only when nothing is configured: the client then says the URL is unusable.
        None => config
            .console
            .hub_list(&[])
            .into_iter()
            .next()
            .unwrap_or_default(),
    };
    if config.console.token.is_empty() {
        let lang = console_lang(config, None);
        anyhow::bail!(crate::i18n::admin::say(
            lang,
            &crate::i18n::admin::Said::NoToken
        ));
    }
    Ok(crate::console::net::client::HubClient::new(
        &hub,
        &config.console.token,
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::consulate::parse_csv;

    fn ids() -> Vec<String> {
        parse_csv(crate::config::BUILTIN_CONSULATES)
            .unwrap()
            .into_iter()
            .map(|c| c.id)
            .collect()
    }

    fn message(given: &str) -> String {
        let ids = ids();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        unknown_consulate(given, &ids, "config/consulates.csv", Lang::En)
    }

    #[test]
    fn a_typo_is_echoed_with_the_closest_id_and_where_the_list_is() {
        let m = message("los-angles");
        assert!(m.contains("`los-angles`"), "{m}");
        assert!(m.contains("did you mean `los-angeles`?"), "{m}");
        assert!(m.contains("config/consulates.csv"), "{m}");
        // Swapped letters and a city name as people write it find their id too.
        assert!(message("chiacgo").contains("`chicago`?"));
        assert!(message("San Diego").contains("`san-diego`?"));
        assert!(message("new_york").contains("`new-york`?"));
    }

    #[test]
    fn the_start_of_an_id_offers_every_id_it_begins() {
        let m = message("sacra");
        assert!(m.contains("did you mean `sacramento`?"), "{m}");
        let m = message("angeles");
        assert!(m.contains("`los-angeles`"), "{m}");
    }

    #[test]
    fn nothing_close_lists_every_valid_id() {
        let m = message("atlantis-base");
        assert!(m.contains("`atlantis-base`"), "{m}");
        assert!(!m.contains("did you mean"), "{m}");
        for id in ids() {
            assert!(m.contains(&id), "{id} missing from: {m}");
        }
    }

    #[test]
    fn a_known_id_passes_and_an_odd_value_is_shown_escaped() {
        let ids = ids();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        assert!(check_consulate("los-angeles", &ids, "x", Lang::En).is_ok());
        let e = check_consulate("los\u{1b}[2Jangeles", &ids, "x", Lang::En).unwrap_err();
        assert!(!e.contains('\u{1b}'), "{e:?}");
    }

    #[test]
    fn edit_distance_counts_a_swap_as_one() {
        assert_eq!(distance("chicago", "chicago"), 0);
        assert_eq!(distance("chiacgo", "chicago"), 1);
        assert_eq!(distance("los-angles", "los-angeles"), 1);
        assert_eq!(distance("", "yuma"), 4);
        assert_eq!(distance("kitten", "sitting"), 3);
    }

    #[test]
    fn staff_add_as_lawyer_points_to_lawyer_add_with_what_was_typed() {
        let db = Path::new("/tmp/x/hub.db");
        let e = parse_staff_add_role("lawyer", "Ana", None, false, Some(db), Lang::En)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("guardia admin lawyer add --db /tmp/x/hub.db --name Ana --serves ID"),
            "{e}"
        );
        assert!(e.contains("admin lawyer import"), "{e}");
        // The refusal must not speak of fields the command has no flag for.
        assert!(!e.contains("serves[") && !e.contains("serves:"), "{e}");
        let e = parse_staff_add_role(
            "lawyer",
            "Ana O'Neil",
            Some("chicago"),
            false,
            None,
            Lang::En,
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains(r"--name 'Ana O'\''Neil' --serves chicago"),
            "{e}"
        );
        // Other roles go through as before.
        let role =
            parse_staff_add_role("officer", "Ana", Some("chicago"), false, None, Lang::En).unwrap();
        assert_eq!(role, Role::Officer);
    }

    #[test]
    fn staff_roles_say_which_flag_is_missing() {
        let e = parse_staff_role("officer", None, false, Lang::En)
            .unwrap_err()
            .to_string();
        assert!(e.contains("--consulate"), "{e}");
        let e = parse_staff_role("supervisor", None, false, Lang::En)
            .unwrap_err()
            .to_string();
        assert!(e.contains("--national"), "{e}");
        let e = parse_staff_role("clerk", None, false, Lang::En)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("`clerk`") && e.contains("officer, lawyer"),
            "{e}"
        );
        assert_eq!(
            parse_staff_role("supervisor", None, true, Lang::En).unwrap(),
            Role::Supervisor
        );
    }

    #[test]
    fn a_language_other_than_es_or_en_is_refused_in_the_command_lines_language() {
        use crate::i18n::Lang;
        let config = crate::config::Config::load_with(None, None, &[]).unwrap();
        let refused = checked_lang(&config, Some("fr".into()), Lang::Es).unwrap_err();
        assert!(refused.contains("es (español) o en (inglés)"), "{refused}");
        assert!(refused.contains("«fr»"), "{refused}");
        let refused = checked_lang(&config, Some("fr".into()), Lang::En).unwrap_err();
        assert!(
            refused.contains("es (Spanish) or en (English)"),
            "{refused}"
        );
        assert_eq!(
            checked_lang(&config, Some("EN".into()), Lang::Es),
            Ok(Lang::En)
        );
        assert_eq!(
            checked_lang(&config, Some("es_MX".into()), Lang::En),
            Ok(Lang::Es)
        );
    }

    #[test]
    fn without_a_terminal_the_console_says_so_instead_of_failing_to_draw() {
        use crate::i18n::Lang;
        assert_eq!(terminal_problem(true, true, Lang::Es), None);
        let es = terminal_problem(false, true, Lang::Es).unwrap();
        assert!(es.contains("necesita una terminal"), "{es}");
        let en = terminal_problem(true, false, Lang::En).unwrap();
        assert!(en.contains("needs an interactive terminal"), "{en}");
    }
}
