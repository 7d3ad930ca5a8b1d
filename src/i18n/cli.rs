//! The command line in Spanish: `guardia --help` and every subcommand's help follow the
//! configured language. The English text is the doc comments clap reads; this is the Spanish
//! beside it, keyed by the subcommand's path and the flag's id, and a test walks the whole
//! command tree so a new flag cannot go untranslated.

use clap::{Arg, ArgAction, Command};

use super::Lang;
use super::cli_es::ES;

/// The Spanish line for flag `id` (or the subcommand itself, with `""`) at `path`.
fn es(path: &str, id: &str) -> Option<&'static str> {
    let find = |p: &str| {
        ES.iter()
            .find(|(at, what, _)| *at == p && *what == id)
            .map(|(_, _, text)| *text)
    };
    find(path).or_else(|| if id.is_empty() { None } else { find("*") })
}

/// The command line as `lang` reads it: English as written in the code, Spanish from the table
/// (headings, the help and version flags included).
pub fn localize(cmd: Command, lang: Lang) -> Command {
    if lang == Lang::En {
        return cmd;
    }
    let root = cmd.disable_version_flag(true).arg(
        Arg::new("version")
            .short('V')
            .long("version")
            .action(ArgAction::Version)
            .help("Muestra la versión"),
    );
    spanish(root, "guardia")
}

fn spanish(cmd: Command, path: &str) -> Command {
    let mut cmd = cmd
        .help_template("{before-help}{about-with-newline}\nUso: {usage}\n\n{all-args}{after-help}")
        .subcommand_help_heading("Órdenes")
        .subcommand_value_name("ORDEN")
        .disable_help_flag(true)
        .disable_help_subcommand(true)
        .arg(
            Arg::new("help")
                .short('h')
                .long("help")
                .action(ArgAction::Help)
                .help("Muestra esta ayuda"),
        );
    if let Some(about) = es(path, "") {
        cmd = cmd.about(about).long_about(None);
    }
    let ids: Vec<String> = cmd
        .get_arguments()
        .map(|a| a.get_id().to_string())
        .collect();
    for id in ids {
        cmd = cmd.mut_arg(&id, |a| {
            let heading = if a.is_positional() {
                "Argumentos"
            } else {
                "Opciones"
            };
            let a = a.help_heading(heading);
            match es(path, &id) {
                Some(text) => a.help(text).long_help(None),
                None => a,
            }
        });
    }
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for name in names {
        let inner = format!("{path} {name}");
        cmd = cmd.mut_subcommand(&name, |s| spanish(s, &inner));
    }
    cmd
}

/// A mistake on the command line, said in `lang`. Clap words its errors in English; in Spanish
/// the common ones are said here, with what clap suggests (the flag meant, the values allowed,
/// the usage), and anything rarer keeps clap's wording.
pub fn error_text(e: &clap::Error, lang: Lang) -> String {
    use clap::error::{ContextKind as K, ContextValue as V, ErrorKind as E};
    let english = e.render().to_string();
    if lang == Lang::En {
        return english;
    }
    let one = |k: K| match e.get(k) {
        Some(V::String(s)) => s.clone(),
        Some(V::Strings(v)) => v.join(", "),
        Some(V::StyledStr(s)) => s.to_string(),
        _ => String::new(),
    };
    let many = |k: K| match e.get(k) {
        Some(V::Strings(v)) => v.clone(),
        Some(V::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    };
    let what = match e.kind() {
        E::UnknownArgument => {
            let mut s = format!("no existe la opción «{}»", one(K::InvalidArg));
            let meant = many(K::SuggestedArg);
            if !meant.is_empty() {
                s.push_str(&format!("; ¿quiso decir «{}»?", meant.join("», «")));
            }
            s
        }
        E::InvalidSubcommand => {
            let mut s = format!("no existe la orden «{}»", one(K::InvalidSubcommand));
            let meant = many(K::SuggestedSubcommand);
            if !meant.is_empty() {
                s.push_str(&format!("; ¿quiso decir «{}»?", meant.join("», «")));
            }
            s
        }
        E::MissingRequiredArgument => format!(
            "falta lo que esta orden necesita: {}",
            many(K::InvalidArg).join(", ")
        ),
        E::MissingSubcommand => "falta la orden: vea --help".to_string(),
        E::InvalidValue => {
            let mut s = format!(
                "«{}» no es un valor válido para {}",
                one(K::InvalidValue),
                one(K::InvalidArg)
            );
            let valid = many(K::ValidValue);
            if !valid.is_empty() {
                s.push_str(&format!(" (valores posibles: {})", valid.join(", ")));
            }
            s
        }
        E::ValueValidation => format!(
            "«{}» no es un valor válido para {}: {}",
            one(K::InvalidValue),
            one(K::InvalidArg),
            std::error::Error::source(e)
                .map(|s| s.to_string())
                .unwrap_or_default()
        ),
        E::ArgumentConflict => format!(
            "{} no se puede usar junto con {}",
            one(K::InvalidArg),
            one(K::PriorArg)
        ),
        E::TooManyValues => {
            format!("{} se dio más de una vez", one(K::InvalidArg))
        }
        _ => return english,
    };
    let usage = one(K::Usage).replacen("Usage:", "Uso:", 1);
    format!("error: {what}\n\n{usage}\n\nPara más información, use «--help».\n")
}

/// `guardia simulate`: the appointments it scheduled.
pub fn appointments_scheduled(lang: Lang, watched: usize, missed: usize) -> String {
    match lang {
        Lang::Es => format!(
            "{watched} citas vigiladas programadas; {missed} no se darán por concluidas y el hub \
             levantará su alerta al pasar el margen"
        ),
        Lang::En => format!(
            "{watched} watched appointments scheduled; {missed} will never be ended, and the hub \
             raises their alerts once the grace has passed"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every subcommand and flag the Spanish help would leave in English.
    fn untranslated(cmd: &Command, path: &str, out: &mut Vec<String>) {
        if es(path, "").is_none() {
            out.push(path.to_string());
        }
        for arg in cmd.get_arguments() {
            let id = arg.get_id().as_str();
            if !matches!(id, "help" | "version") && es(path, id).is_none() {
                out.push(format!("{path} --{id}"));
            }
        }
        for sub in cmd.get_subcommands() {
            untranslated(sub, &format!("{path} {}", sub.get_name()), out);
        }
    }

    #[test]
    fn every_subcommand_and_flag_has_its_spanish() {
        use clap::CommandFactory;
        let mut missing = Vec::new();
        untranslated(&crate::cli::Cli::command(), "guardia", &mut missing);
        assert!(missing.is_empty(), "no Spanish for: {missing:#?}");
    }

    #[test]
    fn the_spanish_help_reads_in_spanish() {
        use clap::CommandFactory;
        let mut cmd = localize(crate::cli::Cli::command(), Lang::Es);
        let top = cmd.render_help().to_string();
        assert!(top.contains("Uso:") && top.contains("Órdenes"), "{top}");
        assert!(top.contains("Muestra esta ayuda"), "{top}");
        assert!(
            !top.contains("Print help") && !top.contains("Usage"),
            "{top}"
        );
        let mut add = localize(crate::cli::Cli::command(), Lang::Es);
        let add = add
            .find_subcommand_mut("admin")
            .and_then(|a| a.find_subcommand_mut("staff"))
            .and_then(|s| s.find_subcommand_mut("add"))
            .unwrap()
            .render_help()
            .to_string();
        assert!(
            add.contains("Opciones") && add.contains("El nombre de la persona"),
            "{add}"
        );
        // English stays as the code writes it.
        // A mistake is said in Spanish too, with what was meant.
        let wrong = localize(crate::cli::Cli::command(), Lang::Es)
            .try_get_matches_from(["guardia", "admin", "staff", "add", "--nombre", "x"])
            .unwrap_err();
        let said = error_text(&wrong, Lang::Es);
        assert!(said.contains("no existe la opción «--nombre»"), "{said}");
        assert!(
            said.contains("¿quiso decir «--name»?") && said.contains("Uso:"),
            "{said}"
        );
        let en = localize(crate::cli::Cli::command(), Lang::En)
            .render_help()
            .to_string();
        assert!(en.contains("Usage"), "{en}");
    }
}
