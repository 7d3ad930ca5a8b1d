//! The `:` command line: verbs on short case numbers, for officers who would rather type
//! `ack 1042` than find the row. Parsing only; what a complete line asks for is the domain's own
//! [`CaseCommand`], carried out by `update` exactly as the keys' forms are.

pub use super::records::CommandError;
use crate::domain::checkpoint::{CheckpointCode, CloseOutcome};
use crate::domain::command::{CaseCommand, DeclineRequest, NoteRequest, ReopenRequest};
use crate::domain::triage::{Category, Consent, Intent, Triage};
use crate::i18n::{Lang, casework, fold};

#[derive(Debug, Clone, PartialEq)]
pub enum Line {
    /// `1042` or `open 1042`: select the case.
    Open(u64),
    /// A complete command (`ack 1042`, `note 1042 text`, `triage 1042 acepta retorno
    /// migratoria`, ...): decided and sent at once.
    Run(u64, CaseCommand),
    /// `assign 1042 <lawyer name or id>`: resolved against the roster.
    Assign(u64, String),
    /// `close 1042 false-alarm [note...]`: asks for the note if none, then for confirmation.
    Close(u64, CloseOutcome, String),
    /// `checkpoint 1042 [type]`: opens the checkpoint form.
    Checkpoint(u64, Option<CheckpointCode>),
    /// `checkpoint 1042 audiencia`: words that fit several checkpoints; the picker opens on
    /// them, to choose one.
    CheckpointAmong(u64, String),
    /// `call 1042 [text]`: the caller of an earlier call says more; the case may be another
    /// consulate's. Opens the form, or sends the text at once.
    Call(u64, String),
    /// `raid 12`: the list narrowed to that raid's cases.
    Raid(u64),
}

/// The verbs, for the help line. Spanish synonyms are accepted too.
pub const VERBS: &[&str] = &[
    "ack",
    "assign",
    "checkpoint",
    "note",
    "close",
    "reopen",
    "triage",
    "accept",
    "decline",
    "call",
    "raid",
    "open",
];

fn canonical(verb: &str) -> Option<&'static str> {
    Some(match fold(verb).as_str() {
        "ack" | "atender" => "ack",
        "assign" | "asignar" => "assign",
        "checkpoint" | "cp" | "etapa" => "checkpoint",
        "note" | "nota" => "note",
        "close" | "cerrar" => "close",
        "reopen" | "reabrir" => "reopen",
        "triage" | "triaje" => "triage",
        "accept" | "aceptar" => "accept",
        "decline" | "rechazar" => "decline",
        "call" | "llamada" => "call",
        "raid" | "redada" => "raid",
        "open" | "abrir" | "go" | "ir" => "open",
        _ => return None,
    })
}

/// Checkpoints by code, or by the start of their name in either language ("detención"): one
/// when the words name one, several when they fit several ("audiencia"), for the officer to
/// choose among.
fn checkpoint_codes(words: &[&str]) -> Vec<CheckpointCode> {
    let joined = words.join(" ");
    if let Some(code) = CheckpointCode::parse(&joined.replace(' ', "_")) {
        return vec![code];
    }
    let wanted = fold(&joined);
    CheckpointCode::ALL
        .iter()
        .copied()
        .filter(|c| {
            [Lang::Es, Lang::En]
                .iter()
                .any(|l| fold(casework::checkpoint(*l, *c)).starts_with(&wanted))
        })
        .collect()
}

/// An outcome by its code or its name in either language, with `-` for spaces
/// (`falsa-alarma`), or the start of one name only (`falsa`).
fn close_outcome(word: &str) -> Option<CloseOutcome> {
    let wanted = fold(word).replace(['-', ' '], "_");
    let names = |o: CloseOutcome| {
        [Lang::Es, Lang::En].map(|l| fold(casework::outcome(l, o)).replace(' ', "_"))
    };
    CloseOutcome::parse(word)
        .or_else(|| {
            CloseOutcome::ALL
                .iter()
                .copied()
                .find(|o| names(*o).contains(&wanted))
        })
        .or_else(|| {
            let mut starts = CloseOutcome::ALL
                .iter()
                .copied()
                .filter(|o| names(*o).iter().any(|n| n.starts_with(&wanted)));
            match (starts.next(), starts.next()) {
                (Some(one), None) => Some(one),
                _ => None,
            }
        })
}

fn triage(words: &[&str]) -> Result<Triage, CommandError> {
    fn pick<T: Copy>(
        word: Option<&&str>,
        what: &'static str,
        all: &[T],
        code: fn(T) -> &'static str,
        parse: fn(&str) -> Option<T>,
    ) -> Result<T, CommandError> {
        let word = word.ok_or(CommandError::Missing(what))?;
        let codes: Vec<&str> = all.iter().map(|v| code(*v)).collect();
        casework::choose(word, &codes)
            .and_then(parse)
            .ok_or_else(|| CommandError::UnknownChoice(what, word.to_string()))
    }
    Ok(Triage {
        consent: pick(
            words.first(),
            "consent",
            Consent::ALL,
            Consent::as_str,
            Consent::parse,
        )?,
        intent: pick(
            words.get(1),
            "intent",
            Intent::ALL,
            Intent::as_str,
            Intent::parse,
        )?,
        category: pick(
            words.get(2),
            "category",
            Category::ALL,
            Category::as_str,
            Category::parse,
        )?,
    })
}

pub fn parse(line: &str) -> Result<Line, CommandError> {
    let line = line.trim().trim_start_matches(':').trim();
    let mut words = line.split_whitespace();
    let first = words.next().ok_or(CommandError::Empty)?;
    if let Ok(id) = first.trim_start_matches('#').parse::<u64>() {
        return Ok(Line::Open(id));
    }
    let verb = canonical(first).ok_or(CommandError::UnknownVerb(first.to_string()))?;
    let id: u64 = words
        .next()
        .and_then(|w| w.trim_start_matches('#').parse().ok())
        .ok_or(CommandError::CaseNumber)?;
    let rest: Vec<&str> = words.collect();
    let text = rest.join(" ");
    let run = |command| Ok(Line::Run(id, command));
    match verb {
        "ack" => run(CaseCommand::Acknowledge),
        "accept" => run(CaseCommand::AcceptTransfer),
        "open" => Ok(Line::Open(id)),
        "assign" if text.is_empty() => Err(CommandError::Missing("lawyer")),
        "assign" => Ok(Line::Assign(id, text)),
        "note" if text.is_empty() => Err(CommandError::Missing("text")),
        "note" => run(CaseCommand::Note(NoteRequest { text })),
        "reopen" if text.is_empty() => Err(CommandError::Missing("reason")),
        "reopen" => run(CaseCommand::Reopen(ReopenRequest { reason: text })),
        "decline" if text.is_empty() => Err(CommandError::Missing("reason")),
        "decline" => run(CaseCommand::DeclineTransfer(DeclineRequest {
            reason: text,
        })),
        "triage" => run(CaseCommand::Triage(triage(&rest)?)),
        "close" => {
            let word = rest.first().ok_or(CommandError::Missing("outcome"))?;
            let outcome =
                close_outcome(word).ok_or(CommandError::UnknownOutcome(word.to_string()))?;
            Ok(Line::Close(id, outcome, rest[1..].join(" ")))
        }
        "call" => Ok(Line::Call(id, text)),
        "raid" => Ok(Line::Raid(id)),
        "checkpoint" if rest.is_empty() => Ok(Line::Checkpoint(id, None)),
        "checkpoint" => match checkpoint_codes(&rest)[..] {
            [] => Err(CommandError::UnknownCheckpoint(text)),
            [one] => Ok(Line::Checkpoint(id, Some(one))),
            _ => Ok(Line::CheckpointAmong(id, text)),
        },
        _ => Err(CommandError::UnknownVerb(first.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verbs_on_short_case_numbers() {
        assert_eq!(
            parse("ack 1042"),
            Ok(Line::Run(1042, CaseCommand::Acknowledge))
        );
        assert_eq!(
            parse(":atender #1042"),
            Ok(Line::Run(1042, CaseCommand::Acknowledge))
        );
        assert_eq!(
            parse("assign 1042 Ana Beltrán"),
            Ok(Line::Assign(1042, "Ana Beltrán".into()))
        );
        assert_eq!(
            parse("close 1042 false-alarm"),
            Ok(Line::Close(1042, CloseOutcome::FalseAlarm, String::new()))
        );
        assert_eq!(
            parse("close 1042 false_alarm nadie detenido"),
            Ok(Line::Close(
                1042,
                CloseOutcome::FalseAlarm,
                "nadie detenido".into()
            ))
        );
        assert_eq!(
            parse("cerrar 1042 falsa-alarma nadie detenido"),
            Ok(Line::Close(
                1042,
                CloseOutcome::FalseAlarm,
                "nadie detenido".into()
            ))
        );
        assert_eq!(parse("1042"), Ok(Line::Open(1042)));
        assert_eq!(
            parse("cp 7 detention_confirmed"),
            Ok(Line::Checkpoint(
                7,
                Some(CheckpointCode::DetentionConfirmed)
            ))
        );
        assert_eq!(
            parse("etapa 7 detención"),
            Ok(Line::Checkpoint(
                7,
                Some(CheckpointCode::DetentionConfirmed)
            ))
        );
    }

    #[test]
    fn triage_takes_codes_or_words_in_either_language() {
        let want = Triage {
            consent: Consent::Declined,
            intent: Intent::VoluntaryReturn,
            category: Category::Migratory,
        };
        assert_eq!(
            parse("triaje 9 rechaza retorno migratoria"),
            Ok(Line::Run(9, CaseCommand::Triage(want)))
        );
        assert_eq!(
            parse("triage 9 declined voluntary_return migratory"),
            Ok(Line::Run(9, CaseCommand::Triage(want)))
        );
        assert_eq!(
            parse("triage 9 quizá"),
            Err(CommandError::UnknownChoice("consent", "quizá".into()))
        );
    }

    #[test]
    fn mistakes_say_what_is_missing() {
        assert_eq!(parse(""), Err(CommandError::Empty));
        assert_eq!(parse("ack"), Err(CommandError::CaseNumber));
        assert_eq!(parse("close 9"), Err(CommandError::Missing("outcome")));
        assert_eq!(
            parse("close 9 maybe"),
            Err(CommandError::UnknownOutcome("maybe".into()))
        );
        assert_eq!(
            parse("frobnicate 9"),
            Err(CommandError::UnknownVerb("frobnicate".into()))
        );
    }
}
